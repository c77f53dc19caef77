#include "oracle_outer_join_scenarios.h"
#include "scenario_domains.h"

namespace pgt_e2e {
namespace {

// --- LEFT JOIN --------------------------------------------------------------

OracleScenario left_keyed_keyless() {
  // A keyed preserved side, a small keyless nullable side over keys 1..12
  // (the preserved side uses 1..10): most keys have 0, 1 or 2 partners.
  TableSpec orders{"ojl_orders", key(100000),
                   {ColumnSpec::integer("k", 1, 10, 0.1), ColumnSpec::text("x", kWords, 0.1)}, 120};
  TableSpec notes{"ojl_notes", std::nullopt,
                  {ColumnSpec::integer("k", 1, 12, 0.1), ColumnSpec::integer("v", 0, 9, 0.15)}, 14};
  return {"left_keyed_keyless", {orders, notes}, {{0, "k", 1, "k"}},
          "SELECT o.id, o.k, o.x, n.v, coalesce(n.v, -1) AS v_or, n.k AS nk "
          "FROM ojl_orders o LEFT JOIN ojl_notes n ON o.k = n.k",
          kAnalyze};
}

OracleScenario left_null_keys_duplicates() {
  // Both sides keyless, NULL keys on both sides (never match: the preserved
  // NULL-key rows are always padded), duplicate keys and exact duplicate rows
  // on the nullable side; the nullable key is written first in the ON.
  TableSpec l{"ojn_l", std::nullopt,
              {ColumnSpec::integer("k", 1, 8, 0.3), ColumnSpec::integer("x", 0, 3, 0.1)}, 40};
  TableSpec r{"ojn_r", std::nullopt,
              {ColumnSpec::integer("k", 1, 10, 0.3), ColumnSpec::integer("v", 0, 2, 0.2)}, 25};
  return {"left_null_keys_duplicates", {l, r}, {{0, "k", 1, "k"}},
          "SELECT l.k, l.x, r.k AS rk, r.v FROM ojn_l l LEFT JOIN ojn_r r ON r.k = l.k",
          kAnalyze};
}

OracleScenario left_using() {
  TableSpec l{"oju_l", key(100000),
              {ColumnSpec::integer("k", 1, 10, 0.1), ColumnSpec::text("x", kWords)}, 60};
  TableSpec r{"oju_r", key(20),
              {ColumnSpec::integer("k", 1, 12, 0.1), ColumnSpec::text("w", kRegions, 0.1)}, 10};
  return {"left_using", {l, r}, {{0, "k", 1, "k"}},
          "SELECT k, l.id, l.x, r.id AS r_id, r.w FROM oju_l l LEFT JOIN oju_r r USING (k)",
          kAnalyze};
}

OracleScenario left_preserved_condition() {
  // ON: an expression over the preserved side = a nullable column, and a
  // condition reading only the preserved side (a.v > 3): rows failing it are
  // padded whatever partners exist, and an update of v moves them.
  TableSpec a{"ojp_a", key(100000),
              {ColumnSpec::integer("k", 0, 9, 0.1), ColumnSpec::integer("v", 0, 7, 0.1)}, 80};
  TableSpec b{"ojp_b", std::nullopt,
              {ColumnSpec::integer("k", 1, 10, 0.1), ColumnSpec::text("w", kWords, 0.1)}, 15};
  return {"left_preserved_condition", {a, b}, {{0, "k", 1, "k"}},
          "SELECT a.id, a.k, a.v, b.w, b.k AS bk FROM ojp_a a LEFT JOIN ojp_b b ON a.k + 1 = b.k AND a.v > 3",
          kAnalyze};
}

OracleScenario left_chain() {
  // a LEFT JOIN b ON a.x = b.x LEFT JOIN c ON b.y = c.y: c's condition reads
  // the nullable side of the first join (a padded b never matches c).
  TableSpec a{"ojc_a", key(100000),
              {ColumnSpec::integer("x", 1, 10, 0.1), ColumnSpec::text("t", kWords)}, 60};
  TableSpec b{"ojc_b", key(30),
              {ColumnSpec::integer("x", 1, 12, 0.1), ColumnSpec::integer("y", 1, 6, 0.15)}, 12};
  TableSpec c{"ojc_c", std::nullopt,
              {ColumnSpec::integer("y", 1, 7, 0.15), ColumnSpec::integer("z", 0, 9, 0.1)}, 8};
  return {"left_chain", {a, b, c}, {{0, "x", 1, "x"}, {1, "y", 2, "y"}},
          "SELECT a.id, a.x, a.t, b.id AS b_id, b.y, c.z FROM ojc_a a "
          "LEFT JOIN ojc_b b ON a.x = b.x LEFT JOIN ojc_c c ON b.y = c.y",
          kAnalyze};
}

OracleScenario left_star_three() {
  // Three LEFT JOINs off one preserved table (the most allowed).
  TableSpec a{"ojs_a", key(100000),
              {ColumnSpec::integer("k", 1, 8, 0.1), ColumnSpec::integer("j", 1, 8, 0.1),
               ColumnSpec::integer("m", 1, 8, 0.1)},
              50};
  TableSpec b{"ojs_b", key(20), {ColumnSpec::integer("k", 1, 9, 0.1), ColumnSpec::integer("v", 0, 5)}, 8};
  TableSpec c{"ojs_c", std::nullopt, {ColumnSpec::integer("j", 1, 9, 0.1), ColumnSpec::text("w", kWords)}, 8};
  TableSpec d{"ojs_d", std::nullopt, {ColumnSpec::integer("m", 1, 9, 0.1), ColumnSpec::integer("u", 0, 3, 0.2)}, 8};
  return {"left_star_three", {a, b, c, d}, {{0, "k", 1, "k"}, {0, "j", 2, "j"}, {0, "m", 3, "m"}},
          "SELECT a.id, b.v, c.w, d.u FROM ojs_a a LEFT JOIN ojs_b b ON a.k = b.k "
          "LEFT JOIN ojs_c c ON a.j = c.j LEFT JOIN ojs_d d ON d.m = a.m",
          kAnalyze};
}

OracleScenario self_left_join() {
  // Employees and their managers, one table on both sides: one change feeds
  // the preserved and the nullable side at once.
  TableSpec emp{"ojsj_emp", key(40),
                {ColumnSpec::text("name", kWords), ColumnSpec::integer("mgr", 1, 45, 0.15)}, 30};
  return {"self_left_join", {emp}, {{0, "mgr", 0, "id"}},
          "SELECT e.id AS emp_id, e.name, m.id AS mgr_id, m.name AS mgr_name "
          "FROM ojsj_emp e LEFT JOIN ojsj_emp m ON e.mgr = m.id",
          kAnalyze};
}

// --- RIGHT and FULL JOIN -----------------------------------------------------

OracleScenario right_join() {
  // The preserved side is on the right; the nullable side is keyed.
  TableSpec cust{"ojr_cust", key(12),
                 {ColumnSpec::text("name", kWords, 0.1), ColumnSpec::integer("tier", 1, 3, 0.1)}, 8};
  TableSpec orders{"ojr_orders", key(100000),
                   {ColumnSpec::integer("cust_id", 1, 10, 0.1), ColumnSpec::integer("qty", 0, 10, 0.1)}, 80};
  return {"right_join", {cust, orders}, {{0, "id", 1, "cust_id"}},
          "SELECT o.id AS order_id, o.qty, c.id AS cust_id, c.name, c.tier "
          "FROM ojr_cust c RIGHT JOIN ojr_orders o ON c.id = o.cust_id",
          kAnalyze};
}

OracleScenario right_join_using() {
  TableSpec a{"ojru_a", std::nullopt, {ColumnSpec::integer("k", 1, 10, 0.2), ColumnSpec::integer("v", 0, 4)}, 15};
  TableSpec b{"ojru_b", key(100000), {ColumnSpec::integer("k", 1, 8, 0.2), ColumnSpec::text("t", kWords)}, 40};
  return {"right_join_using", {a, b}, {{0, "k", 1, "k"}},
          "SELECT k, a.v, b.id, b.t FROM ojru_a a RIGHT JOIN ojru_b b USING (k)",
          kAnalyze};
}

OracleScenario full_keyed_keyless() {
  // Rows of either side become unmatched (padded on the other side) and
  // matched again; NULL keys on both sides are padded on both.
  TableSpec a{"ojf_a", key(100000),
              {ColumnSpec::integer("k", 1, 10, 0.15), ColumnSpec::text("x", kWords)}, 25};
  TableSpec b{"ojf_b", std::nullopt,
              {ColumnSpec::integer("k", 1, 12, 0.15), ColumnSpec::integer("v", 0, 3, 0.1)}, 20};
  return {"full_keyed_keyless", {a, b}, {{0, "k", 1, "k"}},
          "SELECT a.id, a.k, a.x, b.k AS bk, b.v, coalesce(a.k, b.k) AS anyk "
          "FROM ojf_a a FULL JOIN ojf_b b ON a.k = b.k",
          kAnalyze};
}

OracleScenario full_two_columns() {
  // FULL JOIN on two equalities, both sides keyless with duplicates.
  TableSpec a{"ojf2_a", std::nullopt,
              {ColumnSpec::integer("k", 1, 5, 0.1), ColumnSpec::integer("g", 1, 2, 0.1),
               ColumnSpec::integer("v", 0, 3)},
              25};
  TableSpec b{"ojf2_b", std::nullopt,
              {ColumnSpec::integer("k", 1, 6, 0.1), ColumnSpec::integer("g", 1, 2, 0.1),
               ColumnSpec::text("w", {"p", "q"}, 0.1)},
              20};
  return {"full_two_columns", {a, b}, {{0, "k", 1, "k"}},
          "SELECT a.k, a.g, a.v, b.k AS bk, b.g AS bg, b.w FROM ojf2_a a FULL JOIN ojf2_b b "
          "ON a.k = b.k AND b.g = a.g",
          kAnalyze};
}

// --- Mixed with inner joins --------------------------------------------------

OracleScenario inner_then_left() {
  TableSpec cust{"ojil_cust", key(12),
                 {ColumnSpec::text("name", kWords), ColumnSpec::text("region", kRegions, 0.1)}, 10};
  TableSpec prod{"ojil_prod", key(12),
                 {ColumnSpec::text("title", kWords), ColumnSpec::numeric("price", 1, 100, 0.1)}, 8};
  TableSpec orders{"ojil_orders", key(100000),
                   {ColumnSpec::integer("cust_id", 1, 13, 0.05), ColumnSpec::integer("prod_id", 1, 13, 0.1),
                    ColumnSpec::integer("qty", 0, 10)},
                   120};
  return {"inner_then_left", {cust, prod, orders}, {{0, "id", 2, "cust_id"}, {1, "id", 2, "prod_id"}},
          "SELECT o.id AS order_id, c.name, c.region, p.title, o.qty * p.price AS total "
          "FROM ojil_orders o JOIN ojil_cust c ON o.cust_id = c.id "
          "LEFT JOIN ojil_prod p ON o.prod_id = p.id",
          kAnalyze};
}

// --- Grouping and DISTINCT over outer joins ---------------------------------

OracleScenario group_over_join3_left() {
  // The combination from the issue: GROUP BY over a three-way join with one
  // inner join and one LEFT JOIN; count(p.id) and sum(p.price) skip padded rows.
  TableSpec cust{"ojg3_cust", key(12),
                 {ColumnSpec::text("name", kWords), ColumnSpec::text("region", kRegions, 0.15)}, 10};
  TableSpec prod{"ojg3_prod", key(12),
                 {ColumnSpec::text("title", kWords), ColumnSpec::integer("price", 1, 50, 0.1)}, 8};
  TableSpec orders{"ojg3_orders", key(100000),
                   {ColumnSpec::integer("cust_id", 1, 13, 0.05), ColumnSpec::integer("prod_id", 1, 13, 0.1),
                    ColumnSpec::integer("qty", 0, 5)},
                   150};
  return {"group_over_join3_left", {cust, prod, orders}, {{0, "id", 2, "cust_id"}, {1, "id", 2, "prod_id"}},
          "SELECT c.region, count(*) AS n, count(p.id) AS np, sum(p.price) AS sp, sum(o.qty) AS sq "
          "FROM ojg3_orders o JOIN ojg3_cust c ON o.cust_id = c.id "
          "LEFT JOIN ojg3_prod p ON o.prod_id = p.id GROUP BY c.region",
          kAnalyze};
}

OracleScenario group_by_preserved_key() {
  // Groups keyed by the preserved side's join key: a key whose partners all
  // vanish keeps its group (count(b.v) 0, sum NULL), a padded key gets sums.
  TableSpec a{"ojgk_a", key(100000), {ColumnSpec::integer("k", 1, 10, 0.1), ColumnSpec::integer("x", 0, 3)}, 60};
  TableSpec b{"ojgk_b", std::nullopt,
              {ColumnSpec::integer("k", 1, 12, 0.1), ColumnSpec::integer("v", -3, 9, 0.15)}, 14};
  return {"group_by_preserved_key", {a, b}, {{0, "k", 1, "k"}},
          "SELECT a.k, count(*) AS n, count(b.v) AS nv, sum(b.v) AS sv, avg(b.v) AS av, max(b.v) AS mx "
          "FROM ojgk_a a LEFT JOIN ojgk_b b ON a.k = b.k GROUP BY a.k",
          kAnalyze};
}

OracleScenario distinct_over_left() {
  TableSpec a{"ojd_a", std::nullopt, {ColumnSpec::integer("k", 1, 8, 0.1), ColumnSpec::integer("x", 0, 2)}, 50};
  TableSpec b{"ojd_b", std::nullopt, {ColumnSpec::integer("k", 1, 10, 0.1), ColumnSpec::integer("v", 0, 2, 0.2)}, 14};
  return {"distinct_over_left", {a, b}, {{0, "k", 1, "k"}},
          "SELECT DISTINCT a.k, b.v FROM ojd_a a LEFT JOIN ojd_b b ON a.k = b.k",
          kAnalyze};
}

// --- Filters on the nullable side above the join ------------------------------

OracleScenario anti_join_is_null() {
  // WHERE b.v IS NULL: padded rows (the anti-join) and partners whose v is NULL.
  TableSpec a{"oja_a", key(100000), {ColumnSpec::integer("k", 1, 10, 0.1), ColumnSpec::text("x", kWords)}, 60};
  TableSpec b{"oja_b", std::nullopt,
              {ColumnSpec::integer("k", 1, 12, 0.1), ColumnSpec::integer("v", 0, 3, 0.25)}, 12};
  return {"anti_join_is_null", {a, b}, {{0, "k", 1, "k"}},
          "SELECT a.id, a.k, a.x FROM oja_a a LEFT JOIN oja_b b ON a.k = b.k WHERE b.v IS NULL",
          kAnalyze};
}

OracleScenario where_nullable_greater() {
  TableSpec a{"ojw_a", key(100000), {ColumnSpec::integer("k", 1, 10, 0.1), ColumnSpec::text("x", kWords)}, 60};
  TableSpec b{"ojw_b", key(25), {ColumnSpec::integer("k", 1, 12, 0.1), ColumnSpec::integer("v", 0, 5, 0.2)}, 12};
  return {"where_nullable_greater", {a, b}, {{0, "k", 1, "k"}},
          "SELECT a.id, a.x, b.id AS b_id, b.v FROM ojw_a a LEFT JOIN ojw_b b ON a.k = b.k WHERE b.v > 2",
          kAnalyze};
}

// --- Harder shapes: non-strict expressions over padded columns, outer joins
// whose later conditions read a nullable side, one table nullable twice --------

OracleScenario chain_coalesce() {
  // The second join's condition reads the first join's nullable side through
  // a non-strict expression: a padded b (y NULL) matches c rows with y = 0.
  TableSpec a{"ojcc_a", key(100000), {ColumnSpec::integer("x", 1, 8, 0.1), ColumnSpec::integer("v", 0, 3)}, 40};
  TableSpec b{"ojcc_b", key(20), {ColumnSpec::integer("x", 1, 10, 0.1), ColumnSpec::integer("y", 0, 4, 0.2)}, 8};
  TableSpec c{"ojcc_c", std::nullopt, {ColumnSpec::integer("y", 0, 4, 0.1), ColumnSpec::integer("z", 0, 9)}, 8};
  return {"chain_coalesce", {a, b, c}, {{0, "x", 1, "x"}, {1, "y", 2, "y"}},
          "SELECT a.id, a.v, b.id AS b_id, b.y, c.z FROM ojcc_a a LEFT JOIN ojcc_b b ON a.x = b.x "
          "LEFT JOIN ojcc_c c ON coalesce(b.y, 0) = c.y",
          kAnalyze};
}

OracleScenario left_then_inner_on_nullable() {
  // An inner join whose condition reads the nullable side of an earlier LEFT
  // JOIN (through coalesce, so padded rows can still join).
  TableSpec a{"ojli_a", key(100000), {ColumnSpec::integer("x", 1, 8, 0.1), ColumnSpec::integer("v", 0, 3)}, 40};
  TableSpec b{"ojli_b", key(20), {ColumnSpec::integer("x", 1, 10, 0.1), ColumnSpec::integer("y", 0, 4, 0.2)}, 8};
  TableSpec c{"ojli_c", std::nullopt, {ColumnSpec::integer("y", 0, 4, 0.1), ColumnSpec::integer("z", 0, 9)}, 8};
  return {"left_then_inner_on_nullable", {a, b, c}, {{0, "x", 1, "x"}, {1, "y", 2, "y"}},
          "SELECT a.id, b.id AS b_id, c.z FROM ojli_a a LEFT JOIN ojli_b b ON a.x = b.x "
          "JOIN ojli_c c ON coalesce(b.y, 0) = c.y",
          kAnalyze};
}

OracleScenario right_then_left() {
  // b RIGHT JOIN a, then c LEFT JOINed on b's (nullable) column.
  TableSpec a{"ojrl_a", key(100000), {ColumnSpec::integer("x", 1, 8, 0.1), ColumnSpec::integer("v", 0, 3)}, 40};
  TableSpec b{"ojrl_b", key(20), {ColumnSpec::integer("x", 1, 10, 0.1), ColumnSpec::integer("y", 0, 4, 0.2)}, 8};
  TableSpec c{"ojrl_c", std::nullopt, {ColumnSpec::integer("y", 0, 4, 0.1), ColumnSpec::integer("z", 0, 9)}, 8};
  return {"right_then_left", {a, b, c}, {{0, "x", 1, "x"}, {1, "y", 2, "y"}},
          "SELECT a.id, b.id AS b_id, c.z FROM ojrl_b b RIGHT JOIN ojrl_a a ON a.x = b.x "
          "LEFT JOIN ojrl_c c ON b.y = c.y",
          kAnalyze};
}

OracleScenario full_then_left() {
  TableSpec a{"ojfl_a", key(100000), {ColumnSpec::integer("x", 1, 8, 0.1), ColumnSpec::integer("v", 0, 3)}, 25};
  TableSpec b{"ojfl_b", key(20), {ColumnSpec::integer("x", 1, 10, 0.1), ColumnSpec::integer("y", 0, 4, 0.2)}, 10};
  TableSpec c{"ojfl_c", std::nullopt, {ColumnSpec::integer("y", 0, 4, 0.1), ColumnSpec::integer("z", 0, 9)}, 8};
  return {"full_then_left", {a, b, c}, {{0, "x", 1, "x"}, {1, "y", 2, "y"}},
          "SELECT a.id, a.x, b.id AS b_id, c.z FROM ojfl_a a FULL JOIN ojfl_b b ON a.x = b.x "
          "LEFT JOIN ojfl_c c ON b.y = c.y",
          kAnalyze};
}

OracleScenario same_table_nullable_twice() {
  TableSpec a{"ojst_a", key(100000),
              {ColumnSpec::integer("k", 1, 8, 0.1), ColumnSpec::integer("j", 1, 8, 0.1)}, 40};
  TableSpec b{"ojst_b", key(20), {ColumnSpec::integer("k", 1, 10, 0.1), ColumnSpec::integer("v", 0, 5)}, 8};
  return {"same_table_nullable_twice", {a, b}, {{0, "k", 1, "k"}, {0, "j", 1, "k"}},
          "SELECT a.id, b1.v AS v1, b2.v AS v2 FROM ojst_a a LEFT JOIN ojst_b b1 ON a.k = b1.k "
          "LEFT JOIN ojst_b b2 ON a.j = b2.k",
          kAnalyze};
}

OracleScenario two_preserved_columns_one_nullable() {
  // ON a.k = b.k AND a.j = b.k; and a non-strict preserved-side condition.
  TableSpec a{"ojtp_a", key(100000),
              {ColumnSpec::integer("k", 1, 5, 0.1), ColumnSpec::integer("j", 1, 5, 0.1),
               ColumnSpec::integer("v", 0, 5, 0.3)},
              50};
  TableSpec b{"ojtp_b", std::nullopt, {ColumnSpec::integer("k", 1, 6, 0.1), ColumnSpec::integer("w", 0, 3)}, 10};
  return {"two_preserved_columns_one_nullable", {a, b}, {{0, "k", 1, "k"}},
          "SELECT a.id, b.w FROM ojtp_a a LEFT JOIN ojtp_b b ON a.k = b.k AND a.j = b.k "
          "AND (a.v IS NULL OR a.v > 2)",
          kAnalyze};
}

OracleScenario full_group_by_coalesce() {
  TableSpec a{"ojfg_a", key(100000), {ColumnSpec::integer("k", 1, 8, 0.15), ColumnSpec::integer("v", 0, 5)}, 25};
  TableSpec b{"ojfg_b", std::nullopt, {ColumnSpec::integer("k", 1, 10, 0.15), ColumnSpec::integer("w", -2, 5, 0.1)}, 15};
  return {"full_group_by_coalesce", {a, b}, {{0, "k", 1, "k"}},
          "SELECT coalesce(a.k, b.k) AS k, count(*) AS n, count(a.id) AS na, count(b.w) AS nw, sum(b.w) AS sw, "
          "sum(a.v) AS sv FROM ojfg_a a FULL JOIN ojfg_b b ON a.k = b.k GROUP BY coalesce(a.k, b.k)",
          kAnalyze};
}

OracleScenario where_coalesce_nullable() {
  TableSpec a{"ojwc_a", key(100000), {ColumnSpec::integer("k", 1, 8, 0.1)}, 40};
  TableSpec b{"ojwc_b", key(20), {ColumnSpec::integer("k", 1, 10, 0.1), ColumnSpec::integer("y", 0, 5, 0.2)}, 10};
  return {"where_coalesce_nullable", {a, b}, {{0, "k", 1, "k"}},
          "SELECT a.id, b.id AS b_id FROM ojwc_a a LEFT JOIN ojwc_b b ON a.k = b.k WHERE coalesce(b.y, -1) < 3",
          kAnalyze};
}

OracleScenario natural_left_join() {
  // NATURAL LEFT JOIN on two shared columns (k, g), keyless both sides.
  TableSpec a{"ojnat_a", std::nullopt,
              {ColumnSpec::integer("k", 1, 5, 0.1), ColumnSpec::integer("g", 1, 2, 0.1), ColumnSpec::integer("v", 0, 3)},
              30};
  TableSpec b{"ojnat_b", std::nullopt,
              {ColumnSpec::integer("k", 1, 6, 0.1), ColumnSpec::integer("g", 1, 2, 0.1), ColumnSpec::integer("w", 0, 3)},
              15};
  return {"natural_left_join", {a, b}, {{0, "k", 1, "k"}},
          "SELECT k, g, v, w FROM ojnat_a NATURAL LEFT JOIN ojnat_b",
          kAnalyze};
}

OracleScenario preserved_subquery() {
  // The preserved side is a filtered subquery in FROM (rows enter and leave
  // it when v crosses the filter), the nullable side a table.
  TableSpec a{"ojps_a", key(100000), {ColumnSpec::integer("k", 1, 8, 0.1), ColumnSpec::integer("v", 0, 9, 0.1)}, 50};
  TableSpec b{"ojps_b", std::nullopt, {ColumnSpec::integer("k", 1, 10, 0.1), ColumnSpec::integer("w", 0, 3, 0.1)}, 10};
  return {"preserved_subquery", {a, b}, {{0, "k", 1, "k"}},
          "SELECT s.id, s.k2, b.w FROM (SELECT id, k, k * 2 AS k2 FROM ojps_a WHERE v > 3) s "
          "LEFT JOIN ojps_b b ON s.k = b.k",
          kAnalyze};
}

OracleScenario preserved_view_right_join() {
  // RIGHT JOIN whose preserved side is a view (inlined).
  TableSpec a{"ojpv_a", key(100000), {ColumnSpec::integer("k", 1, 8, 0.1), ColumnSpec::integer("v", 0, 9, 0.1)}, 50};
  TableSpec b{"ojpv_b", key(20), {ColumnSpec::integer("k", 1, 10, 0.1), ColumnSpec::text("t", kWords)}, 10};
  return {"preserved_view_right_join", {a, b}, {{0, "k", 1, "k"}},
          "SELECT v.id, v.v2, b.id AS b_id, b.t FROM ojpv_b b RIGHT JOIN ojpv_view v ON v.k = b.k",
          {"CREATE VIEW ojpv_view AS SELECT id, k, v * 2 AS v2 FROM ojpv_a WHERE v IS DISTINCT FROM 5", "ANALYZE"}};
}

}  // namespace

// A condition on the nullable table alone in ON (TPC-H Q13: customers LEFT
// JOIN orders ON ... AND o_comment NOT LIKE ...): only its rows that pass
// it join; the others leave their partner padded. Grouped over it, keyless.
OracleScenario left_join_nullable_filter() {
  TableSpec cust{"lnf_cust", key(40), {ColumnSpec::integer("seg", 1, 3, 0.1)}, 25};
  TableSpec ord{"lnf_ord", std::nullopt,
                {ColumnSpec::integer("cust", 1, 45, 0.1), ColumnSpec::text("note", kWords, 0.15),
                 ColumnSpec::integer("v", 0, 9, 0.1)},
                60};
  return {"left_join_nullable_filter", {cust, ord}, {{0, "id", 1, "cust"}},
          "SELECT c.cnt, count(*) AS custs FROM (SELECT c.id, count(o.cust) AS cnt FROM lnf_cust c "
          "LEFT JOIN lnf_ord o ON o.cust = c.id AND o.note NOT LIKE '%a%' AND o.v > 2 GROUP BY c.id) c GROUP BY c.cnt"};
}

OracleScenario left_join_nullable_filter_rows() {
  TableSpec cust{"lnr_cust", key(40), {ColumnSpec::integer("seg", 1, 3, 0.1)}, 25};
  TableSpec ord{"lnr_ord", key(100000),
                {ColumnSpec::integer("cust", 1, 45, 0.1), ColumnSpec::integer("v", 0, 9, 0.1)}, 60};
  return {"left_join_nullable_filter_rows", {cust, ord}, {{0, "id", 1, "cust"}},
          "SELECT c.id, c.seg, o.id AS ord, o.v FROM lnr_cust c LEFT JOIN lnr_ord o ON o.cust = c.id AND o.v >= 5 "
          "AND c.seg <> 2"};
}

std::vector<OracleScenario> outer_join_oracle_scenarios() {
  return {left_keyed_keyless(),    left_null_keys_duplicates(), left_using(),          left_preserved_condition(),
          left_chain(),            left_star_three(),           self_left_join(),      right_join(),
          right_join_using(),      full_keyed_keyless(),        full_two_columns(),    inner_then_left(),
          group_over_join3_left(), group_by_preserved_key(),    distinct_over_left(),  anti_join_is_null(),
          where_nullable_greater(), chain_coalesce(),  left_then_inner_on_nullable(),
          right_then_left(),       full_then_left(),            same_table_nullable_twice(),
          two_preserved_columns_one_nullable(), full_group_by_coalesce(), where_coalesce_nullable(),
          natural_left_join(),     preserved_subquery(),        preserved_view_right_join(),
          left_join_nullable_filter(), left_join_nullable_filter_rows()};
}

}  // namespace pgt_e2e
