// Parallel refresh: independent stream tables are refreshed at the same time
// by dynamic refresh workers (at most pg_trickle.max_dynamic_refresh_workers
// per database), while a table reading another still waits for it, and a
// quick table is not held up by slow ones.
#include <gtest/gtest.h>

#include <thread>

#include "scheduler_support.h"

namespace pgt_e2e {
namespace {

class SchedulerParallel : public SchedulerDb {};

TEST_F(SchedulerParallel, IndependentTablesRefreshConcurrentlyAndReadersAfterTheirSources) {
  conn().exec("CREATE TABLE sp_src (id int PRIMARY KEY)");
  conn().exec("INSERT INTO sp_src SELECT generate_series(1, 5)");
  // FULL mode allows pg_sleep: each refresh takes about a second.
  for (int i = 1; i <= 3; i++)
    create_scheduled(conn(), "sp_slow" + std::to_string(i), "SELECT id FROM sp_src, pg_sleep(1) s", "2s",
                     "refresh_mode => 'FULL'");
  create_scheduled(conn(), "sp_reader", "SELECT id FROM sp_slow1, pg_sleep(0.5) s", "2s", "refresh_mode => 'FULL'");
  conn().exec("CREATE TABLE sp_fsrc (id int PRIMARY KEY)");
  create_scheduled(conn(), "sp_fast", "SELECT id FROM sp_fsrc", "1s");

  // Two scheduled refreshes of different independent tables that overlapped in time.
  const std::string overlaps =
      "SELECT count(*) FROM pgtrickle.pgt_refresh_history a JOIN pgtrickle.pgt_refresh_history b "
      "ON a.pgt_id < b.pgt_id AND a.start_time < b.end_time AND b.start_time < a.end_time "
      "JOIN pgtrickle.pgt_stream_tables sa ON sa.pgt_id = a.pgt_id "
      "JOIN pgtrickle.pgt_stream_tables sb ON sb.pgt_id = b.pgt_id "
      "WHERE a.initiated_by = 'SCHEDULER' AND b.initiated_by = 'SCHEDULER' "
      "AND a.status = 'COMPLETED' AND b.status = 'COMPLETED' ";
  EXPECT_TRUE(wait_until([&] {
    return conn().scalar(overlaps + "AND sa.pgt_name LIKE 'sp_slow%' AND sb.pgt_name LIKE 'sp_slow%'") != "0";
  }));
  EXPECT_TRUE(wait_until([&] { return scheduler_refreshes(conn(), "sp_reader") >= 2; }));
  // Meanwhile a quick table keeps being refreshed: the scheduler does not
  // wait for the slow ones to finish before it looks again.
  for (int i = 1; i <= 20; i++) {
    conn().exec("INSERT INTO sp_fsrc VALUES (" + std::to_string(i) + ")");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_TRUE(wait_until([&] { return conn().scalar("SELECT count(*) FROM sp_fast") == "20"; }));
  EXPECT_NE(conn().scalar("SELECT count(*) FROM pgtrickle.pgt_refresh_history f "
                          "JOIN pgtrickle.pgt_stream_tables fs ON fs.pgt_id = f.pgt_id AND fs.pgt_name = 'sp_fast' "
                          "JOIN pgtrickle.pgt_refresh_history s ON s.start_time < f.start_time AND f.end_time < s.end_time "
                          "JOIN pgtrickle.pgt_stream_tables ss ON ss.pgt_id = s.pgt_id AND ss.pgt_name LIKE 'sp_slow%' "
                          "WHERE f.initiated_by = 'SCHEDULER' AND s.initiated_by = 'SCHEDULER'"),
            "0");
  // The reader never ran while its source was being refreshed.
  EXPECT_EQ(conn().scalar(overlaps + "AND (sa.pgt_name, sb.pgt_name) = ('sp_slow1', 'sp_reader')"), "0");
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM pgtrickle.pgt_refresh_history WHERE status = 'FAILED'"), "0");
  conn().exec("SELECT pgtrickle.alter_stream_table(name, status => 'SUSPENDED') FROM "
              "(VALUES ('sp_slow1'), ('sp_slow2'), ('sp_slow3'), ('sp_reader'), ('sp_fast')) v(name)");
}

}  // namespace
}  // namespace pgt_e2e
