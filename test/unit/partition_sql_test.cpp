// Unit tests of the SQL generated for partition rescan (dvm/partition_sql).
#include <gtest/gtest.h>

#include "dvm/partition_sql.h"

using pgt::dvm::KeyText;
using pgt::dvm::PartitionShape;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

PartitionShape region_shape() {
  PartitionShape s;
  s.column = "region";
  s.type_sql = "numeric";
  s.key_text = KeyText::Numeric;
  s.columns = {{"region", "numeric", "", false, true}, {"n", "bigint", "", true, true}};
  s.query_sql = "SELECT region, count(*) AS n FROM q_all";
  s.restricted_sql = "SELECT region, count(*) AS n FROM q_restricted";
  s.leaf_deltas = {"SELECT 1 AS __pgt_p FROM leaf_one", "SELECT 2 AS __pgt_p FROM leaf_two"};
  return s;
}

TEST(PartitionSql, TouchedReadsEveryLeafAsTheColumnsType) {
  std::string sql = pgt::dvm::partition_touched_sql(region_shape());
  EXPECT_TRUE(contains(sql, "FROM (SELECT 1 AS __pgt_p FROM leaf_one) l")) << sql;
  EXPECT_TRUE(contains(sql, " UNION ALL SELECT l.__pgt_p::numeric AS __pgt_p FROM (SELECT 2")) << sql;
  // One value per identity (1 and 1.0 are one partition), NULL apart.
  EXPECT_TRUE(contains(sql, "pg_catalog.trim_scale(x.__pgt_p)")) << sql;
  EXPECT_TRUE(contains(sql, "DISTINCT ON (y.id)")) << sql;
  EXPECT_TRUE(contains(sql, "FILTER (WHERE z.p IS NOT NULL)")) << sql;
  EXPECT_TRUE(contains(sql, "pg_catalog.bool_or(z.p IS NULL)")) << sql;
}

TEST(PartitionSql, ApplyRewritesOnlyChangedRowsOfTheTouchedPartitions) {
  std::string sql = pgt::dvm::partition_apply_sql("\"s\".\"st\"", region_shape());
  // Before: the stored rows of the touched partitions.
  EXPECT_TRUE(contains(sql, "FROM \"s\".\"st\" t WHERE t.\"__pgt_row_id\" = ANY ($4::")) << sql;
  // After: the restricted query, filtered to the touched values as well.
  EXPECT_TRUE(contains(sql, "FROM (SELECT region, count(*) AS n FROM q_restricted) q WHERE")) << sql;
  EXPECT_FALSE(contains(sql, "q_all")) << sql;
  EXPECT_TRUE(contains(sql, "q.\"region\" = ANY ($5::pg_catalog.text::numeric[]) OR (q.\"region\" IS NULL AND $6)"))
      << sql;
  // Copies numbered among identical rows (by text form); only rows without
  // a counterpart on the other side are deleted / inserted.
  EXPECT_TRUE(contains(sql, "pg_catalog.row_number() OVER (PARTITION BY")) << sql;
  EXPECT_TRUE(contains(sql, "(q.\"region\")::pg_catalog.text COLLATE \"C\"")) << sql;
  EXPECT_TRUE(contains(sql, "IS NOT DISTINCT FROM ROW(r.__pgt_f0, r.__pgt_f1)")) << sql;
  EXPECT_TRUE(contains(sql, "DELETE FROM \"s\".\"st\" t WHERE t.ctid = ANY (ARRAY(SELECT o.__pgt_tid FROM o WHERE NOT EXISTS"))
      << sql;
  EXPECT_TRUE(contains(sql, "(\"region\", \"n\", \"__pgt_row_id\") SELECT r.\"region\", r.\"n\", r.__pgt_pid FROM r WHERE NOT EXISTS"))
      << sql;
}

TEST(PartitionSql, WithoutAColumnTheResultIsOnePartition) {
  PartitionShape s = region_shape();
  s.column.clear();
  std::string touched = pgt::dvm::partition_touched_sql(s);
  EXPECT_TRUE(contains(touched, "CASE WHEN EXISTS (")) << touched;
  EXPECT_FALSE(contains(touched, "::numeric")) << touched;
  std::string apply = pgt::dvm::partition_apply_sql("t", s);
  EXPECT_TRUE(contains(apply, "FROM (SELECT region, count(*) AS n FROM q_all) q), ")) << apply;
  EXPECT_TRUE(contains(apply, "''::pg_catalog.text COLLATE \"C\" AS __pgt_pid")) << apply;
}

TEST(PartitionSql, FullInsertGivesEachRowItsPartitionsIdentity) {
  std::string sql = pgt::dvm::partition_full_insert_sql("t", region_shape());
  EXPECT_TRUE(contains(sql, "FROM (SELECT region, count(*) AS n FROM q_all) q")) << sql;
  EXPECT_TRUE(contains(sql, "(COALESCE('V' || pg_catalog.trim_scale(q.\"region\")::pg_catalog.text, 'N')) COLLATE \"C\""))
      << sql;
  EXPECT_FALSE(contains(sql, "WHERE")) << sql;
}

}  // namespace
