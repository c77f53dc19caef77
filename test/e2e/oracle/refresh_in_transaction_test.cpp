// A refresh inside a transaction that itself wrote to the source: the
// refresh includes the transaction's own changes so far (they are visible to
// its snapshot although not committed), and no later refresh applies them
// again — also across two refreshes in one transaction, a write after the
// refresh, rollback, savepoints, and other sessions committing meanwhile.
// The source is keyless with duplicates, so a change applied twice shows.
#include <gtest/gtest.h>

#include "drop_objects.h"
#include "oracle.h"
#include "refresh_history.h"
#include "stream_table.h"
#include "test_db.h"

namespace pgt_e2e {
namespace {

class RefreshInWritingTransaction : public TestDb {
 protected:
  void SetUp() override {
    TestDb::SetUp();
    conn().exec("SET pg_trickle.differential_max_change_ratio = 1000");
    // The suite's tests share a database: start from nothing.
    drop_stream_tables_and_tables(conn(), {scan_, join_}, {src_, dim_});
    conn().exec("CREATE TABLE " + src_ + " (k int, v text)");
    conn().exec("INSERT INTO " + src_ + " SELECT g % 6, 'v' || (g % 4) FROM generate_series(1, 60) g");
    conn().exec("CREATE TABLE " + dim_ + " (id int PRIMARY KEY, label text)");
    conn().exec("INSERT INTO " + dim_ + " SELECT g, 'L' || g FROM generate_series(0, 5) g");
    create_stream_table(conn(), scan_, scan_query(), "DIFFERENTIAL");
    create_stream_table(conn(), join_, join_query(), "DIFFERENTIAL");
  }

  std::string count_in(const std::string& st, const std::string& where) {
    return conn().scalar("SELECT count(*) FROM " + st + " WHERE " + where);
  }

  std::string scan_query() const { return "SELECT k, v FROM " + src_; }
  std::string join_query() const {
    return "SELECT s.k, s.v, d.label FROM " + src_ + " s JOIN " + dim_ + " d ON s.k = d.id";
  }

  // Refreshes both stream tables and checks them in the current transaction.
  void refresh_and_check(const std::string& when) {
    SCOPED_TRACE(when);
    refresh_stream_table(conn(), scan_);
    refresh_stream_table(conn(), join_);
    EXPECT_TRUE(st_matches_query(conn(), scan_, scan_query()));
    EXPECT_TRUE(st_matches_query(conn(), join_, join_query()));
  }

  void expect_last_actions(const std::string& action) {
    EXPECT_EQ(last_refresh(conn(), scan_).action, action) << describe(last_refresh(conn(), scan_));
    EXPECT_EQ(last_refresh(conn(), join_).action, action) << describe(last_refresh(conn(), join_));
  }

  // Inserts duplicates, updates a dimension row, deletes one physical row.
  void write(const std::string& tag) {
    conn().exec("INSERT INTO " + src_ + " VALUES (1, '" + tag + "'), (1, '" + tag + "'), (2, '" + tag + "')");
    conn().exec("UPDATE " + dim_ + " SET label = label || '" + tag + "' WHERE id = 1");
    conn().exec("DELETE FROM " + src_ + " WHERE ctid = (SELECT ctid FROM " + src_ + " WHERE k = 3 LIMIT 1)");
  }

  const std::string src_ = "tw_src";
  const std::string dim_ = "tw_dim";
  const std::string scan_ = "tw_scan";
  const std::string join_ = "tw_join";
};

TEST_F(RefreshInWritingTransaction, RefreshIncludesOwnChangesAndTheNextDoesNotReapplyThem) {
  conn().exec("BEGIN");
  write("own");
  refresh_and_check("refresh inside the writing transaction");
  EXPECT_EQ(count_in(scan_, "v = 'own'"), "3");
  conn().exec("COMMIT");
  refresh_and_check("refresh after commit");
  EXPECT_EQ(count_in(scan_, "v = 'own'"), "3");
  expect_last_actions("NO_DATA");
}

TEST_F(RefreshInWritingTransaction, TwoRefreshesWithAWriteBetweenInOneTransaction) {
  conn().exec("BEGIN");
  write("w1");
  refresh_and_check("first refresh in the transaction");
  write("w2");
  refresh_and_check("second refresh in the transaction");
  EXPECT_EQ(count_in(scan_, "v = 'w1'"), "3");
  EXPECT_EQ(count_in(scan_, "v = 'w2'"), "3");
  conn().exec("COMMIT");
  refresh_and_check("refresh after commit");
  EXPECT_EQ(count_in(scan_, "v IN ('w1', 'w2')"), "6");
  expect_last_actions("NO_DATA");
}

TEST_F(RefreshInWritingTransaction, WriteAfterTheRefreshInTheSameTransactionIsAppliedOnceLater) {
  conn().exec("BEGIN");
  write("w1");
  refresh_and_check("refresh in the transaction");
  write("w2");
  conn().exec("COMMIT");
  refresh_and_check("refresh after commit");
  EXPECT_EQ(count_in(scan_, "v = 'w1'"), "3");
  EXPECT_EQ(count_in(scan_, "v = 'w2'"), "3");
  expect_last_actions("DIFFERENTIAL");
  refresh_and_check("one more refresh");
  expect_last_actions("NO_DATA");
}

TEST_F(RefreshInWritingTransaction, RolledBackRefreshAndWritesLeaveNothingBehind) {
  conn().exec("BEGIN");
  write("gone");
  refresh_and_check("refresh in a transaction that will roll back");
  conn().exec("ROLLBACK");
  EXPECT_TRUE(st_matches_query(conn(), scan_, scan_query()));
  EXPECT_TRUE(st_matches_query(conn(), join_, join_query()));
  write("kept");
  refresh_and_check("refresh after the rollback");
  EXPECT_EQ(count_in(scan_, "v = 'gone'"), "0");
  EXPECT_EQ(count_in(scan_, "v = 'kept'"), "3");
}

TEST_F(RefreshInWritingTransaction, SavepointsAroundWritesAndRefreshes) {
  conn().exec("BEGIN");
  conn().exec("SAVEPOINT a");
  write("undone");
  conn().exec("ROLLBACK TO SAVEPOINT a");
  conn().exec("SAVEPOINT b");
  write("sub");
  conn().exec("RELEASE SAVEPOINT b");
  refresh_and_check("refresh after a rolled-back and a released subtransaction");
  EXPECT_EQ(count_in(scan_, "v = 'undone'"), "0");
  EXPECT_EQ(count_in(scan_, "v = 'sub'"), "3");
  // A refresh undone by ROLLBACK TO: its frontier goes with it.
  conn().exec("SAVEPOINT c");
  write("c");
  refresh_and_check("refresh inside savepoint c");
  conn().exec("ROLLBACK TO SAVEPOINT c");
  write("after_c");
  refresh_and_check("refresh after rolling back savepoint c");
  EXPECT_EQ(count_in(scan_, "v = 'c'"), "0");
  conn().exec("COMMIT");
  refresh_and_check("refresh after commit");
  EXPECT_EQ(count_in(scan_, "v IN ('sub', 'after_c')"), "6");
  expect_last_actions("NO_DATA");
}

TEST_F(RefreshInWritingTransaction, OtherSessionCommitsWhileTheTransactionIsOpen) {
  auto other = connect();
  conn().exec("BEGIN");
  write("mine");
  other->exec("INSERT INTO " + src_ + " VALUES (1, 'theirs'), (1, 'theirs')");
  refresh_and_check("refresh in the transaction, after the other session committed");
  other->exec("INSERT INTO " + src_ + " VALUES (2, 'theirs2')");
  conn().exec("COMMIT");
  refresh_and_check("refresh after commit");
  EXPECT_EQ(count_in(scan_, "v = 'mine'"), "3");
  EXPECT_EQ(count_in(scan_, "v = 'theirs'"), "2");
  EXPECT_EQ(count_in(scan_, "v = 'theirs2'"), "1");
}

}  // namespace
}  // namespace pgt_e2e
