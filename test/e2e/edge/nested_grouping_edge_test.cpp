// Deterministic edge cases of DIFFERENTIAL grouping over a grouping (partition
// rescan): an inner DISTINCT group crossing the outer HAVING threshold both
// ways, the last row of a partition deleted and re-inserted, rows moving
// between partitions in one transaction, NULL partition values, equal numeric
// partition values of different forms (1 / 1.0 / 1.00), text values an
// array's text form must quote, char(n), date / boolean / uuid partition
// columns, the partition column from the nullable side of an outer join inside
// the grouped subquery, session settings that change text forms, identifiers
// that need quoting, exact duplicates of a keyless source under DISTINCT, set
// operations of aggregates whose counts meet and part, set operations of set
// operations, three levels of grouping, an aggregate joined to a dimension
// table (inner and LEFT), the whole recompute of shapes without a partition
// column (also over an empty table), TRUNCATE of a source (FULL), refresh
// history (one partition rewritten, not the table), and refusals of what
// DIFFERENTIAL does not maintain (0A000 + HINT; AUTO falls back to FULL with a
// WARNING and a recorded reason).
//
// Every test runs in a schema of its own with
// pg_trickle.differential_max_change_ratio raised (a FULL fallback never
// hides a wrong delta). After each refresh the stream table must equal its
// query as a multiset of values and of text forms (visible columns only), the
// refresh must have recorded action DIFFERENTIAL, and the expected rows are
// checked.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <utility>

#include "adversarial_support.h"
#include "edge_test_db.h"
#include "oracle.h"
#include "refresh_history.h"
#include "stream_table.h"
#include "test_db.h"

namespace pgt_e2e {
namespace {

class NestedGroupingEdge : public EdgeTestDb {
 protected:
  NestedGroupingEdge() : EdgeTestDb("nge_") {}

  // Rows changed by the latest refresh of st.
  long long rows_changed(const std::string& st) {
    const RefreshRecord r = last_refresh(conn(), st);
    return r.rows_inserted + r.rows_updated + r.rows_deleted;
  }
};

// --- HAVING over DISTINCT -----------------------------------------------------------

// An a counts its distinct b values: duplicates of a pair never count twice,
// so a group crosses "more than one" only when a new distinct pair arrives or
// the last copy of one goes — both ways, by inserts, deletes and updates.
TEST_F(NestedGroupingEdge, HavingOverDistinctCrossesThresholdBothWays) {
  conn().exec("CREATE TABLE hd (id int PRIMARY KEY, a int, b int)");
  conn().exec("INSERT INTO hd VALUES (1, 1, 10), (2, 1, 10), (3, 2, 20), (4, 2, 21), (5, 3, 30)");
  const StList sts{
      {"hd_n", "SELECT a, count(*) AS n FROM (SELECT DISTINCT a, b FROM hd) s GROUP BY a HAVING count(*) > 1"},
      {"hd_s", "SELECT s.a, sum(s.b) AS sb, string_agg(s.b::text, ',' ORDER BY s.b) AS bs "
               "FROM (SELECT DISTINCT a, b FROM hd) s GROUP BY s.a HAVING count(*) > 1 OR sum(s.b) > 50"},
  };
  ASSERT_NO_FATAL_FAILURE(create_all(sts));
  const std::string n = "SELECT a, n FROM hd_n ORDER BY a";
  const std::string s = "SELECT a, sb, bs FROM hd_s ORDER BY a";
  EXPECT_EQ(text_of(n), "2,2");
  EXPECT_EQ(text_of(s), "2,41,20,21");

  step(sts, {"INSERT INTO hd VALUES (6, 1, 10)"});  // a third copy of (1, 10): no new pair
  EXPECT_EQ(text_of(n), "2,2");
  EXPECT_EQ(text_of(s), "2,41,20,21");

  step(sts, {"INSERT INTO hd VALUES (7, 1, 11)"});  // a = 1 crosses up
  EXPECT_EQ(text_of(n), "1,2;2,2");
  EXPECT_EQ(text_of(s), "1,21,10,11;2,41,20,21");

  step(sts, {"DELETE FROM hd WHERE id = 3"});  // a = 2 falls back
  EXPECT_EQ(text_of(n), "1,2");
  EXPECT_EQ(text_of(s), "1,21,10,11");

  step(sts, {"UPDATE hd SET b = 10 WHERE id = 7"});  // (1, 11) becomes a fourth copy of (1, 10)
  EXPECT_EQ(text_of(n), "");
  EXPECT_EQ(text_of(s), "");

  step(sts, {"UPDATE hd SET b = 12 WHERE id = 1"});  // one copy moves off: two pairs again
  EXPECT_EQ(text_of(n), "1,2");
  EXPECT_EQ(text_of(s), "1,22,10,12");

  // Up and down within one transaction: no net change.
  step(sts, {"INSERT INTO hd VALUES (8, 3, 31)", "DELETE FROM hd WHERE id = 8"}, true);
  EXPECT_EQ(text_of(n), "1,2");

  step(sts, {"INSERT INTO hd VALUES (9, 3, 31), (10, 3, 32)"});
  EXPECT_EQ(text_of(n), "1,2;3,3");
  EXPECT_EQ(text_of(s), "1,22,10,12;3,93,30,31,32");

  // The whole partition moves to a new value of a.
  step(sts, {"UPDATE hd SET a = 4 WHERE a = 3"});
  EXPECT_EQ(text_of(n), "1,2;4,3");
  EXPECT_EQ(text_of(s), "1,22,10,12;4,93,30,31,32");

  // Only the sum keeps a = 2 in hd_s (one distinct b of 60).
  step(sts, {"UPDATE hd SET b = 60 WHERE id = 4"});
  EXPECT_EQ(text_of(n), "1,2;4,3");
  EXPECT_EQ(text_of(s), "1,22,10,12;2,60,60;4,93,30,31,32");
}

// A keyless source with exact duplicates: deleting or updating one copy of a
// pair changes nothing until the last copy goes.
TEST_F(NestedGroupingEdge, KeylessDuplicatesUnderDistinct) {
  conn().exec("CREATE TABLE kd (a int, b int)");
  conn().exec("INSERT INTO kd VALUES (1, 1), (1, 1), (1, 1), (1, 2), (2, 1), (2, 1)");
  const StList sts{
      {"kd_st", "SELECT a, count(*) AS n FROM (SELECT DISTINCT a, b FROM kd) s GROUP BY a HAVING count(*) > 1"}};
  ASSERT_NO_FATAL_FAILURE(create_all(sts));
  const std::string st = "SELECT a, n FROM kd_st ORDER BY a";
  EXPECT_EQ(text_of(st), "1,2");

  step(sts, {"DELETE FROM kd WHERE ctid = (SELECT min(ctid) FROM kd WHERE a = 1 AND b = 1)"}, true);
  EXPECT_EQ(text_of(st), "1,2");
  step(sts, {"DELETE FROM kd WHERE a = 1 AND b = 2"});
  EXPECT_EQ(text_of(st), "");
  step(sts, {"UPDATE kd SET b = 5 WHERE ctid = (SELECT min(ctid) FROM kd WHERE a = 1 AND b = 1)"});
  EXPECT_EQ(text_of(st), "1,2");
  step(sts, {"UPDATE kd SET b = 2 WHERE a = 2"}, true);
  EXPECT_EQ(text_of(st), "1,2");
  step(sts, {"INSERT INTO kd VALUES (2, 3), (2, 3)"});
  EXPECT_EQ(text_of(st), "1,2;2,2");
  step(sts, {"UPDATE kd SET a = 2 WHERE a = 1"});
  EXPECT_EQ(text_of(st), "2,4");
}

// --- Partitions ---------------------------------------------------------------------

// The last source row of a partition deleted: its result rows vanish from
// every shape; re-inserted, they come back; deleted and re-inserted in one
// transaction, nothing changes.
TEST_F(NestedGroupingEdge, LastRowOfPartitionDeletedAndReinserted) {
  conn().exec("CREATE TABLE pa (id int PRIMARY KEY, k int, v int)");
  conn().exec("CREATE TABLE pb (id int PRIMARY KEY, k int, v int)");
  conn().exec("INSERT INTO pa VALUES (1, 1, 1), (2, 1, 2), (3, 2, 5)");
  conn().exec("INSERT INTO pb VALUES (1, 1, 7), (2, 2, 8), (3, 2, 9)");
  const StList sts{
      {"pj", "SELECT a.k, a.n, b.s FROM (SELECT k, count(*) AS n FROM pa GROUP BY k) a "
             "JOIN (SELECT k, sum(v) AS s FROM pb GROUP BY k) b ON a.k = b.k"},
      {"pe", "SELECT k, count(*) AS n FROM pa GROUP BY k EXCEPT SELECT k, count(*) FROM pb GROUP BY k"},
      {"p2", "SELECT s.k, count(*) AS vs, sum(s.n) AS n FROM (SELECT k, v, count(*) AS n FROM pa GROUP BY k, v) s "
             "GROUP BY s.k"},
      {"pf", "SELECT * FROM (SELECT k, sum(v) AS s FROM pa GROUP BY k) g WHERE g.s > 2"},
  };
  ASSERT_NO_FATAL_FAILURE(create_all(sts));
  const std::string j = "SELECT k, n, s FROM pj ORDER BY k";
  const std::string e = "SELECT k, n FROM pe ORDER BY k";
  const std::string two = "SELECT k, vs, n FROM p2 ORDER BY k";
  const std::string f = "SELECT k, s FROM pf ORDER BY k";
  EXPECT_EQ(text_of(j), "1,2,7;2,1,17");
  EXPECT_EQ(text_of(e), "1,2;2,1");
  EXPECT_EQ(text_of(two), "1,2,2;2,1,1");
  EXPECT_EQ(text_of(f), "1,3;2,5");

  step(sts, {"DELETE FROM pa WHERE k = 2"});
  EXPECT_EQ(text_of(j), "1,2,7");
  EXPECT_EQ(text_of(e), "1,2");
  EXPECT_EQ(text_of(two), "1,2,2");
  EXPECT_EQ(text_of(f), "1,3");

  step(sts, {"DELETE FROM pa WHERE k = 1"});
  EXPECT_EQ(text_of("SELECT (SELECT count(*) FROM pj) + (SELECT count(*) FROM pe) + (SELECT count(*) FROM p2) + "
                    "(SELECT count(*) FROM pf)"),
            "0");

  step(sts, {"INSERT INTO pa VALUES (1, 1, 1), (2, 1, 2), (3, 2, 5)"});
  EXPECT_EQ(text_of(j), "1,2,7;2,1,17");
  EXPECT_EQ(text_of(e), "1,2;2,1");
  EXPECT_EQ(text_of(two), "1,2,2;2,1,1");
  EXPECT_EQ(text_of(f), "1,3;2,5");

  step(sts, {"DELETE FROM pa WHERE id = 3", "INSERT INTO pa VALUES (3, 2, 5)"}, true);
  EXPECT_EQ(text_of(j), "1,2,7;2,1,17");
  EXPECT_EQ(text_of(e), "1,2;2,1");

  // The other side of the join and of the EXCEPT loses partition 2 (p2 and
  // pf do not read pb).
  step(sts, {"DELETE FROM pb WHERE k = 2"}, true);
  EXPECT_EQ(text_of(j), "1,2,7");
  EXPECT_EQ(text_of(e), "1,2;2,1");
}

// Rows move between partitions within one transaction: two key updates in
// opposite directions, a swap in one statement, a whole partition merged into
// another, and a chain of updates ending where it started.
TEST_F(NestedGroupingEdge, KeyUpdatesMoveRowsBetweenPartitions) {
  conn().exec("CREATE TABLE mv (id int PRIMARY KEY, k text, h int, v int)");
  conn().exec("INSERT INTO mv VALUES (1, 'a', 1, 1), (2, 'a', 2, 2), (3, 'a', 2, 3), (4, 'b', 1, 10), "
              "(5, 'c', 1, 100), (6, 'c', 3, 100)");
  const StList sts{
      {"mv_two", "SELECT s.k, count(*) AS hs, sum(s.sv) AS total, max(s.n) AS maxn FROM "
                 "(SELECT k, h, count(*) AS n, sum(v) AS sv FROM mv GROUP BY k, h) s GROUP BY s.k"},
      {"mv_hd", "SELECT k, count(*) AS n FROM (SELECT DISTINCT k, h FROM mv) s GROUP BY k HAVING count(*) > 1"},
  };
  ASSERT_NO_FATAL_FAILURE(create_all(sts));
  const std::string two = "SELECT k, hs, total, maxn FROM mv_two ORDER BY k";
  const std::string hd = "SELECT k, n FROM mv_hd ORDER BY k";
  EXPECT_EQ(text_of(two), "a,2,6,2;b,1,10,1;c,2,200,1");
  EXPECT_EQ(text_of(hd), "a,2;c,2");

  step(sts, {"UPDATE mv SET k = 'b' WHERE id = 3", "UPDATE mv SET k = 'a' WHERE id = 4"});
  EXPECT_EQ(text_of(two), "a,2,13,2;b,1,3,1;c,2,200,1");
  EXPECT_EQ(text_of(hd), "a,2;c,2");

  step(sts, {"UPDATE mv SET k = CASE k WHEN 'a' THEN 'c' WHEN 'c' THEN 'a' ELSE k END"});
  EXPECT_EQ(text_of(two), "a,2,200,1;b,1,3,1;c,2,13,2");
  EXPECT_EQ(text_of(hd), "a,2;c,2");

  step(sts, {"UPDATE mv SET k = 'b' WHERE k = 'c'"});
  EXPECT_EQ(text_of(two), "a,2,200,1;b,2,16,2");
  EXPECT_EQ(text_of(hd), "a,2;b,2");

  step(sts, {"UPDATE mv SET k = 'z' WHERE id = 5", "UPDATE mv SET k = 'a' WHERE id = 5",
             "UPDATE mv SET h = 1 WHERE id = 6"});
  EXPECT_EQ(text_of(two), "a,1,200,2;b,2,16,2");
  EXPECT_EQ(text_of(hd), "b,2");
}

// NULL partition values: a group of their own under GROUP BY / DISTINCT,
// equal to each other in EXCEPT, never matching in a join (and padded on the
// preserved side of a LEFT JOIN).
TEST_F(NestedGroupingEdge, NullPartitionValues) {
  conn().exec("CREATE TABLE na (id int PRIMARY KEY, k int, b int)");
  conn().exec("CREATE TABLE nb (k int, v int)");
  conn().exec("INSERT INTO na VALUES (1, NULL, 1), (2, NULL, 2), (3, 1, 1), (4, 1, 1), (5, 2, 7)");
  conn().exec("INSERT INTO nb VALUES (NULL, 5), (NULL, 6), (1, 1), (2, 2), (2, 3)");
  const StList sts{
      {"n_hd", "SELECT k, count(*) AS n FROM (SELECT DISTINCT k, b FROM na) s GROUP BY k"},
      {"n_ex", "SELECT k, count(*) AS n FROM na GROUP BY k EXCEPT SELECT k, count(*) FROM nb GROUP BY k"},
      {"n_j", "SELECT a.k, a.n, b.s FROM (SELECT k, count(*) AS n FROM na GROUP BY k) a "
              "JOIN (SELECT k, sum(v) AS s FROM nb GROUP BY k) b ON a.k = b.k"},
      {"n_lj", "SELECT a.k, a.n, b.s FROM (SELECT k, count(*) AS n FROM na GROUP BY k) a "
               "LEFT JOIN (SELECT k, sum(v) AS s FROM nb GROUP BY k) b ON b.k = a.k"},
  };
  ASSERT_NO_FATAL_FAILURE(create_all(sts));
  const std::string hd = "SELECT k, n FROM n_hd ORDER BY k NULLS LAST";
  const std::string ex = "SELECT k, n FROM n_ex ORDER BY k NULLS LAST";
  const std::string j = "SELECT k, n, s FROM n_j ORDER BY k NULLS LAST";
  const std::string lj = "SELECT k, n, s FROM n_lj ORDER BY k NULLS LAST";
  EXPECT_EQ(text_of(hd), "1,1;2,1;NULL,2");
  EXPECT_EQ(text_of(ex), "1,2;2,1");  // (NULL, 2) is on both sides
  EXPECT_EQ(text_of(j), "1,2,1;2,1,5");
  EXPECT_EQ(text_of(lj), "1,2,1;2,1,5;NULL,2,NULL");

  step(sts, {"INSERT INTO na VALUES (6, NULL, 3)"});
  EXPECT_EQ(text_of(hd), "1,1;2,1;NULL,3");
  EXPECT_EQ(text_of(ex), "1,2;2,1;NULL,3");
  EXPECT_EQ(text_of(j), "1,2,1;2,1,5");
  EXPECT_EQ(text_of(lj), "1,2,1;2,1,5;NULL,3,NULL");

  step(sts, {"UPDATE na SET k = NULL WHERE k = 2"});
  EXPECT_EQ(text_of(hd), "1,1;NULL,4");
  EXPECT_EQ(text_of(ex), "1,2;NULL,4");
  EXPECT_EQ(text_of(j), "1,2,1");
  EXPECT_EQ(text_of(lj), "1,2,1;NULL,4,NULL");

  step(sts, {"INSERT INTO nb VALUES (NULL, 1), (NULL, 1)"}, true);  // n_hd does not read nb
  EXPECT_EQ(text_of(ex), "1,2");
  EXPECT_EQ(text_of(j), "1,2,1");
  EXPECT_EQ(text_of(lj), "1,2,1;NULL,4,NULL");

  step(sts, {"UPDATE na SET k = 3 WHERE k IS NULL"});
  EXPECT_EQ(text_of(hd), "1,1;3,4");
  EXPECT_EQ(text_of(ex), "1,2;3,4");
  EXPECT_EQ(text_of(j), "1,2,1");
  EXPECT_EQ(text_of(lj), "1,2,1;3,4,NULL");

  step(sts, {"UPDATE nb SET k = 3 WHERE k IS NULL"}, true);
  EXPECT_EQ(text_of(hd), "1,1;3,4");
  EXPECT_EQ(text_of(ex), "1,2");
  EXPECT_EQ(text_of(j), "1,2,1;3,4,13");
  EXPECT_EQ(text_of(lj), "1,2,1;3,4,13");
}

// A numeric partition column whose equal values have different forms: the
// stream table shows the form the query shows (at each step every value has
// one form in the sources), also after an update that changes only the form
// (1.00 -> 1.0: an equal partition value).
TEST_F(NestedGroupingEdge, NumericPartitionValueForms) {
  conn().exec("CREATE TABLE nf (id int PRIMARY KEY, k numeric, b int)");
  conn().exec("CREATE TABLE nf2 (id int PRIMARY KEY, k numeric)");
  conn().exec("INSERT INTO nf VALUES (1, 1, 1), (2, 1, 2), (3, 2.50, 1)");
  conn().exec("INSERT INTO nf2 VALUES (1, 2.5)");
  const StList sts{
      {"nf_hd", "SELECT k, count(*) AS n FROM (SELECT DISTINCT k, b FROM nf) s GROUP BY k"},
      {"nf_ex", "SELECT k, count(*) AS n FROM nf GROUP BY k EXCEPT SELECT k, count(*) FROM nf2 GROUP BY k"},
      {"nf_j", "SELECT a.k, a.n, b.n AS m FROM (SELECT k, count(*) AS n FROM nf GROUP BY k) a "
               "JOIN (SELECT k, count(*) AS n FROM nf2 GROUP BY k) b ON a.k = b.k"},
  };
  ASSERT_NO_FATAL_FAILURE(create_all(sts));
  const std::string hd = "SELECT k, n FROM nf_hd ORDER BY k";
  const std::string ex = "SELECT k, n FROM nf_ex ORDER BY k";
  const std::string j = "SELECT k, n, m FROM nf_j ORDER BY k";
  EXPECT_EQ(text_of(hd), "1,2;2.50,1");
  EXPECT_EQ(text_of(ex), "1,2");
  EXPECT_EQ(text_of(j), "2.50,1,1");

  step(sts, {"DELETE FROM nf WHERE k = 1", "INSERT INTO nf VALUES (4, 1.00, 1), (5, 1.00, 3)"});
  EXPECT_EQ(text_of(hd), "1.00,2;2.50,1");
  EXPECT_EQ(text_of(ex), "1.00,2");

  step(sts, {"UPDATE nf SET k = 1.0 WHERE k = 1"});
  EXPECT_EQ(text_of(hd), "1.0,2;2.50,1");
  EXPECT_EQ(text_of(ex), "1.0,2");

  step(sts, {"UPDATE nf SET k = 2.5 WHERE id = 3"});
  EXPECT_EQ(text_of(hd), "1.0,2;2.5,1");
  EXPECT_EQ(text_of(j), "2.5,1,1");

  step(sts, {"UPDATE nf2 SET k = 1.000"}, true);  // nf_hd does not read nf2
  EXPECT_EQ(text_of(ex), "1.0,2;2.5,1");
  EXPECT_EQ(text_of(j), "1.0,2,1");
}

// Partition values that an array's text form must quote or escape: the
// string 'NULL' (not the NULL value), '', a blank, braces and a comma, a
// double quote, a backslash; and the NULL value next to them.
TEST_F(NestedGroupingEdge, TextPartitionValuesThatNeedQuoting) {
  conn().exec("CREATE TABLE tq (id int PRIMARY KEY, t text, b int)");
  conn().exec("CREATE TABLE tq2 (t text)");
  conn().exec("INSERT INTO tq VALUES (1, 'NULL', 1), (2, 'NULL', 2), (3, '', 1), (4, ' ', 1), (5, '{a,b}', 1), "
              "(6, '{a,b}', 2), (7, 'q\"t', 1), (8, 'back\\slash', 1), (9, NULL, 1), (10, NULL, 2)");
  conn().exec("INSERT INTO tq2 VALUES ('NULL'), ('{a,b}'), ('{a,b}'), (NULL)");
  const StList sts{
      {"tq_hd", "SELECT t, count(*) AS n FROM (SELECT DISTINCT t, b FROM tq) s GROUP BY t"},
      {"tq_ex", "SELECT t, count(*) AS n FROM tq GROUP BY t EXCEPT SELECT t, count(*) FROM tq2 GROUP BY t"},
  };
  ASSERT_NO_FATAL_FAILURE(create_all(sts));
  const std::string hd = "SELECT '<' || coalesce(t, '-') || '>', n FROM tq_hd ORDER BY t COLLATE \"C\" NULLS LAST";
  const std::string ex = "SELECT '<' || coalesce(t, '-') || '>', n FROM tq_ex ORDER BY t COLLATE \"C\" NULLS LAST";
  EXPECT_EQ(text_of(hd), "<>,1;< >,1;<NULL>,2;<back\\slash>,1;<q\"t>,1;<{a,b}>,2;<->,2");
  EXPECT_EQ(text_of(ex), "<>,1;< >,1;<NULL>,2;<back\\slash>,1;<q\"t>,1;<->,2");

  // Every partition touched at once.
  step(sts, {"UPDATE tq SET b = 3 WHERE id IN (1, 3, 4, 5, 7, 8, 9)"});
  EXPECT_EQ(text_of(hd), "<>,1;< >,1;<NULL>,2;<back\\slash>,1;<q\"t>,1;<{a,b}>,2;<->,2");
  step(sts, {"INSERT INTO tq VALUES (11, 'q\"t', 2), (12, 'back\\slash', 2), (13, '', 2)"});
  EXPECT_EQ(text_of(hd), "<>,2;< >,1;<NULL>,2;<back\\slash>,2;<q\"t>,2;<{a,b}>,2;<->,2");
  step(sts, {"DELETE FROM tq WHERE t = 'NULL'", "UPDATE tq SET t = 'NULL' WHERE t IS NULL AND b = 2"});
  EXPECT_EQ(text_of(hd), "<>,2;< >,1;<NULL>,1;<back\\slash>,2;<q\"t>,2;<{a,b}>,2;<->,1");
  EXPECT_EQ(text_of(ex), "<>,2;< >,1;<back\\slash>,2;<q\"t>,2");
  step(sts, {"INSERT INTO tq2 VALUES (''), (''), ('q\"t'), ('q\"t')", "DELETE FROM tq2 WHERE t = '{a,b}'"}, true);
  EXPECT_EQ(text_of(ex), "< >,1;<back\\slash>,2;<{a,b}>,2");
}

// A char(n) partition column: blank-padded values whose equality ignores
// the trailing blanks; the touched values must keep their full length.
TEST_F(NestedGroupingEdge, CharPartitionColumn) {
  conn().exec("CREATE TABLE bc (id int PRIMARY KEY, c char(4), b int)");
  conn().exec("CREATE TABLE bc2 (c char(4))");
  conn().exec("INSERT INTO bc VALUES (1, 'ab', 1), (2, 'ab', 2), (3, 'cd', 1)");
  conn().exec("INSERT INTO bc2 VALUES ('ab')");
  const StList sts{
      {"bc_hd", "SELECT c, count(*) AS n FROM (SELECT DISTINCT c, b FROM bc) s GROUP BY c"},
      {"bc_ex", "SELECT c, count(*) AS n FROM bc GROUP BY c EXCEPT SELECT c, count(*) FROM bc2 GROUP BY c"},
  };
  ASSERT_NO_FATAL_FAILURE(create_all(sts));
  const std::string hd = "SELECT rtrim(c), n FROM bc_hd ORDER BY c";
  const std::string ex = "SELECT rtrim(c), n FROM bc_ex ORDER BY c";
  EXPECT_EQ(text_of(hd), "ab,2;cd,1");
  EXPECT_EQ(text_of(ex), "ab,2;cd,1");

  step(sts, {"INSERT INTO bc VALUES (4, 'ab', 3), (5, 'cd', 2)"});
  EXPECT_EQ(text_of(hd), "ab,3;cd,2");
  EXPECT_EQ(text_of(ex), "ab,3;cd,2");
  step(sts, {"DELETE FROM bc WHERE c = 'cd'"});
  EXPECT_EQ(text_of(hd), "ab,3");
  EXPECT_EQ(text_of(ex), "ab,3");
  step(sts, {"INSERT INTO bc2 VALUES ('ab'), ('ab')"}, true);  // bc_hd does not read bc2
  EXPECT_EQ(text_of(ex), "");
  step(sts, {"UPDATE bc SET c = 'x' WHERE id = 1"});
  EXPECT_EQ(text_of(hd), "ab,2;x,1");
  EXPECT_EQ(text_of(ex), "ab,2;x,1");
}

// Inside a grouped subquery the partition column comes from the nullable
// side of a LEFT JOIN: padded rows are in the NULL partition, and move out
// of it (and back) as partners come and go.
TEST_F(NestedGroupingEdge, PartitionColumnFromNullableSideInside) {
  conn().exec("CREATE TABLE la (id int PRIMARY KEY, k int, cust int)");
  conn().exec("CREATE TABLE lb (k int, label text)");
  conn().exec("INSERT INTO la VALUES (1, 1, 10), (2, 1, 11), (3, 2, 10), (4, 3, 12)");
  conn().exec("INSERT INTO lb VALUES (1, 'x'), (2, 'y')");
  const StList sts{{"lab", "SELECT s.label, count(*) AS customers, sum(s.n) AS n FROM (SELECT lb.label, la.cust, "
                           "count(*) AS n FROM la LEFT JOIN lb ON lb.k = la.k GROUP BY lb.label, la.cust) s "
                           "GROUP BY s.label"}};
  ASSERT_NO_FATAL_FAILURE(create_all(sts));
  const std::string st = "SELECT label, customers, n FROM lab ORDER BY label NULLS LAST";
  EXPECT_EQ(text_of(st), "x,2,2;y,1,1;NULL,1,1");

  step(sts, {"INSERT INTO lb VALUES (3, 'x')"});
  EXPECT_EQ(text_of(st), "x,3,3;y,1,1");
  step(sts, {"DELETE FROM lb WHERE k = 1"});
  EXPECT_EQ(text_of(st), "x,1,1;y,1,1;NULL,2,2");
  step(sts, {"UPDATE lb SET label = 'y' WHERE k = 3"});
  EXPECT_EQ(text_of(st), "y,2,2;NULL,2,2");
  step(sts, {"INSERT INTO lb VALUES (2, 'z')"});
  EXPECT_EQ(text_of(st), "y,2,2;z,1,1;NULL,2,2");
  step(sts, {"UPDATE la SET k = 2 WHERE id = 1"});
  EXPECT_EQ(text_of(st), "y,2,3;z,1,2;NULL,1,1");
}

// float8 and timestamptz partition columns: refreshes under other
// extra_float_digits, TimeZone and DateStyle settings (which change the
// values' text forms) recompute the right partitions and never split one.
TEST_F(NestedGroupingEdge, SessionSettingsDoNotSplitPartitions) {
  conn().exec("CREATE TABLE ss (id int PRIMARY KEY, f float8, ts timestamptz, b int)");
  conn().exec("INSERT INTO ss VALUES (1, 0.1, '2024-01-01 10:00+00', 1), (2, 0.1, '2024-01-01 10:00+00', 2), "
              "(3, 1.0 / 3, '2024-01-01 12:00+02', 1)");
  const StList sts{
      {"ss_f", "SELECT f, count(*) AS n FROM (SELECT DISTINCT f, b FROM ss) s GROUP BY f"},
      {"ss_t", "SELECT ts, count(*) AS n FROM (SELECT DISTINCT ts, b FROM ss) s GROUP BY ts"},
  };
  ASSERT_NO_FATAL_FAILURE(create_all(sts));
  auto show = [&](const std::string& sql) {
    conn().exec("SET extra_float_digits = 1; SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'");
    return text_of(sql);
  };
  const std::string f = "SELECT f, n FROM ss_f ORDER BY f";
  const std::string t = "SELECT ts, n FROM ss_t ORDER BY ts";
  EXPECT_EQ(show(f), "0.1,2;0.3333333333333333,1");
  EXPECT_EQ(show(t), "2024-01-01 10:00:00+00,2");

  conn().exec("SET extra_float_digits = -3; SET TimeZone = 'America/New_York'; SET DateStyle = 'SQL, DMY'");
  step(sts, {"INSERT INTO ss VALUES (4, 1.0 / 3, '2024-01-01 05:00-05', 2)"});
  EXPECT_EQ(show(f), "0.1,2;0.3333333333333333,2");
  EXPECT_EQ(show(t), "2024-01-01 10:00:00+00,2");

  conn().exec("SET extra_float_digits = 0; SET TimeZone = 'Asia/Kolkata'; SET DateStyle = 'German'");
  step(sts, {"INSERT INTO ss VALUES (5, 0.1, '2024-01-01 15:30+05:30', 3)", "UPDATE ss SET b = 7 WHERE id = 3"});
  EXPECT_EQ(show(f), "0.1,3;0.3333333333333333,2");
  EXPECT_EQ(show(t), "2024-01-01 10:00:00+00,4");

  conn().exec("SET extra_float_digits = 3; SET TimeZone = 'UTC'");
  step(sts, {"DELETE FROM ss WHERE id IN (1, 2)"});
  EXPECT_EQ(show(f), "0.1,1;0.3333333333333333,2");
  EXPECT_EQ(show(t), "2024-01-01 10:00:00+00,3");
}

// Partition columns of other types (date, boolean, uuid), each with NULLs,
// through a HAVING over DISTINCT and an EXCEPT of aggregates.
TEST_F(NestedGroupingEdge, TypedPartitionColumns) {
  conn().exec("CREATE TABLE ty (id int PRIMARY KEY, d date, f boolean, u uuid, b int)");
  conn().exec("INSERT INTO ty VALUES "
              "(1, '2024-02-29', true, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 1), "
              "(2, '2024-02-29', false, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 2), "
              "(3, '2024-03-01', NULL, NULL, 1), (4, NULL, true, 'b1eebc99-9c0b-4ef8-bb6d-6bb9bd380a22', 2)");
  StList sts;
  for (const std::string c : {"d", "f", "u"})
    sts.emplace_back("ty_" + c, "SELECT " + c + ", count(*) AS n FROM (SELECT DISTINCT " + c +
                                    ", b FROM ty) s GROUP BY " + c + " HAVING count(*) > 1 OR " + c + " IS NULL");
  sts.emplace_back("ty_ex", "SELECT d, count(*) AS n FROM ty GROUP BY d EXCEPT SELECT d, count(*) FROM ty "
                            "WHERE b = 1 GROUP BY d");
  ASSERT_NO_FATAL_FAILURE(create_all(sts));
  conn().exec("SET DateStyle = 'ISO, MDY'");
  const std::string d = "SELECT d, n FROM ty_d ORDER BY d NULLS LAST";
  const std::string f = "SELECT f, n FROM ty_f ORDER BY f NULLS LAST";
  const std::string u = "SELECT u, n FROM ty_u ORDER BY u NULLS LAST";
  const std::string ex = "SELECT d, n FROM ty_ex ORDER BY d NULLS LAST";
  EXPECT_EQ(text_of(d), "2024-02-29,2;NULL,1");
  EXPECT_EQ(text_of(f), "t,2;NULL,1");
  EXPECT_EQ(text_of(u), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,2;NULL,1");
  EXPECT_EQ(text_of(ex), "2024-02-29,2;NULL,1");

  step(sts, {"UPDATE ty SET d = '2024-03-01', f = false, u = NULL WHERE id = 2"});
  EXPECT_EQ(text_of(d), "2024-03-01,2;NULL,1");
  EXPECT_EQ(text_of(f), "t,2;NULL,1");
  EXPECT_EQ(text_of(u), "NULL,2");
  EXPECT_EQ(text_of(ex), "2024-03-01,2;NULL,1");

  step(sts, {"UPDATE ty SET d = NULL, f = NULL, u = 'b1eebc99-9c0b-4ef8-bb6d-6bb9bd380a22' WHERE id = 1"});
  EXPECT_EQ(text_of(d), "2024-03-01,2;NULL,2");
  EXPECT_EQ(text_of(f), "NULL,1");  // rows 1 and 3, both b = 1
  EXPECT_EQ(text_of(u), "b1eebc99-9c0b-4ef8-bb6d-6bb9bd380a22,2;NULL,2");
  EXPECT_EQ(text_of(ex), "2024-03-01,2;NULL,2");

  step(sts, {"DELETE FROM ty WHERE b = 2"});
  EXPECT_EQ(text_of(d), "NULL,1");
  EXPECT_EQ(text_of(f), "NULL,1");
  EXPECT_EQ(text_of(u), "NULL,1");
  EXPECT_EQ(text_of(ex), "");
}

// Tables, columns and outputs with names that need quoting (blanks, upper
// case, a keyword, a quote), the partition column among them.
TEST_F(NestedGroupingEdge, IdentifiersThatNeedQuoting) {
  conn().exec(R"(CREATE TABLE "Order Lines" ("Id" int PRIMARY KEY, "Key" int, "select" int, "it's" text))");
  conn().exec(R"(CREATE TABLE "order" ("Key" int, "from" int))");
  conn().exec(R"(INSERT INTO "Order Lines" VALUES (1, 1, 1, 'a'), (2, 1, 2, 'b'), (3, 2, 1, 'c'))");
  conn().exec(R"(INSERT INTO "order" VALUES (1, 5), (2, 6), (2, 7))");
  const StList sts{
      {"Quoted HD", R"(SELECT "Key" AS "My Key", count(*) AS "count" FROM (SELECT DISTINCT "Key", "select" )"
                    R"(FROM "Order Lines") s GROUP BY "Key" HAVING count(*) > 1)"},
      {"quoted_join", R"(SELECT o."Key", o."n", l."sum" FROM )"
                      R"((SELECT "Key", count(*) AS "n" FROM "order" GROUP BY "Key") o )"
                      R"(JOIN (SELECT "Key", sum("select") AS "sum", max("it's") AS "it's" FROM "Order Lines" )"
                      R"(GROUP BY "Key") l ON l."Key" = o."Key")"},
  };
  for (const auto& [st, q] : sts) {
    SCOPED_TRACE(st);
    ASSERT_TRUE(create_differential(conn(), quote_ident(st), q));
  }
  auto check = [&](const std::vector<std::string>& statements) {
    run_in_transaction(conn(), statements);
    for (const auto& [st, q] : sts) {
      SCOPED_TRACE(st);
      EXPECT_TRUE(refresh_matches(conn(), quote_ident(st), q));
      EXPECT_EQ(last_refresh(conn(), quote_ident(st)).action, "DIFFERENTIAL");
    }
  };
  EXPECT_EQ(text_of(R"(SELECT "My Key", "count" FROM "Quoted HD")"), "1,2");
  EXPECT_EQ(text_of(R"(SELECT "Key", n, "sum" FROM quoted_join ORDER BY 1)"), "1,1,3;2,2,1");
  check({R"(INSERT INTO "Order Lines" VALUES (4, 2, 5, 'd'))", R"(DELETE FROM "order" WHERE "from" = 5)"});
  EXPECT_EQ(text_of(R"(SELECT "My Key", "count" FROM "Quoted HD" ORDER BY 1)"), "1,2;2,2");
  EXPECT_EQ(text_of(R"(SELECT "Key", n, "sum" FROM quoted_join ORDER BY 1)"), "2,2,6");
  check({R"(UPDATE "Order Lines" SET "Key" = 3 WHERE "Id" = 1)", R"(INSERT INTO "order" VALUES (3, 8))"});
  EXPECT_EQ(text_of(R"(SELECT "My Key", "count" FROM "Quoted HD" ORDER BY 1)"), "2,2");
  EXPECT_EQ(text_of(R"(SELECT "Key", n, "sum" FROM quoted_join ORDER BY 1)"), "2,2,6;3,1,1");
}

// --- Set operations -----------------------------------------------------------------

// EXCEPT / INTERSECT / UNION / UNION ALL / EXCEPT ALL of aggregates: a key's
// row shows or hides as the two sides' counts meet and part.
TEST_F(NestedGroupingEdge, SetOperationsOfAggregatesAsCountsMeetAndPart) {
  conn().exec("CREATE TABLE ca (id int PRIMARY KEY, k text)");
  conn().exec("CREATE TABLE cb (k text)");
  conn().exec("INSERT INTO ca VALUES (1, 'x'), (2, 'x'), (3, 'y')");
  conn().exec("INSERT INTO cb VALUES ('x'), ('y'), ('y')");
  const std::string a = "SELECT k, count(*) AS n FROM ca GROUP BY k";
  const std::string b = "SELECT k, count(*) FROM cb GROUP BY k";
  const StList sts{
      {"c_ex", a + " EXCEPT " + b},
      {"c_in", a + " INTERSECT " + b},
      {"c_un", a + " UNION " + b},
      {"c_ua", a + " UNION ALL " + b},
      {"c_ea", "SELECT k FROM ca GROUP BY k, id % 2 EXCEPT ALL SELECT k FROM cb GROUP BY k"},
  };
  ASSERT_NO_FATAL_FAILURE(create_all(sts));
  auto rows = [&](const std::string& st) { return text_of("SELECT * FROM (SELECT " + st_user_columns(conn(), st) +
                                                          " FROM " + st + ") s ORDER BY 1, 2"); };
  auto keys = [&]() { return text_of("SELECT k FROM c_ea ORDER BY k"); };
  EXPECT_EQ(rows("c_ex"), "x,2;y,1");
  EXPECT_EQ(rows("c_in"), "");
  EXPECT_EQ(rows("c_un"), "x,1;x,2;y,1;y,2");
  EXPECT_EQ(rows("c_ua"), "x,1;x,2;y,1;y,2");
  EXPECT_EQ(keys(), "x");

  step(sts, {"INSERT INTO cb VALUES ('x')"});
  EXPECT_EQ(rows("c_ex"), "y,1");
  EXPECT_EQ(rows("c_in"), "x,2");
  EXPECT_EQ(rows("c_un"), "x,2;y,1;y,2");
  EXPECT_EQ(rows("c_ua"), "x,2;x,2;y,1;y,2");
  EXPECT_EQ(keys(), "x");

  step(sts, {"DELETE FROM ca WHERE id = 3"});
  EXPECT_EQ(rows("c_ex"), "");
  EXPECT_EQ(rows("c_in"), "x,2");
  EXPECT_EQ(rows("c_un"), "x,2;y,2");
  EXPECT_EQ(rows("c_ua"), "x,2;x,2;y,2");
  EXPECT_EQ(keys(), "x");

  step(sts, {"UPDATE ca SET k = 'y' WHERE id = 2"});
  EXPECT_EQ(rows("c_ex"), "x,1;y,1");
  EXPECT_EQ(rows("c_in"), "");
  EXPECT_EQ(rows("c_un"), "x,1;x,2;y,1;y,2");
  EXPECT_EQ(keys(), "");

  step(sts, {"INSERT INTO ca VALUES (4, 'y')"});
  EXPECT_EQ(rows("c_ex"), "x,1");
  EXPECT_EQ(rows("c_in"), "y,2");
  EXPECT_EQ(keys(), "");

  step(sts, {"INSERT INTO ca VALUES (5, 'y')"});
  EXPECT_EQ(rows("c_ex"), "x,1;y,3");
  EXPECT_EQ(rows("c_in"), "");
  EXPECT_EQ(rows("c_ua"), "x,1;x,2;y,2;y,3");
  EXPECT_EQ(keys(), "y");
}

// (A EXCEPT B) UNION C and A INTERSECT B INTERSECT C over three tables; NULLs
// are equal in set operations.
TEST_F(NestedGroupingEdge, SetOperationsOfSetOperations) {
  conn().exec("CREATE TABLE sa (id int PRIMARY KEY, k int, v text)");
  conn().exec("CREATE TABLE sb (k int, v text)");
  conn().exec("CREATE TABLE sc (id int PRIMARY KEY, k int, v text)");
  conn().exec("INSERT INTO sa VALUES (1, 1, 'p'), (2, 2, 'p'), (3, 3, NULL)");
  conn().exec("INSERT INTO sb VALUES (1, 'p'), (3, NULL)");
  conn().exec("INSERT INTO sc VALUES (1, 3, NULL), (2, 4, 'q')");
  const StList sts{
      {"s_eu", "(SELECT k, v FROM sa EXCEPT SELECT k, v FROM sb) UNION SELECT k, v FROM sc"},
      {"s_iii", "SELECT k, v FROM sa INTERSECT SELECT k, v FROM sb INTERSECT SELECT k, v FROM sc"},
  };
  ASSERT_NO_FATAL_FAILURE(create_all(sts));
  const std::string eu = "SELECT k, v FROM s_eu ORDER BY k";
  const std::string iii = "SELECT k, v FROM s_iii ORDER BY k";
  EXPECT_EQ(text_of(eu), "2,p;3,NULL;4,q");
  EXPECT_EQ(text_of(iii), "3,NULL");

  step(sts, {"DELETE FROM sc WHERE id = 1"});
  EXPECT_EQ(text_of(eu), "2,p;4,q");
  EXPECT_EQ(text_of(iii), "");

  step(sts, {"DELETE FROM sb WHERE k = 3"});
  EXPECT_EQ(text_of(eu), "2,p;3,NULL;4,q");
  EXPECT_EQ(text_of(iii), "");

  step(sts, {"INSERT INTO sc VALUES (3, 1, 'p')"});
  EXPECT_EQ(text_of(eu), "1,p;2,p;3,NULL;4,q");
  EXPECT_EQ(text_of(iii), "1,p");

  step(sts, {"INSERT INTO sb VALUES (2, 'p'), (4, 'q')"});
  EXPECT_EQ(text_of(eu), "1,p;3,NULL;4,q");
  EXPECT_EQ(text_of(iii), "1,p");

  step(sts, {"UPDATE sa SET k = 4, v = 'q' WHERE id = 2"});
  EXPECT_EQ(text_of(eu), "1,p;3,NULL;4,q");
  EXPECT_EQ(text_of(iii), "1,p;4,q");
}

// --- Grouping over grouping -----------------------------------------------------------

// Three levels (a filter between two of them), and DISTINCT over GROUP BY at
// one level.
TEST_F(NestedGroupingEdge, ThreeLevelsAndDistinctOverGroupBy) {
  conn().exec("CREATE TABLE tl (id int PRIMARY KEY, g int, h int, i int, v int)");
  conn().exec("INSERT INTO tl VALUES (1, 1, 1, 1, 1), (2, 1, 1, 2, 1), (3, 1, 2, 1, 0), (4, 1, 2, 1, 2), "
              "(5, 2, 1, 1, 0), (6, 2, 1, 1, 0), (7, 2, 2, 1, 3)");
  const StList sts{
      {"tl_3", "SELECT r.g, count(*) AS hs, sum(r.c) AS c FROM (SELECT s.g, s.h, count(*) AS c FROM "
               "(SELECT g, h, i, sum(v) AS sv FROM tl GROUP BY g, h, i) s WHERE s.sv > 0 GROUP BY s.g, s.h) r "
               "GROUP BY r.g"},
      {"tl_d", "SELECT DISTINCT g FROM tl GROUP BY g, h HAVING count(*) > 1"},
  };
  ASSERT_NO_FATAL_FAILURE(create_all(sts));
  const std::string t3 = "SELECT g, hs, c FROM tl_3 ORDER BY g";
  const std::string d = "SELECT g FROM tl_d ORDER BY g";
  // g 1: (h 1: i 1, i 2 both > 0), (h 2: i 1 sum 2) -> 2 hs, 3 i's. g 2: (1,1) sum 0 is out, (2,1) in.
  EXPECT_EQ(text_of(t3), "1,2,3;2,1,1");
  EXPECT_EQ(text_of(d), "1;2");

  // (2, 1, 1) sum becomes positive: g 2 gains an h.
  step(sts, {"UPDATE tl SET v = 5 WHERE id = 5"});
  EXPECT_EQ(text_of(t3), "1,2,3;2,2,2");
  EXPECT_EQ(text_of(d), "1;2");

  // (1, 2, 1) drops to 0 (one row deleted, the other updated): g 1 loses h 2.
  step(sts, {"DELETE FROM tl WHERE id = 4", "UPDATE tl SET v = 0 WHERE id = 3"});
  EXPECT_EQ(text_of(t3), "1,1,2;2,2,2");
  EXPECT_EQ(text_of(d), "1;2");

  // g 2 has one row per h left: it leaves tl_d.
  step(sts, {"DELETE FROM tl WHERE id = 6"});
  EXPECT_EQ(text_of(t3), "1,1,2;2,2,2");
  EXPECT_EQ(text_of(d), "1");

  // Everything of g 1 moves to g 3.
  step(sts, {"UPDATE tl SET g = 3 WHERE g = 1"});
  EXPECT_EQ(text_of(t3), "2,2,2;3,1,2");
  EXPECT_EQ(text_of(d), "3");
}

// --- Joins with aggregated subqueries ---------------------------------------------------

// An aggregate joined to a dimension table on its key: changes of the
// dimension (new row, key update, label update) touch the partitions too.
TEST_F(NestedGroupingEdge, AggregateJoinedToDimension) {
  conn().exec("CREATE TABLE dd (id int PRIMARY KEY, label text)");
  conn().exec("CREATE TABLE df (k int, x numeric)");
  conn().exec("INSERT INTO dd VALUES (1, 'a'), (2, 'b')");
  conn().exec("INSERT INTO df VALUES (1, 1.5), (1, 2.5), (2, 4), (3, 9)");
  // dj_x: the join compares bigint with int (no partition column through
  // it: recomputed whole); the same rows.
  const StList sts{{"dj", "SELECT d.id, d.label, s.total, s.n FROM dd d JOIN "
                          "(SELECT k, sum(x) AS total, count(*) AS n FROM df GROUP BY k) s ON s.k = d.id"},
                   {"dj_x", "SELECT d.id, d.label, s.total, s.n FROM dd d JOIN (SELECT k::bigint AS k, "
                            "sum(x) AS total, count(*) AS n FROM df GROUP BY 1) s ON s.k = d.id"}};
  ASSERT_NO_FATAL_FAILURE(create_all(sts));
  const std::string st = "SELECT id, label, total, n FROM dj ORDER BY id";
  const std::string st_x = "SELECT id, label, total, n FROM dj_x ORDER BY id";
  EXPECT_EQ(text_of(st), "1,a,4.0,2;2,b,4,1");

  step(sts, {"INSERT INTO dd VALUES (3, 'c')"});
  EXPECT_EQ(text_of(st), "1,a,4.0,2;2,b,4,1;3,c,9,1");
  step(sts, {"UPDATE dd SET id = 4 WHERE id = 1"});
  EXPECT_EQ(text_of(st), "2,b,4,1;3,c,9,1");
  step(sts, {"INSERT INTO df VALUES (4, 0.25)"});
  EXPECT_EQ(text_of(st), "2,b,4,1;3,c,9,1;4,a,0.25,1");
  step(sts, {"UPDATE dd SET label = 'B' WHERE id = 2"});
  EXPECT_EQ(text_of(st), "2,B,4,1;3,c,9,1;4,a,0.25,1");
  step(sts, {"DELETE FROM df WHERE k = 3", "INSERT INTO df VALUES (3, 1)"});
  EXPECT_EQ(text_of(st), "2,B,4,1;3,c,1,1;4,a,0.25,1");
  step(sts, {"UPDATE df SET k = 2 WHERE k = 4"});
  EXPECT_EQ(text_of(st), "2,B,4.25,2;3,c,1,1");
  EXPECT_EQ(text_of(st_x), "2,B,4.25,2;3,c,1,1");
}

// The dimension is preserved by a LEFT JOIN: a dimension row without facts
// shows NULL aggregates, and goes back to them when its facts go.
TEST_F(NestedGroupingEdge, LeftJoinDimensionKeepsRowsWithoutFacts) {
  conn().exec("CREATE TABLE ld (id int PRIMARY KEY, label text)");
  conn().exec("CREATE TABLE lf (id int PRIMARY KEY, k int, x int)");
  conn().exec("INSERT INTO ld VALUES (1, 'one'), (2, 'two'), (3, 'three')");
  conn().exec("INSERT INTO lf VALUES (1, 1, 10), (2, 1, 5), (3, 2, 7), (4, 9, 100)");
  const StList sts{{"lj", "SELECT d.id, d.label, s.total, coalesce(s.n, 0) AS n FROM ld d LEFT JOIN "
                          "(SELECT k, sum(x) AS total, count(*) AS n FROM lf GROUP BY k) s ON s.k = d.id"}};
  ASSERT_NO_FATAL_FAILURE(create_all(sts));
  const std::string st = "SELECT id, label, total, n FROM lj ORDER BY id";
  EXPECT_EQ(text_of(st), "1,one,15,2;2,two,7,1;3,three,NULL,0");

  step(sts, {"INSERT INTO lf VALUES (5, 3, 1)"});
  EXPECT_EQ(text_of(st), "1,one,15,2;2,two,7,1;3,three,1,1");
  step(sts, {"DELETE FROM lf WHERE k = 1"});
  EXPECT_EQ(text_of(st), "1,one,NULL,0;2,two,7,1;3,three,1,1");
  step(sts, {"UPDATE lf SET k = 1 WHERE id = 4"});
  EXPECT_EQ(text_of(st), "1,one,100,1;2,two,7,1;3,three,1,1");
  step(sts, {"DELETE FROM ld WHERE id = 2"});
  EXPECT_EQ(text_of(st), "1,one,100,1;3,three,1,1");
  step(sts, {"INSERT INTO ld VALUES (9, 'nine'), (2, 'deux')", "UPDATE lf SET x = NULL WHERE id = 3"});
  EXPECT_EQ(text_of(st), "1,one,100,1;2,deux,NULL,1;3,three,1,1;9,nine,NULL,0");
  step(sts, {"UPDATE ld SET id = 7 WHERE id = 1"});
  EXPECT_EQ(text_of(st), "2,deux,NULL,1;3,three,1,1;7,one,NULL,0;9,nine,NULL,0");
}

// --- Whole recompute (no partition column) --------------------------------------------

// A scalar aggregate over a grouping has no partition column: it is
// recomputed whole, still by a DIFFERENTIAL refresh, and shows exactly one
// row also over an empty table. A grouping whose key is an aggregate of the
// level below (a histogram) has none either.
TEST_F(NestedGroupingEdge, WholeRecomputeOverEmptyTable) {
  conn().exec("CREATE TABLE se (id int PRIMARY KEY, a int, k int)");
  const StList sts{
      {"se_cd", "SELECT count(*) AS n FROM (SELECT DISTINCT a FROM se) s"},
      {"se_sm", "SELECT sum(c) AS sc, max(c) AS mc FROM (SELECT k, count(*) AS c FROM se GROUP BY k) s"},
      {"se_hist", "SELECT s.c, count(*) AS keys FROM (SELECT k, count(*) AS c FROM se GROUP BY k) s GROUP BY s.c"},
  };
  ASSERT_NO_FATAL_FAILURE(create_all(sts));
  const std::string cd = "SELECT n FROM se_cd";
  const std::string sm = "SELECT sc, mc FROM se_sm";
  const std::string hist = "SELECT c, keys FROM se_hist ORDER BY c";
  EXPECT_EQ(text_of(cd), "0");
  EXPECT_EQ(text_of(sm), "NULL,NULL");
  EXPECT_EQ(text_of(hist), "");

  step(sts, {"INSERT INTO se VALUES (1, 1, 1), (2, 1, 1), (3, NULL, 2), (4, 2, NULL)"});
  EXPECT_EQ(text_of(cd), "3");
  EXPECT_EQ(text_of(sm), "4,2");
  EXPECT_EQ(text_of(hist), "1,2;2,1");

  step(sts, {"DELETE FROM se WHERE id = 2"});
  EXPECT_EQ(text_of(cd), "3");
  EXPECT_EQ(text_of(sm), "3,1");
  EXPECT_EQ(text_of(hist), "1,3");

  step(sts, {"DELETE FROM se"});
  EXPECT_EQ(text_of(cd), "0");
  EXPECT_EQ(text_of(sm), "NULL,NULL");
  EXPECT_EQ(text_of(hist), "");

  // Inserted and deleted in one transaction over the empty table.
  step(sts, {"INSERT INTO se VALUES (5, 5, 5)", "DELETE FROM se WHERE id = 5"}, true);
  EXPECT_EQ(text_of(cd), "0");
  EXPECT_EQ(text_of(sm), "NULL,NULL");

  step(sts, {"INSERT INTO se VALUES (6, 7, 7)"});
  EXPECT_EQ(text_of(cd), "1");
  EXPECT_EQ(text_of(sm), "1,1");
  EXPECT_EQ(text_of(hist), "1,1");
}

// --- Refresh paths ------------------------------------------------------------------------

// TRUNCATE of a source: the next refresh recomputes in FULL (with a reason)
// and is right; the changes after it are applied by delta again.
TEST_F(NestedGroupingEdge, TruncateOfSourceRefreshesFull) {
  conn().exec("CREATE TABLE tr (id int PRIMARY KEY, k int, b int)");
  conn().exec("CREATE TABLE tr2 (k int)");
  conn().exec("INSERT INTO tr VALUES (1, 1, 1), (2, 1, 2), (3, 2, 1)");
  conn().exec("INSERT INTO tr2 VALUES (1), (2), (2)");
  const StList sts{
      {"tr_hd", "SELECT k, count(*) AS n FROM (SELECT DISTINCT k, b FROM tr) s GROUP BY k HAVING count(*) > 1"},
      {"tr_ex", "SELECT k, count(*) AS n FROM tr GROUP BY k EXCEPT SELECT k, count(*) FROM tr2 GROUP BY k"},
      {"tr_cd", "SELECT count(*) AS n FROM (SELECT DISTINCT k FROM tr) s"},
  };
  ASSERT_NO_FATAL_FAILURE(create_all(sts));
  EXPECT_EQ(text_of("SELECT k, n FROM tr_hd"), "1,2");
  EXPECT_EQ(text_of("SELECT k, n FROM tr_ex ORDER BY k"), "1,2;2,1");
  EXPECT_EQ(text_of("SELECT n FROM tr_cd"), "2");

  conn().exec("TRUNCATE tr");
  for (const auto& [st, q] : sts) {
    SCOPED_TRACE(st);
    EXPECT_TRUE(refresh_matches(conn(), st, q, Expect::Full));
    const RefreshRecord r = last_refresh(conn(), st);
    EXPECT_TRUE(r.reason && !r.reason->empty()) << describe(r);
  }
  EXPECT_EQ(text_of("SELECT count(*) FROM tr_hd"), "0");
  EXPECT_EQ(text_of("SELECT count(*) FROM tr_ex"), "0");
  EXPECT_EQ(text_of("SELECT n FROM tr_cd"), "0");

  step(sts, {"INSERT INTO tr VALUES (4, 5, 1), (5, 5, 2)"});
  EXPECT_EQ(text_of("SELECT k, n FROM tr_hd"), "5,2");
  EXPECT_EQ(text_of("SELECT k, n FROM tr_ex"), "5,2");
  EXPECT_EQ(text_of("SELECT n FROM tr_cd"), "1");

  // TRUNCATE and refill of the other side in one transaction.
  run_in_transaction(conn(), {"TRUNCATE tr2", "INSERT INTO tr2 VALUES (5), (5)"});
  EXPECT_TRUE(refresh_matches(conn(), "tr_ex", sts[1].second, Expect::Full));
  EXPECT_EQ(text_of("SELECT count(*) FROM tr_ex"), "0");
  step(sts, {"DELETE FROM tr2 WHERE ctid = (SELECT min(ctid) FROM tr2)"}, true);
  EXPECT_EQ(text_of("SELECT k, n FROM tr_ex"), "5,2");
}

// Refresh history: every refresh of these shapes after a change is recorded
// as DIFFERENTIAL (none FULL), and a change to one partition out of 50
// rewrites only that partition's row (at most one row deleted and one
// inserted; a whole recompute would rewrite all 50).
TEST_F(NestedGroupingEdge, RefreshesAreRecordedAsDifferential) {
  conn().exec("CREATE TABLE big (id int PRIMARY KEY, a int, b int)");
  conn().exec("CREATE TABLE big2 (id int PRIMARY KEY, a int, v int)");
  conn().exec("INSERT INTO big SELECT i, i % 50, i % 3 FROM generate_series(1, 200) i");
  conn().exec("INSERT INTO big2 SELECT i, i % 50, i FROM generate_series(1, 50) i");
  conn().exec("CREATE TABLE dimx (id int PRIMARY KEY)");
  conn().exec("INSERT INTO dimx SELECT i FROM generate_series(0, 59) i");
  conn().exec("ANALYZE big");
  conn().exec("ANALYZE big2");
  conn().exec("ANALYZE dimx");
  const StList partitioned{
      {"h_hd", "SELECT a, count(*) AS n FROM (SELECT DISTINCT a, b FROM big) s GROUP BY a"},
      {"h_ex", "SELECT a, count(*) AS n FROM big GROUP BY a EXCEPT SELECT a, count(*) FROM big2 GROUP BY a"},
      {"h_two", "SELECT s.a, count(*) AS bs, sum(s.n) AS n FROM (SELECT a, b, count(*) AS n FROM big GROUP BY a, b) s "
                "GROUP BY s.a"},
      {"h_j", "SELECT x.a, x.n, y.sv FROM (SELECT a, count(*) AS n FROM big GROUP BY a) x "
              "JOIN (SELECT a, sum(v) AS sv FROM big2 GROUP BY a) y ON x.a = y.a"},
      {"h_lj", "SELECT d.id, s.n FROM dimx d LEFT JOIN (SELECT a, count(*) AS n FROM big GROUP BY a) s ON s.a = d.id"},
      {"h_3", "SELECT r.a, count(*) AS c FROM (SELECT s.a, s.b FROM (SELECT a, b, count(*) AS n FROM big "
              "GROUP BY a, b) s GROUP BY s.a, s.b) r GROUP BY r.a"},
  };
  const StList whole{{"h_cd", "SELECT count(*) AS n FROM (SELECT DISTINCT a FROM big) s"}};
  StList all = partitioned;
  all.insert(all.end(), whole.begin(), whole.end());
  ASSERT_NO_FATAL_FAILURE(create_all(all));
  EXPECT_EQ(text_of("SELECT count(*) FROM h_hd"), "50");
  EXPECT_EQ(text_of("SELECT count(*) FROM h_ex"), "50");

  const std::vector<std::vector<std::string>> changes{
      {"INSERT INTO big VALUES (1001, 7, 5)"},                   // partition 7 grows
      {"DELETE FROM big WHERE a = 9"},                           // partition 9 vanishes
      {"UPDATE big SET b = 4 WHERE id = 13"},                    // partition 13, values only
      {"UPDATE big SET a = 60 WHERE a = 11", "DELETE FROM big2 WHERE a = 11"},  // 11 becomes 60
  };
  for (const std::vector<std::string>& change : changes) {
    step(all, change);
    for (const auto& [st, q] : partitioned) {
      SCOPED_TRACE(st + " after " + change[0]);
      const long long n = rows_changed(st);
      EXPECT_LE(n, 2) << describe(last_refresh(conn(), st));
    }
    EXPECT_LE(rows_changed("h_cd"), 2) << describe(last_refresh(conn(), "h_cd"));
  }
  EXPECT_EQ(text_of("SELECT a, n FROM h_hd WHERE a IN (7, 9, 11, 13, 60) ORDER BY a"), "7,4;13,4;60,3");
  EXPECT_EQ(text_of("SELECT a, n FROM h_j WHERE a IN (7, 9, 11, 13, 60) ORDER BY a"), "7,5;13,4");
  EXPECT_EQ(text_of("SELECT id, n FROM h_lj WHERE id IN (7, 9, 11, 13) ORDER BY id"), "7,5;9,NULL;11,NULL;13,4");
  EXPECT_EQ(text_of("SELECT a, c FROM h_3 WHERE a IN (7, 9, 11, 13, 60) ORDER BY a"), "7,4;13,4;60,3");
  EXPECT_EQ(text_of("SELECT n FROM h_cd"), "49");
  EXPECT_EQ(text_of("SELECT action, status FROM pgtrickle.get_refresh_history('h_ex', 1)"), "DIFFERENTIAL,COMPLETED");

  // Nothing pending: NO_DATA, nothing changes.
  EXPECT_TRUE(refresh_matches(conn(), "h_two", partitioned[2].second));
  EXPECT_EQ(last_refresh(conn(), "h_two").action, "NO_DATA");

  for (const auto& [st, q] : all) {
    SCOPED_TRACE(st);
    const std::map<std::string, int> actions = refresh_action_counts(conn(), st);
    EXPECT_EQ(actions.count("FULL"), 0u) << ::testing::PrintToString(actions);
    EXPECT_EQ(actions.count("DIFFERENTIAL") ? actions.at("DIFFERENTIAL") : 0, static_cast<int>(changes.size()))
        << ::testing::PrintToString(actions);
    for (const RefreshRecord& r : refresh_history(conn(), st)) EXPECT_EQ(r.status, "COMPLETED") << describe(r);
  }
}

// --- Refusals -----------------------------------------------------------------------------

struct Unsupported {
  std::string name;
  std::string query;
  std::vector<std::string> words;  // one of them must appear in the message or hint
};

// What DIFFERENTIAL does not maintain above or inside a grouping: refused
// with 0A000 and a HINT naming the construct, no catalog row and no relation
// left; AUTO creates the same stream table with FULL maintenance, a WARNING
// and a recorded reason, and keeps it right.
TEST_F(NestedGroupingEdge, UnsupportedShapesRefusedInDifferentialFullInAuto) {
  conn().exec("CREATE TABLE us (id int PRIMARY KEY, k int, v int)");
  conn().exec("INSERT INTO us SELECT i, i % 4, i % 7 FROM generate_series(1, 20) i");
  const std::vector<Unsupported> cases{
      {"u_recursive_over_grouped",
       "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) "
       "SELECT s.n, count(*) AS c FROM (SELECT k, count(*) AS n FROM us GROUP BY k) s JOIN r ON r.n = s.n GROUP BY s.n",
       {"recursive"}},
      {"u_lateral_over_grouped",
       "SELECT s.k, g.i FROM (SELECT k, count(*) AS n FROM us GROUP BY k) s, LATERAL generate_series(1, s.n::int) g(i)",
       {"lateral", "functions"}},
  };
  for (const Unsupported& c : cases) refused_then_full_in_auto(c.name, c.query, c.words);
  // The AUTO (FULL) stream tables follow changes.
  run_in_transaction(conn(), {"UPDATE us SET k = 9 WHERE id IN (1, 2)", "DELETE FROM us WHERE id = 4",
                              "INSERT INTO us VALUES (21, NULL, 0), (22, 3, -1)"});
  for (const Unsupported& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_TRUE(refresh_matches(conn(), c.name, c.query, Expect::Full));
  }
}

}  // namespace
}  // namespace pgt_e2e
