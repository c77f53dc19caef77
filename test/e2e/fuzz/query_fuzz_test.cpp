// The query fuzzer (issue 19): random queries over random schemas, from the
// grammar docs/SQL_REFERENCE.md says DIFFERENTIAL maintains, each created
// DIFFERENTIAL (a quarter IMMEDIATE) and driven by random DML cycles checked
// by the oracle; out-of-grammar probes must be refused by DIFFERENTIAL and
// run FULL (and correct) in AUTO. See query_generator.h, query_fuzz_runner.h
// and docs/TESTING.md.
//
//   PGT_FUZZ_QUERIES=2000   how many queries (50 by default)
//   PGT_SEED=<seed>         replays a whole run (every query's seed derives from it)
//   PGT_FUZZ_CASE_SEED=<s>  runs the one query whose seed a run printed
//
// A failure prints the case (schema and data as SQL, query, DML), then the
// minimized case as a psql script.
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>

#include "query_fuzz_runner.h"
#include "seed.h"
#include "test_db.h"

namespace pgt_e2e {
namespace {

class QueryFuzz : public TestDb {};

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

std::uint64_t case_seed(std::uint64_t run_seed, int i) { return run_seed * 1000003ULL + static_cast<std::uint64_t>(i); }

std::string case_text(const FuzzCase& c) {
  return "mode " + c.mode + ", shape " + shape_name(c.query.shape) +
         (c.query.probe.empty() ? "" : " (" + c.query.probe + ")") + "\n-- full case:\n" + repro_script(c);
}

TEST_F(QueryFuzz, RandomQueriesMatchTheirDefinitionUnderRandomDml) {
  const int queries = env_int("PGT_FUZZ_QUERIES", 50);
  const int max_failures = env_int("PGT_FUZZ_MAX_FAILURES", 5);
  std::vector<std::uint64_t> seeds;
  if (const char* one = std::getenv("PGT_FUZZ_CASE_SEED"); one && *one) {
    seeds.push_back(std::strtoull(one, nullptr, 10));
  } else {
    const std::uint64_t run_seed = test_seed();
    std::cout << "QueryFuzz run " << seed_note(run_seed) << ", " << queries << " queries" << std::endl;
    for (int i = 0; i < queries; ++i) seeds.push_back(case_seed(run_seed, i));
  }
  std::unique_ptr<PgConn> session = connect();
  apply_fuzz_session_settings(*session);
  FuzzTotals totals;
  for (std::size_t i = 0; i < seeds.size(); ++i) {
    // A fresh session every 20 queries: a session keeps the cached plans of
    // every stream table it dropped (QueryFuzzBugs.DISABLED_Dropped...), and
    // would grow by gigabytes over a long run.
    if (i > 0 && i % 20 == 0) {
      session = connect();
      apply_fuzz_session_settings(*session);
    }
    const FuzzCase c = random_case(seeds[i], static_cast<int>(i));
    const Outcome o = run_case(session, c, c.query.select, db_name());
    ++totals.queries;
    ++totals.by_shape[static_cast<int>(c.query.shape)];
    if (c.mode == "IMMEDIATE") ++totals.immediate;
    totals.refreshes += o.refreshes;
    totals.differential += o.differential;
    totals.skipped += o.skipped;
    totals.checks += o.checks;
    // One line per query: its seed replays it alone (PGT_FUZZ_CASE_SEED).
    std::cout << "QueryFuzz case " << i << " seed " << c.seed << " "
              << (c.query.shape == QueryShape::Probe ? "AUTO" : c.mode) << " " << shape_name(c.query.shape) << ": "
              << verdict_name(o.verdict) << " (" << o.refreshes << " refreshes, " << o.checks << " checks)"
              << std::endl;
    if (o.verdict == Verdict::Ok) {
      if (c.query.shape == QueryShape::Probe) ++totals.refusals;
      continue;
    }
    ++totals.failures;
    const FuzzCase small = minimize(session, c, o.verdict, db_name(), 80);
    ADD_FAILURE() << "query " << i << " (case seed " << c.seed << ", replay: PGT_FUZZ_CASE_SEED=" << c.seed
                  << "): " << verdict_name(o.verdict) << "\n"
                  << o.detail << "\n"
                  << case_text(c) << "\n-- minimized repro (" << small.query.select.size() << " query parts, "
                  << small.batches.size() << " batches):\n"
                  << repro_script(small);
    if (totals.failures >= max_failures) break;
  }
  std::cout << totals.summary() << std::endl;
  RecordProperty("queries", totals.queries);
  RecordProperty("refreshes", totals.refreshes);
  RecordProperty("checks", totals.checks);
  RecordProperty("failures", totals.failures);
  EXPECT_EQ(totals.queries, static_cast<int>(seeds.size()));
  EXPECT_GT(totals.checks, totals.queries) << "the oracle must have run";
  if (totals.queries >= 20) {
    EXPECT_GT(totals.differential, 0) << "no refresh applied a delta: the fuzzer would test nothing";
  }
}

// The fuzzer's own machinery: a seed fully determines its case (so a
// printed seed replays the failure), and the minimizer shrinks a failing
// case while keeping its failure.
TEST_F(QueryFuzz, ACaseSeedDeterminesTheWholeCase) {
  for (std::uint64_t seed : {1ULL, 42ULL, 987654321ULL}) {
    const FuzzCase a = random_case(seed, 0);
    const FuzzCase b = random_case(seed, 0);
    EXPECT_EQ(repro_script(a), repro_script(b)) << "seed " << seed;
    EXPECT_EQ(a.query.select.sql(), b.query.select.sql());
  }
  EXPECT_NE(random_case(1, 0).query.select.sql(), random_case(2, 0).query.select.sql());
}

TEST_F(QueryFuzz, TheMinimizerShrinksAFailingCaseAndKeepsItsFailure) {
  // A case made to fail: a volatile function DIFFERENTIAL refuses, added to a
  // generated query of several parts.
  FuzzCase c;
  for (std::uint64_t seed = 1;; ++seed) {
    c = random_case(seed, 0);
    if (c.query.shape == QueryShape::Spj && c.mode == "DIFFERENTIAL" && c.query.select.size() >= 6) break;
  }
  c.query.select.items.push_back(Part{"random()", {}, "w", TypeClass::Numeric});
  std::unique_ptr<PgConn> session = connect();
  apply_fuzz_session_settings(*session);
  const Outcome o = run_case(session, c, c.query.select, db_name());
  ASSERT_EQ(o.verdict, Verdict::Refused) << o.detail;
  const std::size_t original_script = repro_script(c).size();
  EXPECT_NE(o.detail.find("volatile"), std::string::npos) << o.detail;

  const FuzzCase small = minimize(session, c, Verdict::Refused, db_name(), 60);
  EXPECT_LT(small.query.select.size(), c.query.select.size()) << small.query.select.sql();
  EXPECT_TRUE(small.batches.empty()) << "a refusal at creation needs no DML";
  EXPECT_LT(repro_script(small).size(), original_script) << "rows are dropped too";
  EXPECT_NE(small.query.select.sql().find("random()"), std::string::npos) << small.query.select.sql();
  EXPECT_EQ(run_case(session, small, small.query.select, db_name()).verdict, Verdict::Refused);
  // The repro script holds everything needed: tables, rows, the query.
  const std::string script = repro_script(small);
  EXPECT_NE(script.find("CREATE TABLE"), std::string::npos);
  EXPECT_NE(script.find("create_stream_table"), std::string::npos);
}

// A wrong result is reported and minimized: a stream table whose query
// formats a timestamptz as text disagrees with the oracle's session, whose
// DateStyle is not the ISO every refresh pins (documented, so a query no
// correct stream table can match: a failure made to order).
TEST_F(QueryFuzz, AWrongResultIsReportedAndMinimized) {
  FuzzCase c;
  std::string ts_item;
  for (std::uint64_t seed = 1; ts_item.empty(); ++seed) {
    c = random_case(seed, 0);
    if (c.query.shape != QueryShape::Spj || c.mode != "DIFFERENTIAL" || c.query.select.size() < 6) continue;
    const FromEntry& first = c.query.select.from.front();
    for (const TableSpec& t : c.schema.tables)
      if (t.qualified_name() == first.table)
        for (const ColumnSpec* col : t.all_columns())
          if (col->type == ColType::Timestamptz) ts_item = first.alias + "." + quote_ident(col->name) + "::text";
  }
  c.query.select.items.push_back(Part{ts_item, {0}, "ts as text"});
  std::unique_ptr<PgConn> session = connect();
  apply_fuzz_session_settings(*session);
  const Outcome o = run_case(session, c, c.query.select, db_name());
  ASSERT_EQ(o.verdict, Verdict::Mismatch) << o.detail;

  const FuzzCase small = minimize(session, c, Verdict::Mismatch, db_name(), 80);
  EXPECT_LT(small.query.select.size(), c.query.select.size()) << small.query.select.sql();
  EXPECT_LT(repro_script(small).size(), repro_script(c).size());
  EXPECT_NE(small.query.select.sql().find(ts_item), std::string::npos) << small.query.select.sql();
  EXPECT_EQ(run_case(session, small, small.query.select, db_name()).verdict, Verdict::Mismatch);
  if (std::getenv("PGT_FUZZ_SHOW_REPRO")) std::cout << repro_script(small);
}

}  // namespace
}  // namespace pgt_e2e
