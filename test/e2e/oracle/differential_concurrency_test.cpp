// Exact frontiers under concurrency (DESIGN.md section 4): a DIFFERENTIAL
// refresh consumes exactly the changes committed before its snapshot and not
// consumed before — none lost, none twice — whatever the commit order of the
// writers (refreshes inside a writing transaction: refresh_in_transaction_test).
//
// Sources are mostly keyless with duplicate rows: applying a change twice (or
// losing one) then shows as a wrong number of copies, which the multiset
// oracle sees; an upsert by key could hide it.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include "concurrent_workload.h"
#include "drop_objects.h"
#include "oracle.h"
#include "refresh_history.h"
#include "seed.h"
#include "stream_table.h"
#include "test_db.h"

namespace pgt_e2e {
namespace {

class DifferentialConcurrency : public TestDb {
 protected:
  void SetUp() override {
    TestDb::SetUp();
    conn().exec("SET pg_trickle.differential_max_change_ratio = 1000");
  }

  std::string count_in(const std::string& st, const std::string& where) {
    return conn().scalar("SELECT count(*) FROM " + st + " WHERE " + where);
  }
};

// --- (a) a transaction that wrote before a refresh and commits after it ------

TEST_F(DifferentialConcurrency, LongTransactionCommittingAfterARefreshIsConsumedByTheNext) {
  conn().exec("CREATE TABLE lt_src (k int, v text)");
  conn().exec("INSERT INTO lt_src SELECT g % 10, 'v' || (g % 7) FROM generate_series(1, 80) g");
  conn().exec("CREATE TABLE lt_keyed (id int PRIMARY KEY, k int, w int)");
  conn().exec("INSERT INTO lt_keyed SELECT g, g % 10, g FROM generate_series(1, 40) g");
  const std::string q_scan = "SELECT k, v FROM lt_src";
  const std::string q_join = "SELECT s.k, s.v, e.id, e.w FROM lt_src s JOIN lt_keyed e ON s.k = e.k";
  create_stream_table(conn(), "lt_scan", q_scan, "DIFFERENTIAL");
  create_stream_table(conn(), "lt_join", q_join, "DIFFERENTIAL");
  auto refresh_and_check = [&](const std::string& when) {
    SCOPED_TRACE(when);
    refresh_stream_table(conn(), "lt_scan");
    refresh_stream_table(conn(), "lt_join");
    EXPECT_TRUE(st_matches_query(conn(), "lt_scan", q_scan));
    EXPECT_TRUE(st_matches_query(conn(), "lt_join", q_join));
  };

  // The long transaction takes its transaction id first: later transactions
  // commit before it does, so neither its id nor its start orders its commit.
  auto long_tx = connect();
  long_tx->exec("BEGIN");
  long_tx->exec("INSERT INTO lt_src VALUES (1, 'long'), (1, 'long'), (2, 'long')");
  long_tx->exec("UPDATE lt_keyed SET w = w + 1000 WHERE id IN (1, 2)");
  long_tx->exec("DELETE FROM lt_src WHERE ctid = (SELECT ctid FROM lt_src WHERE k = 3 LIMIT 1)");
  conn().exec("INSERT INTO lt_src VALUES (1, 'short'), (1, 'short')");
  conn().exec("UPDATE lt_keyed SET w = -w WHERE id = 5");

  refresh_and_check("refresh 1, the long transaction still open");
  EXPECT_EQ(count_in("lt_scan", "v = 'long'"), "0");
  EXPECT_EQ(count_in("lt_scan", "v = 'short'"), "2");
  EXPECT_EQ(count_in("lt_join", "w > 1000"), "0");

  // It writes again after the refresh, others commit around it.
  long_tx->exec("INSERT INTO lt_src VALUES (4, 'late')");
  conn().exec("INSERT INTO lt_src VALUES (1, 'short')");
  refresh_and_check("refresh 2, the long transaction still open");
  EXPECT_EQ(count_in("lt_scan", "v IN ('long', 'late')"), "0");
  EXPECT_EQ(count_in("lt_scan", "v = 'short'"), "3");

  long_tx->exec("COMMIT");
  refresh_and_check("refresh 3, after the long transaction committed");
  EXPECT_EQ(count_in("lt_scan", "v = 'long'"), "3");
  EXPECT_EQ(count_in("lt_scan", "v = 'late'"), "1");
  EXPECT_EQ(count_in("lt_scan", "v = 'short'"), "3");
  EXPECT_EQ(last_refresh(conn(), "lt_scan").action, "DIFFERENTIAL");
  EXPECT_EQ(last_refresh(conn(), "lt_join").action, "DIFFERENTIAL");

  refresh_and_check("refresh 4, nothing new");
  EXPECT_EQ(last_refresh(conn(), "lt_scan").action, "NO_DATA");
  EXPECT_EQ(last_refresh(conn(), "lt_join").action, "NO_DATA");
}

TEST_F(DifferentialConcurrency, TransactionWhoseSnapshotPrecedesARefreshButWritesAfterIt) {
  conn().exec("CREATE TABLE ls_src (k int, v text)");
  conn().exec("INSERT INTO ls_src SELECT g % 5, 'v' FROM generate_series(1, 50) g");
  const std::string q = "SELECT k, v FROM ls_src WHERE k <> 4";
  create_stream_table(conn(), "ls_st", q, "DIFFERENTIAL");

  // Snapshot taken (no transaction id yet) before the refresh; the write and
  // the commit come after it.
  auto rr = connect();
  rr->exec("BEGIN ISOLATION LEVEL REPEATABLE READ");
  ASSERT_EQ(rr->scalar("SELECT count(*) FROM ls_src"), "50");
  conn().exec("INSERT INTO ls_src VALUES (1, 'before')");
  refresh_stream_table(conn(), "ls_st");
  EXPECT_TRUE(st_matches_query(conn(), "ls_st", q));
  rr->exec("INSERT INTO ls_src VALUES (1, 'rr'), (1, 'rr')");
  rr->exec("DELETE FROM ls_src WHERE ctid = (SELECT ctid FROM ls_src WHERE k = 2 LIMIT 1)");
  refresh_stream_table(conn(), "ls_st");
  EXPECT_TRUE(st_matches_query(conn(), "ls_st", q));
  rr->exec("COMMIT");
  refresh_stream_table(conn(), "ls_st");
  EXPECT_TRUE(st_matches_query(conn(), "ls_st", q));
  EXPECT_EQ(count_in("ls_st", "v = 'rr'"), "2");
  EXPECT_EQ(last_refresh(conn(), "ls_st").action, "DIFFERENTIAL");
}

TEST_F(DifferentialConcurrency, TransactionRolledBackAfterARefreshLeavesNoTrace) {
  conn().exec("CREATE TABLE rb_src (k int, v text)");
  conn().exec("INSERT INTO rb_src SELECT g % 5, 'v' FROM generate_series(1, 50) g");
  const std::string q = "SELECT k, v FROM rb_src";
  create_stream_table(conn(), "rb_st", q, "DIFFERENTIAL");

  auto doomed = connect();
  doomed->exec("BEGIN");
  doomed->exec("INSERT INTO rb_src VALUES (9, 'doomed')");
  doomed->exec("DELETE FROM rb_src WHERE k = 0");
  conn().exec("INSERT INTO rb_src VALUES (8, 'kept')");
  refresh_stream_table(conn(), "rb_st");
  EXPECT_TRUE(st_matches_query(conn(), "rb_st", q));
  doomed->exec("ROLLBACK");
  refresh_stream_table(conn(), "rb_st");
  EXPECT_TRUE(st_matches_query(conn(), "rb_st", q));
  EXPECT_EQ(count_in("rb_st", "k = 0"), "10");
  EXPECT_EQ(count_in("rb_st", "v = 'doomed'"), "0");
}

// --- (b) concurrent writers while refreshing --------------------------------

// Tables shared by the writers: every writer has its own key range (a
// multiple of 100000) and its own model. The join is on non-key columns, so
// every writer's rows join every other writer's.
std::vector<TableSpec> workload_tables(int writer) {
  const std::int64_t base = 100000 * static_cast<std::int64_t>(writer);
  const std::vector<std::string> names{"ann", "bob", "o'neil", ""};
  return {
      TableSpec{"cw_orders", ColumnSpec::integer("id", base + 1, base + 99999),
                {ColumnSpec::integer("cust", 1, 12, 0.05), ColumnSpec::integer("qty", 0, 9, 0.1)}, 60},
      TableSpec{"cw_customers", ColumnSpec::integer("id", base + 1, base + 20),
                {ColumnSpec::integer("code", 1, 12, 0.05), ColumnSpec::text("name", names, 0.1)}, 8},
      TableSpec{"cw_log", std::nullopt,
                {ColumnSpec::integer("k", 1, 5, 0.1), ColumnSpec::text("v", {"x", "y"}, 0.2)}, 50},
  };
}

const std::vector<JoinLink> kWorkloadLinks{{1, "code", 0, "cust"}};

const std::vector<RefreshTarget> kWorkloadTargets{
    {"cw_join", "SELECT o.id, o.qty, c.id AS cust_id, c.name FROM cw_orders o JOIN cw_customers c ON o.cust = c.code"},
    {"cw_scan", "SELECT k, v FROM cw_log WHERE v IS NOT NULL OR k > 2"},
};

// Creates the tables, `writers` writers with their initial rows, and the
// stream tables.
std::vector<std::unique_ptr<WriterThread>> prepare_workload(PgConn& conn, int writers, std::uint64_t seed) {
  std::vector<std::string> sts, tables;
  for (const RefreshTarget& t : kWorkloadTargets) sts.push_back(t.st);
  for (const TableSpec& spec : workload_tables(0)) tables.push_back(spec.name);
  drop_stream_tables_and_tables(conn, sts, tables);  // the suite's tests share a database
  for (const TableSpec& spec : workload_tables(0)) conn.exec(spec.create_sql());
  std::vector<std::unique_ptr<WriterThread>> out;
  for (int w = 0; w < writers; ++w) {
    out.push_back(std::make_unique<WriterThread>(workload_tables(w), kWorkloadLinks, seed + static_cast<unsigned>(w)));
    out.back()->insert_initial_rows();
  }
  for (const RefreshTarget& t : kWorkloadTargets) create_stream_table(conn, t.st, t.query, "DIFFERENTIAL");
  return out;
}

// Runs the writers and refreshers for `seconds`, stops them, then checks
// what they saw, refreshes once more and checks the oracle.
void run_workload(PgConn& conn, std::vector<std::unique_ptr<WriterThread>>& writers,
                  std::vector<std::unique_ptr<RefresherThread>>& refreshers, double seconds) {
  for (auto& r : refreshers) r->start();
  for (auto& w : writers) w->start();
  std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int>(seconds * 1000)));
  for (auto& w : writers) w->stop();
  for (auto& r : refreshers) r->stop();

  int committed = 0, rolled_back = 0, refreshes = 0, snapshot_checks = 0;
  for (auto& w : writers) {
    EXPECT_EQ(w->error(), "") << "a writer failed";
    committed += w->committed();
    rolled_back += w->rolled_back();
  }
  for (auto& r : refreshers) {
    EXPECT_EQ(r->error(), "") << "a refresher failed";
    for (const std::string& m : r->mismatches()) ADD_FAILURE() << "oracle mismatch in a refresh's snapshot, " << m;
    refreshes += r->refreshes();
    snapshot_checks += r->snapshot_checks();
  }
  ::testing::Test::RecordProperty("committed_batches", committed);
  ::testing::Test::RecordProperty("rolled_back_batches", rolled_back);
  ::testing::Test::RecordProperty("refreshes", refreshes);
  EXPECT_GT(committed, 20) << "writers barely ran";
  EXPECT_LT(rolled_back, committed) << "most batches were rolled back";
  EXPECT_GT(refreshes, 10) << "refreshers barely ran";
  std::printf("[          ] %d batches committed, %d rolled back (deadlock etc.), %d refreshes (%d checked "
              "in their snapshot)\n",
              committed, rolled_back, refreshes, snapshot_checks);

  for (const RefreshTarget& t : kWorkloadTargets) {
    SCOPED_TRACE(t.st);
    refresh_stream_table(conn, t.st);
    EXPECT_TRUE(st_matches_query(conn, t.st, t.query));
    const std::map<std::string, int> actions = refresh_action_counts(conn, t.st);
    EXPECT_EQ(actions.count("FULL"), 0u) << ::testing::PrintToString(actions);
    EXPECT_GT(actions.count("DIFFERENTIAL") ? actions.at("DIFFERENTIAL") : 0, 3)
        << ::testing::PrintToString(actions);
  }
}

TEST_F(DifferentialConcurrency, WritersCommittingWhileAnotherSessionRefreshes) {
  const std::uint64_t seed = test_seed();
  SCOPED_TRACE(seed_note(seed) + " (thread interleaving is not replayable)");
  auto writers = prepare_workload(conn(), 3, seed);
  std::vector<std::unique_ptr<RefresherThread>> refreshers;
  refreshers.push_back(std::make_unique<RefresherThread>(kWorkloadTargets, /*check_in_snapshot=*/true));
  run_workload(conn(), writers, refreshers, 4.0);
}

// Two sessions refreshing the same stream tables at once (e.g. a manual
// refresh racing the scheduler): the second waits for the first and must then
// consume only what the first left.
TEST_F(DifferentialConcurrency, TwoSessionsRefreshingTheSameStreamTablesWhileWritersCommit) {
  const std::uint64_t seed = test_seed();
  SCOPED_TRACE(seed_note(seed) + " (thread interleaving is not replayable)");
  auto writers = prepare_workload(conn(), 2, seed);
  std::vector<std::unique_ptr<RefresherThread>> refreshers;
  refreshers.push_back(std::make_unique<RefresherThread>(kWorkloadTargets, false));
  refreshers.push_back(std::make_unique<RefresherThread>(kWorkloadTargets, false));
  run_workload(conn(), writers, refreshers, 3.0);
}

// The same race, step by step. Refresh A consumes a change and holds the
// stream table until it commits; refresh B starts meanwhile and waits. A
// transaction that stays open throughout keeps the change buffer from being
// cleaned, so the change is still there when B runs: B must start from A's
// frontier, not from the one it saw before waiting.
void send_async(PgConn& conn, const std::string& sql) {
  if (!PQsendQuery(conn.raw(), sql.c_str()))
    throw std::runtime_error(std::string("PQsendQuery: ") + PQerrorMessage(conn.raw()));
}

ExecOutcome finish_async(PgConn& conn) {
  ExecOutcome out;
  while (PGresult* res = PQgetResult(conn.raw())) {
    if (PQresultStatus(res) == PGRES_FATAL_ERROR) {
      out.ok = false;
      const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
      const char* message = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
      out.sqlstate = state ? state : "";
      out.message = message ? message : "";
    }
    PQclear(res);
  }
  return out;
}

// True once session `pid` waits for a lock (polled up to ~10 s).
bool waits_for_lock(PgConn& observer, int pid) {
  for (int i = 0; i < 1000; ++i) {
    if (observer.scalar("SELECT count(*) FROM pg_stat_activity WHERE pid = " + std::to_string(pid) +
                        " AND wait_event_type = 'Lock'") == "1")
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST_F(DifferentialConcurrency, RefreshThatWaitedForAnotherConsumesOnlyWhatThatOneLeft) {
  drop_stream_tables_and_tables(conn(), {"wr_st"}, {"wr_src", "wr_other"});
  conn().exec("CREATE TABLE wr_src (k int, v text)");
  conn().exec("INSERT INTO wr_src SELECT g % 5, 'v' FROM generate_series(1, 40) g");
  conn().exec("CREATE TABLE wr_other (x int)");
  const std::string q = "SELECT k, v FROM wr_src";
  create_stream_table(conn(), "wr_st", q, "DIFFERENTIAL");

  auto horizon = connect();  // an open transaction with an id: keeps the buffer's rows
  horizon->exec("BEGIN");
  horizon->exec("INSERT INTO wr_other VALUES (1)");
  conn().exec("INSERT INTO wr_src VALUES (1, 'new'), (1, 'new')");

  auto a = connect();
  auto b = connect();
  a->exec("SET pg_trickle.differential_max_change_ratio = 1000");
  b->exec("SET pg_trickle.differential_max_change_ratio = 1000");
  a->exec("BEGIN");
  refresh_stream_table(*a, "wr_st");
  send_async(*b, refresh_stream_table_sql("wr_st"));
  const bool b_waited = waits_for_lock(conn(), b->backend_pid());
  a->exec("COMMIT");
  const ExecOutcome b_result = finish_async(*b);
  horizon->exec("COMMIT");

  EXPECT_TRUE(b_waited) << "refresh B never waited for refresh A";
  EXPECT_TRUE(b_result.ok) << "refresh B failed [" << b_result.sqlstate << "]: " << b_result.message;
  EXPECT_TRUE(st_matches_query(conn(), "wr_st", q));
  EXPECT_EQ(count_in("wr_st", "v = 'new'"), "2") << "the change was applied by both refreshes";
  const std::vector<RefreshRecord> history = refresh_history(conn(), "wr_st");
  for (const RefreshRecord& r : history) RecordProperty("refresh", describe(r));
  ASSERT_GE(history.size(), 3u);
  EXPECT_EQ(history.back().action, "NO_DATA") << describe(history.back());
}


// The catalog row is read locked (FOR UPDATE semantics, in C): a refresh
// waits for a transaction changing it, then starts from what that one left.
TEST_F(DifferentialConcurrency, RefreshWaitsForAnUncommittedChangeOfItsCatalogRowAndReadsIt) {
  drop_stream_tables_and_tables(conn(), {"cw_st"}, {"cw_src"});
  conn().exec("CREATE TABLE cw_src (k int, v text)");
  conn().exec("INSERT INTO cw_src SELECT g % 5, 'v' FROM generate_series(1, 40) g");
  const std::string q = "SELECT k, v FROM cw_src";
  create_stream_table(conn(), "cw_st", q, "DIFFERENTIAL");
  conn().exec("INSERT INTO cw_src VALUES (1, 'new')");

  // What a source's ALTER does to its readers: their frontier is dropped,
  // without the stream table's lock.
  auto writer = connect();
  writer->exec("BEGIN");
  writer->exec("UPDATE pgtrickle.pgt_stream_tables SET frontier = NULL WHERE pgt_name = 'cw_st'");
  auto refresher = connect();
  refresher->exec("SET pg_trickle.differential_max_change_ratio = 1000");
  send_async(*refresher, refresh_stream_table_sql("cw_st"));
  const bool waited = waits_for_lock(conn(), refresher->backend_pid());
  writer->exec("COMMIT");
  const ExecOutcome result = finish_async(*refresher);

  EXPECT_TRUE(waited) << "the refresh did not wait for the change of its catalog row";
  ASSERT_TRUE(result.ok) << "[" << result.sqlstate << "] " << result.message;
  const RefreshRecord last = last_refresh(conn(), "cw_st");
  EXPECT_EQ(last.action, "FULL") << "the refresh read the row as it was before the change: " << describe(last);
  EXPECT_TRUE(st_matches_query(conn(), "cw_st", q));
  EXPECT_EQ(conn().scalar("SELECT frontier IS NOT NULL FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'cw_st'"),
            "t");
}

// Under REPEATABLE READ a refresh whose snapshot predates another refresh's
// commit would start from a stale frontier and apply changes twice: it fails
// to serialize instead, as SELECT ... FOR UPDATE does.
TEST_F(DifferentialConcurrency, RepeatableReadRefreshAfterAnotherRefreshCommittedFailsToSerialize) {
  drop_stream_tables_and_tables(conn(), {"rs_st"}, {"rs_src"});
  conn().exec("CREATE TABLE rs_src (k int, v text)");
  conn().exec("INSERT INTO rs_src SELECT g % 5, 'v' FROM generate_series(1, 40) g");
  const std::string q = "SELECT k, v FROM rs_src";
  create_stream_table(conn(), "rs_st", q, "DIFFERENTIAL");

  auto rr = connect();
  rr->exec("SET pg_trickle.differential_max_change_ratio = 1000");
  rr->exec("BEGIN ISOLATION LEVEL REPEATABLE READ");
  ASSERT_EQ(rr->scalar("SELECT count(*) FROM rs_st"), "40");
  conn().exec("INSERT INTO rs_src VALUES (1, 'new'), (1, 'new')");
  refresh_stream_table(conn(), "rs_st");
  const ExecOutcome stale = rr->try_exec(refresh_stream_table_sql("rs_st"));
  rr->exec("ROLLBACK");

  EXPECT_FALSE(stale.ok) << "a refresh from a stale snapshot of the catalog row succeeded";
  EXPECT_EQ(stale.sqlstate, "40001") << stale.message;
  EXPECT_TRUE(st_matches_query(conn(), "rs_st", q));
  EXPECT_EQ(count_in("rs_st", "v = 'new'"), "2");
}

}  // namespace
}  // namespace pgt_e2e
