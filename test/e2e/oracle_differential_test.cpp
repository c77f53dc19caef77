// The oracle under random DML, DIFFERENTIAL refresh mode: for each
// select-project-join shape, 200 cycles of (random DML batch in one
// transaction; refresh_stream_table; ST == query), and every one of those
// refreshes must have taken the delta path (history action DIFFERENTIAL, or
// NO_DATA for a batch that changed nothing): differential_max_change_ratio is
// raised so that the FULL fallback never hides a wrong delta.
#include <gtest/gtest.h>

#include "oracle_grouped_scenarios.h"
#include "oracle_nested_grouping_scenarios.h"
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

TEST_P(OracleDifferential, MatchesQueryUnderRandomDml) {
  const std::uint64_t seed = test_seed();
  SCOPED_TRACE(seed_note(seed));
  conn().exec("SET pg_trickle.differential_max_change_ratio = 1000");
  OracleRun run{"DIFFERENTIAL"};
  run.allowed_actions = {"DIFFERENTIAL", "NO_DATA"};
  run_oracle_cycles(conn(), GetParam(), run, seed);
  if (HasFatalFailure()) return;

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

}  // namespace
}  // namespace pgt_e2e
