// TPC-H: the 22 queries of the specification (its validation parameters) as
// stream tables over TPC-H data from our own generator (support/tpch_data,
// dbgen's value domains, deterministic from a seed, scale factor 0.002 by
// default: about 12,000 lineitems), changed round by round the way the
// specification's refresh functions do (RF1 new orders with their lines, RF2
// deleted orders with their lines, updates to every table), each round in a
// transaction of its own.
//
// TpchDifferential: every query created DIFFERENTIAL (AUTO when DIFFERENTIAL
// refuses it with 0A000; the refusal is recorded), with
// pg_trickle.differential_max_change_ratio = 0 (no change-ratio fallback).
// After each round a refresh of all 22 and the oracle. A query fails on a
// wrong result, an error, a query that returns no row over the generated
// data, or a refresh of a DIFFERENTIAL table that is neither DIFFERENTIAL nor
// NO_DATA, except FULL with the documented reason "a table read by a subquery
// in an expression changed" (those queries are listed in the summary).
//
// TpchImmediate: the same in IMMEDIATE where accepted: inside the
// transaction the oracle after every change statement (of each table whose
// query reads the written table), and of all after COMMIT (one round rolls
// back).
//
// The data are generated and changed once per suite (SetUpTestSuite); each
// query is then a test case of its own reporting what happened to it, and a
// summary table is printed. PGT_TPCH_SF and PGT_TPCH_SEED change the scale
// and the seed (the default seed is the one the row counts were tuned for).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include "test_db.h"
#include "tpch_runner.h"

namespace pgt_e2e {
namespace {

// BUG: known wrong results / internal errors, by query name, with a minimal
// reproduction: the query's test case is skipped with it (the run still
// executes the query and the summary shows what happened).
const std::map<std::string, std::string>& known_bugs() {
  static const std::map<std::string, std::string> bugs = {};
  return bugs;
}

double scale_factor() {
  const char* v = std::getenv("PGT_TPCH_SF");
  return v ? std::atof(v) : 0.002;
}

long long seed() {
  const char* v = std::getenv("PGT_TPCH_SEED");
  return v ? std::atoll(v) : 20260117;
}

// The generator is tuned so that every query returns rows at the default
// scale and seed; another scale or seed may leave one empty (Q11, whose
// threshold is relative, most easily), which is then no failure.
bool default_data() { return !std::getenv("PGT_TPCH_SF") && !std::getenv("PGT_TPCH_SEED"); }

// Rounds: RF1 alone, RF2 alone, updates alone, all three, nothing (every
// refresh NO_DATA), all three again, then churn (tpch_churn: rows inserted,
// updated and deleted in one transaction, primary keys changed), then two
// rounds with one refresh.
std::vector<TpchRound> differential_rounds() {
  return {{1, true, false, false, false, false}, {2, false, true, false, false, false},
          {3, false, false, true, false, false}, {4, true, true, true, false, false},
          {5, false, false, false, false, false}, {6, true, true, true, false, false},
          {7, false, false, false, true, false},
          // Two transactions, one refresh: changes of several transactions
          // (rows inserted in one, updated or deleted in the next).
          {8, true, true, true, false, false, true}, {9, false, true, true, true, false}};
}

// Fewer for IMMEDIATE (the oracle after every statement of every table that
// reads the table it writes); round 4 rolls back.
std::vector<TpchRound> immediate_rounds() {
  return {{1, true, false, false, false, false}, {4, true, true, true, false, true},
          {6, true, true, true, false, false}, {7, false, false, false, true, false}};
}

std::string query_name(const ::testing::TestParamInfo<int>& info) {
  return std::string(info.param < 10 ? "Q0" : "Q") + std::to_string(info.param);
}

void report_query(const TpchRunResult& run, int number, bool rows_required) {
  if (!run.fatal.empty()) FAIL() << "the TPC-H run stopped: " << run.fatal;
  ASSERT_GE(run.queries.size(), static_cast<size_t>(number));
  const TpchQueryOutcome& q = run.queries[number - 1];
  ::testing::Test::RecordProperty("created_mode", q.created_mode.empty() ? "refused" : q.created_mode);
  if (!q.refusal.empty()) ::testing::Test::RecordProperty("refusal", q.refusal);
  for (const auto& [action, count] : q.actions) ::testing::Test::RecordProperty("refreshes_" + action, count);
  ::testing::Test::RecordProperty("full_by_subquery", q.full_by_subquery);
  ::testing::Test::RecordProperty("oracle_checks", q.oracle_checks);
  ::testing::Test::RecordProperty("rows_initial", static_cast<int>(q.rows_initial));
  ::testing::Test::RecordProperty("rows_final", static_cast<int>(q.rows_final));

  auto bug = known_bugs().find(q.query.name);
  if (bug != known_bugs().end()) {
    std::string seen = q.failures.empty() ? "this run: no failure" : "this run: " + q.failures.front();
    GTEST_SKIP() << "BUG (known wrong result): " << bug->second << "\n" << seen.substr(0, 2000);
  }
  if (rows_required) {
    EXPECT_GT(q.rows_initial, 0) << q.query.name << " returns no row over the generated data";
  }
  for (const std::string& f : q.failures) ADD_FAILURE() << q.query.name << ": " << f;
}

void print_summary(const char* title, const TpchRunResult& run) {
  std::printf("\n%s\n%s", title, tpch_summary(run).c_str());
  std::string subquery_full, refused;
  for (const TpchQueryOutcome& q : run.queries) {
    if (q.full_by_subquery > 0) subquery_full += " " + q.query.name;
    if (!q.refusal.empty()) refused += "\n  " + q.query.name + ": " + q.refusal;
  }
  if (!subquery_full.empty())
    std::printf("FULL because a table read by a subquery in an expression changed:%s\n", subquery_full.c_str());
  if (!refused.empty()) std::printf("refused in %s:%s\n", run.queries.front().requested_mode.c_str(), refused.c_str());
  if (!run.fatal.empty()) std::printf("STOPPED: %s\n", run.fatal.c_str());
  std::fflush(stdout);
}

class TpchDifferential : public TestDb, public ::testing::WithParamInterface<int> {
 public:
  static void SetUpTestSuite() {
    TestDb::SetUpTestSuite();
    std::unique_ptr<PgConn> conn = connect();
    run_ = std::make_unique<TpchRunResult>(
        run_tpch_differential(*conn, tpch_scale(scale_factor()), seed(), differential_rounds()));
    print_summary("TPC-H, DIFFERENTIAL", *run_);
  }
  static void TearDownTestSuite() {
    run_.reset();
    TestDb::TearDownTestSuite();
  }

 protected:
  static std::unique_ptr<TpchRunResult> run_;
};
std::unique_ptr<TpchRunResult> TpchDifferential::run_;

TEST_P(TpchDifferential, MatchesQueryAfterEveryRefresh) { report_query(*run_, GetParam(), default_data()); }

INSTANTIATE_TEST_SUITE_P(Tpch, TpchDifferential, ::testing::Range(1, 23), query_name);

class TpchImmediate : public TestDb, public ::testing::WithParamInterface<int> {
 public:
  static void SetUpTestSuite() {
    TestDb::SetUpTestSuite();
    std::unique_ptr<PgConn> conn = connect();
    run_ = std::make_unique<TpchRunResult>(
        run_tpch_immediate(*conn, tpch_scale(scale_factor()), seed(), immediate_rounds()));
    print_summary("TPC-H, IMMEDIATE", *run_);
  }
  static void TearDownTestSuite() {
    run_.reset();
    TestDb::TearDownTestSuite();
  }

 protected:
  static std::unique_ptr<TpchRunResult> run_;
};
std::unique_ptr<TpchRunResult> TpchImmediate::run_;

// A query IMMEDIATE refuses is no failure here (the DIFFERENTIAL suite
// covers it); its refusal is in the summary and the test's properties.
TEST_P(TpchImmediate, MatchesQueryAfterEveryStatement) { report_query(*run_, GetParam(), false); }

INSTANTIATE_TEST_SUITE_P(Tpch, TpchImmediate, ::testing::Range(1, 23), query_name);

}  // namespace
}  // namespace pgt_e2e
