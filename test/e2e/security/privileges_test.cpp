// Privileges: the extension must not let a role do through its API what the
// role could not do with plain SQL.
//  * creating a stream table needs SELECT on every source (42501 otherwise);
//  * the catalog is written by the extension only, never directly by users;
//  * refreshing (or dropping) a stream table is for its owner.
// Roles are cluster-wide, so they are created and dropped around the suite.
#include <gtest/gtest.h>

#include "oracle.h"
#include "stream_table.h"
#include "test_db.h"

namespace pgt_e2e {
namespace {

const char* const kAlice = "pgt_e2e_alice";  // owns stream tables
const char* const kBob = "pgt_e2e_bob";      // a bystander with read access

class Privileges : public TestDb {
 public:
  static void SetUpTestSuite() {
    TestDb::SetUpTestSuite();
    auto admin = connect_maintenance();
    for (const char* role : {kAlice, kBob}) {
      admin->exec(std::string("DROP ROLE IF EXISTS ") + role);  // left over from a killed run
      admin->exec(std::string("CREATE ROLE ") + role + " LOGIN");
    }
    auto db = connect();
    db->exec("CREATE TABLE priv_secret (id int PRIMARY KEY, v text)");
    db->exec("CREATE TABLE priv_open (id int PRIMARY KEY, v text)");
    db->exec("INSERT INTO priv_secret SELECT g, 's' || g FROM generate_series(1, 20) g");
    db->exec("INSERT INTO priv_open SELECT g, 'o' || g FROM generate_series(1, 20) g");
    // Everything a role needs to create a table of its own, except SELECT on priv_secret.
    db->exec(std::string("GRANT CREATE ON SCHEMA public TO ") + kAlice + ", " + kBob);
    db->exec(std::string("GRANT SELECT ON priv_open TO ") + kAlice + ", " + kBob);
  }

  static void TearDownTestSuite() {
    TestDb::TearDownTestSuite();  // drops the database and with it everything the roles own
    auto admin = connect_maintenance();
    for (const char* role : {kAlice, kBob}) admin->exec(std::string("DROP ROLE IF EXISTS ") + role);
  }

 protected:
  static void expect_denied(const ExecOutcome& out, const std::string& what) {
    EXPECT_FALSE(out.ok) << what << " was allowed";
    EXPECT_EQ(out.sqlstate, "42501") << what << ": " << out.message;
  }
};

TEST_F(Privileges, CreateNeedsSelectOnTheSource) {
  auto alice = connect(kAlice);
  // Control: alice can use the API at all (so the denial below is about the source).
  create_stream_table(*alice, "priv_alice_open_st", "SELECT id, v FROM priv_open");
  expect_st_matches_query(conn(), "priv_alice_open_st", "SELECT id, v FROM priv_open");

  expect_denied(alice->try_exec(create_stream_table_sql("priv_alice_secret_st", "SELECT id, v FROM priv_secret")),
                "create_stream_table over a table without SELECT");
  // Hiding the source in a subquery or join changes nothing.
  expect_denied(alice->try_exec(create_stream_table_sql(
                    "priv_alice_secret_st", "SELECT o.id, s.v FROM priv_open o JOIN priv_secret s ON s.id = o.id")),
                "create_stream_table joining a table without SELECT");
  EXPECT_FALSE(relation_exists(conn(), "priv_alice_secret_st"));
  EXPECT_EQ(catalog_rows_named(conn(), "priv_alice_secret_st"), 0);
}

TEST_F(Privileges, CatalogIsNotWritableByUsers) {
  auto alice = connect(kAlice);
  for (const char* table : {"pgtrickle.pgt_stream_tables", "pgtrickle.pgt_dependencies", "pgtrickle.pgt_refresh_history"}) {
    SCOPED_TRACE(table);
    const std::string t = table;
    expect_denied(alice->try_exec("INSERT INTO " + t + " DEFAULT VALUES"), "INSERT into the catalog");
    expect_denied(alice->try_exec("DELETE FROM " + t), "DELETE from the catalog");
    expect_denied(alice->try_exec("TRUNCATE " + t), "TRUNCATE of the catalog");
  }
  expect_denied(alice->try_exec("UPDATE pgtrickle.pgt_stream_tables SET status = status"), "UPDATE of the catalog");
}

TEST_F(Privileges, OnlyTheOwnerCanRefreshOrDrop) {
  auto alice = connect(kAlice);
  create_stream_table(*alice, "priv_owned_st", "SELECT id, v FROM priv_open WHERE id > 5");
  EXPECT_EQ(conn().scalar("SELECT relowner::regrole::text FROM pg_class WHERE oid = 'priv_owned_st'::regclass"), kAlice);

  conn().exec("INSERT INTO priv_open VALUES (100, 'new')");
  refresh_stream_table(*alice, "priv_owned_st");  // the owner may refresh
  expect_st_matches_query(conn(), "priv_owned_st", "SELECT id, v FROM priv_open WHERE id > 5");

  // bob can read the source (and could compute the query himself) but does not own the stream table.
  auto bob = connect(kBob);
  conn().exec("INSERT INTO priv_open VALUES (101, 'newer')");
  ExecOutcome refresh = bob->try_exec(refresh_stream_table_sql("priv_owned_st"));
  expect_denied(refresh, "refresh_stream_table by a non-owner");
  EXPECT_NE(refresh.message.find("priv_owned_st"), std::string::npos) << refresh.message;
  expect_denied(bob->try_exec("SELECT pgtrickle.drop_stream_table('priv_owned_st')"), "drop_stream_table by a non-owner");
  EXPECT_TRUE(relation_exists(conn(), "priv_owned_st"));
  EXPECT_EQ(catalog_rows_named(conn(), "priv_owned_st"), 1);

  refresh_stream_table(*alice, "priv_owned_st");  // still works for the owner
  expect_st_matches_query(conn(), "priv_owned_st", "SELECT id, v FROM priv_open WHERE id > 5");
}

}  // namespace
}  // namespace pgt_e2e
