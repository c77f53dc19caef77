// The oracle under random DML, IMMEDIATE refresh mode (and the same with
// immediate_timing => 'commit', OracleImmediateCommit, on most of them; see
// below): every scenario of the DIFFERENTIAL oracle tier, with the stream table maintained inside each
// writing statement. Each cycle runs a random batch statement by statement in
// one transaction and checks the stream table against its query after every
// statement (inside the transaction, where only this transaction's changes
// and the maintenance's own rows are visible), then ends the transaction with
// COMMIT or, for about a quarter of the batches, ROLLBACK, and checks again.
// No refresh is ever called: a wrong delta shows up as a difference.
//
// Fewer and shorter batches than the DIFFERENTIAL tier (the oracle runs after
// every statement, not every batch): PGT_ORACLE_CYCLES raises the count for a
// soak run, PGT_SEED replays one.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "oracle_filtered_scenarios.h"
#include "oracle_grouped_scenarios.h"
#include "oracle_nested_grouping_scenarios.h"
#include "oracle_grouping_sets_scenarios.h"
#include "oracle_lateral_scenarios.h"
#include "oracle_window_scenarios.h"
#include "oracle_outer_join_scenarios.h"
#include "oracle_runner.h"
#include "oracle_semi_join_scenarios.h"
#include "oracle_setop_scenarios.h"
#include "refresh_history.h"
#include "seed.h"
#include "test_db.h"

namespace pgt_e2e {
namespace {

class OracleImmediate : public TestDb, public ::testing::WithParamInterface<OracleScenario> {};

TEST_P(OracleImmediate, MatchesQueryAfterEveryStatement) {
  const std::uint64_t seed = test_seed();
  SCOPED_TRACE(seed_note(seed));
  OracleRun run{"IMMEDIATE"};
  run.cycles = 20;
  run.max_statements = 8;
  run.rollback_fraction = 0.25;
  ImmediateRunStats counts;
  run_oracle_cycles(conn(), GetParam(), run, seed, nullptr, &counts);
  if (HasFatalFailure()) return;
  RecordProperty("statements", counts.statements);
  RecordProperty("committed", counts.committed);
  RecordProperty("rolled_back", counts.rolled_back);

  const std::string st = GetParam().name + "_st";
  EXPECT_EQ(conn().scalar("SELECT refresh_mode FROM pgtrickle.pgt_stream_tables WHERE pgt_name = " +
                          quote_literal(st)),
            "IMMEDIATE");
  EXPECT_GT(counts.statements, 0);
  // Maintenance writes no history: only what creation recorded (if
  // anything) is there, never a MANUAL or SCHEDULER refresh.
  const std::map<std::string, int> manual = refresh_action_counts(conn(), st, "MANUAL");
  const std::map<std::string, int> scheduled = refresh_action_counts(conn(), st, "SCHEDULER");
  EXPECT_TRUE(manual.empty()) << ::testing::PrintToString(manual);
  EXPECT_TRUE(scheduled.empty()) << ::testing::PrintToString(scheduled);
}

// ON COMMIT: each batch is one transaction, maintained once at its commit
// by the DIFFERENTIAL refresh; checked after COMMIT / ROLLBACK.
class OracleImmediateCommit : public TestDb, public ::testing::WithParamInterface<OracleScenario> {};

TEST_P(OracleImmediateCommit, MatchesQueryAfterEveryCommit) {
  const std::uint64_t seed = test_seed();
  SCOPED_TRACE(seed_note(seed));
  OracleRun run{"IMMEDIATE"};
  run.cycles = 20;
  run.max_statements = 8;
  run.rollback_fraction = 0.25;
  run.immediate_timing = "commit";
  ImmediateRunStats counts;
  run_oracle_cycles(conn(), GetParam(), run, seed, nullptr, &counts);
  if (HasFatalFailure()) return;
  EXPECT_GT(counts.committed, 0);
  const std::string st = GetParam().name + "_st";
  EXPECT_EQ(conn().scalar("SELECT immediate_timing FROM pgtrickle.pgt_stream_tables WHERE pgt_name = " +
                          quote_literal(st)),
            "commit");
}

std::string param_name(const ::testing::TestParamInfo<OracleScenario>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(Shapes, OracleImmediate, ::testing::ValuesIn(differential_oracle_scenarios()), param_name);
INSTANTIATE_TEST_SUITE_P(Grouped, OracleImmediate, ::testing::ValuesIn(grouped_oracle_scenarios()), param_name);
INSTANTIATE_TEST_SUITE_P(SetOps, OracleImmediate, ::testing::ValuesIn(setop_oracle_scenarios()), param_name);
INSTANTIATE_TEST_SUITE_P(OuterJoins, OracleImmediate, ::testing::ValuesIn(outer_join_oracle_scenarios()),
                         param_name);
INSTANTIATE_TEST_SUITE_P(SemiJoins, OracleImmediate, ::testing::ValuesIn(semi_join_oracle_scenarios()), param_name);
// Groupings below other operators (partition rescan): the statement that
// collects the touched partitions reads every leaf's changes, those of
// tables the statement did not change too.
INSTANTIATE_TEST_SUITE_P(NestedGrouping, OracleImmediate, ::testing::ValuesIn(nested_grouping_oracle_scenarios()),
                         param_name);
// Window functions (partition rescan, as above).
INSTANTIATE_TEST_SUITE_P(Windows, OracleImmediate, ::testing::ValuesIn(window_oracle_scenarios()), param_name);
// ORDER BY ... LIMIT: the whole result, recomputed.
INSTANTIATE_TEST_SUITE_P(TopK, OracleImmediate, ::testing::ValuesIn(top_k_oracle_scenarios()),
                         param_name);
// GROUPING SETS / CUBE / ROLLUP: one grouping over a branch per set.
INSTANTIATE_TEST_SUITE_P(GroupingSets, OracleImmediate, ::testing::ValuesIn(grouping_sets_oracle_scenarios()),
                         param_name);
// Functions in FROM (LATERAL or constant): kept in every term.
INSTANTIATE_TEST_SUITE_P(Lateral, OracleImmediate, ::testing::ValuesIn(lateral_oracle_scenarios()),
                         param_name);
INSTANTIATE_TEST_SUITE_P(FilteredAggregates, OracleImmediate, ::testing::ValuesIn(filtered_oracle_scenarios()),
                         param_name);

// Commit timing runs the DIFFERENTIAL refresh itself (every delta rule is
// DIFFERENTIAL's, checked above and in oracle_differential_test.cpp): here
// the shapes whose changes it consolidates over a whole transaction (scans,
// joins, groupings, outer and semi-joins, windows, top-k, grouping sets,
// functions in FROM); set operations and nested groupings are left to the
// two other modes to keep the tier's time.
INSTANTIATE_TEST_SUITE_P(Shapes, OracleImmediateCommit, ::testing::ValuesIn(differential_oracle_scenarios()),
                         param_name);
INSTANTIATE_TEST_SUITE_P(Grouped, OracleImmediateCommit, ::testing::ValuesIn(grouped_oracle_scenarios()),
                         param_name);
INSTANTIATE_TEST_SUITE_P(OuterJoins, OracleImmediateCommit, ::testing::ValuesIn(outer_join_oracle_scenarios()),
                         param_name);
INSTANTIATE_TEST_SUITE_P(SemiJoins, OracleImmediateCommit, ::testing::ValuesIn(semi_join_oracle_scenarios()),
                         param_name);
INSTANTIATE_TEST_SUITE_P(Windows, OracleImmediateCommit, ::testing::ValuesIn(window_oracle_scenarios()), param_name);
INSTANTIATE_TEST_SUITE_P(TopK, OracleImmediateCommit, ::testing::ValuesIn(top_k_oracle_scenarios()), param_name);
INSTANTIATE_TEST_SUITE_P(GroupingSets, OracleImmediateCommit, ::testing::ValuesIn(grouping_sets_oracle_scenarios()),
                         param_name);
INSTANTIATE_TEST_SUITE_P(Lateral, OracleImmediateCommit, ::testing::ValuesIn(lateral_oracle_scenarios()), param_name);

}  // namespace
}  // namespace pgt_e2e
