// Cycles of stream tables with the scheduler running (pg_trickle.allow_circular):
// a transitive closure split over two stream tables that read each other
// (UNION and a join, monotone) follows inserts, deletes and updates of its
// edges, each time equal to the WITH RECURSIVE oracle — deletes included,
// where a fact the cycle derives from itself must go; a cycle that never
// reaches a fixed point (UNION ALL over a cyclic graph) stops at
// pg_trickle.max_fixpoint_iterations with every member in ERROR, the cap in
// its history and an alert, and comes back once fixed and resumed.
#include <gtest/gtest.h>

#include <thread>

#include "oracle.h"
#include "scheduler_support.h"

namespace pgt_e2e {
namespace {

class SchedulerCircular : public SchedulerDb {};

const char* kEdges = "public.\"Circ \"\"Edge\"\"\"";

std::string closure_oracle() {
  return std::string("WITH RECURSIVE r(src, dst) AS (SELECT src, dst FROM ") + kEdges +
         " UNION SELECT r.src, e.dst FROM r JOIN " + kEdges + " e ON r.dst = e.src) SELECT src, dst FROM r";
}

void receive(PgConn& listener, std::vector<std::string>* payloads) {
  PQconsumeInput(listener.raw());
  while (PGnotify* n = PQnotifies(listener.raw())) {
    payloads->push_back(n->extra);
    PQfreemem(n);
  }
}

TEST_F(SchedulerCircular, TransitiveClosureFollowsInsertsDeletesAndUpdates) {
  conn().exec(std::string("CREATE TABLE ") + kEdges + " (src int, dst int, PRIMARY KEY (src, dst))");
  conn().exec(std::string("INSERT INTO ") + kEdges + " VALUES (1, 2), (2, 3), (3, 4)");
  const std::string a = "public.\"Reach A\"", b = "public.\"reach B\"";
  create_scheduled(conn(), a, std::string("SELECT src, dst FROM ") + kEdges, "1s", "refresh_mode => 'DIFFERENTIAL'");
  create_scheduled(conn(), b,
                   "SELECT x.src, e.dst FROM " + a + " x JOIN " + kEdges + " e ON x.dst = e.src", "1s",
                   "refresh_mode => 'DIFFERENTIAL'");
  conn().exec("SET pg_trickle.allow_circular = on");
  conn().exec("SELECT pgtrickle.alter_stream_table(" + quote_literal(a) + ", query => " +
              quote_literal(std::string("SELECT src, dst FROM ") + kEdges + " UNION SELECT src, dst FROM " + b) + ")");
  conn().exec("RESET pg_trickle.allow_circular");
  expect_st_matches_query(conn(), "\"Reach A\"", closure_oracle());
  // A stream table reading the cycle, outside it: refreshed after it.
  create_scheduled(conn(), "reach_count", "SELECT src, count(*) AS n FROM " + a + " GROUP BY src", "1s",
                   "refresh_mode => 'DIFFERENTIAL'");
  int before = scheduler_refreshes(conn(), "\"Reach A\"");

  // A reader never sees a half-iterated cycle: every state it can see is a
  // fixed point, so "Reach A" is transitively closed whenever it looks (a
  // state after some rounds only would miss compositions).
  auto reader = connect();
  int unclosed = 0;
  auto settle = [&](const std::string& what) {
    EXPECT_TRUE(wait_until([&] {
      unclosed += std::stoi(reader->scalar(
          "SELECT count(*) FROM public.\"Reach A\" r1 JOIN public.\"Reach A\" r2 ON r1.dst = r2.src "
          "WHERE NOT EXISTS (SELECT 1 FROM public.\"Reach A\" r3 WHERE r3.src = r1.src AND r3.dst = r2.dst)"));
      return bool(st_matches_query(conn(), "\"Reach A\"", closure_oracle()));
    })) << "after " << what;
    EXPECT_EQ(unclosed, 0) << "after " << what;
    expect_st_matches_query(conn(), "\"Reach A\"", closure_oracle());
  };
  // Inserts that close cycles in the graph (semi-naive rounds) ...
  conn().exec(std::string("INSERT INTO ") + kEdges + " VALUES (4, 1), (4, 5), (5, 6)");
  settle("inserting edges");
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM public.\"Reach A\""), "25");  // 1..4 reach 1..6 (24); 5 -> 6
  // ... a delete that breaks them: (1, 1), (2, 2), ... supported each other
  // through 1 -> 2 -> 3 -> 4 -> 1 and must all go.
  conn().exec(std::string("DELETE FROM ") + kEdges + " WHERE src = 4 AND dst = 1");
  settle("deleting the back edge");
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM public.\"Reach A\" WHERE src = dst"), "0");
  // An update moves an edge; several transactions in a row.
  conn().exec(std::string("UPDATE ") + kEdges + " SET dst = 2 WHERE src = 5");
  conn().exec(std::string("INSERT INTO ") + kEdges + " VALUES (6, 7)");
  conn().exec(std::string("DELETE FROM ") + kEdges + " WHERE src = 2");
  settle("an update, an insert and a delete");
  for (int i = 0; i < 4; i++) {
    conn().exec(std::string("INSERT INTO ") + kEdges + " SELECT g, (g * 7 + " + std::to_string(i) +
                ") % 12 FROM generate_series(1, 12) g ON CONFLICT DO NOTHING");
    if (i % 2 == 1) conn().exec(std::string("DELETE FROM ") + kEdges + " WHERE (src + dst + " + std::to_string(i) + ") % 5 = 0");
    settle("round " + std::to_string(i));
  }
  const std::string counts = "SELECT src, count(*) AS n FROM (" + closure_oracle() + ") c GROUP BY src";
  EXPECT_TRUE(wait_until([&] { return bool(st_matches_query(conn(), "reach_count", counts)); }));
  // The scheduler did it, the cycle as one unit: both members refreshed, and the fixed point recorded.
  EXPECT_GT(scheduler_refreshes(conn(), "\"Reach A\""), before);
  EXPECT_GT(scheduler_refreshes(conn(), "\"reach B\""), 0);
  EXPECT_EQ(conn().scalar("SELECT format('%s %s %s', scc_id, member_count, members) FROM pgtrickle.pgt_scc_status()"),
            "1 2 {\"public.Reach A\",\"public.reach B\"}");
  EXPECT_GE(std::stoi(conn().scalar("SELECT last_iterations FROM pgtrickle.pgt_scc_status()")), 1);
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM pgtrickle.pgt_refresh_history WHERE status = 'FAILED'"), "0");
  // Nothing left pending: the cycle is not refreshed again and again.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  int settled = scheduler_refreshes(conn(), "\"Reach A\"");
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_EQ(scheduler_refreshes(conn(), "\"Reach A\""), settled);
  conn().exec("SELECT pgtrickle.drop_stream_table('reach_count')");
  conn().exec("SELECT pgtrickle.drop_stream_table(" + quote_literal(a) + ", cascade => true)");
  conn().exec(std::string("DROP TABLE ") + kEdges);
}

TEST_F(SchedulerCircular, NonConvergingCycleGoesToErrorWithTheCapAndAnAlert) {
  int old_pid = wait_for_scheduler(conn(), db_name());
  conn().exec("ALTER DATABASE " + quote_ident(db_name()) + " SET pg_trickle.max_fixpoint_iterations = 7");
  ASSERT_NE(wait_for_scheduler(conn(), db_name(), old_pid), 0);
  auto listener = connect();
  listener->exec("LISTEN pgtrickle_alert");

  conn().exec("CREATE TABLE walk_edge (src int, dst int)");
  conn().exec("INSERT INTO walk_edge VALUES (1, 2), (2, 3)");
  create_scheduled(conn(), "walk_a", "SELECT src, dst FROM walk_edge", "1s", "refresh_mode => 'DIFFERENTIAL'");
  create_scheduled(conn(), "walk_b", "SELECT w.src, e.dst FROM walk_a w JOIN walk_edge e ON w.dst = e.src", "1s",
                   "refresh_mode => 'DIFFERENTIAL'");
  conn().exec("SET pg_trickle.allow_circular = on");
  // Paths, with repetitions: over an acyclic graph there are finitely many.
  conn().exec("SELECT pgtrickle.alter_stream_table('walk_a', query => "
              "'SELECT src, dst FROM walk_edge UNION ALL SELECT src, dst FROM walk_b')");
  conn().exec("RESET pg_trickle.allow_circular");
  const std::string paths =
      "WITH RECURSIVE p(src, dst) AS (SELECT src, dst FROM walk_edge UNION ALL "
      "SELECT p.src, e.dst FROM p JOIN walk_edge e ON p.dst = e.src) SELECT src, dst FROM p";
  expect_st_matches_query(conn(), "walk_a", paths);

  conn().exec("INSERT INTO walk_edge VALUES (3, 1)");  // now every round adds longer walks
  EXPECT_TRUE(wait_until([&] { return st_status(conn(), "walk_a") == "ERROR" && st_status(conn(), "walk_b") == "ERROR"; }));
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM pgtrickle.pgt_stream_tables WHERE pgt_name IN ('walk_a', 'walk_b') "
                          "AND last_error_message LIKE '%did not converge within 7 iterations (pg_trickle.max_fixpoint_iterations)%'"),
            "2");
  EXPECT_GE(std::stoi(conn().scalar("SELECT count(*) FROM pgtrickle.pgt_refresh_history h "
                                    "JOIN pgtrickle.pgt_stream_tables s USING (pgt_id) WHERE s.pgt_name = 'walk_a' "
                                    "AND h.status = 'FAILED' AND h.error_message LIKE "
                                    "'cycle of stream tables public.walk_a, public.walk_b did not converge%'")),
            1);
  // Rolled back whole: the paths of the acyclic graph, as before.
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM walk_a"), "3");
  std::vector<std::string> payloads;
  EXPECT_TRUE(wait_until([&] {
    receive(*listener, &payloads);
    int heard = 0;
    for (const auto& p : payloads)
      if (p.find("\"event\":\"refresh_failed\"") != std::string::npos && p.find("\"status\":\"ERROR\"") != std::string::npos &&
          p.find("did not converge") != std::string::npos)
        heard++;
    return heard >= 2;
  })) << (payloads.empty() ? "" : payloads.back());
  // In ERROR the scheduler leaves them alone.
  int failed = std::stoi(conn().scalar("SELECT count(*) FROM pgtrickle.pgt_refresh_history WHERE status = 'FAILED'"));
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_EQ(std::stoi(conn().scalar("SELECT count(*) FROM pgtrickle.pgt_refresh_history WHERE status = 'FAILED'")), failed);

  // Fixed (the back edge gone) and resumed: refreshed to the fixed point again.
  conn().exec("DELETE FROM walk_edge WHERE src = 3");
  conn().exec("SELECT pgtrickle.alter_stream_table('walk_a', status => 'ACTIVE')");
  conn().exec("SELECT pgtrickle.alter_stream_table('walk_b', status => 'ACTIVE')");
  EXPECT_TRUE(wait_until([&] { return bool(st_matches_query(conn(), "walk_a", paths)); }));
  EXPECT_TRUE(wait_until([&] { return st_status(conn(), "walk_a") == "ACTIVE"; }));
  conn().exec("SELECT pgtrickle.drop_stream_table('walk_a', cascade => true)");
  conn().exec("DROP TABLE walk_edge");
  conn().exec("ALTER DATABASE " + quote_ident(db_name()) + " RESET pg_trickle.max_fixpoint_iterations");
}

}  // namespace
}  // namespace pgt_e2e
