// Deterministic edge cases of DIFFERENTIAL grouping (GROUP BY, scalar
// aggregates, DISTINCT, HAVING): empty inputs, groups that vanish and come
// back, HAVING thresholds, NULL keys, MIN/MAX rescans, integer limits, exact
// avg/sum text, count(DISTINCT), rows moving between groups, equal keys of
// different forms, refusals of what is not maintained incrementally, and a
// stream table over a grouped stream table.
//
// Every test runs in a schema of its own with
// pg_trickle.differential_max_change_ratio raised (a FULL fallback never
// hides a wrong delta). After each refresh the stream table must equal its
// query as a multiset of values and of text forms (visible columns only),
// and the refresh must have taken the delta path; specific values are
// checked too.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

#include "adversarial_support.h"
#include "oracle.h"
#include "refresh_history.h"
#include "stream_table.h"
#include "edge_test_db.h"
#include "test_db.h"
#include "test_names.h"

namespace pgt_e2e {
namespace {

class GroupedEdge : public EdgeTestDb {
 protected:
  GroupedEdge() : EdgeTestDb("ge_") {}

  std::string action_of_last_refresh(const std::string& st) { return last_refresh(conn(), st).action; }

};

// --- Scalar aggregates ----------------------------------------------------------

// No GROUP BY: exactly one row, also over an empty table (count 0, the
// other aggregates NULL), and again after every row is deleted.
TEST_F(GroupedEdge, ScalarAggregateOverEmptyTable) {
  conn().exec("CREATE TABLE se (id int PRIMARY KEY, v int, t text)");
  const std::string qa = "SELECT count(*) AS n, sum(v) AS s, avg(v) AS a, min(v) AS mn, max(t) AS mx FROM se";
  const std::string qr = "SELECT count(*) AS n, sum(v) AS s, string_agg(t, ',' ORDER BY t) AS ts, "
                         "bool_or(v > 1) AS b, sum(v) * 2 + count(*) AS e FROM se";
  ASSERT_TRUE(create_differential(conn(), "se_alg", qa));
  ASSERT_TRUE(create_differential(conn(), "se_rs", qr));
  EXPECT_EQ(text_of("SELECT n, s, a, mn, mx FROM se_alg"), "0,NULL,NULL,NULL,NULL");
  EXPECT_EQ(text_of("SELECT n, s, ts, b, e FROM se_rs"), "0,NULL,NULL,NULL,NULL");

  const std::vector<std::string> fill{"INSERT INTO se VALUES (1, 1, 'x'), (2, 2, 'y'), (3, NULL, NULL)"};
  EXPECT_TRUE(change_refresh_matches(conn(), "se_alg", qa, fill));
  EXPECT_TRUE(refresh_matches(conn(), "se_rs", qr));
  EXPECT_EQ(text_of("SELECT n, s, a, mn, mx FROM se_alg"), "3,3,1.5000000000000000,1,y");
  EXPECT_EQ(text_of("SELECT n, s, ts, b, e FROM se_rs"), "3,3,x,y,t,9");

  // Every row deleted: back to the one empty-input row.
  EXPECT_TRUE(change_refresh_matches(conn(), "se_alg", qa, {"DELETE FROM se"}));
  EXPECT_TRUE(refresh_matches(conn(), "se_rs", qr));
  EXPECT_EQ(text_of("SELECT n, s, a, mn, mx FROM se_alg"), "0,NULL,NULL,NULL,NULL");
  EXPECT_EQ(text_of("SELECT n, s, ts, b, e FROM se_rs"), "0,NULL,NULL,NULL,NULL");

  // A row inserted and deleted in one transaction over the empty table.
  EXPECT_TRUE(change_refresh_matches(conn(), "se_alg", qa,
                                     {"INSERT INTO se VALUES (9, 9, 'z')", "DELETE FROM se WHERE id = 9"}));
  EXPECT_TRUE(refresh_matches(conn(), "se_rs", qr));
  EXPECT_EQ(text_of("SELECT count(*) FROM se_alg"), "1");
  EXPECT_EQ(text_of("SELECT count(*) FROM se_rs"), "1");

  EXPECT_TRUE(change_refresh_matches(conn(), "se_alg", qa, {"INSERT INTO se VALUES (4, 5, 'z')"}));
  EXPECT_TRUE(refresh_matches(conn(), "se_rs", qr));
  EXPECT_EQ(text_of("SELECT n, s, a, mn, mx FROM se_alg"), "1,5,5.0000000000000000,5,z");
  EXPECT_EQ(text_of("SELECT n, s, ts, b, e FROM se_rs"), "1,5,z,t,11");

  // A row inserted and deleted in one transaction over a non-empty table:
  // no net change, the row stays as it is.
  EXPECT_TRUE(change_refresh_matches(conn(), "se_alg", qa,
                                     {"INSERT INTO se VALUES (8, 1, 'a')", "DELETE FROM se WHERE id = 8"}));
  EXPECT_TRUE(refresh_matches(conn(), "se_rs", qr));
  EXPECT_EQ(text_of("SELECT n, s, a, mn, mx FROM se_alg"), "1,5,5.0000000000000000,5,z");
  EXPECT_EQ(text_of("SELECT n, s, ts, b, e FROM se_rs"), "1,5,z,t,11");

  // An update that changes nothing the query reads, and one that does.
  EXPECT_TRUE(change_refresh_matches(conn(), "se_alg", qa, {"UPDATE se SET v = v WHERE id = 4"}));
  EXPECT_TRUE(refresh_matches(conn(), "se_rs", qr));
  EXPECT_EQ(text_of("SELECT n, s, ts, b, e FROM se_rs"), "1,5,z,t,11");
  EXPECT_TRUE(change_refresh_matches(conn(), "se_alg", qa, {"UPDATE se SET v = 1, t = NULL WHERE id = 4"}));
  EXPECT_TRUE(refresh_matches(conn(), "se_rs", qr));
  EXPECT_EQ(text_of("SELECT n, s, a, mn, mx FROM se_alg"), "1,1,1.00000000000000000000,1,NULL");
  EXPECT_EQ(text_of("SELECT n, s, ts, b, e FROM se_rs"), "1,1,NULL,f,3");

  // TRUNCATE empties the table (any refresh path; still one row).
  conn().exec("TRUNCATE se");
  EXPECT_TRUE(refresh_matches(conn(), "se_alg", qa, Expect::Any));
  EXPECT_TRUE(refresh_matches(conn(), "se_rs", qr, Expect::Any));
  EXPECT_EQ(text_of("SELECT n, s, a, mn, mx FROM se_alg"), "0,NULL,NULL,NULL,NULL");
  EXPECT_EQ(text_of("SELECT n, s, ts, b, e FROM se_rs"), "0,NULL,NULL,NULL,NULL");
}

// count(*) alone reads no column of its source (and over a join, only the
// join columns): still one row, maintained by delta.
TEST_F(GroupedEdge, ScalarCountStarOnly) {
  conn().exec("CREATE TABLE cs (id int PRIMARY KEY, k int)");
  conn().exec("CREATE TABLE cs2 (k int, w int)");
  conn().exec("INSERT INTO cs VALUES (1, 1), (2, 2), (3, 2)");
  conn().exec("INSERT INTO cs2 VALUES (2, 0), (2, 1), (3, 0)");
  const std::string q1 = "SELECT count(*) AS n FROM cs";
  const std::string q2 = "SELECT count(*) AS n FROM cs JOIN cs2 ON cs.k = cs2.k";
  const std::string q3 = "SELECT count(*) AS n, 'x' AS label FROM cs2";
  ASSERT_TRUE(create_differential(conn(), "cs_1", q1));
  ASSERT_TRUE(create_differential(conn(), "cs_2", q2));
  ASSERT_TRUE(create_differential(conn(), "cs_3", q3));
  auto all = [&](const std::vector<std::string>& statements) {
    EXPECT_TRUE(change_refresh_matches(conn(), "cs_1", q1, statements));
    EXPECT_TRUE(refresh_matches(conn(), "cs_2", q2));
    EXPECT_TRUE(refresh_matches(conn(), "cs_3", q3));
  };
  const std::string st = "SELECT (SELECT n FROM cs_1) || ',' || (SELECT n FROM cs_2) || ',' || (SELECT n FROM cs_3)";
  EXPECT_EQ(text_of(st), "3,4,3");
  all({"INSERT INTO cs VALUES (4, 3)", "INSERT INTO cs2 VALUES (1, 5)"});
  EXPECT_EQ(text_of(st), "4,6,4");
  all({"DELETE FROM cs2 WHERE k = 2", "UPDATE cs SET k = 1 WHERE id = 4"});
  EXPECT_EQ(text_of(st), "4,2,2");
  all({"DELETE FROM cs", "DELETE FROM cs2"});
  EXPECT_EQ(text_of(st), "0,0,0");
}

// A scalar aggregate with HAVING shows zero or one row.
TEST_F(GroupedEdge, ScalarAggregateWithHaving) {
  conn().exec("CREATE TABLE sh (id int PRIMARY KEY, v int)");
  conn().exec("INSERT INTO sh VALUES (1, 1), (2, 2)");
  const std::string q = "SELECT count(*) AS n, sum(v) AS s FROM sh HAVING count(*) > 2";
  ASSERT_TRUE(create_differential(conn(), "sh_st", q));
  EXPECT_EQ(text_of("SELECT count(*) FROM sh_st"), "0");
  EXPECT_TRUE(change_refresh_matches(conn(), "sh_st", q, {"INSERT INTO sh VALUES (3, 3)"}));
  EXPECT_EQ(text_of("SELECT n, s FROM sh_st"), "3,6");
  EXPECT_TRUE(change_refresh_matches(conn(), "sh_st", q, {"DELETE FROM sh WHERE id = 1"}));
  EXPECT_EQ(text_of("SELECT count(*) FROM sh_st"), "0");
  EXPECT_TRUE(change_refresh_matches(conn(), "sh_st", q, {"INSERT INTO sh VALUES (4, 4), (5, 5)"}));
  EXPECT_EQ(text_of("SELECT n, s FROM sh_st"), "4,14");
  EXPECT_TRUE(change_refresh_matches(conn(), "sh_st", q, {"DELETE FROM sh"}));
  EXPECT_EQ(text_of("SELECT count(*) FROM sh_st"), "0");
}

// --- Groups ---------------------------------------------------------------------

// A group whose count reaches 0 disappears; it comes back with other values
// in a later refresh, and in the same transaction as its deletion.
TEST_F(GroupedEdge, GroupVanishesAndReturns) {
  conn().exec("CREATE TABLE gv (id int PRIMARY KEY, g text, v int)");
  conn().exec("INSERT INTO gv VALUES (1, 'a', 1), (2, 'a', 2), (3, 'b', 10), (4, 'b', 20), (5, 'c', 100)");
  const std::string qa = "SELECT g, count(*) AS n, sum(v) AS s, min(v) AS mn, max(v) AS mx FROM gv GROUP BY g";
  const std::string qr = "SELECT g, count(*) AS n, string_agg(v::text, ',' ORDER BY v) AS vs FROM gv GROUP BY g";
  ASSERT_TRUE(create_differential(conn(), "gv_alg", qa));
  ASSERT_TRUE(create_differential(conn(), "gv_rs", qr));
  auto both = [&](const std::vector<std::string>& statements) {
    EXPECT_TRUE(change_refresh_matches(conn(), "gv_alg", qa, statements));
    EXPECT_TRUE(refresh_matches(conn(), "gv_rs", qr));
  };
  const std::string alg = "SELECT g, n, s, mn, mx FROM gv_alg ORDER BY g";
  const std::string rs = "SELECT g, n, vs FROM gv_rs ORDER BY g";

  both({"DELETE FROM gv WHERE g = 'a'"});
  EXPECT_EQ(text_of(alg), "b,2,30,10,20;c,1,100,100,100");
  EXPECT_EQ(text_of(rs), "b,2,10,20;c,1,100");

  both({"INSERT INTO gv VALUES (6, 'a', 7), (7, 'a', 8)"});
  EXPECT_EQ(text_of(alg), "a,2,15,7,8;b,2,30,10,20;c,1,100,100,100");
  EXPECT_EQ(text_of(rs), "a,2,7,8;b,2,10,20;c,1,100");

  // Deleted and re-created with other values in one transaction.
  both({"DELETE FROM gv WHERE g = 'b'", "INSERT INTO gv VALUES (8, 'b', -1)"});
  EXPECT_EQ(text_of(alg), "a,2,15,7,8;b,1,-1,-1,-1;c,1,100,100,100");
  EXPECT_EQ(text_of(rs), "a,2,7,8;b,1,-1;c,1,100");

  // A new group created and deleted in one transaction never shows; a group
  // deleted and re-inserted identically stays as it was.
  both({"INSERT INTO gv VALUES (9, 'd', 1)", "DELETE FROM gv WHERE id = 9", "DELETE FROM gv WHERE g = 'c'",
        "INSERT INTO gv VALUES (5, 'c', 100)"});
  EXPECT_EQ(text_of(alg), "a,2,15,7,8;b,1,-1,-1,-1;c,1,100,100,100");
  EXPECT_EQ(text_of(rs), "a,2,7,8;b,1,-1;c,1,100");

  // The last row of a group updated away and a new row inserted into it.
  both({"UPDATE gv SET g = 'e' WHERE id = 5", "INSERT INTO gv VALUES (10, 'c', 50), (11, 'c', 60)"});
  EXPECT_EQ(text_of(alg), "a,2,15,7,8;b,1,-1,-1,-1;c,2,110,50,60;e,1,100,100,100");
  EXPECT_EQ(text_of(rs), "a,2,7,8;b,1,-1;c,2,50,60;e,1,100");

  // Every group gone, then one back.
  both({"DELETE FROM gv"});
  EXPECT_EQ(text_of("SELECT count(*) FROM gv_alg"), "0");
  EXPECT_EQ(text_of("SELECT count(*) FROM gv_rs"), "0");
  both({"INSERT INTO gv VALUES (1, 'a', 3)"});
  EXPECT_EQ(text_of(alg), "a,1,3,3,3");
  EXPECT_EQ(text_of(rs), "a,1,3");
}

// HAVING: a group enters when it crosses the threshold and leaves when it
// falls back, also when one update moves a row between two such groups.
TEST_F(GroupedEdge, HavingCrossesThresholdBothWays) {
  conn().exec("CREATE TABLE hv (id int PRIMARY KEY, g int, v int)");
  conn().exec("INSERT INTO hv VALUES (1, 1, 1), (2, 1, 2), (3, 2, 3), (4, 2, 4), (5, 2, 5)");
  const std::string qc = "SELECT g, count(*) AS n, sum(v) AS s FROM hv GROUP BY g HAVING count(*) >= 3";
  const std::string qs = "SELECT g, max(v) AS mx FROM hv GROUP BY g HAVING sum(v) > 10";
  ASSERT_TRUE(create_differential(conn(), "hv_c", qc));
  ASSERT_TRUE(create_differential(conn(), "hv_s", qs));
  auto both = [&](const std::vector<std::string>& statements) {
    EXPECT_TRUE(change_refresh_matches(conn(), "hv_c", qc, statements));
    EXPECT_TRUE(refresh_matches(conn(), "hv_s", qs));
  };
  const std::string c = "SELECT g, n, s FROM hv_c ORDER BY g";
  const std::string s = "SELECT g, mx FROM hv_s ORDER BY g";
  EXPECT_EQ(text_of(c), "2,3,12");
  EXPECT_EQ(text_of(s), "2,5");

  both({"INSERT INTO hv VALUES (6, 1, 10)"});  // group 1 crosses up (count 3, sum 13)
  EXPECT_EQ(text_of(c), "1,3,13;2,3,12");
  EXPECT_EQ(text_of(s), "1,10;2,5");

  both({"DELETE FROM hv WHERE id = 3"});  // group 2 falls (count 2, sum 9)
  EXPECT_EQ(text_of(c), "1,3,13");
  EXPECT_EQ(text_of(s), "1,10");

  // One statement: the row of v = 10 moves from group 1 to group 2.
  both({"UPDATE hv SET g = 2 WHERE id = 6"});
  EXPECT_EQ(text_of(c), "2,3,19");
  EXPECT_EQ(text_of(s), "2,10");

  // Values only: group 2 falls below the sum threshold, keeps its count.
  both({"UPDATE hv SET v = 0 WHERE g = 2"});
  EXPECT_EQ(text_of(c), "2,3,0");
  EXPECT_EQ(text_of(s), "");

  // Up and down within one transaction: no net change.
  both({"INSERT INTO hv VALUES (7, 1, 100)", "DELETE FROM hv WHERE id = 7"});
  EXPECT_EQ(text_of(c), "2,3,0");
  EXPECT_EQ(text_of(s), "");
}

// NULL group keys form their own group, separate from every other one, in
// single-column and multi-column keys and under DISTINCT.
TEST_F(GroupedEdge, NullGroupKeyIsItsOwnGroup) {
  conn().exec("CREATE TABLE nk (id int PRIMARY KEY, g int, h text, v int)");
  conn().exec("INSERT INTO nk VALUES (1, NULL, 'x', 1), (2, NULL, NULL, 2), (3, 1, NULL, 3), (4, 2, 'x', 4), "
              "(5, 1, 'x', 5)");
  const std::string q1 = "SELECT g, count(*) AS n, sum(v) AS s, count(g) AS ng FROM nk GROUP BY g";
  const std::string q2 = "SELECT g, h, count(*) AS n, min(v) AS mn FROM nk GROUP BY g, h";
  const std::string q3 = "SELECT DISTINCT g FROM nk";
  ASSERT_TRUE(create_differential(conn(), "nk_1", q1));
  ASSERT_TRUE(create_differential(conn(), "nk_2", q2));
  ASSERT_TRUE(create_differential(conn(), "nk_3", q3));
  auto all = [&](const std::vector<std::string>& statements) {
    EXPECT_TRUE(change_refresh_matches(conn(), "nk_1", q1, statements));
    EXPECT_TRUE(refresh_matches(conn(), "nk_2", q2));
    EXPECT_TRUE(refresh_matches(conn(), "nk_3", q3));
  };
  const std::string t1 = "SELECT g, n, s, ng FROM nk_1 ORDER BY g NULLS LAST";
  const std::string t2 = "SELECT g, h, n, mn FROM nk_2 ORDER BY g NULLS LAST, h NULLS LAST";
  const std::string t3 = "SELECT g FROM nk_3 ORDER BY g NULLS LAST";
  EXPECT_EQ(text_of(t1), "1,2,8,2;2,1,4,1;NULL,2,3,0");
  EXPECT_EQ(text_of(t2), "1,x,1,5;1,NULL,1,3;2,x,1,4;NULL,x,1,1;NULL,NULL,1,2");
  EXPECT_EQ(text_of(t3), "1;2;NULL");

  all({"INSERT INTO nk VALUES (6, NULL, NULL, 10)"});
  EXPECT_EQ(text_of(t1), "1,2,8,2;2,1,4,1;NULL,3,13,0");
  EXPECT_EQ(text_of(t2), "1,x,1,5;1,NULL,1,3;2,x,1,4;NULL,x,1,1;NULL,NULL,2,2");

  all({"DELETE FROM nk WHERE g IS NULL"});
  EXPECT_EQ(text_of(t1), "1,2,8,2;2,1,4,1");
  EXPECT_EQ(text_of(t2), "1,x,1,5;1,NULL,1,3;2,x,1,4");
  EXPECT_EQ(text_of(t3), "1;2");

  all({"INSERT INTO nk VALUES (7, NULL, 'y', 7)", "DELETE FROM nk WHERE id = 3"});
  EXPECT_EQ(text_of(t1), "1,1,5,1;2,1,4,1;NULL,1,7,0");
  EXPECT_EQ(text_of(t2), "1,x,1,5;2,x,1,4;NULL,y,1,7");
  EXPECT_EQ(text_of(t3), "1;2;NULL");
}

// An update of the group key to NULL moves the row to the NULL group, and
// back; all rows into the NULL group and out again.
TEST_F(GroupedEdge, UpdateGroupKeyToNullAndBack) {
  conn().exec("CREATE TABLE un (id int PRIMARY KEY, g text, v int)");
  conn().exec("INSERT INTO un VALUES (1, 'a', 1), (2, 'a', 2), (3, 'b', 3)");
  const std::string qa = "SELECT g, count(*) AS n, sum(v) AS s, max(v) AS mx FROM un GROUP BY g";
  const std::string qr = "SELECT g, array_agg(v ORDER BY v) AS vs FROM un GROUP BY g";
  ASSERT_TRUE(create_differential(conn(), "un_alg", qa));
  ASSERT_TRUE(create_differential(conn(), "un_rs", qr));
  auto both = [&](const std::vector<std::string>& statements) {
    EXPECT_TRUE(change_refresh_matches(conn(), "un_alg", qa, statements));
    EXPECT_TRUE(refresh_matches(conn(), "un_rs", qr));
  };
  const std::string alg = "SELECT g, n, s, mx FROM un_alg ORDER BY g NULLS LAST";
  const std::string rs = "SELECT g, vs FROM un_rs ORDER BY g NULLS LAST";

  both({"UPDATE un SET g = NULL WHERE id = 2"});
  EXPECT_EQ(text_of(alg), "a,1,1,1;b,1,3,3;NULL,1,2,2");
  EXPECT_EQ(text_of(rs), "a,{1};b,{3};NULL,{2}");

  both({"UPDATE un SET g = 'a' WHERE id = 2"});
  EXPECT_EQ(text_of(alg), "a,2,3,2;b,1,3,3");
  EXPECT_EQ(text_of(rs), "a,{1,2};b,{3}");

  both({"UPDATE un SET g = NULL WHERE id = 1", "UPDATE un SET g = 'a' WHERE id = 1"});
  EXPECT_EQ(text_of(alg), "a,2,3,2;b,1,3,3");
  EXPECT_EQ(text_of(rs), "a,{1,2};b,{3}");

  both({"UPDATE un SET g = NULL"});
  EXPECT_EQ(text_of(alg), "NULL,3,6,3");
  EXPECT_EQ(text_of(rs), "NULL,{1,2,3}");

  both({"UPDATE un SET g = 'b' WHERE g IS NULL AND v > 1"});
  EXPECT_EQ(text_of(alg), "b,2,5,3;NULL,1,1,1");
  EXPECT_EQ(text_of(rs), "b,{2,3};NULL,{1}");
}

// An update moves a row between groups: the old group loses it (and its
// extremum, and may vanish), the new one gains it (and may appear).
TEST_F(GroupedEdge, UpdateMovesRowBetweenGroups) {
  conn().exec("CREATE TABLE mv (id int PRIMARY KEY, g text, v int)");
  conn().exec("INSERT INTO mv VALUES (1, 'a', 1), (2, 'a', 5), (3, 'b', 3), (4, 'c', 9)");
  const std::string qa = "SELECT g, count(*) AS n, sum(v) AS s, min(v) AS mn, max(v) AS mx FROM mv GROUP BY g";
  const std::string qr = "SELECT g, string_agg(id::text, ',' ORDER BY id) AS ids, count(DISTINCT v) AS dv "
                         "FROM mv GROUP BY g";
  ASSERT_TRUE(create_differential(conn(), "mv_alg", qa));
  ASSERT_TRUE(create_differential(conn(), "mv_rs", qr));
  auto both = [&](const std::vector<std::string>& statements) {
    EXPECT_TRUE(change_refresh_matches(conn(), "mv_alg", qa, statements));
    EXPECT_TRUE(refresh_matches(conn(), "mv_rs", qr));
  };
  const std::string alg = "SELECT g, n, s, mn, mx FROM mv_alg ORDER BY g";
  const std::string rs = "SELECT g, ids, dv FROM mv_rs ORDER BY g";

  both({"UPDATE mv SET g = 'b' WHERE id = 1"});  // a loses its min
  EXPECT_EQ(text_of(alg), "a,1,5,5,5;b,2,4,1,3;c,1,9,9,9");
  EXPECT_EQ(text_of(rs), "a,2,1;b,1,3,2;c,4,1");

  both({"UPDATE mv SET g = 'a', v = 0 WHERE id = 3"});  // key and value at once
  EXPECT_EQ(text_of(alg), "a,2,5,0,5;b,1,1,1,1;c,1,9,9,9");
  EXPECT_EQ(text_of(rs), "a,2,3,2;b,1,1;c,4,1");

  both({"UPDATE mv SET g = 'd' WHERE id = 4"});  // c vanishes, d appears
  EXPECT_EQ(text_of(alg), "a,2,5,0,5;b,1,1,1,1;d,1,9,9,9");
  EXPECT_EQ(text_of(rs), "a,2,3,2;b,1,1;d,4,1");

  // Two rows swap groups in one statement.
  both({"UPDATE mv SET g = CASE g WHEN 'a' THEN 'b' ELSE 'a' END WHERE id IN (1, 2)"});
  EXPECT_EQ(text_of(alg), "a,2,1,0,1;b,1,5,5,5;d,1,9,9,9");
  EXPECT_EQ(text_of(rs), "a,1,3,2;b,2,1;d,4,1");

  // The primary key changes, the group does not.
  both({"UPDATE mv SET id = 40 WHERE id = 4"});
  EXPECT_EQ(text_of(alg), "a,2,1,0,1;b,1,5,5,5;d,1,9,9,9");
  EXPECT_EQ(text_of(rs), "a,1,3,2;b,2,1;d,40,1");
}

// --- MIN / MAX ------------------------------------------------------------------

// Deleting the extremum of a group takes a rescan (the next value is not in
// any state); a duplicate of the extremum keeps it; a smaller value inserted
// in the same transaction as the delete wins.
TEST_F(GroupedEdge, MinMaxAfterDeletingTheExtremum) {
  conn().exec("CREATE TABLE mm (id int PRIMARY KEY, g int, v int, t text, x numeric)");
  conn().exec("INSERT INTO mm VALUES (1, 1, 1, 'b', 1.5), (2, 1, 2, 'c', 2.5), (3, 1, 3, 'd', 0.5), "
              "(4, 2, 5, 'k', 7), (5, 2, 5, 'k', 7), (6, 2, 9, 'a', 8)");
  const std::string q = "SELECT g, min(v) AS mn, max(v) AS mx, min(t) AS mt, max(t) AS xt, min(x) AS mnx, "
                        "max(x) AS mxx, count(*) AS n FROM mm GROUP BY g";
  ASSERT_TRUE(create_differential(conn(), "mm_st", q));
  const std::string st = "SELECT g, mn, mx, mt, xt, mnx, mxx, n FROM mm_st ORDER BY g";
  EXPECT_EQ(text_of(st), "1,1,3,b,d,0.5,2.5,3;2,5,9,a,k,7,8,3");

  EXPECT_TRUE(change_refresh_matches(conn(), "mm_st", q, {"DELETE FROM mm WHERE id = 1"}));
  EXPECT_EQ(text_of(st), "1,2,3,c,d,0.5,2.5,2;2,5,9,a,k,7,8,3");

  // One of two rows holding the min (and max(t)) goes: nothing changes.
  EXPECT_TRUE(change_refresh_matches(conn(), "mm_st", q, {"DELETE FROM mm WHERE id = 4"}));
  EXPECT_EQ(text_of(st), "1,2,3,c,d,0.5,2.5,2;2,5,9,a,k,7,8,2");
  EXPECT_TRUE(change_refresh_matches(conn(), "mm_st", q, {"DELETE FROM mm WHERE id = 5"}));
  EXPECT_EQ(text_of(st), "1,2,3,c,d,0.5,2.5,2;2,9,9,a,a,8,8,1");

  // Same transaction: the min row deleted, a smaller one inserted.
  EXPECT_TRUE(change_refresh_matches(conn(), "mm_st", q,
                                     {"DELETE FROM mm WHERE id = 2", "INSERT INTO mm VALUES (7, 1, 0, 'bb', 0.25)"}));
  EXPECT_EQ(text_of(st), "1,0,3,bb,d,0.25,0.5,2;2,9,9,a,a,8,8,1");

  // Same transaction: the min row deleted, a larger one inserted (the new
  // min is the remaining row's value, not the inserted one).
  EXPECT_TRUE(change_refresh_matches(conn(), "mm_st", q,
                                     {"DELETE FROM mm WHERE id = 7", "INSERT INTO mm VALUES (8, 1, 10, 'z', 10)"}));
  EXPECT_EQ(text_of(st), "1,3,10,d,z,0.5,10,2;2,9,9,a,a,8,8,1");

  // Updates: the max row lowered, the min row raised.
  EXPECT_TRUE(change_refresh_matches(conn(), "mm_st", q,
                                     {"UPDATE mm SET v = 4, t = 'c', x = 1 WHERE id = 8",
                                      "UPDATE mm SET v = 20 WHERE id = 3"}));
  EXPECT_EQ(text_of(st), "1,4,20,c,d,0.5,1,2;2,9,9,a,a,8,8,1");

  // Values set to NULL: min/max over the remaining values, NULL over none.
  EXPECT_TRUE(change_refresh_matches(conn(), "mm_st", q,
                                     {"UPDATE mm SET v = NULL, t = NULL, x = NULL WHERE id = 3",
                                      "UPDATE mm SET v = NULL, t = NULL, x = NULL WHERE id = 6"}));
  EXPECT_EQ(text_of(st), "1,4,4,c,c,1,1,2;2,NULL,NULL,NULL,NULL,NULL,NULL,1");
  EXPECT_TRUE(change_refresh_matches(conn(), "mm_st", q, {"UPDATE mm SET v = 6, x = -1 WHERE id = 6"}));
  EXPECT_EQ(text_of(st), "1,4,4,c,c,1,1,2;2,6,6,NULL,NULL,-1,-1,1");
}

// Values inserted and deleted again within one batch never count as
// extrema (the delta reaching MIN / MAX is not consolidated): in an existing
// group, in a new group, in a group that is new and gone again, and through
// a join whose both sides change.
TEST_F(GroupedEdge, MinMaxIgnoreValuesInsertedAndDeletedInOneBatch) {
  conn().exec("CREATE TABLE mp (id int PRIMARY KEY, g int, v int)");
  conn().exec("CREATE TABLE mpd (g int PRIMARY KEY, w int)");
  conn().exec("INSERT INTO mp VALUES (1, 1, 10), (2, 1, 20), (3, 2, 30)");
  conn().exec("INSERT INTO mpd VALUES (1, 1), (2, 2), (3, 3)");
  const StList sts{{"mp_st", "SELECT g, min(v) AS mn, max(v) AS mx, count(*) AS n FROM mp GROUP BY g"},
                   {"mp_join", "SELECT d.w, min(p.v) AS mn, max(p.v) AS mx FROM mp p JOIN mpd d ON d.g = p.g GROUP BY d.w"}};
  create_all(sts);
  const std::string rows = "SELECT g, mn, mx, n FROM mp_st ORDER BY g";

  // A new min and max in group 1, gone again before the refresh.
  step(sts, {"INSERT INTO mp VALUES (4, 1, 1), (5, 1, 99)", "DELETE FROM mp WHERE id IN (4, 5)"}, true);
  EXPECT_EQ(text_of(rows), "1,10,20,2;2,30,30,1");
  // A new group whose extreme row leaves again; its other row stays.
  step(sts, {"INSERT INTO mp VALUES (6, 3, 5), (7, 3, 50)", "DELETE FROM mp WHERE id = 6"});
  EXPECT_EQ(text_of(rows), "1,10,20,2;2,30,30,1;3,50,50,1");
  // A group that appears and vanishes in the batch; a value updated back.
  step(sts, {"INSERT INTO mp VALUES (8, 4, 7)", "DELETE FROM mp WHERE id = 8",
             "UPDATE mp SET v = 0 WHERE id = 1", "UPDATE mp SET v = 10 WHERE id = 1"}, true);
  EXPECT_EQ(text_of(rows), "1,10,20,2;2,30,30,1;3,50,50,1");
  // Both sides of the join change: a row and its partner come and go.
  step(sts, {"INSERT INTO mpd VALUES (9, 9)", "INSERT INTO mp VALUES (9, 9, -5)", "UPDATE mp SET g = 9 WHERE id = 2",
             "DELETE FROM mp WHERE id = 9", "UPDATE mp SET g = 1 WHERE id = 2", "DELETE FROM mpd WHERE g = 9"}, true);
  EXPECT_EQ(text_of("SELECT w, mn, mx FROM mp_join ORDER BY w"), "1,10,20;2,30,30;3,50,50");
}

// --- Exactness --------------------------------------------------------------------

// sum(int4) is int8 and sum(int8) is numeric: sums past the input type's
// range are exact, also when rows leave again.
TEST_F(GroupedEdge, SumNearIntegerLimits) {
  conn().exec("CREATE TABLE ov (id int PRIMARY KEY, g int, i4 int4, i8 int8)");
  conn().exec("INSERT INTO ov VALUES (1, 1, 2147483647, 4611686018427387904), "
              "(2, 1, 2147483647, 4611686018427387904), (3, 1, 2147483646, 4611686018427387904)");
  const std::string q = "SELECT g, sum(i4) AS s4, sum(i8) AS s8, avg(i4) AS a4, avg(i8) AS a8, count(*) AS n, "
                        "min(i8) AS m8, max(i4) AS x4 FROM ov GROUP BY g";
  const std::string qs = "SELECT sum(i4) AS s4, sum(i8) AS s8, count(i8) AS n FROM ov";
  ASSERT_TRUE(create_differential(conn(), "ov_st", q));
  ASSERT_TRUE(create_differential(conn(), "ov_sc", qs));
  EXPECT_EQ(text_of("SELECT pg_typeof(s4)::text, pg_typeof(s8)::text FROM ov_st"), "bigint,numeric");
  EXPECT_EQ(text_of("SELECT s4, s8 FROM ov_st"), "6442450940,13835058055282163712");
  auto both = [&](const std::vector<std::string>& statements) {
    EXPECT_TRUE(change_refresh_matches(conn(), "ov_st", q, statements));
    EXPECT_TRUE(refresh_matches(conn(), "ov_sc", qs));
  };

  both({"INSERT INTO ov VALUES (4, 1, 2147483647, 9223372036854775807)"});
  EXPECT_EQ(text_of("SELECT s4, s8 FROM ov_st"), "8589934587,23058430092136939519");
  EXPECT_EQ(text_of("SELECT s4, s8, n FROM ov_sc"), "8589934587,23058430092136939519,4");

  both({"DELETE FROM ov WHERE id IN (1, 2)"});
  EXPECT_EQ(text_of("SELECT s4, s8 FROM ov_st"), "4294967293,13835058055282163711");

  both({"INSERT INTO ov VALUES (5, 1, -2147483648, -9223372036854775808), "
        "(6, 1, -2147483648, -9223372036854775808)"});
  EXPECT_EQ(text_of("SELECT s4, s8 FROM ov_st"), "-3,-4611686018427387905");

  both({"UPDATE ov SET i8 = 9223372036854775807, i4 = 2147483647 WHERE id IN (5, 6)"});
  EXPECT_EQ(text_of("SELECT s4, s8 FROM ov_st"), "8589934587,32281802128991715325");
  EXPECT_EQ(text_of("SELECT s4, s8, n FROM ov_sc"), "8589934587,32281802128991715325,4");
}

// avg over int and numeric equals the query's avg exactly, digits and
// scale included (text forms), after inserts, deletes and updates.
TEST_F(GroupedEdge, AvgAndNumericSumAreExact) {
  conn().exec("CREATE TABLE av (id int PRIMARY KEY, g int, i int, n numeric)");
  conn().exec("INSERT INTO av VALUES (1, 1, 1, 1.5), (2, 1, 2, 2.25), (3, 1, 2, 3), "
              "(4, 2, 7, 1.10), (5, 2, 8, 3.0)");
  const std::string q = "SELECT g, avg(i) AS ai, avg(n) AS an, sum(n) AS sn FROM av GROUP BY g";
  ASSERT_TRUE(create_differential(conn(), "av_st", q));
  const std::string st = "SELECT g, ai::text, an::text, sn::text FROM av_st ORDER BY g";
  EXPECT_EQ(text_of(st), "1,1.6666666666666667,2.2500000000000000,6.75;2,7.5000000000000000,2.0500000000000000,4.10");

  EXPECT_TRUE(change_refresh_matches(conn(), "av_st", q, {"DELETE FROM av WHERE id = 3"}));
  EXPECT_EQ(text_of(st), "1,1.5000000000000000,1.8750000000000000,3.75;2,7.5000000000000000,2.0500000000000000,4.10");

  // A value with more decimals comes and goes: the scale of sum and avg
  // follows the rows that are there now.
  EXPECT_TRUE(change_refresh_matches(conn(), "av_st", q, {"INSERT INTO av VALUES (6, 2, 1, 2.205)"}));
  EXPECT_EQ(text_of("SELECT an::text, sn::text FROM av_st WHERE g = 2"), "2.1016666666666667,6.305");
  EXPECT_TRUE(change_refresh_matches(conn(), "av_st", q, {"DELETE FROM av WHERE id = 6"}));
  EXPECT_EQ(text_of("SELECT an::text, sn::text FROM av_st WHERE g = 2"), "2.0500000000000000,4.10");

  EXPECT_TRUE(change_refresh_matches(conn(), "av_st", q,
                                     {"INSERT INTO av VALUES (7, 2, 1, 0.12345678901234567890)"}));
  EXPECT_EQ(text_of("SELECT an::text FROM av_st WHERE g = 2"), "1.40781892967078189297");
  EXPECT_TRUE(change_refresh_matches(conn(), "av_st", q, {"DELETE FROM av WHERE id = 7"}));
  EXPECT_EQ(text_of("SELECT an::text, sn::text FROM av_st WHERE g = 2"), "2.0500000000000000,4.10");

  // Updates, and a value of the same number in another form (3 / 3.000).
  EXPECT_TRUE(change_refresh_matches(conn(), "av_st", q,
                                     {"UPDATE av SET n = 3.000, i = 3 WHERE id = 5", "UPDATE av SET i = NULL WHERE id = 4"}));
  EXPECT_TRUE(change_refresh_matches(conn(), "av_st", q, {"UPDATE av SET n = 3 WHERE id = 5"}));
  EXPECT_EQ(text_of("SELECT ai::text, an::text, sn::text FROM av_st WHERE g = 2"),
            "3.0000000000000000,2.0500000000000000,4.10");
}

// count(DISTINCT x): duplicates count once; removing one copy changes
// nothing, removing the last one does.
TEST_F(GroupedEdge, CountDistinctIgnoresDuplicates) {
  conn().exec("CREATE TABLE cd (g int, v int)");  // keyless: exact duplicate rows
  conn().exec("INSERT INTO cd VALUES (1, 1), (1, 1), (1, 2), (1, NULL), (2, 5), (2, 5)");
  const std::string q = "SELECT g, count(DISTINCT v) AS dv, count(v) AS nv, sum(DISTINCT v) AS sdv, "
                        "array_agg(DISTINCT v) AS vs FROM cd GROUP BY g";
  ASSERT_TRUE(create_differential(conn(), "cd_st", q));
  const std::string st = "SELECT g, dv, nv, sdv, vs FROM cd_st ORDER BY g";
  EXPECT_EQ(text_of(st), "1,2,3,3,{1,2,NULL};2,1,2,5,{5}");

  EXPECT_TRUE(change_refresh_matches(conn(), "cd_st", q, {"INSERT INTO cd VALUES (1, 2), (2, 5)"}));
  EXPECT_EQ(text_of(st), "1,2,4,3,{1,2,NULL};2,1,3,5,{5}");

  EXPECT_TRUE(change_refresh_matches(conn(), "cd_st", q,
                                     {"DELETE FROM cd WHERE ctid = (SELECT ctid FROM cd WHERE v = 1 LIMIT 1)"}));
  EXPECT_EQ(text_of(st), "1,2,3,3,{1,2,NULL};2,1,3,5,{5}");

  EXPECT_TRUE(change_refresh_matches(conn(), "cd_st", q, {"DELETE FROM cd WHERE v = 1"}));
  EXPECT_EQ(text_of(st), "1,1,2,2,{2,NULL};2,1,3,5,{5}");

  EXPECT_TRUE(change_refresh_matches(conn(), "cd_st", q, {"UPDATE cd SET v = 6 WHERE g = 2 AND ctid = "
                                                          "(SELECT ctid FROM cd WHERE g = 2 LIMIT 1)"}));
  EXPECT_EQ(text_of(st), "1,1,2,2,{2,NULL};2,2,3,11,{5,6}");
}

// Equal group keys of different forms (numeric 1 / 1.00, float8 0 / -0)
// fall into one group; once only one form is left in the source, the stream
// table shows that form, as the query does.
TEST_F(GroupedEdge, EqualKeysOfDifferentFormsShowTheSurvivingForm) {
  conn().exec("CREATE TABLE ek (id int PRIMARY KEY, k numeric, f float8, v int)");
  conn().exec("INSERT INTO ek VALUES (1, 1.00, '-0', 1), (2, 1.00, '-0', 2)");
  const std::string qk = "SELECT k, count(*) AS n, sum(v) AS s FROM ek GROUP BY k";
  const std::string qf = "SELECT f, count(*) AS n, sum(v) AS s FROM ek GROUP BY f";
  const std::string qd = "SELECT DISTINCT k FROM ek";
  ASSERT_TRUE(create_differential(conn(), "ek_k", qk));
  ASSERT_TRUE(create_differential(conn(), "ek_f", qf));
  ASSERT_TRUE(create_differential(conn(), "ek_d", qd));
  auto all = [&](const std::vector<std::string>& statements, Expect expect) {
    EXPECT_TRUE(change_refresh_matches(conn(), "ek_k", qk, statements, expect));
    EXPECT_TRUE(refresh_matches(conn(), "ek_f", qf, expect));
    EXPECT_TRUE(refresh_matches(conn(), "ek_d", qd, expect));
  };
  EXPECT_EQ(text_of("SELECT k, n FROM ek_k"), "1.00,2");
  EXPECT_EQ(text_of("SELECT f, n FROM ek_f"), "-0,2");

  // Both forms present: one group (which form it shows is not defined).
  conn().exec("INSERT INTO ek VALUES (3, 1, 0, 3)");
  for (const char* st : {"ek_k", "ek_f", "ek_d"}) {
    SCOPED_TRACE(st);
    ASSERT_EQ(conn().try_exec(refresh_stream_table_sql(st)).ok, true);
    EXPECT_TRUE(st_matches_query(conn(), st, st == std::string("ek_k") ? qk : st == std::string("ek_f") ? qf : qd));
    EXPECT_EQ(text_of(std::string("SELECT count(*) FROM ") + st), "1");
  }
  EXPECT_EQ(text_of("SELECT n, s FROM ek_k"), "3,6");
  EXPECT_EQ(text_of("SELECT n, s FROM ek_f"), "3,6");

  // Only the new form left.
  all({"DELETE FROM ek WHERE id IN (1, 2)"}, Expect::Delta);
  EXPECT_EQ(text_of("SELECT k, n FROM ek_k"), "1,1");
  EXPECT_EQ(text_of("SELECT f, n FROM ek_f"), "0,1");
  EXPECT_EQ(text_of("SELECT k FROM ek_d"), "1");

  // An update that changes only the form.
  all({"UPDATE ek SET k = 1.0, f = '-0' WHERE id = 3"}, Expect::Delta);
  EXPECT_EQ(text_of("SELECT k, n FROM ek_k"), "1.0,1");
  EXPECT_EQ(text_of("SELECT f, n FROM ek_f"), "-0,1");
  EXPECT_EQ(text_of("SELECT k FROM ek_d"), "1.0");
}

// --- Refresh path -------------------------------------------------------------------

// A refresh of an algebraic stream table with changes applies a delta:
// pgtrickle.get_refresh_history records DIFFERENTIAL (not FULL), and the
// hidden state columns exist; a group-rescan one also records DIFFERENTIAL.
TEST_F(GroupedEdge, RefreshRecordsDifferentialAction) {
  // n has a declared scale: sums of unconstrained numeric are rescanned
  // (their result's scale follows the rows; see AvgAndNumericSumAreExact).
  conn().exec("CREATE TABLE rh (id int PRIMARY KEY, g int, v int, n numeric(10, 1))");
  conn().exec("INSERT INTO rh SELECT i, i % 4, i, (i % 7) * 1.5 FROM generate_series(1, 40) i");
  const std::string qa = "SELECT g, count(*) AS c, count(v) AS cv, sum(v) AS s, avg(n) AS a, min(v) AS mn, "
                         "max(v) AS mx FROM rh GROUP BY g";
  const std::string qr = "SELECT g, string_agg(v::text, ',' ORDER BY v) AS vs FROM rh GROUP BY g HAVING count(*) > 1";
  ASSERT_TRUE(create_differential(conn(), "rh_alg", qa));
  ASSERT_TRUE(create_differential(conn(), "rh_rs", qr));
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM pg_attribute WHERE attrelid = 'rh_alg'::regclass AND attnum > 0 "
                          "AND NOT attisdropped AND attname = '__pgt_count'"),
            "1");
  EXPECT_EQ(conn().scalar("SELECT effective_refresh_mode FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'rh_alg'"),
            "DIFFERENTIAL");
  EXPECT_EQ(conn().scalar("SELECT effective_refresh_mode FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'rh_rs'"),
            "DIFFERENTIAL");

  const std::vector<std::vector<std::string>> batches{
      {"INSERT INTO rh VALUES (41, 1, 41, 1)", "DELETE FROM rh WHERE id = 2"},
      {"UPDATE rh SET v = v + 100 WHERE id = 5", "UPDATE rh SET g = 3 WHERE id = 6"},
      {"DELETE FROM rh WHERE id = 4", "INSERT INTO rh VALUES (42, 7, 1, 2)"},
  };
  for (const std::vector<std::string>& batch : batches) {
    EXPECT_TRUE(change_refresh_matches(conn(), "rh_alg", qa, batch));
    Rows h = conn().query("SELECT action, status FROM pgtrickle.get_refresh_history('rh_alg', 1)");
    ASSERT_EQ(h.size(), 1u);
    EXPECT_EQ(h[0][0].value_or(""), "DIFFERENTIAL");
    EXPECT_EQ(h[0][1].value_or(""), "COMPLETED");
    EXPECT_EQ(action_of_last_refresh("rh_alg"), "DIFFERENTIAL");
    EXPECT_TRUE(refresh_matches(conn(), "rh_rs", qr));
    EXPECT_EQ(action_of_last_refresh("rh_rs"), "DIFFERENTIAL");
  }
  EXPECT_EQ(text_of("SELECT g, c, s, mn, mx FROM rh_alg WHERE g = 7"), "7,1,1,1,1");
  const std::map<std::string, int> actions = refresh_action_counts(conn(), "rh_alg");
  EXPECT_EQ(actions.count("FULL"), 0u) << ::testing::PrintToString(actions);

  // No change at all: NO_DATA, and nothing moves.
  EXPECT_TRUE(refresh_matches(conn(), "rh_alg", qa));
  EXPECT_EQ(action_of_last_refresh("rh_alg"), "NO_DATA");
}

// --- Refusals -------------------------------------------------------------------------

struct Unsupported {
  std::string name;
  std::string query;
  std::vector<std::string> words;  // one of them must appear in the message or hint
};

// What DIFFERENTIAL does not maintain: refused with 0A000 and a HINT, the
// message or hint naming the construct; AUTO creates the same stream table
// with FULL maintenance, a WARNING and a recorded reason, and keeps it right.
TEST_F(GroupedEdge, UnsupportedGroupingShapesRefusedOrFull) {
  conn().exec("CREATE TABLE us (id int PRIMARY KEY, g int, j jsonb, iv interval, v int)");
  conn().exec("CREATE TABLE us2 (id int PRIMARY KEY, w int)");
  conn().exec("INSERT INTO us SELECT i, i % 3, jsonb_build_object('a', i % 2), make_interval(hours => i % 2 * 24), "
              "i FROM generate_series(1, 12) i");
  conn().exec("INSERT INTO us2 SELECT i, i * 10 FROM generate_series(1, 6) i");
  const std::vector<Unsupported> cases{
      {"us_left_join", "SELECT us.g, count(*) AS n, sum(us2.w) AS sw FROM us LEFT JOIN us2 ON us.v < us2.id GROUP BY us.g",
       {"outer join", "left join"}},
      {"us_jsonb_key", "SELECT j, count(*) AS n FROM us GROUP BY j", {"jsonb"}},
      {"us_interval_key", "SELECT iv, count(*) AS n FROM us GROUP BY iv", {"interval"}},
      {"us_recursive",
       "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 2) "
       "SELECT us.g, count(*) AS n FROM us JOIN r ON r.n = us.g GROUP BY us.g",
       {"recursive"}},
      {"us_subquery_in_select", "SELECT g, count(*) AS n, (SELECT max(w) FROM us2) AS m FROM us GROUP BY g",
       {"subquer"}},
      {"us_limit", "SELECT g, count(*) AS n FROM us GROUP BY g LIMIT 2", {"limit"}},
  };
  for (const Unsupported& c : cases) refused_then_full_in_auto(c.name, c.query, c.words);
  // The AUTO (FULL) stream tables follow changes.
  run_in_transaction(conn(), {"UPDATE us SET g = 5, j = '{\"a\": 9}', iv = '1 hour' WHERE id = 3",
                              "DELETE FROM us WHERE id = 4", "DELETE FROM us2 WHERE id = 1",
                              "INSERT INTO us VALUES (13, NULL, NULL, NULL, 2)"});
  for (const Unsupported& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_TRUE(refresh_matches(conn(), c.name, c.query, Expect::Full));
  }
}

// A text key with a nondeterministic collation ('a' = 'A') is refused in
// DIFFERENTIAL (equal keys of different forms) and maintained by FULL in AUTO.
TEST_F(GroupedEdge, NondeterministicCollationKeyRefused) {
  if (!icu_available(conn())) GTEST_SKIP() << "the server has no ICU collations";
  conn().exec("CREATE COLLATION ge_ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false)");
  conn().exec("CREATE TABLE nd (id int PRIMARY KEY, t text COLLATE ge_ci, u text, v int)");
  conn().exec("INSERT INTO nd VALUES (1, 'a', 'a', 1), (2, 'A', 'A', 2), (3, 'b', 'b', 3)");
  for (const std::string& q : {std::string("SELECT t, count(*) AS n, sum(v) AS s FROM nd GROUP BY t"),
                               std::string("SELECT DISTINCT t FROM nd"),
                               std::string("SELECT u COLLATE ge_ci AS uc, count(*) AS n FROM nd GROUP BY 1")}) {
    SCOPED_TRACE(q);
    const std::string st = "nd_st";
    const ExecOutcome refused = conn().try_exec(create_stream_table_sql(st, q, "DIFFERENTIAL"));
    ASSERT_FALSE(refused.ok) << "DIFFERENTIAL accepted";
    EXPECT_EQ(refused.sqlstate, "0A000") << refused.message;
    EXPECT_FALSE(refused.hint.empty()) << refused.message;
    EXPECT_NE((refused.message + refused.hint).find("collation"), std::string::npos) << refused.message;
    conn().exec(create_stream_table_sql(st, q, "AUTO"));
    EXPECT_EQ(conn().scalar("SELECT effective_refresh_mode FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'nd_st'"),
              "FULL");
    EXPECT_FALSE(conn().scalar("SELECT coalesce(effective_mode_reason, '') FROM pgtrickle.pgt_stream_tables "
                               "WHERE pgt_name = 'nd_st'").empty());
    EXPECT_TRUE(change_refresh_matches(conn(), st, q, {"UPDATE nd SET t = 'B', u = 'B' WHERE id = 1"}, Expect::Full));
    conn().exec("UPDATE nd SET t = 'a', u = 'a' WHERE id = 1");
    conn().exec("SELECT pgtrickle.drop_stream_table('nd_st')");
  }
}

// Group identity does not depend on the session's settings: TimeZone,
// DateStyle, extra_float_digits and IntervalStyle differ between the create
// and later refreshes, and each group stays one row.
TEST_F(GroupedEdge, SessionSettingsDoNotSplitGroups) {
  conn().exec("CREATE TABLE ss (id int PRIMARY KEY, ts timestamptz, d date, f float8, n numeric, v int)");
  conn().exec("INSERT INTO ss VALUES (1, '2024-01-01 10:00+00', '2024-02-28', 1, 1.0, 1), "
              "(2, '2024-01-01 10:00+00', '2024-02-28', 1.0000000000000002, 1, 2), "
              "(3, '2024-06-30 23:30+00', '2024-12-31', 0.1, 2.50, 3)");
  const std::vector<std::pair<std::string, std::string>> sts{
      {"ss_ts", "SELECT ts, count(*) AS n, sum(v) AS s FROM ss GROUP BY ts"},
      {"ss_d", "SELECT d, count(*) AS n, sum(v) AS s FROM ss GROUP BY d"},
      {"ss_f", "SELECT f, count(*) AS n, sum(v) AS s FROM ss GROUP BY f"},
      {"ss_all", "SELECT ts, d, f, n, count(*) AS c, max(v) AS mx FROM ss GROUP BY ts, d, f, n"},
      {"ss_dist", "SELECT DISTINCT ts, f FROM ss"},
  };
  for (const auto& [st, q] : sts) ASSERT_TRUE(create_differential(conn(), st, q));
  EXPECT_EQ(text_of("SELECT count(*) FROM ss_f"), "3");

  auto refresh_all = [&](const std::string& when) {
    SCOPED_TRACE(when);
    for (const auto& [st, q] : sts) EXPECT_TRUE(refresh_matches(conn(), st, q)) << st;
  };
  conn().exec("SET TimeZone = 'Asia/Kolkata'");
  conn().exec("SET DateStyle = 'SQL, DMY'");
  conn().exec("SET extra_float_digits = -3");
  conn().exec("SET IntervalStyle = 'sql_standard'");
  run_in_transaction(conn(), {"INSERT INTO ss VALUES (4, '2024-01-01 15:30+05:30', '2024-02-28', 1, 1.0, 4), "
                              "(5, '2024-01-01 10:00+00', '2024-02-28', 1.0000000000000002, 1, 5)",
                              "UPDATE ss SET v = v + 10 WHERE id = 3"});
  refresh_all("other settings");
  EXPECT_EQ(text_of("SELECT n, s FROM ss_ts ORDER BY s"), "4,12;1,13");
  EXPECT_EQ(text_of("SELECT n, s FROM ss_d ORDER BY s"), "4,12;1,13");
  EXPECT_EQ(text_of("SELECT n, s FROM ss_f ORDER BY s"), "2,5;2,7;1,13");

  conn().exec("RESET ALL");
  conn().exec("SET search_path = " + quote_ident(schema_) + ", public");
  conn().exec("SET pg_trickle.differential_max_change_ratio = 1000");
  run_in_transaction(conn(), {"DELETE FROM ss WHERE id IN (1, 2)"});
  refresh_all("default settings");
  EXPECT_EQ(text_of("SELECT n, s FROM ss_ts ORDER BY s"), "2,9;1,13");
  EXPECT_EQ(text_of("SELECT f::text, n, s FROM ss_f ORDER BY s"), "1,1,4;1.0000000000000002,1,5;0.1,1,13");
}

// --- Stream tables over grouped stream tables --------------------------------------------

// B reads A's visible columns (a filter, and a grouping of its own); both
// refreshed in order stay right.
TEST_F(GroupedEdge, StreamTableOverGroupedStreamTable) {
  conn().exec("CREATE TABLE sb (id int PRIMARY KEY, g int, v int)");
  conn().exec("INSERT INTO sb SELECT i, i % 5, i FROM generate_series(1, 30) i");
  const std::string qa = "SELECT g, count(*) AS n, sum(v) AS s, max(v) AS mx FROM sb GROUP BY g";
  const std::string qb = "SELECT g, n, s * 2 AS s2 FROM sb_a WHERE n > 5";
  const std::string qc = "SELECT n, count(*) AS groups, sum(s) AS total, min(mx) AS least_max FROM sb_a GROUP BY n";
  const std::string qd = "SELECT count(*) AS groups, sum(n) AS rows_total FROM sb_a";
  ASSERT_TRUE(create_differential(conn(), "sb_a", qa));
  ASSERT_TRUE(create_differential(conn(), "sb_b", qb));
  ASSERT_TRUE(create_differential(conn(), "sb_c", qc));
  ASSERT_TRUE(create_differential(conn(), "sb_d", qd));
  EXPECT_EQ(text_of("SELECT n, groups, total, least_max FROM sb_c"), "6,5,465,26");
  EXPECT_EQ(text_of("SELECT groups, rows_total FROM sb_d"), "5,30");

  const std::vector<std::vector<std::string>> batches{
      {"DELETE FROM sb WHERE id = 30", "INSERT INTO sb VALUES (31, 1, 31)"},
      {"UPDATE sb SET g = 7 WHERE g = 2", "UPDATE sb SET v = v * 10 WHERE id = 3"},
      {"DELETE FROM sb WHERE g = 7", "INSERT INTO sb VALUES (40, NULL, 1), (41, NULL, 2)"},
      {"UPDATE sb SET g = 1 WHERE id < 10"},
      {"DELETE FROM sb"},
      {"INSERT INTO sb SELECT i, i % 2, i FROM generate_series(1, 14) i"},
  };
  for (const std::vector<std::string>& batch : batches) {
    SCOPED_TRACE(::testing::PrintToString(batch));
    EXPECT_TRUE(change_refresh_matches(conn(), "sb_a", qa, batch));
    EXPECT_TRUE(refresh_matches(conn(), "sb_b", qb));
    EXPECT_TRUE(refresh_matches(conn(), "sb_c", qc));
    EXPECT_TRUE(refresh_matches(conn(), "sb_d", qd));
  }
  EXPECT_EQ(text_of("SELECT g, n, s2 FROM sb_b ORDER BY g"), "0,7,112;1,7,98");
  EXPECT_EQ(text_of("SELECT n, groups, total, least_max FROM sb_c"), "7,2,105,13");
  EXPECT_EQ(text_of("SELECT groups, rows_total FROM sb_d"), "2,14");
}

// --- Row counts of the history -------------------------------------------------

// The algebraic apply is one MERGE, whose inserted / updated / deleted rows
// the executor counts: the history must show each group that appeared,
// changed, vanished, and nothing for a group whose changes cancelled.
TEST_F(GroupedEdge, HistoryCountsGroupsInsertedUpdatedDeleted) {
  conn().exec("CREATE TABLE hc (id int PRIMARY KEY, g text, v int)");
  conn().exec("INSERT INTO hc VALUES (1, 'a', 1), (2, 'b', 2), (3, 'c', 3)");
  const std::string q_sum = "SELECT g, sum(v) AS s, count(*) AS n FROM hc GROUP BY g";
  const std::string q_ext = "SELECT g, min(v) AS lo, max(v) AS hi, count(*) AS n FROM hc GROUP BY g";
  const std::string q_scalar = "SELECT sum(v) AS s, count(*) AS n FROM hc";
  ASSERT_TRUE(create_differential(conn(), "hc_sum", q_sum));
  ASSERT_TRUE(create_differential(conn(), "hc_ext", q_ext));
  ASSERT_TRUE(create_differential(conn(), "hc_scalar", q_scalar));
  auto counts = [&](const std::string& st) {
    RefreshRecord r = last_refresh(conn(), st);
    EXPECT_EQ(r.action, "DIFFERENTIAL") << describe(r);
    return std::to_string(r.rows_inserted) + "/" + std::to_string(r.rows_updated) + "/" +
           std::to_string(r.rows_deleted);
  };
  // Group d appears, b changes, c vanishes; a's changes cancel out.
  const std::vector<std::string> changes{
      "INSERT INTO hc VALUES (4, 'd', 4)", "UPDATE hc SET v = 20 WHERE id = 2", "DELETE FROM hc WHERE id = 3",
      "UPDATE hc SET v = 10 WHERE id = 1", "UPDATE hc SET v = 1 WHERE id = 1"};
  EXPECT_TRUE(change_refresh_matches(conn(), "hc_sum", q_sum, changes));
  EXPECT_EQ(counts("hc_sum"), "1/1/1");
  EXPECT_TRUE(refresh_matches(conn(), "hc_ext", q_ext));
  EXPECT_EQ(counts("hc_ext"), "1/1/1");
  EXPECT_TRUE(refresh_matches(conn(), "hc_scalar", q_scalar));
  EXPECT_EQ(counts("hc_scalar"), "0/1/0");

  // Only cancelling changes: nothing is written.
  EXPECT_TRUE(change_refresh_matches(conn(), "hc_sum", q_sum,
                                     {"UPDATE hc SET v = 7 WHERE id = 4", "UPDATE hc SET v = 4 WHERE id = 4"}));
  EXPECT_EQ(counts("hc_sum"), "0/0/0");
  EXPECT_TRUE(refresh_matches(conn(), "hc_ext", q_ext));
  EXPECT_EQ(counts("hc_ext"), "0/0/0");

  // Every row deleted: the groups go, the scalar row stays (count 0).
  EXPECT_TRUE(change_refresh_matches(conn(), "hc_sum", q_sum, {"DELETE FROM hc"}));
  EXPECT_EQ(counts("hc_sum"), "0/0/3");
  EXPECT_TRUE(refresh_matches(conn(), "hc_ext", q_ext));
  EXPECT_EQ(counts("hc_ext"), "0/0/3");
  EXPECT_TRUE(refresh_matches(conn(), "hc_scalar", q_scalar));
  EXPECT_EQ(counts("hc_scalar"), "0/1/0");
}

// A refresh run from a trigger on a stream table fires inside the outer
// refresh's MERGE (its statement triggers run before the MERGE ends): both
// refreshes keep their own row counts.
TEST_F(GroupedEdge, RefreshFromATriggerDuringTheMergeKeepsBothCounts) {
  conn().exec("CREATE TABLE nt_a (id int PRIMARY KEY, g int, v int)");
  conn().exec("CREATE TABLE nt_b (id int PRIMARY KEY, g int, v int)");
  conn().exec("INSERT INTO nt_a SELECT i, i % 3, i FROM generate_series(1, 300) i");
  conn().exec("INSERT INTO nt_b SELECT i, i % 4, i FROM generate_series(1, 400) i");
  const std::string qa = "SELECT g, sum(v) AS s, count(*) AS n FROM nt_a GROUP BY g";
  const std::string qb = "SELECT g, sum(v) AS s, count(*) AS n FROM nt_b GROUP BY g";
  ASSERT_TRUE(create_differential(conn(), "nt_sa", qa));
  ASSERT_TRUE(create_differential(conn(), "nt_sb", qb));
  std::string schema = text_of("SELECT current_schema()");
  conn().exec("CREATE FUNCTION " + schema + ".nt_refresh_b() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
              "PERFORM pgtrickle.refresh_stream_table('" + schema + ".nt_sb'); RETURN NULL; END $$");
  conn().exec("CREATE TRIGGER nt_after AFTER INSERT OR UPDATE OR DELETE ON nt_sa FOR EACH STATEMENT "
              "EXECUTE FUNCTION " + schema + ".nt_refresh_b()");
  conn().exec("INSERT INTO nt_a VALUES (1000, 7, 7)");
  conn().exec("UPDATE nt_a SET v = v + 1 WHERE id <= 5");
  conn().exec("INSERT INTO nt_b VALUES (1000, 9, 9), (1001, 9, 1)");
  EXPECT_TRUE(refresh_matches(conn(), "nt_sa", qa));
  RefreshRecord a = last_refresh(conn(), "nt_sa");
  EXPECT_EQ(a.action, "DIFFERENTIAL") << describe(a);
  EXPECT_EQ(std::to_string(a.rows_inserted) + "/" + std::to_string(a.rows_updated) + "/" +
                std::to_string(a.rows_deleted),
            "1/3/0");
  EXPECT_TRUE(st_matches_query(conn(), "nt_sb", qb));
  RefreshRecord b = refresh_history(conn(), "nt_sb").at(1);  // the trigger's first refresh
  EXPECT_EQ(b.action, "DIFFERENTIAL") << describe(b);
  EXPECT_EQ(b.rows_inserted, 1) << describe(b);
}

}  // namespace
}  // namespace pgt_e2e
