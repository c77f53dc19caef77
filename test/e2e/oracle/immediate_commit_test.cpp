// ON COMMIT IMMEDIATE stream tables (alter_stream_table(name,
// immediate_timing => 'commit'); src/refresh/commit_maintenance.h): the
// changes of a transaction are applied once, when it commits, before the
// commit becomes visible.
//
// ImmediateCommit: semantics. A later statement of the writing transaction
// does not see the change yet, another session sees it exactly when the
// writer commits; ROLLBACK and ROLLBACK TO SAVEPOINT undo; a failing
// maintenance aborts the commit; 1,000 single-row statements pay one
// maintenance (a counting trigger on the stream table); changes consolidate
// (insert + delete cancel, two updates net); both sides of a join and a
// grouping; stream tables over an ON COMMIT table; TRUNCATE; SET CONSTRAINTS
// ... IMMEDIATE; hostile names; a writer that may only write the source;
// switching timing and modes; refusals.
//
// ImmediateCommitConcurrency: 8 writers over both sides of a join (join and
// join + group stream tables) in READ COMMITTED and REPEATABLE READ (40001
// retried, never a wrong table), the oracle at the end; two writers
// touching the sources of two stream tables in opposite orders commit
// without deadlock, where statement timing deadlocks.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "oracle.h"
#include "seed.h"
#include "stream_table.h"
#include "test_db.h"

namespace pgt_e2e {
namespace {

const char* const kWriter = "pgt_e2e_oc_writer";  // may write the sources, owns nothing

void set_timing(PgConn& conn, const std::string& st, const std::string& timing) {
  conn.exec("SELECT pgtrickle.alter_stream_table(" + quote_literal(st) + ", immediate_timing => " +
            quote_literal(timing) + ")");
}

class ImmediateCommit : public TestDb {
 public:
  static void SetUpTestSuite() {
    TestDb::SetUpTestSuite();
    auto admin = connect_maintenance();
    admin->exec(std::string("DROP ROLE IF EXISTS ") + kWriter);
    admin->exec(std::string("CREATE ROLE ") + kWriter + " LOGIN");
  }
  static void TearDownTestSuite() {
    TestDb::TearDownTestSuite();
    connect_maintenance()->exec(std::string("DROP ROLE IF EXISTS ") + kWriter);
  }

 protected:
  // p_a(id, k, v) JOIN p_b(k, name), grouped by name: <p>_st, ON COMMIT.
  std::string make_join_group(const std::string& p) {
    conn().exec("CREATE TABLE " + p + "_a (id int PRIMARY KEY, k int, v int)");
    conn().exec("CREATE TABLE " + p + "_b (k int PRIMARY KEY, name text)");
    conn().exec("INSERT INTO " + p + "_a SELECT i, i % 5, i FROM generate_series(1, 100) i");
    conn().exec("INSERT INTO " + p + "_b SELECT i, 'n' || i FROM generate_series(0, 4) i");
    const std::string q = "SELECT b.name, count(*) AS n, sum(a.v) AS total FROM " + p + "_a a JOIN " + p +
                          "_b b ON a.k = b.k GROUP BY b.name";
    create_stream_table(conn(), p + "_st", q, "IMMEDIATE");
    set_timing(conn(), p + "_st", "commit");
    return q;
  }
  // A row trigger counting the rows the maintenance writes into `st`.
  void count_writes(const std::string& st) {
    conn().exec("CREATE TABLE IF NOT EXISTS public.oc_writes (n int)");
    conn().exec("TRUNCATE public.oc_writes");
    conn().exec("INSERT INTO public.oc_writes VALUES (0)");
    conn().exec(
        "CREATE OR REPLACE FUNCTION public.oc_count() RETURNS trigger LANGUAGE plpgsql AS "
        "$$BEGIN UPDATE public.oc_writes SET n = n + 1; RETURN NULL; END$$");
    conn().exec("CREATE TRIGGER oc_count AFTER INSERT OR UPDATE OR DELETE ON " + st +
                " FOR EACH ROW EXECUTE FUNCTION public.oc_count()");
  }
  int writes() { return std::stoi(conn().scalar("SELECT n FROM public.oc_writes")); }
  void reset_writes() { conn().exec("UPDATE public.oc_writes SET n = 0"); }
};

TEST_F(ImmediateCommit, ChangesBecomeVisibleWithTheCommitNotBefore) {
  const std::string q = make_join_group("vis");
  EXPECT_EQ(conn().scalar("SELECT immediate_timing FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'vis_st'"),
            "commit");
  const std::string before = conn().scalar("SELECT total FROM vis_st WHERE name = 'n1'");
  auto reader = connect();
  conn().exec("BEGIN");
  conn().exec("UPDATE vis_a SET v = v + 1000 WHERE id = 1");
  // A later statement of the same transaction: not maintained yet.
  EXPECT_EQ(conn().scalar("SELECT total FROM vis_st WHERE name = 'n1'"), before);
  EXPECT_FALSE(st_matches_query(conn(), "vis_st", q)) << "maintained before the commit";
  EXPECT_EQ(reader->scalar("SELECT total FROM vis_st WHERE name = 'n1'"), before);
  conn().exec("COMMIT");
  EXPECT_EQ(reader->scalar("SELECT total FROM vis_st WHERE name = 'n1'"), std::to_string(std::stoll(before) + 1000));
  expect_st_matches_query(*reader, "vis_st", q);
  // No history row per commit (the frontier moves).
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM pgtrickle.pgt_refresh_history h JOIN pgtrickle.pgt_stream_tables st "
                          "USING (pgt_id) WHERE st.pgt_name = 'vis_st'"),
            "2");  // INITIAL, ALTER
}

TEST_F(ImmediateCommit, RollbackAndRollbackToSavepointUndo) {
  const std::string q = make_join_group("rb");
  const std::string before = conn().scalar("SELECT string_agg(name || total, ',' ORDER BY name) FROM rb_st");
  conn().exec("BEGIN");
  conn().exec("UPDATE rb_a SET v = v + 1 WHERE id < 50");
  conn().exec("ROLLBACK");
  EXPECT_EQ(conn().scalar("SELECT string_agg(name || total, ',' ORDER BY name) FROM rb_st"), before);
  expect_st_matches_query(conn(), "rb_st", q);
  // The only write is in a rolled-back savepoint: nothing to maintain.
  run_in_transaction(conn(), {"SAVEPOINT s", "INSERT INTO rb_a VALUES (1000, 1, 1)", "ROLLBACK TO SAVEPOINT s",
                              "SELECT 1"});
  expect_st_matches_query(conn(), "rb_st", q);
  // Writes before, inside (rolled back) and after a savepoint.
  run_in_transaction(conn(), {"UPDATE rb_a SET v = v + 3 WHERE id = 3", "SAVEPOINT s",
                              "UPDATE rb_a SET v = v + 100 WHERE id = 4", "DELETE FROM rb_b WHERE k = 2",
                              "ROLLBACK TO SAVEPOINT s", "SAVEPOINT t", "INSERT INTO rb_a VALUES (1001, 4, 7)",
                              "RELEASE SAVEPOINT t"});
  expect_st_matches_query(conn(), "rb_st", q);
  // The first write inside a released savepoint.
  run_in_transaction(conn(), {"SAVEPOINT s", "UPDATE rb_a SET v = 0 WHERE id = 5", "RELEASE SAVEPOINT s"});
  expect_st_matches_query(conn(), "rb_st", q);
}

TEST_F(ImmediateCommit, FailingMaintenanceAbortsTheCommit) {
  conn().exec("CREATE TABLE fail_src (id int PRIMARY KEY, d int)");
  conn().exec("INSERT INTO fail_src VALUES (1, 1), (2, 2)");
  const std::string q = "SELECT id, 100 / d AS q FROM fail_src";
  create_stream_table(conn(), "fail_st", q, "IMMEDIATE");
  set_timing(conn(), "fail_st", "commit");
  conn().exec("BEGIN");
  conn().exec("INSERT INTO fail_src VALUES (3, 0)");  // the statement itself succeeds
  const ExecOutcome out = conn().try_exec("COMMIT");
  EXPECT_FALSE(out.ok) << "the commit succeeded with a failing maintenance";
  EXPECT_EQ(out.sqlstate, "22012") << out.message;
  conn().try_exec("ROLLBACK");
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM fail_src"), "2") << "the source change was committed";
  expect_st_matches_query(conn(), "fail_st", q);
}

TEST_F(ImmediateCommit, AThousandSingleRowStatementsPayOneMaintenance) {
  conn().exec("CREATE TABLE one_src (id int PRIMARY KEY, g int, v int)");
  conn().exec("INSERT INTO one_src SELECT i, i % 10, i FROM generate_series(1, 10000) i");
  const std::string q = "SELECT g, count(*) AS n, sum(v) AS total FROM one_src GROUP BY g";
  create_stream_table(conn(), "one_st", q, "IMMEDIATE");
  count_writes("one_st");
  auto thousand_updates = [&] {
    std::vector<std::string> statements;
    for (int i = 0; i < 1000; ++i)
      statements.push_back("UPDATE one_src SET v = v + 1 WHERE id = " + std::to_string(10 * i + 3));  // all g = 3
    run_in_transaction(conn(), statements);
  };
  // Statement timing: the group's row is rewritten by every statement.
  thousand_updates();
  EXPECT_EQ(writes(), 1000);
  expect_st_matches_query(conn(), "one_st", q);
  set_timing(conn(), "one_st", "commit");
  const std::string frontier =
      conn().scalar("SELECT frontier::text FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'one_st'");
  reset_writes();
  thousand_updates();
  EXPECT_EQ(writes(), 1) << "ON COMMIT: one maintenance for the transaction";
  expect_st_matches_query(conn(), "one_st", q);
  EXPECT_NE(conn().scalar("SELECT frontier::text FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'one_st'"),
            frontier)
      << "the frontier moved";
}

TEST_F(ImmediateCommit, ChangesConsolidateWithinTheTransaction) {
  const std::string q = make_join_group("cons");
  count_writes("cons_st");
  // Insert then delete: nothing reaches the stream table.
  run_in_transaction(conn(), {"INSERT INTO cons_a VALUES (500, 1, 42)", "DELETE FROM cons_a WHERE id = 500"});
  EXPECT_EQ(writes(), 0);
  expect_st_matches_query(conn(), "cons_st", q);
  // One row updated twice, then back: nothing; twice forward: one write.
  run_in_transaction(conn(), {"UPDATE cons_a SET v = v + 5 WHERE id = 7", "UPDATE cons_a SET v = v - 5 WHERE id = 7"});
  EXPECT_EQ(writes(), 0);
  run_in_transaction(conn(), {"UPDATE cons_a SET v = v + 5 WHERE id = 7", "UPDATE cons_a SET v = v + 5 WHERE id = 7"});
  EXPECT_EQ(writes(), 1);
  expect_st_matches_query(conn(), "cons_st", q);
  // Both sides of the join in one transaction: a new group, a key moved,
  // a group emptied.
  run_in_transaction(conn(), {"INSERT INTO cons_b VALUES (9, 'n9')", "INSERT INTO cons_a VALUES (600, 9, 1)",
                              "UPDATE cons_a SET k = 9 WHERE id = 10", "UPDATE cons_b SET name = 'renamed' WHERE k = 2",
                              "DELETE FROM cons_a WHERE k = 4", "INSERT INTO cons_a VALUES (601, 4, 3)",
                              "DELETE FROM cons_b WHERE k = 3"});
  expect_st_matches_query(conn(), "cons_st", q);
}

TEST_F(ImmediateCommit, StreamTablesOverAnOnCommitTable) {
  const std::string q = make_join_group("chain");
  const std::string q2 = "SELECT count(*) AS groups, sum(total) AS total FROM chain_st";
  const std::string q3 = "SELECT name, total * 2 AS doubled FROM chain_st";
  create_stream_table(conn(), "chain_st2", q2, "IMMEDIATE");
  // An ON COMMIT table over a statement-timing one is refused.
  ExecOutcome refused = conn().try_exec("SELECT pgtrickle.alter_stream_table('chain_st2', immediate_timing => 'commit')");
  EXPECT_TRUE(refused.ok) << refused.message;  // chain_st is ON COMMIT: allowed
  create_stream_table(conn(), "chain_st3", q3, "IMMEDIATE");  // statement timing over ON COMMIT: allowed
  create_stream_table(conn(), "chain_diff", q3, "DIFFERENTIAL");
  refused = conn().try_exec("SELECT pgtrickle.alter_stream_table('chain_st', immediate_timing => 'statement')");
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.sqlstate, "0A000") << refused.message;
  run_in_transaction(conn(), {"UPDATE chain_a SET v = v + 1 WHERE id < 30", "INSERT INTO chain_b VALUES (7, 'n7')",
                              "INSERT INTO chain_a VALUES (700, 7, 70)"});
  expect_st_matches_query(conn(), "chain_st", q);
  expect_st_matches_query(conn(), "chain_st2", q2);
  expect_st_matches_query(conn(), "chain_st3", q3);
  refresh_stream_table(conn(), "chain_diff");
  expect_st_matches_query(conn(), "chain_diff", q3);
  // A manual refresh of the upstream table maintains the ON COMMIT reader.
  conn().exec("BEGIN");
  conn().exec("UPDATE chain_a SET v = v + 1 WHERE id = 1");
  refresh_stream_table(conn(), "chain_st");
  expect_st_matches_query(conn(), "chain_st2", q2);
  conn().exec("COMMIT");
  expect_st_matches_query(conn(), "chain_st", q);
  expect_st_matches_query(conn(), "chain_st2", q2);
}

TEST_F(ImmediateCommit, TruncateAndSetConstraintsImmediate) {
  const std::string q = make_join_group("tr");
  run_in_transaction(conn(), {"INSERT INTO tr_a VALUES (900, 1, 9)", "TRUNCATE tr_a",
                              "INSERT INTO tr_a VALUES (1, 1, 5), (2, 2, 6)"});
  expect_st_matches_query(conn(), "tr_st", q);
  // SET CONSTRAINTS ALL IMMEDIATE fires the event early: maintained after
  // the statement; a later write is maintained at commit again.
  conn().exec("BEGIN");
  conn().exec("UPDATE tr_a SET v = 50 WHERE id = 1");
  conn().exec("SET CONSTRAINTS ALL IMMEDIATE");
  EXPECT_TRUE(st_matches_query(conn(), "tr_st", q)) << "after SET CONSTRAINTS ALL IMMEDIATE";
  conn().exec("SET CONSTRAINTS ALL DEFERRED");
  conn().exec("UPDATE tr_a SET v = 60 WHERE id = 2");
  conn().exec("COMMIT");
  expect_st_matches_query(conn(), "tr_st", q);
  // Calling the WHEN function by hand marks a table with no event queued:
  // the commit is refused rather than leaving it behind.
  conn().exec("BEGIN");
  conn().exec("SELECT pgtrickle._commit_event_wanted('tr_st'::regclass)");
  const ExecOutcome out = conn().try_exec("COMMIT");
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(out.sqlstate, "55000") << out.message;
}

TEST_F(ImmediateCommit, HostileNames) {
  conn().exec("CREATE SCHEMA \"Odd \"\"Schema\"");
  conn().exec("CREATE TABLE \"Odd \"\"Schema\".\"Src 'Q' \"\"A\"\"\" (\"Id\" int PRIMARY KEY, \"K ey\" int, v int)");
  conn().exec("CREATE TABLE \"Odd \"\"Schema\".\"MixedB\" (\"K ey\" int PRIMARY KEY, \"Name\" text)");
  conn().exec("INSERT INTO \"Odd \"\"Schema\".\"Src 'Q' \"\"A\"\"\" SELECT i, i % 3, i FROM generate_series(1, 30) i");
  conn().exec("INSERT INTO \"Odd \"\"Schema\".\"MixedB\" VALUES (0, 'zero'), (1, 'one'), (2, 'two')");
  const std::string q = "SELECT b.\"Name\", sum(a.v) AS total FROM \"Odd \"\"Schema\".\"Src 'Q' \"\"A\"\"\" a JOIN "
                        "\"Odd \"\"Schema\".\"MixedB\" b ON a.\"K ey\" = b.\"K ey\" GROUP BY b.\"Name\"";
  const std::string st = "\"Odd \"\"Schema\".\"St 'x' \"\"Y\"\"\"";
  create_stream_table(conn(), st, q, "IMMEDIATE");
  set_timing(conn(), st, "commit");
  run_in_transaction(conn(), {"UPDATE \"Odd \"\"Schema\".\"Src 'Q' \"\"A\"\"\" SET v = v * 2 WHERE \"Id\" < 10",
                              "UPDATE \"Odd \"\"Schema\".\"MixedB\" SET \"Name\" = 'Two''s' WHERE \"K ey\" = 2"});
  expect_st_matches_query(conn(), st, q);
  conn().exec("SELECT pgtrickle.drop_stream_table(" + quote_literal(st) + ")");
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                          "WHERE c.relnamespace = '\"Odd \"\"Schema\"'::regnamespace AND t.tgname LIKE 'pgt_ivc%'"),
            "0")
      << "the triggers go with the stream table";
}

TEST_F(ImmediateCommit, AWriterThatMayOnlyWriteTheSource) {
  const std::string q = make_join_group("wr");
  conn().exec(std::string("GRANT INSERT, UPDATE, DELETE ON wr_a TO ") + kWriter);
  conn().exec(std::string("GRANT SELECT (id) ON wr_a TO ") + kWriter);
  auto writer = connect(kWriter);
  run_in_transaction(*writer, {"INSERT INTO wr_a VALUES (800, 2, 8)", "UPDATE wr_a SET v = 1 WHERE id = 9",
                               "DELETE FROM wr_a WHERE id = 11"});
  expect_st_matches_query(conn(), "wr_st", q);
  // It cannot mark a stream table through the trigger's function into
  // escaping maintenance: the commit is refused.
  writer->exec("BEGIN");
  writer->exec("SELECT pgtrickle._commit_event_wanted('wr_st'::regclass)");
  writer->exec("UPDATE wr_a SET v = 2 WHERE id = 9");
  EXPECT_FALSE(writer->try_exec("COMMIT").ok);
  writer->try_exec("ROLLBACK");
  expect_st_matches_query(conn(), "wr_st", q);
}

TEST_F(ImmediateCommit, SwitchingTimingAndModes) {
  const std::string q = make_join_group("sw");
  auto triggers = [&](const std::string& prefix) {
    return std::stoi(conn().scalar("SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                                   "WHERE c.relname IN ('sw_a', 'sw_b') AND t.tgname LIKE '" + prefix + "%'"));
  };
  EXPECT_EQ(triggers("pgt\\_ivc\\_"), 4);  // row + trunc on both sources
  EXPECT_EQ(triggers("pgt\\_ivm\\_"), 0);
  EXPECT_EQ(triggers("pgt\\_cdc\\_"), 8);  // captured into the change buffers
  set_timing(conn(), "sw_st", "statement");
  EXPECT_EQ(triggers("pgt\\_ivc\\_"), 0);
  EXPECT_EQ(triggers("pgt\\_ivm\\_"), 10);
  EXPECT_EQ(triggers("pgt\\_cdc\\_"), 0);
  run_in_transaction(conn(), {"UPDATE sw_a SET v = v + 1 WHERE id = 1"});
  expect_st_matches_query(conn(), "sw_st", q);
  set_timing(conn(), "sw_st", "commit");
  run_in_transaction(conn(), {"UPDATE sw_a SET v = v + 1 WHERE id = 2"});
  expect_st_matches_query(conn(), "sw_st", q);
  // Leaving IMMEDIATE forgets the timing and the triggers.
  conn().exec("SELECT pgtrickle.alter_stream_table('sw_st', refresh_mode => 'DIFFERENTIAL')");
  EXPECT_EQ(conn().scalar("SELECT immediate_timing FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'sw_st'"),
            "statement");
  EXPECT_EQ(triggers("pgt\\_ivc\\_"), 0);
  // Refused for a table that is not IMMEDIATE, with a hint.
  ExecOutcome out = conn().try_exec("SELECT pgtrickle.alter_stream_table('sw_st', immediate_timing => 'commit')");
  EXPECT_EQ(out.sqlstate, "22023") << out.message;
  EXPECT_NE(out.hint.find("refresh_mode => 'IMMEDIATE'"), std::string::npos) << out.hint;
  out = conn().try_exec("SELECT pgtrickle.alter_stream_table('sw_st', immediate_timing => 'sometimes', "
                        "refresh_mode => 'IMMEDIATE')");
  EXPECT_EQ(out.sqlstate, "22023") << out.message;
  // Both in one call.
  conn().exec("SELECT pgtrickle.alter_stream_table('sw_st', refresh_mode => 'IMMEDIATE', immediate_timing => 'Commit')");
  EXPECT_EQ(triggers("pgt\\_ivc\\_"), 4);
  run_in_transaction(conn(), {"DELETE FROM sw_a WHERE id = 3", "UPDATE sw_b SET name = 'x' WHERE k = 1"});
  expect_st_matches_query(conn(), "sw_st", q);
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM pgtrickle.effective_schedule() s WHERE s.name LIKE '%sw_st%'"), "0")
      << "the scheduler lists it";
  conn().exec("DROP TABLE sw_st");
  EXPECT_EQ(triggers("pgt\\_ivc\\_"), 0) << "the triggers go with the stream table";
  run_in_transaction(conn(), {"UPDATE sw_a SET v = v + 1 WHERE id = 4"});
}

TEST_F(ImmediateCommit, PartitionsAndInheritanceChildren) {
  // A partitioned source: the row trigger is cloned onto its partitions,
  // also those created or attached later.
  conn().exec("CREATE TABLE pc_p (id int, g int, v int) PARTITION BY RANGE (id)");
  conn().exec("CREATE TABLE pc_p1 PARTITION OF pc_p FOR VALUES FROM (0) TO (100)");
  conn().exec("INSERT INTO pc_p SELECT i, i % 3, i FROM generate_series(0, 99) i");
  const std::string qp = "SELECT g, count(*) AS n, sum(v) AS total FROM pc_p GROUP BY g";
  create_stream_table(conn(), "pc_p_st", qp, "IMMEDIATE");
  set_timing(conn(), "pc_p_st", "commit");
  conn().exec("CREATE TABLE pc_p2 PARTITION OF pc_p FOR VALUES FROM (100) TO (200)");
  run_in_transaction(conn(), {"INSERT INTO pc_p VALUES (150, 1, 5)", "UPDATE pc_p1 SET v = 0 WHERE id = 3",
                              "INSERT INTO pc_p2 VALUES (160, 2, 6)"});
  expect_st_matches_query(conn(), "pc_p_st", qp);
  conn().exec("CREATE TABLE pc_p3 (id int, g int, v int)");
  conn().exec("INSERT INTO pc_p3 VALUES (250, 0, 7)");
  conn().exec("ALTER TABLE pc_p ATTACH PARTITION pc_p3 FOR VALUES FROM (200) TO (300)");
  expect_st_matches_query(conn(), "pc_p_st", qp);  // (rows that came with the partition)
  run_in_transaction(conn(), {"UPDATE pc_p3 SET v = v + 1"});
  expect_st_matches_query(conn(), "pc_p_st", qp);
  conn().exec("ALTER TABLE pc_p DETACH PARTITION pc_p2");
  expect_st_matches_query(conn(), "pc_p_st", qp);  // (rows that left with it)
  run_in_transaction(conn(), {"INSERT INTO pc_p2 VALUES (170, 1, 1)", "DELETE FROM pc_p1 WHERE id = 4"});
  expect_st_matches_query(conn(), "pc_p_st", qp);
  // An inheritance parent: a child created later gets the triggers.
  conn().exec("CREATE TABLE pc_i (id int, g int, v int)");
  conn().exec("INSERT INTO pc_i VALUES (1, 1, 1)");
  const std::string qi = "SELECT g, count(*) AS n, sum(v) AS total FROM pc_i GROUP BY g";
  create_stream_table(conn(), "pc_i_st", qi, "IMMEDIATE");
  set_timing(conn(), "pc_i_st", "commit");
  conn().exec("CREATE TABLE pc_i_child () INHERITS (pc_i)");
  run_in_transaction(conn(), {"INSERT INTO pc_i_child VALUES (2, 1, 10)", "INSERT INTO pc_i VALUES (3, 2, 3)"});
  expect_st_matches_query(conn(), "pc_i_st", qi);
  run_in_transaction(conn(), {"UPDATE pc_i_child SET v = 20"});
  expect_st_matches_query(conn(), "pc_i_st", qi);
}

// --- concurrency ------------------------------------------------------------

int soak_seconds() {
  const char* env = std::getenv("PGT_IMMEDIATE_SOAK_SECONDS");
  return env && *env ? std::max(1, std::atoi(env)) : 5;
}

struct WriterReport {
  int committed = 0, retried_40001 = 0, retried_40P01 = 0;
  std::string error;
};

std::string random_statement(const std::string& p, std::mt19937_64& rng, int writer, int& next_order) {
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const std::string cust = std::to_string(pick(1, 44));
  const char* regions[] = {"'north'", "'south'", "'east'", "'west'", "NULL"};
  const std::string orders = p + "_orders", cust_t = p + "_cust";
  switch (pick(0, 8)) {
    case 0:
    case 1:
      return "INSERT INTO " + orders + " VALUES (" + std::to_string(writer * 1000000 + next_order++) + ", " + cust +
             ", " + std::to_string(pick(0, 9)) + ")";
    case 2:
      return "UPDATE " + orders + " SET qty = qty + 1 WHERE cust_id = " + cust;
    case 3:
      return "UPDATE " + orders + " SET cust_id = " + cust + " WHERE id IN (SELECT id FROM " + orders +
             " WHERE cust_id = " + std::to_string(pick(1, 44)) + " LIMIT 2)";
    case 4:
      return "DELETE FROM " + orders + " WHERE id IN (SELECT id FROM " + orders + " WHERE cust_id = " + cust +
             " LIMIT 1)";
    case 5:
      return "UPDATE " + cust_t + " SET region = " + regions[pick(0, 4)] + " WHERE id = " + cust;
    case 6:
      return "INSERT INTO " + cust_t + " VALUES (" + cust + ", " + regions[pick(0, 3)] +
             ") ON CONFLICT (id) DO UPDATE SET region = excluded.region";
    case 7:
      return "DELETE FROM " + cust_t + " WHERE id = " + cust;
    default:
      return "UPDATE " + orders + " SET qty = qty - 1 WHERE id = " + std::to_string(pick(1, 400));
  }
}

void run_writer(const std::string& p, const std::string& isolation, std::uint64_t seed, int writer,
                const std::atomic<bool>& stop, WriterReport& report) {
  try {
    auto session = TestDb::connect();
    std::mt19937_64 rng(seed);
    int next_order = 1;
    while (!stop) {
      std::vector<std::string> batch;
      const int statements = std::uniform_int_distribution<int>(1, 6)(rng);
      for (int i = 0; i < statements; ++i) batch.push_back(random_statement(p, rng, writer, next_order));
      for (;;) {
        ExecOutcome out = session->try_exec("BEGIN ISOLATION LEVEL " + isolation);
        for (std::size_t i = 0; out.ok && i < batch.size(); ++i) out = session->try_exec(batch[i]);
        if (out.ok) out = session->try_exec("COMMIT");
        if (out.ok) {
          ++report.committed;
          break;
        }
        session->try_exec("ROLLBACK");
        if (out.sqlstate == "40001") {
          ++report.retried_40001;
        } else if (out.sqlstate == "40P01") {
          ++report.retried_40P01;  // row locks of the sources (PostgreSQL's own)
        } else {
          report.error = "[" + out.sqlstate + "] " + out.message;
          return;
        }
        if (stop) break;
      }
    }
  } catch (const std::exception& e) {
    report.error = e.what();
  }
}

class ImmediateCommitConcurrency : public TestDb, public ::testing::WithParamInterface<std::string> {};

TEST_P(ImmediateCommitConcurrency, EightWritersOverBothSidesOfAJoin) {
  const std::uint64_t seed = test_seed();
  SCOPED_TRACE(seed_note(seed));
  const std::string isolation = GetParam();
  const std::string p = isolation == "READ COMMITTED" ? "ocrc" : "ocrr";
  conn().exec("CREATE TABLE " + p + "_cust (id int PRIMARY KEY, region text)");
  conn().exec("CREATE TABLE " + p + "_orders (id int PRIMARY KEY, cust_id int, qty int)");
  conn().exec("INSERT INTO " + p + "_cust SELECT i, (ARRAY['north','south','east','west'])[1 + i % 4] "
              "FROM generate_series(1, 40) i");
  conn().exec("INSERT INTO " + p + "_orders SELECT i, 1 + i % 44, i % 10 FROM generate_series(1, 400) i");
  const std::string q_join = "SELECT o.id AS order_id, o.qty, c.id AS cust_id, c.region FROM " + p +
                             "_orders o JOIN " + p + "_cust c ON o.cust_id = c.id";
  const std::string q_group = "SELECT c.region, count(*) AS n, sum(o.qty) AS total FROM " + p + "_orders o JOIN " +
                              p + "_cust c ON o.cust_id = c.id GROUP BY c.region";
  create_stream_table(conn(), p + "_join", q_join, "IMMEDIATE");
  create_stream_table(conn(), p + "_group", q_group, "IMMEDIATE");
  set_timing(conn(), p + "_join", "commit");
  set_timing(conn(), p + "_group", "commit");

  constexpr int kWriters = 8;
  std::atomic<bool> stop{false};
  std::vector<WriterReport> reports(kWriters);
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w)
    threads.emplace_back(run_writer, std::cref(p), std::cref(isolation), seed + static_cast<std::uint64_t>(w) * 7919,
                         w + 1, std::cref(stop), std::ref(reports[w]));
  std::this_thread::sleep_for(std::chrono::seconds(soak_seconds()));
  stop = true;
  for (std::thread& th : threads) th.join();
  int committed = 0, r40001 = 0, r40P01 = 0;
  for (int w = 0; w < kWriters; ++w) {
    EXPECT_TRUE(reports[w].error.empty()) << "writer " << w + 1 << " stopped: " << reports[w].error;
    committed += reports[w].committed;
    r40001 += reports[w].retried_40001;
    r40P01 += reports[w].retried_40P01;
  }
  std::printf("[ %s ] %d transactions committed, %d retried after 40001, %d after 40P01\n", isolation.c_str(),
              committed, r40001, r40P01);
  EXPECT_GT(committed, kWriters) << "the writers made no progress";
  if (isolation == "READ COMMITTED") {
    EXPECT_EQ(r40001, 0);
  }
  expect_st_matches_query(conn(), p + "_join", q_join);
  expect_st_matches_query(conn(), p + "_group", q_group);
}

INSTANTIATE_TEST_SUITE_P(Isolation, ImmediateCommitConcurrency,
                         ::testing::Values("READ COMMITTED", "REPEATABLE READ"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name;
                           for (char c : info.param)
                             if (c != ' ') name += c;
                           return name;
                         });

// Two writers: T1 writes x then y, T2 writes y then x (other rows), each of
// x and y read by its own IMMEDIATE stream table. Returns the outcomes of
// T1's and T2's last statements and commits.
struct OppositeOrder {
  ExecOutcome t1, t2;
};

OppositeOrder write_in_opposite_orders(PgConn& t1, PgConn& t2) {
  t1.exec("BEGIN");
  t1.exec("UPDATE oo_x SET v = v + 1 WHERE id = 1");
  t2.exec("BEGIN");
  t2.exec("UPDATE oo_y SET v = v + 1 WHERE id = 2");
  // Both second statements at once, then both commits at once.
  OppositeOrder out;
  if (PQsendQuery(t1.raw(), "UPDATE oo_y SET v = v + 1 WHERE id = 1; COMMIT") != 1 ||
      PQsendQuery(t2.raw(), "UPDATE oo_x SET v = v + 1 WHERE id = 2; COMMIT") != 1)
    throw std::runtime_error("PQsendQuery failed");
  auto finish = [](PgConn& s) {
    ExecOutcome o;
    while (PGresult* res = PQgetResult(s.raw())) {
      if (PQresultStatus(res) == PGRES_FATAL_ERROR && o.ok) {
        o.ok = false;
        const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        const char* msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
        o.sqlstate = state ? state : "";
        o.message = msg ? msg : "";
      }
      PQclear(res);
    }
    return o;
  };
  out.t1 = finish(t1);
  out.t2 = finish(t2);
  t1.try_exec("ROLLBACK");
  t2.try_exec("ROLLBACK");
  return out;
}

class ImmediateCommitLocking : public TestDb {
 protected:
  void make(const std::string& timing) {
    conn().exec("DROP TABLE IF EXISTS oo_x, oo_y CASCADE");
    conn().exec("CREATE TABLE oo_x (id int PRIMARY KEY, v int)");
    conn().exec("CREATE TABLE oo_y (id int PRIMARY KEY, v int)");
    conn().exec("INSERT INTO oo_x VALUES (1, 0), (2, 0)");
    conn().exec("INSERT INTO oo_y VALUES (1, 0), (2, 0)");
    create_stream_table(conn(), "oo_x_st", "SELECT sum(v) AS total FROM oo_x", "IMMEDIATE");
    create_stream_table(conn(), "oo_y_st", "SELECT sum(v) AS total FROM oo_y", "IMMEDIATE");
    set_timing(conn(), "oo_x_st", timing);
    set_timing(conn(), "oo_y_st", timing);
  }
};

TEST_F(ImmediateCommitLocking, WritersInOppositeOrdersDoNotDeadlock) {
  make("commit");
  auto t1 = connect(), t2 = connect();
  for (int round = 0; round < 5; ++round) {
    const OppositeOrder out = write_in_opposite_orders(*t1, *t2);
    EXPECT_TRUE(out.t1.ok) << "T1: [" << out.t1.sqlstate << "] " << out.t1.message;
    EXPECT_TRUE(out.t2.ok) << "T2: [" << out.t2.sqlstate << "] " << out.t2.message;
  }
  expect_st_matches_query(conn(), "oo_x_st", "SELECT sum(v) AS total FROM oo_x");
  expect_st_matches_query(conn(), "oo_y_st", "SELECT sum(v) AS total FROM oo_y");
  EXPECT_EQ(conn().scalar("SELECT total FROM oo_x_st"), "10");  // both writers' updates, 5 rounds
  EXPECT_EQ(conn().scalar("SELECT total FROM oo_y_st"), "10");
}

// The contrast: maintained after every statement, each writer holds the
// lock of the first stream table it maintained and waits for the other's.
TEST_F(ImmediateCommitLocking, StatementTimingWritersInOppositeOrdersDeadlock) {
  make("statement");
  auto t1 = connect(), t2 = connect();
  const OppositeOrder out = write_in_opposite_orders(*t1, *t2);
  EXPECT_TRUE(out.t1.sqlstate == "40P01" || out.t2.sqlstate == "40P01")
      << "T1: [" << out.t1.sqlstate << "] T2: [" << out.t2.sqlstate << "]";
  expect_st_matches_query(conn(), "oo_x_st", "SELECT sum(v) AS total FROM oo_x");
  expect_st_matches_query(conn(), "oo_y_st", "SELECT sum(v) AS total FROM oo_y");
}

}  // namespace
}  // namespace pgt_e2e
