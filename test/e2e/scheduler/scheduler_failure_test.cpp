// Failures of scheduled refreshes: a stream table whose refresh keeps failing
// is suspended after pg_trickle.max_consecutive_errors failures, with its last
// error kept, FAILED history rows and a pg_trickle_alert notification, while
// the others keep refreshing; alter_stream_table(status => 'ACTIVE') resumes
// it. A refresh interrupted by the scheduler's death leaves a RUNNING row the
// next scheduler marks FAILED. Manual refreshes and the scheduler never apply
// the same changes twice.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "oracle.h"
#include "scheduler_support.h"

namespace pgt_e2e {
namespace {

class SchedulerFailure : public SchedulerDb {};

// Notifications received so far on the connection.
std::vector<std::string> notifications(PgConn& listener) {
  std::vector<std::string> out;
  PQconsumeInput(listener.raw());
  while (PGnotify* n = PQnotifies(listener.raw())) {
    out.emplace_back(n->extra);
    PQfreemem(n);
  }
  return out;
}

TEST_F(SchedulerFailure, FailingTableIsSuspendedAlertedAndResumedWhileOthersRefresh) {
  conn().exec("CREATE TABLE sx_src (id int PRIMARY KEY, divisor int)");
  conn().exec("INSERT INTO sx_src SELECT g, 1 + g % 3 FROM generate_series(1, 30) g");
  // A stable function that fails while sx_flag says so: the refresh fails
  // for a reason the user can fix without touching the changed rows.
  conn().exec("CREATE TABLE sx_flag (broken bool)");
  conn().exec("INSERT INTO sx_flag VALUES (false)");
  conn().exec("CREATE FUNCTION sx_quotient(n int, d int) RETURNS int LANGUAGE sql STABLE AS "
              "'SELECT CASE WHEN (SELECT broken FROM public.sx_flag) THEN n / 0 ELSE n / d END'");
  create_scheduled(conn(), "sx_ratio", "SELECT id, sx_quotient(60, divisor) AS q FROM sx_src", "1s");
  create_scheduled(conn(), "sx_healthy", "SELECT id, divisor FROM sx_src", "1s");
  auto listener = connect();
  listener->exec("LISTEN pg_trickle_alert");

  conn().exec("UPDATE sx_flag SET broken = true");
  conn().exec("INSERT INTO sx_src VALUES (100, 4)");  // every refresh of sx_ratio now fails
  ASSERT_TRUE(wait_until([&] { return st_status(conn(), "sx_ratio") == "SUSPENDED"; }))
      << conn().scalar("SELECT consecutive_errors FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'sx_ratio'");
  auto row = conn().query("SELECT consecutive_errors, last_error_message FROM pgtrickle.pgt_status() "
                          "WHERE name = 'public.sx_ratio'");
  EXPECT_EQ(*row[0][0], "3");
  EXPECT_EQ(*row[0][1], "division by zero");
  EXPECT_EQ(scheduler_refreshes(conn(), "sx_ratio", "FAILED"), 3);
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM pgtrickle.get_refresh_history('sx_ratio', 10) "
                          "WHERE status = 'FAILED' AND error_message = 'division by zero'"),
            "3");

  std::vector<std::string> alerts;
  ASSERT_TRUE(wait_until([&] {
    for (auto& a : notifications(*listener)) alerts.push_back(a);
    return !alerts.empty();
  }));
  ASSERT_EQ(alerts.size(), 1u);
  auto alert = conn().query("SELECT a->>'event', a->>'pgt_schema', a->>'pgt_name', a->>'error', "
                            "a->>'consecutive_errors' FROM (SELECT " + quote_literal(alerts[0]) + "::json a) x");
  EXPECT_EQ(format_row(alert[0]), "('suspended', 'public', 'sx_ratio', 'division by zero', '3')");

  // The healthy table kept up (it saw the bad row too), and keeps refreshing.
  EXPECT_TRUE(wait_until([&] { return bool(st_matches_query(conn(), "sx_healthy", "SELECT id, divisor FROM sx_src")); }));
  conn().exec("INSERT INTO sx_src VALUES (101, 5)");
  EXPECT_TRUE(wait_until([&] { return bool(st_matches_query(conn(), "sx_healthy", "SELECT id, divisor FROM sx_src")); }));
  // A suspended table is left alone.
  EXPECT_EQ(scheduler_refreshes(conn(), "sx_ratio", "FAILED"), 3);

  // Fix the cause, resume: refreshed again, errors cleared.
  conn().exec("UPDATE sx_flag SET broken = false");
  conn().exec("SELECT pgtrickle.alter_stream_table('sx_ratio', status => 'ACTIVE')");
  EXPECT_TRUE(wait_until([&] { return scheduler_refreshes(conn(), "sx_ratio") > 0; }));
  expect_st_matches_query(conn(), "sx_ratio", "SELECT id, 60 / divisor AS q FROM sx_src");
  EXPECT_EQ(scheduler_refreshes(conn(), "sx_ratio", "FAILED"), 3);
  row = conn().query("SELECT status, consecutive_errors, last_error_message FROM pgtrickle.pgt_status() "
                     "WHERE name = 'public.sx_ratio'");
  EXPECT_EQ(format_row(row[0]), "('ACTIVE', '0', NULL)");
}

TEST_F(SchedulerFailure, LockTimeoutsAreRetriedWithoutCountingTowardsSuspension) {
  conn().exec("CREATE TABLE sl_src (id int PRIMARY KEY)");
  create_scheduled(conn(), "sl_st", "SELECT id FROM sl_src", "1s");
  conn().exec("INSERT INTO sl_src VALUES (1)");
  // A long transaction holds the source: the scheduler's refresh gives up
  // after its lock_timeout (1 s) instead of queueing, and tries again.
  auto holder = connect();
  holder->exec("BEGIN");
  holder->exec("LOCK TABLE sl_src IN ACCESS EXCLUSIVE MODE");
  bool retried = wait_until([&] { return scheduler_refreshes(conn(), "sl_st", "FAILED") >= 2; });
  auto state = conn().query("SELECT status, consecutive_errors FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'sl_st'");
  holder->exec("ROLLBACK");
  EXPECT_TRUE(retried);
  EXPECT_EQ(format_row(state[0]), "('ACTIVE', '0')");
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM pgtrickle.get_refresh_history('sl_st', 20) WHERE status = 'FAILED' "
                          "AND error_message NOT LIKE '%lock%'"),
            "0");
  EXPECT_TRUE(wait_until([&] { return conn().scalar("SELECT count(*) FROM sl_st") == "1"; }));
  EXPECT_EQ(conn().scalar("SELECT last_error_message IS NULL FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'sl_st'"),
            "t");
}

TEST_F(SchedulerFailure, RefreshInterruptedByTheSchedulersDeathIsMarkedFailed) {
  conn().exec("CREATE TABLE si_src (id int PRIMARY KEY)");
  conn().exec("INSERT INTO si_src SELECT generate_series(1, 5)");
  // FULL mode allows a volatile function: each refresh takes two seconds.
  create_scheduled(conn(), "si_slow", "SELECT id FROM si_src, pg_sleep(2) s", "1s", "refresh_mode => 'FULL'");
  auto running = [&] {
    return conn().scalar("SELECT count(*) FROM pgtrickle.get_refresh_history('si_slow', 5) WHERE status = 'RUNNING'");
  };
  ASSERT_TRUE(wait_until([&] { return running() == "1"; }));
  int pid = scheduler_pid(conn(), db_name());
  ASSERT_NE(pid, 0);
  conn().exec("SELECT pg_terminate_backend(" + std::to_string(pid) + ")");
  // The next scheduler marks the orphan FAILED (and goes on refreshing).
  ASSERT_NE(wait_for_scheduler(conn(), db_name(), pid), 0);
  EXPECT_TRUE(wait_until([&] {
    return conn().scalar("SELECT count(*) FROM pgtrickle.get_refresh_history('si_slow', 20) "
                         "WHERE status = 'FAILED' AND error_message LIKE 'interrupted:%'") == "1";
  }));
  conn().exec("SELECT pgtrickle.alter_stream_table('si_slow', status => 'SUSPENDED')");
}

TEST_F(SchedulerFailure, ManualRefreshesAndTheSchedulerNeverApplyChangesTwice) {
  conn().exec("CREATE TABLE sm_src (id int PRIMARY KEY, v int)");
  conn().exec("INSERT INTO sm_src SELECT g, g FROM generate_series(1, 100) g");
  const std::string query = "SELECT id, v FROM sm_src WHERE v % 2 = 0";
  create_scheduled(conn(), "sm_st", query, "1s");
  std::atomic<bool> stop{false};
  std::string errors;
  std::thread manual([&] {
    try {
      auto m = connect();
      while (!stop) {
        m->exec("SELECT pgtrickle.refresh_stream_table('sm_st')");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    } catch (const std::exception& e) {
      errors = e.what();
    }
  });
  for (int i = 0; i < 150; i++) {
    conn().exec("INSERT INTO sm_src VALUES (" + std::to_string(1000 + i) + ", " + std::to_string(i) + ")");
    conn().exec("UPDATE sm_src SET v = v + 1 WHERE id = " + std::to_string(1 + i % 100));
    if (i % 10 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  stop = true;
  manual.join();
  EXPECT_EQ(errors, "");
  EXPECT_TRUE(wait_until([&] { return bool(st_matches_query(conn(), "sm_st", query)); }))
      << st_matches_query(conn(), "sm_st", query).message();
  EXPECT_EQ(scheduler_refreshes(conn(), "sm_st", "FAILED"), 0);
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM pgtrickle.pgt_refresh_history WHERE status = 'RUNNING'"), "0");
}

}  // namespace
}  // namespace pgt_e2e
