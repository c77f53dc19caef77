// A partitioned table as a DIFFERENTIAL source while its partition tree
// changes. The DDL event trigger follows the tree: a partition created with
// CREATE TABLE ... PARTITION OF (also sub-partitioned) is captured at once; a
// table attached with rows (ALTER TABLE ... ATTACH PARTITION) brings them in
// as inserts, a detached partition takes its rows out as deletes, so the next
// refresh is still a delta, also in a pg_partman-style rolling window
// (create next month, detach and drop the oldest). DROP TABLE of a partition
// still attached and TRUNCATE of one partition leave a marker: the next
// refresh is FULL (the reason says "truncated") and right, the one after a
// delta again.
//
// PartitionRefusals: what DIFFERENTIAL cannot maintain is refused with
// SQLSTATE 0A000 and a HINT (ONLY on a partitioned table; AUTO falls back to
// FULL with a WARNING), what would break a DIFFERENTIAL table's capture is
// refused with 2BP01 (disabling or dropping the capture triggers of a
// partition); dropping the last stream table removes the triggers from every
// member of the tree; maintenance_plan() shows a Scan of the root. A single
// partition (a leaf, a sub-partitioned one, a leaf two levels down, one in a
// join) is a DIFFERENTIAL source captured row by row (statements on its
// ancestors fire only its row triggers), and so is a source table attached
// as a partition: its capture switches to row level at the ATTACH.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "adversarial_support.h"
#include "change_buffer.h"
#include "edge_test_db.h"
#include "hierarchy_test_db.h"
#include "refresh_history.h"
#include "stream_table.h"

namespace pgt_e2e {
namespace {

// "2024-05-01"-style first day of month m of 2024 (m may be 13: 2025-01).
std::string month_start(int m) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-01", 2024 + (m - 1) / 12, (m - 1) % 12 + 1);
  return buf;
}

std::string month_partition(int m) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "ev_%04d_%02d", 2024 + (m - 1) / 12, (m - 1) % 12 + 1);
  return buf;
}

std::string bounds(int m) { return "FOR VALUES FROM ('" + month_start(m) + "') TO ('" + month_start(m + 1) + "')"; }

// ev: RANGE (d), monthly partitions for January to March 2024 holding 120
// rows; dim: a plain table joined on g.
std::vector<std::string> ev_setup() {
  std::vector<std::string> sql{
      "CREATE TABLE ev (id int NOT NULL, d date NOT NULL, g int, v int, PRIMARY KEY (id, d)) PARTITION BY RANGE (d)"};
  for (int m = 1; m <= 3; ++m) sql.push_back("CREATE TABLE " + month_partition(m) + " PARTITION OF ev " + bounds(m));
  sql.push_back("CREATE TABLE dim (g int PRIMARY KEY, name text)");
  sql.push_back("INSERT INTO dim SELECT i, 'g' || i FROM generate_series(0, 3) i");
  sql.push_back("INSERT INTO ev SELECT i, DATE '2024-01-01' + (i * 7) % 91, i % 5, i FROM generate_series(1, 120) i");
  sql.push_back("ANALYZE");
  return sql;
}

// (stream table, query), as EdgeTestDb::StList.
const std::vector<std::pair<std::string, std::string>> kEv{
    {"ev_scan", "SELECT id, d, g, v FROM ev"},
    {"ev_sum", "SELECT g, count(*) AS c, sum(v) AS s FROM ev GROUP BY g"},
    {"ev_ext", "SELECT g, min(d) AS first_d, max(d) AS last_d FROM ev GROUP BY g"},
    {"ev_join", "SELECT e.id, e.v, m.name FROM ev e JOIN dim m ON m.g = e.g WHERE e.v % 3 <> 0"},
};

class PartitionLifecycle : public EdgeTestDb {
 protected:
  PartitionLifecycle() : EdgeTestDb("pl_") {}

  void set_up_ev() {
    for (const std::string& sql : ev_setup()) conn().exec(sql);
    create_all(kEv);
  }

  long long count_of(const std::string& table) { return std::stoll(text_of("SELECT count(*) FROM " + table)); }

  // The last refresh of ev_scan wrote exactly these numbers of rows.
  void expect_scan_wrote(long long inserted, long long deleted) {
    const RefreshRecord r = last_refresh(conn(), "ev_scan");
    EXPECT_EQ(r.rows_inserted, inserted) << describe(r);
    EXPECT_EQ(r.rows_deleted, deleted) << describe(r);
  }

  // The statements in one transaction, then every stream table of kEv
  // refreshed FULL because of a truncated / dropped member, and right.
  void expect_full_after(const std::vector<std::string>& statements) {
    run_in_transaction(conn(), statements);
    for (const auto& [st, q] : kEv) {
      SCOPED_TRACE(st);
      EXPECT_TRUE(refresh_matches(conn(), st, q, Expect::Full));
      const RefreshRecord r = last_refresh(conn(), st);
      EXPECT_EQ(r.action, "FULL") << describe(r);
      EXPECT_NE(r.reason.value_or("").find("truncated"), std::string::npos) << describe(r);
    }
  }
};

TEST_F(PartitionLifecycle, CreatedPartitionIsCapturedAtOnce) {
  set_up_ev();
  step(kEv, {"CREATE TABLE ev_2024_04 PARTITION OF ev " + bounds(4),
             "INSERT INTO ev VALUES (1001, '2024-04-03', 1, 10), (1002, '2024-04-20', 2, 20)",
             "INSERT INTO ev_2024_04 VALUES (1003, '2024-04-30', 3, 31)"});
  EXPECT_EQ(capture_triggers(conn(), "ev_2024_04").size(), 4u);
  step(kEv, {"UPDATE ev SET d = '2024-04-15' WHERE id BETWEEN 1 AND 6", "DELETE FROM ev_2024_04 WHERE id = 1002",
             "UPDATE ev_2024_04 SET v = v + 1, g = 0"});

  // A sub-partitioned partition, its partitions created in the same
  // transaction, rows written through the root, the middle table and a leaf,
  // and moved inside the sub-tree.
  step(kEv, {"CREATE TABLE ev_2024_05 PARTITION OF ev " + bounds(5) + " PARTITION BY RANGE (d)",
             "CREATE TABLE ev_2024_05_a PARTITION OF ev_2024_05 FOR VALUES FROM ('2024-05-01') TO ('2024-05-16')",
             "CREATE TABLE ev_2024_05_b PARTITION OF ev_2024_05 FOR VALUES FROM ('2024-05-16') TO ('2024-05-28')",
             "INSERT INTO ev VALUES (1101, '2024-05-02', 1, 11), (1102, '2024-05-27', 2, 12)",
             "INSERT INTO ev_2024_05 VALUES (1103, '2024-05-10', 3, 13), (1104, '2024-05-20', 4, 14)",
             "INSERT INTO ev_2024_05_b VALUES (1105, '2024-05-17', 0, 15)"});
  for (const char* member : {"ev_2024_05", "ev_2024_05_a", "ev_2024_05_b"})
    EXPECT_EQ(capture_triggers(conn(), member).size(), 4u) << member;
  step(kEv, {"UPDATE ev_2024_05 SET d = '2024-05-25' WHERE id = 1103", "UPDATE ev SET d = '2024-05-03' WHERE id = 1102",
             "DELETE FROM ev_2024_05_a WHERE id = 1101", "UPDATE ev_2024_05_b SET v = v * 2"});

  // A sub-partition created later under the sub-partitioned one (the last
  // days of May had no partition).
  step(kEv, {"CREATE TABLE ev_2024_05_late PARTITION OF ev_2024_05 DEFAULT"}, true);
  step(kEv, {"INSERT INTO ev_2024_05_late VALUES (1106, '2024-05-31', 1, 16)"});
  EXPECT_EQ(text_of("SELECT count(*) FROM ev_scan WHERE id BETWEEN 1001 AND 1106"),
            text_of("SELECT count(*) FROM ev WHERE id BETWEEN 1001 AND 1106"));
}

TEST_F(PartitionLifecycle, AttachedTableWithRowsEntersAsInserts) {
  set_up_ev();
  // Its columns in another order, one of them dropped: a tuple layout that
  // differs from the root's.
  conn().exec("CREATE TABLE ev_2024_04 (junk text, v int, g int, d date NOT NULL, id int NOT NULL)");
  conn().exec("ALTER TABLE ev_2024_04 DROP COLUMN junk");
  conn().exec("INSERT INTO ev_2024_04 (id, d, g, v) SELECT i, DATE '2024-04-01' + i % 30, i % 5, i "
              "FROM generate_series(500, 509) i");
  step(kEv, {"ALTER TABLE ev ATTACH PARTITION ev_2024_04 " + bounds(4)});
  expect_scan_wrote(10, 0);
  EXPECT_EQ(capture_triggers(conn(), "ev_2024_04").size(), 4u);
  step(kEv, {"INSERT INTO ev_2024_04 (id, d, g, v) VALUES (510, '2024-04-11', 2, 77)",
             "UPDATE ev_2024_04 SET v = v + 1000 WHERE id % 2 = 0", "DELETE FROM ev_2024_04 WHERE id = 501",
             "UPDATE ev SET d = d - 40 WHERE id IN (503, 504)", "UPDATE ev SET d = '2024-04-02' WHERE id = 7"});

  // A sub-partitioned table holding rows.
  conn().exec("CREATE TABLE ev_2024_05 (id int NOT NULL, d date NOT NULL, g int, v int) PARTITION BY RANGE (d)");
  conn().exec("CREATE TABLE ev_2024_05_a PARTITION OF ev_2024_05 FOR VALUES FROM ('2024-05-01') TO ('2024-05-16')");
  conn().exec("CREATE TABLE ev_2024_05_b PARTITION OF ev_2024_05 FOR VALUES FROM ('2024-05-16') TO ('2024-06-01')");
  conn().exec("INSERT INTO ev_2024_05 SELECT i, DATE '2024-05-01' + i % 31, i % 4, i FROM generate_series(600, 611) i");
  step(kEv, {"ALTER TABLE ev ATTACH PARTITION ev_2024_05 " + bounds(5)});
  expect_scan_wrote(12, 0);
  for (const char* member : {"ev_2024_05", "ev_2024_05_a", "ev_2024_05_b"})
    EXPECT_EQ(capture_triggers(conn(), member).size(), 4u) << member;
  step(kEv, {"INSERT INTO ev_2024_05_a VALUES (612, '2024-05-05', 1, 1)", "UPDATE ev_2024_05 SET d = d + 10 WHERE id < 603",
             "DELETE FROM ev_2024_05_b WHERE id = 611"});

  // Rows written before and after the ATTACH in the same transaction: the
  // ones before enter with the attach, the ones after through the triggers.
  conn().exec("CREATE TABLE ev_2024_06 (LIKE ev)");
  step(kEv, {"INSERT INTO ev_2024_06 VALUES (700, '2024-06-01', 1, 1), (701, '2024-06-02', 2, 2)",
             "UPDATE ev_2024_06 SET v = 50 WHERE id = 701", "ALTER TABLE ev ATTACH PARTITION ev_2024_06 " + bounds(6),
             "INSERT INTO ev_2024_06 VALUES (702, '2024-06-03', 3, 3)", "UPDATE ev_2024_06 SET v = v + 1",
             "DELETE FROM ev WHERE id = 700", "UPDATE ev SET d = '2024-06-09' WHERE id = 8"});
}

TEST_F(PartitionLifecycle, DetachedPartitionLeavesAsDeletes) {
  set_up_ev();
  const long long jan = count_of("ev_2024_01");
  ASSERT_GT(jan, 0);
  step(kEv, {"ALTER TABLE ev DETACH PARTITION ev_2024_01"});
  expect_scan_wrote(0, jan);
  EXPECT_TRUE(capture_triggers(conn(), "ev_2024_01").empty());
  // Writes to the detached table are no longer the stream tables' business.
  step(kEv, {"INSERT INTO ev_2024_01 VALUES (900, '2024-01-09', 1, 1)", "DELETE FROM ev_2024_01 WHERE id % 2 = 0",
             "INSERT INTO ev VALUES (901, '2024-02-02', 1, 1)"});
  run_in_transaction(conn(), {"UPDATE ev_2024_01 SET v = v + 1"});
  for (const auto& [st, q] : kEv) {
    EXPECT_TRUE(refresh_matches(conn(), st, q, Expect::Delta)) << st;
    EXPECT_EQ(last_refresh(conn(), st).action, "NO_DATA") << st;
  }

  // Writes to a partition in the transaction that detaches it.
  step(kEv, {"UPDATE ev_2024_02 SET v = v + 100 WHERE id % 3 = 0", "INSERT INTO ev_2024_02 VALUES (902, '2024-02-03', 2, 2)",
             "UPDATE ev SET d = '2024-02-20' WHERE id = 3", "ALTER TABLE ev DETACH PARTITION ev_2024_02",
             "INSERT INTO ev_2024_02 VALUES (903, '2024-02-04', 3, 3)"});

  // DETACH ... CONCURRENTLY (two transactions of its own).
  const long long mar = count_of("ev_2024_03");
  conn().exec("ALTER TABLE ev DETACH PARTITION ev_2024_03 CONCURRENTLY");
  step(kEv, {});
  expect_scan_wrote(0, mar);
  EXPECT_TRUE(capture_triggers(conn(), "ev_2024_03").empty());

  // And back again: attached, its rows are inserts.
  const long long jan_now = count_of("ev_2024_01");
  step(kEv, {"ALTER TABLE ev ATTACH PARTITION ev_2024_01 " + bounds(1)});
  expect_scan_wrote(jan_now, 0);
  step(kEv, {"UPDATE ev_2024_01 SET g = 3 WHERE id % 4 = 1"});
}

// A partition detached from one root and attached to another in one
// transaction, written to in between: its rows leave one stream table and
// enter the other, its triggers now feed the other root's buffer.
TEST_F(PartitionLifecycle, PartitionMovedToAnotherRoot) {
  set_up_ev();
  conn().exec("CREATE TABLE ev2 (id int NOT NULL, d date NOT NULL, g int, v int, PRIMARY KEY (id, d)) "
              "PARTITION BY RANGE (d)");
  conn().exec("CREATE TABLE ev2_2024_06 PARTITION OF ev2 " + bounds(6));
  conn().exec("INSERT INTO ev2 SELECT i, DATE '2024-06-01' + i % 30, i % 4, i FROM generate_series(5000, 5019) i");
  StList all(kEv.begin(), kEv.end());
  const StList ev2_sts{{"ev2_scan", "SELECT id, d, g, v FROM ev2"},
                       {"ev2_sum", "SELECT g, count(*) AS c, sum(v) AS s FROM ev2 GROUP BY g"}};
  create_all(ev2_sts);
  all.insert(all.end(), ev2_sts.begin(), ev2_sts.end());

  step(all, {"UPDATE ev_2024_03 SET v = v + 1 WHERE id % 2 = 0", "ALTER TABLE ev DETACH PARTITION ev_2024_03",
             "INSERT INTO ev_2024_03 VALUES (5100, '2024-03-03', 1, 1)",
             "ALTER TABLE ev2 ATTACH PARTITION ev_2024_03 " + bounds(3),
             "INSERT INTO ev_2024_03 VALUES (5101, '2024-03-04', 2, 2)", "UPDATE ev2 SET v = v * 10 WHERE id % 3 = 0"});
  const std::string ev2_oid = text_of("SELECT 'ev2'::regclass::oid");
  EXPECT_EQ(text_of("SELECT string_agg(tgname, ',' ORDER BY tgname) FROM pg_trigger WHERE tgrelid = 'ev_2024_03'::regclass"),
            "pgt_cdc_del_" + ev2_oid + ",pgt_cdc_ins_" + ev2_oid + ",pgt_cdc_trunc_" + ev2_oid + ",pgt_cdc_upd_" + ev2_oid);
  step(all, {"DELETE FROM ev_2024_03 WHERE id % 5 = 0", "INSERT INTO ev VALUES (5102, '2024-01-02', 0, 0)",
             "UPDATE ev2 SET d = '2024-06-15' WHERE id = 5101"});
}

// Partitions detached from and attached to a sub-partitioned table (one
// level down), and a sub-partitioned table whose own layout differs from the
// root's (columns in another order, dropped columns) written through.
TEST_F(PartitionLifecycle, SubLevelAttachAndDetach) {
  set_up_ev();
  step(kEv, {"CREATE TABLE ev_2024_04 PARTITION OF ev " + bounds(4) + " PARTITION BY RANGE (d)",
             "CREATE TABLE ev_2024_04_a PARTITION OF ev_2024_04 FOR VALUES FROM ('2024-04-01') TO ('2024-04-16')",
             "CREATE TABLE ev_2024_04_b PARTITION OF ev_2024_04 FOR VALUES FROM ('2024-04-16') TO ('2024-05-01')",
             "INSERT INTO ev SELECT i, DATE '2024-04-01' + i % 30, i % 5, i FROM generate_series(6000, 6029) i"});
  const long long b_rows = count_of("ev_2024_04_b");
  step(kEv, {"ALTER TABLE ev_2024_04 DETACH PARTITION ev_2024_04_b"});
  expect_scan_wrote(0, b_rows);
  EXPECT_TRUE(capture_triggers(conn(), "ev_2024_04_b").empty());

  // Attached one level down, with another column order and a dropped column.
  conn().exec("CREATE TABLE ev_2024_04_c (v int, junk int, g int, id int NOT NULL, d date NOT NULL)");
  conn().exec("ALTER TABLE ev_2024_04_c DROP COLUMN junk");
  conn().exec("INSERT INTO ev_2024_04_c (id, d, g, v) SELECT i, DATE '2024-04-20' + i % 5, 1, i "
              "FROM generate_series(6100, 6104) i");
  step(kEv, {"ALTER TABLE ev_2024_04 ATTACH PARTITION ev_2024_04_c FOR VALUES FROM ('2024-04-16') TO ('2024-05-01')"});
  expect_scan_wrote(5, 0);
  step(kEv, {"UPDATE ev_2024_04 SET d = '2024-04-25' WHERE id IN (6000, 6001)", "UPDATE ev_2024_04_c SET v = -v",
             "DELETE FROM ev_2024_04_c WHERE id = 6104", "INSERT INTO ev_2024_04_c (d, id, g, v) VALUES ('2024-04-30', 6105, 2, 2)"});

  // A sub-partitioned table with a layout of its own, its partitions with
  // yet other layouts, attached with rows and written through at each level.
  conn().exec("CREATE TABLE ev_2024_05 (junk text, v int, d date NOT NULL, g int, id int NOT NULL) PARTITION BY RANGE (d)");
  conn().exec("ALTER TABLE ev_2024_05 DROP COLUMN junk");
  conn().exec("CREATE TABLE ev_2024_05_a (g int, junk2 int, id int NOT NULL, d date NOT NULL, v int)");
  conn().exec("ALTER TABLE ev_2024_05_a DROP COLUMN junk2");
  conn().exec("ALTER TABLE ev_2024_05 ATTACH PARTITION ev_2024_05_a FOR VALUES FROM ('2024-05-01') TO ('2024-05-16')");
  conn().exec("CREATE TABLE ev_2024_05_b PARTITION OF ev_2024_05 FOR VALUES FROM ('2024-05-16') TO ('2024-06-01')");
  conn().exec("INSERT INTO ev_2024_05 (id, d, g, v) SELECT i, DATE '2024-05-01' + i % 31, i % 4, i "
              "FROM generate_series(6200, 6211) i");
  step(kEv, {"ALTER TABLE ev ATTACH PARTITION ev_2024_05 " + bounds(5)});
  expect_scan_wrote(12, 0);
  step(kEv, {"UPDATE ev_2024_05 SET d = d + 15, v = v + 1 WHERE d < '2024-05-10'",
             "UPDATE ev SET d = '2024-05-02' WHERE id IN (6100, 6101)", "DELETE FROM ev_2024_05_a WHERE id % 2 = 1",
             "INSERT INTO ev_2024_05 (id, d, g, v) VALUES (6212, '2024-05-03', 3, 3)",
             "UPDATE ev_2024_05_b SET g = 0 WHERE id % 3 = 0"});
}

// Partition DDL rolled back to a savepoint leaves no trace: neither the
// rows it brought or took, nor triggers.
TEST_F(PartitionLifecycle, DdlRolledBackToASavepoint) {
  set_up_ev();
  conn().exec("CREATE TABLE ev_2024_05 (LIKE ev)");
  conn().exec("INSERT INTO ev_2024_05 VALUES (7000, '2024-05-05', 1, 1)");
  step(kEv, {"INSERT INTO ev_2024_01 VALUES (7001, '2024-01-01', 1, 1)", "SAVEPOINT s",
             "CREATE TABLE ev_2024_04 PARTITION OF ev " + bounds(4), "INSERT INTO ev_2024_04 VALUES (7002, '2024-04-04', 2, 2)",
             "ALTER TABLE ev ATTACH PARTITION ev_2024_05 " + bounds(5), "ALTER TABLE ev DETACH PARTITION ev_2024_02",
             "TRUNCATE ev_2024_03", "ROLLBACK TO SAVEPOINT s", "UPDATE ev_2024_02 SET v = v + 1 WHERE id % 2 = 0"});
  EXPECT_FALSE(relation_exists(conn(), "ev_2024_04"));
  EXPECT_TRUE(capture_triggers(conn(), "ev_2024_05").empty());
  EXPECT_EQ(capture_triggers(conn(), "ev_2024_02").size(), 4u);
  step(kEv, {"INSERT INTO ev_2024_03 VALUES (7003, '2024-03-03', 3, 3)"});
}

// pg_partman-style: each round creates next month's partition, writes to it
// (through the root and directly), moves rows into it, detaches the oldest
// month and drops it (in the same transaction, or after the refresh).
TEST_F(PartitionLifecycle, RollingWindowStaysDifferential) {
  set_up_ev();
  int oldest = 1;
  std::string detached_not_dropped;
  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const int next = 4 + round;
    const std::string id0 = std::to_string(2000 + 10 * round);
    std::vector<std::string> batch{
        "CREATE TABLE " + month_partition(next) + " PARTITION OF ev " + bounds(next),
        "INSERT INTO ev VALUES (" + id0 + ", '" + month_start(next) + "', 1, " + id0 + "), (" + id0 + " + 1, '" +
            month_start(next) + "'::date + 9, 2, 5)",
        "INSERT INTO " + month_partition(next) + " SELECT i, '" + month_start(next) + "'::date + i % 28, i % 5, i FROM "
            "generate_series(" + id0 + " + 2, " + id0 + " + 6) i",
        "UPDATE ev SET d = '" + month_start(next) + "'::date + 14 WHERE d >= '" + month_start(next - 1) +
            "' AND d < '" + month_start(next) + "' AND id % 4 = 0",
        "UPDATE ev SET v = v + 1 WHERE d >= '" + month_start(oldest) + "' AND d < '" + month_start(oldest + 1) + "'",
        "ALTER TABLE ev DETACH PARTITION " + month_partition(oldest)};
    if (!detached_not_dropped.empty()) batch.push_back("DROP TABLE " + detached_not_dropped);
    detached_not_dropped.clear();
    if (round % 2 == 0)
      batch.push_back("DROP TABLE " + month_partition(oldest));
    else
      detached_not_dropped = month_partition(oldest);
    step(kEv, batch);
    ++oldest;
    EXPECT_EQ(text_of("SELECT count(*) FROM pg_partition_tree('ev') WHERE isleaf"), "3");
  }
  std::vector<std::string> last{"DELETE FROM ev WHERE id % 5 = 0"};
  if (!detached_not_dropped.empty()) last.push_back("DROP TABLE " + detached_not_dropped);
  step(kEv, last);
  EXPECT_EQ(text_of("SELECT min(d) >= '" + month_start(oldest) + "' FROM ev_scan"), "t");
}

// DROP TABLE of an attached partition: its rows are read just before the
// drop and leave by delta. Dropped without naming it (DROP SCHEMA ...
// CASCADE), its rows go unseen: the next refresh is FULL.
TEST_F(PartitionLifecycle, DroppedPartitionLeavesByDeltaOrMakesNextRefreshFull) {
  set_up_ev();
  step(kEv, {"INSERT INTO ev_2024_02 VALUES (3000, '2024-02-05', 1, 1)", "UPDATE ev SET v = -v WHERE id % 7 = 0"});
  step(kEv, {"INSERT INTO ev VALUES (3001, '2024-01-05', 2, 2)", "DROP TABLE ev_2024_02",
             "UPDATE ev SET v = v + 1 WHERE id % 10 = 0"});
  EXPECT_EQ(text_of("SELECT count(*) FROM ev_scan WHERE d >= '2024-02-01' AND d < '2024-03-01'"), "0");
  step(kEv, {"INSERT INTO ev VALUES (3002, '2024-03-05', 3, 3)", "DELETE FROM ev_2024_01 WHERE id % 3 = 0",
             "UPDATE ev SET d = '2024-03-30' WHERE id = 1"});
  const std::string elsewhere = quote_ident(schema_ + "_elsewhere");
  conn().exec("CREATE SCHEMA " + elsewhere);
  step(kEv, {"CREATE TABLE " + elsewhere + ".ev_2024_05 PARTITION OF ev " + bounds(5),
             "INSERT INTO ev VALUES (3003, '2024-05-05', 5, 5)"});
  expect_full_after({"DROP SCHEMA " + elsewhere + " CASCADE"});
  step(kEv, {"INSERT INTO ev VALUES (3004, '2024-03-06', 4, 4)"});
}

TEST_F(PartitionLifecycle, TruncatedPartitionMakesNextRefreshFull) {
  set_up_ev();
  step(kEv, {"UPDATE ev_2024_01 SET v = v + 1"});
  expect_full_after({"INSERT INTO ev VALUES (4001, '2024-02-05', 2, 2)", "TRUNCATE ev_2024_01",
                     "INSERT INTO ev_2024_01 VALUES (4002, '2024-01-05', 1, 1)"});
  EXPECT_EQ(text_of("SELECT count(*) FROM ev_scan WHERE d < '2024-02-01'"), "1");
  step(kEv, {"INSERT INTO ev VALUES (4003, '2024-01-06', 3, 3)", "UPDATE ev SET d = '2024-01-20' WHERE id = 2"});

  // A leaf two levels down.
  step(kEv, {"CREATE TABLE ev_2024_04 PARTITION OF ev " + bounds(4) + " PARTITION BY RANGE (d)",
             "CREATE TABLE ev_2024_04_a PARTITION OF ev_2024_04 FOR VALUES FROM ('2024-04-01') TO ('2024-04-16')",
             "CREATE TABLE ev_2024_04_b PARTITION OF ev_2024_04 FOR VALUES FROM ('2024-04-16') TO ('2024-05-01')",
             "INSERT INTO ev SELECT i, DATE '2024-04-01' + i % 30, i % 5, i FROM generate_series(4100, 4120) i"});
  expect_full_after({"TRUNCATE ev_2024_04_a"});
  step(kEv, {"INSERT INTO ev_2024_04_a VALUES (4200, '2024-04-02', 0, 0)", "DELETE FROM ev_2024_04_b WHERE id % 2 = 0"});
}

// A MERGE whose UPDATE action moves rows to another partition: PostgreSQL 15
// reports none of them in the root's transition tables, so a marker makes
// the next refresh FULL (and right); a MERGE updating no partition key is
// captured as a delta; a plain UPDATE moving rows too.
TEST_F(PartitionLifecycle, MergeMovingRowsMakesNextRefreshFull) {
  set_up_ev();
  const std::string moving =
      "MERGE INTO ev t USING (SELECT g AS id FROM generate_series(1, 30) g) s "
      "ON t.id = s.id AND t.d < DATE '2024-03-01' WHEN MATCHED THEN UPDATE SET d = t.d + 28";
  run_in_transaction(conn(), {moving});
  for (const auto& [st, q] : kEv) {
    SCOPED_TRACE(st);
    EXPECT_TRUE(refresh_matches(conn(), st, q, Expect::Full));
    EXPECT_NE(last_refresh(conn(), st).reason.value_or("").find("MERGE moved rows"), std::string::npos)
        << describe(last_refresh(conn(), st));
  }
  step(kEv, {"MERGE INTO ev t USING (SELECT g AS id FROM generate_series(1, 30) g) s ON t.id = s.id "
             "WHEN MATCHED THEN UPDATE SET v = t.v + 1 WHEN NOT MATCHED THEN INSERT VALUES (s.id + 9000, "
             "'2024-02-02', 1, 1)",
             "UPDATE ev SET d = d - 28 WHERE id <= 10 AND d >= DATE '2024-01-29'"});
}

// ---------------------------------------------------------------------------

class PartitionRefusals : public HierarchyTestDb {
 protected:
  PartitionRefusals() : HierarchyTestDb("pr_") {}

  void set_up_tree() {
    for (const std::string& sql : ev_setup()) conn().exec(sql);
    // A sub-partitioned month with rows in both of its partitions.
    conn().exec("CREATE TABLE ev_2024_04 PARTITION OF ev " + bounds(4) + " PARTITION BY RANGE (d)");
    conn().exec("CREATE TABLE ev_2024_04_a PARTITION OF ev_2024_04 FOR VALUES FROM ('2024-04-01') TO ('2024-04-16')");
    conn().exec("CREATE TABLE ev_2024_04_b PARTITION OF ev_2024_04 FOR VALUES FROM ('2024-04-16') TO ('2024-05-01')");
    conn().exec("INSERT INTO ev SELECT i, DATE '2024-04-01' + i % 30, i % 5, i FROM generate_series(200, 230) i");
  }

  // pgt_cdc_% triggers on the root and on every member of its tree.
  std::string capture_trigger_count(const std::string& root) {
    return text_of("SELECT count(*) FROM pg_trigger t JOIN pg_partition_tree(" + quote_literal(root) +
                   ") p ON p.relid = t.tgrelid WHERE t.tgname LIKE 'pgt\\_cdc\\_%'");
  }
  std::string member_count(const std::string& root) {
    return text_of("SELECT count(*) FROM pg_partition_tree(" + quote_literal(root) + ")");
  }
};

// A single partition read alone: captured row by row, written to through
// the root, through the sub-partitioned middle table and directly, rows
// moving into and out of it by updates of the root, TRUNCATE of it or of an
// ancestor (next refresh FULL). AUTO stays DIFFERENTIAL.
TEST_F(PartitionRefusals, SinglePartitionAsSourceIsMaintained) {
  set_up_tree();
  const StList sts{{"one_leaf", "SELECT id, v FROM ev_2024_01"},
                   {"one_subtree", "SELECT id, d, v FROM ev_2024_04"},
                   {"deep_leaf", "SELECT g, count(*) AS c, sum(v) AS s FROM ev_2024_04_b GROUP BY g"},
                   {"leaf_in_join", "SELECT e.id, p.v FROM ev e JOIN ev_2024_02 p ON p.id = e.id AND p.d = e.d"},
                   {"auto_leaf", "SELECT id, g, v FROM ev_2024_03"}};
  create_all(StList(sts.begin(), sts.end() - 1));
  conn().clear_notices();
  create_stream_table(conn(), sts.back().first, sts.back().second, "AUTO");
  EXPECT_FALSE(conn().has_notice("WARNING")) << "AUTO warned about a single partition";
  EXPECT_TRUE(st_matches_query_exactly(conn(), sts.back().first, sts.back().second));
  for (const auto& [st, q] : sts) EXPECT_EQ(effective_mode(st), "DIFFERENTIAL") << st;

  // Each partition read alone is captured row by row (its partitions too; a
  // partitioned one gets the TRUNCATE trigger only), the root read whole by
  // statement.
  for (const char* source : {"ev_2024_01", "ev_2024_02", "ev_2024_03", "ev_2024_04", "ev_2024_04_b"})
    EXPECT_EQ(row_level_of(source), "t") << source;
  EXPECT_EQ(row_level_of("ev"), "f");
  for (const char* leaf : {"ev_2024_01", "ev_2024_02", "ev_2024_03", "ev_2024_04_b"})
    EXPECT_EQ(capture_levels(leaf, ""), row_capture("")) << leaf;
  EXPECT_EQ(capture_levels("ev_2024_04", ""), row_capture("", true));
  const std::string sub = "_" + oid_of("ev_2024_04");
  for (const char* leaf : {"ev_2024_04_a", "ev_2024_04_b"}) EXPECT_EQ(capture_levels(leaf, sub), row_capture(sub)) << leaf;
  const std::string root = "_" + oid_of("ev");
  EXPECT_EQ(capture_levels("ev_2024_02", root), statement_capture(root));

  // Through the root.
  step(sts, {"INSERT INTO ev VALUES (300, '2024-01-10', 1, 300), (301, '2024-02-10', 2, 301), (302, '2024-03-10', 3, 302), "
             "(303, '2024-04-03', 3, 303), (304, '2024-04-25', 4, 304)",
             "UPDATE ev SET v = v + 1 WHERE id % 3 = 0", "DELETE FROM ev WHERE id % 11 = 0"});
  // Directly on the partitions, and on the sub-partitioned one.
  step(sts, {"INSERT INTO ev_2024_01 VALUES (310, '2024-01-11', 0, 310)", "UPDATE ev_2024_01 SET v = -v WHERE id % 4 = 1",
             "INSERT INTO ev_2024_04 VALUES (311, '2024-04-20', 1, 311)", "UPDATE ev_2024_04_b SET v = v * 2 WHERE id % 2 = 0",
             "DELETE FROM ev_2024_04_a WHERE id % 5 = 0", "UPDATE ev_2024_02 SET v = v + 100 WHERE id % 2 = 1",
             "DELETE FROM ev_2024_02 WHERE id % 7 = 0", "UPDATE ev_2024_03 SET g = 0 WHERE id % 3 = 1"});
  // Rows moving between partitions by updates of the root (and of the
  // sub-partitioned one, inside it).
  step(sts, {"UPDATE ev SET d = '2024-01-20' WHERE d >= '2024-02-01' AND d < '2024-03-01' AND id % 4 = 0",
             "UPDATE ev SET d = d + 31 WHERE d < '2024-01-29' AND id % 5 = 0",
             "UPDATE ev SET d = '2024-04-28' WHERE d >= '2024-03-01' AND d < '2024-04-01' AND id % 3 = 1",
             "UPDATE ev SET d = '2024-03-15' WHERE d >= '2024-04-16' AND id % 3 = 0",
             "UPDATE ev SET d = d - 15 WHERE d >= '2024-04-16' AND id % 3 = 2",
             "UPDATE ev_2024_04 SET d = '2024-04-17' WHERE d < '2024-04-16' AND id % 4 = 0"});
  EXPECT_EQ(text_of("SELECT count(*) > 0 FROM ev_2024_04_b WHERE id < 200"), "t");  // moved in from March

  // TRUNCATE of a partition, of its sub-partitioned parent, of the root.
  expect_full_where_truncated(sts, {"TRUNCATE ev_2024_01", "INSERT INTO ev VALUES (320, '2024-01-05', 1, 1)"},
                              {"one_leaf", "leaf_in_join"});
  step({sts[0]}, {"INSERT INTO ev VALUES (321, '2024-01-06', 2, 2)", "UPDATE ev SET v = 5 WHERE id = 320"});
  expect_full_where_truncated(sts, {"TRUNCATE ev_2024_04", "INSERT INTO ev VALUES (322, '2024-04-20', 2, 2)"},
                              {"one_subtree", "deep_leaf", "leaf_in_join"});
  expect_full_where_truncated(
      sts, {"TRUNCATE ev", "INSERT INTO ev SELECT i, DATE '2024-01-01' + (i * 13) % 120, i % 5, i FROM generate_series(1, 90) i"},
      {"one_leaf", "one_subtree", "deep_leaf", "leaf_in_join", "auto_leaf"});
  step(sts, {"UPDATE ev SET v = v + 1", "UPDATE ev SET d = d + 45 WHERE id % 4 = 0 AND d < '2024-03-15'"});
}

TEST_F(PartitionRefusals, OnlyOnAPartitionedTableIsRefused) {
  set_up_tree();
  EXPECT_TRUE(refused_then_full_in_auto("only_root", "SELECT id, v FROM ONLY ev", {"only"}));
}

// A DIFFERENTIAL source attached as a partition (of a captured root): its
// capture switches to row level at the ATTACH (writes before and after it in
// its transaction all count); writes through the root reach it; detached,
// it stays row-level and right.
TEST_F(PartitionRefusals, AttachingASourceTableAsAPartitionSwitchesToRowCapture) {
  set_up_tree();
  conn().exec("CREATE TABLE ev_2024_05 (LIKE ev INCLUDING ALL)");
  conn().exec("INSERT INTO ev_2024_05 SELECT i, DATE '2024-05-01' + i % 31, i % 5, i FROM generate_series(500, 519) i");
  const StList sts{{"may_st", "SELECT id, v FROM ev_2024_05"},
                   {"may_sum", "SELECT g, count(*) AS c, sum(v) AS s FROM ev_2024_05 GROUP BY g"},
                   {"ev_scan", "SELECT id, d, g, v FROM ev"}};
  create_all(sts);
  EXPECT_EQ(row_level_of("ev_2024_05"), "f");
  EXPECT_EQ(capture_levels("ev_2024_05", ""), statement_capture(""));

  conn().clear_notices();
  step(sts, {"INSERT INTO ev_2024_05 VALUES (520, '2024-05-20', 1, 1)", "UPDATE ev_2024_05 SET v = v + 1 WHERE id % 3 = 0",
             "ALTER TABLE ev ATTACH PARTITION ev_2024_05 " + bounds(5), "INSERT INTO ev VALUES (521, '2024-05-21', 2, 2)",
             "UPDATE ev SET v = v * 2 WHERE d >= '2024-05-01' AND id % 2 = 0", "DELETE FROM ev WHERE id = 501"});
  EXPECT_FALSE(conn().has_notice("WARNING"));
  for (const auto& [st, q] : sts) EXPECT_EQ(effective_mode(st), "DIFFERENTIAL") << st;
  EXPECT_EQ(row_level_of("ev_2024_05"), "t");
  EXPECT_EQ(row_level_of("ev"), "f");
  EXPECT_EQ(capture_levels("ev_2024_05", ""), row_capture(""));
  const std::string root = "_" + oid_of("ev");
  EXPECT_EQ(capture_levels("ev_2024_05", root), statement_capture(root));

  // Through the root, directly, and rows moving in and out by updates of the root.
  step(sts, {"UPDATE ev SET g = 0, v = v - 1 WHERE d >= '2024-05-10'", "DELETE FROM ev WHERE d >= '2024-05-01' AND id % 7 = 0",
             "UPDATE ev_2024_05 SET v = -v WHERE id % 5 = 0",
             "UPDATE ev SET d = '2024-05-15' WHERE d < '2024-02-01' AND id % 4 = 0",
             "UPDATE ev SET d = '2024-04-05' WHERE id BETWEEN 505 AND 508"});

  // Detached (written to before and after in that transaction): a plain
  // table again, still captured row by row.
  step(sts, {"UPDATE ev SET v = v + 3 WHERE id % 2 = 1", "ALTER TABLE ev DETACH PARTITION ev_2024_05",
             "INSERT INTO ev_2024_05 VALUES (530, '2024-05-30', 3, 3)", "UPDATE ev_2024_05 SET v = 0 WHERE id = 510"});
  EXPECT_EQ(row_level_of("ev_2024_05"), "t");
  EXPECT_EQ(capture_levels("ev_2024_05", ""), row_capture(""));
  EXPECT_EQ(capture_levels("ev_2024_05", root), "NULL");
  const StList may(sts.begin(), sts.begin() + 2);
  step(may, {"DELETE FROM ev_2024_05 WHERE id % 3 = 1", "INSERT INTO ev_2024_05 VALUES (531, '2024-05-31', 4, 4)",
             "UPDATE ev_2024_05 SET g = 2 WHERE id % 2 = 0"});
}

TEST_F(PartitionRefusals, DisablingCaptureOnAPartitionIsRefused) {
  set_up_tree();
  const StList sts{{"ev_scan", "SELECT id, d, g, v FROM ev"}};
  create_all(sts);
  const std::string enabled_before = text_of("SELECT string_agg(tgrelid::regclass::text || ':' || tgname || ':' || tgenabled::text, "
                                             "',' ORDER BY tgrelid::regclass::text, tgname) FROM pg_trigger "
                                             "WHERE tgname LIKE 'pgt\\_cdc\\_%'");
  const std::string root_oid = text_of("SELECT 'ev'::regclass::oid");
  for (const char* member : {"ev_2024_01", "ev_2024_04", "ev_2024_04_b"}) {
    SCOPED_TRACE(member);
    expect_refused_2bp01(std::string("ALTER TABLE ") + member + " DISABLE TRIGGER USER", "ev_scan");
    expect_refused_2bp01(std::string("ALTER TABLE ") + member + " DISABLE TRIGGER pgt_cdc_ins_" + root_oid);
    expect_refused_2bp01(std::string("DROP TRIGGER pgt_cdc_del_") + root_oid + " ON " + member);
  }
  EXPECT_EQ(text_of("SELECT string_agg(tgrelid::regclass::text || ':' || tgname || ':' || tgenabled::text, ',' "
                    "ORDER BY tgrelid::regclass::text, tgname) FROM pg_trigger WHERE tgname LIKE 'pgt\\_cdc\\_%'"),
            enabled_before);
  step(sts, {"INSERT INTO ev_2024_01 VALUES (800, '2024-01-08', 1, 1)", "DELETE FROM ev_2024_04_b WHERE id % 2 = 0",
             "UPDATE ev_2024_04 SET d = '2024-04-02' WHERE id = 220"});
}

TEST_F(PartitionRefusals, DroppingTheLastStreamTableRemovesEveryMemberTrigger) {
  set_up_tree();
  const StList sts{{"ev_scan", "SELECT id, d, g, v FROM ev"},
                   {"ev_sum", "SELECT g, count(*) AS c, sum(v) AS s FROM ev GROUP BY g"}};
  create_all(sts);
  // Members created, attached and detached after the stream tables.
  conn().exec("CREATE TABLE ev_2024_05 PARTITION OF ev " + bounds(5));
  conn().exec("CREATE TABLE ev_2024_06 (LIKE ev)");
  conn().exec("ALTER TABLE ev ATTACH PARTITION ev_2024_06 " + bounds(6));
  conn().exec("ALTER TABLE ev DETACH PARTITION ev_2024_02");
  const int members = std::stoi(member_count("ev"));  // root, 4 months, 2 sub-partitions
  EXPECT_EQ(members, 8);
  EXPECT_EQ(capture_trigger_count("ev"), std::to_string(4 * members));
  EXPECT_TRUE(capture_triggers(conn(), "ev_2024_02").empty());

  conn().exec("SELECT pgtrickle.drop_stream_table('ev_sum')");
  EXPECT_EQ(capture_trigger_count("ev"), std::to_string(4 * members));
  step({sts[0]}, {"INSERT INTO ev_2024_06 VALUES (600, '2024-06-06', 1, 1)"});

  conn().exec("SELECT pgtrickle.drop_stream_table('ev_scan')");
  EXPECT_EQ(capture_trigger_count("ev"), "0");
  EXPECT_EQ(text_of("SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname LIKE "
                    "'pgt\\_cdc\\_%' AND c.relnamespace = " + quote_literal(schema_) + "::regnamespace"),
            "0");
  EXPECT_FALSE(change_buffer_of(conn(), "ev").has_value());
  // Nothing in the way of DDL on the former members now.
  conn().exec("ALTER TABLE ev_2024_04_a DISABLE TRIGGER USER");
  conn().exec("ALTER TABLE ev_2024_04_a ENABLE TRIGGER USER");
}

TEST_F(PartitionRefusals, MaintenancePlanScansTheRoot) {
  set_up_tree();
  const StList sts{{"ev_join", "SELECT e.id, e.v, m.name FROM ev e JOIN dim m ON m.g = e.g"},
                   {"ev_sum", "SELECT g, count(*) AS c, sum(v) AS s FROM ev GROUP BY g"}};
  create_all(sts);
  for (const auto& [st, q] : sts) {
    const std::string plan = conn().scalar("SELECT pgtrickle.maintenance_plan(" + quote_literal(st) + ")");
    SCOPED_TRACE(plan);
    bool root_scanned = false;
    std::size_t begin = 0;
    while (begin < plan.size()) {
      std::size_t end = plan.find('\n', begin);
      if (end == std::string::npos) end = plan.size();
      const std::string line = plan.substr(begin, end - begin);
      if (line.find("Scan:") != std::string::npos && line.find("\"" + schema_ + "\".\"ev\"") != std::string::npos)
        root_scanned = true;
      EXPECT_EQ(line.find("ev_2024"), std::string::npos) << "a partition in the plan: " << line;
      begin = end + 1;
    }
    EXPECT_TRUE(root_scanned) << st;
  }
}

}  // namespace
}  // namespace pgt_e2e
