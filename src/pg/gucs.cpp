// pg_trickle.* configuration variables: see gucs.h.
#include "pg/gucs.h"

#include "pg/pg_headers.h"

extern "C" {
#include "utils/guc.h"
}

namespace pgt::guc {

int min_schedule_seconds = 1;
double differential_max_change_ratio = 0.15;
bool enabled = true;
int scheduler_interval_ms = 1000;
int default_schedule_seconds = 1;
int max_consecutive_errors = 3;
int max_dynamic_refresh_workers = 4;
bool unlogged_change_buffers = true;

void define_gucs() {
  DefineCustomIntVariable(
      "pg_trickle.min_schedule_seconds",
      "Shortest refresh schedule (in seconds) a stream table may be given.",
      "Duration and cron schedules that would refresh more often are refused at "
      "create_stream_table / alter_stream_table time.",
      &min_schedule_seconds, 1, 1, 86400 * 7, PGC_SUSET, GUC_UNIT_S, nullptr, nullptr, nullptr);
  DefineCustomRealVariable(
      "pg_trickle.differential_max_change_ratio",
      "Fraction of pending changes (relative to the size of the sources) above which a "
      "DIFFERENTIAL refresh recomputes the stream table in FULL instead.",
      "Recomputing is cheaper than applying a delta that touches most of the table. "
      "The history records which was done and why.",
      &differential_max_change_ratio, 0.15, 0.0, 1000.0, PGC_USERSET, 0, nullptr, nullptr,
      nullptr);
  // SUSET, not SIGHUP: ALTER DATABASE ... SET pg_trickle.enabled = off turns
  // the scheduler off for one database.
  DefineCustomBoolVariable(
      "pg_trickle.unlogged_change_buffers",
      "Whether new change buffers are UNLOGGED tables.",
      "Unlogged buffers write no WAL (cheaper capture and cleanup); a crash or a failover "
      "empties them, and the stream tables reading them are then refreshed FULL. Applies to "
      "buffers created afterwards.",
      &unlogged_change_buffers, true, PGC_SUSET, 0, nullptr, nullptr, nullptr);
  DefineCustomBoolVariable(
      "pg_trickle.enabled", "Whether background workers refresh stream tables on their schedules.",
      "Off in postgresql.conf (or ALTER SYSTEM) stops every scheduler; off for one database "
      "(ALTER DATABASE ... SET) stops that database's. Manual refreshes always work.",
      &enabled, true, PGC_SUSET, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable(
      "pg_trickle.scheduler_interval_ms",
      "Longest sleep of a scheduler between two looks at its stream tables.",
      "Schedulers also wake when a stream table is due and when changes to a captured source "
      "commit.",
      &scheduler_interval_ms, 1000, 10, 600000, PGC_SIGHUP, GUC_UNIT_MS, nullptr, nullptr, nullptr);
  DefineCustomIntVariable(
      "pg_trickle.default_schedule_seconds",
      "Refresh period of a 'calculated' stream table that no other stream table reads.",
      nullptr, &default_schedule_seconds, 1, 1, 86400 * 7, PGC_SIGHUP, GUC_UNIT_S, nullptr, nullptr,
      nullptr);
  DefineCustomIntVariable(
      "pg_trickle.max_consecutive_errors",
      "Failed scheduled refreshes in a row after which a stream table is suspended.", nullptr,
      &max_consecutive_errors, 3, 1, 1000, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable(
      "pg_trickle.max_dynamic_refresh_workers",
      "Refreshes of independent stream tables one database's scheduler runs at once.",
      "They run in dynamic background workers, which count against max_worker_processes.",
      &max_dynamic_refresh_workers, 4, 1, 64, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
  MarkGUCPrefixReserved("pg_trickle");
}

}  // namespace pgt::guc
