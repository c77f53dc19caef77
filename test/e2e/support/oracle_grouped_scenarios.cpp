#include "oracle_grouped_scenarios.h"
#include "scenario_domains.h"

namespace pgt_e2e {
namespace {

// --- Algebraic aggregates (hidden state columns) -----------------------------

OracleScenario count_sum_avg_multikey() {
  // Two nullable key columns: (NULL, 1), (x, NULL) and (NULL, NULL) groups
  // are each separate groups; NULL inputs are skipped by count(v)/sum/avg
  // (a group whose v are all NULL has sum NULL and count(v) 0).
  TableSpec src{"gcs_src", key(100000),
                {ColumnSpec::text("grp", kRegions, 0.15), ColumnSpec::integer("sub", 1, 3, 0.15),
                 ColumnSpec::integer("v", -10, 100, 0.2), ColumnSpec::numeric("w", -5, 20, 0.2)},
                200};
  return {"count_sum_avg_multikey", {src}, {},
          "SELECT grp, sub, count(*) AS n, count(v) AS nv, sum(v) AS sv, avg(v) AS av, "
          "count(w) AS nw, sum(w) AS sw, avg(w) AS aw FROM gcs_src GROUP BY grp, sub"};
}

OracleScenario count_sum_keyless() {
  // A keyless source full of exact duplicates; sum over int and numeric,
  // the group key listed after the aggregates.
  TableSpec src{"gck_src", std::nullopt,
                {ColumnSpec::integer("a", 1, 4, 0.1), ColumnSpec::text("b", {"p", "q"}, 0.2),
                 ColumnSpec::integer("c", 0, 3, 0.2), ColumnSpec::numeric("d", 0, 2, 0.1)},
                200};
  return {"count_sum_keyless", {src}, {},
          "SELECT count(*) AS n, sum(c) AS sc, count(c) AS nc, avg(d) AS ad, sum(d) AS sd, a, b "
          "FROM gck_src GROUP BY a, b"};
}

OracleScenario min_max_int() {
  // Tiny value domain: the extremum of a group is deleted (or updated away)
  // often, and is often held by several rows at once.
  TableSpec src{"gmi_src", key(100000),
                {ColumnSpec::integer("g", 1, 6, 0.1), ColumnSpec::integer("v", 1, 5, 0.15)}, 150};
  return {"min_max_int", {src}, {},
          "SELECT g, min(v) AS mn, max(v) AS mx, count(*) AS n, count(v) AS nv FROM gmi_src GROUP BY g"};
}

OracleScenario min_max_text_numeric() {
  // MIN/MAX over text (including '' and a quote) and numeric; the keyless
  // source has duplicate extremes: deleting one copy keeps the extremum.
  TableSpec src{"gmt_src", std::nullopt,
                {ColumnSpec::integer("g", 1, 4, 0.1), ColumnSpec::text("t", kWords, 0.15),
                 ColumnSpec::numeric("x", -3, 3, 0.15)},
                150};
  return {"min_max_text_numeric", {src}, {},
          "SELECT g, min(t) AS mint, max(t) AS maxt, min(x) AS minx, max(x) AS maxx, sum(x) AS sx "
          "FROM gmt_src GROUP BY g"};
}

OracleScenario min_max_index_probe() {
  // As min_max_int, with indexes leading with the key and then each
  // argument: a lost extremum comes back from one index probe per group
  // (NULL key group included), FILTER too.
  TableSpec src{"gmp_src", key(100000),
                {ColumnSpec::integer("g", 1, 6, 0.1), ColumnSpec::integer("v", 1, 5, 0.15),
                 ColumnSpec::text("t", kWords, 0.15)},
                150};
  return {"min_max_index_probe", {src}, {},
          "SELECT g, min(v) AS mn, max(v) AS mx, max(t) FILTER (WHERE v > 2) AS mt, count(*) AS n FROM gmp_src "
          "GROUP BY g",
          {"CREATE INDEX ON gmp_src (g, v)", "CREATE INDEX ON gmp_src (g, t)", "ANALYZE"}};
}

OracleScenario min_max_index_probe_scalar() {
  // No GROUP BY: the table's extremum from an index on the argument.
  TableSpec src{"gms_src", key(100000),
                {ColumnSpec::integer("v", 1, 8, 0.15), ColumnSpec::numeric("x", -3, 3, 0.15)}, 60};
  return {"min_max_index_probe_scalar", {src}, {},
          "SELECT min(v) AS mn, max(v) AS mx, min(x) AS mnx, count(*) AS n FROM gms_src",
          {"CREATE INDEX ON gms_src (v)", "CREATE INDEX ON gms_src (x)", "ANALYZE"}};
}

OracleScenario scalar_aggregate_algebraic() {
  // No GROUP BY: always exactly one row. At most 5 rows (keys 1..5), and
  // every row has v = 1, so a group delete by v (or the linked delete) empties
  // the table: it is empty after about 6% of the batches (count 0,
  // sum/avg/min/max NULL) and filled again.
  TableSpec src{"gsa_src", key(5),
                {ColumnSpec::integer("v", 1, 1), ColumnSpec::integer("x", 1, 4, 0.2), ColumnSpec::numeric("w", 0, 3, 0.2)},
                2};
  return {"scalar_aggregate_algebraic", {src}, {{0, "v", 0, "v"}},
          "SELECT count(*) AS n, count(x) AS nx, sum(x) AS sx, avg(x) AS ax, min(x) AS mn, max(w) AS mx, "
          "sum(w) AS sw, avg(w) AS aw FROM gsa_src"};
}

OracleScenario numeric_varying_scale() {
  // numeric(12,2) / 3 has 16 to 20 decimals depending on its magnitude: the
  // scale of sum and avg follows the rows present now (avg of the remaining
  // rows has fewer digits once the row with the most decimals is gone).
  TableSpec src{"gvs_src", key(100000),
                {ColumnSpec::integer("g", 1, 5, 0.1), ColumnSpec::numeric("w", -2, 30, 0.15),
                 ColumnSpec::integer("i", 0, 9, 0.1)},
                150};
  return {"numeric_varying_scale", {src}, {},
          "SELECT g, sum(w / 3) AS s3, avg(w / 3) AS a3, avg(w * i) AS awi, avg(i::numeric / 7) AS ai7, "
          "count(*) AS n FROM gvs_src GROUP BY g"};
}

OracleScenario scalar_count_only() {
  // count(*) and nothing else: the query reads no column of its source.
  // Keyed, at most 5 rows, emptied by a group delete on e (see above).
  TableSpec src{"gco_src", key(5), {ColumnSpec::integer("e", 1, 1), ColumnSpec::integer("v", 1, 3, 0.2)}, 2};
  return {"scalar_count_only", {src}, {{0, "e", 0, "e"}}, "SELECT count(*) AS n FROM gco_src"};
}

OracleScenario scalar_count_join() {
  // count(*) of an inner join: only the join columns are read.
  TableSpec left{"gcj_left", key(40), {ColumnSpec::integer("k", 1, 8, 0.1)}, 25};
  TableSpec right{"gcj_right", std::nullopt, {ColumnSpec::integer("k", 1, 8, 0.1)}, 20};
  return {"scalar_count_join", {left, right}, {{0, "k", 1, "k"}},
          "SELECT count(*) AS n FROM gcj_left l JOIN gcj_right r ON l.k = r.k"};
}

// --- Group rescan aggregates ---------------------------------------------------

OracleScenario scalar_aggregate_rescan() {
  // Scalar aggregates that need a rescan, over a table that is often empty
  // (as in scalar_aggregate_algebraic: e = 1 everywhere): string_agg /
  // bool_and of nothing are NULL, count(*) 0.
  TableSpec src{"gsr_src", key(5),
                {ColumnSpec::integer("e", 1, 1), ColumnSpec::integer("v", 1, 3, 0.2),
                 ColumnSpec::text("t", {"p", "q", "r"}, 0.2)},
                2};
  return {"scalar_aggregate_rescan", {src}, {{0, "e", 0, "e"}},
          "SELECT count(*) AS n, string_agg(t, ',' ORDER BY t) AS ts, bool_and(v > 1) AS all_big, "
          "sum(v) * 2 + count(*) AS e, count(DISTINCT t) AS dt FROM gsr_src"};
}

OracleScenario scalar_having() {
  // A scalar aggregate with HAVING: zero or one row.
  TableSpec src{"gsh_src", key(30), {ColumnSpec::integer("v", 0, 5, 0.1)}, 6};
  return {"scalar_having", {src}, {},
          "SELECT count(*) AS n, sum(v) AS sv FROM gsh_src HAVING count(*) > 5"};
}

OracleScenario filter_clauses() {
  TableSpec src{"gfc_src", key(100000),
                {ColumnSpec::text("g", kRegions, 0.1), ColumnSpec::integer("v", 0, 10, 0.15),
                 ColumnSpec::text("t", kWords, 0.2)},
                200};
  return {"filter_clauses", {src}, {},
          "SELECT g, count(*) AS n, count(*) FILTER (WHERE v > 5) AS n_big, "
          "sum(v) FILTER (WHERE t IS NOT NULL) AS s_t, min(v) FILTER (WHERE t <> '') AS min_t, "
          "max(t) FILTER (WHERE v < 3) AS max_small, avg(v) FILTER (WHERE v IS NOT NULL AND v % 2 = 0) AS a_even "
          "FROM gfc_src GROUP BY g"};
}

OracleScenario having_threshold() {
  // About 14 rows per group over 14 groups: groups cross both thresholds in
  // both directions as rows come and go.
  TableSpec src{"ght_src", key(100000),
                {ColumnSpec::integer("g", 1, 14, 0.05), ColumnSpec::integer("v", -5, 10, 0.1)}, 200};
  return {"having_threshold", {src}, {},
          "SELECT g, count(*) AS n, sum(v) AS sv FROM ght_src GROUP BY g "
          "HAVING count(*) >= 14 OR sum(v) < 10"};
}

OracleScenario string_array_agg() {
  TableSpec src{"gsag_src", key(100000),
                {ColumnSpec::integer("g", 1, 6, 0.1), ColumnSpec::text("t", kWords, 0.15),
                 ColumnSpec::integer("v", 0, 20, 0.15)},
                150};
  return {"string_array_agg", {src}, {},
          "SELECT g, string_agg(t, '|' ORDER BY t DESC) AS ts, array_agg(v ORDER BY v NULLS FIRST) AS vs, "
          "string_agg(DISTINCT t, ',') AS dts, array_agg(t ORDER BY t) FILTER (WHERE v > 10) AS big_ts "
          "FROM gsag_src GROUP BY g"};
}

OracleScenario bool_json_agg() {
  // json has no "=": the json aggregate is compared through its text.
  TableSpec src{"gbj_src", std::nullopt,
                {ColumnSpec::integer("g", 1, 5, 0.1), ColumnSpec::integer("v", 0, 6, 0.15),
                 ColumnSpec::text("t", kWords, 0.2)},
                150};
  return {"bool_json_agg", {src}, {},
          "SELECT g, bool_and(v > 1) AS all_pos, bool_or(t = 'alpha') AS any_alpha, every(t IS NOT NULL) AS ev, "
          "json_agg(v ORDER BY v NULLS LAST)::text AS jv, jsonb_agg(t ORDER BY t NULLS FIRST) AS jt "
          "FROM gbj_src GROUP BY g"};
}

OracleScenario count_distinct() {
  TableSpec src{"gcd_src", std::nullopt,
                {ColumnSpec::text("g", kRegions, 0.1), ColumnSpec::integer("v", 1, 5, 0.15),
                 ColumnSpec::text("t", kWords, 0.15)},
                150};
  return {"count_distinct", {src}, {},
          "SELECT g, count(DISTINCT v) AS dv, sum(DISTINCT v) AS sdv, count(DISTINCT t) AS dt, count(*) AS n "
          "FROM gcd_src GROUP BY g"};
}

OracleScenario aggregate_expressions() {
  TableSpec src{"gae_src", key(100000),
                {ColumnSpec::integer("g", 1, 5, 0.1), ColumnSpec::integer("v", -5, 30, 0.15),
                 ColumnSpec::numeric("n", 0, 10, 0.15)},
                200};
  return {"aggregate_expressions", {src}, {},
          "SELECT g, sum(v) * 2 + count(*) AS e, coalesce(max(v) - min(v), -1) AS spread, "
          "round(avg(n), 3) AS an3, avg(n) AS an, sum(n) / nullif(count(n), 0) AS mean_n, "
          "count(*) FILTER (WHERE v > 10)::numeric / count(*) AS frac, g * 10 + 1 AS g10 "
          "FROM gae_src GROUP BY g"};
}

// --- Group keys ---------------------------------------------------------------

OracleScenario group_by_expression() {
  // lower(t) merges 'Alpha', 'alpha', 'ALPHA' into one group; v % 3 of a
  // negative v is negative; NULLs in either make a NULL key.
  TableSpec src{"gbe_src", key(100000),
                {ColumnSpec::text("t", kCased, 0.1), ColumnSpec::integer("v", -6, 12, 0.1)}, 200};
  return {"group_by_expression", {src}, {},
          "SELECT lower(t) AS lt, v % 3 AS m, count(*) AS n, sum(v) AS sv, max(t) AS mt "
          "FROM gbe_src GROUP BY lower(t), v % 3"};
}

OracleScenario group_key_not_selected() {
  // The group keys are not in the select list: several groups show the same
  // row (a multiset), and a constant column rides along.
  TableSpec src{"gns_src", std::nullopt,
                {ColumnSpec::integer("g", 1, 4, 0.1), ColumnSpec::integer("sub", 1, 2, 0.1),
                 ColumnSpec::integer("v", 0, 3, 0.15)},
                150};
  return {"group_key_not_selected", {src}, {},
          "SELECT sum(v) AS s, count(*) AS n, min(v) AS mn, 'k' AS c FROM gns_src GROUP BY g, sub"};
}

OracleScenario key_expressions_having() {
  // Select-list expressions over grouping expressions, a constant, and a
  // HAVING on the key.
  TableSpec src{"gkh_src", key(100000),
                {ColumnSpec::text("t", kCased, 0.1), ColumnSpec::integer("v", -6, 12, 0.1)}, 200};
  return {"key_expressions_having", {src}, {},
          "SELECT (v % 3) + 1 AS m1, upper(lower(t)) AS ut, 'k' AS c, count(*) AS n, sum(v) + max(v) AS e "
          "FROM gkh_src GROUP BY v % 3, lower(t) HAVING lower(t) IS DISTINCT FROM 'beta'"};
}

OracleScenario numeric_key_scales() {
  // The key is trunc(b) (scale 0: 3) for even a and b - b % 1 (scale 2:
  // 3.00) otherwise: equal values of different forms fall into one group.
  TableSpec src{"gnk_src", key(100000),
                {ColumnSpec::integer("a", 0, 5, 0.1), ColumnSpec::numeric("b", 0, 4, 0.1)}, 200};
  return {"numeric_key_scales", {src}, {},
          "SELECT CASE WHEN a % 2 = 0 THEN trunc(b) ELSE b - b % 1 END AS k, "
          "CASE WHEN a > 2 THEN 1.0 ELSE 1 END AS one, count(*) AS n, sum(b) AS sb, min(b) AS mb "
          "FROM gnk_src GROUP BY 1, 2"};
}

OracleScenario float_and_typed_keys() {
  // A float8 key where -0 and 0 are one group (0 * -1 is -0), a bool key
  // and a date key.
  TableSpec src{"gfk_src", key(100000),
                {ColumnSpec::integer("a", 0, 8, 0.1), ColumnSpec::integer("v", 0, 9, 0.1)}, 200};
  return {"float_and_typed_keys", {src}, {},
          "SELECT ((a % 3)::float8 * CASE WHEN v < 5 THEN -1 ELSE 1 END) AS fk, (v > 4) AS big, "
          "DATE '2024-02-28' + (a % 3)::int AS d, count(*) AS n, sum(v) AS sv "
          "FROM gfk_src GROUP BY 1, 2, 3"};
}

OracleScenario equal_keys_rescan() {
  // Group rescan of groups whose keys have several forms: numeric 3 / 3.00
  // and float8 0 / -0 (the rescan must find every row of the group).
  TableSpec src{"gek_src", key(100000),
                {ColumnSpec::integer("a", 0, 5, 0.1), ColumnSpec::numeric("b", 0, 3, 0.1),
                 ColumnSpec::integer("v", 0, 9, 0.1)},
                150};
  return {"equal_keys_rescan", {src}, {},
          "SELECT CASE WHEN a % 2 = 0 THEN trunc(b) ELSE b - b % 1 END AS k, "
          "((a % 2)::float8 * CASE WHEN v < 5 THEN -1 ELSE 1 END) AS fk, "
          "string_agg(b::text, ',' ORDER BY b, a) AS bs, count(DISTINCT v) AS dv FROM gek_src GROUP BY 1, 2 "
          "HAVING count(*) > 1"};
}

// --- DISTINCT -----------------------------------------------------------------

OracleScenario distinct_keyed() {
  TableSpec src{"gdk_src", key(100000),
                {ColumnSpec::integer("a", 1, 5, 0.1), ColumnSpec::text("b", {"x", "y", "z"}, 0.1),
                 ColumnSpec::integer("c", 0, 3)},
                150};
  return {"distinct_keyed", {src}, {}, "SELECT DISTINCT a, b FROM gdk_src WHERE c <> 1"};
}

OracleScenario distinct_keyless() {
  TableSpec src{"gdl_src", std::nullopt,
                {ColumnSpec::integer("a", 1, 4, 0.2), ColumnSpec::text("b", {"x", "y"}, 0.2),
                 ColumnSpec::numeric("c", 0, 1, 0.1)},
                150};
  return {"distinct_keyless", {src}, {}, "SELECT DISTINCT a, b, a * 2 AS a2 FROM gdl_src"};
}

// --- Grouping over joins and subqueries ------------------------------------------

OracleScenario join2_aggregate() {
  TableSpec products{"gj2_products", key(20),
                     {ColumnSpec::text("category", kRegions, 0.1), ColumnSpec::numeric("price", 1, 50, 0.05)},
                     15};
  TableSpec orders{"gj2_orders", key(100000),
                   {ColumnSpec::integer("prod_id", 1, 22, 0.05), ColumnSpec::integer("qty", 0, 10, 0.1)}, 200};
  return {"join2_aggregate", {products, orders}, {{0, "id", 1, "prod_id"}},
          "SELECT p.category, sum(o.qty * p.price) AS revenue, count(*) AS n, min(o.qty) AS min_qty, "
          "max(p.price) AS max_price FROM gj2_orders o JOIN gj2_products p ON o.prod_id = p.id "
          "GROUP BY p.category"};
}

OracleScenario join3_aggregate() {
  TableSpec customers{"gj3_customers", key(30),
                      {ColumnSpec::text("name", kWords), ColumnSpec::text("region", kRegions, 0.1)}, 20};
  TableSpec products{"gj3_products", key(25),
                     {ColumnSpec::text("title", {"a", "b", "c"}), ColumnSpec::numeric("price", 1, 100)}, 15};
  TableSpec orders{"gj3_orders", key(100000),
                   {ColumnSpec::integer("cust_id", 1, 32, 0.05), ColumnSpec::integer("prod_id", 1, 27, 0.05),
                    ColumnSpec::integer("qty", 0, 10)},
                   200};
  return {"join3_aggregate",
          {customers, products, orders},
          {{0, "id", 2, "cust_id"}, {1, "id", 2, "prod_id"}},
          "SELECT c.region, p.title, sum(o.qty * p.price) AS total, count(*) AS n, avg(o.qty) AS aq, "
          "max(c.name) AS mname FROM gj3_orders o JOIN gj3_customers c ON o.cust_id = c.id "
          "JOIN gj3_products p ON o.prod_id = p.id WHERE o.qty > 0 GROUP BY c.region, p.title",
          kAnalyze};
}

OracleScenario join_aggregate_rescan() {
  // Group-rescan aggregates over a join: an affected group is recomputed
  // from both sides.
  TableSpec customers{"gjr_customers", key(25),
                      {ColumnSpec::text("name", kWords, 0.1), ColumnSpec::integer("tier", 1, 3, 0.1)}, 15};
  TableSpec orders{"gjr_orders", key(100000),
                   {ColumnSpec::integer("cust_id", 1, 27, 0.05), ColumnSpec::integer("qty", 0, 6, 0.1)}, 150};
  return {"join_aggregate_rescan", {customers, orders}, {{0, "id", 1, "cust_id"}},
          "SELECT c.tier, string_agg(DISTINCT c.name, ',' ORDER BY c.name) AS names, "
          "array_agg(o.qty ORDER BY o.qty) AS qtys, count(DISTINCT c.id) AS ncust "
          "FROM gjr_orders o JOIN gjr_customers c ON o.cust_id = c.id GROUP BY c.tier HAVING count(*) > 2"};
}

OracleScenario self_join_aggregate() {
  // Keyless self-join: duplicates multiply, one change feeds both sides.
  TableSpec src{"gsj_src", std::nullopt,
                {ColumnSpec::integer("k", 1, 5, 0.1), ColumnSpec::integer("v", 0, 4, 0.1)}, 50};
  return {"self_join_aggregate", {src}, {{0, "k", 0, "k"}},
          "SELECT a.k, count(*) AS n, sum(b.v) AS sv, min(a.v) AS mn, max(b.v - a.v) AS md "
          "FROM gsj_src a JOIN gsj_src b ON a.k = b.k AND a.v <= b.v GROUP BY a.k"};
}

OracleScenario subquery_aggregate() {
  // The input is a select-project-join subquery in FROM (filter,
  // expressions); the grouping is at the top.
  TableSpec src{"gsq_src", key(100000),
                {ColumnSpec::text("g", kRegions, 0.1), ColumnSpec::integer("v", -5, 50, 0.1),
                 ColumnSpec::numeric("w", 0, 10, 0.1)},
                200};
  return {"subquery_aggregate", {src}, {},
          "SELECT s.g2, count(*) AS n, sum(s.v2) AS sv2, avg(s.w) AS aw, max(s.v2) AS mx "
          "FROM (SELECT upper(g) AS g2, v * 2 AS v2, w FROM gsq_src WHERE v > 0 OR w IS NULL) s GROUP BY s.g2"};
}

OracleScenario distinct_over_join() {
  TableSpec customers{"gdj_customers", key(30),
                      {ColumnSpec::text("region", kRegions, 0.1), ColumnSpec::integer("tier", 1, 3, 0.1)}, 20};
  TableSpec orders{"gdj_orders", key(100000),
                   {ColumnSpec::integer("cust_id", 1, 32, 0.05), ColumnSpec::integer("qty", 0, 5, 0.1)}, 200};
  return {"distinct_over_join", {customers, orders}, {{0, "id", 1, "cust_id"}},
          "SELECT DISTINCT c.region, c.tier, o.qty > 2 AS big FROM gdj_orders o "
          "JOIN gdj_customers c ON o.cust_id = c.id"};
}

}  // namespace

std::vector<OracleScenario> grouped_oracle_scenarios() {
  return {// algebraic
          count_sum_avg_multikey(), count_sum_keyless(), min_max_int(), min_max_text_numeric(),
          min_max_index_probe(), min_max_index_probe_scalar(),
          numeric_varying_scale(),
          // scalar aggregates
          scalar_aggregate_algebraic(), scalar_count_only(), scalar_count_join(), scalar_aggregate_rescan(),
          scalar_having(),
          // group rescan
          filter_clauses(), having_threshold(), string_array_agg(), bool_json_agg(), count_distinct(),
          aggregate_expressions(),
          // group keys
          group_by_expression(), group_key_not_selected(), key_expressions_having(), numeric_key_scales(),
          float_and_typed_keys(), equal_keys_rescan(),
          // DISTINCT
          distinct_keyed(), distinct_keyless(),
          // joins and subqueries
          join2_aggregate(), join3_aggregate(), join_aggregate_rescan(), self_join_aggregate(), subquery_aggregate(),
          distinct_over_join()};
}

}  // namespace pgt_e2e
