// IMMEDIATE stream tables under concurrent writers.
//
// Writers of the sources of one IMMEDIATE stream table serialize on its
// ExclusiveLock (held to the end of the transaction); under REPEATABLE READ /
// SERIALIZABLE a writer whose snapshot predates another maintainer's commit
// gets 40001 (refresh/immediate_conflicts.h).
//
//  * Soak: 8 writer sessions change both sides of a join (customers, orders)
//    at random (inserts, updates of keys and values, deletes, upserts), for a
//    join stream table and a join + group stream table, in READ COMMITTED,
//    REPEATABLE READ and SERIALIZABLE; transactions failing with 40001 or
//    40P01 are retried; now and then a writer checks the stream tables
//    inside its transaction; at the end they equal their queries. 5 s per
//    isolation level; PGT_IMMEDIATE_SOAK_SECONDS=30 (or more) for a soak.
//  * Two-session interleavings, as PostgreSQL's isolation tester would run
//    them: T1 inserts into A, T2 inserts the matching row into B; T2 blocks
//    until T1 ends, then the stream table has the joined row (or not, if T1
//    rolled back); under REPEATABLE READ / SERIALIZABLE with a snapshot taken
//    before T1's commit, T2 gets 40001, and its retry succeeds.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
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

int soak_seconds() {
  const char* env = std::getenv("PGT_IMMEDIATE_SOAK_SECONDS");
  return env && *env ? std::max(1, std::atoi(env)) : 5;
}

// --- soak ---------------------------------------------------------------

struct SoakTables {
  std::string cust, orders;
  std::string q_join, q_group;
};

SoakTables soak_tables(const std::string& p) {
  SoakTables t{p + "_cust", p + "_orders", "", ""};
  t.q_join = "SELECT o.id AS order_id, o.qty, c.id AS cust_id, c.region FROM " + t.orders + " o JOIN " + t.cust +
             " c ON o.cust_id = c.id";
  t.q_group = "SELECT c.region, count(*) AS n, sum(o.qty) AS total, max(o.qty) AS hi FROM " + t.orders +
              " o JOIN " + t.cust + " c ON o.cust_id = c.id GROUP BY c.region";
  return t;
}

struct WriterReport {
  int committed = 0;
  int retried_40001 = 0;
  int retried_40P01 = 0;
  int inside_checks = 0;
  std::vector<std::string> mismatches;  // inside-transaction oracle failures
  std::string error;                    // an unexpected error ends the writer
};

// One random statement over customers 1..40 and orders (this writer's own
// order ids for inserts; updates and deletes reach everyone's rows).
std::string random_statement(const SoakTables& t, std::mt19937_64& rng, int writer, int& next_order) {
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const std::string cust = std::to_string(pick(1, 44));  // 41..44 never exist at start
  const char* regions[] = {"'north'", "'south'", "'east'", "'west'", "NULL"};
  switch (pick(0, 9)) {
    case 0:
    case 1:
      return "INSERT INTO " + t.orders + " VALUES (" + std::to_string(writer * 1000000 + next_order++) + ", " + cust +
             ", " + std::to_string(pick(0, 9)) + ")";
    case 2:
      return "UPDATE " + t.orders + " SET qty = qty + 1 WHERE cust_id = " + cust;
    case 3:
      return "UPDATE " + t.orders + " SET cust_id = " + cust + " WHERE id IN (SELECT id FROM " + t.orders +
             " WHERE cust_id = " + std::to_string(pick(1, 44)) + " LIMIT 2)";
    case 4:
      return "DELETE FROM " + t.orders + " WHERE id IN (SELECT id FROM " + t.orders + " WHERE cust_id = " + cust +
             " LIMIT 1)";
    case 5:
      return "UPDATE " + t.cust + " SET region = " + regions[pick(0, 4)] + " WHERE id = " + cust;
    case 6:
      return "INSERT INTO " + t.cust + " VALUES (" + cust + ", " + regions[pick(0, 3)] +
             ") ON CONFLICT (id) DO UPDATE SET region = excluded.region";
    case 7:
      return "DELETE FROM " + t.cust + " WHERE id = " + cust;
    case 8:
      return "WITH d AS (DELETE FROM " + t.cust + " WHERE id = " + cust + " RETURNING id) UPDATE " + t.orders +
             " SET cust_id = " + std::to_string(pick(1, 44)) + " WHERE cust_id IN (SELECT id FROM d)";
    default:
      return "UPDATE " + t.orders + " SET id = id + 500000 WHERE id = (SELECT min(id) FROM " + t.orders +
             " WHERE id >= " + std::to_string(writer * 1000000) + " AND id < " +
             std::to_string(writer * 1000000 + 500000) + ")";
  }
}

void run_writer(const SoakTables& t, const std::string& isolation, std::uint64_t seed, int writer,
                const std::atomic<bool>& stop, WriterReport& report) {
  try {
    auto session = TestDb::connect();
    std::mt19937_64 rng(seed);
    int next_order = 1;
    while (!stop) {
      const int statements = std::uniform_int_distribution<int>(1, 4)(rng);
      std::vector<std::string> batch;
      for (int i = 0; i < statements; ++i) batch.push_back(random_statement(t, rng, writer, next_order));
      const bool check_inside = std::uniform_int_distribution<int>(0, 9)(rng) == 0;
      for (;;) {  // retry the same transaction after 40001 / 40P01
        ExecOutcome out = session->try_exec("BEGIN ISOLATION LEVEL " + isolation);
        for (std::size_t i = 0; out.ok && i < batch.size(); ++i) {
          out = session->try_exec(batch[i]);
          if (out.ok && check_inside && i + 1 == batch.size()) {
            ++report.inside_checks;
            for (const auto& [st, q] : {std::pair<std::string, std::string>{t.cust + "_join", t.q_join},
                                        {t.cust + "_group", t.q_group}}) {
              const ::testing::AssertionResult same = st_matches_query(*session, st, q);
              if (!same && report.mismatches.size() < 3)
                report.mismatches.push_back("inside a transaction after: " + batch[i] + "\n" + same.message());
            }
          }
        }
        if (out.ok) out = session->try_exec("COMMIT");
        if (out.ok) {
          ++report.committed;
          break;
        }
        session->try_exec("ROLLBACK");
        if (out.sqlstate == "40001") {
          ++report.retried_40001;
        } else if (out.sqlstate == "40P01") {
          ++report.retried_40P01;
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

class ImmediateConcurrencySoak : public TestDb, public ::testing::WithParamInterface<std::string> {};

TEST_P(ImmediateConcurrencySoak, EightWritersOverBothSidesOfAJoin) {
  const std::uint64_t seed = test_seed();
  SCOPED_TRACE(seed_note(seed));
  const std::string isolation = GetParam();
  std::string prefix = "soak_";
  for (char c : isolation) prefix += c == ' ' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const SoakTables t = soak_tables(prefix);
  conn().exec("CREATE TABLE " + t.cust + " (id int PRIMARY KEY, region text)");
  conn().exec("CREATE TABLE " + t.orders + " (id int PRIMARY KEY, cust_id int, qty int)");
  conn().exec("INSERT INTO " + t.cust + " SELECT i, (ARRAY['north','south','east','west'])[1 + i % 4] "
              "FROM generate_series(1, 40) i");
  conn().exec("INSERT INTO " + t.orders + " SELECT i, 1 + i % 44, i % 10 FROM generate_series(1, 400) i");
  create_stream_table(conn(), t.cust + "_join", t.q_join, "IMMEDIATE");
  create_stream_table(conn(), t.cust + "_group", t.q_group, "IMMEDIATE");

  constexpr int kWriters = 8;
  std::atomic<bool> stop{false};
  std::vector<WriterReport> reports(kWriters);
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w)
    threads.emplace_back(run_writer, std::cref(t), std::cref(isolation), seed + static_cast<std::uint64_t>(w) * 7919,
                         w + 1, std::cref(stop), std::ref(reports[w]));
  std::this_thread::sleep_for(std::chrono::seconds(soak_seconds()));
  stop = true;
  for (std::thread& th : threads) th.join();

  int committed = 0, r40001 = 0, r40P01 = 0, checks = 0;
  for (int w = 0; w < kWriters; ++w) {
    const WriterReport& r = reports[w];
    EXPECT_TRUE(r.error.empty()) << "writer " << w + 1 << " stopped: " << r.error;
    for (const std::string& m : r.mismatches) ADD_FAILURE() << "writer " << w + 1 << ": " << m;
    committed += r.committed;
    r40001 += r.retried_40001;
    r40P01 += r.retried_40P01;
    checks += r.inside_checks;
  }
  RecordProperty("committed", committed);
  RecordProperty("retried_40001", r40001);
  RecordProperty("retried_40P01", r40P01);
  RecordProperty("inside_checks", checks);
  std::printf("[ %s ] %d transactions committed, %d retried after 40001, %d after 40P01, %d checked inside\n",
              isolation.c_str(), committed, r40001, r40P01, checks);
  EXPECT_GT(committed, kWriters) << "the writers made no progress";
  if (isolation == "READ COMMITTED") {
    EXPECT_EQ(r40001, 0) << "READ COMMITTED writers got serialization failures";
  }
  EXPECT_TRUE(st_matches_query(conn(), t.cust + "_join", t.q_join)) << "at the end";
  EXPECT_TRUE(st_matches_query(conn(), t.cust + "_group", t.q_group)) << "at the end";
}

INSTANTIATE_TEST_SUITE_P(Isolation, ImmediateConcurrencySoak,
                         ::testing::Values("READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name;
                           for (char c : info.param)
                             if (c != ' ') name += c;
                           return name;
                         });

// --- two-session interleavings --------------------------------------------

// A statement sent without waiting for its end.
class Pending {
 public:
  Pending(PgConn& session, const std::string& sql) : session_(session), sql_(sql) {
    if (PQsendQuery(session_.raw(), sql.c_str()) != 1)
      throw std::runtime_error(std::string("PQsendQuery: ") + PQerrorMessage(session_.raw()));
  }
  bool done() {
    PQconsumeInput(session_.raw());
    return !PQisBusy(session_.raw());
  }
  // Waits for the end; the outcome of the statement.
  ExecOutcome finish() {
    ExecOutcome out;
    while (PGresult* res = PQgetResult(session_.raw())) {
      const ExecStatusType st = PQresultStatus(res);
      if (st == PGRES_FATAL_ERROR) {
        out.ok = false;
        auto field = [&](int f) {
          const char* v = PQresultErrorField(res, f);
          return std::string(v ? v : "");
        };
        out.sqlstate = field(PG_DIAG_SQLSTATE);
        out.message = field(PG_DIAG_MESSAGE_PRIMARY);
        out.detail = field(PG_DIAG_MESSAGE_DETAIL);
        out.hint = field(PG_DIAG_MESSAGE_HINT);
      }
      PQclear(res);
    }
    return out;
  }

 private:
  PgConn& session_;
  std::string sql_;
};

class ImmediateInterleaving : public TestDb {
 public:  // the interleaving helpers below use these
  // a(id, k) JOIN b(id, k): the stream table <p>_st.
  void make_join(const std::string& p) {
    p_ = p;
    conn().exec("CREATE TABLE " + p + "_a (id int PRIMARY KEY, k int)");
    conn().exec("CREATE TABLE " + p + "_b (id int PRIMARY KEY, k int)");
    conn().exec("INSERT INTO " + p + "_a VALUES (1, 1)");
    conn().exec("INSERT INTO " + p + "_b VALUES (1, 1)");
    q_ = "SELECT a.id AS a_id, b.id AS b_id, a.k FROM " + p + "_a a JOIN " + p + "_b b ON a.k = b.k";
    create_stream_table(conn(), p + "_st", q_, "IMMEDIATE");
  }
  std::string joined_rows(int k) {
    return conn().scalar("SELECT count(*) FROM " + p_ + "_st WHERE k = " + std::to_string(k));
  }
  // Waits until `session` waits on a lock (or 10 s pass).
  bool waits_on_lock(PgConn& session, Pending& pending) {
    const std::string sql = "SELECT coalesce(wait_event_type = 'Lock', false) FROM pg_stat_activity WHERE pid = " +
                            std::to_string(session.backend_pid());
    for (int i = 0; i < 1000; ++i) {
      if (pending.done()) return false;
      if (conn().scalar(sql) == "t") return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  void expect_matches(const std::string& when) {
    EXPECT_TRUE(st_matches_query(conn(), p_ + "_st", q_)) << when;
  }

  std::string p_, q_;
};

// T1 writes `first`, T2 writes `second` (the matching row on the other
// side): T2 waits for T1; T1 ends (COMMIT or ROLLBACK), T2 goes on.
void interleave(ImmediateInterleaving& t, PgConn& t1, PgConn& t2, const std::string& first,
                const std::string& second, bool t1_commits) {
  t1.exec("BEGIN");
  t1.exec(first);
  t2.exec("BEGIN");
  Pending p(t2, second);
  EXPECT_TRUE(t.waits_on_lock(t2, p)) << "T2 (" << second << ") did not wait for T1 (" << first << ")";
  EXPECT_FALSE(p.done()) << "T2 finished while T1 held the stream table";
  t1.exec(t1_commits ? "COMMIT" : "ROLLBACK");
  const ExecOutcome out = p.finish();
  EXPECT_TRUE(out.ok) << "T2: [" << out.sqlstate << "] " << out.message;
  t2.exec("COMMIT");
}

TEST_F(ImmediateInterleaving, SecondWriterWaitsAndSeesTheFirstWritersRow) {
  make_join("il");
  auto t1 = connect(), t2 = connect();
  // A then B, T1 commits.
  interleave(*this, *t1, *t2, "INSERT INTO il_a VALUES (10, 10)", "INSERT INTO il_b VALUES (10, 10)", true);
  EXPECT_EQ(joined_rows(10), "1");
  expect_matches("A then B, T1 committed");
  // B then A, T1 commits.
  interleave(*this, *t1, *t2, "INSERT INTO il_b VALUES (20, 20)", "INSERT INTO il_a VALUES (20, 20)", true);
  EXPECT_EQ(joined_rows(20), "1");
  expect_matches("B then A, T1 committed");
  // T1 rolls back: T2's row joins nothing.
  interleave(*this, *t1, *t2, "INSERT INTO il_a VALUES (30, 30)", "INSERT INTO il_b VALUES (30, 30)", false);
  EXPECT_EQ(joined_rows(30), "0");
  expect_matches("A then B, T1 rolled back");
  // Updates and deletes on both sides.
  interleave(*this, *t1, *t2, "UPDATE il_a SET k = 30 WHERE id = 1", "UPDATE il_b SET k = 30 WHERE id = 1", true);
  EXPECT_EQ(joined_rows(30), "2");
  expect_matches("updates of both join keys");
  interleave(*this, *t1, *t2, "DELETE FROM il_b WHERE id = 30", "DELETE FROM il_a WHERE k = 30", true);
  expect_matches("deletes of both sides");
}

TEST_F(ImmediateInterleaving, TwoWritersInOneTransactionEachCommitInEitherOrder) {
  // Both write both sides in several statements; the one that starts first
  // commits first (the other waits at its first write), and the other goes on
  // from there.
  make_join("io");
  auto t1 = connect(), t2 = connect();
  t1->exec("BEGIN");
  t1->exec("INSERT INTO io_a VALUES (10, 5)");
  t2->exec("BEGIN");
  Pending p(*t2, "INSERT INTO io_b VALUES (10, 5)");
  EXPECT_TRUE(waits_on_lock(*t2, p));
  t1->exec("INSERT INTO io_b VALUES (11, 5)");
  EXPECT_TRUE(st_matches_query(*t1, "io_st", q_)) << "inside T1";
  t1->exec("COMMIT");
  ASSERT_TRUE(p.finish().ok);
  t2->exec("INSERT INTO io_a VALUES (11, 5)");
  EXPECT_TRUE(st_matches_query(*t2, "io_st", q_)) << "inside T2";
  t2->exec("COMMIT");
  EXPECT_EQ(joined_rows(5), "4");
  expect_matches("after both");
}

void serialization_failure_case(ImmediateInterleaving& t, PgConn& t1, PgConn& t2, const std::string& isolation,
                                int k) {
  const std::string a = "INSERT INTO " + t.p_ + "_a VALUES (" + std::to_string(k) + ", " + std::to_string(k) + ")";
  const std::string b = "INSERT INTO " + t.p_ + "_b VALUES (" + std::to_string(k) + ", " + std::to_string(k) + ")";
  t1.exec("BEGIN");
  t1.exec(a);
  t2.exec("BEGIN ISOLATION LEVEL " + isolation);
  t2.exec("SELECT count(*) FROM " + t.p_ + "_b");  // T2's snapshot: before T1's commit
  Pending p(t2, b);
  EXPECT_TRUE(t.waits_on_lock(t2, p)) << "T2 did not wait for T1";
  t1.exec("COMMIT");
  const ExecOutcome out = p.finish();
  EXPECT_FALSE(out.ok) << isolation << ": T2's delta would miss T1's row, yet it went on";
  EXPECT_EQ(out.sqlstate, "40001") << out.message;
  t2.exec("ROLLBACK");
  t.expect_matches(isolation + ": after T2's serialization failure");
  EXPECT_EQ(t.joined_rows(k), "0");
  // The retry, with a new snapshot, succeeds.
  t2.exec("BEGIN ISOLATION LEVEL " + isolation);
  t2.exec(b);
  t2.exec("COMMIT");
  EXPECT_EQ(t.joined_rows(k), "1");
  t.expect_matches(isolation + ": after T2's retry");
}

TEST_F(ImmediateInterleaving, RepeatableReadSecondWriterGetsSerializationFailure) {
  make_join("rr");
  auto t1 = connect(), t2 = connect();
  serialization_failure_case(*this, *t1, *t2, "REPEATABLE READ", 10);
  serialization_failure_case(*this, *t1, *t2, "SERIALIZABLE", 20);
  // A snapshot taken after T1's commit: no conflict.
  t1->exec("BEGIN");
  t1->exec("INSERT INTO rr_a VALUES (30, 30)");
  t2->exec("BEGIN ISOLATION LEVEL REPEATABLE READ");
  Pending p(*t2, "INSERT INTO rr_b VALUES (30, 30)");  // the snapshot is taken now, before the wait
  EXPECT_TRUE(waits_on_lock(*t2, p));
  t1->exec("COMMIT");
  const ExecOutcome out = p.finish();
  // The statement's snapshot predates T1's commit as well: 40001 again.
  EXPECT_EQ(out.sqlstate, "40001") << out.message;
  t2->exec("ROLLBACK");
  t2->exec("BEGIN ISOLATION LEVEL REPEATABLE READ");
  t2->exec("INSERT INTO rr_b VALUES (30, 30)");
  t2->exec("COMMIT");
  EXPECT_EQ(joined_rows(30), "1");
  expect_matches("after the retry");
  // A REPEATABLE READ writer alone (nobody committed since its snapshot).
  t2->exec("BEGIN ISOLATION LEVEL REPEATABLE READ");
  t2->exec("SELECT 1");
  t2->exec("INSERT INTO rr_a VALUES (40, 30)");
  t2->exec("COMMIT");
  EXPECT_EQ(joined_rows(30), "2");
  expect_matches("a lone REPEATABLE READ writer");
}

}  // namespace
}  // namespace pgt_e2e
