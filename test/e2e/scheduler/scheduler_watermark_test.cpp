// Watermark groups with the scheduler running (the ETL recipes of the
// reference's SQL_REFERENCE): an ETL job loads a source and advances its
// watermark in one transaction; the scheduler refreshes a stream table over a
// group's sources only once every source of the group has a watermark and
// they are aligned within the group's tolerance; an advance still being
// committed holds the refresh; a watermark not advanced within
// pg_trickle.watermark_holdback_timeout holds it too, with a SKIPPED history
// row and watermark_stuck / watermark_resumed alerts.
#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "oracle.h"
#include "scheduler_support.h"

namespace pgt_e2e {
namespace {

class SchedulerWatermark : public SchedulerDb {
 protected:
  void SetUp() override {
    SchedulerDb::SetUp();
    // The suite's tests share its database: start from nothing.
    for (const char* st : {"wm_total", "wm_report", "wm_free"})
      conn().exec(std::string("SELECT pgtrickle.drop_stream_table(pgt_name) FROM pgtrickle.pgt_stream_tables "
                              "WHERE pgt_name = '") + st + "'");
    conn().exec("DROP TABLE IF EXISTS \"Wm Orders\", wm_lines, wm_other");
    conn().exec("SELECT pgtrickle.drop_watermark_group(group_name) FROM pgtrickle.watermark_groups()");
    // Small tables: the refreshes must stay DIFFERENTIAL, as they are checked.
    int old_pid = wait_for_scheduler(conn(), db_name());
    conn().exec("ALTER DATABASE " + quote_ident(db_name()) + " SET pg_trickle.differential_max_change_ratio = 1");
    conn().exec("SELECT pg_terminate_backend(" + std::to_string(old_pid) + ")");
    ASSERT_NE(wait_for_scheduler(conn(), db_name(), old_pid), 0);
  }
};

// Every history row of a stream table, whoever started it and whatever its status.
int history_rows(PgConn& conn, const std::string& st) {
  return std::stoi(conn.scalar("SELECT count(*) FROM pgtrickle.pgt_refresh_history h JOIN pgtrickle.pgt_stream_tables s "
                               "USING (pgt_id) WHERE s.pgt_name = " + quote_literal(st)));
}

std::string last_action(PgConn& conn, const std::string& st) {
  return conn.scalar("SELECT action || ' ' || h.status || ' ' || initiated_by FROM pgtrickle.pgt_refresh_history h "
                     "JOIN pgtrickle.pgt_stream_tables s USING (pgt_id) WHERE s.pgt_name = " + quote_literal(st) +
                     " ORDER BY refresh_id DESC LIMIT 1");
}

const char* kReport =
    "SELECT o.id, o.region, sum(l.qty) AS qty FROM \"Wm Orders\" o JOIN wm_lines l ON l.order_id = o.id "
    "GROUP BY o.id, o.region";

void create_pipeline(PgConn& conn, double tolerance) {
  conn.exec("CREATE TABLE \"Wm Orders\" (id int PRIMARY KEY, region text)");
  conn.exec("CREATE TABLE wm_lines (id int PRIMARY KEY, order_id int, qty int)");
  conn.exec("INSERT INTO \"Wm Orders\" SELECT g, 'r' || g % 3 FROM generate_series(1, 20) g");
  conn.exec("INSERT INTO wm_lines SELECT g, g % 20 + 1, g FROM generate_series(1, 60) g");
  create_scheduled(conn, "wm_report", kReport, "1s");
  create_scheduled(conn, "wm_total", "SELECT sum(qty) AS qty FROM wm_report", "1s");  // through wm_report
  conn.exec("SELECT pgtrickle.create_watermark_group('order_pipeline', ARRAY['\"Wm Orders\"', 'wm_lines'], " +
            std::to_string(tolerance) + ")");
}

// Recipe 6, nightly ETL: two jobs load the two sources of a group one after
// the other; the report waits for the second and is refreshed once, DIFFERENTIAL.
TEST_F(SchedulerWatermark, NightlyLoadWaitsForEverySourceOfTheGroup) {
  create_pipeline(conn(), 0);
  conn().exec("CREATE TABLE wm_other (id int PRIMARY KEY)");
  create_scheduled(conn(), "wm_free", "SELECT id FROM wm_other", "1s");
  // No watermark yet: the group is not aligned, its readers wait.
  conn().exec("INSERT INTO wm_lines VALUES (1000, 1, 5)");
  conn().exec("INSERT INTO wm_other VALUES (1)");
  EXPECT_TRUE(wait_until([&] { return bool(st_matches_query(conn(), "wm_free", "SELECT id FROM wm_other")); }));
  int r0 = history_rows(conn(), "wm_report"), t0 = history_rows(conn(), "wm_total");
  EXPECT_EQ(conn().scalar("SELECT aligned::text || holding::text || sources_with_watermark FROM "
                          "pgtrickle.watermark_status()"),
            "falsetrue0");

  // Job 1: orders of 2026-03-01.
  conn().exec("BEGIN");
  conn().exec("INSERT INTO \"Wm Orders\" SELECT g, 'new' FROM generate_series(21, 30) g");
  conn().exec("SELECT pgtrickle.advance_watermark('\"Wm Orders\"', '2026-03-01')");
  conn().exec("COMMIT");
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_EQ(history_rows(conn(), "wm_report"), r0);
  EXPECT_EQ(history_rows(conn(), "wm_total"), t0);
  EXPECT_EQ(conn().scalar("SELECT aligned::text || sources_with_watermark FROM pgtrickle.watermark_status()"),
            "false1");

  // Job 2: their lines, the same day. The report follows, once.
  conn().exec("BEGIN");
  conn().exec("INSERT INTO wm_lines SELECT 100 + g, g, 7 FROM generate_series(21, 30) g");
  conn().exec("SELECT pgtrickle.advance_watermark('wm_lines', '2026-03-01')");
  conn().exec("COMMIT");
  EXPECT_TRUE(wait_until([&] { return bool(st_matches_query(conn(), "wm_report", kReport)); }));
  EXPECT_TRUE(wait_until([&] {
    return bool(st_matches_query(conn(), "wm_total", "SELECT sum(qty) AS qty FROM (" + std::string(kReport) + ") r"));
  }));
  EXPECT_EQ(last_action(conn(), "wm_report"), "DIFFERENTIAL COMPLETED SCHEDULER");
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  EXPECT_EQ(history_rows(conn(), "wm_report"), r0 + 1);
  EXPECT_EQ(conn().scalar("SELECT aligned::text || holding::text || lag_secs FROM pgtrickle.watermark_status()"),
            "truefalse0");

  // The next night, job 1 again: held until job 2 catches up.
  conn().exec("BEGIN");
  conn().exec("UPDATE \"Wm Orders\" SET region = 'moved' WHERE id <= 5");
  conn().exec("SELECT pgtrickle.advance_watermark('\"Wm Orders\"', '2026-03-02')");
  conn().exec("COMMIT");
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  EXPECT_EQ(history_rows(conn(), "wm_report"), r0 + 1);
  EXPECT_FALSE(st_matches_query(conn(), "wm_report", kReport));  // the day-2 orders are not published alone
  // A manual refresh still works.
  conn().exec("SELECT pgtrickle.refresh_stream_table('wm_report')");
  expect_st_matches_query(conn(), "wm_report", kReport);
  conn().exec("SELECT pgtrickle.advance_watermark('wm_lines', '2026-03-02')");
  EXPECT_TRUE(wait_until([&] {
    return bool(st_matches_query(conn(), "wm_total", "SELECT sum(qty) AS qty FROM (" + std::string(kReport) + ") r"));
  }));
}

// Recipe 7, micro-batches with a tolerance: watermarks a few seconds apart
// refresh as usual; beyond the tolerance they hold.
TEST_F(SchedulerWatermark, ToleranceAllowsSkewWithinIt) {
  create_pipeline(conn(), 30);
  conn().exec("SELECT pgtrickle.advance_watermark('\"Wm Orders\"', '2026-03-01 12:00:05+00')");
  conn().exec("SELECT pgtrickle.advance_watermark('wm_lines', '2026-03-01 12:00:02+00')");
  EXPECT_EQ(conn().scalar("SELECT aligned::text || lag_secs FROM pgtrickle.watermark_status()"), "true3");
  conn().exec("INSERT INTO wm_lines VALUES (1000, 1, 5)");
  EXPECT_TRUE(wait_until([&] { return bool(st_matches_query(conn(), "wm_report", kReport)); }));
  EXPECT_EQ(last_action(conn(), "wm_report"), "DIFFERENTIAL COMPLETED SCHEDULER");

  conn().exec("SELECT pgtrickle.advance_watermark('\"Wm Orders\"', '2026-03-01 12:01:00+00')");  // 58 s ahead
  EXPECT_EQ(conn().scalar("SELECT aligned::text || lag_secs FROM pgtrickle.watermark_status()"), "false58");
  int r0 = history_rows(conn(), "wm_report");
  conn().exec("INSERT INTO wm_lines VALUES (1001, 2, 5)");
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_EQ(history_rows(conn(), "wm_report"), r0);
  conn().exec("SELECT pgtrickle.advance_watermark('wm_lines', '2026-03-01 12:00:45+00')");  // 15 s behind
  EXPECT_TRUE(wait_until([&] { return bool(st_matches_query(conn(), "wm_report", kReport)); }));
}

// A watermark advanced in a transaction that has not committed yet holds the
// refreshes of its group's readers (they would otherwise read the sources
// between that load and its watermark): nothing is refreshed until it commits.
TEST_F(SchedulerWatermark, AnAdvanceBeingCommittedHoldsTheRefresh) {
  create_pipeline(conn(), 0);
  conn().exec("SELECT pgtrickle.advance_watermark('\"Wm Orders\"', '2026-03-01')");
  conn().exec("SELECT pgtrickle.advance_watermark('wm_lines', '2026-03-01')");
  conn().exec("INSERT INTO wm_lines VALUES (1000, 1, 5)");
  EXPECT_TRUE(wait_until([&] { return bool(st_matches_query(conn(), "wm_report", kReport)); }));
  int r0 = history_rows(conn(), "wm_report");

  auto etl = connect();
  etl->exec("BEGIN");
  etl->exec("INSERT INTO \"Wm Orders\" VALUES (500, 'late')");
  etl->exec("SELECT pgtrickle.advance_watermark('\"Wm Orders\"', '2026-03-01')");  // same value: nothing moves
  etl->exec("SELECT pgtrickle.advance_watermark('wm_lines', '2026-03-02')");       // moves: holds
  conn().exec("INSERT INTO wm_lines VALUES (1001, 2, 5)");  // committed, pending, group still aligned
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_EQ(history_rows(conn(), "wm_report"), r0);
  EXPECT_FALSE(st_matches_query(conn(), "wm_report", kReport));
  etl->exec("COMMIT");  // now lines is a day ahead of orders: still held
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  EXPECT_EQ(history_rows(conn(), "wm_report"), r0);
  conn().exec("SELECT pgtrickle.advance_watermark('\"Wm Orders\"', '2026-03-02')");
  EXPECT_TRUE(wait_until([&] { return bool(st_matches_query(conn(), "wm_report", kReport)); }));
  EXPECT_EQ(history_rows(conn(), "wm_report"), r0 + 1);
}

// Recipe 9: a watermark not advanced within the holdback timeout is stuck:
// the group's readers are held, with one SKIPPED history row and one
// watermark_stuck alert each; the advance lifts it (watermark_resumed).
TEST_F(SchedulerWatermark, StuckWatermarkHoldsAlertsAndResumes) {
  int old_pid = wait_for_scheduler(conn(), db_name());
  conn().exec("ALTER DATABASE " + quote_ident(db_name()) + " SET pg_trickle.watermark_holdback_timeout = 2");
  conn().exec("SELECT pg_terminate_backend(" + std::to_string(old_pid) + ")");
  ASSERT_NE(wait_for_scheduler(conn(), db_name(), old_pid), 0);
  auto listener = connect();
  listener->exec("LISTEN pgtrickle_alert");
  create_pipeline(conn(), 0);
  conn().exec("SELECT pgtrickle.advance_watermark('\"Wm Orders\"', '2026-03-01')");
  conn().exec("SELECT pgtrickle.advance_watermark('wm_lines', '2026-03-01')");
  conn().exec("INSERT INTO wm_lines VALUES (1000, 1, 5)");
  EXPECT_TRUE(wait_until([&] { return bool(st_matches_query(conn(), "wm_report", kReport)); }));

  // Nobody advances for more than 2 s: stuck.
  std::string skipped;
  EXPECT_TRUE(wait_until([&] {
    skipped = conn().scalar("SELECT COALESCE(string_agg(s.pgt_name || ':' || h.reason, E'\\n' ORDER BY s.pgt_name), '') "
                            "FROM pgtrickle.pgt_refresh_history h JOIN pgtrickle.pgt_stream_tables s USING (pgt_id) "
                            "WHERE h.status = 'SKIPPED' AND h.action = 'NO_DATA'");
    return skipped.find("wm_total") != std::string::npos;
  }));
  EXPECT_NE(skipped.find("wm_report:watermark group 'order_pipeline' is stuck: public.\"Wm Orders\", "
                         "public.wm_lines not advanced for"),
            std::string::npos)
      << skipped;
  conn().exec("INSERT INTO wm_lines VALUES (1001, 2, 5)");
  int r0 = history_rows(conn(), "wm_report");
  auto fresh = connect();  // a session that has the database's setting
  EXPECT_EQ(fresh->scalar("SELECT holding::text || array_length(stuck_sources, 1) FROM pgtrickle.watermark_status()"),
            "true2");
  EXPECT_EQ(fresh->scalar("SELECT bool_and(stuck) FROM pgtrickle.watermarks()"), "t");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(history_rows(conn(), "wm_report"), r0);  // held, and skipped only once
  EXPECT_FALSE(st_matches_query(conn(), "wm_report", kReport));

  // The pipeline recovers.
  conn().exec("BEGIN");  // one transaction: the same now(), aligned at tolerance 0
  conn().exec("SELECT pgtrickle.advance_watermark('\"Wm Orders\"', now())");
  conn().exec("SELECT pgtrickle.advance_watermark('wm_lines', now())");
  conn().exec("COMMIT");
  EXPECT_TRUE(wait_until([&] { return bool(st_matches_query(conn(), "wm_report", kReport)); }));

  std::map<std::string, int> events;  // event:table -> count
  EXPECT_TRUE(wait_until([&] {
    PQconsumeInput(listener->raw());
    while (PGnotify* n = PQnotifies(listener->raw())) {
      std::string payload = n->extra;
      PQfreemem(n);
      auto row = conn().query("SELECT j->>'event', j->>'pgt_name', j->>'group', j->>'reason' FROM (SELECT " +
                              quote_literal(payload) + "::json AS j) x")[0];
      if (*row[0] == "watermark_stuck") {
        EXPECT_EQ(*row[2], "order_pipeline") << payload;
      }
      events[*row[0] + ":" + *row[1]]++;
    }
    return events.count("watermark_resumed:wm_report") && events.count("watermark_resumed:wm_total");
  }));
  EXPECT_EQ(events["watermark_stuck:wm_report"], 1);
  EXPECT_EQ(events["watermark_stuck:wm_total"], 1);
  EXPECT_EQ(events["watermark_resumed:wm_report"], 1);
  conn().exec("ALTER DATABASE " + quote_ident(db_name()) + " RESET pg_trickle.watermark_holdback_timeout");
}

}  // namespace
}  // namespace pgt_e2e
