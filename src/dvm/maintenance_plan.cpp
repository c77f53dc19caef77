// Maintenance plans: see maintenance_plan.h.
#include "dvm/maintenance_plan.h"

#include <algorithm>

#include "common/sql_quote.h"
#include "dvm/sql_text.h"

namespace pgt::dvm {

const char* plan_node_kind_name(PlanNodeKind kind) {
  switch (kind) {
    case PlanNodeKind::SelectProjectJoin: return "SelectProjectJoin";
    case PlanNodeKind::OuterJoinExpansion: return "OuterJoinExpansion";
    case PlanNodeKind::Scan: return "Scan";
    case PlanNodeKind::WatchedTable: return "WatchedTable";
    case PlanNodeKind::Grouping: return "Grouping";
    case PlanNodeKind::SetOperation: return "SetOperation";
    case PlanNodeKind::PartitionRescan: return "PartitionRescan";
    case PlanNodeKind::Unmaintainable: return "Unmaintainable";
  }
  return "Unmaintainable";
}

const char* flow_name(Flow flow) {
  switch (flow) {
    case Flow::Nothing: return "nothing";
    case Flow::Changes: return "changes";
    case Flow::SignedDelta: return "signed delta";
    case Flow::TouchedKeys: return "touched keys";
    case Flow::TableRows: return "table rows";
  }
  return "nothing";
}

const char* cost_class_name(CostClass cost) {
  switch (cost) {
    case CostClass::PerChange: return "per change";
    case CostClass::PerTouchedGroup: return "per touched group";
    case CostClass::RescanTouchedGroups: return "rows of touched groups";
    case CostClass::RescanTouchedPartitions: return "rows of touched partitions";
    case CostClass::WholeResult: return "whole result";
  }
  return "whole result";
}

namespace {

const PlanNode* first_unmaintainable(const PlanNode& node) {
  if (node.kind == PlanNodeKind::Unmaintainable) return &node;
  for (const PlanNode& child : node.children)
    if (const PlanNode* found = first_unmaintainable(child)) return found;
  return nullptr;
}

template <typename T>
void add_once(std::vector<T>* list, const T& value) {
  if (std::find(list->begin(), list->end(), value) == list->end()) list->push_back(value);
}

void gather(const PlanNode& node, MaintenancePlan* plan) {
  for (unsigned index : node.probe_indexes) add_once(&plan->probe_indexes, index);
  if (node.table) {
    const SourceTable& t = *node.table;
    auto it = std::find_if(plan->tables.begin(), plan->tables.end(),
                           [&](const SourceTable& seen) { return seen.relid == t.relid; });
    if (it == plan->tables.end()) {
      plan->tables.push_back(t);
    } else {
      for (const std::string& col : t.used_columns) add_once(&it->used_columns, col);
    }
    if (node.kind == PlanNodeKind::WatchedTable) add_once(&plan->full_refresh_sources, t.relid);
  }
  for (const PlanNode& child : node.children) gather(child, plan);
}

std::string table_label(const PlanNode& node) {
  const SourceTable& t = *node.table;
  std::string label = quote_qualified(t.schema, t.name);
  if (node.kind == PlanNodeKind::Scan && !node.inherit) label = "ONLY " + label;
  if (t.key_columns.empty()) return label + " (no key)";
  std::vector<std::string> keys;
  for (const std::string& k : t.key_columns) keys.push_back(quote_ident(k));
  return label + " (key " + join(keys, ", ") + ")";
}

// Text from a user (a reason naming a table) on one line.
std::string one_line(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  std::replace(text.begin(), text.end(), '\r', ' ');
  return text;
}

void collect_lines(const PlanNode& node, int depth, std::vector<PlanLine>* out) {
  PlanLine line;
  line.depth = depth;
  line.node = plan_node_kind_name(node.kind);
  if (node.kind == PlanNodeKind::Unmaintainable) {
    line.detail = one_line(node.reason);
    line.hint = one_line(node.hint);
  } else {
    std::string what = node.table ? table_label(node) : node.strategy;
    if (node.table && !node.strategy.empty()) what += ", " + node.strategy;
    line.detail = one_line(what);
    line.consumes = flow_name(node.consumes);
    line.produces = flow_name(node.produces);
    line.cost = cost_class_name(node.cost);
  }
  out->push_back(std::move(line));
  for (const PlanNode& child : node.children) collect_lines(child, depth + 1, out);
}

}  // namespace

const PlanNode* MaintenancePlan::unmaintainable() const { return first_unmaintainable(root); }

std::string MaintenancePlan::not_differentiable_because() const {
  const PlanNode* node = unmaintainable();
  return node != nullptr ? node->reason : "";
}

std::string MaintenancePlan::hint() const {
  const PlanNode* node = unmaintainable();
  return node != nullptr ? node->hint : "";
}

namespace {

std::string first_not_monotone(const PlanNode& node) {
  if (node.kind == PlanNodeKind::Unmaintainable) return node.reason;
  if (!node.not_monotone.empty()) return node.not_monotone;
  for (const PlanNode& child : node.children) {
    std::string why = first_not_monotone(child);
    if (!why.empty()) return why;
  }
  return "";
}

}  // namespace

std::string MaintenancePlan::not_monotone_because() const { return first_not_monotone(root); }

void gather_plan(MaintenancePlan* plan) {
  plan->tables.clear();
  plan->full_refresh_sources.clear();
  plan->probe_indexes.clear();
  gather(plan->root, plan);
}

PlanNode unmaintainable_node(const std::string& reason, const std::string& hint) {
  PlanNode node;
  node.kind = PlanNodeKind::Unmaintainable;
  node.reason = reason;
  node.hint = hint;
  node.cost = CostClass::WholeResult;
  return node;
}

std::vector<PlanLine> plan_lines(const PlanNode& root) {
  std::vector<PlanLine> lines;
  collect_lines(root, 0, &lines);
  return lines;
}

std::string plan_text(const PlanNode& root) {
  std::string out;
  for (const PlanLine& line : plan_lines(root)) {
    out.append(static_cast<size_t>(line.depth) * 2, ' ');
    out += line.node + ": " + line.detail;
    if (line.node == plan_node_kind_name(PlanNodeKind::Unmaintainable)) {
      if (!line.hint.empty()) out += "  HINT: " + line.hint;
    } else {
      out += "  [consumes " + line.consumes + "; produces " + line.produces + "; cost " + line.cost + "]";
    }
    out += "\n";
  }
  return out;
}

}  // namespace pgt::dvm
