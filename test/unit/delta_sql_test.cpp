// SQL generation for delta consolidation and application (pure C++).
#include <gtest/gtest.h>

#include "dvm/delta_sql.h"

namespace {

using pgt::dvm::DeltaTerm;
using pgt::dvm::OutputColumn;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

int sign_of(unsigned mask, bool negated = false) { return pgt::dvm::term_sign(DeltaTerm{mask, "", negated}); }

TEST(TermSign, InclusionExclusion) {
  EXPECT_EQ(sign_of(0b1), 1);
  EXPECT_EQ(sign_of(0b10), 1);
  EXPECT_EQ(sign_of(0b11), -1);
  EXPECT_EQ(sign_of(0b111), 1);
  EXPECT_EQ(sign_of(0b1111), -1);
}

TEST(TermSign, NegatedTermsOfAnOuterJoinVariant) {
  EXPECT_EQ(sign_of(0b1, true), -1);
  EXPECT_EQ(sign_of(0b11, true), 1);
}

TEST(ConsolidatedDelta, NegatesEvenTermsAndGroupsByIdAndValues) {
  std::vector<OutputColumn> cols{{"a", "integer", "", true, true}, {"b c", "integer", "", true, true}};
  std::string sql = pgt::dvm::consolidated_delta_sql(
      cols, {DeltaTerm{0b01, "SELECT 1 AS a, 2 AS \"b c\", 'x' AS __pgt_id, 1 AS __pgt_w"},
             DeltaTerm{0b11, "SELECT 1, 2, 'x', 1"}});
  EXPECT_TRUE(contains(sql, "t.__pgt_w AS __pgt_w"));
  EXPECT_TRUE(contains(sql, "- t.__pgt_w AS __pgt_w"));
  EXPECT_TRUE(contains(sql, "UNION ALL"));
  EXPECT_TRUE(contains(sql, "GROUP BY __pgt_id, \"a\", \"b c\""));
  EXPECT_TRUE(contains(sql, "HAVING pg_catalog.sum(__pgt_w) <> 0"));
}

TEST(ConsolidatedDelta, TypesWithoutEqualityGroupByTextAndReadItBack) {
  std::vector<OutputColumn> cols{{"doc", "json", "", false, false}};
  std::string sql = pgt::dvm::consolidated_delta_sql(cols, {DeltaTerm{1, "SELECT 1"}});
  EXPECT_TRUE(contains(sql, "(pg_catalog.min((\"doc\")::pg_catalog.text COLLATE \"C\"))::json AS \"doc\""));
  EXPECT_TRUE(contains(sql, "GROUP BY __pgt_id, (\"doc\")::pg_catalog.text COLLATE \"C\""));
}

TEST(ConsolidatedDelta, EqualButDistinctValuesGroupByValueAndText) {
  std::vector<OutputColumn> cols{{"n", "numeric", "", false, true}};
  std::string sql = pgt::dvm::consolidated_delta_sql(cols, {DeltaTerm{1, "SELECT 1"}});
  EXPECT_TRUE(contains(sql, "GROUP BY __pgt_id, \"n\", (\"n\")::pg_catalog.text COLLATE \"C\""));
}

TEST(ApplyDelta, UniqueIdsDeleteUpdateInsertWithCounts) {
  std::vector<OutputColumn> cols{{"a", "integer", "", true, true}, {"j", "json", "", false, false}};
  std::string sql = pgt::dvm::apply_delta_sql("\"s\".\"t\"", cols, "SELECT 1", true);
  EXPECT_TRUE(contains(sql, "DISTINCT ON (__pgt_id)"));
  EXPECT_TRUE(contains(sql, "count(*) OVER (PARTITION BY __pgt_id"));
  EXPECT_TRUE(contains(sql, "DELETE FROM \"s\".\"t\" t USING d"));
  EXPECT_TRUE(contains(sql, "UPDATE \"s\".\"t\" t SET \"a\" = d.\"a\", \"j\" = d.\"j\""));
  // Only rows whose values changed are written; json-like types compared as text.
  EXPECT_TRUE(contains(sql, "IS DISTINCT FROM ROW(d.\"a\", (d.\"j\")::pg_catalog.text COLLATE \"C\")"));
  EXPECT_TRUE(contains(sql, "INSERT INTO \"s\".\"t\" (\"a\", \"j\", \"__pgt_row_id\")"));
  // An insert is a +row without a -row for its id: no probe of the table.
  EXPECT_TRUE(contains(sql, "d.__pgt_w > 0 AND d.__pgt_n = 1"));
  EXPECT_TRUE(contains(sql, "count(*) FROM ins"));
}

TEST(ApplyDelta, CountedCopiesDeleteByCtidAndInsertCopies) {
  std::vector<OutputColumn> cols{{"a", "integer", "", true, true}};
  std::string sql = pgt::dvm::apply_delta_sql("\"t\"", cols, "SELECT 1", false);
  EXPECT_TRUE(contains(sql, "row_number() OVER (PARTITION BY t.\"__pgt_row_id\")"));
  EXPECT_TRUE(contains(sql, "t.ctid = ANY (ARRAY(SELECT tid FROM victims))"));
  EXPECT_TRUE(contains(sql, "generate_series(1, d.__pgt_w)"));
  EXPECT_FALSE(contains(sql, "UPDATE"));
}

TEST(ApplyDelta, WithoutCountsTheInsertIsTheMainStatement) {
  // IMMEDIATE records no counts: nothing is returned or counted, and the
  // delete and update still run (data-modifying WITH items always do).
  std::vector<OutputColumn> cols{{"a", "integer", "", true, true}};
  for (bool unique_ids : {true, false}) {
    std::string sql = pgt::dvm::apply_delta_sql("\"t\"", cols, "SELECT 1", unique_ids, false);
    EXPECT_FALSE(contains(sql, "RETURNING")) << sql;
    EXPECT_FALSE(contains(sql, "count(*) FROM ins")) << sql;
    EXPECT_TRUE(contains(sql, "del AS (DELETE FROM \"t\" t")) << sql;
    EXPECT_TRUE(contains(sql, ") INSERT INTO \"t\" (\"a\", \"__pgt_row_id\")")) << sql;
  }
  std::string append = pgt::dvm::append_delta_sql("\"t\"", cols, {DeltaTerm{1, "SELECT 1 AS a, '1' AS __pgt_id, 1 AS __pgt_w"}},
                                                  true, false);
  EXPECT_EQ(append.rfind("INSERT INTO \"t\" (\"a\", \"__pgt_row_id\") SELECT", 0), 0u) << append;
  EXPECT_FALSE(contains(append, "RETURNING"));
  std::string counted = pgt::dvm::append_delta_sql("\"t\"", cols, {DeltaTerm{1, "SELECT 1 AS a, '1' AS __pgt_id, 1 AS __pgt_w"}},
                                                   true, true);
  EXPECT_TRUE(contains(counted, "RETURNING 1) SELECT pg_catalog.count(*), 0::int8, 0::int8 FROM ins"));
}

TEST(FullInsert, CopiesColumnsAndIdentity) {
  std::string sql = pgt::dvm::full_insert_sql("\"t\"", {{"a", "integer", "", true, true}}, "SELECT 1 AS a, '1' AS __pgt_id");
  EXPECT_EQ(sql,
            "INSERT INTO \"t\" (\"a\", \"__pgt_row_id\") SELECT q.\"a\", q.__pgt_id FROM "
            "(SELECT 1 AS a, '1' AS __pgt_id) q");
}

TEST(PendingChanges, TellsPerBufferWhetherChangesAndTruncateMarkersAreUnconsumed) {
  std::string sql = pgt::dvm::pending_changes_sql({"b1", "b2"}, {"b2"});
  EXPECT_TRUE(contains(sql, "SELECT 0 AS i, EXISTS (SELECT 1 FROM b1 b WHERE b.__pgt_w <> 0 AND pgtrickle._unconsumed("));
  EXPECT_TRUE(contains(sql, "EXISTS (SELECT 1 FROM b1 b WHERE b.__pgt_w = 0 AND pgtrickle._unconsumed("));
  EXPECT_TRUE(contains(sql, "AS t, false AS f"));
  EXPECT_TRUE(contains(sql, " UNION ALL SELECT 1 AS i,"));
  EXPECT_FALSE(contains(sql, "count(*)"));
  // One function of the row and the frontier ($1 snapshot, $2 own xid, $3
  // own command id), whose planner support says it keeps nearly every row.
  EXPECT_EQ(pgt::dvm::unconsumed_changes_predicate("b"), "pgtrickle._unconsumed(b.xid, b.cmin, $1, $2, $3)");
}

TEST(PendingChanges, CountsUnconsumedRowsPerBuffer) {
  std::string sql = pgt::dvm::pending_count_sql({"b1", "b2"});
  EXPECT_TRUE(contains(sql, "SELECT 0 AS i, GREATEST("));
  EXPECT_TRUE(contains(sql, "FROM b1 b WHERE"));
  EXPECT_TRUE(contains(sql, " UNION ALL SELECT 1 AS i,"));
}

}  // namespace
