// SQL generation for delta consolidation and application (pure C++).
#include <gtest/gtest.h>

#include "dvm/delta_sql.h"

namespace {

using pgt::dvm::DeltaTerm;
using pgt::dvm::OutputColumn;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(TermSign, InclusionExclusion) {
  EXPECT_EQ(pgt::dvm::term_sign(0b1), 1);
  EXPECT_EQ(pgt::dvm::term_sign(0b10), 1);
  EXPECT_EQ(pgt::dvm::term_sign(0b11), -1);
  EXPECT_EQ(pgt::dvm::term_sign(0b111), 1);
  EXPECT_EQ(pgt::dvm::term_sign(0b1111), -1);
}

TEST(ConsolidatedDelta, NegatesEvenTermsAndGroupsByIdAndValues) {
  std::vector<OutputColumn> cols{{"a", true}, {"b c", true}};
  std::string sql = pgt::dvm::consolidated_delta_sql(
      cols, {DeltaTerm{0b01, "SELECT 1 AS a, 2 AS \"b c\", 'x' AS __pgt_id, 1 AS __pgt_w"},
             DeltaTerm{0b11, "SELECT 1, 2, 'x', 1"}});
  EXPECT_TRUE(contains(sql, "t.__pgt_w AS __pgt_w"));
  EXPECT_TRUE(contains(sql, "- t.__pgt_w AS __pgt_w"));
  EXPECT_TRUE(contains(sql, "UNION ALL"));
  EXPECT_TRUE(contains(sql, "GROUP BY __pgt_id, \"a\", \"b c\""));
  EXPECT_TRUE(contains(sql, "HAVING pg_catalog.sum(__pgt_w) <> 0"));
}

TEST(ConsolidatedDelta, TypesWithoutEqualityGroupByText) {
  std::vector<OutputColumn> cols{{"doc", false}};
  std::string sql = pgt::dvm::consolidated_delta_sql(cols, {DeltaTerm{1, "SELECT 1"}});
  EXPECT_TRUE(contains(sql, "(\"doc\")::pg_catalog.text"));
  EXPECT_TRUE(contains(sql, "(pg_catalog.array_agg(\"doc\"))[1] AS \"doc\""));
}

TEST(ApplyDelta, UniqueIdsDeleteUpdateInsertWithCounts) {
  std::vector<OutputColumn> cols{{"a", true, true}, {"j", false, false}};
  std::string sql = pgt::dvm::apply_delta_sql("\"s\".\"t\"", cols, "SELECT 1", true);
  EXPECT_TRUE(contains(sql, "(pg_catalog.array_agg(\"j\") FILTER (WHERE __pgt_w > 0))[1] AS \"j\""));
  EXPECT_TRUE(contains(sql, "bool_or(__pgt_w < 0) AS __pgt_old"));
  EXPECT_TRUE(contains(sql, "GROUP BY __pgt_id"));
  EXPECT_TRUE(contains(sql, "DELETE FROM \"s\".\"t\" t USING d"));
  EXPECT_TRUE(contains(sql, "UPDATE \"s\".\"t\" t SET \"a\" = d.\"a\", \"j\" = d.\"j\""));
  // Only rows whose values changed are written; json-like types compared as text.
  EXPECT_TRUE(contains(sql, "IS DISTINCT FROM ROW(d.\"a\", (d.\"j\")::pg_catalog.text)"));
  EXPECT_TRUE(contains(sql, "INSERT INTO \"s\".\"t\" (\"a\", \"j\", \"__pgt_row_id\")"));
  // An insert is a +row without a -row for its id: no probe of the table.
  EXPECT_TRUE(contains(sql, "FROM d WHERE d.__pgt_new AND NOT d.__pgt_old"));
  // A value is picked out of its id's group by max(), or array_agg without an ordering.
  EXPECT_TRUE(contains(sql, "pg_catalog.max(\"a\") FILTER (WHERE __pgt_w > 0) AS \"a\""));
  EXPECT_TRUE(contains(sql, "count(*) FROM ins"));
}

TEST(ApplyDelta, CountedCopiesDeleteByCtidAndInsertCopies) {
  std::vector<OutputColumn> cols{{"a", true}};
  std::string sql = pgt::dvm::apply_delta_sql("\"t\"", cols, "SELECT 1", false);
  EXPECT_TRUE(contains(sql, "row_number() OVER (PARTITION BY t.\"__pgt_row_id\")"));
  EXPECT_TRUE(contains(sql, "t.ctid = ANY (ARRAY(SELECT tid FROM victims))"));
  EXPECT_TRUE(contains(sql, "generate_series(1, d.__pgt_w)"));
  EXPECT_FALSE(contains(sql, "UPDATE"));
}

TEST(FullInsert, CopiesColumnsAndIdentity) {
  std::string sql = pgt::dvm::full_insert_sql("\"t\"", {{"a", true}}, "SELECT 1 AS a, '1' AS __pgt_id");
  EXPECT_EQ(sql,
            "INSERT INTO \"t\" (\"a\", \"__pgt_row_id\") SELECT q.\"a\", q.__pgt_id FROM "
            "(SELECT 1 AS a, '1' AS __pgt_id) q");
}

TEST(PendingChanges, CountsUnconsumedRowsAndTruncateMarkers) {
  std::string sql = pgt::dvm::pending_changes_sql({"b1", "b2"});
  EXPECT_TRUE(contains(sql, "FROM b1 b WHERE"));
  EXPECT_TRUE(contains(sql, "FROM b2 b WHERE"));
  EXPECT_TRUE(contains(sql, "bool_or(b.__pgt_w = 0)"));
  EXPECT_TRUE(contains(pgt::dvm::unconsumed_changes_predicate("b"),
                       "NOT (pg_catalog.pg_visible_in_snapshot(b.xid, $1) OR (b.xid = $2 AND"));
}

}  // namespace
