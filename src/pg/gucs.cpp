// pg_trickle.* configuration variables: see gucs.h.
#include "pg/gucs.h"

#include <algorithm>

#include "pg/pg_headers.h"

extern "C" {
#include "utils/guc.h"
}

namespace pgt::guc {

int min_schedule_seconds = 1;
double differential_max_change_ratio = 0.15;
bool enabled = true;
int scheduler_interval_ms = 1000;
int watermark_holdback_timeout = 0;
int default_schedule_seconds = 1;
int max_consecutive_errors = 3;
int max_dynamic_refresh_workers = 4;
bool unlogged_change_buffers = true;
int max_concurrent_refreshes = 4;
int parallel_refresh_mode = static_cast<int>(ParallelRefreshMode::On);
bool cleanup_use_truncate = true;
bool use_prepared_statements = true;
bool auto_backoff = true;
bool tiered_scheduling = true;
bool block_source_ddl = false;
int buffer_alert_threshold = 1000000;
bool allow_circular = false;
int ivm_topk_max_limit = 1000;
int max_grouping_set_branches = 64;
int max_fixpoint_iterations = 100;

namespace {

const config_enum_entry kParallelRefreshModes[] = {
    {"off", static_cast<int>(ParallelRefreshMode::Off), false},
    {"dry_run", static_cast<int>(ParallelRefreshMode::DryRun), false},
    {"on", static_cast<int>(ParallelRefreshMode::On), false},
    {nullptr, 0, false}};

}  // namespace

int refresh_concurrency() {
  if (parallel_refresh_mode != static_cast<int>(ParallelRefreshMode::On)) return 1;
  return std::max(1, std::min(max_dynamic_refresh_workers, max_concurrent_refreshes));
}

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
      "The history records which was done and why. 0 disables the fallback.",
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
      &scheduler_interval_ms, 1000, 10, 600000, PGC_SUSET, GUC_UNIT_MS, nullptr, nullptr, nullptr);
  DefineCustomIntVariable(
      "pg_trickle.default_schedule_seconds",
      "Refresh period of a 'calculated' stream table that no other stream table reads.",
      nullptr, &default_schedule_seconds, 1, 1, 86400 * 7, PGC_SUSET, GUC_UNIT_S, nullptr, nullptr,
      nullptr);
  DefineCustomIntVariable(
      "pg_trickle.max_consecutive_errors",
      "Failed scheduled refreshes in a row after which a stream table is suspended.", nullptr,
      &max_consecutive_errors, 3, 1, 1000, PGC_SUSET, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable(
      "pg_trickle.max_dynamic_refresh_workers",
      "Refreshes of independent stream tables one database's scheduler runs at once.",
      "They run in dynamic background workers, which count against max_worker_processes.",
      &max_dynamic_refresh_workers, 4, 1, 64, PGC_SUSET, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable(
      "pg_trickle.max_concurrent_refreshes",
      "Refreshes one database's scheduler runs at once (with max_dynamic_refresh_workers: the "
      "smaller of the two).",
      "Only with parallel_refresh_mode = on.", &max_concurrent_refreshes, 4, 1, 32, PGC_SUSET, 0,
      nullptr, nullptr, nullptr);
  DefineCustomEnumVariable(
      "pg_trickle.parallel_refresh_mode",
      "Whether independent stream tables are refreshed at once by refresh workers: on, off, dry_run.",
      "off: the scheduler refreshes one unit at a time itself; dry_run: the same, and it logs the "
      "units it would have run at once.",
      &parallel_refresh_mode, static_cast<int>(ParallelRefreshMode::On), kParallelRefreshModes,
      PGC_SUSET, 0, nullptr, nullptr, nullptr);
  DefineCustomBoolVariable(
      "pg_trickle.cleanup_use_truncate",
      "Whether a large change buffer holding only consumed changes is truncated (rather than "
      "deleted from).",
      "TRUNCATE takes the buffer's lock briefly (never waiting for it); off: always DELETE.",
      &cleanup_use_truncate, true, PGC_SUSET, 0, nullptr, nullptr, nullptr);
  DefineCustomBoolVariable(
      "pg_trickle.use_prepared_statements",
      "Whether a session keeps the prepared statements of a stream table's refreshes.",
      "Off: every DIFFERENTIAL refresh derives and plans its statements afresh (custom plans).",
      &use_prepared_statements, true, PGC_SUSET, 0, nullptr, nullptr, nullptr);
  DefineCustomBoolVariable(
      "pg_trickle.auto_backoff",
      "Whether the scheduler stretches the period of a stream table whose refreshes take most of it.",
      "A refresh taking more than 95% of the period doubles the effective period (at most 8 times "
      "the schedule), with a WARNING; the first refresh on time resets it.",
      &auto_backoff, true, PGC_SUSET, 0, nullptr, nullptr, nullptr);
  // On by default, as in the reference (since its v0.12): stream tables
  // nobody gave a tier are 'hot', which is their schedule as written, so
  // turning it on changes nothing until an owner assigns a tier.
  DefineCustomBoolVariable(
      "pg_trickle.tiered_scheduling",
      "Whether a stream table's refresh tier (alter_stream_table(tier => ...)) stretches its schedule.",
      "hot: the schedule; warm: 2x its period; cold: 10x; frozen: no scheduled refresh; auto: hot, warm "
      "or cold from how often the table is read. Off: every stream table refreshes as if hot.",
      &tiered_scheduling, true, PGC_SUSET, 0, nullptr, nullptr, nullptr);
  DefineCustomBoolVariable(
      "pg_trickle.block_source_ddl",
      "Whether DDL on a source that would reinitialize a stream table is refused.",
      "On: such DDL fails, naming the stream table; off: the stream table follows it.",
      &block_source_ddl, false, PGC_SUSET, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable(
      "pg_trickle.buffer_alert_threshold",
      "Pending rows in one change buffer above which the scheduler sends a buffer_growth_warning "
      "alert on channel pgtrickle_alert.",
      nullptr, &buffer_alert_threshold, 1000000, 1000, 100000000, PGC_SUSET, 0, nullptr, nullptr,
      nullptr);
  DefineCustomIntVariable(
      "pg_trickle.max_grouping_set_branches",
      "Most grouping sets a GROUPING SETS / CUBE / ROLLUP query may expand to in DIFFERENTIAL or IMMEDIATE mode.",
      "Each set is a branch of the rewritten grouping's input, read at every refresh; above it the query is "
      "refused (AUTO: FULL). Checked when the stream table is created or altered.",
      &max_grouping_set_branches, 64, 1, 65536, PGC_SUSET, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable(
      "pg_trickle.ivm_topk_max_limit",
      "Largest LIMIT (plus OFFSET) an IMMEDIATE stream table's query may have.",
      "An IMMEDIATE top-k is recomputed in every statement that changes a source; 0 refuses LIMIT in IMMEDIATE "
      "mode. Checked when the stream table is created or altered.",
      &ivm_topk_max_limit, 1000, 0, 1000000, PGC_SUSET, 0, nullptr, nullptr, nullptr);
  DefineCustomBoolVariable(
      "pg_trickle.allow_circular",
      "Whether a stream table's query may close a cycle of stream tables (monotone, DIFFERENTIAL queries only).",
      "Checked when create_stream_table / alter_stream_table would close a cycle; a cycle accepted stays "
      "refreshed (to its fixed point) when the setting is turned off again.",
      &allow_circular, false, PGC_SUSET, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable(
      "pg_trickle.max_fixpoint_iterations",
      "Rounds a cycle of stream tables may take to reach its fixed point before its refresh fails.",
      "A cycle that still changes after this many rounds puts every member in status ERROR.",
      &max_fixpoint_iterations, 100, 1, 10000, PGC_SUSET, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable(
      "pg_trickle.watermark_holdback_timeout",
      "Seconds after which a watermark of a watermark group that was not advanced is stuck (0: never).",
      "The stream tables reading the group's sources are then held, with a SKIPPED history row and a "
      "watermark_stuck alert, until the watermark advances again.",
      &watermark_holdback_timeout, 0, 0, 86400, PGC_SUSET, GUC_UNIT_S, nullptr, nullptr, nullptr);
  define_reference_settings();
  MarkGUCPrefixReserved("pg_trickle");
}

}  // namespace pgt::guc
