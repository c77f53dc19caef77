// pg_trickle.* configuration variables.
#pragma once

namespace pgt::guc {

// pg_trickle.min_schedule_seconds: the shortest duration schedule accepted.
extern int min_schedule_seconds;

// pg_trickle.differential_max_change_ratio: above this fraction of pending
// changes (relative to the sources' size) a DIFFERENTIAL refresh runs FULL.
extern double differential_max_change_ratio;

// pg_trickle.enabled: background scheduling on/off (also per database with
// ALTER DATABASE ... SET, read by the launcher).
extern bool enabled;

// pg_trickle.scheduler_interval_ms: the longest a scheduler sleeps between
// looks at its catalog (it wakes earlier when a table is due or changes commit).
extern int scheduler_interval_ms;

// pg_trickle.default_schedule_seconds: period of a 'calculated' stream table
// that no other stream table reads.
extern int default_schedule_seconds;

// pg_trickle.max_consecutive_errors: failed scheduled refreshes in a row
// after which a stream table is SUSPENDED.
extern int max_consecutive_errors;

// pg_trickle.max_dynamic_refresh_workers: refreshes of independent stream
// tables run at once in one database (1: the scheduler refreshes by itself).
extern int max_dynamic_refresh_workers;

// pg_trickle.unlogged_change_buffers: new change buffers are UNLOGGED (no
// WAL; emptied by a crash, which the refreshes detect and answer with FULL).
extern bool unlogged_change_buffers;

// --- Settings of the reference system (docs/SQL_REFERENCE.md, Configuration:
// "Settings of the reference system"). Those with a meaning here are wired:

// pg_trickle.max_concurrent_refreshes: per-database cap on refreshes at once,
// together with max_dynamic_refresh_workers (the smaller wins).
extern int max_concurrent_refreshes;

// pg_trickle.parallel_refresh_mode: 'on' (refresh workers), 'off' (the
// scheduler refreshes one unit at a time), 'dry_run' (as 'off', and logs the
// units it would have run at once).
enum class ParallelRefreshMode { Off = 0, DryRun = 1, On = 2 };
extern int parallel_refresh_mode;

// Refreshes one database's scheduler runs at once (1: none in workers).
int refresh_concurrency();

// pg_trickle.cleanup_use_truncate: a large fully-consumed buffer is truncated
// rather than deleted from.
extern bool cleanup_use_truncate;

// pg_trickle.use_prepared_statements: refresh statements are prepared once
// per session and reused (off: planned afresh at every refresh).
extern bool use_prepared_statements;

// pg_trickle.auto_backoff: a stream table whose refreshes take most of its
// period gets a longer effective period (x2 each time, at most x8).
extern bool auto_backoff;

// pg_trickle.tiered_scheduling: a stream table's refresh tier (hot / warm /
// cold / frozen / auto) stretches or stops its scheduled refreshes (off:
// every table refreshes as if hot).
extern bool tiered_scheduling;

// pg_trickle.block_source_ddl: DDL on a source that would reinitialize a
// stream table is refused instead.
extern bool block_source_ddl;

// pg_trickle.buffer_alert_threshold: pending rows in one change buffer above
// which the scheduler sends a buffer_growth_warning alert.
extern int buffer_alert_threshold;

// pg_trickle.max_grouping_set_branches: the most grouping sets a query
// maintained from its changes may expand to (frontend/grouping_sets).
extern int max_grouping_set_branches;

// pg_trickle.ivm_topk_max_limit: the largest LIMIT + OFFSET of a query
// maintained IMMEDIATE (frontend/plan_builder); 0: none.
extern int ivm_topk_max_limit;

// pg_trickle.allow_circular: create / alter may close a cycle of stream
// tables whose queries are monotone and DIFFERENTIAL (api/cycles).
extern bool allow_circular;

// pg_trickle.max_fixpoint_iterations: rounds a cycle of stream tables may
// take to reach its fixed point before its refresh fails (refresh/cycle_refresh).
extern int max_fixpoint_iterations;
// pg_trickle.watermark_holdback_timeout: seconds after which a grouped
// source whose watermark was not advanced is stuck (0: never); read by SQL
// (pgtrickle._watermark_holdback_secs()), declared here to be defined.
extern int watermark_holdback_timeout;

// The reference's settings whose mechanism this design does not have:
// accepted, and a WARNING (once per backend) when set to a value that would
// change something there and changes nothing here (reference_settings.cpp).
void define_reference_settings();

void define_gucs();

}  // namespace pgt::guc
