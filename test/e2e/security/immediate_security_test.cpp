// IMMEDIATE stream tables and roles:
//  * a writer that may change a source, but may read neither the stream
//    table nor its other sources: its writes maintain the stream table (the
//    maintenance runs as the stream table's owner), and it learns nothing (no
//    read of the stream table or of the other source, no notice or error
//    carrying their values, no way to read a statement's changes);
//  * hostile names (quotes, spaces, $, mixed case) for the schema, the stream
//    table, its sources and their columns;
//  * pgtrickle._statement_changes(oid) outside a maintenance fails with 55000:
//    called directly, from a user trigger on a source (before and after the
//    maintenance triggers), as an unprivileged role.
// Roles are cluster-wide: created and dropped around the suite.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "oracle.h"
#include "stream_table.h"
#include "test_db.h"

namespace pgt_e2e {
namespace {

const char* const kOwner = "pgt_e2e_imm_owner";    // owns the sources and the stream table
const char* const kWriter = "pgt_e2e_imm_writer";  // writes one source, reads nothing

class ImmediateSecurity : public TestDb {
 public:
  static void SetUpTestSuite() {
    TestDb::SetUpTestSuite();
    auto admin = connect_maintenance();
    for (const char* role : {kOwner, kWriter}) {
      admin->exec(std::string("DROP ROLE IF EXISTS ") + role);
      admin->exec(std::string("CREATE ROLE ") + role + " LOGIN");
    }
    auto db = connect();
    db->exec(std::string("GRANT CREATE ON SCHEMA public TO ") + kOwner);
  }
  static void TearDownTestSuite() {
    TestDb::TearDownTestSuite();
    auto admin = connect_maintenance();
    for (const char* role : {kOwner, kWriter}) admin->exec(std::string("DROP ROLE IF EXISTS ") + role);
  }
};

// Notices the writer received that mention any of `secrets`.
std::vector<std::string> leaked(const PgConn& session, const std::vector<std::string>& secrets) {
  std::vector<std::string> out;
  for (const Notice& n : session.notices())
    for (const std::string& s : secrets)
      if (n.message.find(s) != std::string::npos || n.hint.find(s) != std::string::npos)
        out.push_back(n.severity + ": " + n.message);
  return out;
}

TEST_F(ImmediateSecurity, WriterMaintainsTheTableAndLearnsNothing) {
  auto owner = connect(kOwner);
  owner->exec("CREATE TABLE sec_src (id int PRIMARY KEY, k int, v int)");
  owner->exec("CREATE TABLE sec_secret (k int PRIMARY KEY, s text)");
  owner->exec("INSERT INTO sec_secret SELECT i, 'classified-' || i FROM generate_series(1, 5) i");
  owner->exec("INSERT INTO sec_src SELECT i, 1 + i % 6, i FROM generate_series(1, 20) i");
  const std::string q_join = "SELECT t.id, t.v, s.s FROM sec_src t JOIN sec_secret s ON s.k = t.k";
  const std::string q_group = "SELECT s.s, count(*) AS n, sum(t.v) AS total FROM sec_src t "
                              "JOIN sec_secret s ON s.k = t.k GROUP BY s.s";
  // Created by a superuser and handed to the owner (see OwnerCreatesImmediate
  // for a role creating its own).
  for (const auto& [st, q] : {std::pair<std::string, std::string>{"sec_join", q_join}, {"sec_group", q_group}}) {
    create_stream_table(conn(), st, q, "IMMEDIATE");
    conn().exec("ALTER TABLE " + st + " OWNER TO " + kOwner);
  }
  owner->exec(std::string("GRANT INSERT, UPDATE, DELETE, TRUNCATE ON sec_src TO ") + kWriter);
  owner->exec(std::string("GRANT SELECT (id) ON sec_src TO ") + kWriter);  // for WHERE id = ...

  auto writer = connect(kWriter);
  const std::vector<std::string> writes{
      "INSERT INTO sec_src VALUES (100, 1, 1000), (101, 2, 1001), (102, 9, 1002)",
      "UPDATE sec_src SET v = 7 WHERE id = 1",
      "UPDATE sec_src SET k = 3 WHERE id = 100",
      "DELETE FROM sec_src WHERE id = 2",
      "INSERT INTO sec_src VALUES (103, 4, 5) ON CONFLICT DO NOTHING",
      "TRUNCATE sec_src",
      "INSERT INTO sec_src VALUES (1, 1, 1), (2, 2, 2)"};
  for (const std::string& sql : writes) {
    writer->clear_notices();
    const ExecOutcome out = writer->try_exec(sql);
    ASSERT_TRUE(out.ok) << sql << ": [" << out.sqlstate << "] " << out.message;
    EXPECT_TRUE(st_matches_query(*owner, "sec_join", q_join)) << "after the writer's " << sql;
    EXPECT_TRUE(st_matches_query(*owner, "sec_group", q_group)) << "after the writer's " << sql;
    const std::vector<std::string> leaks = leaked(*writer, {"classified"});
    EXPECT_TRUE(leaks.empty()) << "the writer was told: " << ::testing::PrintToString(leaks);
  }
  // In a transaction, rolled back: the writer's statements maintain the
  // table in its transaction; the owner never sees them.
  writer->exec("BEGIN");
  writer->exec("INSERT INTO sec_src VALUES (200, 5, 5)");
  writer->exec("ROLLBACK");
  EXPECT_TRUE(st_matches_query(*owner, "sec_join", q_join)) << "after the writer's ROLLBACK";

  // What the writer may not do.
  for (const std::string& sql :
       {std::string("SELECT * FROM sec_join"), std::string("SELECT * FROM sec_group"),
        std::string("SELECT * FROM sec_secret"), std::string("SELECT v FROM sec_src"),
        std::string("SELECT count(*) FROM sec_join")}) {
    const ExecOutcome out = writer->try_exec(sql);
    EXPECT_FALSE(out.ok) << sql << " succeeded for the writer";
    EXPECT_EQ(out.sqlstate, "42501") << sql << ": " << out.message;
    EXPECT_EQ(out.message.find("classified"), std::string::npos) << out.message;
  }
  for (const std::string& table : {std::string("sec_secret"), std::string("sec_src")}) {
    const ExecOutcome out = writer->try_exec(
        "SELECT * FROM pgtrickle._statement_changes(" + quote_literal(table) +
        "::regclass) AS c(w int, c1 int, c2 text)");
    EXPECT_FALSE(out.ok) << "the writer read the changes of " << table;
    EXPECT_TRUE(out.sqlstate == "55000" || out.sqlstate == "42501") << out.sqlstate << ": " << out.message;
  }
  // Writing the stream table itself is refused.
  const ExecOutcome direct = writer->try_exec("DELETE FROM sec_join");
  EXPECT_FALSE(direct.ok);

  // The maintenance runs as the owner: once the owner may no longer read
  // the other source, the writer's write fails (42501), naming the owner and
  // the table, never a value.
  conn().exec(std::string("REVOKE SELECT ON sec_secret FROM ") + kOwner);
  writer->clear_notices();
  const ExecOutcome refused = writer->try_exec("INSERT INTO sec_src VALUES (300, 1, 1)");
  EXPECT_FALSE(refused.ok) << "maintenance ran without the owner's privileges";
  EXPECT_EQ(refused.sqlstate, "42501") << refused.message;
  for (const std::string& text : {refused.message, refused.detail, refused.hint})
    EXPECT_EQ(text.find("classified"), std::string::npos) << text;
  conn().exec(std::string("GRANT SELECT ON sec_secret TO ") + kOwner);
  ASSERT_TRUE(writer->try_exec("INSERT INTO sec_src VALUES (300, 1, 1)").ok);
  EXPECT_TRUE(st_matches_query(*owner, "sec_join", q_join)) << "after the GRANT";
}

// A role without superuser that owns the source creates an IMMEDIATE stream
// table, and switches a DIFFERENTIAL one to IMMEDIATE (the triggers are
// attached by the extension's owner: EXECUTE on the trigger function stays
// revoked from PUBLIC).
TEST_F(ImmediateSecurity, OwnerCreatesImmediate) {
  auto owner = connect(kOwner);
  owner->exec("CREATE TABLE own_src (id int PRIMARY KEY, v int)");
  owner->exec("INSERT INTO own_src SELECT i, i FROM generate_series(1, 5) i");
  const std::string q = "SELECT id, v FROM own_src WHERE v > 2";
  create_stream_table(*owner, "own_imm", q, "IMMEDIATE");
  create_stream_table(*owner, "own_diff", q, "DIFFERENTIAL");
  owner->exec("SELECT pgtrickle.alter_stream_table('own_diff', refresh_mode => 'IMMEDIATE')");
  owner->exec("INSERT INTO own_src VALUES (10, 10)");
  EXPECT_TRUE(st_matches_query(*owner, "own_imm", q));
  EXPECT_TRUE(st_matches_query(*owner, "own_diff", q));
}

TEST_F(ImmediateSecurity, HostileNames) {
  conn().exec("CREATE SCHEMA \"Sch \"\"ema\"\" $1\"");
  const std::string schema = quote_ident("Sch \"ema\" $1");
  const std::string src = schema + "." + quote_ident("My \"Src\" $1");
  const std::string dim = schema + "." + quote_ident("other One");
  const std::string k = quote_ident("Grp$ \"k\""), v = quote_ident("vAl"), name = quote_ident("Na me;--");
  conn().exec("CREATE TABLE " + src + " (" + quote_ident("Id Col") + " int PRIMARY KEY, " + k + " text, " + v +
              " int)");
  conn().exec("CREATE TABLE " + dim + " (" + k + " text PRIMARY KEY, " + name + " text)");
  conn().exec("INSERT INTO " + src + " SELECT i, 'g''' || i % 3, i FROM generate_series(1, 12) i");
  conn().exec("INSERT INTO " + dim + " SELECT 'g''' || i, 'n $$' || i FROM generate_series(0, 2) i");
  const std::string st_join = schema + "." + quote_ident("St \"j\" $x");
  const std::string st_group = quote_ident("MixedCase \"g\" $$");
  const std::string q_join = "SELECT s." + quote_ident("Id Col") + ", s." + v + ", d." + name + " FROM " + src +
                             " s JOIN " + dim + " d ON d." + k + " = s." + k;
  const std::string q_group = "SELECT s." + k + ", sum(s." + v + ") AS " + quote_ident("Total $") + ", count(*) AS " +
                              quote_ident("N") + " FROM " + src + " s GROUP BY s." + k;
  create_stream_table(conn(), st_join, q_join, "IMMEDIATE");
  create_stream_table(conn(), st_group, q_group, "IMMEDIATE");
  auto check = [&](const std::string& when) {
    EXPECT_TRUE(st_matches_query(conn(), st_join, q_join)) << when;
    EXPECT_TRUE(st_matches_query(conn(), st_group, q_group)) << when;
  };
  check("after create");
  const std::vector<std::string> writes{
      "INSERT INTO " + src + " VALUES (100, 'g''1', 5), (101, 'new''', 6)",
      "UPDATE " + src + " SET " + v + " = " + v + " + 1, " + k + " = 'g''2' WHERE " + quote_ident("Id Col") + " < 4",
      "UPDATE " + dim + " SET " + name + " = 'renamed \"x\"' WHERE " + k + " = 'g''0'",
      "DELETE FROM " + src + " WHERE " + quote_ident("Id Col") + " % 5 = 0",
      "INSERT INTO " + dim + " VALUES ('new''', 'n')",
      "TRUNCATE " + dim};
  for (const std::string& sql : writes) {
    conn().exec(sql);
    check("after: " + sql);
  }
  conn().exec("SELECT pgtrickle.alter_stream_table(" + quote_literal(st_join) + ", refresh_mode => 'DIFFERENTIAL')");
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM pg_trigger WHERE tgrelid = " + quote_literal(src) +
                          "::regclass AND tgname LIKE 'pgt\\_ivm\\_%'"),
            "5");
  conn().exec("SELECT pgtrickle.alter_stream_table(" + quote_literal(st_join) + ", refresh_mode => 'IMMEDIATE')");
  conn().exec("INSERT INTO " + dim + " VALUES ('g''1', 'back')");
  check("after the mode round trip");
  conn().exec("SELECT pgtrickle.drop_stream_table(" + quote_literal(st_join) + ")");
  conn().exec("SELECT pgtrickle.drop_stream_table(" + quote_literal(st_group) + ")");
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM pg_trigger WHERE tgrelid IN (" + quote_literal(src) +
                          "::regclass, " + quote_literal(dim) + "::regclass) AND tgname LIKE 'pgt\\_ivm\\_%'"),
            "0");
}

TEST_F(ImmediateSecurity, StatementChangesOutsideMaintenanceFails) {
  conn().exec("CREATE TABLE sc_src (id int PRIMARY KEY, v int)");
  conn().exec("INSERT INTO sc_src SELECT i, i FROM generate_series(1, 5) i");
  create_stream_table(conn(), "sc_st", "SELECT id, v FROM sc_src WHERE v > 1", "IMMEDIATE");
  const std::string call = "SELECT count(*) FROM pgtrickle._statement_changes('sc_src'::regclass) "
                           "AS c(w int, c1 int, c2 int)";
  ExecOutcome out = conn().try_exec(call);
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(out.sqlstate, "55000") << out.message;
  // Inside a writing statement, not in the maintenance.
  out = conn().try_exec("INSERT INTO sc_src SELECT 100 + n, 1 FROM (" + call + ") x(n)");
  EXPECT_EQ(out.sqlstate, "55000") << out.message;
  // From user triggers on the source, around the maintenance triggers
  // (statement triggers fire in name order: "aaa" before "pgt_ivm_*", "zzz"
  // after), and from a row trigger.
  conn().exec("CREATE FUNCTION sc_peek() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
              "PERFORM count(*) FROM pgtrickle._statement_changes('sc_src'::regclass) AS c(w int, c1 int, c2 int); "
              "RETURN NULL; END $$");
  for (const std::string& trigger :
       {std::string("CREATE TRIGGER aaa_peek AFTER INSERT ON sc_src FOR EACH STATEMENT EXECUTE FUNCTION sc_peek()"),
        std::string("CREATE TRIGGER zzz_peek AFTER INSERT ON sc_src FOR EACH STATEMENT EXECUTE FUNCTION sc_peek()"),
        std::string("CREATE TRIGGER zzz_peek BEFORE INSERT ON sc_src FOR EACH STATEMENT EXECUTE FUNCTION sc_peek()"),
        std::string("CREATE TRIGGER zzz_peek AFTER INSERT ON sc_src FOR EACH ROW EXECUTE FUNCTION sc_peek()")}) {
    conn().exec("BEGIN");
    conn().exec(trigger);
    out = conn().try_exec("INSERT INTO sc_src VALUES (50, 50)");
    EXPECT_FALSE(out.ok) << trigger;
    EXPECT_EQ(out.sqlstate, "55000") << trigger << ": " << out.message;
    conn().exec("ROLLBACK");
  }
  EXPECT_TRUE(st_matches_query(conn(), "sc_st", "SELECT id, v FROM sc_src WHERE v > 1"));
  // An unprivileged role.
  auto writer = connect(kWriter);
  out = writer->try_exec(call);
  EXPECT_FALSE(out.ok);
  EXPECT_TRUE(out.sqlstate == "55000" || out.sqlstate == "42501") << out.sqlstate << ": " << out.message;
}

}  // namespace
}  // namespace pgt_e2e
