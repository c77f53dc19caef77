// The catalog as the scheduler reads and writes it: the stream tables with
// what it needs to plan a tick, the pending-change check, and the history
// rows and status changes of scheduled refreshes (RUNNING, FAILED, SUSPENDED,
// alerts). Callers hold an spi::Connection inside a transaction.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/refresh_mode.h"
#include "pg/pg_headers.h"

namespace pgt::scheduler {

// How the scheduler schedules a table, as it records it in the catalog
// (pgt_stream_tables.sched_*, shown by pgtrickle.effective_schedule()).
struct ScheduleState {
  std::optional<std::string> tier;      // in force: hot / warm / cold / frozen
  std::optional<int> backoff;           // pg_trickle.auto_backoff factor
  std::optional<int64_t> base_period_ms;  // the schedule's period (NULL: cron)
  std::optional<int64_t> period_ms;     // stretched by tier and backoff (NULL: cron, frozen)
  bool operator==(const ScheduleState& o) const {
    return tier == o.tier && backoff == o.backoff && base_period_ms == o.base_period_ms && period_ms == o.period_ms;
  }
};

struct ScheduledTable {
  int64_t id = 0;
  Oid relid = InvalidOid;
  std::string schema;
  std::string name;
  std::string schedule;
  bool differential = false;
  StreamTableStatus status = StreamTableStatus::Active;
  bool populated = false;
  int64_t last_refresh_ms = 0;  // data_timestamp; 0: never refreshed
  bool atomic_diamonds = true;  // diamond_consistency is not 'none'
  bool slowest = false;         // diamond_schedule_policy 'slowest'
  std::optional<std::string> frontier, frontier_own_xid, frontier_own_cid;
  std::vector<Oid> sources;          // every relation it reads
  std::vector<Oid> captured_sources; // those with a change buffer
  std::vector<int64_t> upstream;     // stream tables it reads
  std::string refresh_tier = "hot";  // as configured: hot / warm / cold / frozen / auto
  bool tiers_in_catalog = false;     // the catalog has the tier columns (0.2.0)
  ScheduleState saved;               // as last recorded

  std::string display_name() const { return schema + "." + name; }
};

std::vector<ScheduledTable> load_scheduled_tables();

// Relations gated by pgtrickle.gate_source() (pgt_source_gates.gated), and
// the stream tables reading them, recursively (IMMEDIATE ones included).
std::vector<Oid> load_gated_sources();

// Rows in the change buffer of `source` when more than `threshold` (counted
// up to threshold + 1 only, and only when the buffer is large enough to hold
// that many); nullopt otherwise.
std::optional<int64_t> buffer_rows_over(Oid source, int64_t threshold);

// Sources (by oid) whose capture triggers, on them or on a member of their
// hierarchy, are disabled (pg_trigger.tgenabled = 'D').
std::vector<Oid> sources_with_disabled_capture();

// Scans of stream tables' storage (table and indexes) by every backend, as
// flushed to the cumulative statistics, per pgt_id; and the database's
// statistics reset time (a change means the counters restarted).
struct ReadCounts {
  std::map<int64_t, int64_t> scans;
  std::string reset_at;
};
ReadCounts read_counts(const std::vector<int64_t>& pgt_ids);

// Scans of relid (table and its indexes) this backend made and has not yet
// flushed to the cumulative statistics.
int64_t pending_scans(Oid relid);

// Records how tables are scheduled (only those whose state changed).
void save_schedule_state(const std::vector<std::pair<int64_t, ScheduleState>>& states);

// A scheduled refresh ran on a stretched period: its history row says so.
void note_stretched_refresh(int64_t pgt_id, const std::string& note);

// Whether a DIFFERENTIAL table has changes its next refresh would consume
// (without a frontier yet: true). One EXISTS per change buffer.
bool has_pending_changes(const ScheduledTable& t);

// History rows left RUNNING by a scheduler that died mid-refresh become
// FAILED. Rows of refreshes still in progress are locked and skipped.
int64_t fail_interrupted_refreshes();

// A RUNNING history row (committed before the refresh starts, so that a crash
// leaves a trace); returns its refresh_id.
int64_t insert_running_row(int64_t pgt_id, RefreshAction action);
// A SKIPPED history row (action NO_DATA): a refresh the scheduler holds back.
void insert_skipped_row(int64_t pgt_id, const std::string& reason);
// The refresh holds its RUNNING rows locked while it runs.
void lock_running_rows(const std::vector<int64_t>& refresh_ids);
// The refresh recorded its own COMPLETED row: the RUNNING rows go.
void delete_running_rows(const std::vector<int64_t>& refresh_ids);
void fail_running_rows(const std::vector<int64_t>& refresh_ids, const std::string& error);

// A failed scheduled refresh of pgt_id: counts it (counted = false for
// retryable errors, which only keep the message), suspends the table once
// consecutive_errors reaches max_errors and sends the pg_trickle_alert
// notification. Returns whether the table was suspended.
bool record_refresh_failure(int64_t pgt_id, const std::string& error, const std::string& sqlstate,
                            bool counted, int max_errors);

// A cycle that did not reach its fixed point: every member in status ERROR
// with the message, and a refresh_failed alert for each (status "ERROR").
void record_cycle_failure(const std::vector<int64_t>& ids, const std::string& error, const std::string& sqlstate);

}  // namespace pgt::scheduler
