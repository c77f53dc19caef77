// pgtrickle.explain_stream_table(name, with_analyze): the statements a refresh of
// the stream table would run now, for the changes pending now, each with its
// EXPLAIN; with with_analyze => true, EXPLAIN ANALYZE inside a subtransaction that
// is always rolled back (the stream table, its frontier, its history and the
// change buffers stay as they were: nothing here records a refresh or cleans
// a buffer, and the statements' own writes go with the subtransaction).
//
// The choice of statements follows refresh_differential()
// (refresh/differential_refresh.cpp) step by step, read-only: what is pending
// per source, FULL / REINITIALIZE / NO_DATA and why, the append path for
// inserts only, the statement for the set of sources that changed, the
// touched partitions of a partition rescan. Keep the two in step.
//
// Privileges: as refresh_stream_table, ownership of the stream table (or
// membership in the owning role): the statements run as the owner, and plans
// show what the owner may see (estimates from statistics on source columns
// a reader of the stream table may not read). A role that may not read the
// stream table gets "does not exist", like the other diagnostics.
#include <algorithm>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api/arguments.h"
#include "api/stream_table_lookup.h"
#include "catalog/immediate_timing.h"
#include "catalog/storage_table.h"
#include "cdc/change_capture.h"
#include "cdc/pending_changes.h"
#include "common/refresh_mode.h"
#include "common/sql_quote.h"
#include "common/user_error.h"
#include "frontend/query_tree.h"
#include "pg/boundary.h"
#include "pg/gucs.h"
#include "pg/search_path.h"
#include "pg/spi.h"
#include "pg/user_context.h"
#include "refresh/delta_plan.h"
#include "refresh/dml_guard.h"
#include "refresh/full_refresh.h"
#include "refresh/refresh_frontier.h"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
}

using namespace pgt;

namespace {

struct Step {
  std::string operation;
  std::string detail;
  std::optional<std::string> statement;
  std::optional<std::string> plan;
};

// Thrown at the end of the analyze subtransaction to roll it back.
struct RollBack {};

std::vector<Oid> delta_types() {
  return {frontend::kDeltaParamTypes, frontend::kDeltaParamTypes + frontend::kDeltaParamCount};
}

std::string relation_name(Oid relid) {
  return pg::spi::scalar("SELECT $1::oid::pg_catalog.regclass::text", {std::to_string(relid)})
      .value_or(std::to_string(relid));
}

std::string names_of(const std::vector<Oid>& relids) {
  std::string out;
  for (Oid relid : relids) out += (out.empty() ? "" : ", ") + relation_name(relid);
  return out;
}

std::string param_text(const pg::spi::Value& v) { return v ? quote_literal(*v) : "NULL"; }

// EXPLAIN [ANALYZE] of one statement with typed parameters, on `snapshot`
// (the refresh runs its statements on one snapshot): the plan's lines.
std::string explain(const std::string& sql, const std::vector<Oid>& types, const pg::spi::Params& params,
                    bool analyze, Snapshot snapshot) {
  pg::spi::KeptPlan plan(std::string(analyze ? "EXPLAIN (ANALYZE, BUFFERS false) " : "EXPLAIN ") + sql, types);
  std::string text;
  for (const auto& row : plan.run(params, snapshot).rows)
    text += (text.empty() ? "" : "\n") + row.at(0).value_or("");
  return text;
}

// INSERT of the whole result as a FULL-mode refresh runs it (refresh/full_refresh.cpp).
std::string full_mode_insert_sql(const catalog::StreamTable& st) {
  std::string columns;
  for (const auto& c : catalog::storage_columns(st.relid)) columns += quote_ident(c.name) + ", ";
  columns += quote_ident(catalog::kRowIdColumn);
  return "INSERT INTO " + st.qualified_name() + " (" + columns +
         ") SELECT q.*, pg_catalog.row_number() OVER () FROM (" + st.defining_query + ") q";
}

// The recomputation: TRUNCATE, then the INSERT of the whole result (with
// analyze, both run: the INSERT is measured into an empty table).
void recompute_steps(std::vector<Step>* steps, const catalog::StreamTable& st, const std::string& insert_sql,
                     const std::vector<Oid>& types, const pg::spi::Params& params, bool analyze, Snapshot snapshot,
                     bool differential) {
  if (differential)
    steps->push_back({"drop row id index", "the index on __pgt_row_id is dropped before the load and built after it",
                      std::nullopt, std::nullopt});
  std::string truncate = "TRUNCATE ONLY " + st.qualified_name();
  steps->push_back({"truncate", analyze ? "run (and rolled back)" : "not explainable", truncate, std::nullopt});
  if (analyze) pg::spi::exec(truncate);
  steps->push_back({"insert", "the whole result of the defining query", insert_sql,
                    explain(insert_sql, types, params, analyze, snapshot)});
  if (differential)
    steps->push_back({"create row id index",
                      st.unique_row_ids ? "unique btree index on __pgt_row_id" : "hash index on __pgt_row_id",
                      std::nullopt, std::nullopt});
}

// What refresh_differential() decides for the changes pending now, and the
// statements it runs for it (see the file comment).
std::vector<Step> differential_steps(const catalog::StreamTable& st, Oid owner, bool analyze) {
  refresh::DeltaSql sql;
  {
    pg::PinnedSearchPath pinned;
    sql = refresh::build_delta_sql(st.defining_query, st.qualified_name());
  }
  pg::spi::RegisteredSnapshot snapshot;
  pg::spi::Params previous{st.frontier, st.frontier_own_xid, st.frontier_own_cid};
  pg::AsRole as_owner(owner, true);
  pg::PinnedSearchPath pinned;

  bool look_for_retractions = static_cast<bool>(sql.append_for_changed) || st.append_only;
  auto buffers = cdc::read_pending_changes(sql.sources, {st.frontier, st.frontier_own_xid, st.frontier_own_cid},
                                           snapshot.get(), look_for_retractions);
  std::vector<bool> changed(sql.sources.size(), false);
  std::vector<Oid> changed_relids;
  bool any = false, truncated = false, subquery_source_changed = false, reset = false;
  bool retractions = !look_for_retractions;
  for (size_t i = 0; i < buffers.size(); i++) {
    const cdc::BufferPending& b = buffers[i];
    bool forces_full = std::find(sql.full_refresh_sources.begin(), sql.full_refresh_sources.end(),
                                 sql.sources[i]) != sql.full_refresh_sources.end();
    changed[i] = b.changes;
    if (b.changes) changed_relids.push_back(sql.sources[i]);
    any = any || b.changes;
    truncated = truncated || b.marker;
    subquery_source_changed = subquery_source_changed || (forces_full && (b.changes || b.marker));
    reset = reset || !b.sentinel;
    retractions = retractions || b.retractions;
  }

  RefreshAction action = RefreshAction::Differential;
  std::string reason;
  if (reset) {
    action = RefreshAction::Full;
    reason = "a change buffer was emptied by a crash or failover (unlogged change buffers)";
  } else if (st.reinitialize_reason) {
    action = RefreshAction::Reinitialize;
    reason = *st.reinitialize_reason;
  } else if (!st.frontier) {
    action = RefreshAction::Full;
    reason = st.is_populated ? "no frontier: first refresh since the stream table was redefined"
                             : "first refresh (no frontier yet)";
  } else if (refresh::source_hierarchy_changed(sql.sources)) {
    action = RefreshAction::Full;
    reason = "a source table became a partition or inheritance child, or one of its partitions / children is "
             "not captured";
  } else if (subquery_source_changed) {
    action = RefreshAction::Full;
    reason = "a table read by a subquery in an expression (scalar subquery, EXISTS / IN) changed";
  } else if (truncated) {
    action = RefreshAction::Full;
    reason = "a source table (or one of its partitions / children) was truncated or dropped, or a captured "
             "column changed type";
  } else if (!any) {
    action = RefreshAction::NoData;
    reason = "no unconsumed change in the buffers of " + names_of(sql.sources) +
             ": a refresh now would do nothing (and record nothing)";
  } else {
    // The change ratio (pg_trickle.differential_max_change_ratio).
    double rows = 0;
    for (Oid relid : sql.sources) {
      if (auto analyzed = refresh::analyzed_rows(relid)) {
        rows += *analyzed;
        continue;
      }
      pg::spi::KeptPlan count("SELECT pg_catalog.count(*) FROM " + relation_name(relid), {});
      auto n = count.run({}, snapshot.get()).rows.at(0).at(0);
      rows += n ? std::stod(*n) : 0;
    }
    double limit = guc::differential_max_change_ratio * std::max(rows, 1.0);
    double bound = 0;
    for (Oid relid : sql.sources)
      bound += static_cast<double>(cdc::change_buffer_row_bound(relid));
    if (bound > limit) {
      pg::spi::KeptPlan count(sql.pending_count, delta_types());
      double pending = 0;
      for (const auto& row : count.run(previous, snapshot.get()).rows) pending += row.at(1) ? std::stod(*row.at(1)) : 0;
      if (pending > limit) {
        action = RefreshAction::Full;
        reason = std::to_string(static_cast<int64_t>(pending)) + " pending changes exceed " +
                 std::to_string(guc::differential_max_change_ratio) +
                 " (pg_trickle.differential_max_change_ratio) of the sources' " +
                 std::to_string(static_cast<int64_t>(rows)) + " rows";
      }
    }
  }
  bool append = action == RefreshAction::Differential && sql.append_for_changed && !retractions;
  if (action == RefreshAction::Differential)
    reason = "unconsumed changes in the buffers of " + names_of(changed_relids) +
             (append ? "; every one an insert: appended without lookups" : "");

  std::vector<Step> steps;
  steps.push_back({"decision",
                   std::string(refresh_action_name(action)) + ": " + reason + ". Parameters: $1 = " +
                       param_text(previous[0]) + " (frontier), $2 = " + param_text(previous[1]) + ", $3 = " +
                       param_text(previous[2]),
                   std::nullopt, std::nullopt});
  if (action == RefreshAction::NoData) return steps;

  refresh::ApplyPermit permit(st.relid);
  if (analyze) pg::guard([&] { LockRelationOid(st.relid, ExclusiveLock); });
  if (recomputes(action)) {
    recompute_steps(&steps, st, sql.full_insert, delta_types(), previous, analyze, snapshot.get(), true);
  } else {
    pg::spi::Params params = previous;
    std::vector<Oid> types = delta_types();
    bool skip = false;
    if (!sql.touched_partitions.empty()) {
      steps.push_back({"touched partitions", "the partitions the changes touch ($4, $5, $6 of the apply statement)",
                       sql.touched_partitions,
                       explain(sql.touched_partitions, delta_types(), previous, analyze, snapshot.get())});
      pg::spi::KeptPlan touched(sql.touched_partitions, delta_types());
      pg::spi::Row row = touched.run(previous, snapshot.get()).rows.at(0);
      skip = !row.at(0);
      params.insert(params.end(), row.begin(), row.end());
      types.insert(types.end(), {TEXTOID, TEXTOID, BOOLOID});
    }
    bool all = std::find(changed.begin(), changed.end(), false) == changed.end();
    std::string apply;
    if (append && changed.size() <= 64)
      apply = sql.append_for_changed(changed_relids);
    else if (all || !sql.apply_for_changed || changed.size() > 64)
      apply = sql.apply;
    else
      apply = sql.apply_for_changed(changed_relids);
    if (apply != sql.apply) types.resize(frontend::kDeltaParamCount);
    if (skip)
      steps.push_back({"apply", "not run: the changes cancel out before reaching a partition", apply, std::nullopt});
    else if (apply.empty())
      steps.push_back({"apply", "not run: no term of the query reads the changed sources", std::nullopt,
                       std::nullopt});
    else
      steps.push_back({append ? "append" : "apply",
                       append ? "the inserts' delta, appended" : "the delta, consolidated and applied", apply,
                       explain(apply, types, params, analyze, snapshot.get())});
  }
  steps.push_back({"record", "history row, new frontier (the snapshot of the refresh), then the consumed changes "
                             "are deleted from the buffers" + std::string(analyze ? " (not run by explain)" : ""),
                   std::nullopt, std::nullopt});
  return steps;
}

std::vector<Step> full_steps(const catalog::StreamTable& st, Oid owner, bool analyze) {
  std::vector<Step> steps;
  steps.push_back({"decision",
                   st.reinitialize_reason ? "REINITIALIZE: " + *st.reinitialize_reason
                                          : std::string("FULL: every refresh of a FULL stream table recomputes it"),
                   std::nullopt, std::nullopt});
  pg::spi::RegisteredSnapshot snapshot;
  pg::AsRole as_owner(owner, true);
  pg::PinnedSearchPath pinned;
  refresh::ApplyPermit permit(st.relid);
  if (analyze) pg::guard([&] { LockRelationOid(st.relid, AccessExclusiveLock); });
  recompute_steps(&steps, st, full_mode_insert_sql(st), {}, {}, analyze, snapshot.get(), false);
  steps.push_back({"record", "history row" + std::string(analyze ? " (not run by explain)" : ""), std::nullopt,
                   std::nullopt});
  return steps;
}

// IMMEDIATE: nothing to refresh; each statement that writes a source applies
// its delta, read from that statement's transition tables (which exist only
// inside it: these statements cannot be explained from here).
std::vector<Step> immediate_steps(const catalog::StreamTable& st) {
  refresh::DeltaSql sql;
  {
    pg::PinnedSearchPath pinned;
    sql = refresh::build_delta_sql(st.defining_query, st.qualified_name(), dvm::ChangeSource::TransitionTables);
  }
  std::vector<Step> steps;
  steps.push_back({"decision",
                   "IMMEDIATE: maintained inside every statement that writes a source, in the writing "
                   "transaction; a refresh has nothing to apply. The statements below run at the end of such a "
                   "statement and read its changes through pgtrickle._statement_changes, which exists only "
                   "there: they have no plan here (EXPLAIN ANALYZE the writing statement instead)",
                   std::nullopt, std::nullopt});
  for (Oid relid : sql.sources) {
    std::string source = relation_name(relid);
    bool forces_full = std::find(sql.full_refresh_sources.begin(), sql.full_refresh_sources.end(), relid) !=
                       sql.full_refresh_sources.end();
    if (forces_full) {
      steps.push_back({"recompute on writes to " + source,
                       "a change to a table read by a subquery in an expression recomputes the table (TRUNCATE, "
                       "then this)",
                       sql.full_insert, std::nullopt});
      continue;
    }
    std::string apply = sql.apply_for_changed ? sql.apply_for_changed({relid}) : sql.apply;
    steps.push_back({"apply on writes to " + source,
                     apply.empty() ? "nothing: no term reads its changes" : "the delta of the statement's changes",
                     apply.empty() ? std::nullopt : std::optional<std::string>(apply), std::nullopt});
    if (sql.append_for_changed) {
      std::string append = sql.append_for_changed({relid});
      if (!append.empty())
        steps.push_back({"append on inserts into " + source, "a statement that only inserts: appended", append,
                         std::nullopt});
    }
  }
  steps.push_back({"recompute on TRUNCATE", "TRUNCATE of a source recomputes the table (TRUNCATE, then this)",
                   sql.full_insert, std::nullopt});
  return steps;
}

}  // namespace

PGT_SQL_FUNCTION(pgt_explain_stream_table) {
  std::string name = api::required_text_arg(fcinfo, 0, "name");
  bool analyze = api::bool_arg(fcinfo, 1).value_or(false);
  std::vector<Step> steps;
  {
    pg::spi::Connection spi;
    catalog::StreamTable st = api::lookup_stream_table(name);
    // Hidden from a role that may not read it, like its catalog row.
    bool visible = pg::spi::scalar("SELECT 1 WHERE pg_catalog.has_any_column_privilege($1::oid, 'SELECT') OR "
                                   "pg_catalog.pg_has_role((SELECT relowner FROM pg_catalog.pg_class WHERE oid = "
                                   "$1::oid), 'USAGE')",
                                   {std::to_string(st.relid)})
                       .has_value();
    if (!visible)
      throw Error(sqlstate::kUndefinedTable, "stream table \"" + name + "\" does not exist", "",
                  "List stream tables with SELECT name FROM pgtrickle.pgt_status().");
    api::require_owner(st, "explain its refresh");
    Oid owner = refresh::lock_storage_table(st, AccessShareLock);
    // ON COMMIT: the DIFFERENTIAL refresh each writing transaction's commit runs.
    bool at_commit = catalog::maintained_at_commit(st);
    auto collect = [&] {
      if (at_commit) {
        steps.push_back({"decision",
                         "IMMEDIATE, immediate_timing 'commit': maintained once when a transaction that wrote a "
                         "source commits, by the DIFFERENTIAL refresh below (from the change buffers), in that "
                         "transaction; no history row",
                         std::nullopt, std::nullopt});
        std::vector<Step> refresh = differential_steps(st, owner, analyze);
        steps.insert(steps.end(), refresh.begin(), refresh.end());
      } else if (st.immediate())
        steps = immediate_steps(st);
      else if (st.differential())
        steps = differential_steps(st, owner, analyze);
      else
        steps = full_steps(st, owner, analyze);
    };
    try {
      if (!analyze || (st.immediate() && !at_commit)) {
        collect();
      } else {
        // Everything the statements did goes with the subtransaction.
        try {
          pg::guard_subtransaction([&] {
            collect();
            throw RollBack{};
          });
        } catch (const RollBack&) {
        }
      }
    } catch (const pg::PgError& e) {
      refresh::explain_refresh_error(e, st, owner);
      throw;
    }
  }
  pg::guard([&] {
    InitMaterializedSRF(fcinfo, 0);
    auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    int number = 0;
    for (const Step& s : steps) {
      Datum values[5];
      bool nulls[5] = {false, false, false, !s.statement, !s.plan};
      values[0] = Int32GetDatum(number++);
      values[1] = CStringGetTextDatum(s.operation.c_str());
      values[2] = CStringGetTextDatum(s.detail.c_str());
      values[3] = s.statement ? CStringGetTextDatum(s.statement->c_str()) : static_cast<Datum>(0);
      values[4] = s.plan ? CStringGetTextDatum(s.plan->c_str()) : static_cast<Datum>(0);
      tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    }
  });
  return static_cast<Datum>(0);
}
