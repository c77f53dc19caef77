// The maintenance plan of a stream table: how each part of its defining
// query is kept up to date. Pure C++.
//
// The frontend turns the analyzed query, once, into a tree of plan nodes
// (frontend/plan_builder.h): one node per maintained operator, each saying
// what it consumes from its children, what it produces for its parent and
// what a refresh costs there. Every decision "can this part be maintained,
// and how" is made while building the tree; a construct that cannot be
// maintained becomes an Unmaintainable node carrying the reason and a HINT,
// at the place where it occurs. The refresh's SQL is generated from the tree
// (dvm/plan_sql.h), the text form (plan_text) is stored with the stream table
// and shown by pgtrickle.maintenance_plan().
//
//   Grouping / SetOperation     consume the signed delta of their input (a
//                               select-project-join node) and upsert the
//                               touched groups' rows
//   PartitionRescan             consumes its leaves' signed deltas as touched
//                               partition keys and recomputes those partitions
//   SelectProjectJoin           produces a signed delta (inclusion-exclusion
//                               over its scans; see dvm/delta_sql.h)
//   OuterJoinExpansion          the select-project-join's outer joins as a
//                               signed sum of inner-join variants
//   Scan                        a table: its new state and its change buffer
//   WatchedTable                a table read by a subquery in an expression:
//                               a change to it makes the refresh FULL
//   Unmaintainable              the reason and HINT
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/output_column.h"
#include "dvm/delta_sql.h"
#include "dvm/grouped_sql.h"
#include "dvm/partition_sql.h"

namespace pgt::dvm {

enum class PlanNodeKind {
  SelectProjectJoin,
  OuterJoinExpansion,
  Scan,
  WatchedTable,
  Grouping,
  SetOperation,
  PartitionRescan,
  Unmaintainable,
};

// What flows along an edge of the tree.
enum class Flow {
  Nothing,
  Changes,      // rows of a change buffer
  SignedDelta,  // rows with a signed multiplicity (__pgt_w)
  TouchedKeys,  // the keys (groups, partitions) whose rows must be recomputed
  TableRows,    // the stream table's rows, written by the apply statement
};

// How the work of a node grows.
enum class CostClass {
  PerChange,                // with the number of changes
  PerTouchedGroup,          // with the groups the changes touch (their stored state updated)
  RescanTouchedGroups,      // with the rows of the groups the changes touch (read again)
  RescanTouchedPartitions,  // with the rows of the partitions the changes touch (recomputed)
  WholeResult,              // with the whole result (recomputed)
};

const char* plan_node_kind_name(PlanNodeKind kind);  // "Grouping", ...
const char* flow_name(Flow flow);                     // "signed delta", ...
const char* cost_class_name(CostClass cost);          // "per change", ...

// A table the plan reads, as change capture must know it.
struct SourceTable {
  unsigned relid = 0;
  std::string schema;
  std::string name;
  std::vector<std::string> key_columns;   // primary key; empty: keyless
  std::vector<std::string> used_columns;  // columns the query reads
};

struct PlanNode {
  PlanNodeKind kind = PlanNodeKind::Unmaintainable;
  std::string strategy;  // how, in words ("algebraic: count, sum", "3 terms over 2 scans")
  Flow consumes = Flow::Nothing;
  Flow produces = Flow::Nothing;
  CostClass cost = CostClass::PerChange;
  std::string reason;  // Unmaintainable: the construct, in words a user recognizes
  std::string hint;    // Unmaintainable: what to do instead
  std::vector<PlanNode> children;

  // Scan / WatchedTable: the table (key columns and the columns read).
  std::optional<SourceTable> table;
  bool inherit = false;  // Scan: read with its inheritance children (not ONLY)

  // The identities of the rows the node produces: unique (every scan keyed,
  // or one row per group), and of bounded width (a btree can index them).
  bool unique_ids = false;
  bool bounded_ids = true;
  // SelectProjectJoin: inserts into its tables only add rows to its result
  // (no outer join, EXISTS / IN: an insert can remove a padded or anti-joined
  // row there). Then a batch of inserts only is applied by plain INSERTs
  // (plan_append_sql).
  bool grows_with_inserts = false;

  // Why the node's result can lose a row when an input gains one (an
  // aggregate, EXCEPT, an outer join, NOT EXISTS, ...), "" when it cannot.
  // A cycle of stream tables is accepted only over monotone queries: their
  // iteration only adds rows, so it reaches a fixed point.
  std::string not_monotone;

  // What the node's SQL is generated from (filled when SQL is asked for).
  std::vector<OutputColumn> columns;  // the rows it produces
  // SelectProjectJoin: the query at its new state (no delta) and the terms
  // of its delta (those of every outer-join variant, signed).
  std::string full_sql;
  std::vector<DeltaTerm> terms;
  std::optional<GroupedShape> grouped;        // Grouping, SetOperation
  std::vector<unsigned> probe_indexes;        // Grouping: the indexes its MIN / MAX probes use
  std::optional<PartitionShape> partition;    // PartitionRescan (leaf deltas: its children's)
};

// The tree and what the layers above read from it, gathered in one place.
struct MaintenancePlan {
  PlanNode root;
  // Every table read (scans and watched tables), once each, in tree order.
  std::vector<SourceTable> tables;
  std::vector<unsigned> full_refresh_sources;   // watched tables: a change makes the refresh FULL
  std::vector<unsigned> probe_indexes;          // indexes the plan relies on

  // The first Unmaintainable node (depth first), or nullptr.
  const PlanNode* unmaintainable() const;
  // Its reason ("" when the plan is maintainable) and HINT.
  std::string not_differentiable_because() const;
  std::string hint() const;
  // The first reason (depth first) why the query is not monotone, "" when it
  // is: every node monotone and maintainable.
  std::string not_monotone_because() const;
};

// Fills the gathered fields of a plan from its tree.
void gather_plan(MaintenancePlan* plan);

// An Unmaintainable node.
PlanNode unmaintainable_node(const std::string& reason, const std::string& hint);

// One node as a line of the plan's text (plan_lines, depth first).
struct PlanLine {
  int depth = 0;
  std::string node;      // plan_node_kind_name
  std::string detail;    // the strategy (a table: its name and key; Unmaintainable: the reason)
  std::string consumes;  // flow_name (empty for Unmaintainable)
  std::string produces;
  std::string cost;      // cost_class_name (empty for Unmaintainable)
  std::string hint;      // Unmaintainable only
};
std::vector<PlanLine> plan_lines(const PlanNode& root);

// The text form: one line per node, indented two spaces per level:
//   <Kind>: <strategy>  [consumes X; produces Y; cost: Z]
// Scans and watched tables show the table and its key. Stable (no oids).
std::string plan_text(const PlanNode& root);

}  // namespace pgt::dvm
