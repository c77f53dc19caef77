// The oracle under random DML for semi- and anti-joins (EXISTS, NOT EXISTS,
// IN, NOT IN over NOT NULL columns), DIFFERENTIAL refresh mode: 200 cycles of
// (random DML batch in one transaction; refresh; ST == query), every refresh
// on the delta path (DIFFERENTIAL, or NO_DATA for a batch that changed
// nothing), with differential_max_change_ratio raised so that the FULL
// fallback never hides a wrong delta.
#include <gtest/gtest.h>

#include "oracle_runner.h"
#include "oracle_semi_join_scenarios.h"
#include "refresh_history.h"
#include "seed.h"
#include "test_db.h"

namespace pgt_e2e {
namespace {

class SemiJoinOracle : public TestDb, public ::testing::WithParamInterface<OracleScenario> {};

TEST_P(SemiJoinOracle, MatchesQueryUnderRandomDml) {
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

INSTANTIATE_TEST_SUITE_P(SemiJoins, SemiJoinOracle, ::testing::ValuesIn(semi_join_oracle_scenarios()),
                         [](const ::testing::TestParamInfo<OracleScenario>& info) { return info.param.name; });

}  // namespace
}  // namespace pgt_e2e
