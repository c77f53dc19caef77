#include "oracle_runner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <random>

#include "oracle.h"
#include "refresh_history.h"
#include "stream_table.h"

namespace pgt_e2e {
namespace {

int cycles_for(const OracleRun& run) {
  const char* env = std::getenv("PGT_ORACLE_CYCLES");
  return env && *env ? std::atoi(env) : run.cycles;
}

std::string describe_batch(const std::vector<std::string>& batch, const BatchShape& shape) {
  std::string text = shape.focused ? std::string("last batch (one transaction, focused on the rejected region, ") +
                                         batch_kind_name(shape.kind) + "):"
                                   : "last batch (one transaction):";
  for (const std::string& sql : batch) text += "\n    " + sql + ";";
  return text;
}

// One IMMEDIATE cycle: the batch statement by statement in one transaction,
// the oracle after each, then COMMIT or ROLLBACK and the oracle again.
void run_immediate_batch(PgConn& conn, const std::string& st, const std::string& query,
                         const std::vector<std::string>& batch, bool roll_back, bool at_commit,
                         ImmediateRunStats& counts) {
  conn.exec("BEGIN");
  for (std::size_t i = 0; i < batch.size(); ++i) {
    try {
      conn.exec(batch[i]);
    } catch (...) {
      conn.try_exec("ROLLBACK");
      throw;
    }
    ++counts.statements;
    if (at_commit) continue;  // maintained when the transaction commits
    const ::testing::AssertionResult same = st_matches_query(conn, st, query);
    if (!same) {
      conn.try_exec("ROLLBACK");
      FAIL() << "inside the transaction, after statement " << (i + 1) << " of " << batch.size() << " ("
             << batch[i] << "): " << same.message();
    }
  }
  const ExecOutcome ended = conn.try_exec(roll_back ? "ROLLBACK" : "COMMIT");
  ASSERT_TRUE(ended.ok) << (roll_back ? "ROLLBACK" : "COMMIT") << ": [" << ended.sqlstate << "] " << ended.message;
  ++(roll_back ? counts.rolled_back : counts.committed);
  ASSERT_TRUE(st_matches_query(conn, st, query)) << "after " << (roll_back ? "ROLLBACK" : "COMMIT");
}

}  // namespace

void run_oracle_cycles(PgConn& conn, const OracleScenario& scenario, const OracleRun& run, std::uint64_t seed,
                       FocusedBatchStats* stats, ImmediateRunStats* immediate) {
  std::mt19937_64 rng(seed);
  std::vector<DmlGenerator> tables;
  for (const TableSpec& spec : scenario.tables) tables.emplace_back(spec, rng);
  for (DmlGenerator& t : tables)
    for (const std::string& sql : t.setup_sql()) conn.exec(sql);
  for (const std::string& sql : scenario.setup_sql) conn.exec(sql);

  const std::string st = scenario.name + "_st";  // "distinct" alone is a keyword
  create_stream_table(conn, st, scenario.query, run.refresh_mode);
  ASSERT_TRUE(st_matches_query(conn, st, scenario.query)) << "after create_stream_table";
  const bool at_commit = run.refresh_mode == "IMMEDIATE" && run.immediate_timing == "commit";
  if (at_commit) {
    conn.exec("SELECT pgtrickle.alter_stream_table(" + quote_literal(st) + ", immediate_timing => 'commit')");
    ASSERT_TRUE(st_matches_query(conn, st, scenario.query)) << "after alter_stream_table(immediate_timing)";
  }

  const int cycles = cycles_for(run);
  if (stats) stats->cycles = cycles;
  if (run.refresh_mode == "IMMEDIATE") {
    ImmediateRunStats counts;
    for (int cycle = 1; cycle <= cycles; ++cycle) {
      const std::vector<DmlGenerator> before = tables;
      BatchShape shape;
      const std::vector<std::string> batch =
          random_batch(tables, scenario.links, rng, run.min_statements, run.max_statements, &shape);
      const bool roll_back = chance(rng, run.rollback_fraction);
      SCOPED_TRACE("cycle " + std::to_string(cycle) + " of " + std::to_string(cycles) + "; " +
                   describe_batch(batch, shape) + (roll_back ? "\n    ROLLBACK;" : "\n    COMMIT;"));
      run_immediate_batch(conn, st, scenario.query, batch, roll_back, at_commit, counts);
      if (::testing::Test::HasFatalFailure()) break;
      if (roll_back)
        for (std::size_t t = 0; t < tables.size(); ++t) tables[t].restore_model(before[t]);
    }
    if (immediate) *immediate = counts;
    return;
  }
  for (int cycle = 1; cycle <= cycles; ++cycle) {
    BatchShape shape;
    const std::vector<std::string> batch =
        random_batch(tables, scenario.links, rng, run.min_statements, run.max_statements, &shape);
    SCOPED_TRACE("cycle " + std::to_string(cycle) + " of " + std::to_string(cycles) + "; " +
                 describe_batch(batch, shape));
    run_in_transaction(conn, batch);
    refresh_stream_table(conn, st);
    ASSERT_TRUE(st_matches_query(conn, st, scenario.query));
    const bool count_focused = stats && shape.focused;
    if (run.allowed_actions.empty() && !count_focused) continue;
    const RefreshRecord last = last_refresh(conn, st);
    if (!run.allowed_actions.empty()) {
      ASSERT_TRUE(std::find(run.allowed_actions.begin(), run.allowed_actions.end(), last.action) !=
                  run.allowed_actions.end())
          << "refresh recorded action " << last.action << " (reason: " << last.reason.value_or("none")
          << "), expected one of " << ::testing::PrintToString(run.allowed_actions);
    }
    if (count_focused) {
      ++stats->batches;
      ++stats->by_kind[shape.kind];
      if (last.action == "DIFFERENTIAL" && stats->differential++ == 0) stats->first_differential_cycle = cycle;
    }
  }
}

}  // namespace pgt_e2e
