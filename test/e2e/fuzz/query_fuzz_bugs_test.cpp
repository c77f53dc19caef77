// Extension bugs the query fuzzer found, minimized, as DISABLED_ tests (run
// them with --gtest_also_run_disabled_tests). Each has a // BUG: comment; the
// fuzzer goes on with the shape excluded until the bug is fixed.
#include <gtest/gtest.h>

#include "oracle.h"
#include "refresh_history.h"
#include "stream_table.h"
#include "test_db.h"

namespace pgt_e2e {
namespace {

class QueryFuzzBugs : public TestDb {};

long long session_memory(PgConn& conn) {
  return std::stoll(conn.scalar("SELECT sum(total_bytes) FROM pg_catalog.pg_backend_memory_contexts"));
}

// BUG: a session that creates, refreshes and drops stream tables keeps every
// dropped table's cached plans: pg_backend_memory_contexts grows by about
// 550 kB per stream table (40 cycles: +24 MB, in CachedPlan /
// CachedPlanSource / SPI Plan contexts, ~8.6 saved plans per dropped table),
// linearly and for the life of the session. (Refreshing one stream table
// repeatedly does not grow.) Found by QueryFuzz: its session reached 1.3 GB
// RSS after a few hundred queries. Expected: the plans of a dropped stream
// table are released (the growth stays bounded).
TEST_F(QueryFuzzBugs, DISABLED_DroppedStreamTablesReleaseTheirCachedPlans) {
  conn().exec("SET pg_trickle.differential_max_change_ratio = 1000");
  auto cycle = [&](int i) {
    const std::string s = quote_ident("leak S" + std::to_string(i));
    conn().exec("CREATE SCHEMA " + s);
    conn().exec("CREATE TABLE " + s + ".t (id int PRIMARY KEY, j int, v numeric)");
    conn().exec("INSERT INTO " + s + ".t SELECT g, g % 5, g FROM generate_series(1, 20) g");
    create_stream_table(conn(), s + ".st", "SELECT j, sum(v) AS s, count(*) AS n FROM " + s + ".t GROUP BY j",
                        "DIFFERENTIAL");
    conn().exec("UPDATE " + s + ".t SET v = v + 1 WHERE id < 5");
    refresh_stream_table(conn(), s + ".st");
    conn().exec("SELECT pgtrickle.drop_stream_table(" + quote_literal(s + ".st") + ")");
    conn().exec("DROP SCHEMA " + s + " CASCADE");
  };
  for (int i = 0; i < 5; ++i) cycle(i);  // warm every cache once
  const long long before = session_memory(conn());
  for (int i = 5; i < 45; ++i) cycle(i);
  const long long growth = session_memory(conn()) - before;
  EXPECT_LT(growth, 4LL * 1024 * 1024) << "40 create / refresh / drop cycles grew the session by " << growth
                                       << " bytes";
}

// BUG: docs/SQL_REFERENCE.md allows "up to three outer joins (or EXISTS / IN
// conditions) per query", but a FULL JOIN together with two more LEFT JOINs
// or NOT EXISTS is refused in DIFFERENTIAL (and IMMEDIATE) mode: "defining
// query cannot be maintained in DIFFERENTIAL mode: more than three outer
// joins or EXISTS / IN subqueries in one query" (0A000). Minimized from
// QueryFuzz case seeds 20261267785433 and 20261267785513 (run PGT_SEED=20261207).
// FULL + LEFT + EXISTS, LEFT + LEFT + NOT EXISTS, FULL + NOT EXISTS + EXISTS
// and RIGHT + LEFT + NOT EXISTS are accepted; FULL + LEFT + NOT EXISTS and
// FULL + LEFT + LEFT are not (the expansion's variant count, 27, is what
// limits, not the number of constructs). Expected: accepted and maintained
// (or the documented limit says what it really is).
TEST_F(QueryFuzzBugs, DISABLED_FullJoinWithTwoMoreOuterConstructs) {
  conn().exec("SET pg_trickle.differential_max_change_ratio = 1000");
  conn().exec("CREATE TABLE \"Fa x\" (id int PRIMARY KEY, j int)");
  conn().exec("CREATE TABLE fb (id int PRIMARY KEY, j int)");
  conn().exec("CREATE TABLE fc (id int PRIMARY KEY, j int)");
  conn().exec("CREATE TABLE fd (id int PRIMARY KEY, j int)");
  for (const char* t : {"\"Fa x\"", "fb", "fc", "fd"})
    conn().exec(std::string("INSERT INTO ") + t + " SELECT g, g % 4 FROM generate_series(1, 8) g");
  const std::string query =
      "SELECT a.j AS aj, b.j AS bj, c.id AS cid FROM \"Fa x\" a FULL JOIN fb b ON b.j = a.j "
      "LEFT JOIN fc c ON c.j = b.j WHERE NOT EXISTS (SELECT 1 FROM fd d WHERE d.j = a.j + 2)";
  const ExecOutcome created = conn().try_exec(create_stream_table_sql("full_left_not_exists", query, "DIFFERENTIAL"));
  ASSERT_TRUE(created.ok) << created.sqlstate << ": " << created.message;
  conn().exec("DELETE FROM \"Fa x\" WHERE id = 3");
  conn().exec("UPDATE fb SET j = 7 WHERE id = 2");
  refresh_stream_table(conn(), "full_left_not_exists");
  EXPECT_EQ(last_refresh(conn(), "full_left_not_exists").action, "DIFFERENTIAL");
  expect_st_matches_query(conn(), "full_left_not_exists", query);
}

}  // namespace
}  // namespace pgt_e2e
