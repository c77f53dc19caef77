#include "oracle_window_scenarios.h"
#include "scenario_domains.h"

namespace pgt_e2e {
namespace {

const std::vector<std::string> kQuotedWords{"alpha", "o'brien", "", " ", "NULL", "{b}", "a,b", "q\"t", "back\\slash"};

OracleScenario ranking_per_partition() {
  // About 6 rows per g (NULL a partition of its own); ranks over v with
  // ties, row_number and ntile ordered to the key.
  TableSpec src{"wrk_src", key(100000),
                {ColumnSpec::integer("g", 1, 8, 0.1), ColumnSpec::integer("v", 0, 5, 0.1)}, 50};
  return {"ranking_per_partition", {src}, {},
          "SELECT id, g, v, rank() OVER (PARTITION BY g ORDER BY v DESC) AS r, "
          "dense_rank() OVER (PARTITION BY g ORDER BY v) AS dr, "
          "row_number() OVER (PARTITION BY g ORDER BY v, id) AS rn, "
          "ntile(3) OVER (PARTITION BY g ORDER BY id) AS tile, "
          "percent_rank() OVER (PARTITION BY g ORDER BY v) AS pr, "
          "cume_dist() OVER (PARTITION BY g ORDER BY v) AS cd FROM wrk_src"};
}

OracleScenario partition_aggregates_text_keyless() {
  // Keyless with duplicate rows, a text partition column whose values an
  // array's text form must quote: totals, counts and a running sum (the
  // default RANGE frame gives peers one value), min / max, FILTER.
  TableSpec src{"wpa_src", std::nullopt,
                {ColumnSpec::text("t", kQuotedWords, 0.1), ColumnSpec::integer("v", 0, 4, 0.1)}, 45};
  return {"partition_aggregates_text_keyless", {src}, {},
          "SELECT t, v, sum(v) OVER (PARTITION BY t) AS total, count(*) OVER (PARTITION BY t) AS n, "
          "sum(v) OVER (PARTITION BY t ORDER BY v) AS running, min(v) OVER (PARTITION BY t) AS lo, "
          "max(v) OVER (PARTITION BY t) AS hi, count(*) FILTER (WHERE v > 1) OVER (PARTITION BY t) AS big "
          "FROM wpa_src"};
}

OracleScenario frames_and_offsets() {
  // Frames over a unique order (v, id): ROWS, RANGE with offsets, GROUPS,
  // EXCLUDE; lag / lead / first / last / nth value; a named window.
  TableSpec src{"wfo_src", key(100000),
                {ColumnSpec::integer("g", 1, 5, 0.1), ColumnSpec::integer("v", 0, 20, 0.1)}, 50};
  return {"frames_and_offsets", {src}, {},
          "SELECT id, g, v, sum(v) OVER (w ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS s3, "
          "count(*) OVER (PARTITION BY g ORDER BY v RANGE BETWEEN 2 PRECEDING AND 2 FOLLOWING) AS near, "
          "sum(v) OVER (w GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW) AS before_me, "
          "lag(v) OVER w AS prev, lead(v, 2, -1) OVER w AS next2, first_value(id) OVER w AS first_id, "
          "last_value(id) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS last_id, "
          "nth_value(v, 2) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS second_v "
          "FROM wfo_src WINDOW w AS (PARTITION BY g ORDER BY v, id)"};
}

OracleScenario top_rows_per_partition() {
  // The top two rows per region (a window in a subquery, filtered above):
  // a change to a region's leaders moves rows in and out.
  TableSpec src{"wtr_src", key(100000),
                {ColumnSpec::text("region", kRegions, 0.05), ColumnSpec::integer("v", 0, 30, 0.1)}, 40};
  return {"top_rows_per_partition", {src}, {},
          "SELECT s.region, s.id, s.v FROM (SELECT region, id, v, row_number() OVER (PARTITION BY region "
          "ORDER BY v DESC NULLS LAST, id) AS rn FROM wtr_src) s WHERE s.rn <= 2"};
}

OracleScenario window_over_join() {
  // A window over a join: the partition column comes from the fact table
  // and is linked to the dimension's key, so a dimension change touches
  // its partition.
  TableSpec fact{"wwj_fact", key(100000),
                 {ColumnSpec::integer("g", 1, 6, 0.1), ColumnSpec::integer("v", 0, 9, 0.1)}, 40};
  TableSpec dim{"wwj_dim", key(8), {ColumnSpec::text("label", kWords, 0.1), ColumnSpec::integer("w", 1, 3)}, 6};
  return {"window_over_join", {fact, dim}, {{0, "g", 1, "id"}},
          "SELECT f.id, f.g, d.label, sum(f.v * d.w) OVER (PARTITION BY f.g) AS weighted, "
          "rank() OVER (PARTITION BY f.g ORDER BY f.v) AS r FROM wwj_fact f JOIN wwj_dim d ON d.id = f.g",
          kAnalyze};
}

OracleScenario window_over_grouping() {
  // Windows over a GROUP BY: each g's groups ranked by their sums, and the
  // share of the g total; partition column g, a grouping key.
  TableSpec src{"wog_src", key(100000),
                {ColumnSpec::integer("g", 1, 5, 0.1), ColumnSpec::integer("h", 1, 4, 0.1),
                 ColumnSpec::integer("v", 0, 9, 0.1)},
                60};
  return {"window_over_grouping", {src}, {},
          "SELECT g, h, sum(v) AS s, count(*) AS n, rank() OVER (PARTITION BY g ORDER BY sum(v) DESC NULLS LAST) "
          "AS r, sum(count(*)) OVER (PARTITION BY g) AS g_rows FROM wog_src GROUP BY g, h"};
}

OracleScenario numeric_partition_forms() {
  // The partition column is numeric with equal values of different forms
  // (2, 2.0, 2.00 by a % 3): one window partition, whatever the form.
  TableSpec src{"wnf_src", key(100000),
                {ColumnSpec::integer("a", 0, 5, 0.1), ColumnSpec::numeric("b", 0, 8, 0.05),
                 ColumnSpec::integer("v", 0, 3, 0.1)},
                50};
  return {"window_numeric_partition_forms", {src}, {},
          "SELECT s.id, s.k, count(*) OVER (PARTITION BY s.k) AS n, sum(s.v) OVER (PARTITION BY s.k) AS sv "
          "FROM (SELECT id, CASE a % 3 WHEN 0 THEN trunc(b) WHEN 1 THEN trunc(b)::numeric(8,1) "
          "ELSE b - b % 1 END AS k, v FROM wnf_src) s"};
}

OracleScenario windows_sharing_a_column() {
  // Two windows, PARTITION BY g and PARTITION BY g, h: g partitions both.
  TableSpec src{"wsc_src", key(100000),
                {ColumnSpec::integer("g", 1, 4, 0.1), ColumnSpec::integer("h", 1, 3, 0.1),
                 ColumnSpec::integer("v", 0, 9)},
                50};
  return {"windows_sharing_a_column", {src}, {},
          "SELECT id, g, h, sum(v) OVER (PARTITION BY g) AS g_sum, "
          "avg(v) OVER (PARTITION BY h, g) AS gh_avg FROM wsc_src"};
}

// --- DISTINCT ON: the first row of each group --------------------------------------

OracleScenario distinct_on_first_per_group() {
  // The largest v per g (NULL g a group of its own), ties broken by the key.
  TableSpec src{"wdo_src", key(100000),
                {ColumnSpec::integer("g", 1, 8, 0.1), ColumnSpec::integer("v", 0, 9, 0.1)}, 50};
  return {"distinct_on_first_per_group", {src}, {},
          "SELECT DISTINCT ON (g) g, id, v FROM wdo_src ORDER BY g, v DESC NULLS LAST, id"};
}

OracleScenario distinct_on_keyless_text() {
  // Keyless with duplicates, text groups an array's text form must quote:
  // the smallest v per t (identical rows tie, and are one value).
  TableSpec src{"wdk_src", std::nullopt,
                {ColumnSpec::text("t", kQuotedWords, 0.1), ColumnSpec::integer("v", 0, 4, 0.2)}, 40};
  return {"distinct_on_keyless_text", {src}, {}, "SELECT DISTINCT ON (t) t, v FROM wdk_src ORDER BY t, v"};
}

OracleScenario distinct_on_over_join() {
  TableSpec fact{"wdj_fact", key(100000),
                 {ColumnSpec::integer("g", 1, 6, 0.1), ColumnSpec::integer("v", 0, 9, 0.1)}, 40};
  TableSpec dim{"wdj_dim", key(8), {ColumnSpec::text("label", kWords, 0.1)}, 6};
  return {"distinct_on_over_join", {fact, dim}, {{0, "g", 1, "id"}},
          "SELECT DISTINCT ON (f.g) f.g, d.label, f.v FROM wdj_fact f JOIN wdj_dim d ON d.id = f.g "
          "ORDER BY f.g, f.v DESC NULLS LAST, f.id",
          kAnalyze};
}

// --- no partition column: the whole result -----------------------------------------

OracleScenario window_without_partition() {
  // A global ranking and running total: every change can move every row.
  TableSpec src{"wnp_src", key(100000), {ColumnSpec::integer("v", 0, 50, 0.1)}, 40};
  return {"window_without_partition", {src}, {},
          "SELECT id, v, rank() OVER (ORDER BY v) AS r, sum(v) OVER (ORDER BY v, id) AS running, "
          "count(*) OVER () AS n FROM wnp_src"};
}

OracleScenario windows_on_different_columns() {
  // PARTITION BY g and PARTITION BY h: no column partitions both.
  TableSpec src{"wdc_src", std::nullopt,
                {ColumnSpec::integer("g", 1, 4, 0.1), ColumnSpec::integer("h", 1, 3, 0.1),
                 ColumnSpec::integer("v", 0, 9)},
                40};
  return {"windows_on_different_columns", {src}, {},
          "SELECT g, h, v, sum(v) OVER (PARTITION BY g) AS g_sum, count(*) OVER (PARTITION BY h) AS h_n "
          "FROM wdc_src"};
}

// --- ORDER BY ... LIMIT (top-k): the whole result ----------------------------------

OracleScenario top_k_rows() {
  TableSpec src{"wtk_src", key(100000), {ColumnSpec::integer("v", 0, 40, 0.1), ColumnSpec::integer("g", 1, 5)}, 40};
  return {"top_k_rows", {src}, {}, "SELECT id, v FROM wtk_src ORDER BY v DESC NULLS LAST, id LIMIT 5"};
}

OracleScenario top_k_groups_with_offset() {
  // The second to fourth largest groups (ordered to the grouping key).
  TableSpec src{"wtg_src", std::nullopt,
                {ColumnSpec::integer("g", 1, 9, 0.1), ColumnSpec::integer("v", 0, 9, 0.1)}, 50};
  return {"top_k_groups_with_offset", {src}, {},
          "SELECT g, sum(v) AS s, count(*) AS n FROM wtg_src GROUP BY g "
          "ORDER BY sum(v) DESC NULLS LAST, g NULLS LAST LIMIT 3 OFFSET 1"};
}

OracleScenario top_k_with_ties() {
  // FETCH FIRST ... WITH TIES: every row equal to the last one is kept.
  TableSpec src{"wtt_src", key(100000), {ColumnSpec::integer("v", 0, 10, 0.1)}, 40};
  return {"top_k_with_ties", {src}, {}, "SELECT id, v FROM wtt_src ORDER BY v FETCH FIRST 3 ROWS WITH TIES"};
}

OracleScenario top_k_below_grouping_and_join() {
  // The 15 largest rows, counted per label: a top-k in a subquery, joined.
  TableSpec fact{"wtj_fact", key(100000),
                 {ColumnSpec::integer("g", 1, 6, 0.1), ColumnSpec::integer("v", 0, 50, 0.1)}, 40};
  TableSpec dim{"wtj_dim", key(8), {ColumnSpec::text("label", kWords, 0.1)}, 6};
  return {"top_k_below_grouping_and_join", {fact, dim}, {{0, "g", 1, "id"}},
          "SELECT d.label, count(*) AS n, sum(t.v) AS sv FROM (SELECT id, g, v FROM wtj_fact "
          "ORDER BY v DESC NULLS LAST, id LIMIT 15) t JOIN wtj_dim d ON d.id = t.g GROUP BY d.label",
          kAnalyze};
}

}  // namespace

std::vector<OracleScenario> top_k_oracle_scenarios() {
  return {top_k_rows(), top_k_groups_with_offset(), top_k_with_ties(), top_k_below_grouping_and_join()};
}

std::vector<OracleScenario> window_oracle_scenarios() {
  return {ranking_per_partition(),    partition_aggregates_text_keyless(), frames_and_offsets(),
          top_rows_per_partition(),   window_over_join(),                  window_over_grouping(),
          numeric_partition_forms(),  windows_sharing_a_column(),          window_without_partition(),
          windows_on_different_columns(), distinct_on_first_per_group(),   distinct_on_keyless_text(),
          distinct_on_over_join()};
}

}  // namespace pgt_e2e
