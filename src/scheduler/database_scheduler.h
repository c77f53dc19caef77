// The scheduler of one database: a background worker started by the launcher
// (pgt_scheduler_main) that refreshes the database's stream tables on their
// schedules, in dependency order, with diamonds as all-or-nothing groups.
//
// A tick: take the change signals of committed writes, read the catalog
// (one short transaction), then for each refresh unit that is due (see
// due_policy.h), in order: check for pending changes and insert RUNNING
// history rows (one transaction), then refresh (another transaction: the
// unit's tables are locked without waiting -- a table busy with a manual
// refresh or DDL is skipped and retried shortly -- and refreshed in a
// subtransaction, so a failure is rolled back and recorded in the same
// transaction: FAILED history row, consecutive_errors, SUSPENDED after
// pg_trickle.max_consecutive_errors, a pg_trickle_alert notification).
// Between ticks it sleeps on its latch until the next table is due, at most
// pg_trickle.scheduler_interval_ms, and is woken by commits that captured
// changes.
#pragma once

#include "pg/pg_headers.h"

namespace pgt::scheduler {

enum class ExitReason { Stopped, NoExtension, Disabled, Failed };

// The body of pgt_scheduler_main once connected: returns when the worker
// should exit (stop requested, no extension, an error it cannot go on after).
ExitReason run_database_scheduler() noexcept;

}  // namespace pgt::scheduler
