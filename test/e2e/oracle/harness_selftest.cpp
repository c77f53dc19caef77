// Tests of the test harness itself (PgConn, the oracle, the DML generator).
// Most need a server but not pg_trickle: they run in the maintenance database
// using temporary tables only, so they leave nothing behind. If these fail,
// every other e2e result is suspect.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "oracle.h"
#include "oracle_filtered_scenarios.h"
#include "oracle_scenarios.h"
#include "random_dml.h"
#include "seed.h"
#include "stream_table.h"
#include "test_db.h"

namespace pgt_e2e {
namespace {

TEST(PgConnSelfTest, QueryReturnsTextAndNulls) {
  PgConn c;
  Rows rows = c.query("SELECT 1, NULL::text, 'x''y' UNION ALL SELECT 2, 'b', ''");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][0], Value("1"));
  EXPECT_EQ(rows[0][1], std::nullopt);
  EXPECT_EQ(rows[0][2], Value("x'y"));
  EXPECT_EQ(rows[1][2], Value(""));
  EXPECT_EQ(c.scalar("SELECT 40 + 2"), "42");
  EXPECT_EQ(c.scalar_or_null("SELECT NULL"), std::nullopt);
  EXPECT_THROW(c.scalar("SELECT NULL"), std::runtime_error);
  EXPECT_THROW(c.scalar("SELECT 1, 2"), std::runtime_error);
}

TEST(PgConnSelfTest, ExecThrowsWithSqlstateMessageAndSql) {
  PgConn c;
  try {
    c.exec("SELECT * FROM no_such_table_pgt_e2e");
    FAIL() << "expected an error";
  } catch (const PgQueryError& e) {
    EXPECT_EQ(e.sqlstate(), "42P01");
    EXPECT_NE(std::string(e.what()).find("no_such_table_pgt_e2e"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("SQL: SELECT"), std::string::npos) << e.what();
  }
}

TEST(PgConnSelfTest, TryExecReportsSqlstateMessageHint) {
  PgConn c;
  ExecOutcome out = c.try_exec(
      "DO $$BEGIN RAISE EXCEPTION 'boom' USING ERRCODE = '22023', DETAIL = 'd', HINT = 'h'; END$$");
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(out.sqlstate, "22023");
  EXPECT_EQ(out.message, "boom");
  EXPECT_EQ(out.detail, "d");
  EXPECT_EQ(out.hint, "h");
  EXPECT_TRUE(c.try_exec("SELECT 1").ok);
}

TEST(PgConnSelfTest, CapturesWarnings) {
  PgConn c;
  c.exec("DO $$BEGIN RAISE WARNING 'careful: %', 7; RAISE NOTICE 'fyi'; END$$");
  ASSERT_EQ(c.notices().size(), 2u);
  EXPECT_EQ(c.notices()[0].severity, "WARNING");
  EXPECT_EQ(c.notices()[0].message, "careful: 7");
  EXPECT_TRUE(c.has_notice("WARNING", "careful"));
  EXPECT_TRUE(c.has_notice("NOTICE", "fyi"));
  EXPECT_FALSE(c.has_notice("WARNING", "fyi"));
  c.clear_notices();
  EXPECT_TRUE(c.notices().empty());
}

TEST(PgConnSelfTest, DatabaseNameForSuiteIsASafeIdentifier) {
  EXPECT_EQ(database_name_for_suite("Shapes/OracleFull"), "pgt_e2e_shapes_oraclefull");
  EXPECT_EQ(database_name_for_suite(std::string(100, 'A')).size(), 63u);
}

// The oracle on plain temp tables standing in for a stream table.
TEST(OracleSelfTest, IgnoresPgtColumnsAndComparesMultisets) {
  PgConn c;
  c.exec("CREATE TEMP TABLE fake_st (a int, __pgt_row_id bigint, b text)");
  c.exec("INSERT INTO fake_st VALUES (1, 10, 'x'), (1, 11, 'x'), (NULL, 12, NULL)");
  EXPECT_EQ(st_user_columns(c, "fake_st"), "a, b");
  EXPECT_TRUE(st_matches_query(c, "fake_st", "SELECT 1 AS a, 'x' AS b UNION ALL SELECT 1, 'x' "
                                             "UNION ALL SELECT NULL::int, NULL::text"));
  // One duplicate fewer: the multiset differs although the sets are equal.
  ::testing::AssertionResult r =
      st_matches_query(c, "fake_st", "SELECT 1 AS a, 'x' AS b UNION ALL SELECT NULL::int, NULL::text");
  EXPECT_FALSE(r);
  const std::string msg = r.message();
  EXPECT_NE(msg.find("only in the stream table:\n    ('1', 'x')"), std::string::npos) << msg;
  EXPECT_NE(msg.find("only in the query: none"), std::string::npos) << msg;
}

// Every generated statement must run (no duplicate keys, no type errors), and
// the generator's model must track the real tables exactly.
void check_generator(const std::vector<TableSpec>& specs, const std::vector<JoinLink>& links = {}) {
  const std::uint64_t seed = test_seed();
  SCOPED_TRACE(seed_note(seed));
  PgConn c;
  std::mt19937_64 rng(seed);
  std::vector<DmlGenerator> tables;
  for (const TableSpec& spec : specs) tables.emplace_back(spec, rng);
  for (DmlGenerator& t : tables)
    for (const std::string& sql : t.setup_sql()) c.exec(sql);
  for (int i = 0; i < 300; ++i) {
    std::vector<std::string> batch = random_batch(tables, links, rng, 1, 20);
    ASSERT_NO_THROW(run_in_transaction(c, batch));
    for (const DmlGenerator& t : tables)
      ASSERT_EQ(std::to_string(t.live_rows()), c.scalar("SELECT count(*) FROM " + t.spec().qualified_name()))
          << t.spec().name << ": generator model drifted at batch " << i << ":\n"
          << ::testing::PrintToString(batch);
  }
}

TEST(DmlGeneratorSelfTest, KeyedTableBatchesRunAndModelIsExact) {
  check_generator({{"pg_temp.gen_keyed", ColumnSpec::integer("id", 1, 60),
                    {ColumnSpec::text("t", {"a", "b'c", ""}, 0.2), ColumnSpec::numeric("n", -3, 3, 0.2)}, 40}});
}

TEST(DmlGeneratorSelfTest, KeylessTableBatchesRunAndModelIsExact) {
  check_generator({{"pg_temp.gen_keyless", std::nullopt,
                    {ColumnSpec::integer("a", 1, 3, 0.2), ColumnSpec::text("b", {"p", "q"}, 0.3)}, 60}});
}

TEST(DmlGeneratorSelfTest, LinkedTablesBatchesRunAndModelIsExact) {
  check_generator({{"pg_temp.gen_dim", ColumnSpec::integer("id", 1, 12), {ColumnSpec::text("t", {"a", "b"})}, 8},
                   {"pg_temp.gen_fact", std::nullopt,
                    {ColumnSpec::integer("dim_id", 1, 14, 0.1), ColumnSpec::integer("v", 0, 3)}, 50}},
                  {{0, "id", 1, "dim_id"}});
}

TEST(DmlGeneratorSelfTest, SameSeedSameBatches) {
  auto batches = [](std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<DmlGenerator> t;
    t.emplace_back(TableSpec{"g", std::nullopt, {ColumnSpec::integer("a", 1, 3, 0.2)}, 10}, rng);
    std::vector<std::string> all = t[0].setup_sql();
    for (int i = 0; i < 5; ++i)
      for (const std::string& s : random_batch(t, {}, rng, 1, 20)) all.push_back(s);
    return all;
  };
  EXPECT_EQ(batches(7), batches(7));
  EXPECT_NE(batches(7), batches(8));
}

// A table's rows that focused batches must not touch, as one text: those
// outside its rejected region (NULLs included), or all of them without one.
std::string rows_outside_region(PgConn& c, const TableSpec& spec) {
  const std::string outside = spec.rejected ? "WHERE NOT coalesce(r." + spec.rejected->sql() + ", false)" : "";
  return c.scalar("SELECT coalesce(string_agg(r::text, ' | ' ORDER BY r::text), '') FROM " + spec.qualified_name() +
                  " r " + outside);
}

// Every statement of a single-kind batch is of that kind.
::testing::AssertionResult only_statements_of_kind(const std::vector<std::string>& batch, BatchKind kind) {
  if (kind == BatchKind::Mixed) return ::testing::AssertionSuccess();
  const std::string verb = kind == BatchKind::Inserts ? "INSERT " : kind == BatchKind::Updates ? "UPDATE " : "DELETE ";
  for (const std::string& sql : batch)
    if (sql.rfind(verb, 0) != 0)
      return ::testing::AssertionFailure() << batch_kind_name(kind) << " batch has: " << sql;
  return ::testing::AssertionSuccess();
}

// Focused batches change only rows inside the rejected region and keep them
// there (rows outside it, and tables without a region, stay as they were),
// single-kind batches hold only their kind, every kind happens, and the
// model stays exact throughout.
TEST(DmlGeneratorSelfTest, FocusedBatchesStayInTheRejectedRegion) {
  const std::uint64_t seed = test_seed();
  SCOPED_TRACE(seed_note(seed));
  const std::vector<TableSpec> specs{
      {"pg_temp.gen_focus_keyed", ColumnSpec::integer("id", 1, 100000),
       {ColumnSpec::integer("v", 0, 99, 0.1), ColumnSpec::text("t", {"a", "b'c", ""}, 0.2)}, 60,
       RejectedRegion{"v", 50, 99}},
      {"pg_temp.gen_focus_keyless", std::nullopt,
       {ColumnSpec::integer("k", 1, 8, 0.1), ColumnSpec::numeric_unconstrained("x", -5, 5, 0.2)}, 60,
       RejectedRegion{"x", -5, -1}},
      {"pg_temp.gen_focus_other", ColumnSpec::integer("id", 1, 12), {ColumnSpec::integer("k", 1, 8)}, 8}};
  const std::vector<JoinLink> links{{1, "k", 2, "k"}};
  PgConn c;
  std::mt19937_64 rng(seed);
  std::vector<DmlGenerator> tables;
  for (const TableSpec& spec : specs) tables.emplace_back(spec, rng);
  for (DmlGenerator& t : tables)
    for (const std::string& sql : t.setup_sql()) c.exec(sql);
  const int batches = 400;
  int focused = 0;
  std::map<BatchKind, int> kinds;
  for (int i = 0; i < batches; ++i) {
    std::vector<std::string> before;
    for (const TableSpec& spec : specs) before.push_back(rows_outside_region(c, spec));
    BatchShape shape;
    const std::vector<std::string> batch = random_batch(tables, links, rng, 1, 20, &shape);
    SCOPED_TRACE("batch " + std::to_string(i) + (shape.focused ? " (focused, " : " (") +
                 batch_kind_name(shape.kind) + "): " + ::testing::PrintToString(batch));
    ASSERT_NO_THROW(run_in_transaction(c, batch));
    for (const DmlGenerator& t : tables)
      ASSERT_EQ(std::to_string(t.live_rows()), c.scalar("SELECT count(*) FROM " + t.spec().qualified_name()))
          << t.spec().name << ": generator model drifted";
    if (!shape.focused) continue;
    ++focused;
    ++kinds[shape.kind];
    ASSERT_TRUE(only_statements_of_kind(batch, shape.kind));
    for (std::size_t s = 0; s < specs.size(); ++s)
      ASSERT_EQ(before[s], rows_outside_region(c, specs[s])) << specs[s].name << ": a focused batch left the region";
  }
  EXPECT_GT(focused, batches / 5);
  EXPECT_LT(focused, batches / 2);
  for (BatchKind kind : {BatchKind::Mixed, BatchKind::Inserts, BatchKind::Updates, BatchKind::Deletes})
    EXPECT_GT(kinds[kind], 0) << "no focused batch of kind " << batch_kind_name(kind);
}

TEST(DmlGeneratorSelfTest, RegionMustBeOnANonKeyNumberColumn) {
  std::mt19937_64 rng(1);
  const ColumnSpec id = ColumnSpec::integer("id", 1, 10);
  EXPECT_THROW(DmlGenerator(TableSpec{"g", id, {ColumnSpec::integer("v", 0, 9)}, 1, RejectedRegion{"id", 1, 5}}, rng),
               std::invalid_argument);
  EXPECT_THROW(DmlGenerator(TableSpec{"g", id, {ColumnSpec::text("t", {"a"})}, 1, RejectedRegion{"t", 1, 5}}, rng),
               std::invalid_argument);
  EXPECT_THROW(DmlGenerator(TableSpec{"g", id, {ColumnSpec::integer("v", 0, 9)}, 1, RejectedRegion{"w", 1, 5}}, rng),
               std::invalid_argument);
  EXPECT_NO_THROW(DmlGenerator(TableSpec{"g", id, {ColumnSpec::integer("v", 0, 9)}, 1, RejectedRegion{"v", 1, 5}}, rng));
}

// The oracle on a real stream table: tampering behind the extension's back
// (guard triggers disabled by a superuser) must be detected, with the rows.
class OracleOnStreamTable : public TestDb {};

TEST_F(OracleOnStreamTable, DetectsATamperedStreamTable) {
  conn().exec("CREATE TABLE ot_src (id int PRIMARY KEY, v text)");
  conn().exec("INSERT INTO ot_src SELECT g, 'v' || g FROM generate_series(1, 30) g");
  create_stream_table(conn(), "ot_st", "SELECT id, v FROM ot_src");
  ASSERT_TRUE(st_matches_query(conn(), "ot_st", "SELECT id, v FROM ot_src"));

  conn().exec("ALTER TABLE ot_st DISABLE TRIGGER USER");
  conn().exec("DELETE FROM ot_st WHERE id = 7");
  conn().exec("UPDATE ot_st SET v = 'tampered' WHERE id = 8");
  conn().exec("ALTER TABLE ot_st ENABLE TRIGGER USER");
  ::testing::AssertionResult r = st_matches_query(conn(), "ot_st", "SELECT id, v FROM ot_src");
  ASSERT_FALSE(r);
  const std::string msg = r.message();
  EXPECT_NE(msg.find("differs from its query in 3 row(s)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("only in the stream table:\n    ('8', 'tampered')"), std::string::npos) << msg;
  EXPECT_NE(msg.find("('7', 'v7')"), std::string::npos) << msg;

  refresh_stream_table(conn(), "ot_st");  // FULL repairs it
  EXPECT_TRUE(st_matches_query(conn(), "ot_st", "SELECT id, v FROM ot_src"));
}

// Each oracle scenario's query is valid SQL over its tables and returns rows,
// checked here without pg_trickle (in temporary tables) so a broken scenario
// is not mistaken for an extension bug.
TEST(OracleScenarioSelfTest, QueriesRunOnTheirTables) {
  std::vector<OracleScenario> scenarios = basic_oracle_scenarios();
  for (const OracleScenario& s : differential_oracle_scenarios()) scenarios.push_back(s);
  for (const OracleScenario& scenario : scenarios) {
    SCOPED_TRACE(scenario.name);
    PgConn c;
    c.exec("SET search_path = pg_temp");  // unqualified CREATE TABLE goes to pg_temp
    std::mt19937_64 rng(1);
    std::vector<DmlGenerator> tables;
    for (const TableSpec& spec : scenario.tables) tables.emplace_back(spec, rng);
    for (DmlGenerator& t : tables)
      for (const std::string& sql : t.setup_sql()) c.exec(sql);
    for (const std::string& sql : scenario.setup_sql) c.exec(sql);
    EXPECT_NE(c.scalar("SELECT count(*) FROM (" + scenario.query + ") q"), "0");
    EXPECT_EQ(c.scalar("SELECT count(*) FROM pg_class WHERE relnamespace = pg_my_temp_schema()  AND relkind = 'r'"),
              std::to_string(scenario.tables.size()));
  }
}

// Each filtered scenario's rejected regions really are rejected by its query:
// no focused batch changes the query's result (a region the WHERE does not
// reject would quietly make the scenario test nothing special). Without
// pg_trickle, in temporary tables.
TEST(OracleScenarioSelfTest, FilteredScenariosRejectTheirRegion) {
  for (const OracleScenario& scenario : filtered_oracle_scenarios()) {
    SCOPED_TRACE(scenario.name);
    PgConn c;
    c.exec("SET search_path = pg_temp");
    std::mt19937_64 rng(1);
    std::vector<DmlGenerator> tables;
    for (const TableSpec& spec : scenario.tables) tables.emplace_back(spec, rng);
    for (DmlGenerator& t : tables)
      for (const std::string& sql : t.setup_sql()) c.exec(sql);
    for (const std::string& sql : scenario.setup_sql) c.exec(sql);
    const std::string result =
        "SELECT coalesce(string_agg(q::text, ' | ' ORDER BY q::text), '') FROM (" + scenario.query + ") q";
    int focused = 0;
    for (int i = 0; i < 60; ++i) {
      const std::string before = c.scalar(result);
      BatchShape shape;
      const std::vector<std::string> batch = random_batch(tables, scenario.links, rng, 1, 20, &shape);
      ASSERT_NO_THROW(run_in_transaction(c, batch));
      if (!shape.focused) continue;
      ++focused;
      ASSERT_EQ(before, c.scalar(result)) << "a focused batch changed the result:\n" << ::testing::PrintToString(batch);
    }
    EXPECT_GT(focused, 0);
  }
}

}  // namespace
}  // namespace pgt_e2e
