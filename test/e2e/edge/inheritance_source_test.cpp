// An inheritance parent as a DIFFERENTIAL source: a query reading p reads p
// and all its descendants, so capture triggers sit on p and on every child
// and grandchild, all writing into p's change buffer. A statement on p puts
// the child rows it touches into p's transition tables (the children's own
// statement triggers do not fire), a statement on a child those of the child
// and its descendants: every change must be captured exactly once.
//
// Children created later (CREATE TABLE ... INHERITS), tables holding rows
// that become children (ALTER TABLE ... INHERIT) and children that leave (NO
// INHERIT) are followed: their rows enter as inserts / leave as deletes, the
// next refresh is still a delta. TRUNCATE or DROP of a child: the next
// refresh is FULL.
//
// A child (or grandchild) read alone is a DIFFERENTIAL source captured row
// by row: a statement on an ancestor changes its rows without firing its
// statement triggers, but fires its row triggers. A DIFFERENTIAL source that
// becomes a child (ALTER TABLE ... INHERIT) switches to row-level capture at
// that DDL and stays so after NO INHERIT.
//
// Refused (0A000 with a HINT, AUTO falls back to FULL): `FROM ONLY p` while
// p has children: a statement on p puts child rows into p's transition
// tables, so maintaining ONLY p from them was silently wrong (e.g. UPDATE p
// SET id = id + 100 moved child rows into it). A DIFFERENTIAL stream table
// over ONLY lone (no children) makes a later child of lone fail with 2BP01
// naming the stream table. Disabling a child's capture is refused (2BP01);
// dropping the last stream table removes the triggers from every member.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "adversarial_support.h"
#include "change_buffer.h"
#include "edge_test_db.h"
#include "hierarchy_test_db.h"
#include "refresh_history.h"
#include "scenario_domains.h"
#include "seed.h"
#include "stream_table.h"
#include "table_spec.h"

namespace pgt_e2e {
namespace {

// p (no key: keyless maintenance, duplicates allowed) with child c1 (an
// extra column) and grandchild gc (one more); dim joined on g.
const std::vector<std::string> kSetup{
    "CREATE TABLE p (id int NOT NULL, g int, v int, t text)",
    "CREATE TABLE c1 (extra int DEFAULT 7) INHERITS (p)",
    "CREATE TABLE gc (note text) INHERITS (c1)",
    "CREATE TABLE dim (g int PRIMARY KEY, name text)",
    "INSERT INTO dim SELECT i, 'g' || i FROM generate_series(0, 3) i",
    "INSERT INTO p SELECT i, i % 5, i, 'p' || i FROM generate_series(1, 40) i",
    "INSERT INTO c1 SELECT i, i % 5, i, 'c' || i, i FROM generate_series(41, 80) i",
    "INSERT INTO gc SELECT i, i % 5, i, 'gc' || i, i, 'n' FROM generate_series(81, 100) i",
    "ANALYZE"};

// (stream table, query), as EdgeTestDb::StList.
const std::vector<std::pair<std::string, std::string>> kP{
    {"p_scan", "SELECT id, g, v, t FROM p"},
    {"p_sum", "SELECT g, count(*) AS c, sum(v) AS s FROM p GROUP BY g"},
    {"p_having", "SELECT g, max(t) AS mt, count(*) AS c FROM p GROUP BY g HAVING count(*) > 19"},
    {"p_join", "SELECT x.id, x.v, m.name FROM p x JOIN dim m ON m.g = x.g"},
    {"p_distinct", "SELECT DISTINCT g, v % 3 AS r FROM p"},
};

class InheritanceSource : public HierarchyTestDb {
 protected:
  InheritanceSource() : HierarchyTestDb("inh_") {}

  void set_up_p() {
    for (const std::string& sql : kSetup) conn().exec(sql);
    create_all(kP);
  }

  long long count_of(const std::string& table) { return std::stoll(text_of("SELECT count(*) FROM " + table)); }

  void expect_scan_wrote(long long inserted, long long deleted) {
    const RefreshRecord r = last_refresh(conn(), "p_scan");
    EXPECT_EQ(r.rows_inserted, inserted) << describe(r);
    EXPECT_EQ(r.rows_deleted, deleted) << describe(r);
  }

  // pgt_cdc_% triggers on `root` and all its descendants.
  std::string hierarchy_capture_triggers(const std::string& root) {
    return text_of("WITH RECURSIVE tree(r) AS (SELECT " + quote_literal(root) +
                   "::regclass::oid UNION SELECT i.inhrelid FROM pg_inherits i JOIN tree ON i.inhparent = tree.r) "
                   "SELECT count(*) FROM pg_trigger t JOIN tree ON t.tgrelid = tree.r WHERE t.tgname LIKE 'pgt\\_cdc\\_%'");
  }
};

TEST_F(InheritanceSource, WritesToParentAndChildrenAreCapturedOnce) {
  set_up_p();
  EXPECT_EQ(hierarchy_capture_triggers("p"), "12");
  step(kP, {"INSERT INTO p VALUES (101, 1, 5, 'p101')", "INSERT INTO c1 (id, g, v, t) VALUES (102, 2, 6, 'c102')",
            "INSERT INTO gc VALUES (103, 3, 7, 'gc103', 1, 'x')"});
  // Statements on the parent touching rows at every level.
  step(kP, {"UPDATE p SET v = v + 1 WHERE id % 3 = 0", "UPDATE ONLY p SET g = 4 WHERE id < 10",
            "DELETE FROM p WHERE id % 11 = 0"});
  // Statements on a child reach its own child too; ONLY stops there.
  step(kP, {"DELETE FROM c1 WHERE id % 4 = 0", "DELETE FROM ONLY c1 WHERE id = 41", "UPDATE ONLY c1 SET g = NULL WHERE id = 42",
            "UPDATE c1 SET t = t || '!' WHERE id BETWEEN 75 AND 90"});
  step(kP, {"UPDATE gc SET g = 0, v = -v WHERE id > 95", "UPDATE p SET id = id + 1000 WHERE id > 90",
            "INSERT INTO c1 (id, g, v, t) SELECT id, g, v, t FROM ONLY c1 WHERE id < 50"});  // duplicates
}

// Seeded batches, each statement on a random member (PGT_SEED replays).
TEST_F(InheritanceSource, RandomWritesToMembersMatch) {
  set_up_p();
  const std::uint64_t seed = test_seed();
  SCOPED_TRACE(seed_note(seed));
  std::mt19937_64 rng(seed);
  const std::vector<std::string> members{"p", "ONLY p", "c1", "ONLY c1", "gc"};
  int next_id = 200;
  auto some = [&] {
    const std::int64_t a = uniform(rng, 1, next_id);
    return "id BETWEEN " + std::to_string(a) + " AND " + std::to_string(a + uniform(rng, 0, 6));
  };
  for (int batch = 0; batch < 6; ++batch) {
    std::vector<std::string> stmts;
    for (int n = 0; n < 7; ++n) {
      const std::string m = members[uniform(rng, 0, static_cast<std::int64_t>(members.size()) - 1)];
      const std::string table = m.rfind("ONLY ", 0) == 0 ? m.substr(5) : m;
      const std::string v = chance(rng, 0.1) ? "NULL" : std::to_string(uniform(rng, 0, 99));
      switch (n == 0 ? 0 : uniform(rng, 0, 4)) {
        case 0:
          stmts.push_back("INSERT INTO " + table + " (id, g, v, t) VALUES (" + std::to_string(next_id++) + ", " +
                          std::to_string(uniform(rng, 0, 4)) + ", " + v + ", " +
                          quote_literal(kWords[uniform(rng, 0, 4)]) + ")");
          break;
        case 1:
          stmts.push_back("UPDATE " + m + " SET v = " + v + ", g = " + std::to_string(uniform(rng, 0, 4)) + " WHERE " +
                          some());
          break;
        case 2:
          stmts.push_back("UPDATE " + m + " SET id = id + 500 WHERE " + some());
          break;
        case 3:
          stmts.push_back("DELETE FROM " + m + " WHERE " + some());
          break;
        default:
          stmts.push_back("INSERT INTO " + table + " (id, g, v, t) SELECT id, g, v, t FROM " + m + " WHERE " + some());
      }
    }
    step(kP, stmts);
    if (HasFailure()) return;
  }
}

TEST_F(InheritanceSource, ChildrenAddedAndRemovedLater) {
  set_up_p();
  step(kP, {"CREATE TABLE c2 () INHERITS (p)", "INSERT INTO c2 VALUES (300, 1, 30, 'c2'), (301, 2, 31, 'c2')",
            "UPDATE p SET v = v + 1 WHERE id = 300"});
  EXPECT_EQ(capture_triggers(conn(), "c2").size(), 4u);

  // A table holding rows becomes a child: other column order, a dropped and
  // an extra column, NOT NULL on the inherited id.
  conn().exec("CREATE TABLE c3 (junk int, t text, v int, g int, id int NOT NULL, own text)");
  conn().exec("ALTER TABLE c3 DROP COLUMN junk");
  conn().exec("INSERT INTO c3 (id, g, v, t, own) SELECT i, i % 5, i, 'c3', 'o' FROM generate_series(400, 406) i");
  step(kP, {"ALTER TABLE c3 INHERIT p"});
  expect_scan_wrote(7, 0);
  EXPECT_EQ(capture_triggers(conn(), "c3").size(), 4u);
  step(kP, {"INSERT INTO c3 (id, g, v, t) VALUES (407, 0, 1, 'c3')", "UPDATE c3 SET v = v * 2 WHERE id % 2 = 0",
            "DELETE FROM p WHERE id = 401", "UPDATE p SET g = 3 WHERE id BETWEEN 402 AND 404"});

  // A child (with its own child) leaves: all their rows go.
  const long long leaving = count_of("c1");
  step(kP, {"ALTER TABLE c1 NO INHERIT p"});
  expect_scan_wrote(0, leaving);
  EXPECT_TRUE(capture_triggers(conn(), "c1").empty());
  EXPECT_TRUE(capture_triggers(conn(), "gc").empty());
  run_in_transaction(conn(), {"INSERT INTO c1 (id, g, v, t) VALUES (500, 1, 1, 'gone')", "DELETE FROM gc WHERE id % 2 = 0"});
  for (const auto& [st, q] : kP) {
    EXPECT_TRUE(refresh_matches(conn(), st, q, Expect::Delta)) << st;
    EXPECT_EQ(last_refresh(conn(), st).action, "NO_DATA") << st;
  }

  // And it comes back, written to before and after in the same transaction.
  step(kP, {"UPDATE c1 SET v = 0 WHERE id % 5 = 0", "ALTER TABLE c1 INHERIT p", "INSERT INTO gc VALUES (501, 2, 2, 'back', 1, 'n')",
            "UPDATE p SET v = v + 1 WHERE id % 5 = 0"});
  EXPECT_EQ(hierarchy_capture_triggers("p"), std::to_string(4 * 5));  // p, c1, gc, c2, c3
}

// TRUNCATE of a child: the next refresh is FULL. DROP TABLE of one: its rows
// are read just before the drop and leave by delta.
TEST_F(InheritanceSource, TruncatedChildMakesNextRefreshFullDroppedOneLeavesByDelta) {
  set_up_p();
  auto expect_full = [&](const std::vector<std::string>& statements) {
    run_in_transaction(conn(), statements);
    for (const auto& [st, q] : kP) {
      SCOPED_TRACE(st);
      EXPECT_TRUE(refresh_matches(conn(), st, q, Expect::Full));
      const RefreshRecord r = last_refresh(conn(), st);
      EXPECT_NE(r.reason.value_or("").find("truncated"), std::string::npos) << describe(r);
    }
  };
  expect_full({"INSERT INTO p VALUES (600, 1, 1, 'x')", "TRUNCATE gc"});
  step(kP, {"INSERT INTO gc VALUES (601, 2, 2, 'gc', 1, 'n')", "UPDATE c1 SET v = v + 1"});
  step(kP, {"DROP TABLE gc", "DELETE FROM p WHERE id = 1"});
  step(kP, {"INSERT INTO c1 (id, g, v, t) VALUES (602, 3, 3, 'c1')", "DELETE FROM ONLY p WHERE id % 6 = 0"});
}

// A child of two captured parents feeds both buffers, and stops feeding
// the one it leaves.
TEST_F(InheritanceSource, ChildOfTwoParents) {
  conn().exec("CREATE TABLE pp (id int NOT NULL, v int)");
  conn().exec("CREATE TABLE qq (id int NOT NULL, w int)");
  conn().exec("CREATE TABLE both_c (id int NOT NULL, v int, w int)");
  conn().exec("INSERT INTO pp SELECT i, i FROM generate_series(1, 10) i");
  conn().exec("INSERT INTO qq SELECT i, i FROM generate_series(11, 20) i");
  conn().exec("INSERT INTO both_c SELECT i, i, -i FROM generate_series(21, 30) i");
  const StList sts{{"pp_st", "SELECT id, v FROM pp"},
                   {"qq_st", "SELECT id, w FROM qq"},
                   {"qq_sum", "SELECT count(*) AS c, sum(w) AS s FROM qq"}};
  create_all(sts);
  step(sts, {"ALTER TABLE both_c INHERIT pp", "ALTER TABLE both_c INHERIT qq"});
  EXPECT_EQ(capture_triggers(conn(), "both_c").size(), 8u);
  step(sts, {"INSERT INTO both_c VALUES (31, 31, -31)", "UPDATE pp SET v = v + 10 WHERE id > 25",
             "UPDATE qq SET w = w - 100 WHERE id % 2 = 0", "DELETE FROM both_c WHERE id = 22"});
  step(sts, {"ALTER TABLE both_c NO INHERIT pp", "UPDATE both_c SET w = 0 WHERE id = 23"});
  EXPECT_EQ(capture_triggers(conn(), "both_c").size(), 4u);
  step(sts, {"INSERT INTO both_c VALUES (32, 32, -32)", "DELETE FROM pp WHERE id = 1"});
}

// The regression: ONLY p while p has children.
TEST_F(InheritanceSource, OnlyParentWithChildrenIsRefusedAndFullInAuto) {
  set_up_p();
  const std::string q = "SELECT id, v FROM ONLY p";
  ASSERT_TRUE(refused_then_full_in_auto("only_p", q, {"only"}));
  EXPECT_EQ(text_of("SELECT effective_refresh_mode FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'only_p'"), "FULL");
  conn().exec("UPDATE p SET id = id + 100");
  EXPECT_TRUE(refresh_matches(conn(), "only_p", q, Expect::Full));
  EXPECT_EQ(last_refresh(conn(), "only_p").action, "FULL");
  EXPECT_EQ(text_of("SELECT count(*) FROM only_p"), "40");
  step(kP, {"DELETE FROM p WHERE id % 2 = 0", "INSERT INTO c1 (id, g, v, t) VALUES (1, 1, 1, 'c')"});
  EXPECT_TRUE(refresh_matches(conn(), "only_p", q, Expect::Full));
}

TEST_F(InheritanceSource, ChildOfAnOnlySourceIsRefused) {
  conn().exec("CREATE TABLE lone (id int NOT NULL, v int)");
  conn().exec("INSERT INTO lone SELECT i, i FROM generate_series(1, 10) i");
  const StList sts{{"lone_st", "SELECT id, v FROM ONLY lone"}};
  create_all(sts);
  expect_refused_2bp01("CREATE TABLE lone_child () INHERITS (lone)", "lone_st", true);
  EXPECT_FALSE(relation_exists(conn(), "lone_child"));
  conn().exec("CREATE TABLE lone_other (id int NOT NULL, v int)");
  expect_refused_2bp01("ALTER TABLE lone_other INHERIT lone", "lone_st", true);
  EXPECT_EQ(text_of("SELECT count(*) FROM pg_inherits WHERE inhparent = 'lone'::regclass"), "0");
  step(sts, {"INSERT INTO lone VALUES (11, 11)", "UPDATE lone SET v = -v WHERE id < 4", "DELETE FROM lone WHERE id = 5"});
}

// A child and a grandchild read alone: captured row by row, written to
// through the parent, directly and with ONLY; TRUNCATE of a member or an
// ancestor makes the next refresh FULL. AUTO stays DIFFERENTIAL. Then a
// DIFFERENTIAL source becomes a child (INHERIT) and leaves (NO INHERIT).
TEST_F(InheritanceSource, ChildAsSourceIsMaintained) {
  for (const std::string& sql : kSetup) conn().exec(sql);
  const StList sts{{"child_st", "SELECT id, v FROM c1"},
                   {"child_join", "SELECT x.id, x.extra, m.name FROM c1 x JOIN dim m ON m.g = x.g"},
                   {"grandchild_st", "SELECT g, count(*) AS c, sum(v) AS s FROM gc GROUP BY g"},
                   {"auto_child", "SELECT id, t FROM c1"}};
  create_all(StList(sts.begin(), sts.end() - 1));
  conn().clear_notices();
  create_stream_table(conn(), sts.back().first, sts.back().second, "AUTO");
  EXPECT_FALSE(conn().has_notice("WARNING")) << "AUTO warned about an inheritance child";
  EXPECT_TRUE(st_matches_query_exactly(conn(), sts.back().first, sts.back().second));
  for (const auto& [st, q] : sts) EXPECT_EQ(effective_mode(st), "DIFFERENTIAL") << st;
  EXPECT_EQ(row_level_of("c1"), "t");
  EXPECT_EQ(row_level_of("gc"), "t");
  EXPECT_EQ(capture_levels("c1", ""), row_capture(""));
  EXPECT_EQ(capture_levels("gc", ""), row_capture(""));
  const std::string c1 = "_" + oid_of("c1");
  EXPECT_EQ(capture_levels("gc", c1), row_capture(c1));
  EXPECT_TRUE(capture_triggers(conn(), "p").empty());

  // Statements on the parent reaching rows at every level.
  step(sts, {"UPDATE p SET v = v + 1 WHERE id % 3 = 0", "DELETE FROM p WHERE id % 11 = 0",
             "UPDATE p SET g = (g + 1) % 4 WHERE id % 7 = 0", "INSERT INTO p VALUES (101, 1, 1, 'p101')"});
  // On the child (reaching the grandchild), ONLY the child, the grandchild.
  step(sts, {"INSERT INTO c1 (id, g, v, t, extra) VALUES (102, 2, 6, 'c102', 1)",
             "INSERT INTO gc VALUES (103, 3, 7, 'gc103', 1, 'x')", "UPDATE ONLY c1 SET g = NULL WHERE id = 42",
             "DELETE FROM ONLY c1 WHERE id = 43", "UPDATE c1 SET t = t || '!', v = -v WHERE id BETWEEN 75 AND 90",
             "DELETE FROM gc WHERE id = 99"});
  step(sts, {"UPDATE p SET id = id + 1000 WHERE id > 90", "UPDATE ONLY p SET v = 0",
             "INSERT INTO c1 (id, g, v, t) SELECT id, g, v, t FROM ONLY c1 WHERE id < 50",  // duplicates
             "UPDATE gc SET g = 0, v = v * 2 WHERE id % 2 = 0"});

  expect_full_where_truncated(sts, {"TRUNCATE gc", "INSERT INTO gc VALUES (600, 2, 2, 'gc', 1, 'n')"},
                              {"child_st", "child_join", "grandchild_st", "auto_child"});
  expect_full_where_truncated(sts, {"TRUNCATE ONLY c1", "INSERT INTO c1 (id, g, v, t) VALUES (601, 1, 1, 'c')"},
                              {"child_st", "child_join", "auto_child"});
  expect_full_where_truncated(sts,
                              {"TRUNCATE p", "INSERT INTO c1 (id, g, v, t) SELECT i, i % 5, i, 'c' FROM generate_series(1, 30) i",
                               "INSERT INTO gc SELECT i, i % 4, i, 'gc', i, 'n' FROM generate_series(31, 50) i"},
                              {"child_st", "child_join", "grandchild_st", "auto_child"});
  step(sts, {"UPDATE p SET v = v + 1 WHERE id % 2 = 0", "DELETE FROM c1 WHERE id % 9 = 0"});

  // A DIFFERENTIAL source becomes a child, written to before and after in
  // that transaction: row-level capture from then on, statements on the
  // parent reach it. After NO INHERIT it stays row-level.
  conn().exec("CREATE TABLE y (id int NOT NULL, g int, v int, t text)");
  conn().exec("INSERT INTO y SELECT i, i % 5, i, 'y' FROM generate_series(1, 20) i");
  const StList ys{{"y_st", "SELECT id, v FROM y"}, {"y_sum", "SELECT g, count(*) AS c, sum(v) AS s FROM y GROUP BY g"}};
  create_all(ys);
  EXPECT_EQ(row_level_of("y"), "f");
  EXPECT_EQ(capture_levels("y", ""), statement_capture(""));
  conn().clear_notices();
  step(ys, {"UPDATE y SET v = v + 1 WHERE id = 1", "ALTER TABLE y INHERIT p", "UPDATE p SET v = -v WHERE id % 2 = 0",
            "DELETE FROM p WHERE id = 3"});
  EXPECT_FALSE(conn().has_notice("WARNING"));
  for (const auto& [st, q] : ys) EXPECT_EQ(effective_mode(st), "DIFFERENTIAL") << st;
  EXPECT_EQ(row_level_of("y"), "t");
  EXPECT_EQ(capture_levels("y", ""), row_capture(""));
  step(ys, {"UPDATE p SET g = 4 WHERE id < 10", "INSERT INTO y VALUES (21, 1, 21, 'y')", "DELETE FROM p WHERE id = 21",
            "UPDATE p SET id = id + 100 WHERE id BETWEEN 15 AND 18"});
  step(ys, {"UPDATE p SET v = v + 1 WHERE id % 3 = 0", "ALTER TABLE y NO INHERIT p", "UPDATE y SET v = 0 WHERE id = 5"});
  EXPECT_EQ(row_level_of("y"), "t");
  EXPECT_EQ(capture_levels("y", ""), row_capture(""));
  // The parent reaches it no more.
  run_in_transaction(conn(), {"UPDATE p SET v = v + 1", "DELETE FROM p WHERE id = 6"});
  for (const auto& [st, q] : ys) {
    EXPECT_TRUE(refresh_matches(conn(), st, q, Expect::Delta)) << st;
    EXPECT_EQ(last_refresh(conn(), st).action, "NO_DATA") << st;
  }
  step(ys, {"UPDATE y SET v = v + 1 WHERE id % 3 = 0", "DELETE FROM y WHERE id = 7"});
}

TEST_F(InheritanceSource, CaptureOnChildrenCannotBeDisabledAndGoesWithTheLastStreamTable) {
  set_up_p();
  const std::string before = hierarchy_capture_triggers("p");
  EXPECT_EQ(before, "12");
  for (const char* member : {"c1", "gc"}) {
    SCOPED_TRACE(member);
    expect_refused_2bp01(std::string("ALTER TABLE ") + member + " DISABLE TRIGGER USER", "cannot be dropped or disabled", true);
  }
  EXPECT_EQ(text_of("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'pgt\\_cdc\\_%' AND tgenabled = 'D'"), "0");
  step(kP, {"INSERT INTO gc VALUES (700, 1, 1, 'gc', 1, 'n')", "UPDATE c1 SET v = v + 1 WHERE id % 2 = 1"});

  conn().exec("CREATE TABLE c2 () INHERITS (p)");
  for (std::size_t i = 0; i < kP.size(); ++i) {
    conn().exec("SELECT pgtrickle.drop_stream_table(" + quote_literal(kP[i].first) + ")");
    EXPECT_EQ(hierarchy_capture_triggers("p"), i + 1 < kP.size() ? "16" : "0") << "after dropping " << kP[i].first;
  }
  EXPECT_FALSE(change_buffer_of(conn(), "p").has_value());
  conn().exec("ALTER TABLE gc DISABLE TRIGGER USER");
}

}  // namespace
}  // namespace pgt_e2e
