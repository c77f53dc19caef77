#include "oracle_nested_grouping_scenarios.h"
#include "scenario_domains.h"

namespace pgt_e2e {
namespace {

const std::vector<std::string> kTags{"p", "q", "r"};
// Many groups; values an array's text form must quote ("NULL", braces,
// commas, blanks, a double quote, a backslash, '').
const std::vector<std::string> kManyWords{"alpha", "beta", "gamma", "delta", "o'brien", "",     " ",
                                          "Alpha", "NULL", "{b}",   "iota",  "kappa",   "a,b",  "x y",
                                          "q\"t",  "back\\slash"};

// --- HAVING over DISTINCT ---------------------------------------------------------

OracleScenario having_over_distinct() {
  // A few rows per a over 40 values of a: an a crosses "more than one
  // distinct b" both ways often (duplicates of one (a, b) pair do not count),
  // and NULL a / NULL b are values of their own.
  TableSpec src{"nhd_src", key(100000),
                {ColumnSpec::integer("a", 1, 40, 0.05), ColumnSpec::integer("b", 1, 3, 0.1),
                 ColumnSpec::integer("c", 0, 3)},
                80};
  return {"having_over_distinct", {src}, {},
          "SELECT a, count(*) AS n FROM (SELECT DISTINCT a, b FROM nhd_src) s GROUP BY a HAVING count(*) > 1"};
}

OracleScenario having_over_distinct_text_keyless() {
  // Keyless, a text partition column that is an expression (lower(g) merges
  // 'Alpha' and 'alpha'; '' and a quote among the values, NULL often), the
  // inner DISTINCT filtered; the HAVING reads the aggregates of the distinct
  // pairs.
  TableSpec src{"nhk_src", std::nullopt,
                {ColumnSpec::text("g", kManyWords, 0.1), ColumnSpec::integer("b", 1, 3, 0.2),
                 ColumnSpec::integer("c", 0, 2)},
                50};
  return {"having_over_distinct_text_keyless", {src}, {},
          "SELECT s.g, count(*) AS n, count(s.b) AS nb, min(s.b) AS mb, max(s.b) AS xb "
          "FROM (SELECT DISTINCT lower(g) AS g, b FROM nhk_src WHERE c <> 0) s GROUP BY s.g "
          "HAVING count(*) >= 2 OR min(s.b) = 3"};
}

OracleScenario rescan_aggregates_over_distinct() {
  // Group-rescan aggregates (string_agg, count(DISTINCT)) over distinct
  // pairs, a WHERE on both levels, a HAVING on a sum.
  TableSpec src{"nhr_src", key(100000),
                {ColumnSpec::integer("a", 1, 15, 0.1), ColumnSpec::integer("b", 0, 5, 0.1),
                 ColumnSpec::integer("c", 0, 3, 0.1)},
                120};
  return {"rescan_aggregates_over_distinct", {src}, {},
          "SELECT s.a, sum(s.b) AS sb, count(*) AS n, string_agg(s.b::text, ',' ORDER BY s.b) AS bs, "
          "count(DISTINCT s.b % 2) AS parities FROM (SELECT DISTINCT a, b FROM nhr_src WHERE c > 0) s "
          "WHERE s.b IS NOT NULL GROUP BY s.a HAVING sum(s.b) > 2"};
}

OracleScenario char_partition_column() {
  // A char(6) partition column (blank-padded; its equality ignores trailing
  // blanks): the touched values must keep their length through the refresh.
  TableSpec src{"nch_src", key(100000),
                {ColumnSpec::text("t", kWords, 0.1), ColumnSpec::integer("b", 1, 3, 0.1)}, 40};
  return {"char_partition_column", {src}, {},
          "SELECT s.c, count(*) AS n FROM (SELECT DISTINCT t::char(6) AS c, b FROM nch_src) s GROUP BY s.c"};
}

OracleScenario distinct_with_exists_in_leaf() {
  // The grouped subquery's WHERE has an EXISTS: a change of the other table
  // moves rows in and out of the inner DISTINCT.
  TableSpec src{"nde_src", key(100000),
                {ColumnSpec::integer("k", 1, 10, 0.1), ColumnSpec::integer("b", 1, 4, 0.1)}, 50};
  TableSpec ok{"nde_ok", std::nullopt, {ColumnSpec::integer("k", 1, 20, 0.1), ColumnSpec::integer("w", 0, 1)}, 8};
  return {"distinct_with_exists_in_leaf", {src, ok}, {{0, "k", 1, "k"}},
          "SELECT s.k, count(*) AS n FROM (SELECT DISTINCT k, b FROM nde_src t "
          "WHERE EXISTS (SELECT 1 FROM nde_ok o WHERE o.k = t.k)) s GROUP BY s.k HAVING count(*) > 1",
          kAnalyze};
}

OracleScenario numeric_partition_forms() {
  // The partition column is numeric with equal values of different forms:
  // trunc(b) (2), trunc(b)::numeric(8,1) (2.0) and b - b % 1 (2.00) by a % 3.
  // The distinct pairs of (k, v) count once per value of k whatever its form.
  TableSpec src{"nnf_src", key(100000),
                {ColumnSpec::integer("a", 0, 5, 0.1), ColumnSpec::numeric("b", 0, 30, 0.05),
                 ColumnSpec::integer("v", 0, 3, 0.1)},
                80};
  return {"numeric_partition_forms", {src}, {},
          "SELECT s.k, count(*) AS n, sum(s.v) AS sv FROM (SELECT DISTINCT CASE a % 3 WHEN 0 THEN trunc(b) "
          "WHEN 1 THEN trunc(b)::numeric(8,1) ELSE b - b % 1 END AS k, v FROM nnf_src) s "
          "GROUP BY s.k HAVING count(*) > 2"};
}

// --- Set operations of aggregates -------------------------------------------------

OracleScenario except_of_aggregates() {
  // About 2.5 rows per key on each side: the two counts of a key are equal
  // often (the key is hidden), and differ as rows come and go or change key.
  TableSpec a{"nea_a", key(100000), {ColumnSpec::integer("k", 1, 8, 0.1), ColumnSpec::integer("v", 0, 3)}, 20};
  TableSpec b{"nea_b", std::nullopt, {ColumnSpec::integer("k", 1, 8, 0.1), ColumnSpec::integer("v", 0, 3)}, 20};
  return {"except_of_aggregates", {a, b}, {{0, "k", 1, "k"}},
          "SELECT k, count(*) AS n FROM nea_a GROUP BY k EXCEPT SELECT k, count(*) FROM nea_b GROUP BY k"};
}

OracleScenario except_of_aggregates_one_table() {
  // Both sides read one table: an update of `side` moves a row from one
  // side's count to the other's.
  TableSpec src{"neo_src", key(100000),
                {ColumnSpec::text("k", kRegions, 0.1), ColumnSpec::integer("side", 0, 1),
                 ColumnSpec::integer("v", 0, 3)},
                40};
  return {"except_of_aggregates_one_table", {src}, {},
          "SELECT k, count(*) AS n FROM neo_src WHERE side = 0 GROUP BY k "
          "EXCEPT SELECT k, count(*) FROM neo_src WHERE side = 1 GROUP BY k"};
}

OracleScenario intersect_of_aggregates() {
  // A few rows per key on each side: the two counts of a key are equal
  // now and then (the key shows), and differ as rows come, go or move.
  TableSpec a{"nia_a", std::nullopt, {ColumnSpec::integer("k", 1, 10, 0.1), ColumnSpec::integer("v", 1, 2)}, 25};
  TableSpec b{"nia_b", key(100000), {ColumnSpec::integer("k", 1, 10, 0.1), ColumnSpec::integer("v", 1, 2)}, 25};
  return {"intersect_of_aggregates", {a, b}, {{0, "k", 1, "k"}},
          "SELECT k, count(*) AS n FROM nia_a GROUP BY k INTERSECT SELECT k, count(*) FROM nia_b GROUP BY k"};
}

OracleScenario union_of_aggregates() {
  // Text keys: min of one side and max of the other are often equal (one
  // row), and NULL keys and NULL aggregates (all v NULL) are equal too.
  TableSpec a{"nua_a", key(100000), {ColumnSpec::text("k", kWords, 0.1), ColumnSpec::integer("v", 0, 3, 0.2)}, 30};
  TableSpec b{"nua_b", std::nullopt, {ColumnSpec::text("k", kWords, 0.1), ColumnSpec::integer("v", 0, 3, 0.2)}, 30};
  return {"union_of_aggregates", {a, b}, {{0, "k", 1, "k"}},
          "SELECT k, min(v) AS m FROM nua_a GROUP BY k UNION SELECT k, max(v) FROM nua_b GROUP BY k"};
}

OracleScenario union_of_aggregates_mixed_types() {
  // A bigint branch and a numeric branch (2.00 forms): the result column is
  // numeric, the bigint branch's key is coerced above it.
  TableSpec a{"num_a", key(100000), {ColumnSpec::integer("k", 0, 6, 0.1), ColumnSpec::integer("v", 0, 3)}, 25};
  TableSpec b{"num_b", std::nullopt, {ColumnSpec::numeric("x", 0, 6, 0.1)}, 25};
  return {"union_of_aggregates_mixed_types", {a, b}, {},
          "SELECT k, count(*) AS n FROM num_a GROUP BY k UNION SELECT x - x % 1, count(*) FROM num_b GROUP BY 1"};
}

OracleScenario constant_branch_in_union_all() {
  // One branch of the UNION ALL below the aggregate is not grouped and puts
  // a constant in the partition column.
  TableSpec a{"ncb_a", key(100000), {ColumnSpec::integer("k", 1, 6, 0.1), ColumnSpec::integer("v", 0, 3)}, 30};
  TableSpec b{"ncb_b", std::nullopt, {ColumnSpec::integer("v", 0, 3, 0.1)}, 10};
  return {"constant_branch_in_union_all", {a, b}, {},
          "SELECT u.k, sum(u.n) AS n, count(*) AS parts FROM (SELECT k, count(*) AS n FROM ncb_a GROUP BY k "
          "UNION ALL SELECT 3, v FROM ncb_b WHERE v > 0) u GROUP BY u.k"};
}

OracleScenario union_all_of_aggregates() {
  TableSpec a{"nuaa_a", key(100000),
              {ColumnSpec::integer("k", 1, 20, 0.05), ColumnSpec::integer("v", -2, 6, 0.15)}, 80};
  TableSpec b{"nuaa_b", std::nullopt,
              {ColumnSpec::integer("k", 1, 20, 0.05), ColumnSpec::integer("v", -2, 6, 0.15)}, 80};
  return {"union_all_of_aggregates", {a, b}, {{0, "k", 1, "k"}},
          "SELECT k, count(*) AS n, sum(v) AS s, 'a' AS src FROM nuaa_a GROUP BY k "
          "UNION ALL SELECT k, count(*), sum(v), 'b' FROM nuaa_b WHERE v > 0 GROUP BY k"};
}

OracleScenario except_all_of_groupings() {
  // Each side has one row per (g, h) group and shows only g: g appears as
  // many times as it has h values on the left, minus those on the right.
  TableSpec a{"neaa_a", std::nullopt,
              {ColumnSpec::integer("g", 1, 6, 0.1), ColumnSpec::text("h", kTags, 0.1)}, 30};
  TableSpec b{"neaa_b", key(100000),
              {ColumnSpec::integer("g", 1, 6, 0.1), ColumnSpec::text("h", kTags, 0.1)}, 20};
  return {"except_all_of_groupings", {a, b}, {{0, "g", 1, "g"}},
          "SELECT g FROM neaa_a GROUP BY g, h EXCEPT ALL SELECT g FROM neaa_b GROUP BY g, h"};
}

OracleScenario intersect_all_of_groupings() {
  // min(left, right) copies of g, one per (g, h) group on each side.
  TableSpec a{"nia2_a", key(100000), {ColumnSpec::text("g", kRegions, 0.1), ColumnSpec::integer("h", 1, 4, 0.1)}, 30};
  TableSpec b{"nia2_b", std::nullopt, {ColumnSpec::text("g", kRegions, 0.1), ColumnSpec::integer("h", 1, 4, 0.1)}, 20};
  return {"intersect_all_of_groupings", {a, b}, {{0, "g", 1, "g"}},
          "SELECT g FROM nia2_a GROUP BY g, h HAVING count(*) > 1 INTERSECT ALL SELECT g FROM nia2_b GROUP BY g, h"};
}

OracleScenario aggregate_over_union_all_of_aggregates() {
  TableSpec a{"naua_a", key(100000), {ColumnSpec::integer("k", 1, 10, 0.1), ColumnSpec::integer("v", 0, 3)}, 40};
  TableSpec b{"naua_b", std::nullopt, {ColumnSpec::integer("k", 1, 10, 0.1), ColumnSpec::integer("v", 0, 3)}, 30};
  return {"aggregate_over_union_all_of_aggregates", {a, b}, {{0, "k", 1, "k"}},
          "SELECT u.k, sum(u.n) AS n, count(*) AS branches, max(u.mv) AS mv FROM "
          "(SELECT k, count(*) AS n, max(v) AS mv FROM naua_a GROUP BY k UNION ALL "
          "SELECT k, count(*), max(v) FROM naua_b GROUP BY k) u GROUP BY u.k HAVING sum(u.n) > 2"};
}

OracleScenario aggregate_over_except() {
  TableSpec a{"nae_a", key(100000), {ColumnSpec::integer("k", 1, 8, 0.1), ColumnSpec::integer("v", 0, 4, 0.1)}, 50};
  TableSpec b{"nae_b", std::nullopt, {ColumnSpec::integer("k", 1, 8, 0.1), ColumnSpec::integer("v", 0, 4, 0.1)}, 30};
  return {"aggregate_over_except", {a, b}, {{0, "k", 1, "k"}},
          "SELECT e.k, count(*) AS n, max(e.v) AS mx FROM "
          "(SELECT k, v FROM nae_a EXCEPT SELECT k, v FROM nae_b) e GROUP BY e.k"};
}

OracleScenario aggregate_over_union() {
  // count over UNION (distinct): a pair in both branches counts once.
  TableSpec a{"nau_a", std::nullopt, {ColumnSpec::text("k", kRegions, 0.1), ColumnSpec::integer("v", 0, 3, 0.1)}, 30};
  TableSpec b{"nau_b", key(100000), {ColumnSpec::text("k", kRegions, 0.1), ColumnSpec::integer("v", 0, 3, 0.1)}, 30};
  return {"aggregate_over_union", {a, b}, {{0, "k", 1, "k"}},
          "SELECT u.k, count(*) AS n, count(u.v) AS nv, sum(u.v) AS sv FROM "
          "(SELECT k, v FROM nau_a UNION SELECT k, v FROM nau_b) u GROUP BY u.k"};
}

// --- Aggregates over grouped subqueries -----------------------------------------

OracleScenario aggregate_two_levels() {
  TableSpec src{"nt2_src", key(100000),
                {ColumnSpec::text("g", kRegions, 0.1), ColumnSpec::integer("h", 1, 4, 0.1),
                 ColumnSpec::integer("v", -3, 9, 0.15)},
                150};
  return {"aggregate_two_levels", {src}, {},
          "SELECT s.g, count(*) AS groups, sum(s.n) AS rows_total, max(s.sv) AS max_sum, min(s.h) AS min_h "
          "FROM (SELECT g, h, count(*) AS n, sum(v) AS sv FROM nt2_src GROUP BY g, h) s GROUP BY s.g"};
}

OracleScenario aggregate_three_levels() {
  // Keyless; (g, h, i) groups whose sum is 0 are filtered out between the
  // levels, so a value update inside one group can change the top level.
  TableSpec src{"nt3_src", std::nullopt,
                {ColumnSpec::integer("g", 1, 5, 0.1), ColumnSpec::integer("h", 1, 3, 0.1),
                 ColumnSpec::integer("i", 1, 3), ColumnSpec::integer("v", 0, 2, 0.1)},
                120};
  return {"aggregate_three_levels", {src}, {},
          "SELECT r.g, count(*) AS hs, sum(r.c) AS is_total, max(r.c) AS mx FROM "
          "(SELECT s.g, s.h, count(*) AS c FROM (SELECT g, h, i, sum(v) AS sv FROM nt3_src GROUP BY g, h, i) s "
          "WHERE s.sv IS DISTINCT FROM 0 GROUP BY s.g, s.h) r GROUP BY r.g HAVING count(*) > 1"};
}

OracleScenario filter_over_grouped() {
  // Sums near the threshold: keys cross it both ways.
  TableSpec src{"nfg_src", key(100000),
                {ColumnSpec::integer("k", 1, 30, 0.05), ColumnSpec::integer("x", 0, 5, 0.1)}, 150};
  return {"filter_over_grouped", {src}, {},
          "SELECT * FROM (SELECT k, sum(x) AS s FROM nfg_src GROUP BY k) g WHERE g.s > 10"};
}

OracleScenario partition_column_last() {
  // The partition column is the last output column (the ones before it are
  // aggregates).
  TableSpec src{"npl_src", std::nullopt,
                {ColumnSpec::integer("k", 1, 12, 0.1), ColumnSpec::integer("x", 0, 5, 0.1)}, 60};
  return {"partition_column_last", {src}, {},
          "SELECT g.s, g.n, g.k FROM (SELECT k, sum(x) AS s, count(*) AS n FROM npl_src GROUP BY k) g "
          "WHERE g.n > 1 OR g.s IS NULL"};
}

OracleScenario distinct_over_group_by() {
  // DISTINCT and GROUP BY at the same level: a shows once if any of its
  // (a, b) groups has more than one row.
  TableSpec src{"ndg_src", std::nullopt,
                {ColumnSpec::integer("a", 1, 10, 0.1), ColumnSpec::text("b", kTags, 0.1),
                 ColumnSpec::integer("c", 0, 2)},
                60};
  return {"distinct_over_group_by", {src}, {},
          "SELECT DISTINCT a FROM ndg_src GROUP BY a, b HAVING count(*) > 1"};
}

// --- Joins over aggregated subqueries ---------------------------------------------

OracleScenario join_of_two_aggregates() {
  TableSpec x{"nj2_x", key(100000), {ColumnSpec::integer("k", 1, 15, 0.1), ColumnSpec::integer("v", 0, 5)}, 40};
  TableSpec y{"nj2_y", std::nullopt, {ColumnSpec::integer("k", 1, 15, 0.1), ColumnSpec::integer("v", -3, 5, 0.1)}, 30};
  return {"join_of_two_aggregates", {x, y}, {{0, "k", 1, "k"}},
          "SELECT a.k, a.n, b.sv, b.nb FROM (SELECT k, count(*) AS n FROM nj2_x GROUP BY k) a "
          "JOIN (SELECT k, sum(v) AS sv, count(*) AS nb FROM nj2_y GROUP BY k) b ON a.k = b.k",
          kAnalyze};
}

OracleScenario aggregate_join_dimension() {
  // The dimension's key is the partition column (linked to the aggregate's
  // key by the join); a dimension row changing its label or its id.
  TableSpec dim{"njd_dim", key(25), {ColumnSpec::text("label", kWords, 0.1)}, 20};
  TableSpec fact{"njd_fact", std::nullopt,
                 {ColumnSpec::integer("k", 1, 27, 0.05), ColumnSpec::numeric("x", 0, 20, 0.1)}, 100};
  return {"aggregate_join_dimension", {dim, fact}, {{0, "id", 1, "k"}},
          "SELECT d.id, d.label, s.total, s.n FROM njd_dim d JOIN "
          "(SELECT k, sum(x) AS total, count(*) AS n FROM njd_fact GROUP BY k) s ON s.k = d.id WHERE s.n > 1",
          kAnalyze};
}

OracleScenario left_join_dimension_preserved() {
  // The dimension is preserved (keyless: duplicate and NULL ids, always
  // padded); the aggregate is on the nullable side.
  TableSpec dim{"njl_dim", std::nullopt,
                {ColumnSpec::integer("did", 1, 15, 0.1), ColumnSpec::text("label", kRegions, 0.1)}, 15};
  TableSpec fact{"njl_fact", key(100000),
                 {ColumnSpec::integer("k", 1, 17, 0.05), ColumnSpec::integer("x", -2, 9, 0.1)}, 70};
  return {"left_join_dimension_preserved", {dim, fact}, {{0, "did", 1, "k"}},
          "SELECT d.did, d.label, s.total, coalesce(s.n, 0) AS n FROM njl_dim d LEFT JOIN "
          "(SELECT k, sum(x) AS total, count(*) AS n FROM njl_fact GROUP BY k) s ON s.k = d.did",
          kAnalyze};
}

OracleScenario right_join_dimension_preserved() {
  // RIGHT JOIN: the dimension (keyed, on the right) is preserved.
  TableSpec fact{"njr_fact", std::nullopt,
                 {ColumnSpec::integer("k", 1, 14, 0.1), ColumnSpec::numeric("x", -5, 5, 0.1)}, 50};
  TableSpec dim{"njr_dim", key(12), {ColumnSpec::text("label", kWords, 0.1)}, 10};
  return {"right_join_dimension_preserved", {fact, dim}, {{0, "k", 1, "id"}},
          "SELECT d.id, d.label, s.total, s.mx FROM "
          "(SELECT k, sum(x) AS total, max(x) AS mx FROM njr_fact GROUP BY k) s "
          "RIGHT JOIN njr_dim d ON d.id = s.k",
          kAnalyze};
}

OracleScenario full_join_of_aggregates() {
  // Both sides of a FULL JOIN are nullable: no partition column, the whole
  // result is recomputed.
  TableSpec x{"njf_x", key(100000), {ColumnSpec::integer("k", 1, 10, 0.1), ColumnSpec::integer("v", 0, 5)}, 25};
  TableSpec y{"njf_y", std::nullopt, {ColumnSpec::integer("k", 1, 10, 0.1), ColumnSpec::integer("v", 0, 5)}, 20};
  return {"full_join_of_aggregates", {x, y}, {{0, "k", 1, "k"}},
          "SELECT a.k AS ak, b.k AS bk, a.n, b.sv FROM (SELECT k, count(*) AS n FROM njf_x GROUP BY k) a "
          "FULL JOIN (SELECT k, sum(v) AS sv FROM njf_y GROUP BY k) b ON a.k = b.k",
          kAnalyze};
}

OracleScenario filtered_rows_with_group_totals() {
  // A select-project-join subquery next to a grouped one, joined on the key.
  TableSpec src{"nfr_src", std::nullopt,
                {ColumnSpec::integer("k", 1, 10, 0.1), ColumnSpec::integer("v", 0, 9, 0.1)}, 50};
  TableSpec lim{"nfr_lim", key(12), {ColumnSpec::integer("k", 1, 10, 0.1), ColumnSpec::integer("cap", 0, 30)}, 8};
  return {"filtered_rows_with_group_totals", {src, lim}, {{0, "k", 1, "k"}},
          "SELECT f.k, f.v, s.total, s.n FROM (SELECT k, v FROM nfr_src WHERE v > 2) f "
          "JOIN (SELECT r.k, sum(r.v) AS total, count(*) AS n FROM nfr_src r JOIN nfr_lim l ON l.k = r.k "
          "WHERE r.v <= l.cap GROUP BY r.k) s ON s.k = f.k",
          kAnalyze};
}

OracleScenario grouping_key_from_nullable_side() {
  // Inside the grouped subquery, the partition column comes from the
  // nullable side of a LEFT JOIN: NULL for the padded rows, which move in
  // and out of the NULL partition as partners come and go.
  TableSpec a{"nnl_a", key(100000), {ColumnSpec::integer("k", 1, 12, 0.1), ColumnSpec::integer("cust", 1, 5)}, 60};
  TableSpec d{"nnl_d", std::nullopt,
              {ColumnSpec::integer("k", 1, 14, 0.1), ColumnSpec::text("label", kRegions, 0.1)}, 10};
  return {"grouping_key_from_nullable_side", {a, d}, {{0, "k", 1, "k"}},
          "SELECT s.label, count(*) AS customers, sum(s.n) AS n FROM (SELECT d.label, a.cust, count(*) AS n "
          "FROM nnl_a a LEFT JOIN nnl_d d ON d.k = a.k GROUP BY d.label, a.cust) s GROUP BY s.label",
          kAnalyze};
}

OracleScenario grouped_view_joined() {
  // The grouping is a view (inlined), joined to a table on its key.
  TableSpec fact{"ngv_fact", key(100000),
                 {ColumnSpec::integer("k", 1, 15, 0.1), ColumnSpec::integer("v", 0, 9, 0.1)}, 60};
  TableSpec dim{"ngv_dim", key(15), {ColumnSpec::text("label", kWords, 0.1)}, 12};
  return {"grouped_view_joined", {fact, dim}, {{0, "k", 1, "id"}},
          "SELECT d.id, d.label, v.n, v.sv FROM ngv_dim d JOIN ngv_counts v ON v.k = d.id",
          {"CREATE VIEW ngv_counts AS SELECT k, count(*) AS n, sum(v) AS sv FROM ngv_fact GROUP BY k", "ANALYZE"}};
}

OracleScenario chain_of_three_aggregates() {
  // Three aggregates joined in a chain by WHERE equalities (x.k = y.k,
  // y.k = z.k): the key links every item.
  TableSpec a{"nc3_a", key(100000), {ColumnSpec::integer("k", 1, 10, 0.1), ColumnSpec::integer("v", 0, 3)}, 30};
  TableSpec b{"nc3_b", std::nullopt, {ColumnSpec::integer("k", 1, 10, 0.1), ColumnSpec::integer("v", 0, 3)}, 25};
  TableSpec c{"nc3_c", key(100000), {ColumnSpec::integer("k", 1, 10, 0.1), ColumnSpec::text("t", kTags, 0.1)}, 25};
  return {"chain_of_three_aggregates", {a, b, c}, {{0, "k", 1, "k"}, {1, "k", 2, "k"}},
          "SELECT x.k, x.n, y.sv, z.ts FROM (SELECT k, count(*) AS n FROM nc3_a GROUP BY k) x, "
          "(SELECT k, sum(v) AS sv FROM nc3_b GROUP BY k) y, "
          "(SELECT k, string_agg(t, ',' ORDER BY t) AS ts FROM nc3_c GROUP BY k) z WHERE x.k = y.k AND y.k = z.k",
          kAnalyze};
}

OracleScenario share_of_total() {
  // Each key's count next to the scalar total: the total is joined by no
  // equality, so a change to any key changes every row (no partition).
  TableSpec src{"nst_src", key(100000), {ColumnSpec::integer("k", 1, 8, 0.1), ColumnSpec::integer("v", 0, 3)}, 40};
  return {"share_of_total", {src}, {},
          "SELECT s.k, s.n, s.n * 100 / t.total AS pct FROM (SELECT k, count(*) AS n FROM nst_src GROUP BY k) s "
          "CROSS JOIN (SELECT count(*) AS total FROM nst_src) t"};
}

OracleScenario join_on_aggregate_value() {
  // A dimension joined on an aggregate (the count), not on the key: the
  // dimension has no column equal to the key (no partition column).
  TableSpec src{"nja_src", std::nullopt, {ColumnSpec::integer("k", 1, 10, 0.1), ColumnSpec::integer("v", 0, 3)}, 30};
  TableSpec size{"nja_size", key(8), {ColumnSpec::text("label", kWords, 0.1)}, 6};
  return {"join_on_aggregate_value", {src, size}, {},
          "SELECT s.k, s.n, z.label FROM (SELECT k, count(*) AS n FROM nja_src GROUP BY k) s "
          "JOIN nja_size z ON z.id = s.n",
          kAnalyze};
}

OracleScenario rows_with_their_group_count() {
  // A table joined to its own per-key aggregate: each row shows its group's
  // count and max; one change reaches every row of the group.
  TableSpec src{"nrg_src", key(100000),
                {ColumnSpec::integer("k", 1, 12, 0.1), ColumnSpec::integer("v", 0, 9, 0.1)}, 60};
  return {"rows_with_their_group_count", {src}, {},
          "SELECT t.id, t.k, t.v, s.n, s.mx FROM nrg_src t JOIN "
          "(SELECT k, count(*) AS n, max(v) AS mx FROM nrg_src GROUP BY k) s ON s.k = t.k",
          kAnalyze};
}

OracleScenario numeric_join_of_aggregates() {
  // Numeric partition column of two forms (trunc(b): 2; b - b % 1: 2.00),
  // equal across the join.
  TableSpec a{"nnj_a", key(100000), {ColumnSpec::numeric("b", 0, 6, 0.1), ColumnSpec::integer("v", 0, 3)}, 40};
  TableSpec c{"nnj_c", std::nullopt, {ColumnSpec::numeric("b", 0, 6, 0.1), ColumnSpec::integer("v", 0, 3)}, 30};
  return {"numeric_join_of_aggregates", {a, c}, {{0, "b", 1, "b"}},
          "SELECT x.k, x.n, y.n AS m, y.sv FROM (SELECT trunc(b) AS k, count(*) AS n FROM nnj_a GROUP BY 1) x "
          "JOIN (SELECT b - b % 1 AS k, count(*) AS n, sum(v) AS sv FROM nnj_c GROUP BY 1) y ON x.k = y.k",
          kAnalyze};
}

// Orders, their items and the items' discounts (LEFT JOIN over a keyless
// table: most items have none, some have two), per customer, then per region.
// Small id domains so that the random rows of each table find partners.
std::vector<TableSpec> shop_tables(const std::string& prefix) {
  TableSpec cust{prefix + "_cust", key(30), {ColumnSpec::text("region", kRegions, 0.1)}, 20};
  TableSpec orders{prefix + "_orders", key(60), {ColumnSpec::integer("cust_id", 1, 32, 0.05)}, 40};
  TableSpec items{prefix + "_items", key(150),
                  {ColumnSpec::integer("order_id", 1, 62, 0.05), ColumnSpec::integer("qty", 0, 5, 0.1),
                   ColumnSpec::numeric("price", 1, 20)},
                  100};
  TableSpec disc{prefix + "_disc", std::nullopt,
                 {ColumnSpec::integer("item_id", 1, 150), ColumnSpec::integer("pct", 0, 50, 0.1)}, 30};
  return {cust, orders, items, disc};
}

const std::vector<JoinLink> kShopLinks{{0, "id", 1, "cust_id"}, {1, "id", 2, "order_id"}, {2, "id", 3, "item_id"}};

OracleScenario region_over_customer_totals() {
  // The region is a key of both levels: a partition column.
  return {"region_over_customer_totals", shop_tables("nrc"), kShopLinks,
          "SELECT t.region, count(*) AS customers, sum(t.total) AS total, max(t.n_items) AS max_items FROM "
          "(SELECT c.region, o.cust_id, sum(i.qty * i.price * (100 - coalesce(d.pct, 0)) / 100) AS total, "
          "count(*) AS n_items FROM nrc_orders o JOIN nrc_cust c ON c.id = o.cust_id "
          "JOIN nrc_items i ON i.order_id = o.id LEFT JOIN nrc_disc d ON d.item_id = i.id "
          "GROUP BY c.region, o.cust_id) t GROUP BY t.region",
          kAnalyze};
}

OracleScenario customer_totals_joined_per_region() {
  // Per-customer totals joined to the customers, counted per region: the
  // region is not a key of the inner grouping (no partition column).
  return {"customer_totals_joined_per_region", shop_tables("nct"), kShopLinks,
          "SELECT c.region, count(*) AS customers, sum(t.total) AS total, min(t.n_orders) AS min_orders "
          "FROM nct_cust c JOIN (SELECT o.cust_id, sum(i.qty * i.price * (100 - coalesce(d.pct, 0)) / 100) AS total, "
          "count(DISTINCT o.id) AS n_orders FROM nct_orders o JOIN nct_items i ON i.order_id = o.id "
          "LEFT JOIN nct_disc d ON d.item_id = i.id GROUP BY o.cust_id) t ON t.cust_id = c.id GROUP BY c.region",
          kAnalyze};
}

// --- Set operations of set operations -------------------------------------------

OracleScenario except_then_union() {
  TableSpec a{"neu_a", key(100000), {ColumnSpec::integer("k", 1, 5, 0.1), ColumnSpec::integer("v", 0, 2, 0.1)}, 30};
  TableSpec b{"neu_b", std::nullopt, {ColumnSpec::integer("k", 1, 5, 0.1), ColumnSpec::integer("v", 0, 2, 0.1)}, 20};
  TableSpec c{"neu_c", std::nullopt, {ColumnSpec::integer("k", 3, 7, 0.1), ColumnSpec::integer("v", 0, 2, 0.1)}, 10};
  return {"except_then_union", {a, b, c}, {{0, "k", 1, "k"}, {1, "k", 2, "k"}},
          "(SELECT k, v FROM neu_a EXCEPT SELECT k, v FROM neu_b) UNION SELECT k, v FROM neu_c"};
}

OracleScenario intersect_three() {
  TableSpec a{"ni3_a", key(100000), {ColumnSpec::integer("k", 1, 6, 0.1), ColumnSpec::text("t", kTags, 0.1)}, 25};
  TableSpec b{"ni3_b", std::nullopt, {ColumnSpec::integer("k", 1, 6, 0.1), ColumnSpec::text("t", kTags, 0.1)}, 25};
  TableSpec c{"ni3_c", key(100000), {ColumnSpec::integer("k", 1, 6, 0.1), ColumnSpec::text("t", kTags, 0.1)}, 25};
  return {"intersect_three", {a, b, c}, {{0, "k", 1, "k"}, {1, "k", 2, "k"}},
          "SELECT k, t FROM ni3_a INTERSECT SELECT k, t FROM ni3_b INTERSECT SELECT k, t FROM ni3_c"};
}

OracleScenario except_of_intersect() {
  TableSpec a{"nei_a", std::nullopt, {ColumnSpec::text("k", kWords, 0.1)}, 20};
  TableSpec b{"nei_b", key(100000), {ColumnSpec::text("k", kWords, 0.1)}, 8};
  TableSpec c{"nei_c", std::nullopt, {ColumnSpec::text("k", kWords, 0.1)}, 8};
  return {"except_of_intersect", {a, b, c}, {{1, "k", 2, "k"}},
          "SELECT k FROM nei_a EXCEPT (SELECT k FROM nei_b INTERSECT SELECT k FROM nei_c)"};
}

// --- No partition column: recomputed whole --------------------------------------

OracleScenario scalar_count_over_distinct() {
  // At most 8 rows (keys 1..8) with e = 1: a group delete by e empties the
  // table (count 0).
  TableSpec src{"nsd_src", key(8),
                {ColumnSpec::integer("e", 1, 1), ColumnSpec::integer("a", 1, 4, 0.2)}, 4};
  return {"scalar_count_over_distinct", {src}, {{0, "e", 0, "e"}},
          "SELECT count(*) AS n, count(a) AS na, max(a) AS mx FROM (SELECT DISTINCT a FROM nsd_src) s"};
}

OracleScenario scalar_over_grouped() {
  TableSpec src{"nsg_src", key(10),
                {ColumnSpec::integer("e", 1, 1), ColumnSpec::integer("k", 1, 4, 0.2), ColumnSpec::integer("v", 0, 3)},
                5};
  return {"scalar_over_grouped", {src}, {{0, "e", 0, "e"}},
          "SELECT sum(c) AS sc, max(c) AS mc, count(*) AS groups FROM "
          "(SELECT k, count(*) AS c FROM nsg_src GROUP BY k) s"};
}

OracleScenario shifted_self_join_of_aggregates() {
  // Each key's count next to the next key's: the join is on k + 1 (not a
  // column equality), so there is no partition column.
  TableSpec src{"nss_src", std::nullopt,
                {ColumnSpec::integer("k", 1, 8, 0.1), ColumnSpec::integer("v", 0, 3)}, 40};
  return {"shifted_self_join_of_aggregates", {src}, {},
          "SELECT a.k, a.n, b.n AS next_n FROM (SELECT k, count(*) AS n FROM nss_src GROUP BY k) a "
          "JOIN (SELECT k, count(*) AS n FROM nss_src GROUP BY k) b ON b.k = a.k + 1 WHERE a.n <> b.n"};
}

OracleScenario histogram_of_group_sizes() {
  // How many keys have each group size: the outer key is an aggregate of
  // the inner level, so one row moving changes two histogram buckets.
  TableSpec src{"nhg_src", std::nullopt,
                {ColumnSpec::integer("k", 1, 20, 0.1), ColumnSpec::integer("v", 0, 3)}, 60};
  return {"histogram_of_group_sizes", {src}, {},
          "SELECT s.c, count(*) AS keys, count(s.k) AS non_null_keys FROM "
          "(SELECT k, count(*) AS c FROM nhg_src GROUP BY k) s GROUP BY s.c"};
}

}  // namespace

std::vector<OracleScenario> nested_grouping_oracle_scenarios() {
  return {// HAVING over DISTINCT
          having_over_distinct(), having_over_distinct_text_keyless(), rescan_aggregates_over_distinct(),
          numeric_partition_forms(), char_partition_column(), distinct_with_exists_in_leaf(),
          // set operations of aggregates, aggregates over set operations
          except_of_aggregates(), except_of_aggregates_one_table(), intersect_of_aggregates(), union_of_aggregates(),
          union_of_aggregates_mixed_types(), union_all_of_aggregates(), constant_branch_in_union_all(),
          except_all_of_groupings(), intersect_all_of_groupings(), aggregate_over_union_all_of_aggregates(),
          aggregate_over_except(), aggregate_over_union(),
          // aggregates over grouped subqueries
          aggregate_two_levels(), aggregate_three_levels(), filter_over_grouped(), partition_column_last(),
          distinct_over_group_by(),
          // joins over aggregated subqueries
          join_of_two_aggregates(), aggregate_join_dimension(), left_join_dimension_preserved(),
          right_join_dimension_preserved(), full_join_of_aggregates(), filtered_rows_with_group_totals(),
          grouping_key_from_nullable_side(), grouped_view_joined(), chain_of_three_aggregates(),
          rows_with_their_group_count(),
          numeric_join_of_aggregates(), region_over_customer_totals(), customer_totals_joined_per_region(),
          // set operations of set operations
          except_then_union(), intersect_three(), except_of_intersect(),
          // no partition column
          scalar_count_over_distinct(), scalar_over_grouped(), histogram_of_group_sizes(),
          shifted_self_join_of_aggregates(), share_of_total(), join_on_aggregate_value()};
}

}  // namespace pgt_e2e
