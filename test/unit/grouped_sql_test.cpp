// Unit tests of the SQL generated for grouping stream tables (dvm/grouped_sql).
#include <gtest/gtest.h>

#include "dvm/grouped_sql.h"

using pgt::dvm::AggregateKind;
using pgt::dvm::AggregateOutput;
using pgt::dvm::GroupedOutput;
using pgt::dvm::GroupedShape;
using pgt::dvm::KeyText;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

GroupedShape algebraic_shape() {
  GroupedShape s;
  s.algebraic = true;
  s.keys = {"__pgt_g0", "__pgt_g1"};
  s.key_texts = {KeyText::Plain, KeyText::Utc};
  AggregateOutput count{AggregateKind::CountStar, "", "", "", ""};
  AggregateOutput sum{AggregateKind::Sum, "__pgt_a1_0", "", "pg_catalog.int8", "pg_catalog.int8"};
  AggregateOutput avg{AggregateKind::Avg, "__pgt_a2_0", "__pgt_f2", "pg_catalog.numeric", "pg_catalog.numeric"};
  AggregateOutput mx{AggregateKind::Max, "__pgt_a3_0", "", "", ""};
  s.aggregates = {count, sum, avg, mx};
  s.outputs = {GroupedOutput{"region", "text", true, 0, -1}, GroupedOutput{"n", "bigint", true, -1, 0},
               GroupedOutput{"total", "bigint", true, -1, 1}, GroupedOutput{"mean", "numeric", false, -1, 2},
               GroupedOutput{"top", "integer", true, -1, 3}};
  return s;
}

TEST(GroupedSql, IdentityIsLengthPrefixedAndNullSafe) {
  GroupedShape s = algebraic_shape();
  std::string id = pgt::dvm::group_identity_sql(s, "x");
  EXPECT_TRUE(contains(id, "COALESCE('V' || (x.\"__pgt_g0\")::pg_catalog.text, 'N')")) << id;
  EXPECT_TRUE(contains(id, "AT TIME ZONE 'UTC'")) << id;
  EXPECT_TRUE(contains(id, "pg_catalog.length(")) << id;
  EXPECT_TRUE(contains(id, "COLLATE \"C\"")) << id;
  s.keys.clear();
  s.key_texts.clear();
  EXPECT_EQ(pgt::dvm::group_identity_sql(s, "x"), "''::pg_catalog.text COLLATE \"C\"");
}

TEST(GroupedSql, NumericAndFloatKeysAreNormalized) {
  GroupedShape s;
  s.keys = {"k"};
  s.key_texts = {KeyText::Numeric};
  EXPECT_TRUE(contains(pgt::dvm::group_identity_sql(s, "x"), "pg_catalog.trim_scale(x.\"k\")"));
  s.key_texts = {KeyText::Float};
  EXPECT_TRUE(contains(pgt::dvm::group_identity_sql(s, "x"), "+ 0::pg_catalog.float8"));
}

TEST(GroupedSql, HiddenStateOfSumsAndAverages) {
  auto hidden = pgt::dvm::grouped_hidden_columns(algebraic_shape());
  ASSERT_EQ(hidden.size(), 4u);
  EXPECT_EQ(hidden[0].name, "__pgt_count");
  EXPECT_EQ(hidden[1].name, "__pgt_n1");
  EXPECT_EQ(hidden[2].name, "__pgt_s2");
  EXPECT_EQ(hidden[3].name, "__pgt_n2");
  GroupedShape rescan = algebraic_shape();
  rescan.algebraic = false;
  EXPECT_TRUE(pgt::dvm::grouped_hidden_columns(rescan).empty());
}

TEST(GroupedSql, AlgebraicApplyAddsDeltasAndRescansOnlyLostExtrema) {
  std::string sql = pgt::dvm::grouped_apply_sql("\"public\".\"st\"", algebraic_shape(), "SELECT 1", "SELECT 2");
  EXPECT_TRUE(contains(sql, "pg_catalog.sum(x.__pgt_w::pg_catalog.int8 * x.\"__pgt_a1_0\"::pg_catalog.int8)")) << sql;
  EXPECT_TRUE(contains(sql, "FILTER (WHERE x.\"__pgt_a2_0\" IS NOT NULL AND x.\"__pgt_f2\")")) << sql;
  // A group's extremum is recomputed only when a deleted value reached it
  // (or the group is new and the unconsolidated delta deletes something).
  EXPECT_TRUE(contains(sql, "COALESCE(d.__pgt_dd3 >= t.\"top\", d.__pgt_dd3 IS NOT NULL) AS __pgt_rescan3")) << sql;
  EXPECT_TRUE(contains(sql, "FROM o WHERE o.__pgt_rescan")) << sql;
  // One MERGE from the work table: groups whose count reaches zero are
  // deleted, changed ones updated, new ones inserted.
  EXPECT_TRUE(contains(sql, ") MERGE INTO \"public\".\"st\" t USING n ON t.\"__pgt_row_id\" = n.__pgt_gid "
                            "WHEN MATCHED AND n.__pgt_cnt = 0 THEN DELETE WHEN MATCHED AND ROW(")) << sql;
  EXPECT_TRUE(contains(sql, "WHEN NOT MATCHED AND n.__pgt_cnt <> 0 THEN INSERT")) << sql;
}

TEST(GroupedSql, SumsCountsAndAveragesMergeTheDeltaStraightIntoTheTable) {
  GroupedShape shape = algebraic_shape();
  shape.aggregates.pop_back();  // no MIN / MAX
  shape.outputs.pop_back();
  std::string sql = pgt::dvm::grouped_apply_sql("\"public\".\"st\"", shape, "SELECT 1", "SELECT 2");
  // No work tables: the delta per group is the MERGE's source, the new state
  // is computed from the matched row (or from nothing, for a new group).
  EXPECT_TRUE(sql.rfind("MERGE INTO \"public\".\"st\" t USING (SELECT ", 0) == 0) << sql;
  EXPECT_FALSE(contains(sql, "MATERIALIZED")) << sql;
  EXPECT_TRUE(contains(sql, "WHEN MATCHED AND (COALESCE(t.\"__pgt_count\", 0) + d.__pgt_dc) = 0 THEN DELETE")) << sql;
  EXPECT_TRUE(contains(sql, "\"total\" = CASE WHEN (COALESCE(t.\"__pgt_n1\", 0) + COALESCE(d.__pgt_dn1, 0)) = 0 "
                            "THEN NULL ELSE (COALESCE(t.\"total\", 0) + COALESCE(d.__pgt_d1, 0))::pg_catalog.int8 END"))
      << sql;
  EXPECT_TRUE(contains(sql, "WHEN NOT MATCHED AND (COALESCE(NULL, 0) + d.__pgt_dc) <> 0 THEN INSERT")) << sql;
}

TEST(GroupedSql, ExtremumProbesReadOneGroupEach) {
  GroupedShape shape = algebraic_shape();
  shape.extremum_probes = true;
  std::string sql = pgt::dvm::grouped_apply_sql("\"public\".\"st\"", shape, "SELECT 1", "SELECT 2");
  // Per group needing it: max over I restricted to the group (two keys, NOT NULL).
  EXPECT_TRUE(contains(sql, "r AS MATERIALIZED (SELECT o.__pgt_gid, (SELECT pg_catalog.max(i.\"__pgt_a3_0\")"
                            " FROM (SELECT 2) i WHERE i.\"__pgt_g0\" = o.\"__pgt_g0\" AND i.\"__pgt_g1\" = "
                            "o.\"__pgt_g1\") AS __pgt_r3 FROM o WHERE o.__pgt_rescan)"))
      << sql;
  EXPECT_FALSE(contains(sql, "IN (SELECT")) << sql;  // no rescan of the groups' rows

  // One key: its NULL group has a probe of its own; a FILTER restricts it.
  shape.keys = {"__pgt_g0"};
  shape.key_texts = {KeyText::Plain};
  shape.aggregates[3] = AggregateOutput{AggregateKind::Min, "__pgt_a3_0", "__pgt_f3", "", ""};
  sql = pgt::dvm::grouped_apply_sql("\"public\".\"st\"", shape, "SELECT 1", "SELECT 2");
  EXPECT_TRUE(contains(sql, "CASE WHEN o.\"__pgt_g0\" IS NULL THEN (SELECT pg_catalog.min(i.\"__pgt_a3_0\") FROM "
                            "(SELECT 2) i WHERE i.\"__pgt_g0\" IS NULL AND i.\"__pgt_f3\") ELSE (SELECT "
                            "pg_catalog.min(i.\"__pgt_a3_0\") FROM (SELECT 2) i WHERE i.\"__pgt_g0\" = "
                            "o.\"__pgt_g0\" AND i.\"__pgt_f3\") END AS __pgt_r3"))
      << sql;
}

TEST(GroupedSql, ScalarAggregateKeepsItsRow) {
  GroupedShape s = algebraic_shape();
  s.keys.clear();
  s.key_texts.clear();
  s.scalar = true;
  s.outputs.erase(s.outputs.begin());
  std::string sql = pgt::dvm::grouped_apply_sql("t", s, "SELECT 1", "SELECT 2");
  // Never deleted (at count 0 it shows COUNT 0 and NULLs).
  EXPECT_FALSE(contains(sql, "THEN DELETE")) << sql;
  EXPECT_TRUE(contains(sql, "WHEN NOT MATCHED THEN INSERT")) << sql;
  EXPECT_TRUE(contains(sql, "HAVING pg_catalog.count(*) > 0")) << sql;
}

TEST(GroupedSql, RescanRecomputesTouchedGroupsThroughTheQuerysGrouping) {
  GroupedShape s;
  s.keys = {"__pgt_g0"};
  s.key_texts = {KeyText::Plain};
  s.outputs = {GroupedOutput{"g", "text", true, 0, -1}, GroupedOutput{"names", "text", true, -1, -1}};
  s.grouping_sql = "SELECT __pgt_g0 AS g, string_agg(__pgt_a0_0, ',') AS names, __pgt_g0 FROM __pgt_input GROUP BY 1";
  std::string sql = pgt::dvm::grouped_apply_sql("t", s, "SELECT 1", "SELECT 2");
  EXPECT_TRUE(contains(sql, "WITH __pgt_input AS (SELECT * FROM (SELECT 2) i WHERE i.\"__pgt_g0\" = ANY (ARRAY(")) << sql;
  EXPECT_TRUE(contains(sql, s.grouping_sql)) << sql;
  EXPECT_TRUE(contains(sql, "NOT EXISTS (SELECT 1 FROM r WHERE r.__pgt_gid = a.__pgt_gid)")) << sql;
}

TEST(GroupedSql, MultiplicityKeepsOneRowPerCopy) {
  GroupedShape s;
  s.keys = {"__pgt_g0"};
  s.key_texts = {KeyText::Plain};
  s.multiplicity = true;
  s.outputs = {GroupedOutput{"v", "integer", true, 0, -1}};
  s.grouping_sql = "SELECT __pgt_g0 AS v, __pgt_g0, 2::int8 AS __pgt_m FROM __pgt_input GROUP BY 1";
  auto hidden = pgt::dvm::grouped_hidden_columns(s);
  ASSERT_EQ(hidden.size(), 1u);
  EXPECT_EQ(hidden[0].name, "__pgt_group");
  EXPECT_TRUE(hidden[0].indexed);
  std::string apply = pgt::dvm::grouped_apply_sql("t", s, "SELECT 1", "SELECT 2");
  EXPECT_TRUE(contains(apply, "pg_catalog.generate_series(1, o.__pgt_m)")) << apply;
  EXPECT_TRUE(contains(apply, "|| '#' || n.n::pg_catalog.text")) << apply;
  EXPECT_TRUE(contains(apply, "t.\"__pgt_group\" = a.__pgt_gid")) << apply;
  std::string full = pgt::dvm::grouped_full_insert_sql("t", s, "SELECT 2");
  EXPECT_TRUE(contains(full, "\"__pgt_group\") SELECT r.\"v\", r.__pgt_rid, r.__pgt_gid")) << full;
}

}  // namespace

// A grouping without GROUP BY returns a row over no rows at all: the group
// rescan must replace the table's one row only when a change reached it (a
// change the WHERE rejected leaves the touched set empty).
TEST(GroupedSql, ScalarGroupRescanRecomputesOnlyWhenTheGroupWasTouched) {
  GroupedShape s;
  s.scalar = true;
  s.outputs = {GroupedOutput{"total", "numeric", true, -1, -1}};
  s.grouping_sql = "SELECT sum(__pgt_a0_0) AS total FROM __pgt_input";
  std::string sql = pgt::dvm::grouped_apply_sql("\"public\".\"st\"", s, "SELECT 1", "SELECT 2");
  EXPECT_TRUE(contains(sql, "FROM __pgt_input) o) q WHERE EXISTS (SELECT 1 FROM a g)")) << sql;
  s.scalar = false;
  s.keys = {"__pgt_g0"};
  s.key_texts = {KeyText::Plain};
  sql = pgt::dvm::grouped_apply_sql("\"public\".\"st\"", s, "SELECT 1", "SELECT 2");
  EXPECT_FALSE(contains(sql, ") q WHERE EXISTS")) << sql;  // the restricted input holds touched groups only
}
