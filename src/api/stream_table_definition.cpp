// Shared definition handling: see stream_table_definition.h.
#include "api/stream_table_definition.h"

#include <algorithm>

#include "api/cycles.h"
#include "catalog/immediate_timing.h"
#include "catalog/object_dependencies.h"
#include "catalog/storage_table.h"
#include "cdc/change_capture.h"
#include "cdc/commit_triggers.h"
#include "cdc/immediate_triggers.h"
#include "frontend/plan_builder.h"
#include "refresh/delta_plan.h"
#include "common/sql_quote.h"
#include "common/user_error.h"
#include "pg/gucs.h"
#include "pg/messages.h"
#include "pg/search_path.h"
#include "pg/spi.h"

namespace pgt::api {

// Why the current role cannot read the changes of a scanned table, or empty.
// A DIFFERENTIAL refresh reads the tables under the query's views (and their
// change buffers) directly, with its owner's privileges: it needs SELECT on
// the columns it reads there, as a FULL refresh needs it on the query's own
// relations. Capture itself is installed by the extension, for any reader.
std::string capture_not_allowed(const dvm::MaintenancePlan& plan) {
  for (const auto& t : plan.tables) {
    std::vector<std::string> denied;
    for (const auto* list : {&t.key_columns, &t.used_columns})
      for (const auto& column : *list) {
        auto allowed = pg::spi::scalar("SELECT pg_catalog.has_column_privilege($1::oid, $2, 'SELECT')::text",
                                       {std::to_string(t.relid), column});
        if (allowed != std::optional<std::string>("true") &&
            std::find(denied.begin(), denied.end(), quote_ident(column)) == denied.end())
          denied.push_back(quote_ident(column));
      }
    if (!denied.empty()) {
      std::string list;
      for (const auto& d : denied) list += (list.empty() ? "" : ", ") + d;
      return "reading the changes of table " + t.schema + "." + t.name + " requires SELECT on its column" +
             (denied.size() > 1 ? "s " : " ") + list +
             " (a DIFFERENTIAL refresh reads the tables under the query's views directly)";
    }
  }
  return "";
}

namespace {

// The plan text of a stream table refreshed FULL: why, and for AUTO the
// plan that says where the query cannot be maintained.
std::string full_refresh_plan_text(const Definition& def) {
  std::string cost = std::string("  [consumes nothing; produces table rows; cost ") +
                     dvm::cost_class_name(dvm::CostClass::WholeResult) + "]\n";
  if (def.mode.requested == RefreshMode::Full) return "Full: refresh_mode => 'FULL', the query recomputed" + cost;
  std::string text = "Full: AUTO fell back to FULL refresh: " + def.mode.reason + cost;
  // The plan is built unless the query is volatile.
  if (def.plan.not_differentiable_because().empty()) return text;
  std::string tree = dvm::plan_text(def.plan.root);
  // The tree under it, indented one level.
  text += "  ";
  for (size_t i = 0; i < tree.size(); i++) {
    text += tree[i];
    if (tree[i] == '\n' && i + 1 < tree.size()) text += "  ";
  }
  return text;
}

// An IMMEDIATE top-k is recomputed by every statement that changes a source:
// pg_trickle.ivm_topk_max_limit bounds its LIMIT (+ OFFSET), as in the
// reference.
void refuse_large_top_k(const dvm::MaintenancePlan& plan, QueryCapabilities* caps) {
  if (plan.root.kind != dvm::PlanNodeKind::PartitionRescan || !plan.root.partition) return;
  int64_t limit = plan.root.partition->largest_limit;
  if (limit <= guc::ivm_topk_max_limit) return;
  caps->not_incremental_because =
      (limit == INT64_MAX ? std::string("a LIMIT / OFFSET without a constant LIMIT")
                          : "a LIMIT (plus OFFSET) of " + std::to_string(limit)) +
      " above pg_trickle.ivm_topk_max_limit (" + std::to_string(guc::ivm_topk_max_limit) + ")";
  caps->not_incremental_hint =
      "An IMMEDIATE top-k is recomputed in every statement that changes a source: use DIFFERENTIAL, or have a "
      "superuser raise pg_trickle.ivm_topk_max_limit.";
}

}  // namespace

Definition prepare_definition(const std::string& query, RefreshMode requested,
                              const std::string& display_name, Oid self_relid, bool check_privileges) {
  Definition def;
  def.analysis = frontend::analyze_defining_query(query);
  if (requested != RefreshMode::Full && def.analysis.caps.volatile_construct.empty()) {
    {
      pg::PinnedSearchPath pinned;
      def.plan = frontend::build_maintenance_plan(def.analysis.normalized_sql, dvm::ChangeSource::None);
    }
    def.analysis.caps.not_incremental_because = def.plan.not_differentiable_because();
    def.analysis.caps.not_incremental_hint = def.plan.hint();
    if (requested == RefreshMode::Immediate && def.analysis.caps.not_incremental_because.empty())
      refuse_large_top_k(def.plan, &def.analysis.caps);
    if (def.analysis.caps.not_incremental_because.empty() && check_privileges)
      def.analysis.caps.not_incremental_because = capture_not_allowed(def.plan);
  }
  def.mode = decide_refresh_mode(requested, def.analysis.caps);
  check_cycle(self_relid, display_name, def.analysis.sources, def.mode.effective, def.plan);
  return def;
}

void apply_definition(const Definition& def, const std::string& original_query,
                      catalog::StreamTable* st) {
  st->original_query = original_query;
  st->defining_query = def.analysis.normalized_sql;
  st->refresh_mode = def.mode.requested;
  st->effective_refresh_mode = def.mode.effective;
  st->effective_mode_reason =
      def.mode.reason.empty() ? std::nullopt : std::optional<std::string>(def.mode.reason);
  st->frontier.reset();
  st->frontier_own_xid.reset();
  st->frontier_own_cid.reset();
  st->unique_row_ids = def.mode.effective != RefreshMode::Full && def.plan.root.unique_ids && def.plan.root.bounded_ids;
  st->full_refresh_sql.reset();
  st->delta_apply_sql.reset();
  st->pending_changes_sql.reset();
  // DIFFERENTIAL: stored with the generated SQL (install_change_capture).
  st->maintenance_plan.reset();
  if (def.mode.effective == RefreshMode::Full) st->maintenance_plan = full_refresh_plan_text(def);
}

void prepare_row_identity(const catalog::StreamTable& st) {
  catalog::set_row_id_column(st.relid, st.qualified_name(), st.incremental(), st.unique_row_ids);
}

void install_change_capture(const Definition& def, catalog::StreamTable* st) {
  // An ON COMMIT table's triggers go whatever it becomes (put back below
  // if it stays ON COMMIT).
  cdc::drop_commit_triggers(st->pgt_id);
  bool immediate = def.mode.effective == RefreshMode::Immediate;
  if (def.mode.effective != RefreshMode::Differential && !immediate) return;
  // The library is newer than the SQL objects until ALTER EXTENSION UPDATE.
  if (immediate && !pg::spi::scalar("SELECT pg_catalog.to_regprocedure('pgtrickle._statement_changes(oid)')"))
    throw Error(sqlstate::kObjectNotInPrerequisiteState,
                "refresh_mode 'IMMEDIATE' needs version 0.2.0 of the pg_trickle extension's SQL objects", "",
                "Run ALTER EXTENSION pg_trickle UPDATE.");
  // ON COMMIT: captured into the change buffers and refreshed from them at
  // commit, as DIFFERENTIAL (refresh/commit_maintenance.h).
  bool at_commit = immediate && catalog::immediate_timing(*st) == catalog::ImmediateTiming::Commit;
  bool from_statements = immediate && !at_commit;
  if (!from_statements)
    for (const auto& t : def.plan.tables) cdc::ensure_capture(t);
  refresh::DeltaSql sql;
  {
    pg::PinnedSearchPath pinned;
    sql = refresh::build_delta_sql(def.analysis.normalized_sql, st->qualified_name(),
                                   from_statements ? dvm::ChangeSource::TransitionTables
                                                   : dvm::ChangeSource::ChangeBuffers);
  }
  catalog::add_hidden_columns(st->qualified_name(), sql.hidden_columns);
  refresh::store_delta_sql(sql, st);
  catalog::update_definition(*st);
  if (from_statements)
    for (const auto& t : def.plan.tables) cdc::create_immediate_triggers(st->pgt_id, st->relid, t.relid);
  if (at_commit) {
    cdc::drop_immediate_triggers(st->pgt_id);
    for (const auto& t : def.plan.tables) cdc::create_commit_triggers(st->pgt_id, st->relid, t.relid);
  }
}

void reinstall_maintenance(const Definition& def, catalog::StreamTable* st) {
  record_sources(*st, def, true);
  catalog::set_frontier(st->pgt_id, std::nullopt, std::nullopt, std::nullopt);
  prepare_row_identity(*st);
  install_change_capture(def, st);
}

void record_sources(const catalog::StreamTable& st, const Definition& def, bool replacing) {
  catalog::replace_dependencies(st.pgt_id, def.analysis.sources);
  if (replacing) catalog::remove_source_dependencies(st.relid);
  std::vector<Oid> relids;
  for (const auto& s : def.analysis.sources) relids.push_back(s.relid);
  catalog::record_source_dependencies(st.relid, relids);
}

void warn_if_fallback(const Definition& def, const std::string& display_name) {
  if (!def.mode.warn) return;
  pg::warning("stream table \"" + display_name + "\" will be maintained by FULL refresh",
              "refresh_mode 'AUTO' fell back to FULL: " + def.mode.reason + ".",
              "The reason is recorded in pgtrickle.pgt_stream_tables.effective_mode_reason.");
}

void check_can_read_sources(const Definition& def) {
  // Executing the query with LIMIT 0 runs PostgreSQL's own permission checks
  // (table, column and function privileges) without reading any row.
  pg::PinnedSearchPath pinned;
  try {
    pg::spi::exec("SELECT 1 FROM (" + def.analysis.normalized_sql + ") q LIMIT 0");
  } catch (const pg::PgError& e) {
    e.clear_context();
    e.set_hint("Creating a stream table requires SELECT on every relation its query reads.");
    throw;
  }
}

}  // namespace pgt::api
