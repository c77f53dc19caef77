// Adversarial DIFFERENTIAL probes: query shapes. The shapes of
// adversarial_scenarios.cpp under seeded random DML (every refresh must take
// the delta path and match the query), plus hand-written shapes: SELECT *
// column order, whole-row references to FROM subqueries and views, and a
// WHERE clause that depends on the time of the refresh.
#include <gtest/gtest.h>

#include "adversarial_scenarios.h"
#include "adversarial_support.h"
#include "oracle_runner.h"
#include "seed.h"

namespace pgt_e2e {
namespace {

constexpr int kCycles = 25;

class AdversarialShapes : public AdversarialFixture, public ::testing::WithParamInterface<AdversarialScenario> {};

TEST_P(AdversarialShapes, MatchesQueryUnderRandomDml) {
  const std::uint64_t seed = test_seed();
  SCOPED_TRACE(seed_note(seed));
  for (const std::string& sql : GetParam().pre_sql) conn().exec(sql);
  for (const std::string& sql : GetParam().session_sql) conn().exec(sql);
  OracleRun run{"DIFFERENTIAL", kCycles};
  run.allowed_actions = {"DIFFERENTIAL", "NO_DATA"};
  run_oracle_cycles(conn(), GetParam().scenario, run, seed);
}

INSTANTIATE_TEST_SUITE_P(AdversarialOracle, AdversarialShapes, ::testing::ValuesIn(adversarial_oracle_scenarios()),
                         [](const ::testing::TestParamInfo<AdversarialScenario>& info) {
                           return info.param.scenario.name;
                         });

class AdversarialQueryShapes : public AdversarialFixture {};

// SELECT * keeps the source's column order, and the storage table has it too.
TEST_F(AdversarialQueryShapes, SelectStarKeepsColumnOrder) {
  conn().exec("CREATE TABLE star (z int PRIMARY KEY, a text, m numeric)");
  conn().exec("INSERT INTO star VALUES (1, 'x', 1.5), (2, NULL, 2)");
  const std::string q = "SELECT * FROM star WHERE z > 0";
  ASSERT_TRUE(create_differential(conn(), "star_st", q));
  EXPECT_EQ(conn().scalar("SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = "
                          "'star_st'::regclass AND attnum > 0 AND NOT attisdropped AND attname NOT LIKE '\\_\\_pgt%'"),
            "z,a,m");
  EXPECT_TRUE(change_refresh_matches(conn(), "star_st", q,
                                     {"UPDATE star SET a = 'y', m = 2.00 WHERE z = 2", "INSERT INTO star VALUES (3, '', 0)"}));
}

// A whole-row reference to a subquery in FROM (row_to_json(s), s::text)
// shows the subquery's columns and nothing else.
// Not maintainable incrementally (yet): DIFFERENTIAL refuses it with a HINT,
// AUTO maintains it by FULL refresh, and either way nothing wrong is shown.
void expect_refused_then_auto_full(PgConn& conn, const std::string& st, const std::string& q,
                                   const std::string& change) {
  ExecOutcome refused = conn.try_exec("SELECT pgtrickle.create_stream_table('" + st + "', " +
                                      quote_literal(q) + ", refresh_mode => 'DIFFERENTIAL')");
  EXPECT_EQ(refused.sqlstate, "0A000") << refused.message;
  EXPECT_FALSE(refused.hint.empty());
  conn.exec("SELECT pgtrickle.create_stream_table('" + st + "', " + quote_literal(q) + ")");
  EXPECT_TRUE(st_matches_query_as_text(conn, st, q));
  conn.exec(change);
  conn.exec("SELECT pgtrickle.refresh_stream_table('" + st + "')");
  EXPECT_TRUE(st_matches_query_as_text(conn, st, q));
}

TEST_F(AdversarialQueryShapes, WholeRowOfFromSubqueryShowsOnlyItsColumns) {
  conn().exec("CREATE TABLE wr (id int PRIMARY KEY, v int)");
  conn().exec("INSERT INTO wr VALUES (1, 1), (2, 2)");
  const std::string q = "SELECT s.id, row_to_json(s)::text AS js FROM (SELECT id, v FROM wr) s";
  expect_refused_then_auto_full(conn(), "wr_st", q, "UPDATE wr SET v = 5 WHERE id = 1");
}

TEST_F(AdversarialQueryShapes, WholeRowOfViewShowsOnlyItsColumns) {
  conn().exec("CREATE TABLE wv (id int PRIMARY KEY, v int)");
  conn().exec("INSERT INTO wv VALUES (1, 1), (2, 2)");
  conn().exec("CREATE VIEW wv_view AS SELECT id, v FROM wv WHERE v > 0");
  const std::string q = "SELECT x.id, x::text AS whole FROM wv_view x";
  expect_refused_then_auto_full(conn(), "wv_st", q, "UPDATE wv SET v = 5 WHERE id = 1");
}

// A join with an alias of its own hides the names of the tables inside it.
TEST_F(AdversarialQueryShapes, AliasedJoinInFrom) {
  conn().exec("CREATE TABLE aj (id int PRIMARY KEY, v int)");
  conn().exec("INSERT INTO aj SELECT g, g % 3 FROM generate_series(1, 10) g");
  const std::string q = "SELECT j.id, j.v, j.w FROM (aj JOIN (SELECT id AS rid, v AS w FROM aj) r2 "
                        "ON aj.id = r2.rid) AS j(id, v, rid, w) WHERE j.w >= 1";
  expect_refused_then_auto_full(conn(), "aj_st", q, "UPDATE aj SET v = 5 WHERE id = 2");
}

// Column aliases on a table reference, and a view with column aliases.
TEST_F(AdversarialQueryShapes, TableAndViewColumnAliases) {
  conn().exec("CREATE TABLE ca (id int PRIMARY KEY, v int)");
  conn().exec("INSERT INTO ca SELECT g, g % 4 FROM generate_series(1, 12) g");
  conn().exec("CREATE VIEW ca_view (vid, vv) AS SELECT id, v FROM ca WHERE v > 1");
  const std::string q = "SELECT x.a, x.b, y.d AS yd, w.vv FROM ca AS x(a, b) JOIN ca AS y(c, d) ON x.a = y.c + 1 "
                        "JOIN ca_view w ON w.vid = y.c";
  ASSERT_TRUE(create_differential(conn(), "ca_st", q));
  EXPECT_TRUE(change_refresh_matches(conn(), "ca_st", q,
                                     {"UPDATE ca SET v = 3 WHERE id = 4", "DELETE FROM ca WHERE id = 7",
                                      "INSERT INTO ca VALUES (13, 2)"}));
}

// "Sessions that have not expired": the result changes as time passes, with
// no change to the source. DIFFERENTIAL must refuse such a query (or keep it
// right), never leave expired rows in place (DESIGN.md "never wrong silently").
TEST_F(AdversarialQueryShapes, WhereOnNowIsRefusedOrKeptRight) {
  conn().exec("CREATE TABLE sess (id int PRIMARY KEY, expires_at timestamptz)");
  conn().exec("INSERT INTO sess VALUES (1, now() + interval '500 milliseconds'), (2, now() + interval '1 hour')");
  const std::string q = "SELECT id FROM sess WHERE expires_at > now()";
  const ExecOutcome created = conn().try_exec(
      "SELECT pgtrickle.create_stream_table('sess_st', " + quote_literal(q) + ", refresh_mode => 'DIFFERENTIAL')");
  if (!created.ok) {
    EXPECT_FALSE(created.hint.empty()) << created.message;
    return;
  }
  conn().exec("SELECT pg_sleep(0.6)");
  EXPECT_TRUE(change_refresh_matches(conn(), "sess_st", q, {"INSERT INTO sess VALUES (3, now() + interval '1 hour')"},
                                     Expect::Any));
}

}  // namespace
}  // namespace pgt_e2e
