// pgtrickle._active_refresh_workers(): the refreshes of this database running
// in refresh workers right now, read from the scheduler's shared state. The
// rest of pgtrickle.worker_pool_status() (the settings) is SQL.
//
// Per database, like pg_trickle.max_dynamic_refresh_workers here (the
// reference's budget is cluster-wide; ours caps each database's scheduler).
// A refresh the scheduler runs itself (a lone ready unit, parallel_refresh_mode
// 'off' or 'dry_run') is not a worker and is not counted.
#include "pg/boundary.h"
#include "scheduler/shared_state.h"

extern "C" {
#include "miscadmin.h"
}

PGT_SQL_FUNCTION(pgt_active_refresh_workers) {
  PG_RETURN_INT32(pgt::scheduler::running_refresh_tasks(MyDatabaseId));
}
