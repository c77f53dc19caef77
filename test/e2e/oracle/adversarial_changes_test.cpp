// Adversarial DIFFERENTIAL probes: kinds of change. COPY, INSERT ... ON
// CONFLICT, MERGE, UPDATE ... FROM, DELETE ... USING, no-op updates,
// savepoints rolled back, TRUNCATE then INSERT in one transaction, source DDL
// between refreshes, a second stream table on a shared source (then one
// dropped), and a stream table over a stream table.
#include <gtest/gtest.h>

#include <libpq-fe.h>

#include "adversarial_support.h"
#include "stream_table.h"

namespace pgt_e2e {
namespace {

class AdversarialChanges : public AdversarialFixture {
 protected:
  // cs (keyed fact) joined with cd (keyed by text) on g.
  void create_sources() {
    conn().exec("CREATE TABLE cs (id int PRIMARY KEY, g text, v int)");
    conn().exec("CREATE TABLE cd (g text PRIMARY KEY, label text)");
    conn().exec("INSERT INTO cs SELECT i, 'g' || (i % 4), i FROM generate_series(1, 40) i");
    conn().exec("INSERT INTO cd SELECT 'g' || i, 'L' || i FROM generate_series(0, 3) i");
  }
  const std::string q_join = "SELECT s.id, s.v, d.label FROM cs s JOIN cd d ON s.g = d.g";

  void copy_in(const std::string& copy_sql, const std::string& data) {
    PGresult* res = PQexec(conn().raw(), copy_sql.c_str());
    ASSERT_EQ(PQresultStatus(res), PGRES_COPY_IN) << PQerrorMessage(conn().raw());
    PQclear(res);
    ASSERT_EQ(PQputCopyData(conn().raw(), data.data(), static_cast<int>(data.size())), 1);
    ASSERT_EQ(PQputCopyEnd(conn().raw(), nullptr), 1);
    res = PQgetResult(conn().raw());
    EXPECT_EQ(PQresultStatus(res), PGRES_COMMAND_OK) << PQerrorMessage(conn().raw());
    PQclear(res);
    while ((res = PQgetResult(conn().raw())) != nullptr) PQclear(res);
  }
};

TEST_F(AdversarialChanges, CopyUpsertMergeUpdateFromDeleteUsing) {
  create_sources();
  ASSERT_TRUE(create_differential(conn(), "cs_st", q_join));
  copy_in("COPY cs FROM STDIN", "100\tg1\t5\n101\tg9\t6\n102\t\\N\t7\n");
  EXPECT_TRUE(refresh_matches(conn(), "cs_st", q_join)) << "after COPY";
  EXPECT_TRUE(change_refresh_matches(
      conn(), "cs_st", q_join,
      {"INSERT INTO cs VALUES (1, 'g2', 111), (103, 'g3', 1) ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v, g = EXCLUDED.g",
       "INSERT INTO cd VALUES ('g1', 'new'), ('g9', 'nine') ON CONFLICT (g) DO UPDATE SET label = EXCLUDED.label",
       "INSERT INTO cs VALUES (2, 'g0', 0) ON CONFLICT DO NOTHING"}))
      << "INSERT ... ON CONFLICT";
  EXPECT_TRUE(change_refresh_matches(
      conn(), "cs_st", q_join,
      {"MERGE INTO cs t USING (SELECT i AS id, 'g' || (i % 3) AS g FROM generate_series(35, 45) i) s ON t.id = s.id "
       "WHEN MATCHED AND t.id % 2 = 0 THEN DELETE WHEN MATCHED THEN UPDATE SET g = s.g "
       "WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.g, 0)"}))
      << "MERGE";
  EXPECT_TRUE(change_refresh_matches(conn(), "cs_st", q_join,
                                     {"UPDATE cs SET v = cs.v + 1000 FROM cd WHERE cd.g = cs.g AND cd.label = 'new'",
                                      "DELETE FROM cs USING cd WHERE cd.g = cs.g AND cd.label = 'L2'",
                                      "UPDATE cd SET g = 'g7' FROM cs WHERE cs.id = 103 AND cd.g = 'g9'"}))
      << "UPDATE ... FROM, DELETE ... USING";
  EXPECT_TRUE(change_refresh_matches(conn(), "cs_st", q_join, {"UPDATE cs SET v = v, g = g", "UPDATE cd SET label = label"}))
      << "updates to the same values";
}

TEST_F(AdversarialChanges, SavepointsRolledBackLeaveNoTrace) {
  create_sources();
  ASSERT_TRUE(create_differential(conn(), "sp_st", q_join));
  EXPECT_TRUE(change_refresh_matches(conn(), "sp_st", q_join,
                                     {"INSERT INTO cs VALUES (200, 'g0', 1)", "SAVEPOINT a",
                                      "INSERT INTO cs VALUES (201, 'g0', 1)", "DELETE FROM cs WHERE id < 10",
                                      "UPDATE cd SET label = 'rolled back'", "ROLLBACK TO a",
                                      "UPDATE cs SET v = 5 WHERE id = 200", "SAVEPOINT b", "DELETE FROM cs WHERE id = 200",
                                      "RELEASE b", "SAVEPOINT c", "UPDATE cs SET g = 'g1'", "ROLLBACK TO c"}));
  // The whole batch in a subtransaction that is rolled back.
  EXPECT_TRUE(change_refresh_matches(conn(), "sp_st", q_join,
                                     {"SAVEPOINT d", "DELETE FROM cs", "DELETE FROM cd", "ROLLBACK TO d"}));
}

TEST_F(AdversarialChanges, TruncateThenInsertInOneTransaction) {
  create_sources();
  ASSERT_TRUE(create_differential(conn(), "tr_st", q_join));
  EXPECT_TRUE(change_refresh_matches(conn(), "tr_st", q_join,
                                     {"TRUNCATE cs", "INSERT INTO cs VALUES (1, 'g1', 1), (2, 'g2', 2)",
                                      "UPDATE cs SET v = 3 WHERE id = 2"},
                                     Expect::Full));
  EXPECT_TRUE(change_refresh_matches(conn(), "tr_st", q_join, {"INSERT INTO cs VALUES (3, 'g3', 3)"}));
}

// Source DDL that does not touch what the query reads: refreshes go on, in
// the session that built the refresh plans and in a new one.
TEST_F(AdversarialChanges, SourceDdlBetweenRefreshes) {
  conn().exec("CREATE TABLE dd (id int PRIMARY KEY, a int, junk int, junk2 int)");
  conn().exec("INSERT INTO dd SELECT g, g, g, g FROM generate_series(1, 10) g");
  const std::string q = "SELECT id, a FROM dd WHERE a > 1";
  ASSERT_TRUE(create_differential(conn(), "dd_st", q));
  EXPECT_TRUE(change_refresh_matches(conn(), "dd_st", q, {"INSERT INTO dd VALUES (11, 11, 11, 11)"}));
  conn().exec("ALTER TABLE dd ADD COLUMN extra text DEFAULT 'x'");
  EXPECT_TRUE(change_refresh_matches(conn(), "dd_st", q,
                                     {"INSERT INTO dd VALUES (12, 12, 12, 12, 'y')", "UPDATE dd SET extra = 'z'",
                                      "UPDATE dd SET a = 0 WHERE id = 3"}))
      << "after ADD COLUMN";
  conn().exec("ALTER TABLE dd DROP COLUMN junk");
  EXPECT_TRUE(change_refresh_matches(conn(), "dd_st", q, {"INSERT INTO dd VALUES (13, 13, 13)"})) << "after DROP COLUMN";
  conn().exec("ALTER TABLE dd RENAME COLUMN junk2 TO junk3");
  EXPECT_TRUE(change_refresh_matches(conn(), "dd_st", q, {"UPDATE dd SET junk3 = 0, a = a + 1 WHERE id = 4"}))
      << "after RENAME COLUMN";
  auto other = connect();
  other->exec("SET search_path = " + quote_ident(schema()) + ", public");
  other->exec("SET pg_trickle.differential_max_change_ratio = 1000");
  EXPECT_TRUE(change_refresh_matches(*other, "dd_st", q, {"DELETE FROM dd WHERE id = 5"})) << "in a new session";
}

// Renaming a source table or a column the query reads: a view or a
// materialized view follows the rename; a stream table must keep refreshing
// too, in the session that built its refresh plans and in any new one.
// Renaming a source (or a column the query reads) would leave the stored
// defining query dangling: the rename is refused with a HINT, and goes through
// once the stream table's query no longer depends on the old name.
TEST_F(AdversarialChanges, SourceTableAndColumnRenamedLater) {
  conn().exec("CREATE TABLE rn (id int PRIMARY KEY, v int)");
  conn().exec("INSERT INTO rn VALUES (1, 1)");
  ASSERT_TRUE(create_differential(conn(), "rn_st", "SELECT id, v FROM rn"));
  for (const char* ddl : {"ALTER TABLE rn RENAME TO rn_renamed", "ALTER TABLE rn RENAME COLUMN v TO w"}) {
    ExecOutcome refused = conn().try_exec(ddl);
    EXPECT_EQ(refused.sqlstate, "2BP01") << ddl;
    EXPECT_NE(refused.message.find("rn_st"), std::string::npos) << refused.message;
    EXPECT_FALSE(refused.hint.empty()) << ddl;
  }
  // Table renamed with the stream table re-pointed in the same transaction.
  conn().exec("BEGIN");
  conn().exec("SELECT pgtrickle.alter_stream_table('rn_st', query => 'SELECT id, v FROM rn AS x')");
  conn().exec("COMMIT");
  conn().exec("CREATE TABLE rn_renamed (id int PRIMARY KEY, w int)");
  conn().exec("INSERT INTO rn_renamed SELECT id, v FROM rn");
  conn().exec("SELECT pgtrickle.alter_stream_table('rn_st', query => 'SELECT id, w AS v FROM rn_renamed')");
  const std::string q = "SELECT id, w AS v FROM rn_renamed";
  EXPECT_TRUE(change_refresh_matches(conn(), "rn_st", q, {"INSERT INTO rn_renamed VALUES (2, 2)"}))
      << "in the session that created it";
  auto other = connect();
  other->exec("SET search_path = " + quote_ident(schema()) + ", public");
  other->exec("SET pg_trickle.differential_max_change_ratio = 1000");
  EXPECT_TRUE(change_refresh_matches(*other, "rn_st", q, {"UPDATE rn_renamed SET w = 20 WHERE id = 2"}))
      << "in a new session";
}

// A second stream table on the same source, created while the first has
// unconsumed changes and reading a column the first does not; then the
// first is dropped.
TEST_F(AdversarialChanges, SharedSourceSecondReaderLaterThenFirstDropped) {
  create_sources();
  ASSERT_TRUE(create_differential(conn(), "sh_one", q_join));
  conn().exec("UPDATE cs SET v = v + 1 WHERE id < 5");  // pending for sh_one
  conn().exec("ALTER TABLE cs ADD COLUMN extra int DEFAULT 7");
  const std::string q2 = "SELECT id, g, extra FROM cs WHERE extra > 0";
  ASSERT_TRUE(create_differential(conn(), "sh_two", q2));
  EXPECT_EQ(conn().scalar("SELECT captured_columns::text FROM pgtrickle.pgt_change_tracking "
                          "WHERE source_relid = 'cs'::regclass"),
            "{id,g,v,extra}");
  const std::vector<std::string> batch{"INSERT INTO cs VALUES (50, 'g1', 5, 5)", "UPDATE cs SET extra = 9 WHERE id = 1",
                                       "UPDATE cs SET v = 99 WHERE id = 2", "DELETE FROM cs WHERE id = 3"};
  run_in_transaction(conn(), batch);
  EXPECT_TRUE(refresh_matches(conn(), "sh_one", q_join));
  EXPECT_TRUE(refresh_matches(conn(), "sh_two", q2));
  EXPECT_TRUE(change_refresh_matches(conn(), "sh_two", q2, {"UPDATE cs SET extra = 0 WHERE id = 4"}));
  EXPECT_TRUE(refresh_matches(conn(), "sh_one", q_join));

  conn().exec("SELECT pgtrickle.drop_stream_table('sh_one')");
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'cs'::regclass AND tgname LIKE 'pgt_cdc%'"),
            "4");
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'cd'::regclass AND tgname LIKE 'pgt_cdc%'"),
            "0");
  EXPECT_TRUE(change_refresh_matches(conn(), "sh_two", q2,
                                     {"UPDATE cs SET extra = 10, g = 'g2' WHERE id = 1", "DELETE FROM cs WHERE id = 6",
                                      "UPDATE cs SET v = -1"}));
}

// B reads A (both DIFFERENTIAL); refreshed in order, in separate
// transactions and in one, and after A was recomputed in full.
TEST_F(AdversarialChanges, StreamTableOverStreamTable) {
  conn().exec("CREATE TABLE base (id int PRIMARY KEY, g int, v int)");
  conn().exec("CREATE TABLE dim (g int PRIMARY KEY, name text)");
  conn().exec("INSERT INTO base SELECT i, i % 5, i FROM generate_series(1, 50) i");
  conn().exec("INSERT INTO dim SELECT i, 'n' || i FROM generate_series(0, 4) i");
  const std::string qa = "SELECT id, g, v * 2 AS v2 FROM base WHERE v % 3 <> 0";
  const std::string qb = "SELECT a.id, a.v2, d.name FROM st_a a JOIN dim d ON a.g = d.g WHERE a.v2 > 10";
  ASSERT_TRUE(create_differential(conn(), "st_a", qa));
  ASSERT_TRUE(create_differential(conn(), "st_b", qb));
  EXPECT_EQ(conn().scalar("SELECT effective_refresh_mode FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'st_b'"),
            "DIFFERENTIAL");

  run_in_transaction(conn(), {"UPDATE base SET v = v + 1 WHERE id % 4 = 0", "DELETE FROM base WHERE id % 7 = 0",
                              "INSERT INTO base VALUES (100, 1, 100), (101, 2, 101)",
                              "UPDATE dim SET name = upper(name) WHERE g = 1"});
  EXPECT_TRUE(refresh_matches(conn(), "st_a", qa));
  EXPECT_TRUE(refresh_matches(conn(), "st_b", qb));

  conn().exec("BEGIN");
  conn().exec("UPDATE base SET g = (g + 1) % 5 WHERE id < 20");
  EXPECT_TRUE(refresh_matches(conn(), "st_a", qa)) << "inside one transaction";
  EXPECT_TRUE(refresh_matches(conn(), "st_b", qb)) << "inside one transaction";
  conn().exec("UPDATE base SET v = 0 WHERE id > 90");
  conn().exec("COMMIT");
  EXPECT_TRUE(refresh_matches(conn(), "st_a", qa));
  EXPECT_TRUE(refresh_matches(conn(), "st_b", qb));

  conn().exec("TRUNCATE base");
  conn().exec("INSERT INTO base VALUES (1, 1, 50), (2, 2, 70)");
  EXPECT_TRUE(refresh_matches(conn(), "st_a", qa, Expect::Full));
  EXPECT_TRUE(refresh_matches(conn(), "st_b", qb, Expect::Any)) << "after st_a was recomputed";
  EXPECT_TRUE(change_refresh_matches(conn(), "st_a", qa, {"UPDATE base SET v = 80 WHERE id = 1"}));
  EXPECT_TRUE(refresh_matches(conn(), "st_b", qb));
}

}  // namespace
}  // namespace pgt_e2e
