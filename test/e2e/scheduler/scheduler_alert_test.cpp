// Alerts on channel pgtrickle_alert: a libpq listener hears each event the
// scheduler and the API send, each triggered on purpose, as JSON that
// PostgreSQL parses (also for a stream table whose name holds quotes, a
// backslash and a newline) naming the stream table, the reason and the time.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <thread>

#include "oracle.h"
#include "scheduler_support.h"

namespace pgt_e2e {
namespace {

class SchedulerAlert : public SchedulerDb {};

// Notifications received so far on the listener: (channel, payload).
void receive(PgConn& listener, std::vector<std::pair<std::string, std::string>>* out) {
  PQconsumeInput(listener.raw());
  while (PGnotify* n = PQnotifies(listener.raw())) {
    out->emplace_back(n->relname, n->extra);
    PQfreemem(n);
  }
}

TEST_F(SchedulerAlert, EveryWiredEventIsHeardOnPgtrickleAlert) {
  // One failure suspends (the alerts of both at once); buffers alert from 1000 rows.
  int old_pid = wait_for_scheduler(conn(), db_name());
  conn().exec("ALTER DATABASE " + quote_ident(db_name()) + " SET pg_trickle.max_consecutive_errors = 1");
  conn().exec("ALTER DATABASE " + quote_ident(db_name()) + " SET pg_trickle.buffer_alert_threshold = 1000");
  ASSERT_NE(wait_for_scheduler(conn(), db_name(), old_pid), 0);
  auto listener = connect();
  listener->exec("LISTEN pgtrickle_alert");

  const std::string hostile = "al \"fail\" \\ \n name";  // the stream table's name
  const std::string hostile_sql = "public." + quote_ident(hostile);
  conn().exec("CREATE TABLE al_src (id int PRIMARY KEY, v int)");
  conn().exec("INSERT INTO al_src SELECT g, g FROM generate_series(1, 20) g");
  conn().exec("CREATE TABLE al_flag (broken bool)");
  conn().exec("INSERT INTO al_flag VALUES (false)");
  conn().exec("CREATE FUNCTION al_quotient(n int) RETURNS int LANGUAGE sql STABLE AS "
              "'SELECT CASE WHEN (SELECT broken FROM public.al_flag) THEN n / 0 ELSE n END'");
  create_scheduled(conn(), hostile_sql, "SELECT id, al_quotient(v) AS q FROM al_src", "1s");
  conn().exec("CREATE VIEW al_view AS SELECT id, v FROM al_src WHERE v > 0");
  create_scheduled(conn(), "al_reinit", "SELECT id, v FROM al_view", "1s");
  create_scheduled(conn(), "al_stale", "SELECT id, v FROM al_src", "1s");
  create_scheduled(conn(), "al_append", "SELECT id, v FROM al_src", "1s", "append_only => true");
  conn().exec("CREATE TABLE al_slow_src (id int PRIMARY KEY)");
  conn().exec("INSERT INTO al_slow_src VALUES (1)");
  create_scheduled(conn(), "al_slow", "SELECT id FROM al_slow_src, pg_sleep(0.9) s", "1s", "refresh_mode => 'FULL'");
  conn().exec("CREATE TABLE al_bulk (id int PRIMARY KEY)");
  create_scheduled(conn(), "al_buffer", "SELECT id FROM al_bulk", "1s");
  conn().exec("CREATE TABLE al_trg (id int PRIMARY KEY)");
  create_scheduled(conn(), "al_capture", "SELECT id FROM al_trg", "1s");

  // Each event, on purpose.
  conn().exec("UPDATE al_flag SET broken = true");                     // refresh_failed, auto_suspended
  conn().exec("CREATE OR REPLACE VIEW al_view AS SELECT id, v FROM al_src WHERE v > 1");  // reinitialize_needed
  auto holder = connect();                                              // stale_data: busy for > 2 periods
  holder->exec("BEGIN");
  holder->exec("LOCK TABLE al_stale IN ACCESS EXCLUSIVE MODE");
  conn().exec("DELETE FROM al_src WHERE id = 20");                      // append_only_reverted (and the rest pending)
  conn().exec("SELECT pgtrickle.gate_source('al_bulk')");               // buffer_growth_warning: nothing consumes
  conn().exec("INSERT INTO al_bulk SELECT generate_series(1, 2000)");
  // cdc_trigger_disabled last, alone (ALTER TABLE ... DISABLE TRIGGER is
  // refused, so only an edit of pg_trigger can do it, and pg_trickle's own
  // DDL refuses to run while it is so): see below.

  std::vector<std::pair<std::string, std::string>> got;
  std::set<std::string> heard;
  std::set<std::string> expected = {"refresh_failed", "auto_suspended", "reinitialize_needed", "stale_data",
                                    "append_only_reverted", "scheduler_falling_behind", "buffer_growth_warning"};
  std::set<std::string> heard_for;  // "event:table": a failing table is stale too
  bool resumed_sent = false;
  bool all = wait_until([&] {
    receive(*listener, &got);
    for (const auto& [channel, payload] : got) {
      auto row = conn().query("SELECT a->>'event', a->>'pgt_name' FROM (SELECT " + quote_literal(payload) +
                              "::json a) x")[0];
      heard.insert(*row[0]);
      heard_for.insert(*row[0] + ":" + *row[1]);
    }
    // resumed: once suspended, fixed and resumed by hand.
    if (!resumed_sent && heard.count("auto_suspended")) {
      conn().exec("UPDATE al_flag SET broken = false");
      conn().exec("SELECT pgtrickle.alter_stream_table(" + quote_literal(hostile_sql) + ", status => 'ACTIVE')");
      resumed_sent = true;
    }
    // Released once al_stale itself was reported (an empty transaction is harmless).
    bool stale_heard = heard_for.count("stale_data:al_stale") != 0;
    if (stale_heard) holder->exec("ROLLBACK; BEGIN");
    for (const auto& e : expected)
      if (!heard.count(e)) return false;
    if (!stale_heard) return false;
    return heard.count("resumed") != 0;
  }, std::chrono::seconds(40));
  holder->exec("ROLLBACK");
  conn().exec("SELECT pgtrickle.alter_stream_table('al_slow', status => 'SUSPENDED')");
  conn().exec("UPDATE pg_trigger SET tgenabled = 'D' WHERE tgrelid = 'al_trg'::regclass "
              "AND tgfoid::regproc::text LIKE 'pgtrickle_changes.capture%'");
  expected.insert("cdc_trigger_disabled");
  all = wait_until([&] {
    receive(*listener, &got);
    for (const auto& [channel, payload] : got)
      heard.insert(conn().scalar("SELECT " + quote_literal(payload) + "::json->>'event'"));
    return heard.count("cdc_trigger_disabled") != 0;
  }, std::chrono::seconds(20)) && all;
  conn().exec("UPDATE pg_trigger SET tgenabled = 'O' WHERE tgrelid = 'al_trg'::regclass "
              "AND tgfoid::regproc::text LIKE 'pgtrickle_changes.capture%'");
  std::string missing;
  for (const auto& e : expected)
    if (!heard.count(e)) missing += e + " ";
  EXPECT_TRUE(all) << "not heard: " << missing << (heard.count("resumed") ? "" : "resumed");

  // Every payload is JSON naming a stream table, with a reason and a recent
  // time; each event names the stream table it was provoked for (others may
  // come too: a failing table is also stale).
  std::map<std::string, std::string> table_of = {
      {"refresh_failed", hostile}, {"auto_suspended", hostile}, {"resumed", hostile},
      {"reinitialize_needed", "al_reinit"}, {"stale_data", "al_stale"}, {"append_only_reverted", "al_append"},
      {"scheduler_falling_behind", "al_slow"}, {"buffer_growth_warning", "al_buffer"},
      {"cdc_trigger_disabled", "al_capture"}};
  std::map<std::pair<std::string, std::string>, std::string> payload_of;  // (event, table) -> payload
  for (const auto& [channel, payload] : got) {
    EXPECT_EQ(channel, "pgtrickle_alert");
    auto row = conn().query(
        "SELECT a->>'event', a->>'pgt_schema', a->>'pgt_name', a->>'st' = (a->>'pgt_schema') || '.' || (a->>'pgt_name'), "
        "length(a->>'reason') > 0, (a->>'at')::timestamptz BETWEEN now() - interval '5 min' AND clock_timestamp() "
        "FROM (SELECT " + quote_literal(payload) + "::json a) x");
    EXPECT_EQ(*row[0][1], "public") << payload;
    EXPECT_EQ(*row[0][3] + *row[0][4] + *row[0][5], "ttt") << payload;
    payload_of[{*row[0][0], *row[0][2]}] = payload;
  }
  for (const auto& [event, table] : table_of)
    EXPECT_TRUE(payload_of.count({event, table})) << event << " for " << table;
  // Event fields.
  auto field = [&](const std::string& event, const std::string& table, const std::string& key) {
    auto p = payload_of.find({event, table});
    if (p == payload_of.end()) return std::string("(no event)");
    return conn().scalar_or_null("SELECT " + quote_literal(p->second) + "::json->>" + quote_literal(key))
        .value_or("NULL");
  };
  EXPECT_EQ(field("refresh_failed", hostile, "error"), "division by zero");
  EXPECT_EQ(field("refresh_failed", hostile, "sqlstate"), "22012");
  EXPECT_EQ(field("auto_suspended", hostile, "consecutive_errors"), "1");
  EXPECT_EQ(field("buffer_growth_warning", "al_buffer", "source"), "al_bulk");
  EXPECT_EQ(field("cdc_trigger_disabled", "al_capture", "source"), "al_trg");
  conn().exec("SELECT pgtrickle.ungate_source('al_bulk')");
  conn().exec("ALTER DATABASE " + quote_ident(db_name()) + " RESET pg_trickle.max_consecutive_errors");
  conn().exec("ALTER DATABASE " + quote_ident(db_name()) + " RESET pg_trickle.buffer_alert_threshold");
}

}  // namespace
}  // namespace pgt_e2e
