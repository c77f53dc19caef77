// pgtrickle.alter_stream_table(name, query, schedule, refresh_mode, status,
//   diamond_consistency, diamond_schedule_policy, cdc_mode, append_only,
//   pooler_compatibility_mode, tier, immediate_timing)
//
// NULL leaves a property unchanged. A new query keeps the storage table (its
// oid, grants, policies) and repopulates it with a FULL refresh; the whole call
// is one transaction.
#include "api/arguments.h"
#include "api/cycles.h"
#include "api/scheduler_status.h"
#include "pg/alerts.h"
#include "api/stream_table_definition.h"
#include "api/stream_table_lookup.h"
#include "api/stream_table_options.h"
#include "catalog/immediate_timing.h"
#include "catalog/storage_table.h"
#include "common/user_error.h"
#include "pg/boundary.h"
#include "pg/gucs.h"
#include "pg/messages.h"
#include "pg/spi.h"
#include "cdc/change_capture.h"
#include "pg/user_context.h"
#include "refresh/commit_maintenance.h"
#include "refresh/refresh_runner.h"

extern "C" {
#include "storage/lmgr.h"
}

using namespace pgt;

namespace {

StreamTableStatus validate_status(const std::string& status) {
  std::string s;
  for (char c : status) s += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (s == stream_table_status_name(StreamTableStatus::Active)) return StreamTableStatus::Active;
  if (s == stream_table_status_name(StreamTableStatus::Suspended)) return StreamTableStatus::Suspended;
  throw Error(sqlstate::kInvalidParameterValue, "invalid status \"" + status + "\"",
              "INITIALIZING and ERROR are set by pg_trickle itself.",
              "Use status => 'SUSPENDED' to stop refreshes or 'ACTIVE' to resume them.");
}

// An ON COMMIT table never reads a statement-timing IMMEDIATE one: that one's
// maintenance runs as its owner in a security-restricted operation, inside
// the writing statement, where PostgreSQL cannot queue the deferred event
// that would maintain the reader at commit.
void check_timing_neighbours(const catalog::StreamTable& st, catalog::ImmediateTiming timing) {
  if (!st.immediate()) return;
  bool at_commit = timing == catalog::ImmediateTiming::Commit;
  pg::AsRole as_owner(pg::catalog_owner(), false);
  auto other = pg::spi::scalar(
      at_commit ? "SELECT pg_catalog.format('%I.%I', up.pgt_schema, up.pgt_name) FROM pgtrickle.pgt_dependencies d "
                  "JOIN pgtrickle.pgt_stream_tables up ON up.pgt_relid = d.source_relid "
                  "WHERE d.pgt_id = $1::bigint AND up.effective_refresh_mode = 'IMMEDIATE' "
                  "AND up.immediate_timing = 'statement' LIMIT 1"
                : "SELECT pg_catalog.format('%I.%I', down.pgt_schema, down.pgt_name) FROM pgtrickle.pgt_dependencies d "
                  "JOIN pgtrickle.pgt_stream_tables down ON down.pgt_id = d.pgt_id "
                  "WHERE d.source_relid = $2::oid AND down.effective_refresh_mode = 'IMMEDIATE' "
                  "AND down.immediate_timing = 'commit' LIMIT 1",
      {std::to_string(st.pgt_id), std::to_string(st.relid)});
  if (!other) return;
  if (at_commit)
    throw Error(sqlstate::kFeatureNotSupported,
                "stream table \"" + st.display_name() + "\" cannot be maintained at commit: it reads stream table " +
                    *other + ", which is maintained after every statement",
                "", "Alter " + *other + " to immediate_timing => 'commit' first.");
  throw Error(sqlstate::kFeatureNotSupported,
              "stream table \"" + st.display_name() + "\" cannot be maintained after every statement: stream table " +
                  *other + " reads it and is maintained at commit",
              "", "Keep immediate_timing => 'commit', or alter " + *other + " to immediate_timing => 'statement' first.");
}

}  // namespace

PGT_SQL_FUNCTION(pgt_alter_stream_table) {
  pg::spi::Connection spi;
  std::string name = api::required_text_arg(fcinfo, 0, "name");
  auto query = api::text_arg(fcinfo, 1);
  auto schedule = api::text_arg(fcinfo, 2);
  auto mode_text = api::text_arg(fcinfo, 3);
  auto status_text = api::text_arg(fcinfo, 4);
  auto diamond = api::text_arg(fcinfo, 5);
  auto policy = api::text_arg(fcinfo, 6);
  auto cdc_mode = api::text_arg(fcinfo, 7);
  auto append_only = api::bool_arg(fcinfo, 8);
  auto pooler = api::bool_arg(fcinfo, 9);
  auto tier = api::validate_tier(api::text_arg(fcinfo, 10));
  auto timing_text = api::text_arg(fcinfo, 11);
  std::optional<catalog::ImmediateTiming> timing;
  if (timing_text) timing = catalog::parse_immediate_timing(*timing_text);

  catalog::StreamTable st = api::lookup_stream_table(name);
  api::require_owner(st, "alter it");
  // Serialize with refreshes of the same table before reading its definition.
  pg::guard([&] { LockRelationOid(st.relid, AccessExclusiveLock); });
  st = *catalog::find_by_relid(st.relid);

  std::optional<StreamTableStatus> status;
  if (status_text) status = validate_status(*status_text);
  if (schedule) st.schedule = api::validate_schedule(schedule);
  if (diamond) st.diamond_consistency = api::validate_diamond_consistency(diamond);
  if (policy) st.diamond_schedule_policy = api::validate_diamond_schedule_policy(policy);
  if (cdc_mode) st.cdc_mode = api::validate_cdc_mode(cdc_mode);
  if (pooler) st.pooler_compatibility_mode = *pooler;

  RefreshMode requested =
      mode_text ? parse_refresh_mode(*mode_text) : st.refresh_mode;
  if (append_only) st.append_only = *append_only;
  api::validate_append_only(st.append_only, requested);

  // A new timing is installed as a change of mode is: its capture and
  // triggers replaced, the table recomputed.
  catalog::ImmediateTiming old_timing = catalog::immediate_timing(st);
  bool old_mode_was_not_immediate = !st.immediate();
  bool timing_changed = timing && *timing != old_timing;
  bool repopulate = false;
  std::optional<api::Definition> def;
  if (query || mode_text || timing_changed) {
    // Without a new query, re-check the stored one (it is fully qualified, so
    // the caller's search_path cannot change its meaning) against the new mode.
    const std::string& text = query ? *query : st.defining_query;
    def = api::prepare_definition(text, requested, st.display_name(), st.relid);
    RefreshMode old_mode = st.effective_refresh_mode;
    api::apply_definition(*def, query ? *query : st.original_query, &st);
    if (query && catalog::reshape_storage_table(st.relid, st.qualified_name(), def->analysis.columns))
      pg::notice("columns of stream table \"" + st.display_name() + "\" were replaced",
                 "Indexes on the old columns were dropped with them.");
    repopulate = query || old_mode != st.effective_refresh_mode || st.incremental();
  }
  if (timing && !st.immediate())
    throw Error(sqlstate::kInvalidParameterValue,
                "immediate_timing applies to IMMEDIATE stream tables only",
                "Stream table \"" + st.display_name() + "\" is maintained " +
                    refresh_mode_name(st.effective_refresh_mode) + ".",
                "Add refresh_mode => 'IMMEDIATE' to the same call.");
  catalog::update_definition(st);
  // A table that leaves IMMEDIATE forgets its timing (ON COMMIT tables read
  // the change buffers: the capture must know which tables do).
  catalog::ImmediateTiming new_timing =
      st.immediate() ? timing.value_or(old_timing) : catalog::ImmediateTiming::Statement;
  if (st.immediate() && (new_timing != old_timing || old_mode_was_not_immediate))
    check_timing_neighbours(st, new_timing);
  if (new_timing != old_timing) {
    catalog::set_immediate_timing(st.pgt_id, new_timing);
    refresh::forget_commit_event(st.relid);
  }
  if (def) {
    if (repopulate)
      api::reinstall_maintenance(*def, &st);
    else
      api::record_sources(st, *def, true);
    api::warn_if_fallback(*def, st.display_name());
  }
  if (tier) {
    catalog::set_refresh_tier(st.pgt_id, *tier);
    if (!guc::tiered_scheduling)
      pg::notice("pg_trickle.tiered_scheduling is off: stream table \"" + st.display_name() +
                 "\" refreshes on its schedule until it is turned on");
  }
  if (status) {
    if ((st.status == StreamTableStatus::Suspended || st.status == StreamTableStatus::Error) &&
        *status == StreamTableStatus::Active)
      pg::send_alert("resumed", st.schema, st.name, "resumed by alter_stream_table(status => 'ACTIVE')",
                     JsonObject().add("previous_status", stream_table_status_name(st.status)));
    catalog::set_status(st.pgt_id, *status);
    st.status = *status;
  }
  api::warn_if_not_scheduled();
  if (repopulate) {
    // A query that closed a cycle: the cycle recomputed to its fixed point.
    api::refresh_stream_table_or_cycle(*catalog::find_by_relid(st.relid), "ALTER",
                                       query            ? "defining query changed"
                                       : timing_changed ? "immediate timing changed"
                                                        : "refresh mode changed");
    cdc::drop_unused_capture();
  }
  PG_RETURN_VOID();
}
