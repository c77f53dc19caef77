// Stream tables in a database many roles share (DESIGN.md section 6a):
//  * every role that can read a table creates, refreshes, alters and drops
//    FULL, DIFFERENTIAL and AUTO stream tables over it (capture is installed
//    by the extension, whoever owns the table);
//  * a change buffer is readable only by the owners of the DIFFERENTIAL
//    stream tables reading it, and only in the columns each may read at the
//    source; a REVOKE at the source stops that owner's refreshes (42501 with
//    a HINT), a GRANT resumes them; ALTER ... OWNER TO hands all of it over;
//  * stream tables are refused in pg_temp and in pg_trickle's schemas, and
//    DIFFERENTIAL over catalogs (their writes bypass triggers);
//  * the capture triggers cannot be dropped or disabled while a stream table
//    depends on them;
//  * hostile names (quotes, dollar quotes, backslashes, semicolons,
//    multibyte, 63 bytes) for schemas, tables, columns and stream tables.
// Roles are cluster-wide: created and dropped around the suite.
#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <vector>

#include "adversarial_support.h"
#include "oracle.h"
#include "refresh_history.h"
#include "stream_table.h"
#include "test_db.h"

namespace pgt_e2e {
namespace {

const char* const kOwner = "pgt_e2e_src_owner";  // owns the source tables
const char* const kAlice = "pgt_e2e_reader_a";   // reads some columns
const char* const kBob = "pgt_e2e_reader_b";     // reads everything
const char* const kEve = "pgt_e2e_bystander";    // reads nothing

// "rs_bob_differential" for mode DIFFERENTIAL (a name that needs no quotes).
std::string bob_st(const std::string& mode) {
  std::string name = "rs_bob_";
  for (char c : mode) name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

class RoleSecurity : public TestDb {
 public:
  static void SetUpTestSuite() {
    TestDb::SetUpTestSuite();
    auto admin = connect_maintenance();
    for (const char* role : {kOwner, kAlice, kBob, kEve}) {
      admin->exec(std::string("DROP ROLE IF EXISTS ") + role);
      admin->exec(std::string("CREATE ROLE ") + role + " LOGIN");
    }
    auto db = connect();
    db->exec(std::string("GRANT CREATE ON SCHEMA public TO ") + kOwner + ", " + kAlice + ", " + kBob + ", " + kEve);
  }
  static void TearDownTestSuite() {
    TestDb::TearDownTestSuite();
    auto admin = connect_maintenance();
    for (const char* role : {kOwner, kAlice, kBob, kEve}) admin->exec(std::string("DROP ROLE IF EXISTS ") + role);
  }

 protected:
  void SetUp() override {
    TestDb::SetUp();
    conn().exec("SET pg_trickle.differential_max_change_ratio = 1000");
  }

  // A source owned by kOwner: id, pub (alice may read), secret (she may not).
  void make_source(const std::string& table) {
    auto owner = connect(kOwner);
    owner->exec("CREATE TABLE " + table + " (id int PRIMARY KEY, pub int, secret text)");
    owner->exec("INSERT INTO " + table + " SELECT g, g, 's' || g FROM generate_series(1, 20) g");
    owner->exec("GRANT SELECT (id, pub) ON " + table + " TO " + kAlice);
    owner->exec("GRANT SELECT ON " + table + " TO " + kBob);
  }

  std::string buffer_of(const std::string& table) {
    return conn().scalar("SELECT buffer_relid::regclass::text FROM pgtrickle.pgt_change_tracking "
                         "WHERE source_relid = " + quote_literal(table) + "::regclass");
  }

  bool can_read(const char* role, const std::string& buffer, const std::string& column) {
    return conn().scalar("SELECT has_column_privilege(" + quote_literal(role) + ", " + quote_literal(buffer) +
                         ", " + quote_literal(column) + ", 'SELECT')") == "t";
  }

  static void expect_refused(const ExecOutcome& out, const std::string& sqlstate, const std::string& what) {
    EXPECT_FALSE(out.ok) << what << " was accepted";
    EXPECT_EQ(out.sqlstate, sqlstate) << what << ": " << out.message;
    EXPECT_FALSE(out.hint.empty()) << what << ": no HINT for " << out.message;
  }
};

TEST_F(RoleSecurity, AReaderMaintainsEveryModeOverAnotherRolesTable) {
  make_source("rs_src");
  auto bob = connect(kBob);
  bob->exec("SET pg_trickle.differential_max_change_ratio = 1000");
  const std::string q = "SELECT id, pub, secret FROM rs_src";
  for (const char* mode : {"FULL", "DIFFERENTIAL", "AUTO"}) {
    const std::string st = bob_st(mode);
    create_stream_table(*bob, st, q, mode);
    EXPECT_EQ(conn().scalar("SELECT effective_refresh_mode FROM pgtrickle.pgt_stream_tables WHERE pgt_name = " +
                            quote_literal(st)),
              std::string(mode) == "FULL" ? "FULL" : "DIFFERENTIAL");
  }
  auto owner = connect(kOwner);
  owner->exec("INSERT INTO rs_src VALUES (100, 100, 'new')");
  owner->exec("UPDATE rs_src SET pub = pub + 1 WHERE id < 5");
  owner->exec("DELETE FROM rs_src WHERE id = 7");
  for (const char* mode : {"FULL", "DIFFERENTIAL", "AUTO"}) {
    const std::string st = bob_st(mode);
    refresh_stream_table(*bob, st);
    EXPECT_TRUE(st_matches_query(conn(), st, q)) << st;
    EXPECT_EQ(last_refresh(conn(), st).action, std::string(mode) == "FULL" ? "FULL" : "DIFFERENTIAL") << st;
  }
  bob->exec("SELECT pgtrickle.alter_stream_table('rs_bob_differential', schedule => '5m')");
  bob->exec("SELECT pgtrickle.alter_stream_table('rs_bob_auto', refresh_mode => 'FULL')");
  for (const char* mode : {"FULL", "DIFFERENTIAL", "AUTO"})
    bob->exec("SELECT pgtrickle.drop_stream_table(" + quote_literal(bob_st(mode)) + ")");
}

TEST_F(RoleSecurity, BufferColumnsAreReadableOnlyByTheirReaders) {
  make_source("rs_cols");
  auto alice = connect(kAlice);
  auto bob = connect(kBob);
  create_stream_table(*alice, "rs_alice_cols", "SELECT id, pub FROM rs_cols", "DIFFERENTIAL");
  create_stream_table(*bob, "rs_bob_cols", "SELECT id, secret FROM rs_cols", "DIFFERENTIAL");
  const std::string buffer = buffer_of("rs_cols");
  const std::string pub = "c2", secret = "c3";
  EXPECT_TRUE(can_read(kAlice, buffer, pub));
  EXPECT_FALSE(can_read(kAlice, buffer, secret)) << "alice reads bob's column through the shared buffer";
  EXPECT_TRUE(can_read(kBob, buffer, secret));
  for (const char* column : {"xid", "__pgt_w", "c1", "c2", "c3"}) EXPECT_FALSE(can_read(kEve, buffer, column));
  ExecOutcome peek = alice->try_exec("SELECT " + secret + " FROM " + buffer);
  EXPECT_FALSE(peek.ok);
  EXPECT_EQ(peek.sqlstate, "42501");

  // Dropping his stream table takes bob's access with it.
  bob->exec("SELECT pgtrickle.drop_stream_table('rs_bob_cols')");
  EXPECT_FALSE(can_read(kBob, buffer, secret));
  EXPECT_FALSE(can_read(kBob, buffer, "xid"));
  EXPECT_TRUE(can_read(kAlice, buffer, pub));
}

TEST_F(RoleSecurity, RevokeAtTheSourceStopsRefreshesAndGrantResumesThem) {
  make_source("rs_rev");
  auto alice = connect(kAlice);
  alice->exec("SET pg_trickle.differential_max_change_ratio = 1000");
  const std::string q = "SELECT id, pub FROM rs_rev";
  create_stream_table(*alice, "rs_alice_rev", q, "DIFFERENTIAL");
  auto owner = connect(kOwner);
  owner->exec("INSERT INTO rs_rev VALUES (50, 50, 'x')");
  owner->exec(std::string("REVOKE SELECT (pub) ON rs_rev FROM ") + kAlice);
  EXPECT_FALSE(can_read(kAlice, buffer_of("rs_rev"), "c2"));
  ExecOutcome denied = alice->try_exec(refresh_stream_table_sql("rs_alice_rev"));
  expect_refused(denied, "42501", "a refresh after REVOKE");
  EXPECT_NE(denied.detail.find(kAlice), std::string::npos) << denied.detail;
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM rs_alice_rev WHERE id = 50"), "0");

  owner->exec(std::string("GRANT SELECT (pub) ON rs_rev TO ") + kAlice);
  owner->exec("UPDATE rs_rev SET pub = -pub WHERE id < 3");
  refresh_stream_table(*alice, "rs_alice_rev");
  EXPECT_TRUE(st_matches_query(conn(), "rs_alice_rev", q));
  EXPECT_EQ(last_refresh(conn(), "rs_alice_rev").action, "DIFFERENTIAL");
}

TEST_F(RoleSecurity, OwnerToHandsTheStreamTableOver) {
  make_source("rs_own");
  auto alice = connect(kAlice);
  const std::string q = "SELECT id, pub FROM rs_own";
  create_stream_table(*alice, "rs_handed", q, "DIFFERENTIAL");
  conn().exec(std::string("ALTER TABLE rs_handed OWNER TO ") + kBob);
  const std::string buffer = buffer_of("rs_own");
  EXPECT_TRUE(can_read(kBob, buffer, "c2"));
  EXPECT_FALSE(can_read(kAlice, buffer, "c2"));
  connect(kOwner)->exec("INSERT INTO rs_own VALUES (60, 60, 'y')");
  auto bob = connect(kBob);
  bob->exec("SET pg_trickle.differential_max_change_ratio = 1000");
  refresh_stream_table(*bob, "rs_handed");
  EXPECT_TRUE(st_matches_query(conn(), "rs_handed", q));
  EXPECT_EQ(last_refresh(conn(), "rs_handed").action, "DIFFERENTIAL");
  expect_refused(alice->try_exec(refresh_stream_table_sql("rs_handed")), "42501", "a refresh by the former owner");
}

// Catalog rows (definitions, history, errors that can quote data) are
// visible to the roles that may read the stream table, no others.
TEST_F(RoleSecurity, CatalogRowsAreVisibleToTheStreamTablesReadersOnly) {
  make_source("rs_cat");
  auto alice = connect(kAlice);
  create_stream_table(*alice, "rs_cat_st", "SELECT id, pub FROM rs_cat", "DIFFERENTIAL");
  refresh_stream_table(*alice, "rs_cat_st");
  const std::string id = conn().scalar("SELECT pgt_id FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'rs_cat_st'");
  auto eve = connect(kEve);
  auto visible = [&](PgConn& c) {
    return c.scalar("SELECT (SELECT count(*) FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + id + ") || ',' || "
                    "(SELECT count(*) FROM pgtrickle.pgt_refresh_history WHERE pgt_id = " + id + ") || ',' || "
                    "(SELECT count(*) FROM pgtrickle.pgt_dependencies WHERE pgt_id = " + id + ") || ',' || "
                    "(SELECT count(*) FROM pgtrickle.pgt_status() WHERE name = 'public.rs_cat_st')");
  };
  EXPECT_EQ(visible(*alice), "1,2,1,1");
  EXPECT_EQ(visible(*eve), "0,0,0,0");
  ExecOutcome history = eve->try_exec("SELECT * FROM pgtrickle.get_refresh_history('rs_cat_st')");
  EXPECT_FALSE(history.ok && !eve->query("SELECT * FROM pgtrickle.get_refresh_history('rs_cat_st')").empty());
  alice->exec(std::string("GRANT SELECT ON rs_cat_st TO ") + kEve);
  EXPECT_EQ(visible(*eve), "1,2,1,1");
}

TEST_F(RoleSecurity, PlacementAndCatalogSourcesAreRefused) {
  for (const char* name : {"pg_temp.rs_tmp", "pgtrickle.rs_in_ext", "pgtrickle_changes.rs_in_buffers"}) {
    expect_refused(conn().try_exec(create_stream_table_sql(name, "SELECT 1 AS a")), "22023", name);
    EXPECT_EQ(conn().scalar("SELECT count(*) FROM pgtrickle.pgt_stream_tables WHERE pgt_name LIKE 'rs\\_%' AND "
                            "pgt_schema IN ('pgtrickle', 'pgtrickle_changes') OR pgt_schema LIKE 'pg\\_temp%'"),
              "0");
  }
  expect_refused(conn().try_exec(create_stream_table_sql(
                     "rs_own_catalog", "SELECT pgt_id, pgt_name FROM pgtrickle.pgt_stream_tables", "DIFFERENTIAL")),
                 "0A000", "DIFFERENTIAL over pg_trickle's catalog");
  conn().clear_notices();
  create_stream_table(conn(), "rs_sys_catalog", "SELECT relname FROM pg_class WHERE relname LIKE 'rs\\_%'", "AUTO");
  EXPECT_TRUE(conn().has_notice("WARNING", "rs_sys_catalog"));
  EXPECT_EQ(conn().scalar("SELECT effective_refresh_mode FROM pgtrickle.pgt_stream_tables "
                          "WHERE pgt_name = 'rs_sys_catalog'"),
            "FULL");
}

TEST_F(RoleSecurity, CaptureTriggersCannotBeDroppedOrDisabled) {
  make_source("rs_trig");
  auto alice = connect(kAlice);
  create_stream_table(*alice, "rs_trig_st", "SELECT id, pub FROM rs_trig", "DIFFERENTIAL");
  auto owner = connect(kOwner);
  for (const char* ddl : {"ALTER TABLE rs_trig DISABLE TRIGGER ALL", "ALTER TABLE rs_trig DISABLE TRIGGER USER",
                          "ALTER TABLE rs_trig DISABLE TRIGGER pgt_cdc_upd",
                          "ALTER TABLE rs_trig ENABLE REPLICA TRIGGER pgt_cdc_ins", "DROP TRIGGER pgt_cdc_del ON rs_trig"}) {
    ExecOutcome out = owner->try_exec(ddl);
    expect_refused(out, "2BP01", ddl);
    EXPECT_NE(out.detail.find("rs_trig_st"), std::string::npos) << out.detail;
  }
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'rs_trig'::regclass "
                          "AND tgname LIKE 'pgt_cdc%' AND tgenabled = 'A'"),
            "4");
  // Unneeded once no DIFFERENTIAL stream table reads the table.
  alice->exec("SELECT pgtrickle.alter_stream_table('rs_trig_st', refresh_mode => 'FULL')");
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'rs_trig'::regclass "
                          "AND tgname LIKE 'pgt_cdc%'"),
            "0");
}

TEST_F(RoleSecurity, HostileNamesInEveryMode) {
  const std::string schema = "s'\"$x$;\\ \xc3\xa9";
  const std::string table = "t$$;DROP TABLE x;--\xe2\x82\xac";
  const std::string long_name(63, 'n');
  const std::string column = "c\"$pgt$'\\;";
  conn().exec("CREATE SCHEMA " + quote_ident(schema));
  const std::string qt = quote_ident(schema) + "." + quote_ident(table);
  conn().exec("CREATE TABLE " + qt + " (" + quote_ident(long_name) + " int PRIMARY KEY, " + quote_ident(column) +
              " text)");
  conn().exec("INSERT INTO " + qt + " SELECT g, 'v' || g FROM generate_series(1, 10) g");
  const std::string q = "SELECT " + quote_ident(long_name) + ", " + quote_ident(column) + " FROM " + qt;
  for (const char* mode : {"FULL", "DIFFERENTIAL", "AUTO"}) {
    const std::string st = quote_ident(schema) + "." + quote_ident(std::string("st'$$") + mode);
    create_stream_table(conn(), st, q, mode);
  }
  conn().exec("INSERT INTO " + qt + " VALUES (11, '$$''')");
  conn().exec("UPDATE " + qt + " SET " + quote_ident(column) + " = 'u' WHERE " + quote_ident(long_name) + " < 3");
  for (const char* mode : {"FULL", "DIFFERENTIAL", "AUTO"}) {
    const std::string st = quote_ident(schema) + "." + quote_ident(std::string("st'$$") + mode);
    refresh_stream_table(conn(), st);
    EXPECT_TRUE(st_matches_query(conn(), st, q)) << mode;
    EXPECT_EQ(last_refresh(conn(), st).action, std::string(mode) == "FULL" ? "FULL" : "DIFFERENTIAL") << mode;
    conn().exec("SELECT pgtrickle.drop_stream_table(" + quote_literal(st) + ")");
  }
  conn().exec("DROP SCHEMA " + quote_ident(schema) + " CASCADE");
}

}  // namespace
}  // namespace pgt_e2e
