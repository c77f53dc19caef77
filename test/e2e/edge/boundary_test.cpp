// The C++ / PostgreSQL boundary (DESIGN.md section 3), seen from a client:
// an error raised anywhere inside an API call (by the parser, by our C++
// code, by the executor while populating) is an ordinary SQL error. The
// transaction rolls back, the session keeps working, no backend crashes
// (which would restart every session), and nothing half-created is left.
#include <gtest/gtest.h>

#include "oracle.h"
#include "stream_table.h"
#include "test_db.h"

namespace pgt_e2e {
namespace {

class CppBoundary : public TestDb {
 protected:
  void SetUp() override {
    TestDb::SetUp();
    conn().exec("CREATE TABLE IF NOT EXISTS bnd_src (id int PRIMARY KEY, v int)");
    conn().exec("INSERT INTO bnd_src SELECT g, g % 5 FROM generate_series(1, 40) g ON CONFLICT DO NOTHING");
  }

  // The failure left neither a table nor a catalog row named `name`.
  void expect_nothing_left(const std::string& name) {
    EXPECT_FALSE(relation_exists(conn(), name)) << "a failed create left table " << name;
    EXPECT_EQ(catalog_rows_named(conn(), name), 0) << "a failed create left a catalog row for " << name;
  }
};

TEST_F(CppBoundary, FailedCreateInTransactionRollsBackAndSessionContinues) {
  auto bystander = connect();  // a backend crash would take this session down too
  const int pid = conn().backend_pid();

  conn().exec("BEGIN");
  ExecOutcome out = conn().try_exec("SELECT pgtrickle.create_stream_table('bnd_tx_st', 'SELEC 1')");
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(out.sqlstate, "42601") << out.message;
  EXPECT_TRUE(conn().in_failed_transaction());
  conn().exec("ROLLBACK");

  EXPECT_EQ(conn().scalar("SELECT 1"), "1");
  EXPECT_EQ(conn().backend_pid(), pid);
  EXPECT_EQ(bystander->scalar("SELECT count(*) FROM bnd_src"), "40");
  expect_nothing_left("bnd_tx_st");

  // The same session can still do real work with the extension.
  create_stream_table(conn(), "bnd_after_st", "SELECT id, v FROM bnd_src");
  expect_st_matches_query(conn(), "bnd_after_st", "SELECT id, v FROM bnd_src");
}

TEST_F(CppBoundary, WorkBeforeTheFailureInTheTransactionIsRolledBackToo) {
  conn().exec("BEGIN");
  create_stream_table(conn(), "bnd_first_st", "SELECT id FROM bnd_src");
  EXPECT_FALSE(conn().try_exec("SELECT pgtrickle.create_stream_table('bnd_second_st', 'SELEC 1')").ok);
  conn().exec("ROLLBACK");
  expect_nothing_left("bnd_first_st");
  expect_nothing_left("bnd_second_st");
}

struct BadDefinition {
  const char* what;
  const char* query;
  const char* refresh_mode;
  const char* sqlstate;  // the one PostgreSQL itself would use; "" = any clear one
};

// Failures from each layer: parser, analyzer, our argument checks, and the
// executor while filling the new table (after it was created).
const BadDefinition kBadDefinitions[] = {
    {"syntax error", "SELEC 1", "FULL", "42601"},
    {"missing table", "SELECT * FROM bnd_no_such_table", "FULL", "42P01"},
    {"missing column", "SELECT no_such_column FROM bnd_src", "FULL", "42703"},
    {"error while populating", "SELECT id, 1 / (id - id) AS boom FROM bnd_src", "FULL", "22012"},
    {"invalid refresh mode", "SELECT id FROM bnd_src", "NOT_A_MODE", ""},
};

TEST_F(CppBoundary, FailedCreateLeavesNothingBehind) {
  const int pid = conn().backend_pid();
  // Repeated, so a leak on the error path (stale PG_TRY state, a lock, an
  // open SPI connection) shows up as a failure or a crash on a later round.
  for (int round = 0; round < 5; ++round) {
    for (const BadDefinition& bad : kBadDefinitions) {
      SCOPED_TRACE(std::string(bad.what) + ", round " + std::to_string(round));
      ExecOutcome out = conn().try_exec(create_stream_table_sql("bnd_bad_st", bad.query, bad.refresh_mode));
      ASSERT_FALSE(out.ok) << "create_stream_table accepted a bad definition";
      EXPECT_FALSE(out.sqlstate.empty());
      EXPECT_NE(out.sqlstate.substr(0, 2), "XX") << out.message;
      if (*bad.sqlstate) {
        EXPECT_EQ(out.sqlstate, bad.sqlstate) << out.message;
      }
      expect_nothing_left("bnd_bad_st");
    }
  }
  EXPECT_EQ(conn().backend_pid(), pid);
  // The name is free again: nothing half-registered blocks it.
  create_stream_table(conn(), "bnd_bad_st", "SELECT id, v FROM bnd_src WHERE v > 1");
  expect_st_matches_query(conn(), "bnd_bad_st", "SELECT id, v FROM bnd_src WHERE v > 1");
}

TEST_F(CppBoundary, CreateOverAnExistingTableNameFailsAndKeepsThatTable) {
  conn().exec("CREATE TABLE bnd_taken (a int)");
  conn().exec("INSERT INTO bnd_taken VALUES (1), (2)");
  ExecOutcome out = conn().try_exec(create_stream_table_sql("bnd_taken", "SELECT id FROM bnd_src"));
  ASSERT_FALSE(out.ok);
  EXPECT_EQ(out.sqlstate, "42P07") << out.message;
  EXPECT_EQ(conn().scalar("SELECT string_agg(a::text, ',' ORDER BY a) FROM bnd_taken"), "1,2");
  EXPECT_EQ(catalog_rows_named(conn(), "bnd_taken"), 0);
}

TEST_F(CppBoundary, RefreshOfAnUnknownStreamTableIsAClearError) {
  ExecOutcome out = conn().try_exec(refresh_stream_table_sql("bnd_never_created"));
  ASSERT_FALSE(out.ok);
  EXPECT_FALSE(out.sqlstate.empty());
  EXPECT_NE(out.sqlstate.substr(0, 2), "XX") << out.message;
  EXPECT_NE(out.message.find("bnd_never_created"), std::string::npos) << out.message;
  // A plain table is not a stream table either.
  out = conn().try_exec(refresh_stream_table_sql("bnd_src"));
  ASSERT_FALSE(out.ok);
  EXPECT_NE(out.sqlstate.substr(0, 2), "XX") << out.message;
  EXPECT_EQ(conn().scalar("SELECT 1"), "1");
}

}  // namespace
}  // namespace pgt_e2e
