// The statements of a DIFFERENTIAL refresh, generated from the maintenance
// plan node by node (dvm/maintenance_plan.h). Pure C++.
//
//   SelectProjectJoin  its signed delta: the signed union of its terms
//                      (those reading only changed tables' deltas)
//   Grouping,          the groups the input's signed delta touches, merged
//   SetOperation       or recomputed (dvm/grouped_sql.h)
//   PartitionRescan    the partitions its leaves' signed deltas touch,
//                      recomputed (dvm/partition_sql.h)
// At the root, the node's output is applied to the storage table.
#pragma once

#include <string>
#include <vector>

#include "dvm/maintenance_plan.h"

namespace pgt::dvm {

// INSERT of the whole result (FULL / first refresh).
std::string plan_full_insert_sql(const std::string& table, const PlanNode& root);

// The statement that applies the delta and returns (inserted, updated,
// deleted) or is a MERGE (see grouped_apply_sql). changed: the sources with
// unconsumed changes (terms reading another table's changes are left out);
// nullptr: all. "" when no term is left. report_counts = false: a
// select-project-join's statement returns no counts (IMMEDIATE records none).
std::string plan_apply_sql(const std::string& table, const PlanNode& root, const std::vector<unsigned>* changed,
                           bool report_counts = true);

// For a batch of inserts only: the statement that appends them (see
// dvm::append_delta_sql), or "" when the plan's result can lose rows on
// inserts (or no term is left).
std::string plan_append_sql(const std::string& table, const PlanNode& root, const std::vector<unsigned>* changed,
                            bool report_counts = true);

// Whether plan_apply_sql depends on `changed` (not for partition rescan,
// whose touched partitions are read from every leaf's delta).
bool plan_apply_depends_on_changed(const PlanNode& root);

// Partition rescan only: the touched partitions (three values following the
// delta parameters of the apply statement); "" otherwise.
std::string plan_touched_partitions_sql(const PlanNode& root);

// State columns the storage table keeps besides the query's.
std::vector<HiddenColumn> plan_hidden_columns(const PlanNode& root);

}  // namespace pgt::dvm
