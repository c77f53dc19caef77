// Deterministic tests of refreshes where only some of a query's tables
// changed. Such a refresh runs only the delta terms whose changed relations
// all have changes (a statement per set of changed tables, kept for the
// session): each test changes one table at a time, then the other, then both,
// then the first again (so every set of changed tables is prepared and reused),
// for the shapes whose delta has terms over several tables: inner, LEFT, FULL
// and self joins, EXISTS / NOT EXISTS, set operations, grouping over joins and
// a scalar subquery's table (a FULL refresh). After each refresh the stream
// table must equal its query (multiset of values and of text forms) and have
// taken the delta path (NO_DATA where nothing it reads changed).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "adversarial_support.h"
#include "edge_test_db.h"
#include "refresh_history.h"
#include "test_db.h"

namespace pgt_e2e {
namespace {

class ChangedSourcesEdge : public EdgeTestDb {
 protected:
  ChangedSourcesEdge() : EdgeTestDb("cse_") {}

  void SetUp() override {
    EdgeTestDb::SetUp();
    conn().exec("CREATE TABLE a (id int PRIMARY KEY, k int, x int)");
    conn().exec("CREATE TABLE b (id int PRIMARY KEY, k int, y int)");
    conn().exec("INSERT INTO a SELECT i, i % 5, i FROM generate_series(1, 20) i");
    conn().exec("INSERT INTO b SELECT i, i % 7, 10 * i FROM generate_series(1, 14) i");
  }

  // Changes to a alone, b alone, both, a alone again, b alone again; each
  // kind twice so that a kept statement is run again.
  void alternate(const StList& sts) {
    const std::vector<std::vector<std::string>> batches = {
        {"UPDATE a SET x = x + 1 WHERE id <= 3"},
        {"INSERT INTO a VALUES (100, 2, 5)", "DELETE FROM a WHERE id = 4"},
        {"UPDATE b SET y = y - 1 WHERE id <= 2"},
        {"INSERT INTO b VALUES (100, 3, 7)", "DELETE FROM b WHERE id = 5"},
        {"UPDATE a SET k = 6 WHERE id = 7", "UPDATE b SET k = 6 WHERE id = 8"},
        {"DELETE FROM a WHERE k = 0"},
        {"UPDATE a SET k = 3 WHERE id = 100", "INSERT INTO a VALUES (101, 6, 1)"},
        {"DELETE FROM b WHERE k = 6"},
        {"UPDATE b SET k = NULL WHERE id = 9"},
        {"INSERT INTO b VALUES (101, 1, 1), (102, 4, 2)", "INSERT INTO a VALUES (102, 4, 9)"},
        {"DELETE FROM a WHERE id = 102"},
        {"DELETE FROM b"},
        {"INSERT INTO b SELECT i, i % 7, i FROM generate_series(200, 210) i"},
    };
    // NO_DATA too: a batch can change no column a stream table reads.
    for (const auto& batch : batches) step(sts, batch, true);
  }
};

TEST_F(ChangedSourcesEdge, InnerJoin) {
  StList sts = {{"j", "SELECT a.id, b.id AS bid, a.x + b.y AS s FROM a JOIN b ON a.k = b.k"}};
  create_all(sts);
  alternate(sts);
}

TEST_F(ChangedSourcesEdge, LeftAndFullJoins) {
  StList sts = {{"lj", "SELECT a.id, b.id AS bid, b.y FROM a LEFT JOIN b ON a.k = b.k"},
                {"fj", "SELECT a.id, b.id AS bid FROM a FULL JOIN b ON a.k = b.k"},
                {"rj", "SELECT a.x, b.id AS bid FROM a RIGHT JOIN b ON a.k = b.k AND b.y > 30"}};
  create_all(sts);
  alternate(sts);
}

TEST_F(ChangedSourcesEdge, SelfJoinReadsOneTableTwice) {
  StList sts = {{"sj", "SELECT a1.id, a2.id AS other FROM a a1 JOIN a a2 ON a1.k = a2.k AND a1.id < a2.id"},
                {"sjb", "SELECT a1.id, b.id AS bid FROM a a1 JOIN a a2 ON a1.k = a2.id JOIN b ON b.k = a2.k"}};
  create_all(sts);
  alternate(sts);
}

TEST_F(ChangedSourcesEdge, ExistsAndNotExists) {
  StList sts = {{"ex", "SELECT a.id, a.x FROM a WHERE EXISTS (SELECT 1 FROM b WHERE b.k = a.k)"},
                {"nex", "SELECT a.id FROM a WHERE NOT EXISTS (SELECT 1 FROM b WHERE b.k = a.k)"},
                {"inq", "SELECT a.id FROM a WHERE a.k IN (SELECT b.k FROM b)"}};
  create_all(sts);
  alternate(sts);
}

TEST_F(ChangedSourcesEdge, SetOperations) {
  StList sts = {{"u", "SELECT k FROM a UNION SELECT k FROM b"},
                {"ua", "SELECT k, x FROM a UNION ALL SELECT k, y FROM b"},
                {"e", "SELECT k FROM a EXCEPT SELECT k FROM b"},
                {"i", "SELECT k FROM a INTERSECT ALL SELECT k FROM b"}};
  create_all(sts);
  alternate(sts);
}

TEST_F(ChangedSourcesEdge, GroupingOverJoins) {
  StList sts = {{"g", "SELECT a.k, count(*) AS n, sum(a.x * b.y) AS s FROM a JOIN b ON a.k = b.k GROUP BY a.k"},
                {"gl", "SELECT a.k, count(b.id) AS n, max(b.y) AS hi FROM a LEFT JOIN b ON a.k = b.k GROUP BY a.k"},
                {"nested", "SELECT n, count(*) AS c FROM (SELECT a.k, count(*) AS n FROM a JOIN b ON a.k = b.k "
                           "GROUP BY a.k) s GROUP BY n"}};
  create_all(sts);
  alternate(sts);
}

// A table read by a scalar subquery: its changes make the refresh FULL; the
// other table's changes alone are a delta.
TEST_F(ChangedSourcesEdge, ScalarSubqueryTableChangesAreFull) {
  const std::string q = "SELECT a.id, a.x + (SELECT max(y) FROM b) AS s FROM a";
  ASSERT_TRUE(create_differential(conn(), "sq", q));
  conn().exec("UPDATE a SET x = x + 1 WHERE id = 1");
  EXPECT_TRUE(refresh_matches(conn(), "sq", q, Expect::Delta));
  EXPECT_EQ(last_refresh(conn(), "sq").action, "DIFFERENTIAL");
  conn().exec("UPDATE b SET y = y + 1000 WHERE id = 1");
  EXPECT_TRUE(refresh_matches(conn(), "sq", q, Expect::Any));
  EXPECT_EQ(last_refresh(conn(), "sq").action, "FULL");
  conn().exec("DELETE FROM a WHERE id = 2");
  EXPECT_TRUE(refresh_matches(conn(), "sq", q, Expect::Delta));
  EXPECT_EQ(last_refresh(conn(), "sq").action, "DIFFERENTIAL");
}

// Changes that cancel out in one table while the other changes for real.
TEST_F(ChangedSourcesEdge, OneTableChangesCancelOut) {
  StList sts = {{"j", "SELECT a.id, b.id AS bid FROM a JOIN b ON a.k = b.k"}};
  create_all(sts);
  step(sts, {"INSERT INTO a VALUES (300, 1, 1)", "DELETE FROM a WHERE id = 300", "UPDATE b SET k = 2 WHERE id = 1"});
  step(sts, {"UPDATE b SET y = y + 1 WHERE id = 2", "UPDATE b SET y = y - 1 WHERE id = 2"}, true);
}

}  // namespace
}  // namespace pgt_e2e
