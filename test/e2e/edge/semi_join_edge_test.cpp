// Deterministic edge cases of DIFFERENTIAL semi- and anti-joins (EXISTS,
// NOT EXISTS, IN (subquery), NOT IN over NOT NULL columns): a row's last
// match deleted, its first match inserted, a match's key updated away and
// back, duplicate matches removed one by one, an outer row and its match
// changed in one transaction, NULL keys, semi-join results never multiplied
// by duplicate matches, subquery conditions under GROUP BY and with joins, and
// refusals of what DIFFERENTIAL does not maintain (0A000 + HINT; AUTO falls
// back to FULL with a WARNING and a recorded reason).
//
// Every test runs in a schema of its own with
// pg_trickle.differential_max_change_ratio raised (a FULL fallback never
// hides a wrong delta). After each refresh the stream table must equal its
// query as a multiset of values and of text forms (visible columns only),
// the refresh must have recorded action DIFFERENTIAL (get_refresh_history),
// and specific expected rows are checked.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <utility>

#include "adversarial_support.h"
#include "oracle.h"
#include "refresh_history.h"
#include "stream_table.h"
#include "edge_test_db.h"
#include "test_db.h"
#include "test_names.h"

namespace pgt_e2e {
namespace {

class SemiJoinEdge : public EdgeTestDb {
 protected:
  SemiJoinEdge() : EdgeTestDb("sje_") {}

  // The action of the latest refresh, as get_refresh_history reports it.
  std::string action_of(const std::string& st) {
    return conn().scalar("SELECT action FROM pgtrickle.get_refresh_history(" + quote_literal(st) + ", 1)");
  }
};

// --- Matches appearing and vanishing ------------------------------------------------

// The only match of a row is deleted: the row leaves the EXISTS stream
// table and appears in the NOT EXISTS one (and IN); inserted back, it returns.
TEST_F(SemiJoinEdge, LastMatchDeletedAndFirstMatchInserted) {
  conn().exec("CREATE TABLE o (id int PRIMARY KEY, k int, v text)");
  conn().exec("CREATE TABLE s (id int PRIMARY KEY, k int)");
  conn().exec("INSERT INTO o VALUES (1, 1, 'a'), (2, 2, 'b'), (3, 3, 'c')");
  conn().exec("INSERT INTO s VALUES (10, 1), (11, 2)");
  const StList sts{
      {"ex", "SELECT o.id, o.v FROM o WHERE EXISTS (SELECT 1 FROM s WHERE s.k = o.k)"},
      {"nx", "SELECT o.id, o.v FROM o WHERE NOT EXISTS (SELECT 1 FROM s WHERE s.k = o.k)"},
      {"inq", "SELECT o.id, o.v FROM o WHERE o.k IN (SELECT s.k FROM s)"},
  };
  create_all(sts);
  EXPECT_EQ(text_of("SELECT id FROM ex ORDER BY id"), "1;2");
  EXPECT_EQ(text_of("SELECT id FROM nx ORDER BY id"), "3");

  step(sts, {"DELETE FROM s WHERE id = 10"});
  EXPECT_EQ(text_of("SELECT id, v FROM ex ORDER BY id"), "2,b");
  EXPECT_EQ(text_of("SELECT id, v FROM nx ORDER BY id"), "1,a;3,c");
  EXPECT_EQ(text_of("SELECT id FROM inq ORDER BY id"), "2");

  // The first match of row 3 (and row 1 again).
  step(sts, {"INSERT INTO s VALUES (12, 3)"});
  EXPECT_EQ(text_of("SELECT id FROM ex ORDER BY id"), "2;3");
  EXPECT_EQ(text_of("SELECT id FROM nx ORDER BY id"), "1");
  step(sts, {"INSERT INTO s VALUES (13, 1)"});
  EXPECT_EQ(text_of("SELECT id FROM ex ORDER BY id"), "1;2;3");
  EXPECT_EQ(text_of("SELECT count(*) FROM nx"), "0");
  EXPECT_EQ(text_of("SELECT id FROM inq ORDER BY id"), "1;2;3");

  // Every match gone.
  step(sts, {"DELETE FROM s"});
  EXPECT_EQ(text_of("SELECT count(*) FROM ex"), "0");
  EXPECT_EQ(text_of("SELECT id FROM nx ORDER BY id"), "1;2;3");
  EXPECT_EQ(text_of("SELECT count(*) FROM inq"), "0");

  // A non-matching insert into the subquery table: the stream tables stay.
  step(sts, {"INSERT INTO s VALUES (20, 99)"});
  EXPECT_EQ(text_of("SELECT id FROM nx ORDER BY id"), "1;2;3");

  // A change of an outer column the subquery does not read.
  step(sts, {"UPDATE o SET v = 'z' WHERE id = 2"});
  EXPECT_EQ(text_of("SELECT id, v FROM nx ORDER BY id"), "1,a;2,z;3,c");
}

// A match's key is updated away (the outer row leaves) and back (it returns);
// then away and back within one transaction (no net change).
TEST_F(SemiJoinEdge, MatchKeyUpdatedAwayAndBack) {
  conn().exec("CREATE TABLE o (id int PRIMARY KEY, k int)");
  conn().exec("CREATE TABLE s (id int PRIMARY KEY, k int, w int)");
  conn().exec("INSERT INTO o VALUES (1, 1), (2, 2), (3, 2)");
  conn().exec("INSERT INTO s VALUES (10, 1, 0), (11, 2, 0)");
  const StList sts{
      {"ex", "SELECT o.id, o.k FROM o WHERE EXISTS (SELECT 1 FROM s WHERE s.k = o.k)"},
      {"nx", "SELECT o.id, o.k FROM o WHERE NOT EXISTS (SELECT 1 FROM s WHERE s.k = o.k)"},
  };
  create_all(sts);
  EXPECT_EQ(text_of("SELECT id FROM ex ORDER BY id"), "1;2;3");

  step(sts, {"UPDATE s SET k = 7 WHERE id = 11"});
  EXPECT_EQ(text_of("SELECT id FROM ex ORDER BY id"), "1");
  EXPECT_EQ(text_of("SELECT id FROM nx ORDER BY id"), "2;3");

  step(sts, {"UPDATE s SET k = 2 WHERE id = 11"});
  EXPECT_EQ(text_of("SELECT id FROM ex ORDER BY id"), "1;2;3");
  EXPECT_EQ(text_of("SELECT count(*) FROM nx"), "0");

  // Match moves from key 1 to key 2 (row 1 leaves; rows 2, 3 keep a match).
  step(sts, {"UPDATE s SET k = 2 WHERE id = 10"});
  EXPECT_EQ(text_of("SELECT id FROM ex ORDER BY id"), "2;3");
  EXPECT_EQ(text_of("SELECT id FROM nx ORDER BY id"), "1");

  // Away and back in one transaction; and a non-key column of the match.
  step(sts, {"UPDATE s SET k = 9 WHERE id = 11", "UPDATE s SET k = 2 WHERE id = 11", "UPDATE s SET w = 5"}, true);
  EXPECT_EQ(text_of("SELECT id FROM ex ORDER BY id"), "2;3");
  EXPECT_EQ(text_of("SELECT id FROM nx ORDER BY id"), "1");

  // The primary key of a match changes, its k does not.
  step(sts, {"UPDATE s SET id = 100 WHERE id = 11"}, true);
  EXPECT_EQ(text_of("SELECT id FROM ex ORDER BY id"), "2;3");
}

// Two matches of one key: deleting one keeps the row (2 -> 1), deleting the
// other removes it (1 -> 0). Also for exact duplicates in a keyless table,
// removed one physical row at a time.
TEST_F(SemiJoinEdge, DuplicateMatchesRemovedOneByOne) {
  conn().exec("CREATE TABLE o (id int PRIMARY KEY, k int)");
  conn().exec("CREATE TABLE s (id int PRIMARY KEY, k int)");
  conn().exec("CREATE TABLE d (k int)");  // keyless
  conn().exec("INSERT INTO o VALUES (1, 5), (2, 5), (3, 6)");
  conn().exec("INSERT INTO s VALUES (10, 5), (11, 5), (12, 6)");
  conn().exec("INSERT INTO d VALUES (5), (5), (6)");
  const StList sts{
      {"ex", "SELECT o.id FROM o WHERE EXISTS (SELECT 1 FROM s WHERE s.k = o.k)"},
      {"nx", "SELECT o.id FROM o WHERE NOT EXISTS (SELECT 1 FROM s WHERE s.k = o.k)"},
      {"exd", "SELECT o.id FROM o WHERE EXISTS (SELECT 1 FROM d WHERE d.k = o.k)"},
      {"ind", "SELECT o.id, o.k FROM o WHERE o.k IN (SELECT d.k FROM d)"},
      {"nxd", "SELECT o.id FROM o WHERE NOT EXISTS (SELECT 1 FROM d WHERE d.k = o.k)"},
  };
  create_all(sts);
  // Semi-join: never one output row per match.
  EXPECT_EQ(text_of("SELECT id FROM ex ORDER BY id"), "1;2;3");
  EXPECT_EQ(text_of("SELECT id FROM exd ORDER BY id"), "1;2;3");
  EXPECT_EQ(text_of("SELECT id FROM ind ORDER BY id"), "1;2;3");

  // 2 -> 1
  step(sts, {"DELETE FROM s WHERE id = 10", "DELETE FROM d WHERE ctid = (SELECT min(ctid) FROM d WHERE k = 5)"});
  EXPECT_EQ(text_of("SELECT id FROM ex ORDER BY id"), "1;2;3");
  EXPECT_EQ(text_of("SELECT id FROM exd ORDER BY id"), "1;2;3");
  EXPECT_EQ(text_of("SELECT count(*) FROM nx"), "0");
  EXPECT_EQ(text_of("SELECT count(*) FROM nxd"), "0");

  // 1 -> 2 -> 3 (duplicates added): still one row each.
  step(sts, {"INSERT INTO s VALUES (13, 5), (14, 5)", "INSERT INTO d VALUES (5), (5)"});
  EXPECT_EQ(text_of("SELECT id FROM ex ORDER BY id"), "1;2;3");
  EXPECT_EQ(text_of("SELECT id, k FROM ind ORDER BY id"), "1,5;2,5;3,6");

  // 3 -> 1
  step(sts, {"DELETE FROM s WHERE id IN (11, 13)",
             "DELETE FROM d WHERE ctid IN (SELECT ctid FROM d WHERE k = 5 LIMIT 2)"});
  EXPECT_EQ(text_of("SELECT id FROM ex ORDER BY id"), "1;2;3");
  EXPECT_EQ(text_of("SELECT id FROM exd ORDER BY id"), "1;2;3");

  // 1 -> 0
  step(sts, {"DELETE FROM s WHERE id = 14", "DELETE FROM d WHERE k = 5"});
  EXPECT_EQ(text_of("SELECT id FROM ex ORDER BY id"), "3");
  EXPECT_EQ(text_of("SELECT id FROM nx ORDER BY id"), "1;2");
  EXPECT_EQ(text_of("SELECT id FROM exd ORDER BY id"), "3");
  EXPECT_EQ(text_of("SELECT id FROM nxd ORDER BY id"), "1;2");
  EXPECT_EQ(text_of("SELECT id FROM ind ORDER BY id"), "3");

  // 0 -> 2 in one transaction.
  step(sts, {"INSERT INTO s VALUES (15, 5), (16, 5)", "INSERT INTO d VALUES (5), (5)"});
  EXPECT_EQ(text_of("SELECT id FROM ex ORDER BY id"), "1;2;3");
  EXPECT_EQ(text_of("SELECT count(*) FROM nxd"), "0");
}

// The outer row's primary key changes while it is matched (and while it
// gains a match); a keyless outer table with exact duplicates gains and loses
// its match: every copy follows.
TEST_F(SemiJoinEdge, OuterKeyUpdateAndKeylessDuplicates) {
  conn().exec("CREATE TABLE o (id int PRIMARY KEY, k int)");
  conn().exec("CREATE TABLE d (k int, v text)");  // keyless outer
  conn().exec("CREATE TABLE s (k int)");
  conn().exec("INSERT INTO o VALUES (1, 1), (2, 2)");
  conn().exec("INSERT INTO d VALUES (1, 'x'), (1, 'x'), (1, 'x'), (2, 'y')");
  conn().exec("INSERT INTO s VALUES (1)");
  const StList sts{
      {"ex", "SELECT o.id, o.k FROM o WHERE EXISTS (SELECT 1 FROM s WHERE s.k = o.k)"},
      {"dx", "SELECT d.k, d.v FROM d WHERE EXISTS (SELECT 1 FROM s WHERE s.k = d.k)"},
      {"dnx", "SELECT d.k, d.v FROM d WHERE NOT EXISTS (SELECT 1 FROM s WHERE s.k = d.k)"},
  };
  create_all(sts);
  EXPECT_EQ(text_of("SELECT count(*) FROM dx"), "3");
  step({sts[0]}, {"UPDATE o SET id = 10 WHERE id = 1"});
  EXPECT_EQ(text_of("SELECT id, k FROM ex ORDER BY id"), "10,1");
  step(sts, {"UPDATE o SET id = 20 WHERE id = 2", "INSERT INTO s VALUES (2)"});
  EXPECT_EQ(text_of("SELECT id, k FROM ex ORDER BY id"), "10,1;20,2");
  EXPECT_EQ(text_of("SELECT count(*) FROM dx"), "4");
  EXPECT_EQ(text_of("SELECT count(*) FROM dnx"), "0");
  step(sts, {"DELETE FROM s WHERE k = 1"});
  EXPECT_EQ(text_of("SELECT k, v FROM dx"), "2,y");
  EXPECT_EQ(text_of("SELECT k, v, count(*) FROM dnx GROUP BY k, v"), "1,x,3");
  // One copy moves to key 2, another is deleted, the match returns.
  step(sts, {"UPDATE d SET k = 2 WHERE ctid = (SELECT min(ctid) FROM d WHERE k = 1)",
             "DELETE FROM d WHERE ctid = (SELECT min(ctid) FROM d WHERE k = 1)", "INSERT INTO s VALUES (1)"});
  EXPECT_EQ(text_of("SELECT k, v, count(*) FROM dx GROUP BY k, v ORDER BY k, v"), "1,x,1;2,x,1;2,y,1");
  EXPECT_EQ(text_of("SELECT count(*) FROM dnx"), "0");
}

// The outer row and its match change in the same transaction.
TEST_F(SemiJoinEdge, OuterRowAndMatchChangedTogether) {
  conn().exec("CREATE TABLE o (id int PRIMARY KEY, k int, v int)");
  conn().exec("CREATE TABLE s (id int PRIMARY KEY, k int)");
  conn().exec("INSERT INTO o VALUES (1, 1, 10), (2, 2, 20), (3, 3, 30)");
  conn().exec("INSERT INTO s VALUES (10, 1), (11, 2)");
  const StList sts{
      {"ex", "SELECT o.id, o.k, o.v FROM o WHERE EXISTS (SELECT 1 FROM s WHERE s.k = o.k)"},
      {"nx", "SELECT o.id, o.k, o.v FROM o WHERE NOT EXISTS (SELECT 1 FROM s WHERE s.k = o.k)"},
  };
  create_all(sts);

  // Outer row moves to key 7, and a match for 7 arrives: still in ex, new k.
  step(sts, {"UPDATE o SET k = 7 WHERE id = 1", "INSERT INTO s VALUES (12, 7)"});
  EXPECT_EQ(text_of("SELECT id, k, v FROM ex ORDER BY id"), "1,7,10;2,2,20");
  EXPECT_EQ(text_of("SELECT id, k FROM nx ORDER BY id"), "3,3");

  // The match and the outer row both deleted.
  step(sts, {"DELETE FROM s WHERE id = 11", "DELETE FROM o WHERE id = 2"});
  EXPECT_EQ(text_of("SELECT id FROM ex ORDER BY id"), "1");
  EXPECT_EQ(text_of("SELECT id FROM nx ORDER BY id"), "3");

  // Swap: row 3 gains a match while row 1 loses its own; new row 4 arrives
  // with a match; value change of a row that also gains a match.
  step(sts, {"UPDATE s SET k = 3 WHERE id = 12", "INSERT INTO o VALUES (4, 3, 40)", "UPDATE o SET v = 31 WHERE id = 3"});
  EXPECT_EQ(text_of("SELECT id, k, v FROM ex ORDER BY id"), "3,3,31;4,3,40");
  EXPECT_EQ(text_of("SELECT id, k, v FROM nx ORDER BY id"), "1,7,10");

  // Outer row and match inserted, then both deleted in one transaction.
  step(sts, {"INSERT INTO o VALUES (5, 9, 50)", "INSERT INTO s VALUES (13, 9)", "DELETE FROM o WHERE id = 5",
             "DELETE FROM s WHERE id = 13"},
       true);
  EXPECT_EQ(text_of("SELECT id FROM ex ORDER BY id"), "3;4");

  // Outer row changes key from matched to unmatched while its old match's
  // key changes to the new key: stays matched.
  step(sts, {"UPDATE o SET k = 8 WHERE id = 4", "UPDATE s SET k = 8 WHERE id = 12", "INSERT INTO s VALUES (14, 3)"});
  EXPECT_EQ(text_of("SELECT id, k FROM ex ORDER BY id"), "3,3;4,8");
  EXPECT_EQ(text_of("SELECT id FROM nx ORDER BY id"), "1");
}

// NULL keys never match: not in EXISTS / IN, always in NOT EXISTS (on either
// side), also when a row's key goes NULL -> value -> NULL.
TEST_F(SemiJoinEdge, NullKeysNeverMatch) {
  conn().exec("CREATE TABLE o (id int PRIMARY KEY, k int)");
  conn().exec("CREATE TABLE s (id int PRIMARY KEY, k int)");
  conn().exec("INSERT INTO o VALUES (1, NULL), (2, 1), (3, NULL)");
  conn().exec("INSERT INTO s VALUES (10, NULL), (11, 1)");
  const StList sts{
      {"ex", "SELECT o.id FROM o WHERE EXISTS (SELECT 1 FROM s WHERE s.k = o.k)"},
      {"nx", "SELECT o.id FROM o WHERE NOT EXISTS (SELECT 1 FROM s WHERE s.k = o.k)"},
      {"inq", "SELECT o.id FROM o WHERE o.k IN (SELECT s.k FROM s)"},
  };
  create_all(sts);
  EXPECT_EQ(text_of("SELECT id FROM ex ORDER BY id"), "2");
  EXPECT_EQ(text_of("SELECT id FROM nx ORDER BY id"), "1;3");

  step(sts, {"INSERT INTO s VALUES (12, NULL)"});
  EXPECT_EQ(text_of("SELECT id FROM ex ORDER BY id"), "2");
  EXPECT_EQ(text_of("SELECT id FROM nx ORDER BY id"), "1;3");

  step(sts, {"UPDATE o SET k = 1 WHERE id = 1"});
  EXPECT_EQ(text_of("SELECT id FROM ex ORDER BY id"), "1;2");
  EXPECT_EQ(text_of("SELECT id FROM nx ORDER BY id"), "3");

  // The match's key goes NULL: rows 1 and 2 lose their only match.
  step(sts, {"UPDATE s SET k = NULL WHERE id = 11"});
  EXPECT_EQ(text_of("SELECT count(*) FROM ex"), "0");
  EXPECT_EQ(text_of("SELECT id FROM nx ORDER BY id"), "1;2;3");
  EXPECT_EQ(text_of("SELECT count(*) FROM inq"), "0");

  step(sts, {"UPDATE s SET k = 1 WHERE id = 10", "UPDATE o SET k = NULL WHERE id = 2"});
  EXPECT_EQ(text_of("SELECT id FROM ex ORDER BY id"), "1");
  EXPECT_EQ(text_of("SELECT id FROM nx ORDER BY id"), "2;3");
  EXPECT_EQ(text_of("SELECT id FROM inq ORDER BY id"), "1");

  step(sts, {"DELETE FROM s WHERE k IS NULL"});
  EXPECT_EQ(text_of("SELECT id FROM ex ORDER BY id"), "1");
}

// NOT IN where both columns are NOT NULL equals NOT EXISTS.
TEST_F(SemiJoinEdge, NotInOverNotNullColumns) {
  conn().exec("CREATE TABLE o (id int PRIMARY KEY, k int NOT NULL, v int)");
  conn().exec("CREATE TABLE s (k int NOT NULL, w int)");
  conn().exec("INSERT INTO o VALUES (1, 1, NULL), (2, 2, 2), (3, 3, 3), (4, 3, 4)");
  conn().exec("INSERT INTO s VALUES (1, 0), (1, 1), (2, 0)");
  const StList sts{
      {"nin", "SELECT o.id, o.k, o.v FROM o WHERE o.k NOT IN (SELECT s.k FROM s)"},
      {"nin_expr", "SELECT o.id FROM o WHERE o.k NOT IN (SELECT s.k FROM s) AND o.v IS DISTINCT FROM 4"},
  };
  create_all(sts);
  EXPECT_EQ(text_of("SELECT id FROM nin ORDER BY id"), "3;4");
  EXPECT_EQ(text_of("SELECT id FROM nin_expr ORDER BY id"), "3");

  step(sts, {"DELETE FROM s WHERE k = 1 AND w = 0"});  // 2 -> 1 duplicates of 1
  EXPECT_EQ(text_of("SELECT id FROM nin ORDER BY id"), "3;4");
  step(sts, {"DELETE FROM s WHERE k = 1"});  // 1 -> 0
  EXPECT_EQ(text_of("SELECT id FROM nin ORDER BY id"), "1;3;4");
  step(sts, {"INSERT INTO s VALUES (3, 9)"});
  EXPECT_EQ(text_of("SELECT id, k, v FROM nin ORDER BY id"), "1,1,NULL");
  step(sts, {"UPDATE o SET k = 5 WHERE id = 4", "UPDATE s SET k = 1 WHERE k = 2"});
  EXPECT_EQ(text_of("SELECT id, k FROM nin ORDER BY id"), "2,2;4,5");
  EXPECT_EQ(text_of("SELECT id FROM nin_expr ORDER BY id"), "2");
  step(sts, {"DELETE FROM s"});
  EXPECT_EQ(text_of("SELECT id FROM nin ORDER BY id"), "1;2;3;4");
}

// Correlated on two columns; IN with an extra correlation; an outer
// expression as the correlated value.
TEST_F(SemiJoinEdge, MultiColumnAndExpressionCorrelation) {
  conn().exec("CREATE TABLE o (id int PRIMARY KEY, a int, b text)");
  conn().exec("CREATE TABLE s (a int, b text)");
  conn().exec("INSERT INTO o VALUES (1, 1, 'x'), (2, 1, 'y'), (3, 2, 'x'), (4, NULL, 'x'), (5, 2, NULL)");
  conn().exec("INSERT INTO s VALUES (1, 'x'), (2, NULL), (3, 'x')");
  const StList sts{
      {"ex2", "SELECT o.id FROM o WHERE EXISTS (SELECT 1 FROM s WHERE s.a = o.a AND s.b = o.b)"},
      {"nx2", "SELECT o.id FROM o WHERE NOT EXISTS (SELECT 1 FROM s WHERE s.b = o.b AND s.a = o.a)"},
      {"in2", "SELECT o.id FROM o WHERE o.a IN (SELECT s.a FROM s WHERE s.b = o.b)"},
      {"exe", "SELECT o.id FROM o WHERE EXISTS (SELECT 1 FROM s WHERE s.a = o.a + 1)"},
  };
  create_all(sts);
  EXPECT_EQ(text_of("SELECT id FROM ex2 ORDER BY id"), "1");
  EXPECT_EQ(text_of("SELECT id FROM nx2 ORDER BY id"), "2;3;4;5");
  EXPECT_EQ(text_of("SELECT id FROM in2 ORDER BY id"), "1");
  EXPECT_EQ(text_of("SELECT id FROM exe ORDER BY id"), "1;2;3;5");

  // Half a match (a equal, b different) is no match.
  step(sts, {"INSERT INTO s VALUES (2, 'y')"});
  EXPECT_EQ(text_of("SELECT id FROM ex2 ORDER BY id"), "1");
  step(sts, {"UPDATE s SET b = 'x' WHERE a = 2 AND b IS NULL"});
  EXPECT_EQ(text_of("SELECT id FROM ex2 ORDER BY id"), "1;3");
  EXPECT_EQ(text_of("SELECT id FROM in2 ORDER BY id"), "1;3");
  step(sts, {"UPDATE o SET b = 'x' WHERE id = 2", "UPDATE s SET a = 4 WHERE a = 3"});
  EXPECT_EQ(text_of("SELECT id FROM ex2 ORDER BY id"), "1;2;3");
  EXPECT_EQ(text_of("SELECT id FROM nx2 ORDER BY id"), "4;5");
  EXPECT_EQ(text_of("SELECT id FROM exe ORDER BY id"), "1;2");
  step(sts, {"DELETE FROM s WHERE a = 1"});
  EXPECT_EQ(text_of("SELECT id FROM ex2 ORDER BY id"), "3");
  EXPECT_EQ(text_of("SELECT id FROM nx2 ORDER BY id"), "1;2;4;5");
}

// --- With joins, grouping, several conditions --------------------------------------

// EXISTS and NOT EXISTS with an inner join and with a LEFT JOIN in the outer
// query; the anti-join correlates with the nullable side of the LEFT JOIN.
TEST_F(SemiJoinEdge, WithInnerAndLeftJoins) {
  conn().exec("CREATE TABLE c (id int PRIMARY KEY, region int)");
  conn().exec("CREATE TABLE ord (id int PRIMARY KEY, cust int, qty int)");
  conn().exec("CREATE TABLE act (region int)");
  conn().exec("INSERT INTO c VALUES (1, 10), (2, 20), (3, NULL)");
  conn().exec("INSERT INTO ord VALUES (100, 1, 5), (101, 2, 6), (102, 3, 7), (103, 4, 8)");
  conn().exec("INSERT INTO act VALUES (10)");
  const StList sts{
      {"jx", "SELECT o.id, c.region FROM ord o JOIN c ON o.cust = c.id "
             "WHERE EXISTS (SELECT 1 FROM act a WHERE a.region = c.region)"},
      {"lnx", "SELECT o.id, c.region FROM ord o LEFT JOIN c ON o.cust = c.id "
              "WHERE NOT EXISTS (SELECT 1 FROM act a WHERE a.region = c.region)"},
      {"lx", "SELECT o.id, o.qty FROM ord o LEFT JOIN c ON o.cust = c.id "
             "WHERE EXISTS (SELECT 1 FROM act a WHERE a.region = o.qty)"},
  };
  create_all(sts);
  EXPECT_EQ(text_of("SELECT id, region FROM jx ORDER BY id"), "100,10");
  EXPECT_EQ(text_of("SELECT id, region FROM lnx ORDER BY id"), "101,20;102,NULL;103,NULL");

  step(sts, {"INSERT INTO act VALUES (20)"});
  EXPECT_EQ(text_of("SELECT id FROM jx ORDER BY id"), "100;101");
  EXPECT_EQ(text_of("SELECT id FROM lnx ORDER BY id"), "102;103");

  // The customer moves region, an order gains its customer.
  step(sts, {"UPDATE c SET region = 30 WHERE id = 1", "INSERT INTO c VALUES (4, 20)"});
  EXPECT_EQ(text_of("SELECT id, region FROM jx ORDER BY id"), "101,20;103,20");
  EXPECT_EQ(text_of("SELECT id, region FROM lnx ORDER BY id"), "100,30;102,NULL");

  step(sts, {"DELETE FROM act WHERE region = 20", "INSERT INTO act VALUES (30)", "INSERT INTO act VALUES (8)"});
  EXPECT_EQ(text_of("SELECT id FROM jx ORDER BY id"), "100");
  EXPECT_EQ(text_of("SELECT id FROM lnx ORDER BY id"), "101;102;103");
  EXPECT_EQ(text_of("SELECT id, qty FROM lx ORDER BY id"), "103,8");

  step(sts, {"DELETE FROM c WHERE id = 4"});
  EXPECT_EQ(text_of("SELECT id, region FROM lnx ORDER BY id"), "101,20;102,NULL;103,NULL");
}

// GROUP BY over a query filtered by EXISTS: counts and sums move when
// matches appear and vanish; a group disappears and comes back. DISTINCT
// over IN.
TEST_F(SemiJoinEdge, GroupedAndDistinctOverSemiJoin) {
  conn().exec("CREATE TABLE t (id int PRIMARY KEY, g text, k int, v int)");
  conn().exec("CREATE TABLE ok (k int)");
  conn().exec("INSERT INTO t VALUES (1, 'a', 1, 10), (2, 'a', 2, 20), (3, 'b', 2, 5), (4, 'b', 3, NULL), "
              "(5, NULL, 1, 1)");
  conn().exec("INSERT INTO ok VALUES (1), (2)");
  const StList sts{
      {"gx", "SELECT g, count(*) AS n, sum(v) AS s FROM t WHERE EXISTS (SELECT 1 FROM ok WHERE ok.k = t.k) "
             "GROUP BY g"},
      {"gnx", "SELECT count(*) AS n, sum(v) AS s FROM t WHERE NOT EXISTS (SELECT 1 FROM ok WHERE ok.k = t.k)"},
      {"dx", "SELECT DISTINCT g FROM t WHERE k IN (SELECT ok.k FROM ok)"},
  };
  create_all(sts);
  EXPECT_EQ(text_of("SELECT g, n, s FROM gx ORDER BY g"), "a,2,30;b,1,5;NULL,1,1");
  EXPECT_EQ(text_of("SELECT n, s FROM gnx"), "1,NULL");

  step(sts, {"DELETE FROM ok WHERE k = 2"});
  EXPECT_EQ(text_of("SELECT g, n, s FROM gx ORDER BY g"), "a,1,10;NULL,1,1");
  EXPECT_EQ(text_of("SELECT n, s FROM gnx"), "3,25");
  EXPECT_EQ(text_of("SELECT g FROM dx ORDER BY g"), "a;NULL");

  step(sts, {"INSERT INTO ok VALUES (3), (3)"});
  EXPECT_EQ(text_of("SELECT g, n, s FROM gx ORDER BY g"), "a,1,10;b,1,NULL;NULL,1,1");
  EXPECT_EQ(text_of("SELECT n, s FROM gnx"), "2,25");

  step(sts, {"DELETE FROM ok", "UPDATE t SET v = 7 WHERE id = 4"});
  EXPECT_EQ(text_of("SELECT count(*) FROM gx"), "0");
  EXPECT_EQ(text_of("SELECT n, s FROM gnx"), "5,43");
  EXPECT_EQ(text_of("SELECT count(*) FROM dx"), "0");

  step(sts, {"INSERT INTO ok VALUES (2)"});
  EXPECT_EQ(text_of("SELECT g, n, s FROM gx ORDER BY g"), "a,1,20;b,1,5");
  EXPECT_EQ(text_of("SELECT g FROM dx ORDER BY g"), "a;b");
}

// Two subquery conditions on different tables, and a subquery over the
// outer table itself.
TEST_F(SemiJoinEdge, TwoConditionsAndSelfReference) {
  conn().exec("CREATE TABLE t (id int PRIMARY KEY, a int, b int, mgr int)");
  conn().exec("CREATE TABLE allow (a int)");
  conn().exec("CREATE TABLE deny (b int PRIMARY KEY)");
  conn().exec("INSERT INTO t VALUES (1, 1, 1, NULL), (2, 1, 2, 1), (3, 2, 1, 1), (4, 2, 2, 3)");
  conn().exec("INSERT INTO allow VALUES (1)");
  conn().exec("INSERT INTO deny VALUES (2)");
  const StList sts{
      {"two", "SELECT t.id FROM t WHERE EXISTS (SELECT 1 FROM allow w WHERE w.a = t.a) "
              "AND NOT EXISTS (SELECT 1 FROM deny d WHERE d.b = t.b)"},
      {"mgrs", "SELECT m.id FROM t m WHERE EXISTS (SELECT 1 FROM t r WHERE r.mgr = m.id)"},
      {"leaves", "SELECT m.id FROM t m WHERE NOT EXISTS (SELECT 1 FROM t r WHERE r.mgr = m.id)"},
  };
  create_all(sts);
  EXPECT_EQ(text_of("SELECT id FROM two ORDER BY id"), "1");
  EXPECT_EQ(text_of("SELECT id FROM mgrs ORDER BY id"), "1;3");
  EXPECT_EQ(text_of("SELECT id FROM leaves ORDER BY id"), "2;4");

  // Changes of allow / deny only: the self-referencing stream tables read
  // neither (their refreshes would be NO_DATA).
  const StList two{sts[0]};
  step(two, {"INSERT INTO allow VALUES (2)", "DELETE FROM deny"});
  EXPECT_EQ(text_of("SELECT id FROM two ORDER BY id"), "1;2;3;4");
  step(two, {"INSERT INTO deny VALUES (1)", "DELETE FROM allow WHERE a = 1"});
  EXPECT_EQ(text_of("SELECT id FROM two ORDER BY id"), "4");

  // One row is both a manager and reports to one; it changes both at once.
  step(sts, {"UPDATE t SET mgr = 2 WHERE id = 4"});
  EXPECT_EQ(text_of("SELECT id FROM mgrs ORDER BY id"), "1;2");
  EXPECT_EQ(text_of("SELECT id FROM leaves ORDER BY id"), "3;4");
  step(sts, {"UPDATE t SET mgr = 4 WHERE id = 4"});  // its own manager
  EXPECT_EQ(text_of("SELECT id FROM mgrs ORDER BY id"), "1;4");
  step(sts, {"DELETE FROM t WHERE id = 1"});
  EXPECT_EQ(text_of("SELECT id FROM mgrs ORDER BY id"), "4");
  EXPECT_EQ(text_of("SELECT id FROM leaves ORDER BY id"), "2;3");
}

// TRUNCATE of the subquery table (any refresh path) and refreshes without
// changes (NO_DATA).
TEST_F(SemiJoinEdge, TruncateAndNoChange) {
  conn().exec("CREATE TABLE o (id int PRIMARY KEY, k int)");
  conn().exec("CREATE TABLE s (k int)");
  conn().exec("INSERT INTO o VALUES (1, 1), (2, 2)");
  conn().exec("INSERT INTO s VALUES (1)");
  const StList sts{
      {"ex", "SELECT o.id FROM o WHERE EXISTS (SELECT 1 FROM s WHERE s.k = o.k)"},
      {"nx", "SELECT o.id FROM o WHERE NOT EXISTS (SELECT 1 FROM s WHERE s.k = o.k)"},
  };
  create_all(sts);
  for (const auto& [st, q] : sts) {
    EXPECT_TRUE(refresh_matches(conn(), st, q));
    EXPECT_EQ(action_of(st), "NO_DATA") << st;
  }
  conn().exec("TRUNCATE s");
  for (const auto& [st, q] : sts) EXPECT_TRUE(refresh_matches(conn(), st, q, Expect::Any)) << st;
  EXPECT_EQ(text_of("SELECT count(*) FROM ex"), "0");
  EXPECT_EQ(text_of("SELECT id FROM nx ORDER BY id"), "1;2");
  step(sts, {"INSERT INTO s VALUES (2)"});
  EXPECT_EQ(text_of("SELECT id FROM ex ORDER BY id"), "2");
  EXPECT_EQ(text_of("SELECT id FROM nx ORDER BY id"), "1");
}

// Other accepted spellings: = ANY (subquery), IN (SELECT DISTINCT ...), one
// subquery column equal to two outer columns, the correlation written
// outer = inner, and a subquery reading another stream table.
TEST_F(SemiJoinEdge, OtherAcceptedForms) {
  conn().exec("CREATE TABLE o (id int PRIMARY KEY, k int, a int)");
  conn().exec("CREATE TABLE s (k int, w int)");
  conn().exec("INSERT INTO o VALUES (1, 1, 1), (2, 2, 1), (3, 1, 2), (4, NULL, NULL)");
  conn().exec("INSERT INTO s VALUES (1, 0), (1, 1), (3, 0)");
  ASSERT_TRUE(create_differential(conn(), "base", "SELECT k, w FROM s WHERE w = 0"));
  const StList sts{
      {"anyq", "SELECT o.id FROM o WHERE o.k = ANY (SELECT s.k FROM s)"},
      {"dist", "SELECT o.id FROM o WHERE o.k IN (SELECT DISTINCT s.k FROM s)"},
      {"twoc", "SELECT o.id FROM o WHERE EXISTS (SELECT 1 FROM s WHERE s.k = o.k AND s.k = o.a)"},
      {"rev", "SELECT o.id FROM o WHERE NOT EXISTS (SELECT 1 FROM s WHERE o.k = s.k)"},
      {"overst", "SELECT o.id FROM o WHERE EXISTS (SELECT 1 FROM base b WHERE b.k = o.k)"},
  };
  create_all(sts);
  EXPECT_EQ(text_of("SELECT id FROM anyq ORDER BY id"), "1;3");
  EXPECT_EQ(text_of("SELECT id FROM dist ORDER BY id"), "1;3");
  EXPECT_EQ(text_of("SELECT id FROM twoc ORDER BY id"), "1");
  EXPECT_EQ(text_of("SELECT id FROM rev ORDER BY id"), "2;4");
  EXPECT_EQ(text_of("SELECT id FROM overst ORDER BY id"), "1;3");

  auto step_all = [&](const std::vector<std::string>& statements) {
    run_in_transaction(conn(), statements);
    EXPECT_TRUE(refresh_matches(conn(), "base", "SELECT k, w FROM s WHERE w = 0"));
    step(sts, {});
  };
  step_all({"INSERT INTO s VALUES (2, 1)", "UPDATE o SET a = 2 WHERE id = 2"});
  EXPECT_EQ(text_of("SELECT id FROM anyq ORDER BY id"), "1;2;3");
  EXPECT_EQ(text_of("SELECT id FROM twoc ORDER BY id"), "1;2");
  EXPECT_EQ(text_of("SELECT id FROM rev ORDER BY id"), "4");
  EXPECT_EQ(text_of("SELECT id FROM overst ORDER BY id"), "1;3");
  step_all({"UPDATE s SET w = 0 WHERE k = 2", "DELETE FROM s WHERE k = 1 AND w = 0"});
  EXPECT_EQ(text_of("SELECT id FROM overst ORDER BY id"), "2");
  EXPECT_EQ(text_of("SELECT id FROM dist ORDER BY id"), "1;2;3");
  step_all({"DELETE FROM s WHERE k = 1", "UPDATE o SET k = 3, a = 3 WHERE id = 4"});
  EXPECT_EQ(text_of("SELECT id FROM dist ORDER BY id"), "2;4");
  EXPECT_EQ(text_of("SELECT id FROM twoc ORDER BY id"), "2;4");
  EXPECT_EQ(text_of("SELECT id FROM rev ORDER BY id"), "1;3");
  EXPECT_EQ(text_of("SELECT id FROM overst ORDER BY id"), "2;4");
}

// Text keys under a nondeterministic (case-insensitive) collation: 'a' and
// 'A' are one key; deleting one of two equal-but-different matches keeps the
// row, deleting both removes it.
TEST_F(SemiJoinEdge, NondeterministicCollationKeys) {
  if (!icu_available(conn())) GTEST_SKIP() << "the server has no ICU collations";
  conn().exec("CREATE COLLATION sje_ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false)");
  conn().exec("CREATE TABLE o (id int PRIMARY KEY, t text COLLATE sje_ci)");
  conn().exec("CREATE TABLE s (id int PRIMARY KEY, t text COLLATE sje_ci)");
  conn().exec("INSERT INTO o VALUES (1, 'a'), (2, 'b'), (3, 'B')");
  conn().exec("INSERT INTO s VALUES (10, 'a'), (11, 'A'), (12, 'b')");
  const StList sts{
      {"ex", "SELECT o.id, o.t FROM o WHERE EXISTS (SELECT 1 FROM s WHERE s.t = o.t)"},
      {"nx", "SELECT o.id, o.t FROM o WHERE NOT EXISTS (SELECT 1 FROM s WHERE s.t = o.t)"},
  };
  const ExecOutcome probe = conn().try_exec(create_stream_table_sql("ex", sts[0].second, "DIFFERENTIAL"));
  if (!probe.ok) {
    // Refusing is acceptable (0A000 + HINT); wrong results are not.
    EXPECT_EQ(probe.sqlstate, "0A000") << probe.message;
    EXPECT_FALSE(probe.hint.empty());
    return;
  }
  ASSERT_TRUE(st_matches_query_exactly(conn(), "ex", sts[0].second));
  ASSERT_TRUE(create_differential(conn(), "nx", sts[1].second));
  EXPECT_EQ(text_of("SELECT id FROM ex ORDER BY id"), "1;2;3");
  step(sts, {"DELETE FROM s WHERE id = 10"});
  EXPECT_EQ(text_of("SELECT id FROM ex ORDER BY id"), "1;2;3");
  step(sts, {"DELETE FROM s WHERE id = 11", "UPDATE s SET t = 'B' WHERE id = 12"});
  EXPECT_EQ(text_of("SELECT id FROM ex ORDER BY id"), "2;3");
  EXPECT_EQ(text_of("SELECT id, t FROM nx ORDER BY id"), "1,a");
  step(sts, {"INSERT INTO s VALUES (13, 'A'), (14, 'a')", "DELETE FROM s WHERE id = 12",
             "UPDATE o SET t = 'A' WHERE id = 1"});
  EXPECT_EQ(text_of("SELECT id, t FROM ex ORDER BY id"), "1,A");
  EXPECT_EQ(text_of("SELECT id FROM nx ORDER BY id"), "2;3");
}

// The correlation compares under a collation other than the subquery
// column's own (COLLATE on the outer side). Keys that are distinct under the
// column's collation but equal under the comparison's ('a', 'A' under a
// case-insensitive one) must count as one key, and keys equal under the
// column's collation but distinct under the comparison's must count as two.
// Refusing the shape (0A000 + HINT) is acceptable; wrong rows are not.
TEST_F(SemiJoinEdge, CorrelationCollationDiffersFromColumn) {
  if (!icu_available(conn())) GTEST_SKIP() << "the server has no ICU collations";
  conn().exec("CREATE COLLATION sje_ci2 (provider = icu, locale = 'und-u-ks-level2', deterministic = false)");
  conn().exec("CREATE TABLE o (id int PRIMARY KEY, t text COLLATE sje_ci2, g int)");
  conn().exec("CREATE TABLE o2 (t text COLLATE sje_ci2, g int)");  // keyless
  conn().exec("CREATE TABLE sc (t text COLLATE \"C\")");           // deterministic column
  conn().exec("CREATE TABLE oc (id int PRIMARY KEY, t text COLLATE \"C\")");
  conn().exec("CREATE TABLE si (id int PRIMARY KEY, t text COLLATE sje_ci2)");  // nondeterministic column
  conn().exec("INSERT INTO o VALUES (1, 'a', 1), (2, 'b', 1)");
  conn().exec("INSERT INTO o2 VALUES ('a', 1), ('a', 1), ('b', 1)");
  conn().exec("INSERT INTO sc VALUES ('a'), ('A'), ('b')");
  conn().exec("INSERT INTO oc VALUES (1, 'a'), (2, 'A')");
  conn().exec("INSERT INTO si VALUES (1, 'a')");
  // Compared case-insensitively, the subquery column is "C".
  const StList ci_sts{
      {"gx", "SELECT g, count(*) AS c FROM o WHERE EXISTS (SELECT 1 FROM sc WHERE sc.t = o.t COLLATE sje_ci2) "
             "GROUP BY g"},
      {"kx", "SELECT t, g FROM o2 WHERE EXISTS (SELECT 1 FROM sc WHERE sc.t = o2.t COLLATE sje_ci2)"},
      {"knx", "SELECT t, g FROM o2 WHERE NOT EXISTS (SELECT 1 FROM sc WHERE sc.t = o2.t COLLATE sje_ci2)"},
  };
  // Compared under "C", the subquery column is case-insensitive.
  const StList c_sts{
      {"cx", "SELECT oc.id, oc.t FROM oc WHERE EXISTS (SELECT 1 FROM si WHERE si.t = oc.t COLLATE \"C\")"},
      {"cnx", "SELECT oc.id, oc.t FROM oc WHERE NOT EXISTS (SELECT 1 FROM si WHERE si.t = oc.t COLLATE \"C\")"},
  };
  StList accepted;
  for (const StList* list : {&ci_sts, &c_sts})
    for (const auto& [st, q] : *list) {
      SCOPED_TRACE(st + ": " + q);
      const ExecOutcome created = conn().try_exec(create_stream_table_sql(st, q, "DIFFERENTIAL"));
      if (!created.ok) {
        EXPECT_EQ(created.sqlstate, "0A000") << created.message;
        EXPECT_FALSE(created.hint.empty()) << created.message;
        continue;
      }
      EXPECT_TRUE(st_matches_query_exactly(conn(), st, q));
      accepted.push_back({st, q});
    }
  if (accepted.empty()) return;
  // Both case variants of one key leave (ci: one key's last match), then
  // come back; then under "C" a match changes case.
  // (Not semi-joins: the comparison's collation is not the column's. The
  // subqueries are kept in their expressions, and a change to their table
  // makes the refresh FULL.)
  auto change = [&](const std::vector<std::string>& statements) {
    run_in_transaction(conn(), statements);
    for (const auto& [st, q] : accepted) EXPECT_TRUE(refresh_matches(conn(), st, q, Expect::Any)) << st;
  };
  change({"DELETE FROM sc WHERE t IN ('a', 'A')"});
  change({"INSERT INTO sc VALUES ('a'), ('A')"});
  change({"UPDATE si SET t = 'A' WHERE id = 1"});
  change({"UPDATE sc SET t = 'B' WHERE t = 'b'", "UPDATE si SET t = 'a' WHERE id = 1"});
}

// NOT IN over NOT NULL columns is an anti-join; once a side can be NULL it
// is a subquery in an expression (a refresh is FULL when its table changes).
// The stream table follows the change and stays equal to its query.
TEST_F(SemiJoinEdge, NotInAfterDropNotNull) {
  for (const std::string side : {"inner", "outer"}) {
    SCOPED_TRACE(side + " column loses NOT NULL");
    conn().exec("DROP TABLE IF EXISTS o, s CASCADE");
    conn().exec("CREATE TABLE o (id int PRIMARY KEY, k int NOT NULL)");
    conn().exec("CREATE TABLE s (x int NOT NULL)");
    conn().exec("INSERT INTO o VALUES (1, 1), (2, 2)");
    conn().exec("INSERT INTO s VALUES (1)");
    const std::string st = "nin_" + side;
    const std::string q = "SELECT o.id FROM o WHERE o.k NOT IN (SELECT s.x FROM s)";
    ASSERT_TRUE(create_differential(conn(), st, q));
    EXPECT_EQ(text_of("SELECT id FROM " + st), "2");

    conn().exec(side == "inner" ? "ALTER TABLE s ALTER COLUMN x DROP NOT NULL"
                                : "ALTER TABLE o ALTER COLUMN k DROP NOT NULL");
    EXPECT_TRUE(refresh_matches(conn(), st, q, Expect::Any));
    EXPECT_TRUE(change_refresh_matches(conn(), st, q, {"INSERT INTO o VALUES (3, 3)"}, Expect::Any));
    EXPECT_EQ(text_of("SELECT id FROM " + st + " ORDER BY id"), "2;3");
    EXPECT_TRUE(change_refresh_matches(
        conn(), st, q,
        {side == "inner" ? "INSERT INTO s VALUES (NULL)" : "INSERT INTO o VALUES (4, NULL)"}, Expect::Any));
    EXPECT_EQ(text_of("SELECT id FROM " + st + " ORDER BY id"), side == "inner" ? "" : "2;3");
    conn().try_exec("SELECT pgtrickle.drop_stream_table(" + quote_literal(st) + ")");
  }
}

// An outer column's type changes so that the correlation needs a cast on the
// subquery side (s.k::numeric = o.k): no longer a semi-join, the EXISTS is a
// subquery in an expression. The stream table still refreshes and stays
// equal to its query.
TEST_F(SemiJoinEdge, ExistsAfterOuterTypeChange) {
  conn().exec("CREATE TABLE o (id int PRIMARY KEY, k int)");
  conn().exec("CREATE TABLE s (k int)");
  conn().exec("INSERT INTO o VALUES (1, 1), (2, 2)");
  conn().exec("INSERT INTO s VALUES (1)");
  const std::string q = "SELECT o.id FROM o WHERE EXISTS (SELECT 1 FROM s WHERE s.k = o.k)";
  ASSERT_TRUE(create_differential(conn(), "ex", q));
  conn().exec("ALTER TABLE o ALTER COLUMN k TYPE numeric");
  EXPECT_TRUE(change_refresh_matches(conn(), "ex", q, {"INSERT INTO s VALUES (2)"}, Expect::Any));
  EXPECT_EQ(text_of("SELECT id FROM ex ORDER BY id"), "1;2");
  EXPECT_TRUE(change_refresh_matches(conn(), "ex", q, {"INSERT INTO o VALUES (3, 1.5)", "DELETE FROM s WHERE k = 1"},
                                     Expect::Any));
  EXPECT_EQ(text_of("SELECT id FROM ex ORDER BY id"), "2");
}

// --- Subqueries kept in expressions ------------------------------------------------

// Scalar subqueries, and EXISTS / IN that are not semi-joins, stay in their
// expressions: a refresh is DIFFERENTIAL while only the outer tables change
// (the subqueries read the same state as before), FULL when a table they read
// changed, with the reason recorded. Both keep the stream table exact.
TEST_F(SemiJoinEdge, SubqueriesInExpressionsRefreshFullWhenTheirTablesChange) {
  conn().exec("CREATE TABLE a (id int PRIMARY KEY, x int, y int)");
  conn().exec("CREATE TABLE t (id int PRIMARY KEY, x int, y int, flag bool)");
  conn().exec("CREATE TABLE u (id int PRIMARY KEY, x int)");
  conn().exec("CREATE TABLE nn (id int PRIMARY KEY, x int NOT NULL)");
  conn().exec("INSERT INTO a SELECT i, i % 5, i % 3 FROM generate_series(1, 12) i");
  conn().exec("INSERT INTO t SELECT i, i % 4, i % 2, i % 3 = 0 FROM generate_series(1, 8) i");
  conn().exec("INSERT INTO u SELECT i, i % 6 FROM generate_series(1, 6) i");
  conn().exec("INSERT INTO nn SELECT i, i % 4 FROM generate_series(1, 4) i");
  const std::vector<std::pair<std::string, std::string>> cases{
      {"r_scalar_select", "SELECT a.id, (SELECT max(t.x) FROM t) AS mx FROM a"},
      {"r_scalar_corr_select", "SELECT a.id, (SELECT max(t.y) FROM t WHERE t.x = a.x) AS mx FROM a"},
      {"r_scalar_where", "SELECT a.id FROM a WHERE a.x > (SELECT avg(t.x) FROM t)"},
      {"r_non_equi", "SELECT a.id FROM a WHERE EXISTS (SELECT 1 FROM t WHERE t.x > a.x)"},
      {"r_sub_filter_outer", "SELECT a.id FROM a WHERE EXISTS (SELECT 1 FROM t WHERE t.x = a.x AND t.y > a.x)"},
      {"r_sub_join", "SELECT a.id FROM a WHERE EXISTS (SELECT 1 FROM t JOIN u ON t.y = u.x WHERE t.x = a.x)"},
      {"r_sub_agg", "SELECT a.id FROM a WHERE a.x IN (SELECT max(t.x) FROM t GROUP BY t.y)"},
      {"r_sub_limit", "SELECT a.id FROM a WHERE EXISTS (SELECT 1 FROM t WHERE t.x = a.x LIMIT 1)"},
      {"r_uncorrelated", "SELECT a.id FROM a WHERE EXISTS (SELECT 1 FROM t)"},
      {"r_exists_or", "SELECT a.id FROM a WHERE EXISTS (SELECT 1 FROM t WHERE t.x = a.x) OR a.y = 1"},
      {"r_not_in_nullable", "SELECT a.id FROM a WHERE a.x NOT IN (SELECT t.x FROM t)"},
      {"r_not_in_outer_nullable", "SELECT a.id FROM a WHERE a.x NOT IN (SELECT nn.x FROM nn)"},
      {"r_not_in_inner_nullable", "SELECT nn.id FROM nn WHERE nn.x NOT IN (SELECT t.x FROM t)"},
      {"r_exists_in_select", "SELECT a.id, EXISTS (SELECT 1 FROM t WHERE t.x = a.x) AS e FROM a"},
      {"r_in_in_select", "SELECT a.id, a.x IN (SELECT t.x FROM t) AS e FROM a"},
  };
  for (const auto& [name, query] : cases) {
    SCOPED_TRACE(name + ": " + query);
    ASSERT_TRUE(create_differential(conn(), name, query));
    EXPECT_TRUE(st_matches_query_exactly(conn(), name, query));
  }
  // Only the outer tables change: deltas.
  run_in_transaction(conn(), {"UPDATE a SET x = 3 WHERE id = 1", "INSERT INTO a VALUES (40, 2, 1)",
                              "DELETE FROM a WHERE id = 5", "UPDATE nn SET id = 14 WHERE id = 4"});
  for (const auto& [name, query] : cases) {
    SCOPED_TRACE(name);
    const bool reads_nn_in_subquery = name == "r_not_in_outer_nullable";
    EXPECT_TRUE(refresh_matches(conn(), name, query, reads_nn_in_subquery ? Expect::Full : Expect::Any));
    if (!reads_nn_in_subquery && name != "r_not_in_inner_nullable") {
      EXPECT_EQ(action_of(name), "DIFFERENTIAL");
    }
  }
  // A table a subquery reads changes: FULL, saying why.
  run_in_transaction(conn(), {"DELETE FROM t WHERE id = 3", "INSERT INTO t VALUES (20, NULL, 1, true)",
                              "UPDATE t SET flag = NOT flag", "DELETE FROM u WHERE id = 2",
                              "UPDATE a SET y = 0 WHERE id = 2", "INSERT INTO nn VALUES (30, 1)"});
  for (const auto& [name, query] : cases) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(refresh_matches(conn(), name, query, Expect::Full));
    EXPECT_NE(last_refresh(conn(), name).reason.value_or("").find("subquery"), std::string::npos)
        << last_refresh(conn(), name).reason.value_or("");
  }
}

}  // namespace
}  // namespace pgt_e2e
