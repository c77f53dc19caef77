#include "oracle_grouping_sets_scenarios.h"
#include "scenario_domains.h"

namespace pgt_e2e {
namespace {

OracleScenario rollup_two_keys() {
  TableSpec src{"gsr_src", key(100000),
                {ColumnSpec::integer("a", 1, 4, 0.1), ColumnSpec::integer("b", 1, 3, 0.1),
                 ColumnSpec::integer("v", 0, 9, 0.1)},
                40};
  return {"rollup_two_keys", {src}, {},
          "SELECT a, b, sum(v) AS s, count(*) AS n, count(v) AS nv, GROUPING(a, b) AS g FROM gsr_src "
          "GROUP BY ROLLUP (a, b)"};
}

OracleScenario cube_text_keyless() {
  // Keyless with duplicates; min / max and a group-rescan aggregate.
  TableSpec src{"gsc_src", std::nullopt,
                {ColumnSpec::text("t", kWords, 0.1), ColumnSpec::integer("c", 1, 3, 0.1),
                 ColumnSpec::integer("v", 0, 5, 0.1)},
                30};
  return {"cube_text_keyless", {src}, {},
          "SELECT t, c, count(*) AS n, min(v) AS lo, max(v) AS hi, "
          "string_agg(v::text, ',' ORDER BY v) AS vs, GROUPING(t) AS gt, GROUPING(c, t) AS gct "
          "FROM gsc_src GROUP BY CUBE (t, c)"};
}

OracleScenario sets_with_empty_and_having() {
  TableSpec src{"gsh_src", key(100000),
                {ColumnSpec::integer("a", 1, 5, 0.1), ColumnSpec::integer("b", 1, 4, 0.1),
                 ColumnSpec::integer("v", 0, 9, 0.1)},
                35};
  return {"sets_with_empty_and_having", {src}, {},
          "SELECT a, b, count(*) AS n, avg(v) AS av, sum(v) FILTER (WHERE v > 4) AS big "
          "FROM gsh_src GROUP BY GROUPING SETS ((a), (b), ()) HAVING count(*) <> 2"};
}

OracleScenario rollup_of_expressions_over_join() {
  TableSpec fact{"gsj_fact", key(100000),
                 {ColumnSpec::integer("g", 1, 6, 0.1), ColumnSpec::integer("v", 0, 9, 0.1)}, 40};
  TableSpec dim{"gsj_dim", key(8), {ColumnSpec::text("label", kWords, 0.1)}, 6};
  return {"rollup_of_expressions_over_join", {fact, dim}, {{0, "g", 1, "id"}},
          "SELECT coalesce(d.label, '(none)') AS label, f.g % 3 AS m, sum(f.v) AS s, count(*) AS n, "
          "coalesce((f.g % 3)::text, 'all') AS m_label "
          "FROM gsj_fact f JOIN gsj_dim d ON d.id = f.g GROUP BY ROLLUP (coalesce(d.label, '(none)'), f.g % 3)",
          kAnalyze};
}

OracleScenario sets_without_aggregates() {
  TableSpec src{"gsn_src", std::nullopt,
                {ColumnSpec::integer("a", 1, 4, 0.2), ColumnSpec::integer("b", 1, 3, 0.2)}, 25};
  return {"sets_without_aggregates", {src}, {}, "SELECT a, b FROM gsn_src GROUP BY GROUPING SETS ((a), (b), ())"};
}

OracleScenario key_next_to_cube() {
  TableSpec src{"gsk_src", key(100000),
                {ColumnSpec::integer("a", 1, 3, 0.1), ColumnSpec::integer("b", 1, 3, 0.1),
                 ColumnSpec::text("c", kRegions, 0.1), ColumnSpec::integer("v", 0, 6, 0.1)},
                40};
  return {"key_next_to_cube", {src}, {},
          "SELECT a, b, c, count(DISTINCT v) AS dv, sum(v) AS s FROM gsk_src GROUP BY a, CUBE (b, c)"};
}

OracleScenario duplicate_empty_sets() {
  // Two empty sets: the grand total twice, as PostgreSQL gives it.
  TableSpec src{"gsd_src", key(100000), {ColumnSpec::integer("a", 1, 3, 0.1), ColumnSpec::integer("v", 0, 9)}, 20};
  return {"duplicate_empty_sets", {src}, {},
          "SELECT a, count(*) AS n, sum(v) AS s FROM gsd_src GROUP BY GROUPING SETS ((), (a), ())"};
}

}  // namespace

std::vector<OracleScenario> grouping_sets_oracle_scenarios() {
  return {rollup_two_keys(),         cube_text_keyless(),       sets_with_empty_and_having(),
          rollup_of_expressions_over_join(), sets_without_aggregates(), key_next_to_cube(),
          duplicate_empty_sets()};
}

}  // namespace pgt_e2e
