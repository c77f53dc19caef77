// pgtrickle._check_stream_tables_reading(source oid), called by the
// ddl_command_end event trigger after DDL on a relation some stream table
// reads (ALTER TABLE, CREATE OR REPLACE VIEW, ALTER VIEW, CREATE RULE):
//
//  * if a stream table's defining query no longer analyzes (a source or a
//    column it reads was renamed or dropped), or a DIFFERENTIAL one could no
//    longer be maintained incrementally, the DDL is refused, naming the
//    stream table, instead of leaving it to fail (or drift) later;
//  * a stream table whose maintenance was derived from what changed follows
//    it: its plan is derived again from its stored query (views are expanded
//    afresh), its sources and change capture are set up anew, and it is
//    reinitialized. When its columns change type (ALTER COLUMN ... TYPE of a
//    source column) that happens now, in this transaction: the storage table
//    takes the new types and is recomputed (the old rows could not be kept
//    in the new types). Otherwise at its next refresh (history action
//    REINITIALIZE, with the reason), which the cleared frontier makes due.
//
// Each stream table is re-derived as its owner, who owns its maintenance.
#include "api/cycles.h"
#include "api/stream_table_definition.h"
#include "catalog/storage_table.h"
#include "catalog/stream_table_catalog.h"
#include "cdc/change_capture.h"
#include "common/sql_quote.h"
#include "common/user_error.h"
#include "frontend/query_analysis.h"
#include "pg/alerts.h"
#include "pg/boundary.h"
#include "pg/gucs.h"
#include "pg/messages.h"
#include "pg/spi.h"
#include "pg/user_context.h"
#include "refresh/delta_plan.h"
#include "refresh/refresh_runner.h"

extern "C" {
#include "storage/lmgr.h"
#include "utils/lsyscache.h"
}

#include <algorithm>

using namespace pgt;

namespace {

std::string relation_kind_and_name(Oid relid) {
  char kind = 0;
  pg::guard([&] { kind = get_rel_relkind(relid); });
  auto name = pg::spi::scalar("SELECT $1::oid::pg_catalog.regclass::text", {std::to_string(relid)});
  return std::string(kind == RELKIND_VIEW ? "view " : "table ") + name.value_or(std::to_string(relid));
}

void check_query_still_analyzes(const catalog::StreamTable& st) {
  std::string problem;
  try {
    pg::guard_subtransaction([&] { frontend::analyze_defining_query(st.defining_query); });
  } catch (const pg::PgError& e) {
    problem = e.what();
  } catch (const Error& e) {
    problem = e.what();
  }
  if (!problem.empty())
    throw Error(sqlstate::kDependentObjectsStillExist,
                "this change would break stream table \"" + st.display_name() + "\"",
                "Its defining query would fail: " + problem + ".",
                "Change the stream table's query first (pgtrickle.alter_stream_table(" +
                    quote_literal(st.display_name()) + ", query => ...)), or drop it.");
}

[[noreturn]] void refuse_losing_differential(const catalog::StreamTable& st, const std::string& why) {
  throw Error(sqlstate::kDependentObjectsStillExist,
              "this change would stop stream table \"" + st.display_name() +
                  "\" from being maintained in DIFFERENTIAL mode",
              why,
              "Alter the stream table to refresh_mode => 'AUTO' or 'FULL' first (pgtrickle.alter_stream_table(" +
                  quote_literal(st.display_name()) + ", refresh_mode => 'AUTO')), or change its query.");
}

// The definition derived again from the stored query, as its owner would
// create it; a DIFFERENTIAL one that could not be maintained any more
// refuses the change.
api::Definition derive_again(const catalog::StreamTable& st, RefreshMode requested) {
  api::Definition def;
  try {
    def = api::prepare_definition(st.defining_query, requested, st.display_name(), st.relid, false);
  } catch (const Error& e) {
    if (requested != RefreshMode::Differential || std::string(e.sqlstate()) != sqlstate::kFeatureNotSupported) throw;
    refuse_losing_differential(st, std::string(e.what()) + (e.detail().empty() ? "" : ". " + e.detail()));
  }
  if (requested == RefreshMode::Differential && def.mode.effective != RefreshMode::Differential)
    refuse_losing_differential(st, "Its defining query would use " + def.analysis.caps.not_incremental_because + ".");
  return def;
}

bool same_relids(std::vector<Oid> a, std::vector<Oid> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

// Whether the maintenance derived now differs from the stored one: another
// effective mode, other relations read, or, after DDL on a view, other
// generated SQL (its new body is expanded into it). DDL on a table changes
// nothing else the delta was derived from: the generated SQL lists the
// table's columns, but refreshes re-plan it from that text, and a captured
// column that changed type makes the next refresh FULL (cdc).
bool maintenance_changed(const catalog::StreamTable& st, const api::Definition& def, Oid source) {
  if (def.mode.effective != st.effective_refresh_mode) return true;
  std::vector<Oid> now;
  for (const auto& s : def.analysis.sources) now.push_back(s.relid);
  if (!same_relids(now, catalog::sources_of(st.relid))) return true;
  char kind = 0;
  pg::guard([&] { kind = get_rel_relkind(source); });
  if (def.mode.effective != RefreshMode::Differential || kind != RELKIND_VIEW) return false;
  // Same sources, so their change buffers exist: the SQL can be generated.
  refresh::DeltaSql sql = refresh::build_delta_sql(def.analysis.normalized_sql, st.qualified_name());
  catalog::StreamTable derived = st;
  refresh::store_delta_sql(sql, &derived);
  auto stored = pg::spi::run(
      "SELECT full_refresh_sql, delta_apply_sql FROM pgtrickle.pgt_stream_tables WHERE pgt_id = $1::bigint",
      {std::to_string(st.pgt_id)});
  return stored.rows.empty() || stored.rows[0][0] != derived.full_refresh_sql ||
         stored.rows[0][1] != derived.delta_apply_sql;
}

// Derives the stream table's maintenance again (see the file comment); true
// when it changed.
bool follow_source_change(catalog::StreamTable st, Oid source) {
  RefreshMode requested = st.refresh_mode;
  Oid owner = pg::relation_owner(st.relid);
  pg::AsRole as_owner(owner, false);
  api::Definition def = derive_again(st, requested);
  bool columns_changed = !catalog::same_columns(catalog::storage_columns(st.relid), def.analysis.columns);
  // A FULL-mode table recomputes its stored query (views expanded then)
  // every time: only its columns' types can be behind.
  if (!columns_changed && (requested == RefreshMode::Full || !maintenance_changed(st, def, source))) return false;

  if (guc::block_source_ddl)
    throw Error(sqlstate::kDependentObjectsStillExist,
                "this change would reinitialize stream table \"" + st.display_name() + "\"",
                relation_kind_and_name(source) + " is read by it, and pg_trickle.block_source_ddl is on.",
                "SET pg_trickle.block_source_ddl = off for the migration, then run it again.");
  // Readers keep reading (unless the columns change); a refresh of this
  // table in progress finishes first.
  pg::guard([&] { LockRelationOid(st.relid, columns_changed ? AccessExclusiveLock : ExclusiveLock); });
  const std::string reason = relation_kind_and_name(source) + " changed" +
                             (columns_changed ? " (the stream table's column types with it)" : "");
  if (columns_changed) catalog::reshape_storage_table(st.relid, st.qualified_name(), def.analysis.columns);
  api::apply_definition(def, st.original_query, &st);
  catalog::update_definition(st);
  api::reinstall_maintenance(def, &st);
  api::warn_if_fallback(def, st.display_name());
  catalog::mark_for_reinitialize(st.pgt_id, reason);
  pg::send_alert("reinitialize_needed", st.schema, st.name, reason,
                 JsonObject().add("source", relation_kind_and_name(source)));
  if (columns_changed) {
    // A member of a cycle: the cycle, recomputed from empty (it is marked).
    api::refresh_stream_table_or_cycle(*catalog::find_by_relid(st.relid), "DDL", "", false);
    return true;
  }
  pg::notice("stream table \"" + st.display_name() + "\" will be reinitialized at its next refresh",
             reason + ": its maintenance was derived again.");
  return true;
}

}  // namespace

PGT_SQL_FUNCTION(pgt_check_stream_tables_reading) {
  pg::spi::Connection spi;
  Oid source = PG_GETARG_OID(0);
  if (cdc::running_capture_ddl()) PG_RETURN_VOID();
  bool any_changed = false;
  for (Oid st_relid : catalog::stream_tables_reading(source)) {
    auto st = catalog::find_by_relid(st_relid);
    if (!st) continue;
    check_query_still_analyzes(*st);
    any_changed = follow_source_change(*st, source) || any_changed;
  }
  if (any_changed) cdc::drop_unused_capture();
  PG_RETURN_VOID();
}
