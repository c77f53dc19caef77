// Generated refresh SQL: see delta_plan.h.
#include "refresh/delta_plan.h"

#include <memory>

#include "common/user_error.h"
#include "dvm/delta_sql.h"
#include "dvm/plan_sql.h"
#include "frontend/plan_builder.h"

namespace pgt::refresh {

DeltaSql build_delta_sql(const std::string& normalized_sql, const std::string& table, dvm::ChangeSource source) {
  auto plan = std::make_shared<const dvm::MaintenancePlan>(frontend::build_maintenance_plan(normalized_sql, source));
  // Source DDL that makes the query unmaintainable is refused (see
  // source_ddl_check.cpp); this guards what that check cannot see.
  if (const dvm::PlanNode* refused = plan->unmaintainable())
    throw Error(sqlstate::kFeatureNotSupported,
                "stream table can no longer be maintained in DIFFERENTIAL mode: " + refused->reason, "",
                "Alter it to refresh_mode => 'FULL' (pgtrickle.alter_stream_table), or change its query.");
  const dvm::PlanNode& root = plan->root;
  DeltaSql sql;
  sql.plan_text = dvm::plan_text(root);
  sql.unique_index = root.unique_ids && root.bounded_ids;
  sql.full_insert = dvm::plan_full_insert_sql(table, root);
  sql.touched_partitions = dvm::plan_touched_partitions_sql(root);
  sql.hidden_columns = dvm::plan_hidden_columns(root);
  // IMMEDIATE records no row counts: its statements need not count.
  bool counts = source != dvm::ChangeSource::TransitionTables;
  sql.apply = dvm::plan_apply_sql(table, root, nullptr, counts);
  // Terms reading the changes of a table that has none are empty: the
  // statement for a refresh leaves them out (fewer to plan and run).
  if (dvm::plan_apply_depends_on_changed(root))
    sql.apply_for_changed = [plan, table, counts](const std::vector<Oid>& changed) {
      std::vector<unsigned> relids(changed.begin(), changed.end());
      return dvm::plan_apply_sql(table, plan->root, &relids, counts);
    };
  if (!dvm::plan_append_sql(table, root, nullptr).empty())
    sql.append_for_changed = [plan, table, counts](const std::vector<Oid>& changed) {
      std::vector<unsigned> relids(changed.begin(), changed.end());
      return dvm::plan_append_sql(table, plan->root, &relids, counts);
    };
  std::vector<std::string> buffers, full_refresh_buffers;
  for (const auto& t : plan->tables) buffers.push_back(dvm::change_buffer_name(t.relid));
  for (unsigned relid : plan->full_refresh_sources) full_refresh_buffers.push_back(dvm::change_buffer_name(relid));
  sql.pending = dvm::pending_changes_sql(buffers, full_refresh_buffers);
  sql.pending_count = dvm::pending_count_sql(buffers);
  for (const auto& t : plan->tables) {
    sql.sources.push_back(t.relid);
    std::vector<std::string> columns = t.key_columns;
    columns.insert(columns.end(), t.used_columns.begin(), t.used_columns.end());
    sql.read_columns.push_back(columns);
  }
  sql.full_refresh_sources.assign(plan->full_refresh_sources.begin(), plan->full_refresh_sources.end());
  sql.probe_indexes.assign(plan->probe_indexes.begin(), plan->probe_indexes.end());
  return sql;
}

void store_delta_sql(const DeltaSql& sql, catalog::StreamTable* st) {
  st->unique_row_ids = sql.unique_index;
  st->full_refresh_sql = sql.full_insert;
  st->delta_apply_sql = sql.touched_partitions.empty()
                            ? sql.apply
                            : "-- touched partitions ($4, $5, $6):\n" + sql.touched_partitions + ";\n" + sql.apply;
  st->pending_changes_sql = sql.pending;
  st->maintenance_plan = sql.plan_text;
}

}  // namespace pgt::refresh
