// Deterministic DIFFERENTIAL probes of set operations: rows entering and
// leaving INTERSECT / EXCEPT / UNION through one input while the other holds
// (or loses) the same row, NULL rows (equal in set operations), exact
// duplicate counts of UNION ALL, the form shown for equal values of different
// forms (1.0 / 1.00, -0 / 0, char(2) / char(4)), source columns named like
// words the generated SQL and the capture trigger use (count, old, new, ...),
// shapes at the edge of what is supported (right, or refused), and the shapes
// DIFFERENTIAL refuses (0A000 with a HINT; AUTO falls back to FULL with a
// WARNING and a recorded reason).
//
// Every refresh after a change must record action DIFFERENTIAL, and after it
// the stream table equals its query as a multiset (by "=" and by text form,
// over the visible columns).
#include <gtest/gtest.h>

#include "adversarial_support.h"
#include "oracle.h"
#include "refresh_history.h"
#include "stream_table.h"

namespace pgt_e2e {
namespace {

class SetOpEdge : public AdversarialFixture {
 protected:
  // Creates the stream table in DIFFERENTIAL mode and checks it.
  void create(const std::string& st, const std::string& q) { ASSERT_TRUE(create_differential(conn(), st, q)); }

  // The statements in one transaction; refresh; the refresh took the
  // DIFFERENTIAL path; ST == query.
  ::testing::AssertionResult step(const std::string& st, const std::string& q,
                                  const std::vector<std::string>& statements, bool allow_no_data = false) {
    run_in_transaction(conn(), statements);
    const ExecOutcome refreshed = conn().try_exec(refresh_stream_table_sql(st));
    std::string after = "\n  after (one transaction):";
    for (const std::string& s : statements) after += "\n    " + s + ";";
    if (!refreshed.ok)
      return ::testing::AssertionFailure() << "refresh failed: [" << refreshed.sqlstate << "] " << refreshed.message
                                           << after;
    const RefreshRecord last = last_refresh(conn(), st);
    if (last.action != "DIFFERENTIAL" && !(allow_no_data && last.action == "NO_DATA"))
      return ::testing::AssertionFailure() << "refresh took " << describe(last) << after;
    ::testing::AssertionResult same = st_matches_query_exactly(conn(), st, q);
    if (!same) same << "\n  refresh: " << describe(last) << after;
    return same;
  }

  // Rows of the stream table where `where` holds.
  long long count_where(const std::string& st, const std::string& where) {
    return std::stoll(conn().scalar("SELECT count(*) FROM " + st + " WHERE " + where));
  }
};

// --- INTERSECT --------------------------------------------------------------

TEST_F(SetOpEdge, IntersectRowLeavesOneSideAndComesBack) {
  conn().exec("CREATE TABLE il (id int PRIMARY KEY, a int, b text)");
  conn().exec("CREATE TABLE ir (a int, b text)");
  conn().exec("INSERT INTO il VALUES (1, 1, 'p'), (2, NULL, NULL), (3, 2, 'q'), (4, 1, 'p')");
  conn().exec("INSERT INTO ir VALUES (1, 'p'), (1, 'p'), (NULL, NULL), (5, 'z')");
  const std::string st = "inter_st";
  const std::string q = "SELECT a, b FROM il INTERSECT SELECT a, b FROM ir";
  ASSERT_NO_FATAL_FAILURE(create(st, q));
  const std::string one_p = "a = 1 AND b = 'p'";
  const std::string nulls = "a IS NULL AND b IS NULL";
  EXPECT_EQ(count_where(st, one_p), 1);
  EXPECT_EQ(count_where(st, nulls), 1) << "NULL rows are equal in INTERSECT";
  EXPECT_EQ(count_where(st, "true"), 2);

  // One of two right-side copies goes: still present.
  EXPECT_TRUE(step(st, q, {"DELETE FROM ir WHERE ctid = (SELECT min(ctid) FROM ir WHERE a = 1)"}));
  EXPECT_EQ(count_where(st, one_p), 1);
  // The last right-side copy goes: gone, although two left rows remain.
  EXPECT_TRUE(step(st, q, {"DELETE FROM ir WHERE a = 1"}));
  EXPECT_EQ(count_where(st, one_p), 0);
  // Comes back on the right.
  EXPECT_TRUE(step(st, q, {"INSERT INTO ir VALUES (1, 'p')"}));
  EXPECT_EQ(count_where(st, one_p), 1);
  // Left side: one of two copies moves away (still present), then the other.
  EXPECT_TRUE(step(st, q, {"UPDATE il SET a = 9 WHERE id = 1"}));
  EXPECT_EQ(count_where(st, one_p), 1);
  EXPECT_TRUE(step(st, q, {"UPDATE il SET b = 'q' WHERE id = 4"}));
  EXPECT_EQ(count_where(st, one_p), 0);
  // And back by an update of the left side.
  EXPECT_TRUE(step(st, q, {"UPDATE il SET a = 1 WHERE id = 1"}));
  EXPECT_EQ(count_where(st, one_p), 1);
  // The NULL row leaves the left side, comes back as a new row.
  EXPECT_TRUE(step(st, q, {"DELETE FROM il WHERE id = 2"}));
  EXPECT_EQ(count_where(st, nulls), 0);
  EXPECT_TRUE(step(st, q, {"INSERT INTO il VALUES (7, NULL, NULL)"}));
  EXPECT_EQ(count_where(st, nulls), 1);
  // Leaves both sides in one transaction, and returns on both.
  EXPECT_TRUE(step(st, q, {"DELETE FROM il WHERE id = 7", "DELETE FROM ir WHERE a IS NULL"}));
  EXPECT_EQ(count_where(st, nulls), 0);
  EXPECT_TRUE(step(st, q, {"INSERT INTO ir VALUES (NULL, NULL)", "INSERT INTO il VALUES (8, NULL, NULL)"}));
  EXPECT_EQ(count_where(st, nulls), 1);
  // Gone and back within one transaction: unchanged.
  EXPECT_TRUE(step(st, q, {"DELETE FROM ir WHERE a = 1", "INSERT INTO ir VALUES (1, 'p')"}));
  EXPECT_EQ(count_where(st, one_p), 1);
  // A new pair appears on both sides at once (5, 'z' was only on the right).
  EXPECT_TRUE(step(st, q, {"INSERT INTO il VALUES (9, 5, 'z')"}));
  EXPECT_EQ(count_where(st, "a = 5 AND b = 'z'"), 1);
  EXPECT_EQ(count_where(st, "true"), 3);
}

// --- EXCEPT -----------------------------------------------------------------

TEST_F(SetOpEdge, ExceptRightGainsThenLosesTheRow) {
  conn().exec("CREATE TABLE el (id int PRIMARY KEY, a int, b text)");
  conn().exec("CREATE TABLE er (id int PRIMARY KEY, a int, b text)");
  conn().exec("INSERT INTO el VALUES (1, 1, 'p'), (2, 1, 'p'), (3, NULL, 'q'), (4, 2, NULL)");
  conn().exec("INSERT INTO er VALUES (100, 7, 'x')");
  const std::string st = "exc_st";
  const std::string q = "SELECT a, b FROM el EXCEPT SELECT a, b FROM er";
  ASSERT_NO_FATAL_FAILURE(create(st, q));
  const std::string one_p = "a = 1 AND b = 'p'";
  const std::string null_q = "a IS NULL AND b = 'q'";
  EXPECT_EQ(count_where(st, one_p), 1) << "EXCEPT is distinct";
  EXPECT_EQ(count_where(st, "true"), 3);

  // The right side gains the row: it vanishes (both left copies).
  EXPECT_TRUE(step(st, q, {"INSERT INTO er VALUES (101, 1, 'p')"}));
  EXPECT_EQ(count_where(st, one_p), 0);
  // A second right copy, then one right copy goes: still hidden.
  EXPECT_TRUE(step(st, q, {"INSERT INTO er VALUES (102, 1, 'p')"}));
  EXPECT_TRUE(step(st, q, {"DELETE FROM er WHERE id = 101"}));
  EXPECT_EQ(count_where(st, one_p), 0);
  // The right side loses it: it comes back.
  EXPECT_TRUE(step(st, q, {"DELETE FROM er WHERE id = 102"}));
  EXPECT_EQ(count_where(st, one_p), 1);
  // NULL in the right side hides the left NULL row (NULLs are equal).
  EXPECT_TRUE(step(st, q, {"INSERT INTO er VALUES (103, NULL, 'q')"}));
  EXPECT_EQ(count_where(st, null_q), 0);
  // The right row moves to another value by an update: the left row returns,
  // and the value it moved to (2, NULL) is hidden.
  EXPECT_TRUE(step(st, q, {"UPDATE er SET a = 2, b = NULL WHERE id = 103"}));
  EXPECT_EQ(count_where(st, null_q), 1);
  EXPECT_EQ(count_where(st, "a = 2 AND b IS NULL"), 0);
  // A left row moves onto a hidden value (no change shown), another moves off it.
  EXPECT_TRUE(step(st, q, {"UPDATE el SET a = 2, b = NULL WHERE id = 1"}));
  EXPECT_EQ(count_where(st, one_p), 1) << "row 2 still has (1, 'p')";
  EXPECT_TRUE(step(st, q, {"UPDATE el SET a = 3 WHERE id = 4"}));
  EXPECT_EQ(count_where(st, "a = 3 AND b IS NULL"), 1);
  // The right side gains and loses it in one transaction: nothing changes.
  EXPECT_TRUE(step(st, q, {"INSERT INTO er VALUES (104, 1, 'p')", "DELETE FROM er WHERE id = 104"}, true));
  EXPECT_EQ(count_where(st, one_p), 1);
  // Left and right lose it together, then the right alone gains it.
  EXPECT_TRUE(step(st, q, {"DELETE FROM el WHERE id = 2", "INSERT INTO er VALUES (105, 1, 'p')"}));
  EXPECT_EQ(count_where(st, one_p), 0);
  EXPECT_TRUE(step(st, q, {"INSERT INTO el VALUES (2, 1, 'p')"}));
  EXPECT_EQ(count_where(st, one_p), 0);
  EXPECT_TRUE(step(st, q, {"DELETE FROM er WHERE id = 105"}));
  EXPECT_EQ(count_where(st, one_p), 1);
}

// Both inputs read one table; an update moves a row between them.
TEST_F(SetOpEdge, ExceptRowMovesBetweenSidesOfOneTable) {
  conn().exec("CREATE TABLE em (id int PRIMARY KEY, v int, side int)");
  conn().exec("INSERT INTO em VALUES (1, 10, 0), (2, 20, 0), (3, 20, 1), (4, NULL, 0)");
  const std::string st = "exm_st";
  const std::string q = "SELECT v FROM em WHERE side = 0 EXCEPT SELECT v FROM em WHERE side = 1";
  ASSERT_NO_FATAL_FAILURE(create(st, q));
  EXPECT_EQ(count_where(st, "true"), 2);  // 10, NULL
  EXPECT_TRUE(step(st, q, {"UPDATE em SET side = 1 WHERE id = 1"}));
  EXPECT_EQ(count_where(st, "v = 10"), 0);
  EXPECT_TRUE(step(st, q, {"UPDATE em SET side = 0 WHERE id = 3"}));
  EXPECT_EQ(count_where(st, "v = 20"), 1);
  EXPECT_TRUE(step(st, q, {"INSERT INTO em VALUES (5, NULL, 1)"}));
  EXPECT_EQ(count_where(st, "v IS NULL"), 0);
  EXPECT_TRUE(step(st, q, {"UPDATE em SET side = 1 - side"}));  // swap everything
  EXPECT_EQ(count_where(st, "v = 10"), 1);
  EXPECT_EQ(count_where(st, "true"), 1);
}

// --- UNION (distinct) -------------------------------------------------------

TEST_F(SetOpEdge, UnionValueInBothBranchesNeedsBothDeleted) {
  conn().exec("CREATE TABLE ua (a int, b text)");
  conn().exec("CREATE TABLE ub (id int PRIMARY KEY, a int, b text)");
  conn().exec("INSERT INTO ua VALUES (1, 'x'), (1, 'x'), (NULL, NULL), (2, 'y')");
  conn().exec("INSERT INTO ub VALUES (10, 1, 'x'), (11, NULL, NULL), (12, 3, 'z')");
  const std::string st = "uni_st";
  const std::string q = "SELECT a, b FROM ua UNION SELECT a, b FROM ub";
  ASSERT_NO_FATAL_FAILURE(create(st, q));
  const std::string one_x = "a = 1 AND b = 'x'";
  const std::string nulls = "a IS NULL AND b IS NULL";
  EXPECT_EQ(count_where(st, one_x), 1);
  EXPECT_EQ(count_where(st, nulls), 1);
  EXPECT_EQ(count_where(st, "true"), 4);

  // One copy in the left branch goes, then the other: still there (right).
  EXPECT_TRUE(step(st, q, {"DELETE FROM ua WHERE ctid = (SELECT min(ctid) FROM ua WHERE a = 1)"}));
  EXPECT_EQ(count_where(st, one_x), 1);
  EXPECT_TRUE(step(st, q, {"DELETE FROM ua WHERE a = 1"}));
  EXPECT_EQ(count_where(st, one_x), 1) << "the right branch still has (1, 'x')";
  // The right branch loses it too: gone.
  EXPECT_TRUE(step(st, q, {"DELETE FROM ub WHERE id = 10"}));
  EXPECT_EQ(count_where(st, one_x), 0);
  // Back through an update of another row in the right branch.
  EXPECT_TRUE(step(st, q, {"UPDATE ub SET a = 1, b = 'x' WHERE id = 12"}));
  EXPECT_EQ(count_where(st, one_x), 1);
  EXPECT_EQ(count_where(st, "a = 3"), 0);
  // The NULL row: delete from the right (remains), then the left (vanishes).
  EXPECT_TRUE(step(st, q, {"DELETE FROM ub WHERE id = 11"}));
  EXPECT_EQ(count_where(st, nulls), 1);
  EXPECT_TRUE(step(st, q, {"DELETE FROM ua WHERE a IS NULL AND b IS NULL"}));
  EXPECT_EQ(count_where(st, nulls), 0);
  // Inserted on both sides in one transaction: once.
  EXPECT_TRUE(step(st, q, {"INSERT INTO ua VALUES (NULL, NULL), (NULL, NULL)", "INSERT INTO ub VALUES (13, NULL, NULL)"}));
  EXPECT_EQ(count_where(st, nulls), 1);
  // Moves from the left branch to the right in one transaction: still once.
  EXPECT_TRUE(step(st, q, {"DELETE FROM ua WHERE b = 'y'", "INSERT INTO ub VALUES (14, 2, 'y')"}));
  EXPECT_EQ(count_where(st, "a = 2 AND b = 'y'"), 1);
  EXPECT_EQ(count_where(st, "true"), 3);
}

// A UNION ALL B UNION C: the root is UNION, so the whole result is distinct.
TEST_F(SetOpEdge, UnionTreeIsDistinctOverAllBranches) {
  conn().exec("CREATE TABLE ta (x int)");
  conn().exec("CREATE TABLE tb (x int)");
  conn().exec("CREATE TABLE tc (id int PRIMARY KEY, x int)");
  conn().exec("INSERT INTO ta VALUES (1), (1), (2)");
  conn().exec("INSERT INTO tb VALUES (1), (3)");
  conn().exec("INSERT INTO tc VALUES (1, 3)");
  const std::string st = "tree_st";
  const std::string q = "SELECT x FROM ta UNION ALL SELECT x FROM tb UNION SELECT x FROM tc";
  ASSERT_NO_FATAL_FAILURE(create(st, q));
  EXPECT_EQ(count_where(st, "true"), 3);
  EXPECT_TRUE(step(st, q, {"DELETE FROM ta WHERE x = 1"}));
  EXPECT_EQ(count_where(st, "x = 1"), 1);
  EXPECT_TRUE(step(st, q, {"DELETE FROM tb WHERE x = 1"}));
  EXPECT_EQ(count_where(st, "x = 1"), 0);
  EXPECT_TRUE(step(st, q, {"DELETE FROM tb WHERE x = 3"}));
  EXPECT_EQ(count_where(st, "x = 3"), 1);
  EXPECT_TRUE(step(st, q, {"UPDATE tc SET x = NULL"}));
  EXPECT_EQ(count_where(st, "x = 3"), 0);
  EXPECT_EQ(count_where(st, "x IS NULL"), 1);
  EXPECT_TRUE(step(st, q, {"INSERT INTO ta VALUES (NULL), (NULL)", "INSERT INTO tb VALUES (NULL)"}));
  EXPECT_EQ(count_where(st, "x IS NULL"), 1);
}

// --- UNION ALL --------------------------------------------------------------

TEST_F(SetOpEdge, UnionAllKeepsExactDuplicateCounts) {
  conn().exec("CREATE TABLE da (v int, w text)");
  conn().exec("CREATE TABLE db (id int PRIMARY KEY, v int, w text)");
  conn().exec("INSERT INTO da VALUES (1, 'x'), (1, 'x'), (1, 'x'), (NULL, NULL)");
  conn().exec("INSERT INTO db VALUES (1, 1, 'x'), (2, 1, 'x'), (3, NULL, NULL)");
  const std::string st = "dup_st";
  const std::string q = "SELECT v, w FROM da UNION ALL SELECT v, w FROM db";
  ASSERT_NO_FATAL_FAILURE(create(st, q));
  const std::string one_x = "v = 1 AND w = 'x'";
  EXPECT_EQ(count_where(st, one_x), 5);
  EXPECT_EQ(count_where(st, "v IS NULL AND w IS NULL"), 2);

  // One keyless copy changes value.
  EXPECT_TRUE(step(st, q, {"UPDATE da SET w = 'y' WHERE ctid = (SELECT min(ctid) FROM da WHERE v = 1)"}));
  EXPECT_EQ(count_where(st, one_x), 4);
  EXPECT_EQ(count_where(st, "v = 1 AND w = 'y'"), 1);
  // Updates that change nothing (capture may drop them: NO_DATA is right).
  EXPECT_TRUE(step(st, q, {"UPDATE db SET v = v", "UPDATE da SET w = w WHERE w = 'x'"}, true));
  EXPECT_EQ(count_where(st, one_x), 4);
  // All keyless copies change at once, then back.
  EXPECT_TRUE(step(st, q, {"UPDATE da SET v = 2 WHERE v = 1"}));
  EXPECT_EQ(count_where(st, one_x), 2);
  EXPECT_EQ(count_where(st, "v = 2"), 3);
  EXPECT_TRUE(step(st, q, {"UPDATE da SET v = 1, w = 'x' WHERE v = 2"}));
  EXPECT_EQ(count_where(st, one_x), 5);
  // A keyed row changes key only (same visible values): counts unchanged.
  EXPECT_TRUE(step(st, q, {"UPDATE db SET id = 20 WHERE id = 2"}));
  EXPECT_EQ(count_where(st, one_x), 5);
  // NULL rows: one per branch; delete the keyed one, add two keyless.
  EXPECT_TRUE(step(st, q, {"DELETE FROM db WHERE id = 3", "INSERT INTO da VALUES (NULL, NULL), (NULL, NULL)"}));
  EXPECT_EQ(count_where(st, "v IS NULL AND w IS NULL"), 3);
  // Delete one keyless duplicate and insert an identical one: still 5.
  EXPECT_TRUE(step(st, q, {"DELETE FROM da WHERE ctid = (SELECT max(ctid) FROM da WHERE v = 1)",
                           "INSERT INTO da VALUES (1, 'x')"}));
  EXPECT_EQ(count_where(st, one_x), 5);
  EXPECT_EQ(count_where(st, "true"), 8);
}

// A self-union: one change feeds both branches.
TEST_F(SetOpEdge, UnionAllSelfUnionDoublesDuplicates) {
  conn().exec("CREATE TABLE su (v int, w text)");
  conn().exec("INSERT INTO su VALUES (1, 'x'), (1, 'x'), (2, 'y')");
  const std::string st = "self_st";
  const std::string q = "SELECT v, w FROM su UNION ALL SELECT v, w FROM su WHERE v < 2";
  ASSERT_NO_FATAL_FAILURE(create(st, q));
  EXPECT_EQ(count_where(st, "v = 1"), 4);
  EXPECT_TRUE(step(st, q, {"UPDATE su SET v = 2 WHERE ctid = (SELECT min(ctid) FROM su WHERE v = 1)"}));
  EXPECT_EQ(count_where(st, "v = 1"), 2);
  EXPECT_EQ(count_where(st, "v = 2"), 2);
  EXPECT_TRUE(step(st, q, {"UPDATE su SET v = 0"}));
  EXPECT_EQ(count_where(st, "v = 0"), 6);
  EXPECT_TRUE(step(st, q, {"DELETE FROM su WHERE w = 'x'"}));
  EXPECT_EQ(count_where(st, "true"), 2);
}

// An aggregate over a UNION ALL subquery: a group fed by both branches.
TEST_F(SetOpEdge, AggregateOverUnionAllGroupFedByBothBranches) {
  conn().exec("CREATE TABLE ga (g text, v int)");
  conn().exec("CREATE TABLE gb (id int PRIMARY KEY, g text, v int)");
  conn().exec("INSERT INTO ga VALUES ('a', 1), ('a', 1), ('b', NULL)");
  conn().exec("INSERT INTO gb VALUES (1, 'a', 5), (2, NULL, 2)");
  const std::string st = "agg_st";
  const std::string q = "SELECT g, count(*) AS n, sum(v) AS s FROM (SELECT g, v FROM ga UNION ALL SELECT g, v FROM gb) u "
                        "GROUP BY g";
  ASSERT_NO_FATAL_FAILURE(create(st, q));
  EXPECT_EQ(conn().scalar("SELECT n || '/' || s FROM agg_st WHERE g = 'a'"), "3/7");
  EXPECT_TRUE(step(st, q, {"DELETE FROM ga WHERE g = 'a'"}));
  EXPECT_EQ(conn().scalar("SELECT n || '/' || s FROM agg_st WHERE g = 'a'"), "1/5");
  EXPECT_TRUE(step(st, q, {"DELETE FROM gb WHERE g = 'a'"}));
  EXPECT_EQ(count_where(st, "g = 'a'"), 0);
  EXPECT_TRUE(step(st, q, {"INSERT INTO ga VALUES (NULL, 3)"}));
  EXPECT_EQ(conn().scalar("SELECT n || '/' || s FROM agg_st WHERE g IS NULL"), "2/5");
}

// --- Column and table names -----------------------------------------------------
// Source columns named like words the generated SQL and the capture trigger
// (PL/pgSQL) use: old, new, found, tg_op, count, op, sign, ... Writing to the
// sources must keep working, and the set operations stay right; the second
// branch lists the columns in another order under other names (set
// operations match columns by position).
// With `trigger_words`, the last four columns are named old, new, found and
// tg_op (PL/pgSQL trigger variables); without, old_, new_, found_, tg_op_.
void check_columns_named_like_internal_words(PgConn& conn, bool trigger_words);

TEST_F(SetOpEdge, SourceColumnsNamedLikeInternalWords) { check_columns_named_like_internal_words(conn(), false); }

TEST_F(SetOpEdge, SourceColumnsNamedLikeTriggerVariables) { check_columns_named_like_internal_words(conn(), true); }

void check_columns_named_like_internal_words(PgConn& conn, bool trigger_words) {
  const std::string x = trigger_words ? "" : "_";
  const std::string old = "old" + x, nw = "new" + x, found = "found" + x, tg_op = "tg_op" + x;
  const std::string cols = R"("count", op, sign, rid, d, side, "Weird Col", row_id, )" + old + ", " + nw + ", " +
                           found + ", " + tg_op;
  const std::string defs = R"("count" int, op text, sign int, rid int, d int, side int, "Weird Col" text, row_id int, )" +
                           old + " int, " + nw + " int, " + found + " int, " + tg_op + " text";
  conn.exec(R"(CREATE TABLE "Delta" ()" + defs + ")");
  conn.exec(R"(CREATE TABLE "new" (id int PRIMARY KEY, )" + defs + ")");
  conn.exec(R"(INSERT INTO "Delta" VALUES (1, 'a', 1, 1, 1, 0, 'x y', 1, 1, 1, 1, 'I'), )"
              R"((1, 'a', 1, 1, 1, 0, 'x y', 1, 1, 1, 1, 'I'), (2, NULL, 0, 2, 2, 1, NULL, 2, 2, 2, 2, NULL))");
  conn.exec(R"(INSERT INTO "new" VALUES (1, 1, 'a', 1, 1, 1, 0, 'x y', 1, 1, 1, 1, 'I'), )"
              R"((2, 3, 'c', 0, 3, 3, 1, 'z', 3, 3, 3, 3, 'U'))");
  const std::vector<std::pair<std::string, std::string>> cases{
      {"nm_ua", "SELECT " + cols + R"( FROM "Delta" UNION ALL SELECT )" + cols + R"( FROM "new")"},
      {"nm_u", "SELECT " + cols + R"( FROM "Delta" UNION SELECT )" + cols + R"( FROM "new")"},
      {"nm_i", "SELECT " + cols + R"( FROM "Delta" INTERSECT SELECT )" + cols + R"( FROM "new")"},
      {"nm_e", "SELECT " + cols + R"( FROM "Delta" EXCEPT SELECT )" + cols + R"( FROM "new")"},
      {"nm_swap", R"(SELECT "count" AS a, rid AS b, )" + old + R"( FROM "Delta" INTERSECT SELECT rid AS b, "count" AS a, )" +
                      nw + " AS " + old + R"( FROM "new")"},
      {"nm_agg", R"(SELECT u.op, count(*) AS "count", sum(u.d) AS d FROM (SELECT op, d FROM "Delta" UNION ALL )"
                 R"(SELECT op, d FROM "new") u GROUP BY u.op)"},
  };
  for (const auto& [st, q] : cases) {
    SCOPED_TRACE(st + ": " + q);
    ASSERT_TRUE(create_differential(conn, st, q));
  }
  const std::vector<std::vector<std::string>> changes{
      {R"(INSERT INTO "Delta" VALUES (3, 'c', 0, 3, 3, 1, 'z', 3, 3, 3, 3, 'U'))"},
      {R"(UPDATE "new" SET op = NULL, "Weird Col" = NULL, "count" = 2, rid = 1, )" + old + " = 2 WHERE id = 2"},
      {R"(DELETE FROM "Delta" WHERE ctid = (SELECT min(ctid) FROM "Delta"))"},
      {R"(UPDATE "Delta" SET )" + nw + " = " + nw + " + 1, " + tg_op + " = 'X'", R"(DELETE FROM "new" WHERE id = 1)"},
  };
  for (std::size_t i = 0; i < changes.size(); ++i) {
    SCOPED_TRACE("change " + std::to_string(i) + ": " + changes[i][0]);
    ExecOutcome written = conn.try_exec("BEGIN");
    for (const std::string& sql : changes[i]) {
      written = conn.try_exec(sql);
      if (!written.ok) break;
    }
    conn.try_exec(written.ok ? "COMMIT" : "ROLLBACK");
    EXPECT_TRUE(written.ok) << "writing to a source failed: [" << written.sqlstate << "] " << written.message;
    for (const auto& [st, q] : cases) {
      SCOPED_TRACE(st + ": " + q);
      conn.exec(refresh_stream_table_sql(st));
      EXPECT_TRUE(st_matches_query_exactly(conn, st, q));
      if (written.ok) {
        EXPECT_EQ(last_refresh(conn, st).action, "DIFFERENTIAL");
      }
    }
  }
}

// --- Equal values of different forms -----------------------------------------
// UNION / INTERSECT / EXCEPT output one row per group of equal values. When
// the only source row left has another form (1.0 after 1.00 is deleted), the
// stream table must show the form that exists, like the query does.

TEST_F(SetOpEdge, UnionShowsTheFormOfARemainingRowNumeric) {
  conn().exec("CREATE TABLE nfa (id int PRIMARY KEY, v numeric)");
  conn().exec("CREATE TABLE nfb (id int PRIMARY KEY, v numeric)");
  conn().exec("INSERT INTO nfa VALUES (1, 1.00)");
  conn().exec("INSERT INTO nfb VALUES (1, 1.0)");
  const std::string st = "nform_st";
  const std::string q = "SELECT v FROM nfa UNION SELECT v FROM nfb";
  const ExecOutcome created = conn().try_exec(create_stream_table_sql(st, q, "DIFFERENTIAL"));
  if (!created.ok) {  // refusing is also right (like interval / jsonb)
    EXPECT_EQ(created.sqlstate, "0A000") << created.message;
    EXPECT_FALSE(created.hint.empty());
    return;
  }
  ASSERT_TRUE(st_matches_query_exactly(conn(), st, q));
  EXPECT_TRUE(step(st, q, {"DELETE FROM nfa"}));
  EXPECT_EQ(conn().scalar("SELECT v::text FROM nform_st"), "1.0") << "the form of a deleted row lingers";
}

TEST_F(SetOpEdge, UnionShowsTheFormOfARemainingRowFloat) {
  conn().exec("CREATE TABLE ffa (id int PRIMARY KEY, v float8)");
  conn().exec("CREATE TABLE ffb (id int PRIMARY KEY, v float8)");
  conn().exec("INSERT INTO ffa VALUES (1, '-0')");
  conn().exec("INSERT INTO ffb VALUES (1, '0')");
  const std::string st = "fform_st";
  const std::string q = "SELECT v FROM ffa UNION SELECT v FROM ffb";
  const ExecOutcome created = conn().try_exec(create_stream_table_sql(st, q, "DIFFERENTIAL"));
  if (!created.ok) {
    EXPECT_EQ(created.sqlstate, "0A000") << created.message;
    EXPECT_FALSE(created.hint.empty());
    return;
  }
  ASSERT_TRUE(st_matches_query_exactly(conn(), st, q));
  EXPECT_TRUE(step(st, q, {"DELETE FROM ffa"}));
  EXPECT_EQ(conn().scalar("SELECT v::text FROM fform_st"), "0") << "the form of a deleted row lingers";
}

// char(n) values of different lengths are equal ('c' in char(2) = 'c' in
// char(4)) but keep their padding: the form shown must be one that exists.
// At every step below each value has one form in the sources (the query's
// choice between two forms would depend on its plan).
class SetOpEdgeForms : public SetOpEdge {
 protected:
  // Creates each stream table (or accepts a 0A000 refusal); returns the created ones.
  std::vector<std::pair<std::string, std::string>> create_all(
      const std::vector<std::pair<std::string, std::string>>& cases) {
    std::vector<std::pair<std::string, std::string>> created;
    for (const auto& [st, q] : cases) {
      SCOPED_TRACE(st + ": " + q);
      const ExecOutcome o = conn().try_exec(create_stream_table_sql(st, q, "DIFFERENTIAL"));
      if (!o.ok) {
        EXPECT_EQ(o.sqlstate, "0A000") << o.message;
        EXPECT_FALSE(o.hint.empty());
        continue;
      }
      EXPECT_TRUE(st_matches_query_exactly(conn(), st, q));
      created.emplace_back(st, q);
    }
    return created;
  }
  void run_changes(const std::vector<std::pair<std::string, std::string>>& created,
                   const std::vector<std::vector<std::string>>& changes) {
    for (std::size_t i = 0; i < changes.size(); ++i) {
      run_in_transaction(conn(), changes[i]);
      for (const auto& [st, q] : created) {
        SCOPED_TRACE("change " + std::to_string(i) + ", " + st + ": " + q);
        conn().exec(refresh_stream_table_sql(st));
        EXPECT_EQ(last_refresh(conn(), st).action, "DIFFERENTIAL");
        EXPECT_TRUE(st_matches_query_exactly(conn(), st, q));
      }
    }
  }
};

TEST_F(SetOpEdgeForms, UnionShowsTheFormOfARemainingRowBpchar) {
  conn().exec("CREATE TABLE bca (id int PRIMARY KEY, c char(4))");
  conn().exec("CREATE TABLE bcb (id int PRIMARY KEY, c char(2))");
  conn().exec("INSERT INTO bca VALUES (1, 'zz')");
  conn().exec("INSERT INTO bcb VALUES (1, 'c')");
  const auto created = create_all({{"bcu_st", "SELECT c FROM bca UNION SELECT c FROM bcb"},
                                   {"bcua_st", "SELECT c FROM bcb UNION ALL SELECT c FROM bca"}});
  run_changes(created, {
      // 'c' moves from char(2) in bcb to char(4) in bca.
      {"INSERT INTO bca VALUES (2, 'c')", "DELETE FROM bcb WHERE id = 1"},
      // and back; 'zz' moves from bca to bcb.
      {"INSERT INTO bcb VALUES (1, 'c'), (2, 'zz')", "DELETE FROM bca"},
      // 'zz' moves back by an update of the other table's row.
      {"INSERT INTO bca VALUES (1, 'zz')", "DELETE FROM bcb WHERE id = 2", "UPDATE bcb SET c = 'y' WHERE id = 1"},
  });
}

// INTERSECT / EXCEPT: rows of each form on both inputs (PostgreSQL may take
// INTERSECT's representative from either input); then only one form is left.
TEST_F(SetOpEdgeForms, IntersectExceptShowTheFormOfARemainingRowBpchar) {
  conn().exec("CREATE TABLE bl (id int PRIMARY KEY, c char(2))");
  conn().exec("CREATE TABLE br (id int PRIMARY KEY, c char(2))");
  conn().exec("INSERT INTO bl VALUES (1, 'c'), (6, 'c'), (2, 'd'), (7, 'd')");
  conn().exec("INSERT INTO br VALUES (1, 'c'), (6, 'c')");
  // Rows with id > 5 show their value as char(4), the others as char(2).
  const std::string left = "SELECT CASE WHEN id > 5 THEN c::char(4) ELSE c END AS c FROM bl";
  const std::string right = "SELECT CASE WHEN id > 5 THEN c::char(4) ELSE c END AS c FROM br";
  const auto created = create_all({{"bli_st", left + " INTERSECT " + right}, {"ble_st", left + " EXCEPT " + right}});
  run_changes(created, {{"DELETE FROM bl WHERE id IN (1, 2)", "DELETE FROM br WHERE id = 1"},
                        {"INSERT INTO bl VALUES (1, 'c'), (2, 'd')", "INSERT INTO br VALUES (1, 'c')",
                         "DELETE FROM bl WHERE id IN (6, 7)", "DELETE FROM br WHERE id = 6"}});
}

TEST_F(SetOpEdge, IntersectAndExceptShowTheFormOfARemainingRow) {
  conn().exec("CREATE TABLE ifa (id int PRIMARY KEY, v numeric)");
  conn().exec("CREATE TABLE ifb (id int PRIMARY KEY, v numeric)");
  conn().exec("INSERT INTO ifa VALUES (1, 1.00), (2, 1.0), (3, 2.50), (4, 2.5)");
  conn().exec("INSERT INTO ifb VALUES (1, 1)");
  struct Case {
    std::string st, q;
  };
  for (const Case& c : {Case{"iform_st", "SELECT v FROM ifa INTERSECT SELECT v FROM ifb"},
                        Case{"eform_st", "SELECT v FROM ifa EXCEPT SELECT v FROM ifb"}}) {
    const ExecOutcome created = conn().try_exec(create_stream_table_sql(c.st, c.q, "DIFFERENTIAL"));
    if (!created.ok) {
      EXPECT_EQ(created.sqlstate, "0A000") << created.message;
      EXPECT_FALSE(created.hint.empty());
      continue;
    }
    EXPECT_TRUE(st_matches_query_exactly(conn(), c.st, c.q));
  }
  // Delete the 1.00 and 2.50 rows: only 1.0 and 2.5 remain on the left.
  run_in_transaction(conn(), {"DELETE FROM ifa WHERE id IN (1, 3)"});
  for (const std::string st : {"iform_st", "eform_st"}) {
    if (!relation_exists(conn(), st)) continue;
    SCOPED_TRACE(st);
    conn().exec(refresh_stream_table_sql(st));
    EXPECT_EQ(last_refresh(conn(), st).action, "DIFFERENTIAL");
  }
  if (relation_exists(conn(), "iform_st")) {
    EXPECT_TRUE(st_matches_query_exactly(conn(), "iform_st", "SELECT v FROM ifa INTERSECT SELECT v FROM ifb"));
    EXPECT_EQ(conn().scalar("SELECT v::text FROM iform_st"), "1.0");
  }
  if (relation_exists(conn(), "eform_st")) {
    EXPECT_TRUE(st_matches_query_exactly(conn(), "eform_st", "SELECT v FROM ifa EXCEPT SELECT v FROM ifb"));
    EXPECT_EQ(conn().scalar("SELECT v::text FROM eform_st"), "2.5");
  }
}

// --- Other shapes: maintained right, or refused --------------------------------
// Shapes at the edge of what is described as supported: each is either
// refused in DIFFERENTIAL (0A000 with a HINT) or kept equal to its query
// through a series of changes on the delta path.

TEST_F(SetOpEdge, EdgeShapesAreRightOrRefused) {
  conn().exec("CREATE TABLE xa (id int PRIMARY KEY, v int, t text, n numeric(6,2))");
  conn().exec("CREATE TABLE xb (v int, t varchar(5), n numeric)");
  conn().exec("CREATE TABLE xc (id int PRIMARY KEY, v bigint, t text)");
  conn().exec("INSERT INTO xa VALUES (1, 1, 'a', 1.00), (2, 2, 'b', NULL), (3, NULL, NULL, 2.50), (4, 1, 'a', 1.00)");
  conn().exec("INSERT INTO xb VALUES (1, 'a', 1.0), (1, 'a', 1.0), (NULL, NULL, NULL), (5, 'e', 5)");
  conn().exec("INSERT INTO xc VALUES (1, 1, 'a'), (2, 7, 'g')");
  conn().exec("CREATE VIEW xv AS SELECT v, t FROM xa WHERE v IS NOT NULL UNION ALL SELECT v, t FROM xb");
  conn().exec("CREATE VIEW xvu AS SELECT v FROM xa UNION SELECT v FROM xb");
  conn().exec("CREATE VIEW xvi AS SELECT v FROM xa INTERSECT SELECT v FROM xc");
  const std::vector<std::pair<std::string, std::string>> cases{
      {"e_const_branch", "SELECT v, t FROM xa UNION ALL SELECT 42, 'const'"},
      {"e_coerce_types", "SELECT v, t, n FROM xa UNION ALL SELECT v, t, n FROM xb UNION ALL SELECT v, t, NULL FROM xc"},
      {"e_union_coerce", "SELECT v, n FROM xa UNION SELECT v, n FROM xb"},
      {"e_intersect_coerce", "SELECT v, t FROM xa INTERSECT SELECT v, t FROM xc"},
      {"e_except_bigint", "SELECT v FROM xc EXCEPT SELECT v FROM xa"},
      {"e_self_intersect", "SELECT v FROM xa WHERE id < 3 INTERSECT SELECT v FROM xa WHERE id >= 2"},
      {"e_union_self", "SELECT v, t FROM xa UNION SELECT v, t FROM xa WHERE v > 1"},
      {"e_view_union_all", "SELECT v, t FROM xv WHERE v < 5"},
      {"e_view_join", "SELECT c.id, x.t FROM xc c JOIN xv x ON x.v = c.v"},
      {"e_ua_self_join_sub", "SELECT a.id, u.t FROM xa a JOIN (SELECT v, t FROM xa UNION ALL SELECT v, t FROM xb) u "
                             "ON u.v = a.v"},
      {"e_ua_two_subqueries", "SELECT u.v, w.t FROM (SELECT v FROM xa UNION ALL SELECT v FROM xb) u JOIN "
                              "(SELECT v, t FROM xc UNION ALL SELECT v, t FROM xb) w ON u.v = w.v"},
      {"e_ua_distinct_branch", "SELECT DISTINCT v, t FROM xa UNION ALL SELECT v, t FROM xb"},
      {"e_ua_agg_branch", "SELECT v, count(*)::int AS n FROM xa GROUP BY v UNION ALL SELECT v, 1 FROM xb"},
      {"e_union_distinct_sub", "SELECT v FROM xa UNION SELECT v FROM (SELECT DISTINCT v FROM xb) d"},
      {"e_union_order_by", "SELECT v FROM xa UNION SELECT v FROM xb ORDER BY 1"},
      {"e_union_all_order_by", "SELECT v FROM xa UNION ALL SELECT v FROM xb ORDER BY 1"},
      {"e_intersect_exprs", "SELECT v % 2 AS p, upper(t) AS ut FROM xa INTERSECT SELECT v % 2, upper(t) FROM xb"},
      {"e_except_join", "SELECT a.v FROM xa a JOIN xc c ON a.id = c.id EXCEPT SELECT v FROM xb"},
      {"e_ua_exists", "SELECT v FROM xa WHERE EXISTS (SELECT 1 FROM xc WHERE xc.v = xa.v) UNION ALL SELECT v FROM xb"},
      {"e_ua_eight", "SELECT v FROM xa UNION ALL SELECT v FROM xb UNION ALL SELECT v FROM xc UNION ALL "
                     "SELECT v + 1 FROM xa UNION ALL SELECT v + 1 FROM xb UNION ALL SELECT v + 1 FROM xc UNION ALL "
                     "SELECT id FROM xa UNION ALL SELECT id FROM xc"},
      {"e_union_many", "SELECT v FROM xa UNION SELECT v FROM xb UNION SELECT v FROM xc UNION ALL SELECT id FROM xa "
                       "UNION SELECT id FROM xc"},
      {"e_values_branch", "SELECT v FROM xa UNION ALL VALUES (1), (NULL)"},
      {"e_values_union", "SELECT v FROM xa UNION VALUES (1), (NULL), (99)"},
      {"e_unknown_literal", "SELECT 'x' AS k, v FROM xa UNION SELECT 'x', v FROM xb"},
      {"e_subquery_branch", "SELECT v FROM (SELECT v FROM xa WHERE v > 1) s UNION SELECT v FROM xb"},
      {"e_view_union", "SELECT v FROM xvu"},
      {"e_view_union_filtered", "SELECT v FROM xvu WHERE v > 1"},
      {"e_view_intersect", "SELECT v FROM xvi"},
      {"e_intersect_view_ua", "SELECT v FROM xv INTERSECT SELECT v FROM xc"},
      {"e_except_view_union", "SELECT v FROM xc EXCEPT SELECT v FROM xvu"},
      {"e_union_of_views", "SELECT v FROM xv UNION SELECT v FROM xvi"},
      {"e_window_branch", "SELECT v, row_number() OVER (ORDER BY id) AS rn FROM xa UNION ALL SELECT v, 0 FROM xb"},
      {"e_intersect3_limit", "SELECT v FROM xa INTERSECT SELECT v FROM xb INTERSECT (SELECT v FROM xc ORDER BY v LIMIT 1)"},
      {"e_union_in_from_window",
       "SELECT u.v, rank() OVER (ORDER BY u.v) AS r FROM (SELECT v FROM xa UNION SELECT v FROM xb) u"},
      {"e_union_limit", "SELECT v FROM xa UNION SELECT v FROM xb ORDER BY v LIMIT 2"},
      {"e_union_all_limit", "SELECT v FROM xa UNION ALL SELECT v FROM xb ORDER BY v LIMIT 2"},
      {"e_intersect_limit", "SELECT v FROM xa INTERSECT SELECT v FROM xb ORDER BY 1 LIMIT 1"},
      {"e_null_literal", "SELECT v, NULL AS z FROM xa UNION SELECT v, NULL FROM xb"},
      {"e_union_const", "SELECT v FROM xa UNION SELECT 1"},
      {"e_intersect_const", "SELECT v FROM xa INTERSECT SELECT 1"},
      {"e_except_const", "SELECT v FROM xb EXCEPT SELECT NULL::int"},
      {"e_distinct_over_ua", "SELECT DISTINCT u.v FROM (SELECT v FROM xa UNION ALL SELECT v FROM xb) u"},
      {"e_having_over_ua", "SELECT u.t, count(*) AS n FROM (SELECT t FROM xa UNION ALL SELECT t FROM xb) u "
                           "GROUP BY u.t HAVING count(*) > 1"},
      {"e_intersect_in_from", "SELECT s.v FROM (SELECT v FROM xa INTERSECT SELECT v FROM xb) s WHERE s.v > 0"},
      {"e_except_in_from_join", "SELECT c.id FROM xc c JOIN (SELECT v FROM xc EXCEPT SELECT v FROM xb) s ON s.v = c.v"},
      {"e_cte_ua", "WITH u AS (SELECT v, t FROM xa UNION ALL SELECT v, t FROM xb) SELECT v, t FROM u WHERE v > 1"},
      {"e_left_join_ua", "SELECT c.id, u.t FROM xc c LEFT JOIN (SELECT v, t FROM xa UNION ALL SELECT v, t FROM xb) u "
                         "ON u.v = c.v"},
      {"e_ua_in_from_filtered", "SELECT s.v * 10 AS v10, s.src FROM (SELECT v, 'a' AS src FROM xa UNION ALL "
                                "SELECT v, 'b' FROM xb) s WHERE s.v IS NOT NULL AND s.src = 'b'"},
  };
  const std::vector<std::vector<std::string>> changes{
      {"INSERT INTO xa VALUES (5, 5, 'e', 5.00)", "INSERT INTO xb VALUES (2, 'b', 2.5)"},
      {"DELETE FROM xb WHERE ctid = (SELECT min(ctid) FROM xb WHERE v = 1)"},
      {"UPDATE xa SET v = 7, t = 'g' WHERE id = 1", "UPDATE xc SET v = 2 WHERE id = 1"},
      {"DELETE FROM xb WHERE v IS NULL", "INSERT INTO xa VALUES (6, NULL, NULL, NULL)"},
      {"UPDATE xb SET v = v + 1", "DELETE FROM xa WHERE id = 4"},
      {"DELETE FROM xa", "INSERT INTO xa VALUES (1, 1, 'a', 1.00), (2, 2, 'b', 2.50)"},
      {"DELETE FROM xb", "DELETE FROM xc"},
      {"INSERT INTO xb VALUES (1, 'a', 1.00), (2, 'b', NULL)", "INSERT INTO xc VALUES (9, 2, 'b')"},
  };
  std::vector<std::pair<std::string, std::string>> accepted;
  for (const auto& [name, q] : cases) {
    SCOPED_TRACE(name + ": " + q);
    const ExecOutcome created = conn().try_exec(create_stream_table_sql(name, q, "DIFFERENTIAL"));
    if (!created.ok) {
      EXPECT_EQ(created.sqlstate, "0A000") << created.message;
      EXPECT_FALSE(created.hint.empty()) << "no HINT: " << created.message;
      RecordProperty(name, "refused");
      continue;
    }
    EXPECT_TRUE(st_matches_query_exactly(conn(), name, q));
    accepted.emplace_back(name, q);
  }
  for (std::size_t i = 0; i < changes.size(); ++i) {
    run_in_transaction(conn(), changes[i]);
    for (const auto& [name, q] : accepted) {
      SCOPED_TRACE("change " + std::to_string(i) + ", " + name + ": " + q);
      conn().exec(refresh_stream_table_sql(name));
      const RefreshRecord last = last_refresh(conn(), name);
      EXPECT_TRUE(last.action == "DIFFERENTIAL" || last.action == "NO_DATA") << describe(last);
      EXPECT_TRUE(st_matches_query_exactly(conn(), name, q));
    }
  }
  std::string names;
  for (const auto& a : accepted) names += a.first + " ";
  RecordProperty("accepted", names);
}

// A FULL refresh (change-ratio fallback) rebuilds the hidden state (counts of
// UNION rows); the deltas after it build on that state.
TEST_F(SetOpEdge, DeltaAfterFullFallbackIsRight) {
  conn().exec("CREATE TABLE fu1 (id int PRIMARY KEY, v int)");
  conn().exec("CREATE TABLE fu2 (v int)");
  conn().exec("INSERT INTO fu1 SELECT g, g % 10 FROM generate_series(1, 100) g");
  conn().exec("INSERT INTO fu2 SELECT g % 12 FROM generate_series(1, 100) g");
  const std::vector<std::pair<std::string, std::string>> cases{
      {"fu_ua", "SELECT v FROM fu1 UNION ALL SELECT v FROM fu2"},
      {"fu_u", "SELECT v FROM fu1 UNION SELECT v FROM fu2"},
      {"fu_i", "SELECT v FROM fu1 INTERSECT SELECT v FROM fu2"},
      {"fu_e", "SELECT v FROM fu2 EXCEPT SELECT v FROM fu1"}};
  for (const auto& [st, q] : cases) ASSERT_TRUE(create_differential(conn(), st, q)) << st;
  conn().exec("SET pg_trickle.differential_max_change_ratio = 0.1");
  run_in_transaction(conn(), {"UPDATE fu1 SET v = v + 5"});
  for (const auto& [st, q] : cases) EXPECT_TRUE(refresh_matches(conn(), st, q, Expect::Full)) << st;
  conn().exec("SET pg_trickle.differential_max_change_ratio = 1000");
  const std::vector<std::vector<std::string>> changes{
      {"DELETE FROM fu2 WHERE v = 11", "DELETE FROM fu1 WHERE v = 14"},
      {"DELETE FROM fu2 WHERE v = 5", "INSERT INTO fu2 VALUES (14), (14)"},
      {"DELETE FROM fu1 WHERE v BETWEEN 5 AND 8"}};
  for (const auto& change : changes) {
    run_in_transaction(conn(), change);
    for (const auto& [st, q] : cases) {
      SCOPED_TRACE(st + " after " + change[0]);
      EXPECT_TRUE(refresh_matches(conn(), st, q, Expect::Delta));
      EXPECT_EQ(last_refresh(conn(), st).action, "DIFFERENTIAL");
    }
  }
}

// AUTO maintains the supported set operations incrementally, silently.
TEST_F(SetOpEdge, AutoPicksDifferentialForSupportedSetOps) {
  conn().exec("CREATE TABLE aa (id int PRIMARY KEY, v int)");
  conn().exec("CREATE TABLE ab (v int)");
  conn().exec("INSERT INTO aa VALUES (1, 1), (2, 2)");
  conn().exec("INSERT INTO ab VALUES (2), (3), (NULL)");
  const std::vector<std::pair<std::string, std::string>> cases{
      {"auto_ua", "SELECT v FROM aa UNION ALL SELECT v FROM ab"},
      {"auto_u", "SELECT v FROM aa UNION SELECT v FROM ab"},
      {"auto_i", "SELECT v FROM aa INTERSECT SELECT v FROM ab"},
      {"auto_e", "SELECT v FROM ab EXCEPT SELECT v FROM aa"},
      {"auto_agg", "SELECT count(*) AS n FROM (SELECT v FROM aa UNION ALL SELECT v FROM ab) u"}};
  for (const auto& [st, q] : cases) {
    SCOPED_TRACE(st + ": " + q);
    conn().clear_notices();
    conn().exec(create_stream_table_sql(st, q, "AUTO"));
    EXPECT_FALSE(conn().has_notice("WARNING"));
    EXPECT_EQ(conn().scalar("SELECT effective_refresh_mode FROM pgtrickle.pgt_stream_tables WHERE pgt_name = " +
                            quote_literal(st)),
              "DIFFERENTIAL");
  }
  run_in_transaction(conn(), {"INSERT INTO aa VALUES (3, 3)", "DELETE FROM ab WHERE v = 2"});
  for (const auto& [st, q] : cases) {
    SCOPED_TRACE(st + ": " + q);
    EXPECT_TRUE(refresh_matches(conn(), st, q, Expect::Delta));
  }
}

// --- Refused shapes -----------------------------------------------------------

TEST_F(SetOpEdge, UnsupportedShapesRefusedInDifferentialAndFullInAuto) {
  conn().exec("CREATE TABLE ra (id int PRIMARY KEY, v int, j jsonb, iv interval, arr int[])");
  conn().exec("CREATE TABLE rb (id int PRIMARY KEY, v int, j jsonb, iv interval, arr int[])");
  conn().exec("CREATE TABLE rc (v int)");
  conn().exec("INSERT INTO ra VALUES (1, 1, '{\"a\": 1}', '1 day', '{1}'), (2, 2, '[]', '24 hours', '{2}'), "
              "(3, 2, NULL, NULL, NULL)");
  conn().exec("INSERT INTO rb VALUES (1, 1, '{\"a\": 1}', '24 hours', '{1}'), (2, 3, '{}', '1 day', '{}')");
  conn().exec("INSERT INTO rc VALUES (1), (2), (2)");
  struct Case {
    std::string name, query;
  };
  std::vector<Case> cases{
      {"r_intersect_all_numeric", "SELECT v::numeric FROM ra INTERSECT ALL SELECT v FROM rb"},
      {"r_except_all_interval", "SELECT iv FROM ra EXCEPT ALL SELECT iv FROM rb"},
      {"r_intersect3_limit", "SELECT v FROM ra INTERSECT SELECT v FROM rb INTERSECT (SELECT v FROM rc LIMIT 1)"},
      {"r_union_limit", "SELECT v FROM ra UNION SELECT v FROM rb LIMIT 2"},
      {"r_union_jsonb", "SELECT j FROM ra UNION SELECT j FROM rb"},
      {"r_union_interval", "SELECT iv FROM ra UNION SELECT iv FROM rb"},
      {"r_intersect_interval", "SELECT iv FROM ra INTERSECT SELECT iv FROM rb"},
      {"r_except_array", "SELECT arr FROM ra EXCEPT SELECT arr FROM rb"},
  };
  if (icu_available(conn())) {
    conn().exec("CREATE COLLATION ci_setop (provider = icu, locale = 'und-u-ks-level2', deterministic = false)");
    conn().exec("CREATE TABLE rd (id int PRIMARY KEY, t text COLLATE ci_setop)");
    conn().exec("INSERT INTO rd VALUES (1, 'A'), (2, 'a'), (3, 'b')");
    cases.push_back({"r_union_nondet", "SELECT t FROM rd UNION SELECT t FROM rd WHERE id > 1"});
    cases.push_back({"r_except_nondet", "SELECT t FROM rd EXCEPT SELECT t FROM rd WHERE id = 2"});
  }
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name + ": " + c.query);
    const ExecOutcome refused = conn().try_exec(create_stream_table_sql(c.name, c.query, "DIFFERENTIAL"));
    EXPECT_FALSE(refused.ok) << "DIFFERENTIAL accepted it";
    if (refused.ok) {
      conn().exec("SELECT pgtrickle.drop_stream_table(" + quote_literal(c.name) + ")");
    } else {
      EXPECT_EQ(refused.sqlstate, "0A000") << refused.message;
      EXPECT_FALSE(refused.hint.empty()) << "no HINT: " << refused.message;
    }
    EXPECT_EQ(catalog_rows_named(conn(), c.name), 0);

    conn().clear_notices();
    const ExecOutcome created = conn().try_exec(create_stream_table_sql(c.name, c.query, "AUTO"));
    ASSERT_TRUE(created.ok) << "AUTO failed: [" << created.sqlstate << "] " << created.message;
    EXPECT_TRUE(conn().has_notice("WARNING")) << "AUTO fell back to FULL without a WARNING";
    Rows mode = conn().query("SELECT effective_refresh_mode, effective_mode_reason FROM pgtrickle.pgt_stream_tables "
                             "WHERE pgt_name = " + quote_literal(c.name));
    ASSERT_EQ(mode.size(), 1u);
    EXPECT_EQ(mode[0][0].value_or(""), "FULL");
    EXPECT_FALSE(mode[0][1].value_or("").empty()) << "no effective_mode_reason";
    EXPECT_TRUE(st_matches_query_exactly(conn(), c.name, c.query));
  }
  // The AUTO (FULL) stream tables follow changes.
  run_in_transaction(conn(), {"UPDATE ra SET v = 3, j = '{}', iv = '2 days', arr = '{}' WHERE id = 1",
                              "DELETE FROM rb WHERE id = 1", "INSERT INTO rc VALUES (3)"});
  if (relation_exists(conn(), "rd")) conn().exec("DELETE FROM rd WHERE id = 1");
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name + ": " + c.query);
    conn().exec(refresh_stream_table_sql(c.name));
    EXPECT_EQ(last_refresh(conn(), c.name).action, "FULL");
    EXPECT_TRUE(st_matches_query_exactly(conn(), c.name, c.query));
  }
}

}  // namespace
}  // namespace pgt_e2e
