// The scheduler keeps stream tables fresh by itself: a chain of three stream
// tables (each reading the previous) follows random DML on its source without
// any manual refresh, in dependency order, and matches the oracle.
#include <gtest/gtest.h>

#include <thread>

#include "oracle.h"
#include "scheduler_support.h"

namespace pgt_e2e {
namespace {

class SchedulerChain : public SchedulerDb {};

constexpr const char* kQueryA = "SELECT id, grp, amount FROM sc_src WHERE amount >= 10";
constexpr const char* kQueryB = "SELECT id, grp, amount * 2 AS doubled FROM sc_a";
constexpr const char* kQueryC = "SELECT b.id, g.label, b.doubled FROM sc_b b JOIN sc_groups g ON g.grp = b.grp";
// C in terms of the sources only, for the oracle.
constexpr const char* kOracleC =
    "SELECT s.id, g.label, s.amount * 2 AS doubled FROM sc_src s JOIN sc_groups g ON g.grp = s.grp "
    "WHERE s.amount >= 10";

TEST_F(SchedulerChain, ThreeStreamTablesFollowTheirSourceWithoutManualRefresh) {
  conn().exec("CREATE TABLE sc_src (id int PRIMARY KEY, grp int, amount int)");
  conn().exec("CREATE TABLE sc_groups (grp int PRIMARY KEY, label text)");
  conn().exec("INSERT INTO sc_src SELECT g, g % 5, g % 40 FROM generate_series(1, 500) g");
  conn().exec("INSERT INTO sc_groups SELECT g, 'group ' || g FROM generate_series(0, 4) g");
  create_scheduled(conn(), "sc_a", kQueryA, "1s");
  create_scheduled(conn(), "sc_b", kQueryB, "calculated");  // takes the tightest reader's: 1s
  create_scheduled(conn(), "sc_c", kQueryC, "1s");
  EXPECT_EQ(conn().scalar("SELECT string_agg(effective_refresh_mode, ',' ORDER BY pgt_name) "
                          "FROM pgtrickle.pgt_stream_tables"),
            "DIFFERENTIAL,DIFFERENTIAL,DIFFERENTIAL");

  for (int round = 0; round < 4; round++) {
    conn().exec("INSERT INTO sc_src SELECT g, g % 5, g % 40 FROM generate_series(" + std::to_string(1000 + round * 50) +
                ", " + std::to_string(1049 + round * 50) + ") g");
    conn().exec("UPDATE sc_src SET amount = amount + 7 WHERE id % 17 = " + std::to_string(round));
    conn().exec("DELETE FROM sc_src WHERE id % 23 = " + std::to_string(round));
    conn().exec("UPDATE sc_groups SET label = label || '+' WHERE grp = " + std::to_string(round));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  // No manual refresh: the scheduler catches up within its schedules.
  EXPECT_TRUE(wait_until([&] { return bool(st_matches_query(conn(), "sc_c", kOracleC)); }))
      << st_matches_query(conn(), "sc_c", kOracleC).message();
  expect_st_matches_query(conn(), "sc_a", kQueryA);
  expect_st_matches_query(conn(), "sc_b", "SELECT id, grp, amount * 2 AS doubled FROM sc_src WHERE amount >= 10");
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM pgtrickle.pgt_refresh_history WHERE initiated_by = 'MANUAL'"), "0");
  for (const char* st : {"sc_a", "sc_b", "sc_c"}) EXPECT_GT(scheduler_refreshes(conn(), st), 0) << st;

  // Upstream first: the refresh that brought each reader up to date started
  // after its source's last refresh had ended.
  auto last = [&](const char* st, const char* column) {
    return "(SELECT max(h." + std::string(column) + ") FROM pgtrickle.pgt_refresh_history h JOIN "
           "pgtrickle.pgt_stream_tables s USING (pgt_id) WHERE s.pgt_name = '" + st + "')";
  };
  EXPECT_EQ(conn().scalar("SELECT " + last("sc_b", "start_time") + " >= " + last("sc_a", "end_time")), "t");
  EXPECT_EQ(conn().scalar("SELECT " + last("sc_c", "start_time") + " >= " + last("sc_b", "end_time")), "t");
}

TEST_F(SchedulerChain, QuietStreamTablesAreNotRefreshedAndLeaveNoHistory) {
  conn().exec("CREATE TABLE sq_src (id int PRIMARY KEY, v int)");
  conn().exec("INSERT INTO sq_src SELECT g, g FROM generate_series(1, 10) g");
  create_scheduled(conn(), "sq_st", "SELECT id, v FROM sq_src", "1s");
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  // Nothing changed: no refresh, not even NO_DATA rows.
  EXPECT_EQ(scheduler_refreshes(conn(), "sq_st"), 0);
  // A change is applied promptly (the commit wakes the scheduler).
  conn().exec("INSERT INTO sq_src VALUES (11, 11)");
  EXPECT_TRUE(wait_until([&] { return conn().scalar("SELECT count(*) FROM sq_st") == "11"; }));
  EXPECT_EQ(scheduler_refreshes(conn(), "sq_st"), 1);
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM pgtrickle.get_refresh_history('sq_st', 10) WHERE action = 'NO_DATA'"), "0");
}

TEST_F(SchedulerChain, CronAndCalculatedSchedulesRefreshByThemselves) {
  conn().exec("CREATE TABLE scr_src (id int PRIMARY KEY)");
  create_scheduled(conn(), "scr_cron", "SELECT id FROM scr_src", "*/2 * * * * *");  // every 2 s (6 fields)
  create_scheduled(conn(), "scr_calc", "SELECT id FROM scr_src", "calculated");   // nobody reads it
  conn().exec("INSERT INTO scr_src SELECT generate_series(1, 3)");
  EXPECT_TRUE(wait_until([&] { return conn().scalar("SELECT count(*) FROM scr_cron") == "3"; }));
  EXPECT_TRUE(wait_until([&] { return conn().scalar("SELECT count(*) FROM scr_calc") == "3"; }));
  // The cron table refreshed at a firing: an even second.
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM pgtrickle.get_refresh_history('scr_cron', 5) "
                          "WHERE initiated_by = 'SCHEDULER' AND floor(extract(second FROM start_time))::int % 2 <> 0"),
            "0");
}

TEST_F(SchedulerChain, FullModeTablesAreRecomputedEveryPeriod) {
  conn().exec("CREATE TABLE sf_src (id int PRIMARY KEY, v int)");
  conn().exec("INSERT INTO sf_src SELECT g, g FROM generate_series(1, 10) g");
  create_scheduled(conn(), "sf_st", "SELECT count(*) AS n, sum(v) AS s FROM sf_src", "1s",
                   "refresh_mode => 'FULL'");
  conn().exec("INSERT INTO sf_src VALUES (11, 100)");
  EXPECT_TRUE(wait_until([&] { return conn().scalar("SELECT n || '/' || s FROM sf_st") == "11/155"; }));
  EXPECT_GT(scheduler_refreshes(conn(), "sf_st"), 0);
}

TEST_F(SchedulerChain, MonitoringShowsScheduleStalenessAndHistory) {
  conn().exec("CREATE TABLE sm_src (id int PRIMARY KEY, v int)");
  create_scheduled(conn(), "sm_st", "SELECT id, v FROM sm_src", "2s");
  conn().exec("INSERT INTO sm_src VALUES (1, 1)");
  ASSERT_TRUE(wait_until([&] { return scheduler_refreshes(conn(), "sm_st") == 1; }));
  auto row = conn().query("SELECT schedule, status, staleness IS NOT NULL, last_refresh_at IS NOT NULL "
                          "FROM pgtrickle.pgt_status() WHERE name = 'public.sm_st'");
  ASSERT_EQ(row.size(), 1u);
  EXPECT_EQ(*row[0][0], "2s");
  EXPECT_EQ(*row[0][1], "ACTIVE");
  EXPECT_EQ(*row[0][2], "t");
  EXPECT_EQ(*row[0][3], "t");
  EXPECT_EQ(conn().scalar("SELECT initiated_by || ':' || status FROM pgtrickle.get_refresh_history('sm_st', 1)"),
            "SCHEDULER:COMPLETED");
  EXPECT_EQ(conn().scalar("SELECT successful_refreshes FROM pgtrickle.st_refresh_stats() WHERE pgt_name = 'sm_st'"),
            "2");  // the initial one and the scheduled one
}

}  // namespace
}  // namespace pgt_e2e
