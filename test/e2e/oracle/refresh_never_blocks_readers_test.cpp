// Refreshes never wait for readers (issue 23, item 1): a reader holding a
// stream table in an open transaction (REPEATABLE READ, so it keeps its
// snapshot) must not make a FULL refresh, a DIFFERENTIAL refresh that falls
// back to recomputing, a reinitialization or an IMMEDIATE recomputation wait.
// Each runs with lock_timeout = 200ms: waiting for the reader's lock would
// fail it (55P03). The reader then still sees the old contents, and after its
// commit the new ones.
#include <gtest/gtest.h>

#include "oracle.h"
#include "refresh_history.h"
#include "stream_table.h"
#include "test_db.h"

namespace pgt_e2e {
namespace {

class RefreshNeverBlocksReaders : public TestDb {
 protected:
  // A second session reading `table` in a REPEATABLE READ transaction left open.
  std::unique_ptr<PgConn> open_reader(const std::string& table, std::string* count) {
    auto reader = TestDb::connect();
    reader->exec("BEGIN ISOLATION LEVEL REPEATABLE READ");
    *count = reader->scalar("SELECT count(*) FROM " + table);
    return reader;
  }

  // Runs `sql` in this test's session without waiting on any lock for long.
  void run_unblocked(const std::string& sql) {
    conn().exec("SET lock_timeout = '200ms'");
    ExecOutcome out = conn().try_exec(sql);
    conn().exec("RESET lock_timeout");
    ASSERT_TRUE(out.ok) << sql << " waited for the reader or failed: " << out.sqlstate << " " << out.message;
  }
};

TEST_F(RefreshNeverBlocksReaders, FullRefresh) {
  conn().exec("CREATE TABLE nb_src (id int PRIMARY KEY, v int)");
  conn().exec("INSERT INTO nb_src SELECT g, g FROM generate_series(1, 500) g");
  create_stream_table(conn(), "nb_full", "SELECT id, v FROM nb_src WHERE v % 2 = 0", "FULL");
  std::string before;
  auto reader = open_reader("nb_full", &before);
  conn().exec("DELETE FROM nb_src WHERE id <= 100");
  run_unblocked(refresh_stream_table_sql("nb_full"));
  EXPECT_EQ(reader->scalar("SELECT count(*) FROM nb_full"), before) << "the reader lost its snapshot's rows";
  reader->exec("COMMIT");
  expect_st_matches_query(conn(), "nb_full", "SELECT id, v FROM nb_src WHERE v % 2 = 0");
  // Alone, the faster path (TRUNCATE) is taken and gives the same result.
  conn().exec("INSERT INTO nb_src SELECT g, g FROM generate_series(1000, 1100) g");
  refresh_stream_table(conn(), "nb_full");
  expect_st_matches_query(conn(), "nb_full", "SELECT id, v FROM nb_src WHERE v % 2 = 0");
}

TEST_F(RefreshNeverBlocksReaders, DifferentialRecomputeAndReinitialize) {
  conn().exec("CREATE TABLE nb_keys (id int PRIMARY KEY, g int)");
  conn().exec("INSERT INTO nb_keys SELECT i, i % 10 FROM generate_series(1, 1000) i");
  const std::string query = "SELECT g, count(*) AS n FROM nb_keys GROUP BY g";
  create_stream_table(conn(), "nb_diff", query, "DIFFERENTIAL");
  std::string before;
  auto reader = open_reader("nb_diff", &before);
  // Many changes against a small ratio: the refresh recomputes.
  conn().exec("UPDATE nb_keys SET g = g + 1 WHERE id <= 600");
  conn().exec("SET pg_trickle.differential_max_change_ratio = 0.01");
  run_unblocked(refresh_stream_table_sql("nb_diff"));
  conn().exec("RESET pg_trickle.differential_max_change_ratio");
  EXPECT_EQ(last_refresh(conn(), "nb_diff").action, "FULL") << describe(last_refresh(conn(), "nb_diff"));
  EXPECT_EQ(reader->scalar("SELECT count(*) FROM nb_diff"), before);
  reader->exec("COMMIT");
  expect_st_matches_query(conn(), "nb_diff", query);

  // Its source's key dropped, the identities change kind: the identity index
  // of the other kind is rebuilt (which needs the table alone) and the
  // result is right, duplicates included.
  conn().exec("ALTER TABLE nb_keys DROP CONSTRAINT nb_keys_pkey");
  conn().exec("INSERT INTO nb_keys VALUES (1, 1)");
  refresh_stream_table(conn(), "nb_diff");
  expect_st_matches_query(conn(), "nb_diff", query);
}

TEST_F(RefreshNeverBlocksReaders, ImmediateRecomputeInsideAWriter) {
  conn().exec("CREATE TABLE nb_imm (id int PRIMARY KEY, g int)");
  conn().exec("INSERT INTO nb_imm SELECT i, i % 5 FROM generate_series(1, 200) i");
  const std::string query = "SELECT g, count(*) AS n FROM nb_imm GROUP BY g";
  create_stream_table(conn(), "nb_imm_st", query, "IMMEDIATE");
  std::string before;
  auto reader = open_reader("nb_imm_st", &before);
  // TRUNCATE of the source recomputes the stream table inside the statement.
  run_unblocked("TRUNCATE nb_imm");
  run_unblocked("INSERT INTO nb_imm SELECT i, i % 3 FROM generate_series(1, 30) i");
  run_unblocked(refresh_stream_table_sql("nb_imm_st"));
  EXPECT_EQ(reader->scalar("SELECT count(*) FROM nb_imm_st"), before);
  reader->exec("COMMIT");
  expect_st_matches_query(conn(), "nb_imm_st", query);
}

}  // namespace
}  // namespace pgt_e2e
