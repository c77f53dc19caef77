// DIFFERENTIAL refresh: see differential_refresh.h.
//
// Exactness under concurrency: one snapshot S is taken at the start and every
// statement that reads sources or change buffers runs with it
// (SPI_execute_snapshot). The changes consumed are those visible to S and not
// to the previous frontier; S becomes the new frontier. The refreshing
// transaction's own uncommitted changes are visible to S but not "committed
// before S", so they are tracked by (transaction id, command id) watermark.
#include "refresh/differential_refresh.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <set>
#include <unordered_map>

#include "catalog/storage_table.h"
#include "common/sql_quote.h"
#include "cdc/change_capture.h"
#include "cdc/pending_changes.h"
#include "common/user_error.h"
#include "frontend/query_tree.h"
#include "pg/alerts.h"
#include "pg/gucs.h"
#include "pg/merge_counts.h"
#include "pg/privileges.h"
#include "pg/messages.h"
#include "pg/search_path.h"
#include "pg/spi.h"
#include "pg/user_context.h"
#include "refresh/delta_plan.h"
#include "refresh/dml_guard.h"
#include "refresh/refresh_frontier.h"
#include "refresh/source_privileges.h"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "utils/lsyscache.h"
#include "storage/lmgr.h"
#include "catalog/pg_type.h"
#include "utils/snapshot.h"
}

namespace pgt::refresh {

namespace {

// Prepared statements of one stream table, kept for the session and rebuilt
// when its definition changes (version).
struct DeltaPlans {
  std::string version;
  std::vector<Oid> sources;
  std::vector<std::vector<std::string>> read_columns;  // per source
  std::vector<Oid> probe_indexes;
  bool unique_index = false;
  std::vector<bool> forces_full;  // per source: its changes make the refresh FULL
  std::unique_ptr<pg::spi::KeptPlan> pending_count;  // per source
  std::unique_ptr<pg::spi::KeptPlan> apply;
  // Statements for refreshes where only some sources changed, by the set of
  // changed sources (bit i: sources[i]); null: no term reads their changes.
  std::function<std::string(const std::vector<Oid>&)> apply_for_changed;
  std::unordered_map<uint64_t, std::unique_ptr<pg::spi::KeptPlan>> apply_for_changed_plans;
  // For batches of inserts only (unset: the result can lose rows on inserts).
  std::function<std::string(const std::vector<Oid>&)> append_for_changed;
  std::unordered_map<uint64_t, std::unique_ptr<pg::spi::KeptPlan>> append_plans;
  std::unique_ptr<pg::spi::KeptPlan> touched_partitions;  // partition rescan only
  std::unique_ptr<pg::spi::KeptPlan> full_insert;
};

std::unordered_map<int64_t, DeltaPlans>& plan_cache() {
  // Never destroyed: at backend exit, static destructors would free SPI plans
  // while PostgreSQL is shutting down, and a crash there restarts the server.
  static auto* cache = new std::unordered_map<int64_t, DeltaPlans>();
  return *cache;
}

std::vector<Oid> delta_param_types() {
  return {frontend::kDeltaParamTypes, frontend::kDeltaParamTypes + frontend::kDeltaParamCount};
}

// Whether all these indexes still exist.
bool indexes_exist(const std::vector<Oid>& indexes) {
  bool all = true;
  pg::guard([&] {
    for (Oid index : indexes) all = all && get_rel_relkind(index) == RELKIND_INDEX;
  });
  return all;
}

// The plans of stream tables dropped since they were cached go (a session
// creating, refreshing and dropping many would keep them all): checked when
// a table's plans are built, which is rare.
void forget_dropped_stream_tables(int64_t building) {
  std::unordered_map<int64_t, DeltaPlans>& cache = plan_cache();
  std::vector<int64_t> ids;
  for (const auto& [id, plans] : cache)
    if (id != building) ids.push_back(id);
  std::set<int64_t> live = catalog::existing_stream_tables(ids);
  for (int64_t id : ids)
    if (!live.count(id)) cache.erase(id);
}

DeltaPlans& plans_for(const catalog::StreamTable& st) {
  if (!plan_cache().count(st.pgt_id)) forget_dropped_stream_tables(st.pgt_id);
  DeltaPlans& plans = plan_cache()[st.pgt_id];
  // MIN / MAX probes without their index would scan the table once per group.
  // pg_trickle.use_prepared_statements = off: planned afresh every time.
  if (guc::use_prepared_statements && plans.version == st.version && plans.apply &&
      indexes_exist(plans.probe_indexes))
    return plans;
  // Derived afresh (not taken from the catalog copy): the storage table may
  // have been renamed since, which changes the version.
  DeltaSql sql;
  {
    pg::PinnedSearchPath pinned;
    sql = build_delta_sql(st.defining_query, st.qualified_name());
  }
  plans = DeltaPlans{};
  plans.pending_count = std::make_unique<pg::spi::KeptPlan>(sql.pending_count, delta_param_types());
  if (sql.touched_partitions.empty()) {
    plans.apply = std::make_unique<pg::spi::KeptPlan>(sql.apply, delta_param_types());
  } else {
    plans.touched_partitions = std::make_unique<pg::spi::KeptPlan>(sql.touched_partitions, delta_param_types());
    std::vector<Oid> types = delta_param_types();
    types.insert(types.end(), {TEXTOID, TEXTOID, BOOLOID});
    plans.apply = std::make_unique<pg::spi::KeptPlan>(sql.apply, types);
  }
  plans.full_insert = std::make_unique<pg::spi::KeptPlan>(sql.full_insert, delta_param_types());
  plans.apply_for_changed = sql.apply_for_changed;
  plans.append_for_changed = sql.append_for_changed;
  plans.sources = sql.sources;
  plans.read_columns = sql.read_columns;
  for (Oid relid : sql.sources)
    plans.forces_full.push_back(std::find(sql.full_refresh_sources.begin(), sql.full_refresh_sources.end(), relid) !=
                                sql.full_refresh_sources.end());
  plans.probe_indexes = sql.probe_indexes;
  plans.unique_index = sql.unique_index;
  plans.version = st.version;
  return plans;
}

int64_t as_int(const pg::spi::Value& v) { return v ? std::stoll(*v) : 0; }



// Rows in the sources (for the change ratio): statistics, or a count where a
// table was never analyzed.
double source_rows(const std::vector<Oid>& tables, Snapshot snapshot) {
  double total = 0;
  for (Oid relid : tables) {
    if (auto analyzed = analyzed_rows(relid)) {
      total += *analyzed;
      continue;
    }
    auto name = pg::spi::scalar(
        "SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) "
        "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.oid = $1::oid",
        {std::to_string(relid)});
    if (!name) continue;
    pg::spi::KeptPlan count("SELECT pg_catalog.count(*) FROM " + *name, {});
    total += static_cast<double>(as_int(count.run({}, snapshot).rows.at(0).at(0)));
  }
  return total;
}

// What the buffers hold for this refresh, per source (in the order of
// DeltaPlans::sources).
struct PendingChanges {
  std::vector<bool> per_source;          // unconsumed changes
  bool any = false;
  bool truncated = false;                // a TRUNCATE marker
  bool subquery_source_changed = false;  // a change to a table read by an expression's subquery
  bool buffer_reset = false;             // a buffer lost its sentinel
  // An unconsumed delete (or the old row of an update); only looked for
  // where a batch of inserts alone has a faster path.
  bool retractions = false;

  static PendingChanges read(const DeltaPlans& plans, const catalog::StreamTable& st, Snapshot snapshot) {
    PendingChanges p;
    p.per_source.assign(plans.sources.size(), false);
    bool look_for_retractions = static_cast<bool>(plans.append_for_changed) || st.append_only;
    auto buffers = cdc::read_pending_changes(plans.sources, {st.frontier, st.frontier_own_xid, st.frontier_own_cid},
                                             snapshot, look_for_retractions);
    p.retractions = !look_for_retractions;
    for (size_t i = 0; i < buffers.size(); i++) {
      const cdc::BufferPending& b = buffers[i];
      p.per_source[i] = b.changes;
      p.any = p.any || b.changes;
      p.truncated = p.truncated || b.marker;
      p.subquery_source_changed = p.subquery_source_changed || (plans.forces_full[i] && (b.changes || b.marker));
      p.buffer_reset = p.buffer_reset || !b.sentinel;
      p.retractions = p.retractions || b.retractions;
    }
    return p;
  }
};

// The number of unconsumed changes when it may exceed `limit`, else nullopt:
// the buffers' size bounds it, and counting reads every change once more.
std::optional<int64_t> pending_count_over(const DeltaPlans& plans, const pg::spi::Params& previous,
                                          Snapshot snapshot, double limit) {
  double bound = 0;
  for (Oid relid : plans.sources)
    bound += static_cast<double>(cdc::change_buffer_row_bound(relid));
  if (bound <= limit) return std::nullopt;
  int64_t count = 0;
  for (const auto& row : plans.pending_count->run(previous, snapshot).rows) count += as_int(row.at(1));
  if (count <= limit) return std::nullopt;
  return count;
}

// The statement (kept per set of changed sources) that make(changed
// sources) returns; nullptr when it is "".
const pg::spi::KeptPlan* kept_plan_for(DeltaPlans& plans, const std::vector<bool>& changed,
                                       const std::function<std::string(const std::vector<Oid>&)>& make,
                                       std::unordered_map<uint64_t, std::unique_ptr<pg::spi::KeptPlan>>* kept) {
  uint64_t mask = 0;
  std::vector<Oid> relids;
  for (size_t i = 0; i < changed.size(); i++)
    if (changed[i]) {
      mask |= uint64_t{1} << i;
      relids.push_back(plans.sources[i]);
    }
  auto it = kept->find(mask);
  if (it == kept->end()) {
    std::string sql = make(relids);
    it = kept->emplace(mask, sql.empty() ? nullptr : std::make_unique<pg::spi::KeptPlan>(sql, delta_param_types()))
             .first;
  }
  return it->second.get();
}

// The apply statement for the sources that changed: the one with every
// term when all did; nullptr when no term reads a changed source.
const pg::spi::KeptPlan* apply_plan_for(DeltaPlans& plans, const std::vector<bool>& changed) {
  bool all = std::find(changed.begin(), changed.end(), false) == changed.end();
  if (all || !plans.apply_for_changed || changed.size() > 64) return plans.apply.get();
  return kept_plan_for(plans, changed, plans.apply_for_changed, &plans.apply_for_changed_plans);
}

// Applies the pending changes (on the refresh's snapshot); append: they are
// inserts only, into a query whose result only grows with them.
RefreshResult apply_delta(Oid storage_relid, DeltaPlans& plans, const std::vector<bool>& changed, bool append,
                          const pg::spi::Params& previous, Snapshot snapshot) {
  pg::spi::Params params = previous;
  if (plans.touched_partitions) {
    auto touched = plans.touched_partitions->run(previous, snapshot);
    const pg::spi::Row& row = touched.rows.at(0);
    if (!row.at(0)) return {};  // the changes cancelled out before reaching a partition
    params.insert(params.end(), row.begin(), row.end());
  }
  const pg::spi::KeptPlan* apply =
      append && changed.size() <= 64 ? kept_plan_for(plans, changed, plans.append_for_changed, &plans.append_plans)
                                     : apply_plan_for(plans, changed);
  if (!apply) return {};
  pg::MergeCountCapture merged(storage_relid);
  auto counts = apply->run(params, snapshot);
  RefreshResult rows;
  if (counts.rows.empty()) {
    // A MERGE: the executor counted (see grouped_apply_sql).
    if (!merged.seen()) throw Error(sqlstate::kInternalError, "the apply statement of a stream table reported no row counts");
    rows.rows_inserted = merged.counts().inserted;
    rows.rows_updated = merged.counts().updated;
    rows.rows_deleted = merged.counts().deleted;
    return rows;
  }
  rows.rows_inserted = as_int(counts.rows.at(0).at(0));
  rows.rows_updated = as_int(counts.rows.at(0).at(1));
  rows.rows_deleted = as_int(counts.rows.at(0).at(2));
  return rows;
}

}  // namespace

DifferentialOutcome refresh_differential(const catalog::StreamTable& stale, const char* initiated_by,
                                         const std::string& why_full, bool record_history) {
  // EXCLUSIVE: readers go on reading the previous contents; other refreshes
  // of this table wait, and then continue from the frontier it left.
  int64_t started = catalog::now_unix_micros();
  Oid owner = lock_storage_table(stale, ExclusiveLock);
  const catalog::StreamTable st = catalog::reload_for_refresh(stale.pgt_id);
  DeltaPlans& plans = plans_for(st);

  pg::spi::RegisteredSnapshot snapshot;
  DifferentialOutcome outcome{RefreshAction::Differential, {}, ""};
  SnapshotFrontier next = frontier_of(snapshot.get());
  std::string next_own_cid = std::to_string(snapshot.get()->curcid);
  pg::spi::Params previous{st.frontier, st.frontier_own_xid, st.frontier_own_cid};
  PendingChanges pending;
  {
    pg::AsRole as_owner(owner, true);
    pg::PinnedSearchPath pinned;
    pending = PendingChanges::read(plans, st, snapshot.get());
  }
  bool hierarchy_changed = source_hierarchy_changed(plans.sources);

  if (pending.buffer_reset) {
    // An unlogged buffer emptied by a crash or failover: its changes are
    // lost for every reader of it, not only this one.
    cdc::recover_reset_buffers(plans.sources);
    outcome.action = RefreshAction::Full;
    outcome.reason = "a change buffer was emptied by a crash or failover (unlogged change buffers)";
  } else if (st.reinitialize_reason) {
    outcome.action = RefreshAction::Reinitialize;
    outcome.reason = *st.reinitialize_reason;
  } else if (!st.frontier) {
    outcome.action = RefreshAction::Full;
    outcome.reason = !why_full.empty() ? why_full
                     : st.is_populated
                         ? "no frontier: first refresh since the stream table was redefined, or its change "
                           "buffers were emptied by a crash or failover"
                         : "first refresh (no frontier yet)";
  } else if (hierarchy_changed) {
    outcome.action = RefreshAction::Full;
    outcome.reason = "a source table became a partition or inheritance child, or one of its partitions / "
                     "children is not captured; statements on those are not seen (recreate the stream table, or "
                     "use refresh_mode => 'FULL')";
    pg::warning("stream table \"" + st.display_name() + "\" was refreshed FULL", outcome.reason + ".",
                "Recreate it, or alter it to refresh_mode => 'FULL'.");
  } else if (pending.subquery_source_changed) {
    outcome.action = RefreshAction::Full;
    outcome.reason = "a table read by a subquery in an expression (scalar subquery, EXISTS / IN) changed";
  } else if (pending.truncated) {
    outcome.action = RefreshAction::Full;
    outcome.reason = "a source table (or one of its partitions / children) was truncated or dropped, a MERGE moved rows "
                     "between its partitions, or a captured "
                     "column changed type";
  } else if (!pending.any) {
    outcome.action = RefreshAction::NoData;
  } else if (guc::differential_max_change_ratio > 0) {  // 0: no fallback
    double rows = source_rows(plans.sources, snapshot.get());
    std::optional<int64_t> too_many;
    {
      pg::AsRole as_owner(owner, true);
      pg::PinnedSearchPath pinned;
      too_many = pending_count_over(plans, previous, snapshot.get(),
                                    guc::differential_max_change_ratio * std::max(rows, 1.0));
    }
    if (too_many) {
      outcome.action = RefreshAction::Full;
      outcome.reason = std::to_string(*too_many) + " pending changes exceed " +
                       std::to_string(guc::differential_max_change_ratio) +
                       " (pg_trickle.differential_max_change_ratio) of the sources' " +
                       std::to_string(static_cast<int64_t>(rows)) + " rows";
    }
  }

  // Inserts only, into a query whose result only grows with them: appended.
  bool append = outcome.action == RefreshAction::Differential && plans.append_for_changed && !pending.retractions;
  if (append) outcome.reason = "append-only: every pending change is an insert (appended without lookups)";
  if (outcome.action == RefreshAction::Differential && st.append_only && pending.retractions) {
    // append_only => true declared the sources insert-only: say that it
    // was wrong, and stop expecting it.
    catalog::set_append_only(st.pgt_id, false);
    pg::send_alert("append_only_reverted", st.schema, st.name,
                   "a source had a delete or an update; append_only was set to false");
    pg::warning("stream table \"" + st.display_name() + "\" is no longer append-only",
                "A source of it had a delete or an update; the change was applied in full and append_only was "
                "set to false.",
                "Inserts alone are still appended without any declaration; append_only => true only asks to be "
                "told when that stops.");
  }

  if (outcome.action != RefreshAction::NoData) {
    check_owner_can_read_sources(st, owner, plans.sources, plans.read_columns);
    try {
      pg::AsRole as_owner(owner, true);
      pg::PinnedSearchPath pinned;
      ApplyPermit permit(st.relid);
      auto recompute = [&] {
        // (The identity index follows the sources' keys as they are now:
        // unique or not.)
        outcome.rows = replace_rows(
            st, [&] { return static_cast<int64_t>(plans.full_insert->run(previous, snapshot.get()).processed); },
            true, plans.unique_index);
      };
      if (recomputes(outcome.action)) {
        recompute();
      } else {
        std::string failure;
        try {
          pg::guard_subtransaction([&] { outcome.rows = apply_delta(st.relid, plans, pending.per_source, append, previous, snapshot.get()); });
        } catch (const pg::PgError& e) {
          // An expression can fail (60 / 0) on changes that cancel out (a row
          // inserted and deleted again) or on rows the sources no longer
          // hold: the query itself may be fine now. Recompute it; when the
          // query fails too, its error is the answer.
          if (ERRCODE_TO_CATEGORY(e.sqlerrcode()) != ERRCODE_DATA_EXCEPTION) throw;
          failure = e.what();
        }
        if (!failure.empty()) {
          outcome.action = RefreshAction::Full;
          outcome.reason = "the delta failed on changed rows (" + failure + "); recomputed";
          outcome.rows = {};
          recompute();
        }
      }
    } catch (const pg::PgError& e) {
      explain_refresh_error(e, st, owner);
      throw;
    }
  }
  // Without history: only the frontier moves (not at all when nothing was consumed).
  bool quiet = !record_history && outcome.action != RefreshAction::Reinitialize;
  if (quiet && outcome.action != RefreshAction::NoData)
    catalog::set_frontier(st.pgt_id, next.snapshot, next.own_xid, next_own_cid);
  catalog::RefreshRecord record;
  record.action = outcome.action;
  record.initiated_by = initiated_by;
  record.reason = outcome.reason;
  record.start_unix_micros = started;
  record.rows_inserted = outcome.rows.rows_inserted;
  record.rows_updated = outcome.rows.rows_updated;
  record.rows_deleted = outcome.rows.rows_deleted;
  record.frontier = next.snapshot;
  record.frontier_own_xid = next.own_xid;
  record.frontier_own_cid = next_own_cid;
  if (!quiet) catalog::record_refresh(st.pgt_id, record);
  // Nothing consumed, nothing to clean: a DIFFERENTIAL refresh cleans the
  // buffers it consumed changes from (a buffer's consumed rows wait for its
  // last reader, which consumed them too, so it cleans them then). A FULL
  // one moved the frontier over whatever the buffers hold.
  if (outcome.action != RefreshAction::NoData)
    for (size_t i = 0; i < plans.sources.size(); i++)
      if (recomputes(outcome.action) || pending.per_source[i])
        cdc::clean_consumed_changes(plans.sources[i]);
  return outcome;
}

std::string pending_beyond_inserts(const catalog::StreamTable& st) {
  Oid owner = pg::relation_owner(st.relid);
  DeltaPlans& plans = plans_for(st);
  pg::spi::RegisteredSnapshot snapshot;
  std::vector<cdc::BufferPending> buffers;
  {
    pg::AsRole as_owner(owner, true);
    pg::PinnedSearchPath pinned;
    buffers = cdc::read_pending_changes(plans.sources, {st.frontier, st.frontier_own_xid, st.frontier_own_cid},
                                        snapshot.get(), true);
  }
  for (size_t i = 0; i < buffers.size(); i++) {
    if (!buffers[i].sentinel) return "a change buffer was emptied by a crash or failover";
    if (buffers[i].marker) return "a source was truncated (or a captured column changed type)";
    if (plans.forces_full[i] && buffers[i].changes) return "a table read by a subquery in an expression changed";
    if (buffers[i].retractions) return "a source had deletes or updates";
  }
  if (source_hierarchy_changed(plans.sources)) return "a source's partitions or inheritance children changed";
  return "";
}

}  // namespace pgt::refresh
