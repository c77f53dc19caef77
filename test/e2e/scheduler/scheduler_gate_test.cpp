// Source gating with the scheduler running: while a source is gated
// (pgtrickle.gate_source), the scheduler refreshes no stream table reading it,
// directly or through another stream table (an IMMEDIATE one too), however many transactions load
// it and however many ticks pass, while other stream tables keep refreshing
// and a manual refresh still works; after ungate_source, one scheduled refresh
// of each brings them up to date.
#include <gtest/gtest.h>

#include <thread>

#include "oracle.h"
#include "scheduler_support.h"

namespace pgt_e2e {
namespace {

class SchedulerGate : public SchedulerDb {};

// Every history row of a stream table, whoever started it and whatever its status.
int history_rows(PgConn& conn, const std::string& st) {
  return std::stoi(conn.scalar("SELECT count(*) FROM pgtrickle.pgt_refresh_history h JOIN pgtrickle.pgt_stream_tables s "
                               "USING (pgt_id) WHERE s.pgt_name = " + quote_literal(st)));
}

TEST_F(SchedulerGate, GatedSourceWaitsAndOneRefreshFollowsTheUngate) {
  conn().exec("CREATE TABLE sg_src (id int PRIMARY KEY, v int)");
  conn().exec("CREATE TABLE sg_other (id int PRIMARY KEY)");
  conn().exec("INSERT INTO sg_src SELECT g, g FROM generate_series(1, 100) g");
  create_scheduled(conn(), "sg_a", "SELECT id, v FROM sg_src WHERE v % 2 = 0", "1s");
  create_scheduled(conn(), "sg_b", "SELECT count(*) AS n, sum(v) AS s FROM sg_a", "1s");  // reads it through sg_a
  create_scheduled(conn(), "sg_manual", "SELECT id FROM sg_src", "1s");
  // Through an IMMEDIATE stream table: it follows the load, its scheduled reader waits.
  conn().exec("SELECT pgtrickle.create_stream_table('sg_imm', 'SELECT id, v FROM sg_src WHERE v < 1500', "
              "refresh_mode => 'IMMEDIATE')");
  create_scheduled(conn(), "sg_c", "SELECT count(*) AS n FROM sg_imm", "1s");
  create_scheduled(conn(), "sg_free", "SELECT id FROM sg_other", "1s");
  int a0 = history_rows(conn(), "sg_a"), b0 = history_rows(conn(), "sg_b"), c0 = history_rows(conn(), "sg_c");

  conn().exec("SELECT pgtrickle.gate_source('sg_src')");
  EXPECT_EQ(format_row(conn().query("SELECT source_table, schema_name, gated, ungated_at IS NULL, gated_by "
                                    "FROM pgtrickle.source_gates()")[0]),
            "('sg_src', 'public', 't', 't', 'gate_source')");
  // A bulk load in several transactions, over several scheduler ticks.
  for (int batch = 0; batch < 3; batch++) {
    conn().exec("INSERT INTO sg_src SELECT g, g FROM generate_series(" + std::to_string(1000 + batch * 1000) + ", " +
                std::to_string(1999 + batch * 1000) + ") g");
    conn().exec("UPDATE sg_src SET v = v + 1 WHERE id % 7 = " + std::to_string(batch));
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
  }
  // The scheduler is running: an ungated table keeps refreshing meanwhile.
  conn().exec("INSERT INTO sg_other VALUES (1)");
  EXPECT_TRUE(wait_until([&] { return bool(st_matches_query(conn(), "sg_free", "SELECT id FROM sg_other")); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(history_rows(conn(), "sg_a"), a0);
  EXPECT_EQ(history_rows(conn(), "sg_b"), b0);
  EXPECT_EQ(history_rows(conn(), "sg_c"), c0);
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM sg_a"), "50");  // still the state before the gate
  expect_st_matches_query(conn(), "sg_imm", "SELECT id, v FROM sg_src WHERE v < 1500");  // IMMEDIATE: not gated
  // Changes accumulate in the buffer.
  EXPECT_GE(std::stoi(conn().scalar("SELECT sum(pending_rows) FROM pgtrickle.change_buffer_sizes() "
                                    "WHERE source_oid = 'sg_src'::regclass::oid")),
            3000);
  // A manual refresh still works.
  conn().exec("SELECT pgtrickle.refresh_stream_table('sg_manual')");
  expect_st_matches_query(conn(), "sg_manual", "SELECT id FROM sg_src");

  conn().exec("SELECT pgtrickle.ungate_source('sg_src')");
  EXPECT_EQ(conn().scalar("SELECT gated::text || (ungated_at IS NOT NULL)::text FROM pgtrickle.source_gates()"),
            "falsetrue");
  EXPECT_TRUE(wait_until([&] {
    return bool(st_matches_query(conn(), "sg_b", "SELECT count(*) AS n, sum(v) AS s FROM sg_src WHERE v % 2 = 0"));
  }));
  expect_st_matches_query(conn(), "sg_a", "SELECT id, v FROM sg_src WHERE v % 2 = 0");
  EXPECT_TRUE(wait_until([&] { return bool(st_matches_query(conn(), "sg_c", "SELECT count(*) AS n FROM sg_imm")); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));  // and nothing more
  EXPECT_EQ(history_rows(conn(), "sg_a"), a0 + 1);
  EXPECT_EQ(history_rows(conn(), "sg_b"), b0 + 1);
  EXPECT_EQ(history_rows(conn(), "sg_c"), c0 + 1);
  EXPECT_EQ(conn().scalar("SELECT initiated_by FROM pgtrickle.pgt_refresh_history h JOIN pgtrickle.pgt_stream_tables s "
                          "USING (pgt_id) WHERE s.pgt_name = 'sg_a' ORDER BY refresh_id DESC LIMIT 1"),
            "SCHEDULER");
}

}  // namespace
}  // namespace pgt_e2e
