#include "oracle_filtered_scenarios.h"
#include "scenario_domains.h"

namespace pgt_e2e {
namespace {

// Every region below lies inside what its scenario's WHERE rejects (NULLs
// and other values may be rejected too; the region is what focused batches
// stay in). OracleScenarioSelfTest.FilteredScenariosRejectTheirRegion checks
// that focused batches never change a query's result.

// --- Scalar aggregates (no GROUP BY: always one row) ---------------------------

OracleScenario scalar_sum_numeric_rescan() {
  // The shape that once became NULL: sum over numeric without typmod has no
  // running state (its scale follows the rows present), so the group is
  // recomputed; a batch whose rows all fail "v < 50" touches no group, and
  // the recomputation over no rows (one row, sum NULL) must not replace it.
  TableSpec src{"fsn_src", key(100000),
                {ColumnSpec::numeric_unconstrained("v", 0, 100, 0.1), ColumnSpec::integer("x", 0, 9, 0.1)},
                150,
                RejectedRegion{"v", 50, 100}};
  return {"scalar_sum_numeric_rescan", {src}, {}, "SELECT sum(v) AS total FROM fsn_src WHERE v < 50"};
}

OracleScenario scalar_count_keyless() {
  // count(*) and count(w) over a keyless source with duplicates (algebraic).
  TableSpec src{"fck_src", std::nullopt,
                {ColumnSpec::integer("v", 0, 99, 0.1), ColumnSpec::integer("w", 0, 5, 0.2)},
                150,
                RejectedRegion{"v", 0, 29}};
  return {"scalar_count_keyless", {src}, {},
          "SELECT count(*) AS n, count(w) AS nw FROM fck_src WHERE v >= 30"};
}

OracleScenario scalar_count_only() {
  // count(*) alone: the query reads only the filtered column.
  TableSpec src{"fco_src", key(100000), {ColumnSpec::integer("v", 0, 20), ColumnSpec::integer("x", 0, 3, 0.2)}, 100,
                RejectedRegion{"v", 0, 4}};
  return {"scalar_count_only", {src}, {}, "SELECT count(*) AS n FROM fco_src WHERE v >= 5"};
}

OracleScenario scalar_sum_avg_int() {
  // sum / avg over int (algebraic), the rejected values negative.
  TableSpec src{"fsi_src", key(100000),
                {ColumnSpec::integer("g", 1, 4), ColumnSpec::integer("v", -50, 50, 0.1)},
                150,
                RejectedRegion{"v", -50, -1}};
  return {"scalar_sum_avg_int", {src}, {},
          "SELECT sum(v) AS sv, avg(v) AS av, count(*) AS n, count(v) AS nv FROM fsi_src WHERE v >= 0"};
}

OracleScenario scalar_numeric_typmod() {
  // sum / avg over numeric(12,2) (algebraic: a declared scale), filtered on
  // another column: focused updates change w of rejected rows freely.
  TableSpec src{"fst_src", key(100000),
                {ColumnSpec::numeric("w", -10, 40, 0.1), ColumnSpec::integer("c", 0, 9)},
                150,
                RejectedRegion{"c", 8, 9}};
  return {"scalar_numeric_typmod", {src}, {},
          "SELECT sum(w) AS sw, avg(w) AS aw, count(w) AS nw FROM fst_src WHERE c < 8"};
}

OracleScenario scalar_min_max() {
  // MIN / MAX without an index: a lost extremum is recomputed over the input.
  TableSpec src{"fmm_src", std::nullopt,
                {ColumnSpec::integer("v", 0, 40, 0.1), ColumnSpec::numeric("x", -5, 5, 0.1)},
                150,
                RejectedRegion{"v", 21, 40}};
  return {"scalar_min_max", {src}, {},
          "SELECT min(v) AS mn, max(v) AS mx, min(x) AS mnx, max(x) AS mxx FROM fmm_src WHERE v <= 20"};
}

OracleScenario scalar_min_max_index() {
  // As scalar_min_max, with an index on the argument: a lost extremum comes
  // back from one index probe (the WHERE goes into the probe).
  TableSpec src{"fmi_src", key(100000),
                {ColumnSpec::integer("v", 0, 40, 0.1), ColumnSpec::integer("g", 1, 3)},
                150,
                RejectedRegion{"v", 25, 40}};
  return {"scalar_min_max_index", {src}, {},
          "SELECT min(v) AS mn, max(v) AS mx, count(*) AS n FROM fmi_src WHERE v < 25",
          {"CREATE INDEX ON fmi_src (v)", "ANALYZE"}};
}

OracleScenario scalar_rescan_aggregates() {
  // string_agg, bool_and and count(DISTINCT): group rescan, keyless.
  TableSpec src{"fsr_src", std::nullopt,
                {ColumnSpec::text("t", kWords, 0.15), ColumnSpec::integer("v", 0, 30, 0.1),
                 ColumnSpec::integer("b", 0, 5)},
                150,
                RejectedRegion{"v", 10, 30}};
  return {"scalar_rescan_aggregates", {src}, {},
          "SELECT string_agg(t, ',' ORDER BY t) AS ts, bool_and(b > 0) AS all_pos, count(DISTINCT t) AS dt, "
          "count(*) AS n FROM fsr_src WHERE v < 10"};
}

OracleScenario scalar_filter() {
  // FILTER clauses on top of the WHERE, over count / sum / avg.
  TableSpec src{"fsf_src", key(100000),
                {ColumnSpec::integer("v", 0, 60, 0.1), ColumnSpec::text("t", kWords, 0.1),
                 ColumnSpec::numeric("w", 0, 10, 0.1)},
                150,
                RejectedRegion{"v", 41, 60}};
  return {"scalar_filter", {src}, {},
          "SELECT count(*) FILTER (WHERE t = 'alpha') AS na, sum(v) FILTER (WHERE v > 10) AS sbig, "
          "avg(w) FILTER (WHERE t IS NOT NULL) AS aw, count(*) AS n FROM fsf_src WHERE v <= 40"};
}

OracleScenario scalar_filter_rescan() {
  // FILTER over group-rescan aggregates, and sum over numeric without typmod.
  TableSpec src{"fsx_src", std::nullopt,
                {ColumnSpec::integer("v", 0, 60, 0.1), ColumnSpec::text("t", kWords, 0.1),
                 ColumnSpec::numeric_unconstrained("w", 0, 10, 0.1)},
                150,
                RejectedRegion{"v", 30, 60}};
  return {"scalar_filter_rescan", {src}, {},
          "SELECT string_agg(t, '|' ORDER BY t) FILTER (WHERE v % 2 = 0) AS even_ts, "
          "count(DISTINCT v) FILTER (WHERE t <> '') AS dv, sum(w) AS sw FROM fsx_src WHERE v < 30"};
}

OracleScenario scalar_having() {
  // HAVING on a scalar aggregate: zero or one row, coming and going. Over no
  // rows count(*) is 0, which the HAVING keeps: a recomputation over no rows
  // would show (0, NULL).
  TableSpec src{"fsh_src", key(100000), {ColumnSpec::integer("v", 0, 99, 0.1)}, 120,
                RejectedRegion{"v", 50, 99}};
  return {"scalar_having", {src}, {},
          "SELECT count(*) AS n, sum(v) AS sv FROM fsh_src WHERE v < 50 HAVING count(*) % 3 <> 1"};
}

OracleScenario scalar_sparse() {
  // Few rows pass (v < 3 out of [0, 20], about 12 rows): the passing set is
  // often empty (sum NULL, count 0) and filled again, with focused batches
  // in between. Group rescan (numeric without typmod, string_agg).
  TableSpec src{"fsp_src", key(40),
                {ColumnSpec::numeric_unconstrained("v", 0, 20, 0.1), ColumnSpec::text("t", {"p", "q"}, 0.2)},
                12,
                RejectedRegion{"v", 3, 20}};
  return {"scalar_sparse", {src}, {},
          "SELECT sum(v) AS sv, count(*) AS n, string_agg(t, ',' ORDER BY t) AS ts FROM fsp_src WHERE v < 3"};
}

// --- Grouped aggregates --------------------------------------------------------------

OracleScenario grouped_count_sum_avg_int() {
  // Algebraic state columns, filtered on a column the aggregates do not read.
  TableSpec src{"fgc_src", key(100000),
                {ColumnSpec::text("g", kRegions, 0.1), ColumnSpec::integer("v", 0, 99, 0.1),
                 ColumnSpec::integer("w", -5, 5, 0.2)},
                200,
                RejectedRegion{"v", 50, 99}};
  return {"grouped_count_sum_avg_int", {src}, {},
          "SELECT g, count(*) AS n, count(w) AS nw, sum(w) AS sw, avg(w) AS aw FROM fgc_src WHERE v < 50 "
          "GROUP BY g"};
}

OracleScenario grouped_sum_numeric_rescan() {
  // sum / avg over numeric without typmod: group rescan, keyless.
  TableSpec src{"fgn_src", std::nullopt,
                {ColumnSpec::integer("g", 1, 5, 0.1), ColumnSpec::numeric_unconstrained("v", 0, 20, 0.1)},
                150,
                RejectedRegion{"v", 10, 20}};
  return {"grouped_sum_numeric_rescan", {src}, {},
          "SELECT g, sum(v) AS sv, avg(v) AS av, count(*) AS n FROM fgn_src WHERE v < 10 GROUP BY g"};
}

OracleScenario grouped_numeric_typmod() {
  // sum / avg over numeric(12,2) (algebraic), keyless, filtered on another column.
  TableSpec src{"fgt_src", std::nullopt,
                {ColumnSpec::integer("g", 1, 4), ColumnSpec::numeric("w", -5, 20, 0.15),
                 ColumnSpec::integer("c", 0, 9)},
                150,
                RejectedRegion{"c", 0, 2}};
  return {"grouped_numeric_typmod", {src}, {},
          "SELECT g, sum(w) AS sw, avg(w) AS aw FROM fgt_src WHERE c > 2 GROUP BY g"};
}

OracleScenario grouped_min_max() {
  // MIN / MAX without an index, keyless; the WHERE rejects both ends of the
  // domain (the region is the upper one).
  TableSpec src{"fgm_src", std::nullopt,
                {ColumnSpec::integer("g", 1, 5, 0.1), ColumnSpec::integer("v", 0, 30, 0.1),
                 ColumnSpec::text("t", kWords, 0.1)},
                150,
                RejectedRegion{"v", 26, 30}};
  return {"grouped_min_max", {src}, {},
          "SELECT g, min(v) AS mn, max(v) AS mx, max(t) AS mt FROM fgm_src WHERE v BETWEEN 5 AND 25 GROUP BY g"};
}

OracleScenario grouped_min_max_index() {
  // As grouped_min_max, with an index on (g, v): one index probe per group
  // that lost its extremum (the NULL group included).
  TableSpec src{"fgi_src", key(100000),
                {ColumnSpec::integer("g", 1, 6, 0.1), ColumnSpec::integer("v", 0, 40, 0.1)},
                150,
                RejectedRegion{"v", 0, 9}};
  return {"grouped_min_max_index", {src}, {},
          "SELECT g, min(v) AS mn, max(v) AS mx, count(*) AS n FROM fgi_src WHERE v >= 10 GROUP BY g",
          {"CREATE INDEX ON fgi_src (g, v)", "ANALYZE"}};
}

OracleScenario grouped_rescan_aggregates() {
  // string_agg, bool_and and count(DISTINCT) per group: group rescan.
  TableSpec src{"fgr_src", key(100000),
                {ColumnSpec::text("g", kRegions, 0.1), ColumnSpec::text("t", kWords, 0.15),
                 ColumnSpec::integer("v", 0, 50, 0.1)},
                150,
                RejectedRegion{"v", 0, 15}};
  return {"grouped_rescan_aggregates", {src}, {},
          "SELECT g, string_agg(t, ',' ORDER BY t) AS ts, bool_and(v > 20) AS all_big, count(DISTINCT t) AS dt "
          "FROM fgr_src WHERE v > 15 GROUP BY g"};
}

OracleScenario grouped_filter() {
  // FILTER over count / sum / min per group, keyless.
  TableSpec src{"fgf_src", std::nullopt,
                {ColumnSpec::integer("g", 1, 4, 0.1), ColumnSpec::integer("v", 0, 60, 0.1),
                 ColumnSpec::text("t", kWords, 0.15)},
                150,
                RejectedRegion{"v", 41, 60}};
  return {"grouped_filter", {src}, {},
          "SELECT g, count(*) FILTER (WHERE v > 20) AS nbig, sum(v) FILTER (WHERE t IS NOT NULL) AS st, "
          "min(v) FILTER (WHERE t <> '') AS mn, count(*) AS n FROM fgf_src WHERE v <= 40 GROUP BY g"};
}

OracleScenario grouped_filter_rescan() {
  // FILTER over group-rescan aggregates per group.
  TableSpec src{"fgx_src", key(100000),
                {ColumnSpec::text("g", kRegions, 0.1), ColumnSpec::integer("v", 0, 30, 0.1),
                 ColumnSpec::text("t", {"p", "q", "r"}, 0.2)},
                150,
                RejectedRegion{"v", 18, 30}};
  return {"grouped_filter_rescan", {src}, {},
          "SELECT g, string_agg(t, '' ORDER BY t) FILTER (WHERE v < 9) AS small_ts, "
          "count(DISTINCT t) FILTER (WHERE v % 2 = 1) AS odd_dt, bool_or(v > 15) AS any_big "
          "FROM fgx_src WHERE v < 18 GROUP BY g"};
}

OracleScenario grouped_having() {
  // About 9 passing rows per group: groups cross the HAVING both ways.
  TableSpec src{"fgh_src", key(100000),
                {ColumnSpec::integer("g", 1, 10, 0.05), ColumnSpec::integer("v", -20, 30, 0.1)},
                150,
                RejectedRegion{"v", -20, -1}};
  return {"grouped_having", {src}, {},
          "SELECT g, count(*) AS n, sum(v) AS sv FROM fgh_src WHERE v >= 0 GROUP BY g HAVING count(*) >= 8"};
}

OracleScenario grouped_filter_having_keyless() {
  // FILTER and HAVING together over a keyless source.
  TableSpec src{"fgk_src", std::nullopt,
                {ColumnSpec::text("g", kRegions, 0.1), ColumnSpec::integer("v", 0, 30, 0.1),
                 ColumnSpec::text("t", {"p", "q", "r"}, 0.2)},
                150,
                RejectedRegion{"v", 18, 30}};
  return {"grouped_filter_having_keyless", {src}, {},
          "SELECT g, count(DISTINCT t) AS dt, sum(v) FILTER (WHERE t = 'p') AS sp, avg(v) AS av "
          "FROM fgk_src WHERE v < 18 GROUP BY g HAVING count(*) > 5"};
}

// --- DISTINCT and joins ------------------------------------------------------------

OracleScenario distinct_filtered() {
  TableSpec src{"fdi_src", std::nullopt,
                {ColumnSpec::integer("a", 1, 5, 0.1), ColumnSpec::text("b", {"x", "y", "z"}, 0.1),
                 ColumnSpec::integer("c", 0, 9)},
                150,
                RejectedRegion{"c", 6, 9}};
  return {"distinct_filtered", {src}, {}, "SELECT DISTINCT a, b FROM fdi_src WHERE c < 6"};
}

OracleScenario join_aggregate_filtered_fact() {
  // Only the orders are filtered; focused batches change rejected orders
  // only (never the customers, whose rows all pass).
  TableSpec customers{"fjo_customers", key(30),
                      {ColumnSpec::text("region", kRegions, 0.1), ColumnSpec::integer("tier", 1, 3, 0.1)}, 20};
  TableSpec orders{"fjo_orders", key(100000),
                   {ColumnSpec::integer("cust_id", 1, 32, 0.05), ColumnSpec::integer("qty", 0, 10, 0.1),
                    ColumnSpec::numeric("amount", 0, 100, 0.1)},
                   150,
                   RejectedRegion{"qty", 0, 2}};
  return {"join_aggregate_filtered_fact",
          {customers, orders},
          {{0, "id", 1, "cust_id"}},
          "SELECT c.tier, count(*) AS n, sum(o.amount) AS total, avg(o.qty) AS aq, max(o.amount) AS mx "
          "FROM fjo_orders o JOIN fjo_customers c ON o.cust_id = c.id WHERE o.qty >= 3 GROUP BY c.tier",
          kAnalyze};
}

OracleScenario join_scalar_filtered_dimension() {
  // Only the customers are filtered, and the sum is over numeric without
  // typmod (group rescan, no GROUP BY); focused batches change rejected
  // customers (their keys too), never the keyless orders.
  TableSpec customers{"fjs_customers", key(20),
                      {ColumnSpec::numeric_unconstrained("w", 0, 5, 0.1), ColumnSpec::integer("tier", 1, 3)}, 15,
                      RejectedRegion{"tier", 3, 3}};
  TableSpec orders{"fjs_orders", std::nullopt,
                   {ColumnSpec::integer("cust_id", 1, 22, 0.05), ColumnSpec::integer("qty", 0, 9, 0.1)}, 100};
  return {"join_scalar_filtered_dimension",
          {customers, orders},
          {{0, "id", 1, "cust_id"}},
          "SELECT sum(o.qty * c.w) AS total, count(*) AS n FROM fjs_orders o JOIN fjs_customers c "
          "ON o.cust_id = c.id WHERE c.tier < 3",
          kAnalyze};
}

}  // namespace

std::vector<OracleScenario> filtered_oracle_scenarios() {
  return {// scalar
          scalar_sum_numeric_rescan(), scalar_count_keyless(), scalar_count_only(), scalar_sum_avg_int(),
          scalar_numeric_typmod(), scalar_min_max(), scalar_min_max_index(), scalar_rescan_aggregates(),
          scalar_filter(), scalar_filter_rescan(), scalar_having(), scalar_sparse(),
          // grouped
          grouped_count_sum_avg_int(), grouped_sum_numeric_rescan(), grouped_numeric_typmod(), grouped_min_max(),
          grouped_min_max_index(), grouped_rescan_aggregates(), grouped_filter(), grouped_filter_rescan(),
          grouped_having(), grouped_filter_having_keyless(),
          // DISTINCT and joins
          distinct_filtered(), join_aggregate_filtered_fact(), join_scalar_filtered_dimension()};
}

}  // namespace pgt_e2e
