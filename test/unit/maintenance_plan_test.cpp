// Unit tests of maintenance plans (dvm/maintenance_plan, dvm/plan_sql): the
// text form, what is gathered from the tree, and the statements generated
// node by node. (The builder, which needs PostgreSQL's parser, is tested on
// real queries by test/regress/sql/11_maintenance_plan.sql.)
#include <gtest/gtest.h>

#include "dvm/maintenance_plan.h"
#include "dvm/plan_sql.h"

using pgt::dvm::CostClass;
using pgt::dvm::DeltaTerm;
using pgt::dvm::Flow;
using pgt::dvm::MaintenancePlan;
using pgt::dvm::PlanNode;
using pgt::dvm::PlanNodeKind;
using pgt::dvm::SourceTable;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

PlanNode scan(unsigned relid, const std::string& name, std::vector<std::string> key,
              std::vector<std::string> used, PlanNodeKind kind = PlanNodeKind::Scan) {
  PlanNode node;
  node.kind = kind;
  node.consumes = Flow::Changes;
  node.produces = kind == PlanNodeKind::Scan ? Flow::SignedDelta : Flow::Nothing;
  node.cost = kind == PlanNodeKind::Scan ? CostClass::PerChange : CostClass::WholeResult;
  node.inherit = true;
  node.table = SourceTable{relid, "public", name, std::move(key), std::move(used)};
  return node;
}

// A join of orders (relid 10) and customers (relid 20): three terms, one per
// nonempty subset of the two scans.
PlanNode join_node() {
  PlanNode spj;
  spj.kind = PlanNodeKind::SelectProjectJoin;
  spj.strategy = "inclusion-exclusion over 2 scans, 3 terms";
  spj.consumes = Flow::Changes;
  spj.produces = Flow::SignedDelta;
  spj.cost = CostClass::PerChange;
  spj.unique_ids = true;
  spj.columns = {{"id", "integer", "", true, true}, {"name", "text", "", true, true}};
  spj.full_sql = "SELECT full_join";
  spj.terms = {DeltaTerm{1, "SELECT delta_orders", false, {10}}, DeltaTerm{2, "SELECT delta_customers", false, {20}},
               DeltaTerm{3, "SELECT delta_both", false, {10, 20}}};
  spj.children = {scan(10, "orders", {"id"}, {"id", "cust"}), scan(20, "customers", {"id"}, {"name"})};
  return spj;
}

TEST(MaintenancePlan, TextIsOneIndentedLinePerNode) {
  PlanNode grouping;
  grouping.kind = PlanNodeKind::Grouping;
  grouping.strategy = "algebraic (count(*), sum), 1 key";
  grouping.consumes = Flow::SignedDelta;
  grouping.produces = Flow::TableRows;
  grouping.cost = CostClass::PerTouchedGroup;
  grouping.children = {join_node()};
  EXPECT_EQ(pgt::dvm::plan_text(grouping),
            "Grouping: algebraic (count(*), sum), 1 key  [consumes signed delta; produces table rows; cost per "
            "touched group]\n"
            "  SelectProjectJoin: inclusion-exclusion over 2 scans, 3 terms  [consumes changes; produces signed "
            "delta; cost per change]\n"
            "    Scan: \"public\".\"orders\" (key \"id\")  [consumes changes; produces signed delta; cost per "
            "change]\n"
            "    Scan: \"public\".\"customers\" (key \"id\")  [consumes changes; produces signed delta; cost per "
            "change]\n");
}

TEST(MaintenancePlan, TextQuotesHostileNamesAndKeepsThemOnOneLine) {
  PlanNode node = scan(7, "a\"b\nc", {"k ey"}, {}, PlanNodeKind::Scan);
  node.inherit = false;
  std::string text = pgt::dvm::plan_text(node);
  EXPECT_EQ(text, "Scan: ONLY \"public\".\"a\"\"b c\" (key \"k ey\")  [consumes changes; produces signed delta; "
                  "cost per change]\n");
  PlanNode keyless = scan(8, "events", {}, {"kind"});
  EXPECT_TRUE(contains(pgt::dvm::plan_text(keyless), "\"public\".\"events\" (no key)"));
}

TEST(MaintenancePlan, UnmaintainableNodeShowsReasonAndHint) {
  PlanNode grouping;
  grouping.kind = PlanNodeKind::Grouping;
  grouping.strategy = "group rescan, 1 key";
  grouping.children = {pgt::dvm::unmaintainable_node("window functions", "Use FULL.")};
  MaintenancePlan plan;
  plan.root = grouping;
  ASSERT_NE(plan.unmaintainable(), nullptr);
  EXPECT_EQ(plan.not_differentiable_because(), "window functions");
  EXPECT_EQ(plan.hint(), "Use FULL.");
  EXPECT_TRUE(contains(pgt::dvm::plan_text(grouping), "\n  Unmaintainable: window functions  HINT: Use FULL.\n"));
  MaintenancePlan fine;
  fine.root = join_node();
  EXPECT_EQ(fine.unmaintainable(), nullptr);
  EXPECT_EQ(fine.not_differentiable_because(), "");
}

TEST(MaintenancePlan, GatherListsEachTableOnceWithEveryColumnRead) {
  PlanNode spj = join_node();
  // orders again (another scan reads another column), a watched table, and
  // a table read without its children.
  spj.children.push_back(scan(10, "orders", {"id"}, {"amount"}));
  spj.children.push_back(scan(30, "limits", {"id"}, {"cap"}, PlanNodeKind::WatchedTable));
  PlanNode only = scan(40, "parent", {}, {"v"});
  only.inherit = false;
  spj.children.push_back(only);
  PlanNode grouping;
  grouping.kind = PlanNodeKind::Grouping;
  grouping.probe_indexes = {501};
  grouping.children = {spj};
  MaintenancePlan plan;
  plan.root = grouping;
  pgt::dvm::gather_plan(&plan);
  ASSERT_EQ(plan.tables.size(), 4u);
  EXPECT_EQ(plan.tables[0].relid, 10u);
  EXPECT_EQ(plan.tables[0].used_columns, (std::vector<std::string>{"id", "cust", "amount"}));
  EXPECT_EQ(plan.tables[1].relid, 20u);
  EXPECT_EQ(plan.full_refresh_sources, std::vector<unsigned>{30});
  EXPECT_EQ(plan.probe_indexes, std::vector<unsigned>{501});
}

TEST(MaintenancePlan, NotMonotoneNamesTheFirstConstructDepthFirst) {
  // A cycle of stream tables is accepted only over monotone plans.
  MaintenancePlan plan;
  plan.root.kind = PlanNodeKind::SetOperation;  // UNION: monotone
  PlanNode spj;
  spj.kind = PlanNodeKind::SelectProjectJoin;
  spj.children.push_back(scan(1, "a", {"id"}, {"id"}));
  plan.root.children.push_back(spj);
  EXPECT_EQ(plan.not_monotone_because(), "");
  plan.root.children[0].not_monotone = "an outer join, NOT EXISTS or NOT IN";
  PlanNode grouping;
  grouping.kind = PlanNodeKind::Grouping;
  grouping.not_monotone = "an aggregate";
  plan.root.children.push_back(grouping);
  EXPECT_EQ(plan.not_monotone_because(), "an outer join, NOT EXISTS or NOT IN");
  // An unmaintainable part is no fixed point either: its reason.
  plan.root.children.insert(plan.root.children.begin(), pgt::dvm::unmaintainable_node("window functions", ""));
  EXPECT_EQ(plan.not_monotone_because(), "window functions");
}

TEST(PlanSql, SelectProjectJoinAppliesOnlyTheTermsOfChangedTables) {
  PlanNode spj = join_node();
  std::string all = pgt::dvm::plan_apply_sql("\"s\".\"st\"", spj, nullptr);
  EXPECT_TRUE(contains(all, "delta_orders") && contains(all, "delta_customers") && contains(all, "delta_both"));
  std::vector<unsigned> orders_only{10};
  std::string some = pgt::dvm::plan_apply_sql("\"s\".\"st\"", spj, &orders_only);
  EXPECT_TRUE(contains(some, "delta_orders")) << some;
  EXPECT_FALSE(contains(some, "delta_customers")) << some;
  EXPECT_FALSE(contains(some, "delta_both")) << some;
  std::vector<unsigned> none{99};
  EXPECT_EQ(pgt::dvm::plan_apply_sql("\"s\".\"st\"", spj, &none), "");
  EXPECT_TRUE(pgt::dvm::plan_apply_depends_on_changed(spj));
  EXPECT_TRUE(contains(pgt::dvm::plan_full_insert_sql("\"s\".\"st\"", spj), "SELECT full_join"));
  EXPECT_TRUE(pgt::dvm::plan_hidden_columns(spj).empty());
  EXPECT_EQ(pgt::dvm::plan_touched_partitions_sql(spj), "");
}

TEST(PlanSql, GroupingReadsItsInputsSignedDeltaAndFullQuery) {
  PlanNode grouping;
  grouping.kind = PlanNodeKind::Grouping;
  pgt::dvm::GroupedShape shape;
  shape.algebraic = true;
  shape.keys = {"__pgt_g0"};
  shape.key_texts = {pgt::dvm::KeyText::Plain};
  pgt::dvm::GroupedOutput key;
  key.name = "region";
  key.type_sql = "text";
  key.key = 0;
  pgt::dvm::GroupedOutput n;
  n.name = "n";
  n.type_sql = "bigint";
  n.aggregate = 0;
  shape.outputs = {key, n};
  shape.aggregates = {pgt::dvm::AggregateOutput{}};
  grouping.grouped = shape;
  grouping.children = {join_node()};
  std::vector<unsigned> customers_only{20};
  std::string apply = pgt::dvm::plan_apply_sql("\"s\".\"st\"", grouping, &customers_only);
  EXPECT_TRUE(contains(apply, "delta_customers")) << apply;
  EXPECT_FALSE(contains(apply, "delta_orders")) << apply;
  EXPECT_TRUE(contains(apply, "MERGE INTO \"s\".\"st\"")) << apply;
  EXPECT_TRUE(contains(pgt::dvm::plan_full_insert_sql("\"s\".\"st\"", grouping), "SELECT full_join"));
  EXPECT_FALSE(pgt::dvm::plan_hidden_columns(grouping).empty());
  std::vector<unsigned> none{99};
  EXPECT_EQ(pgt::dvm::plan_apply_sql("\"s\".\"st\"", grouping, &none), "");
}

TEST(PlanSql, PartitionRescanReadsEveryLeafsDelta) {
  PlanNode rescan;
  rescan.kind = PlanNodeKind::PartitionRescan;
  pgt::dvm::PartitionShape shape;
  shape.column = "cust";
  shape.type_sql = "integer";
  shape.columns = {{"cust", "integer", "", true, true}, {"total", "numeric", "", false, true}};
  shape.query_sql = "SELECT whole_query";
  shape.restricted_sql = "SELECT restricted_query";
  rescan.partition = shape;
  PlanNode leaf = join_node();
  rescan.children = {leaf, leaf};
  EXPECT_FALSE(pgt::dvm::plan_apply_depends_on_changed(rescan));
  std::string touched = pgt::dvm::plan_touched_partitions_sql(rescan);
  size_t first = touched.find("delta_customers");
  ASSERT_NE(first, std::string::npos) << touched;
  EXPECT_NE(touched.find("delta_customers", first + 1), std::string::npos) << "both leaves: " << touched;
  std::vector<unsigned> orders_only{10};
  EXPECT_TRUE(contains(pgt::dvm::plan_apply_sql("\"s\".\"st\"", rescan, &orders_only), "SELECT restricted_query"));
  EXPECT_TRUE(contains(pgt::dvm::plan_full_insert_sql("\"s\".\"st\"", rescan), "SELECT whole_query"));
}

}  // namespace
