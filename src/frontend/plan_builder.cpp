// The maintenance plan's builder: see plan_builder.h.
#include "frontend/plan_builder.h"

#include <cstring>
#include <utility>

#include "common/sql_quote.h"
#include "frontend/grouped_derivation.h"
#include "frontend/grouping_sets.h"
#include "frontend/target_srfs.h"
#include "frontend/partition_derivation.h"
#include "frontend/query_tree.h"
#include "frontend/spj_derivation.h"
#include "pg/boundary.h"

namespace pgt::frontend {

namespace {

dvm::PlanNode plan_query(const std::string& sql, dvm::ChangeSource source);

const char* aggregate_name(dvm::AggregateKind kind) {
  switch (kind) {
    case dvm::AggregateKind::CountStar: return "count(*)";
    case dvm::AggregateKind::Count: return "count";
    case dvm::AggregateKind::Sum: return "sum";
    case dvm::AggregateKind::Avg: return "avg";
    case dvm::AggregateKind::Min: return "min";
    case dvm::AggregateKind::Max: return "max";
  }
  return "?";
}

// How the groups are kept, in words.
std::string grouping_strategy(const dvm::GroupedShape& shape, bool set_operation) {
  std::string keys = shape.scalar ? "no key (one row)"
                                  : std::to_string(shape.keys.size()) + " key" + (shape.keys.size() == 1 ? "" : "s");
  if (shape.multiplicity) return "multiplicity rescan of touched rows (INTERSECT ALL / EXCEPT ALL), " + keys;
  if (!shape.algebraic)
    return std::string(set_operation ? "rescan of touched rows (INTERSECT / EXCEPT)" : "group rescan") + ", " + keys;
  if (set_operation) return "row counts (UNION), " + keys;
  std::string aggregates;
  bool extremum = false;
  for (const dvm::AggregateOutput& a : shape.aggregates) {
    std::string name = aggregate_name(a.kind);
    if (aggregates.find(name) != std::string::npos) continue;
    aggregates += (aggregates.empty() ? "" : ", ") + name;
    extremum = extremum || a.kind == dvm::AggregateKind::Min || a.kind == dvm::AggregateKind::Max;
  }
  std::string strategy = "algebraic (" + (aggregates.empty() ? std::string("row counts") : aggregates) + "), " + keys;
  if (extremum)
    strategy += shape.extremum_probes ? "; a removed extremum is found again by an index probe"
                                      : "; a removed extremum rescans its group";
  return strategy;
}

// GROUP BY / aggregates / DISTINCT, or UNION / INTERSECT / EXCEPT without
// ALL, at the top of q: the groups over the input's signed delta.
// Why a set operation tree can lose a row when a branch gains one: EXCEPT
// (UNION and INTERSECT, with or without ALL, only grow).
const char* set_operation_not_monotone(Node* op) {
  if (op == nullptr || !IsA(op, SetOperationStmt)) return nullptr;
  auto* s = reinterpret_cast<SetOperationStmt*>(op);
  if (s->op == SETOP_EXCEPT) return s->all ? "EXCEPT ALL" : "EXCEPT";
  const char* left = set_operation_not_monotone(s->larg);
  return left != nullptr ? left : set_operation_not_monotone(s->rarg);
}

// Why a grouping at the top of q can lose a row when its input gains one:
// an aggregate's value changes (its old row goes), HAVING can turn false.
// DISTINCT and GROUP BY without aggregates are sets of keys: they only grow.
std::string grouping_not_monotone(Query* q) {
  if (q->setOperations != nullptr) {
    const char* op = set_operation_not_monotone(q->setOperations);
    return op != nullptr ? op : "";
  }
  if (q->hasAggs) return "an aggregate";
  if (q->havingQual != nullptr) return "HAVING";
  if (q->hasDistinctOn) return "DISTINCT ON";
  return "";
}

dvm::PlanNode grouping_node(Query* q, dvm::ChangeSource source) {
  bool set_operation = q->setOperations != nullptr;
  std::string not_monotone = grouping_not_monotone(q);  // before derive_grouping changes q
  GroupedDerivation g = derive_grouping(q);
  if (!g.not_differentiable_because.empty()) return dvm::unmaintainable_node(g.not_differentiable_because, "");
  dvm::PlanNode node;
  node.kind = set_operation ? dvm::PlanNodeKind::SetOperation : dvm::PlanNodeKind::Grouping;
  node.consumes = dvm::Flow::SignedDelta;
  node.produces = dvm::Flow::TableRows;
  node.cost = g.shape.algebraic ? dvm::CostClass::PerTouchedGroup : dvm::CostClass::RescanTouchedGroups;
  node.strategy = grouping_strategy(g.shape, set_operation);
  node.unique_ids = true;  // one row per group
  node.bounded_ids = g.bounded_keys;
  for (Oid index : g.probe_indexes) node.probe_indexes.push_back(index);
  node.grouped = std::move(g.shape);
  node.not_monotone = not_monotone;
  // The input is select-project-join, or says why not.
  node.children.push_back(plan_query(g.input_sql, source));
  return node;
}

// A grouping below another operator: partition rescan over the signed deltas
// of its select-project-join leaves (see dvm/partition_sql.h).
dvm::PlanNode partition_node(Query* q, const std::string& sql, dvm::ChangeSource source) {
  PartitionDerivation partition = derive_partition(q);
  if (!partition.not_differentiable_because.empty())
    return dvm::unmaintainable_node(partition.not_differentiable_because, "");
  dvm::PartitionShape shape;
  shape.columns = visible_columns(q);
  if (partition.column >= 0) {
    shape.column = shape.columns.at(partition.column).name;
    shape.type_sql = partition.type_sql;
    shape.key_text = partition.key_text;
    shape.restricted_sql = partition.restricted_sql;
  }
  shape.query_sql = sql;
  shape.largest_limit = partition.largest_limit;
  dvm::PlanNode node;
  node.kind = dvm::PlanNodeKind::PartitionRescan;
  node.consumes = dvm::Flow::TouchedKeys;
  node.produces = dvm::Flow::TableRows;
  node.cost = shape.column.empty() ? dvm::CostClass::WholeResult : dvm::CostClass::RescanTouchedPartitions;
  node.strategy = shape.column.empty() ? "one partition: the whole result, recomputed when a leaf changes"
                                       : "partitions by column " + quote_ident(shape.column) + ", " +
                                             std::to_string(partition.leaf_sql.size()) +
                                             (partition.leaf_sql.size() == 1 ? " leaf" : " leaves");
  node.unique_ids = false;  // a partition's rows are replaced together
  // (Not proven either way: a grouping below a join can lose rows.)
  node.not_monotone = "a grouping, set operation or window function below another operator (partition rescan)";
  node.columns = shape.columns;
  node.partition = std::move(shape);
  for (const std::string& leaf_sql : partition.leaf_sql) node.children.push_back(plan_query(leaf_sql, source));
  return node;
}

// The plan of one query text (the defining query, a grouping's input, a
// partition rescan's leaf).
dvm::PlanNode plan_query(const std::string& sql, dvm::ChangeSource source) {
  Query* query = nullptr;
  const char* reason = nullptr;
  bool grouping = false;
  bool nested = false;
  bool grouping_sets = false;
  bool target_srfs = false;
  pg::guard([&] {
    query = parse_and_rewrite(sql.c_str());
    inline_ctes(query);
    if (has_whole_row_var(reinterpret_cast<Node*>(query), nullptr))
      reason = "whole-row references (t.*, row_to_json(t), a table or subquery as a value)";
    else if (has_time_dependence(reinterpret_cast<Node*>(query), nullptr))
      reason = "time-dependent functions (now(), CURRENT_DATE, CURRENT_TIMESTAMP, ...)";
    else if (query->hasRecursive)
      reason = "WITH RECURSIVE";
    if (reason != nullptr) return;
    grouping_sets = query->groupingSets != NIL;
    target_srfs = query->hasTargetSRFs;
    nested = needs_partition_rescan(query);
    grouping = !nested && is_grouping_query(query);
  });
  if (reason != nullptr) return dvm::unmaintainable_node(reason, "");
  // Set-returning functions in the select list become a LATERAL function in
  // FROM; GROUPING SETS one plain grouping over a branch per set.
  if (target_srfs || grouping_sets) {
    QueryRewrite rewrite = target_srfs ? rewrite_target_srfs(query) : rewrite_grouping_sets(query);
    if (!rewrite.refused_because.empty()) return dvm::unmaintainable_node(rewrite.refused_because, "");
    return plan_query(rewrite.sql, source);
  }
  if (nested) return partition_node(query, sql, source);
  if (grouping) return grouping_node(query, source);
  return plan_select_project_join(query, source);
}

void fill_hints(dvm::PlanNode* node) {
  if (node->kind == dvm::PlanNodeKind::Unmaintainable && node->hint.empty())
    node->hint = unmaintainable_hint(node->reason);
  for (dvm::PlanNode& child : node->children) fill_hints(&child);
}

}  // namespace

std::string unmaintainable_hint(const std::string& reason) {
  static const std::pair<const char*, const char*> kHints[] = {
      {"whole-row references", "Name the columns the query needs instead of the whole row."},
      {"window functions",
       "Window functions are recomputed by FULL refresh; or keep the window in a view over a stream table of its "
       "input."},
      {"GROUPING SETS", "Write each grouping set as its own GROUP BY, combined with UNION ALL."},
      {"LIMIT without ORDER BY", "Add an ORDER BY that decides which rows are kept (ending on a unique key)."},
      {"LIMIT / OFFSET", "Keep ORDER BY ... LIMIT in a view over the stream table."},
      {"ONLY on a table with inheritance children",
       "Read the parent with its children (without ONLY): a statement on the parent changes its children's rows "
       "too, without telling which table they are in."},
      {"WITH RECURSIVE", "A recursive query is recomputed by FULL refresh."},
      {"ONLY on a partitioned table", "A partitioned table holds no rows of its own: read it without ONLY."},
      {"time-dependent functions",
       "A stream table maintained by its changes cannot follow the clock: compare with a column the application "
       "sets, or keep the time filter in a view over the stream table."},
      {"more than ", "Split the query into stream tables over stream tables, each joining fewer tables."},
      {"a select-list column that is neither grouped nor aggregated",
       "Add the column to GROUP BY (the result is the same, as the key determines it)."},
      {"NOT IN (subquery)", "Write it as NOT EXISTS, or declare both columns NOT NULL."},
      {"a join with its own alias", "Remove the alias of the join, or wrap the join in a subquery."},
      {"row-level security on a source",
       "A DIFFERENTIAL refresh reads the source's rows directly; FULL refreshes read them through the policies of "
       "the stream table's owner."},
      {"a query that reads no table", "There are no changes to follow: a FULL refresh computes it."},
      {"a table logical replication writes into",
       "Its apply worker fires no statement trigger, so replicated changes cannot be captured: use FULL, or "
       "create the stream table on the publisher."},
      {"GROUP BY / DISTINCT on a value of type", "Group by a cast of the value to a type whose equal values are "
       "identical (e.g. text), or use FULL."},
  };
  for (const auto& [prefix, hint] : kHints)
    if (reason.compare(0, strlen(prefix), prefix) == 0)
      return std::string(hint) + " Or use refresh_mode => 'AUTO' (FULL refresh when needed) or 'FULL'.";
  return "Use refresh_mode => 'AUTO' to fall back to FULL refresh automatically, or 'FULL'.";
}

dvm::MaintenancePlan build_maintenance_plan(const std::string& normalized_sql, dvm::ChangeSource source) {
  dvm::MaintenancePlan plan;
  plan.root = plan_query(normalized_sql, source);
  fill_hints(&plan.root);
  dvm::gather_plan(&plan);
  return plan;
}

}  // namespace pgt::frontend
