// The oracle under random DML, DIFFERENTIAL refresh mode: for each
// select-project-join shape, 200 cycles of (random DML batch in one
// transaction; refresh_stream_table; ST == query), and every one of those
// refreshes must have taken the delta path (history action DIFFERENTIAL, or
// NO_DATA for a batch that changed nothing): differential_max_change_ratio is
// raised so that the FULL fallback never hides a wrong delta. Scenarios whose
// tables declare a rejected region must also have had focused batches (every
// change rejected by the WHERE) that reached the delta path.
#include <gtest/gtest.h>

#include <algorithm>

#include "oracle_filtered_scenarios.h"
#include "oracle_grouped_scenarios.h"
#include "oracle_nested_grouping_scenarios.h"
#include "oracle_grouping_sets_scenarios.h"
#include "oracle_lateral_scenarios.h"
#include "oracle_window_scenarios.h"
#include "oracle_outer_join_scenarios.h"
#include "oracle_semi_join_scenarios.h"
#include "oracle_setop_scenarios.h"
#include "oracle_runner.h"
#include "refresh_history.h"
#include "seed.h"
#include "test_db.h"

namespace pgt_e2e {
namespace {

class OracleDifferential : public TestDb, public ::testing::WithParamInterface<OracleScenario> {};

bool has_rejected_region(const OracleScenario& scenario) {
  return std::any_of(scenario.tables.begin(), scenario.tables.end(),
                     [](const TableSpec& t) { return t.rejected.has_value(); });
}

// A scenario with a rejected region must really have put the refresh in
// front of changes that all vanish at its WHERE. Short runs (PGT_ORACLE_CYCLES)
// may by chance have none.
void expect_focused_batches_reached_the_delta(const FocusedBatchStats& stats) {
  ::testing::Test::RecordProperty("focused_batches", stats.batches);
  ::testing::Test::RecordProperty("focused_differential", stats.differential);
  ::testing::Test::RecordProperty("first_focused_differential_cycle", stats.first_differential_cycle);
  for (const auto& [kind, n] : stats.by_kind)
    ::testing::Test::RecordProperty(std::string("focused_") + batch_kind_name(kind), n);
  if (stats.cycles < 100) return;
  EXPECT_GT(stats.differential, 0) << "no focused batch reached a DIFFERENTIAL refresh in " << stats.cycles
                                   << " cycles (" << stats.batches << " focused)";
}

TEST_P(OracleDifferential, MatchesQueryUnderRandomDml) {
  const std::uint64_t seed = test_seed();
  SCOPED_TRACE(seed_note(seed));
  conn().exec("SET pg_trickle.differential_max_change_ratio = 1000");
  OracleRun run{"DIFFERENTIAL"};
  run.allowed_actions = {"DIFFERENTIAL", "NO_DATA"};
  FocusedBatchStats focused;
  run_oracle_cycles(conn(), GetParam(), run, seed, &focused);
  if (HasFatalFailure()) return;
  if (has_rejected_region(GetParam())) expect_focused_batches_reached_the_delta(focused);

  const std::string st = GetParam().name + "_st";
  const std::map<std::string, int> actions = refresh_action_counts(conn(), st);
  EXPECT_GT(actions.count("DIFFERENTIAL") ? actions.at("DIFFERENTIAL") : 0, 0)
      << "no refresh applied a delta: " << ::testing::PrintToString(actions);
  EXPECT_EQ(actions.count("FULL"), 0u) << ::testing::PrintToString(actions);
  RecordProperty("differential_refreshes", actions.count("DIFFERENTIAL") ? actions.at("DIFFERENTIAL") : 0);
}

INSTANTIATE_TEST_SUITE_P(Shapes, OracleDifferential, ::testing::ValuesIn(differential_oracle_scenarios()),
                         [](const ::testing::TestParamInfo<OracleScenario>& info) { return info.param.name; });

// Grouping at the top level (GROUP BY, scalar aggregates, DISTINCT, HAVING)
// over select-project-join inputs.
INSTANTIATE_TEST_SUITE_P(Grouped, OracleDifferential, ::testing::ValuesIn(grouped_oracle_scenarios()),
                         [](const ::testing::TestParamInfo<OracleScenario>& info) { return info.param.name; });

// UNION ALL (also in FROM), UNION, INTERSECT, EXCEPT.
INSTANTIATE_TEST_SUITE_P(SetOps, OracleDifferential, ::testing::ValuesIn(setop_oracle_scenarios()),
                         [](const ::testing::TestParamInfo<OracleScenario>& info) { return info.param.name; });

// LEFT / RIGHT / FULL JOIN, alone, chained, under a grouping.
INSTANTIATE_TEST_SUITE_P(OuterJoins, OracleDifferential, ::testing::ValuesIn(outer_join_oracle_scenarios()),
                         [](const ::testing::TestParamInfo<OracleScenario>& info) { return info.param.name; });

// [NOT] EXISTS / IN (subquery) conditions.
INSTANTIATE_TEST_SUITE_P(SemiJoins, OracleDifferential, ::testing::ValuesIn(semi_join_oracle_scenarios()),
                         [](const ::testing::TestParamInfo<OracleScenario>& info) { return info.param.name; });

// A grouping (GROUP BY, DISTINCT, UNION, INTERSECT, EXCEPT) below another
// operator: partition rescan, or a whole recompute without a partition column.
INSTANTIATE_TEST_SUITE_P(NestedGrouping, OracleDifferential, ::testing::ValuesIn(nested_grouping_oracle_scenarios()),
                         [](const ::testing::TestParamInfo<OracleScenario>& info) { return info.param.name; });

// Window functions: partition rescan of the touched window partitions, or
// the whole result without a partition column.
INSTANTIATE_TEST_SUITE_P(Windows, OracleDifferential, ::testing::ValuesIn(window_oracle_scenarios()),
                         [](const ::testing::TestParamInfo<OracleScenario>& info) { return info.param.name; });
// ORDER BY ... LIMIT: the whole result, recomputed.
INSTANTIATE_TEST_SUITE_P(TopK, OracleDifferential, ::testing::ValuesIn(top_k_oracle_scenarios()),
                         [](const ::testing::TestParamInfo<OracleScenario>& info) { return info.param.name; });
// GROUPING SETS / CUBE / ROLLUP: one grouping over a branch per set.
INSTANTIATE_TEST_SUITE_P(GroupingSets, OracleDifferential, ::testing::ValuesIn(grouping_sets_oracle_scenarios()),
                         [](const ::testing::TestParamInfo<OracleScenario>& info) { return info.param.name; });
// Functions in FROM (LATERAL or constant): kept in every term.
INSTANTIATE_TEST_SUITE_P(Lateral, OracleDifferential, ::testing::ValuesIn(lateral_oracle_scenarios()),
                         [](const ::testing::TestParamInfo<OracleScenario>& info) { return info.param.name; });

// Aggregates (scalar and grouped, every maintenance strategy), DISTINCT and a
// join under WHERE clauses that reject a declared region: focused batches
// change only rejected rows, so the refresh sees changes that all vanish.
INSTANTIATE_TEST_SUITE_P(FilteredAggregates, OracleDifferential, ::testing::ValuesIn(filtered_oracle_scenarios()),
                         [](const ::testing::TestParamInfo<OracleScenario>& info) { return info.param.name; });

}  // namespace
}  // namespace pgt_e2e
