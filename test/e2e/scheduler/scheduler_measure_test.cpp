// Measurements (not pass/fail on timings; run by hand):
//   ./test/e2e/pgt_e2e_tests --gtest_also_run_disabled_tests --gtest_filter='SchedulerMeasure.*'
// * commit-to-visible latency of a '1s' stream table under a steady trickle
//   of writes (20 commits/s for 15 s) and under sparse writes (one every
//   1.5 s): time from a writer's COMMIT returning to a reader first seeing
//   the row in the stream table;
// * CPU used by the scheduler (and launcher) in 30 s while 100 stream tables
//   have nothing to do.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <unistd.h>

#include "scheduler_support.h"

namespace pgt_e2e {
namespace {

using Clock = std::chrono::steady_clock;

class SchedulerMeasure : public SchedulerDb {};

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// Writes `count` rows `gap` apart; returns latencies (ms), sorted.
std::vector<double> latencies(PgConn& conn, const std::string& table, int first_id, int count,
                              std::chrono::milliseconds gap) {
  std::map<int, Clock::time_point> committed, seen;
  std::mutex mutex;
  std::atomic<bool> done{false};
  std::thread reader([&] {
    auto r = TestDb::connect();
    int last = first_id - 1;
    const int final_id = first_id + count - 1;
    Clock::time_point give_up = Clock::time_point::max();
    while (last < final_id && Clock::now() < give_up) {
      auto max = r->scalar_or_null("SELECT max(id) FROM " + table + "_st");
      auto now = Clock::now();
      int m = max ? std::stoi(*max) : 0;
      for (int id = last + 1; id <= m; id++) {
        std::lock_guard<std::mutex> lock(mutex);
        seen[id] = now;
      }
      last = std::max(last, m);
      if (done && give_up == Clock::time_point::max()) give_up = now + std::chrono::seconds(10);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  for (int i = 0; i < count; i++) {
    int id = first_id + i;
    conn.exec("INSERT INTO " + table + " VALUES (" + std::to_string(id) + ")");
    {
      std::lock_guard<std::mutex> lock(mutex);
      committed[id] = Clock::now();
    }
    std::this_thread::sleep_for(gap);
  }
  done = true;
  reader.join();
  std::vector<double> out;
  for (auto& [id, t] : committed)
    if (seen.count(id)) out.push_back(std::max(0.0, ms_between(t, seen[id])));
  std::sort(out.begin(), out.end());
  return out;
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t i = std::min(sorted.size() - 1, static_cast<size_t>(p * (sorted.size() - 1) + 0.5));
  return sorted[i];
}

TEST_F(SchedulerMeasure, DISABLED_CommitToVisibleLatency) {
  conn().exec("CREATE TABLE lat_src (id int PRIMARY KEY)");
  create_scheduled(conn(), "lat_src_st", "SELECT id FROM lat_src", "1s");
  for (auto [label, count, gap] : {std::make_tuple("steady trickle, 20 commits/s", 300, 50),
                                   std::make_tuple("sparse, one commit every 1.5 s", 10, 1500)}) {
    static int next_id = 1;
    auto l = latencies(conn(), "lat_src", next_id, count, std::chrono::milliseconds(gap));
    next_id += count;
    EXPECT_EQ(static_cast<int>(l.size()), count);
    std::printf("[ measure  ] '1s' stream table, %s: %zu rows, commit-to-visible p50 %.0f ms, "
                "p99 %.0f ms, max %.0f ms\n",
                label, l.size(), percentile(l, 0.5), percentile(l, 0.99), l.empty() ? 0 : l.back());
  }
}

long cpu_ticks(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  std::istringstream in(line.substr(line.rfind(')') + 2));
  std::string field;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && in >> field; i++) {
    if (i == 14) utime = std::stol(field);
    if (i == 15) stime = std::stol(field);
  }
  return utime + stime;
}

TEST_F(SchedulerMeasure, DISABLED_IdleCpuWithHundredStreamTables) {
  conn().exec("CREATE TABLE idle_src (id int PRIMARY KEY, v int)");
  conn().exec("INSERT INTO idle_src SELECT g, g FROM generate_series(1, 100) g");
  for (int i = 0; i < 100; i++)
    create_scheduled(conn(), "idle_st" + std::to_string(i),
                     "SELECT id, v FROM idle_src WHERE v % 100 = " + std::to_string(i), "1s");
  int scheduler = wait_for_scheduler(conn(), db_name());
  int launcher = std::stoi(conn().scalar("SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_trickle launcher'"));
  ASSERT_NE(scheduler, 0);
  std::this_thread::sleep_for(std::chrono::seconds(3));  // settle
  long s0 = cpu_ticks(scheduler), l0 = cpu_ticks(launcher);
  std::this_thread::sleep_for(std::chrono::seconds(30));
  long s1 = cpu_ticks(scheduler), l1 = cpu_ticks(launcher);
  double hz = static_cast<double>(sysconf(_SC_CLK_TCK));
  std::printf("[ measure  ] idle, 100 stream tables ('1s'): scheduler %.2f s CPU in 30 s (%.2f%% of a core), "
              "launcher %.2f s\n",
              (s1 - s0) / hz, 100.0 * (s1 - s0) / hz / 30.0, (l1 - l0) / hz);
  EXPECT_EQ(scheduler_pid(conn(), db_name()), scheduler);
}

}  // namespace
}  // namespace pgt_e2e
