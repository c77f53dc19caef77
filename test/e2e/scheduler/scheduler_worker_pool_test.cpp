// pgtrickle.worker_pool_status(): active_workers counts the refreshes of this
// database running in refresh workers, read from the scheduler's shared
// state: it rises while independent slow tables are refreshed at once, stays
// within the settings it reports, and falls back to 0 when they stop.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "scheduler_support.h"

namespace pgt_e2e {
namespace {

class SchedulerWorkerPool : public SchedulerDb {};

TEST_F(SchedulerWorkerPool, ActiveWorkersFollowRefreshesRunningInWorkers) {
  EXPECT_EQ(conn().scalar("SELECT active_workers FROM pgtrickle.worker_pool_status()"), "0");
  conn().exec("CREATE TABLE wp_src (id int PRIMARY KEY)");
  conn().exec("INSERT INTO wp_src SELECT generate_series(1, 3)");
  // FULL mode allows pg_sleep: each refresh takes about a second.
  for (int i = 1; i <= 3; i++)
    create_scheduled(conn(), "wp_slow" + std::to_string(i), "SELECT id FROM wp_src, pg_sleep(1) s", "1s",
                     "refresh_mode => 'FULL'");
  int cap = std::stoi(conn().scalar("SELECT least(max_workers, per_db_cap) FROM pgtrickle.worker_pool_status()"));
  int most = 0;
  EXPECT_TRUE(wait_until([&] {
    most = std::max(most, std::stoi(conn().scalar("SELECT active_workers FROM pgtrickle.worker_pool_status()")));
    return most >= 2;
  }));
  EXPECT_LE(most, cap);
  EXPECT_EQ(conn().scalar("SELECT parallel_mode FROM pgtrickle.worker_pool_status()"), "on");
  conn().exec("SELECT pgtrickle.alter_stream_table(name, status => 'SUSPENDED') FROM "
              "(VALUES ('wp_slow1'), ('wp_slow2'), ('wp_slow3')) v(name)");
  EXPECT_TRUE(wait_until(
      [&] { return conn().scalar("SELECT active_workers FROM pgtrickle.worker_pool_status()") == "0"; }));
}

}  // namespace
}  // namespace pgt_e2e
