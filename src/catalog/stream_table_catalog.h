// The pgtrickle.pgt_* catalog tables as typed records; every read and write of
// them goes through here. Writes run as the catalog owner (users may read the
// catalog but not write it). Callers hold an spi::Connection.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/refresh_mode.h"
#include "frontend/query_analysis.h"
#include "pg/pg_headers.h"

namespace pgt::catalog {

struct StreamTable {
  int64_t pgt_id = 0;
  Oid relid = InvalidOid;
  std::string schema;
  std::string name;
  std::string original_query;   // as the user gave it
  std::string defining_query;   // normalized: schema-qualified, what refreshes run
  std::string schedule;
  RefreshMode refresh_mode = RefreshMode::Auto;            // requested
  RefreshMode effective_refresh_mode = RefreshMode::Full;  // FULL / DIFFERENTIAL / IMMEDIATE
  std::optional<std::string> effective_mode_reason;
  StreamTableStatus status = StreamTableStatus::Initializing;
  bool is_populated = false;
  int consecutive_errors = 0;
  std::optional<std::string> diamond_consistency;
  std::optional<std::string> diamond_schedule_policy;
  std::optional<std::string> cdc_mode;
  bool append_only = false;
  bool pooler_compatibility_mode = false;

  // DIFFERENTIAL: the frontier and the generated SQL (see sql/ for meanings).
  std::optional<std::string> frontier;          // pg_snapshot text
  std::optional<std::string> frontier_own_xid;  // xid8 text
  std::optional<std::string> frontier_own_cid;  // bigint text
  bool unique_row_ids = false;
  std::optional<std::string> full_refresh_sql;
  std::optional<std::string> delta_apply_sql;
  std::optional<std::string> pending_changes_sql;
  // How the query is maintained (dvm::plan_text), or why it is FULL. Written
  // with the definition; for inspection only (not read back).
  std::optional<std::string> maintenance_plan;
  std::string version;  // changes whenever the definition changes (cache key)
  // Set when the next refresh must recompute the table because something its
  // maintenance was derived from changed (history action REINITIALIZE).
  std::optional<std::string> reinitialize_reason;

  // False when read with Columns::ForRefresh: original_query and the stored
  // SQL and plan text are empty then, and the record cannot be written back.
  bool complete = true;

  bool differential() const { return effective_refresh_mode == RefreshMode::Differential; }
  bool immediate() const { return effective_refresh_mode == RefreshMode::Immediate; }
  // Maintained by its changes (DIFFERENTIAL or IMMEDIATE): row identities,
  // hidden state columns, a maintenance plan.
  bool incremental() const { return differential() || immediate(); }

  std::string qualified_name() const;  // "schema"."name", quoted
  std::string display_name() const;    // schema.name, for messages
};

// Which columns a read fills: all, or those a refresh reads (see
// StreamTable::complete).
enum class Columns { All, ForRefresh };

std::optional<StreamTable> find_by_relid(Oid relid, Columns columns = Columns::All);

// The row as committed now, locked against concurrent refreshes and alters
// (SELECT ... FOR UPDATE), Columns::ForRefresh: a refresh that waited for another must start from
// the frontier that one left. Under REPEATABLE READ a concurrent change is a
// serialization failure (40001), as PostgreSQL reports it.
StreamTable reload_for_refresh(int64_t pgt_id);
bool is_stream_table(Oid relid);

// Which of these stream tables (by pgt_id) still exist, whoever may read
// them: per-session caches drop the entries of the others.
std::set<int64_t> existing_stream_tables(const std::vector<int64_t>& pgt_ids);

// Inserts the row; returns its pgt_id.
int64_t insert_stream_table(const StreamTable& st);

// Rewrites the definition columns (query, mode, schedule, options) of pgt_id.
void update_definition(const StreamTable& st);

// Records the frontier a refresh reached (NULLs: no frontier, next refresh is FULL).
void set_frontier(int64_t pgt_id, const std::optional<std::string>& snapshot,
                  const std::optional<std::string>& own_xid,
                  const std::optional<std::string>& own_cid);

// The next refresh recomputes the table (action REINITIALIZE, `reason` in
// its history): the frontier is cleared, the reason kept until then.
void mark_for_reinitialize(int64_t pgt_id, const std::string& reason);

// Sets append_only (a refresh found a delete in a source declared append-only).
void set_append_only(int64_t pgt_id, bool append_only);

// Sets refresh_tier ('hot', 'warm', 'cold', 'frozen' or 'auto'; validated by
// the caller): read by the scheduler at its next tick.
void set_refresh_tier(int64_t pgt_id, const std::string& tier);

// Sets status (and resets consecutive_errors / last error when ACTIVE).
void set_status(int64_t pgt_id, StreamTableStatus status);

// Replaces the pgt_dependencies rows of pgt_id.
void replace_dependencies(int64_t pgt_id, const std::vector<frontend::SourceRelation>& sources);

// Relids of the stream tables that read `relid`, directly (for cycle checks).
std::vector<Oid> stream_tables_reading(Oid relid);

// ---- refresh history ----

// What one refresh did, recorded with the stream table's new state.
struct RefreshRecord {
  RefreshAction action = RefreshAction::Full;
  const char* initiated_by = "MANUAL";
  std::string reason;
  int64_t start_unix_micros = 0;
  int64_t rows_inserted = 0;
  int64_t rows_updated = 0;
  int64_t rows_deleted = 0;
  // DIFFERENTIAL: the frontier reached (unset for FULL-mode tables).
  std::optional<std::string> frontier;
  std::optional<std::string> frontier_own_xid;
  std::optional<std::string> frontier_own_cid;
};

// Inserts the history row (COMPLETED) and marks the stream table refreshed:
// populated, ACTIVE unless SUSPENDED, errors cleared, timestamps and
// frontier set. (A refresh runs in its caller's transaction, so
// a failed one leaves nothing to record: its error goes to the caller.)
void record_refresh(int64_t pgt_id, const RefreshRecord& record);

// Microseconds since the Unix epoch, now (for RefreshRecord::start_unix_micros).
int64_t now_unix_micros();

}  // namespace pgt::catalog

namespace pgt::catalog {

// Relids a stream table reads directly (from pgt_dependencies).
std::vector<Oid> sources_of(Oid st_relid);

// Removes the catalog rows of a stream table (history and dependencies cascade).
void delete_stream_table(int64_t pgt_id);

}  // namespace pgt::catalog
