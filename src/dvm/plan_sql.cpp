// Refresh statements from the plan: see plan_sql.h.
#include "dvm/plan_sql.h"

#include <algorithm>

namespace pgt::dvm {

namespace {

bool is_grouping(const PlanNode& node) {
  return node.kind == PlanNodeKind::Grouping || node.kind == PlanNodeKind::SetOperation;
}

// The terms of a select-project-join node a refresh needs: a term reading
// the changes of a table that has none is empty (multilinear in them).
std::vector<DeltaTerm> needed_terms(const PlanNode& spj, const std::vector<unsigned>* changed) {
  if (changed == nullptr) return spj.terms;
  std::vector<DeltaTerm> terms;
  for (const DeltaTerm& term : spj.terms)
    if (std::all_of(term.delta_tables.begin(), term.delta_tables.end(), [&](unsigned relid) {
          return std::find(changed->begin(), changed->end(), relid) != changed->end();
        }))
      terms.push_back(term);
  return terms;
}

// What a select-project-join node produces for its parent: its signed delta
// ("" when no term is needed).
std::string signed_delta_sql(const PlanNode& spj, const std::vector<unsigned>* changed) {
  std::vector<DeltaTerm> terms = needed_terms(spj, changed);
  return terms.empty() ? "" : signed_terms_sql(spj.columns, terms);
}

// A partition rescan's shape with its leaves' deltas (every leaf's terms:
// the touched partitions are read from all of them).
PartitionShape with_leaf_deltas(const PlanNode& rescan) {
  PartitionShape shape = *rescan.partition;
  for (const PlanNode& leaf : rescan.children) shape.leaf_deltas.push_back(signed_delta_sql(leaf, nullptr));
  return shape;
}

}  // namespace

std::string plan_full_insert_sql(const std::string& table, const PlanNode& root) {
  if (root.kind == PlanNodeKind::PartitionRescan) return partition_full_insert_sql(table, *root.partition);
  if (is_grouping(root)) return grouped_full_insert_sql(table, *root.grouped, root.children.at(0).full_sql);
  return full_insert_sql(table, root.columns, root.full_sql);
}

std::string plan_apply_sql(const std::string& table, const PlanNode& root, const std::vector<unsigned>* changed,
                           bool report_counts) {
  if (root.kind == PlanNodeKind::PartitionRescan) return partition_apply_sql(table, with_leaf_deltas(root));
  if (is_grouping(root)) {
    const PlanNode& input = root.children.at(0);
    std::string delta = signed_delta_sql(input, changed);
    if (delta.empty()) return "";
    return grouped_apply_sql(table, *root.grouped, "SELECT * FROM (" + delta + ") s", input.full_sql);
  }
  std::vector<DeltaTerm> terms = needed_terms(root, changed);
  if (terms.empty()) return "";
  return apply_delta_sql(table, root.columns, consolidated_delta_sql(root.columns, terms), root.unique_ids,
                         report_counts);
}

std::string plan_append_sql(const std::string& table, const PlanNode& root, const std::vector<unsigned>* changed,
                            bool report_counts) {
  if (root.kind != PlanNodeKind::SelectProjectJoin || !root.grows_with_inserts) return "";
  std::vector<DeltaTerm> terms = needed_terms(root, changed);
  if (terms.empty()) return "";
  return append_delta_sql(table, root.columns, terms, root.unique_ids, report_counts);
}

bool plan_apply_depends_on_changed(const PlanNode& root) { return root.kind != PlanNodeKind::PartitionRescan; }

std::string plan_touched_partitions_sql(const PlanNode& root) {
  if (root.kind != PlanNodeKind::PartitionRescan) return "";
  return partition_touched_sql(with_leaf_deltas(root));
}

std::vector<HiddenColumn> plan_hidden_columns(const PlanNode& root) {
  if (is_grouping(root)) return grouped_hidden_columns(*root.grouped);
  return {};
}

}  // namespace pgt::dvm
