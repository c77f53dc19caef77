// Scheduler controls seen in the refresh history and in
// pgtrickle.effective_schedule(): refresh tiers (pg_trickle.tiered_scheduling)
// stretch a table's period (cold: 10x), frozen stops scheduled refreshes
// until promoted, 'auto' follows how often users read the table (the
// scheduler's own refreshes scan it too and do not count), and
// pg_trickle.auto_backoff stretches a table whose refreshes outlast its
// period. Counts have slack for a loaded machine; the ratios they check are
// far from what an unstretched schedule would give.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "oracle.h"
#include "scheduler_support.h"

namespace pgt_e2e {
namespace {

class SchedulerTier : public SchedulerDb {};

using Clock = std::chrono::steady_clock;

std::string effective(PgConn& conn, const std::string& st, const std::string& column) {
  return conn.scalar("SELECT COALESCE(" + column + "::text, '-') FROM pgtrickle.effective_schedule() WHERE name::regclass = " +
                     quote_literal(st) + "::regclass");
}

// Scans of the storage table and its indexes, as pg_stat_user_tables counts them.
int64_t storage_scans(PgConn& conn, const std::string& st) {
  return std::stoll(conn.scalar("SELECT COALESCE(seq_scan, 0) + COALESCE(idx_scan, 0) FROM pg_stat_user_tables "
                                "WHERE relid = " + quote_literal(st) + "::regclass"));
}

void set_tier(PgConn& conn, const std::string& st, const std::string& tier) {
  conn.exec("SELECT pgtrickle.alter_stream_table(" + quote_literal(st) + ", tier => " + quote_literal(tier) + ")");
}

std::string format_rows(const Rows& rows) {
  std::string out;
  for (const Row& r : rows) out += (out.empty() ? "" : "\n") + format_row(r);
  return out;
}

std::string history_where(const std::string& st) {
  return " FROM pgtrickle.pgt_refresh_history h JOIN pgtrickle.pgt_stream_tables s USING (pgt_id) "
         "WHERE s.pgt_relid = " + quote_literal(st) + "::regclass ";
}

// Runs `statement` every `every` in its own session until destroyed.
class Repeater {
 public:
  Repeater(const std::string& statement, std::chrono::milliseconds every)
      : thread_([this, statement, every] {
          try {
            auto conn = SchedulerTier::connect();
            for (int i = 0; !stop_; i++) {
              std::string sql = statement;
              size_t at = sql.find("$i");
              if (at != std::string::npos) sql.replace(at, 2, std::to_string(i));
              conn->exec(sql);
              std::this_thread::sleep_for(every);
            }
          } catch (const std::exception& e) {
            ADD_FAILURE() << "repeating " << statement << ": " << e.what();
          }
        }) {}
  ~Repeater() {
    stop_ = true;
    thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Changes one row of a source (columns id 1..50, v) every `every`.
std::string change_statement(const std::string& table) {
  return "UPDATE " + table + " SET v = v + 1 WHERE id = 1 + $i % 50";
}

TEST_F(SchedulerTier, ColdRefreshesTenTimesLessOftenThanHotFrozenNotAtAllUntilPromoted) {
  conn().exec(R"(CREATE TABLE "Tier Src" (id int PRIMARY KEY, v int))");
  conn().exec(R"(INSERT INTO "Tier Src" SELECT g, g FROM generate_series(1, 50) g)");
  const std::string query = R"(SELECT id, v FROM "Tier Src")";
  const std::string hot = R"("Tier Hot")", cold = R"("Tier ""Cold""")", frozen = R"("tier Frozen")";
  for (const auto& st : {hot, cold, frozen}) create_scheduled(conn(), st, query, "1s", "refresh_mode => 'DIFFERENTIAL'");
  set_tier(conn(), cold, "cold");
  set_tier(conn(), frozen, "frozen");
  ASSERT_TRUE(wait_until([&] { return effective(conn(), frozen, "effective_tier") == "frozen"; }));
  ASSERT_TRUE(wait_until([&] { return effective(conn(), cold, "effective_tier") == "cold"; }));
  EXPECT_EQ(format_rows(conn().query(
                "SELECT name, schedule, refresh_tier, effective_tier, backoff_factor, base_period, effective_period, "
                "next_due IS NULL FROM pgtrickle.effective_schedule() WHERE name ILIKE '%tier%' ORDER BY name")),
            "('public.\"Tier \"\"Cold\"\"\"', '1s', 'cold', 'cold', '1', '00:00:01', '00:00:10', 'f')\n"
            "('public.\"Tier Hot\"', '1s', 'hot', 'hot', '1', '00:00:01', '00:00:01', 'f')\n"
            "('public.\"tier Frozen\"', '1s', 'frozen', 'frozen', '1', '00:00:01', NULL, 't')");

  int h0 = scheduler_refreshes(conn(), hot), c0 = scheduler_refreshes(conn(), cold);
  int f0 = scheduler_refreshes(conn(), frozen);
  {
    Repeater writer(change_statement(R"("Tier Src")"), std::chrono::milliseconds(250));
    std::this_thread::sleep_for(std::chrono::seconds(22));
  }
  int h = scheduler_refreshes(conn(), hot) - h0, c = scheduler_refreshes(conn(), cold) - c0;
  EXPECT_EQ(scheduler_refreshes(conn(), frozen), f0);
  EXPECT_GE(h, 12) << "hot refreshes in 22 s of changes";  // ~22 on time
  EXPECT_GE(c, 1);
  EXPECT_LE(c, 3) << "cold refreshes in 22 s";
  EXPECT_GE(h, 5 * c) << "hot " << h << ", cold " << c;
  // Consecutive cold refreshes are a cold period apart (hot ones: one second).
  EXPECT_EQ(conn().scalar("SELECT min(gap) >= interval '9 s' FROM (SELECT h.data_timestamp - "
                          "lag(h.data_timestamp) OVER (ORDER BY h.refresh_id) AS gap" +
                          history_where(cold) + "AND h.status = 'COMPLETED') g"),
            "t");
  // The history says why: every scheduled cold refresh ran on a stretched period.
  EXPECT_EQ(conn().scalar("SELECT string_agg(DISTINCT COALESCE(h.schedule_note, '-'), ' | ')" + history_where(cold) +
                          "AND h.initiated_by = 'SCHEDULER'"),
            "tier cold: period 10 s (schedule 1 s x 10)");
  EXPECT_EQ(conn().scalar("SELECT count(*)" + history_where(hot) + "AND h.schedule_note IS NOT NULL"), "0");

  // Not "behind schedule" for the monitoring functions (health_check,
  // st_refresh_stats): measured against the period it runs at.
  for (const auto& st : {cold, frozen})
    EXPECT_EQ(conn().scalar("SELECT stale::text FROM pgtrickle.st_refresh_stats(" + quote_literal(st) + ")"), "false")
        << st;

  // Frozen: stale, but a manual refresh works.
  EXPECT_FALSE(st_matches_query(conn(), frozen, query));
  conn().exec("SELECT pgtrickle.refresh_stream_table(" + quote_literal(frozen) + ")");
  expect_st_matches_query(conn(), frozen, query);
  EXPECT_EQ(scheduler_refreshes(conn(), frozen), f0);

  // Promoted: refreshed by the scheduler at once (its period is long past).
  conn().exec(R"(UPDATE "Tier Src" SET v = -v WHERE id = 7)");
  set_tier(conn(), frozen, "warm");
  EXPECT_TRUE(wait_until([&] { return scheduler_refreshes(conn(), frozen) > f0; }, std::chrono::seconds(5)));
  expect_st_matches_query(conn(), frozen, query);
  EXPECT_EQ(effective(conn(), frozen, "effective_period"), "00:00:02");

  // pg_trickle.tiered_scheduling = off: every table on its schedule, tiers kept.
  conn().exec("ALTER SYSTEM SET pg_trickle.tiered_scheduling = off");
  conn().exec("SELECT pg_reload_conf()");
  EXPECT_TRUE(wait_until([&] { return effective(conn(), cold, "effective_period") == "00:00:01"; }));
  EXPECT_EQ(effective(conn(), cold, "refresh_tier"), "cold");
  conn().exec("ALTER SYSTEM RESET pg_trickle.tiered_scheduling");
  conn().exec("SELECT pg_reload_conf()");
  EXPECT_TRUE(wait_until([&] { return effective(conn(), cold, "effective_period") == "00:00:10"; }));
}

TEST_F(SchedulerTier, AutoTierFollowsUsersReadsAndNotTheSchedulersOwnScans) {
  conn().exec(R"(CREATE TABLE "Auto Src" (id int PRIMARY KEY, v int))");
  conn().exec(R"(INSERT INTO "Auto Src" SELECT g, g FROM generate_series(1, 50) g)");
  const std::string query = R"(SELECT id, v FROM "Auto Src")";
  const std::string read = R"("Auto Read")", unread = R"("auto ""Unread""")", up = "auto_up", down = "auto_down";
  for (const auto& st : {read, unread, up}) create_scheduled(conn(), st, query, "1s", "refresh_mode => 'DIFFERENTIAL'");
  // Read by a stream table only (whose refreshes read its change buffer, not its storage).
  create_scheduled(conn(), down, "SELECT count(*) AS n, sum(v) AS s FROM auto_up", "1s",
                   "refresh_mode => 'DIFFERENTIAL'");
  for (const auto& st : {read, unread, up}) set_tier(conn(), st, "auto");
  int64_t scans0 = storage_scans(conn(), unread);

  {
    Repeater reader("SELECT count(*) FROM " + read, std::chrono::milliseconds(500));
    Repeater writer(change_statement(R"("Auto Src")"), std::chrono::milliseconds(300));
    // Unread for 10 periods: warm; for 30: cold (never frozen).
    EXPECT_TRUE(wait_until([&] { return effective(conn(), unread, "effective_tier") == "warm"; },
                           std::chrono::seconds(30)));
    EXPECT_TRUE(wait_until([&] { return effective(conn(), unread, "effective_tier") == "cold"; },
                           std::chrono::seconds(45)));
    EXPECT_EQ(effective(conn(), read, "effective_tier"), "hot");
    EXPECT_EQ(effective(conn(), up, "effective_tier"), "hot");  // as hot as its reader
    EXPECT_EQ(effective(conn(), unread, "effective_period"), "00:00:10");
    // Its next scheduled refresh comes a cold period after the last one.
    EXPECT_TRUE(wait_until([&] {
      return conn().scalar("SELECT count(*)" + history_where(unread) + "AND h.schedule_note LIKE 'tier cold%'") != "0";
    }, std::chrono::seconds(20)));
  }
  // Our refreshes did scan it (their scans reach pg_stat_user_tables), yet it cooled.
  EXPECT_GE(storage_scans(conn(), unread) - scans0, 10);
  EXPECT_EQ(conn().scalar("SELECT string_agg(DISTINCT h.schedule_note, ' | ' ORDER BY h.schedule_note)" +
                          history_where(unread) + "AND h.initiated_by = 'SCHEDULER'"),
            "tier cold: period 10 s (schedule 1 s x 10) | tier warm: period 2 s (schedule 1 s x 2)");
  EXPECT_EQ(conn().scalar("SELECT count(*)" + history_where(read) + "AND h.schedule_note IS NOT NULL"), "0");

  // Read again: hot again.
  for (int i = 0; i < 3; i++) connect()->scalar("SELECT count(*) FROM " + unread);
  EXPECT_TRUE(wait_until([&] { return effective(conn(), unread, "effective_tier") == "hot"; },
                         std::chrono::seconds(20)));
  for (const auto& st : {down, read, unread, up})
    conn().exec("SELECT pgtrickle.drop_stream_table(" + quote_literal(st) + ")");
}

TEST_F(SchedulerTier, AutoBackoffStretchesASlowTableAndTheHistorySaysSo) {
  conn().exec("CREATE TABLE bo_src (id int PRIMARY KEY)");
  conn().exec("INSERT INTO bo_src VALUES (1)");
  const std::string slow = R"("Slow ""Bo""")";
  // FULL mode allows pg_sleep (the owner's own query): each refresh takes
  // 1.2 s of its 1 s period.
  create_scheduled(conn(), slow, "SELECT id FROM bo_src, pg_sleep(1.2) s", "1s", "refresh_mode => 'FULL'");
  EXPECT_TRUE(wait_until([&] {
    return conn().scalar("SELECT count(*)" + history_where(slow) + "AND h.initiated_by = 'SCHEDULER' "
                         "AND h.schedule_note = 'auto_backoff x2: period 2 s (schedule 1 s x 2)'") != "0";
  }));
  EXPECT_TRUE(wait_until([&] { return std::stoi(effective(conn(), slow, "backoff_factor")) >= 4; }));
  EXPECT_EQ(conn().scalar("SELECT effective_period = base_period * backoff_factor AND effective_tier = 'hot' "
                          "FROM pgtrickle.effective_schedule() WHERE name::regclass = " + quote_literal(slow) +
                          "::regclass"),
            "t");
  conn().exec("SELECT pgtrickle.alter_stream_table(" + quote_literal(slow) + ", status => 'SUSPENDED')");
}

}  // namespace
}  // namespace pgt_e2e
