// The oracle under random DML, IMMEDIATE refresh mode: every scenario of the
// DIFFERENTIAL oracle tier, with the stream table maintained inside each
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

std::string param_name(const ::testing::TestParamInfo<OracleScenario>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(Shapes, OracleImmediate, ::testing::ValuesIn(differential_oracle_scenarios()), param_name);
INSTANTIATE_TEST_SUITE_P(Grouped, OracleImmediate, ::testing::ValuesIn(grouped_oracle_scenarios()), param_name);
INSTANTIATE_TEST_SUITE_P(SetOps, OracleImmediate, ::testing::ValuesIn(setop_oracle_scenarios()), param_name);
INSTANTIATE_TEST_SUITE_P(OuterJoins, OracleImmediate, ::testing::ValuesIn(outer_join_oracle_scenarios()),
                         param_name);
INSTANTIATE_TEST_SUITE_P(SemiJoins, OracleImmediate, ::testing::ValuesIn(semi_join_oracle_scenarios()), param_name);
// BUG: a grouping below another operator maintained by partition rescan
// (join of aggregates, set operation of aggregates, ...) makes every write to
// its sources fail in IMMEDIATE mode with SQLSTATE 55000 "pgtrickle.
// _statement_changes() reads the changes of a statement being maintained":
// the statement that collects the touched partition keys calls
// _statement_changes outside the window where maintenance allows it.
// Minimal repro:
//   CREATE TABLE ja(id int PRIMARY KEY, g int, v int);
//   CREATE TABLE jb(id int PRIMARY KEY, g int, w int);
//   SELECT pgtrickle.create_stream_table('jj', 'SELECT x.g, x.s, y.t FROM
//     (SELECT g, sum(v) s FROM ja GROUP BY g) x JOIN (SELECT g, sum(w) t FROM jb
//     GROUP BY g) y ON x.g = y.g', refresh_mode => 'IMMEDIATE');
//   INSERT INTO ja VALUES (1, 1, 1);   -- ERROR 55000
// (also: 'SELECT k, min(v) FROM a GROUP BY k UNION SELECT k, max(v) FROM b
// GROUP BY k'). create_stream_table accepts the query, so the sources become
// unwritable. The nested scenarios that hit it run disabled until it is fixed.
const std::set<std::string>& nested_partition_rescan_bug() {
  static const std::set<std::string> names{
      "distinct_with_exists_in_leaf", "except_of_aggregates", "intersect_of_aggregates", "union_of_aggregates",
      "union_of_aggregates_mixed_types", "union_all_of_aggregates", "constant_branch_in_union_all",
      "except_all_of_groupings", "intersect_all_of_groupings", "aggregate_over_union_all_of_aggregates",
      "aggregate_over_except", "aggregate_over_union", "join_of_two_aggregates", "aggregate_join_dimension",
      "left_join_dimension_preserved", "right_join_dimension_preserved", "full_join_of_aggregates",
      "filtered_rows_with_group_totals", "grouping_key_from_nullable_side", "grouped_view_joined",
      "chain_of_three_aggregates", "numeric_join_of_aggregates", "region_over_customer_totals",
      "customer_totals_joined_per_region", "except_then_union", "intersect_three", "except_of_intersect",
      "join_on_aggregate_value"};
  return names;
}

std::vector<OracleScenario> nested_scenarios(bool with_bug) {
  std::vector<OracleScenario> out;
  for (OracleScenario& s : nested_grouping_oracle_scenarios())
    if (nested_partition_rescan_bug().count(s.name) == (with_bug ? 1u : 0u)) out.push_back(std::move(s));
  return out;
}

INSTANTIATE_TEST_SUITE_P(NestedGrouping, OracleImmediate, ::testing::ValuesIn(nested_scenarios(false)), param_name);
INSTANTIATE_TEST_SUITE_P(DISABLED_NestedGroupingPartitionRescan, OracleImmediate,
                         ::testing::ValuesIn(nested_scenarios(true)), param_name);
INSTANTIATE_TEST_SUITE_P(FilteredAggregates, OracleImmediate, ::testing::ValuesIn(filtered_oracle_scenarios()),
                         param_name);

}  // namespace
}  // namespace pgt_e2e
