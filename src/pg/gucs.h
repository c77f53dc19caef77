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

void define_gucs();

}  // namespace pgt::guc
