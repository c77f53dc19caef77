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

std::string describe_batch(const std::vector<std::string>& batch) {
  std::string text = "last batch (one transaction):";
  for (const std::string& sql : batch) text += "\n    " + sql + ";";
  return text;
}

}  // namespace

void run_oracle_cycles(PgConn& conn, const OracleScenario& scenario, const OracleRun& run, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<DmlGenerator> tables;
  for (const TableSpec& spec : scenario.tables) tables.emplace_back(spec, rng);
  for (DmlGenerator& t : tables)
    for (const std::string& sql : t.setup_sql()) conn.exec(sql);
  for (const std::string& sql : scenario.setup_sql) conn.exec(sql);

  const std::string st = scenario.name + "_st";  // "distinct" alone is a keyword
  create_stream_table(conn, st, scenario.query, run.refresh_mode);
  ASSERT_TRUE(st_matches_query(conn, st, scenario.query)) << "after create_stream_table";

  const int cycles = cycles_for(run);
  for (int cycle = 1; cycle <= cycles; ++cycle) {
    const std::vector<std::string> batch =
        random_batch(tables, scenario.links, rng, run.min_statements, run.max_statements);
    SCOPED_TRACE("cycle " + std::to_string(cycle) + " of " + std::to_string(cycles) + "; " + describe_batch(batch));
    run_in_transaction(conn, batch);
    refresh_stream_table(conn, st);
    ASSERT_TRUE(st_matches_query(conn, st, scenario.query));
    if (!run.allowed_actions.empty()) {
      const RefreshRecord last = last_refresh(conn, st);
      ASSERT_TRUE(std::find(run.allowed_actions.begin(), run.allowed_actions.end(), last.action) !=
                  run.allowed_actions.end())
          << "refresh recorded action " << last.action << " (reason: " << last.reason.value_or("none")
          << "), expected one of " << ::testing::PrintToString(run.allowed_actions);
    }
  }
}

}  // namespace pgt_e2e
