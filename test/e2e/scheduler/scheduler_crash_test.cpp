// A scheduler killed with SIGKILL: the postmaster restarts the whole cluster
// (crash recovery), the launcher starts the scheduler again, the refresh the
// dead scheduler was running is marked FAILED, and refreshing goes on.
// Crash recovery also empties the (unlogged) change buffers: the stream
// tables whose changes were lost are refreshed FULL. It empties unlogged
// sources too: their stream tables follow (their buffers are unlogged even
// with pg_trickle.unlogged_change_buffers off).
//
// DISABLED_: it takes the whole cluster down, so it must not run while other
// tests do. scripts/test.sh runs it in a phase of its own
// (--gtest_also_run_disabled_tests --gtest_filter='SchedulerCrash.*').
#include <gtest/gtest.h>

#include <csignal>
#include <thread>

#include "change_buffer.h"
#include "oracle.h"
#include "refresh_history.h"
#include "scheduler_support.h"

namespace pgt_e2e {
namespace {

class SchedulerCrash : public SchedulerDb {};

// A new session once the server accepts connections again (and answers).
std::unique_ptr<PgConn> reconnect() {
  std::unique_ptr<PgConn> c;
  wait_until([&] {
    try {
      c = TestDb::connect();
      c->exec("SELECT 1");
      return true;
    } catch (const std::exception&) {
      c.reset();
      return false;
    }
  }, std::chrono::seconds(60));
  return c;
}

TEST_F(SchedulerCrash, DISABLED_SchedulerKilledWithSigkillComesBackAfterCrashRecovery) {
  conn().exec("CREATE TABLE sk_src (id int PRIMARY KEY)");
  conn().exec("INSERT INTO sk_src SELECT generate_series(1, 5)");
  create_scheduled(conn(), "sk_slow", "SELECT id FROM sk_src, pg_sleep(2) s", "1s", "refresh_mode => 'FULL'");
  create_scheduled(conn(), "sk_fast", "SELECT id FROM sk_src", "1s");
  // Changes waiting in a buffer (its reader refreshes hourly).
  conn().exec("CREATE TABLE sk_lost_src (id int PRIMARY KEY, v int)");
  conn().exec("INSERT INTO sk_lost_src SELECT i, i FROM generate_series(1, 10) i");
  create_scheduled(conn(), "sk_lost", "SELECT v % 3 AS k, sum(v) AS s FROM sk_lost_src GROUP BY v % 3", "1h",
                   "refresh_mode => 'DIFFERENTIAL'");
  conn().exec("SET pg_trickle.unlogged_change_buffers = off");
  conn().exec("CREATE UNLOGGED TABLE sk_unlogged_src (id int PRIMARY KEY, v int)");
  conn().exec("INSERT INTO sk_unlogged_src SELECT i, i FROM generate_series(1, 10) i");
  create_scheduled(conn(), "sk_unlogged", "SELECT id, v FROM sk_unlogged_src", "1h", "refresh_mode => 'DIFFERENTIAL'");
  conn().exec("CREATE TABLE sk_made_unlogged_src (id int PRIMARY KEY, v int)");
  conn().exec("INSERT INTO sk_made_unlogged_src SELECT i, i FROM generate_series(1, 10) i");
  create_scheduled(conn(), "sk_made_unlogged", "SELECT id, v FROM sk_made_unlogged_src", "1h",
                   "refresh_mode => 'DIFFERENTIAL'");
  conn().exec("ALTER TABLE sk_made_unlogged_src SET UNLOGGED");
  conn().exec("RESET pg_trickle.unlogged_change_buffers");
  conn().exec("UPDATE sk_lost_src SET v = v * 10 WHERE id <= 5");
  conn().exec("DELETE FROM sk_lost_src WHERE id = 10");
  ASSERT_GT(change_buffer_rows(conn(), "sk_lost_src"), 0);
  ASSERT_TRUE(wait_until([&] {
    return conn().scalar("SELECT count(*) FROM pgtrickle.get_refresh_history('sk_slow', 5) WHERE status = 'RUNNING'") == "1";
  }));
  int pid = scheduler_pid(conn(), db_name());
  ASSERT_NE(pid, 0);
  // The test cluster runs with synchronous_commit = off: give the WAL writer
  // (wal_writer_delay 200 ms) time to flush the RUNNING row's commit, which
  // crash recovery would otherwise lose along with the row.
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  if (kill(pid, SIGKILL) != 0) GTEST_SKIP() << "cannot signal the server's processes (run as root or as its owner)";
  // The postmaster ends every session, ours too.
  EXPECT_TRUE(wait_until([&] {
    try {
      return !conn().try_exec("SELECT 1").ok;
    } catch (const std::exception&) {
      return true;
    }
  }));

  auto c = reconnect();
  ASSERT_TRUE(c) << "the server did not come back";
  EXPECT_NE(wait_for_scheduler(*c, db_name(), pid), 0);
  EXPECT_TRUE(wait_until([&] {
    return c->scalar("SELECT count(*) FROM pgtrickle.get_refresh_history('sk_slow', 20) "
                     "WHERE status = 'FAILED' AND error_message LIKE 'interrupted:%'") == "1";
  }));
  // The buffer came back empty: the restarted scheduler made its reader
  // forget its frontier, so the next refresh recomputes it.
  EXPECT_EQ(change_buffer_rows(*c, "sk_lost_src"), 0);
  EXPECT_TRUE(wait_until([&] {
    return c->scalar("SELECT frontier IS NULL FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'sk_lost'") == "t";
  }));
  c->exec("SELECT pgtrickle.refresh_stream_table('sk_lost')");
  EXPECT_EQ(last_refresh(*c, "sk_lost").action, "FULL");
  EXPECT_TRUE(st_matches_query(*c, "sk_lost", "SELECT v % 3 AS k, sum(v) AS s FROM sk_lost_src GROUP BY v % 3"));
  c->exec("UPDATE sk_lost_src SET v = v + 1 WHERE id = 1");
  c->exec("SELECT pgtrickle.refresh_stream_table('sk_lost')");
  EXPECT_EQ(last_refresh(*c, "sk_lost").action, "DIFFERENTIAL");
  EXPECT_TRUE(st_matches_query(*c, "sk_lost", "SELECT v % 3 AS k, sum(v) AS s FROM sk_lost_src GROUP BY v % 3"));

  // The unlogged sources are empty: so are their stream tables, after a FULL
  // refresh that says why.
  for (const char* st : {"sk_unlogged", "sk_made_unlogged"}) {
    SCOPED_TRACE(st);
    c->exec(std::string("SELECT pgtrickle.refresh_stream_table('") + st + "')");
    EXPECT_EQ(last_refresh(*c, st).action, "FULL");
    EXPECT_EQ(c->scalar(std::string("SELECT count(*) FROM ") + st), "0");
  }
  c->exec("INSERT INTO sk_unlogged_src VALUES (1, 1)");
  c->exec("SELECT pgtrickle.refresh_stream_table('sk_unlogged')");
  EXPECT_TRUE(st_matches_query(*c, "sk_unlogged", "SELECT id, v FROM sk_unlogged_src"));

  c->exec("SELECT pgtrickle.alter_stream_table('sk_slow', status => 'SUSPENDED')");
  c->exec("INSERT INTO sk_src VALUES (6)");
  EXPECT_TRUE(wait_until([&] { return c->scalar("SELECT count(*) FROM sk_fast") == "6"; }));
}

}  // namespace
}  // namespace pgt_e2e
