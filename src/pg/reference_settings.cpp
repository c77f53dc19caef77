// The reference system's settings whose mechanism this design does not have
// (WAL capture, planner hints, buffer partitioning, row-level capture,
// ...). A script written for the reference sets them:
// they are accepted with the reference's names, types, defaults, ranges and
// contexts, so that it does not fail; and a value that would change something
// there but changes nothing here draws a WARNING, once per backend and
// setting, so that nothing is ignored silently. The reference defaults never
// warn. docs/SQL_REFERENCE.md (Configuration) has the table of what each one
// does here and why; the WARNING's DETAIL says the same.
//
// The warning comes from the check hook, the one hook that sees every way of
// setting a value in the backend that sets it: SET, ALTER SYSTEM (validated
// with source PGC_S_FILE), ALTER DATABASE / ROLE (PGC_S_TEST), and at
// connection or reload. The hooks hold no C++ object: ereport is plain C here.
#include "pg/gucs.h"

#include <cstdio>

#include "pg/pg_headers.h"

extern "C" {
#include "miscadmin.h"
#include "utils/guc.h"
}

namespace pgt::guc {

namespace {

struct Accepted {
  const char* name;          // without the prefix
  const char* here;          // what it does here, and why (the DETAIL)
  double quiet_number;       // bool / int / real: the reference default
  const char* quiet_text;    // string: the reference default
  unsigned warn_enum;        // enum: bit v set when value v changes nothing here
  const config_enum_entry* options;
  int warned_pid;            // the backend that warned (children inherit the variable)
};

void warn_changes_nothing(Accepted& a, GucSource source, const char* value) {
  if (source == PGC_S_DEFAULT || a.warned_pid == MyProcPid) return;
  a.warned_pid = MyProcPid;
  ereport(WARNING,
          (errmsg("pg_trickle.%s = %s changes nothing in this implementation", a.name, value),
           errdetail("%s", a.here),
           errhint("The setting is accepted for compatibility with scripts written for the reference "
                   "system; see \"Settings of the reference system\" in docs/SQL_REFERENCE.md.")));
}

template <Accepted* A>
bool check_bool(bool* value, void**, GucSource source) {
  if ((*value ? 1.0 : 0.0) != A->quiet_number) warn_changes_nothing(*A, source, *value ? "on" : "off");
  return true;
}

template <Accepted* A>
bool check_int(int* value, void**, GucSource source) {
  if (static_cast<double>(*value) != A->quiet_number) {
    char text[32];
    snprintf(text, sizeof text, "%d", *value);
    warn_changes_nothing(*A, source, text);
  }
  return true;
}

template <Accepted* A>
bool check_real(double* value, void**, GucSource source) {
  if (*value != A->quiet_number) {
    char text[64];
    snprintf(text, sizeof text, "%g", *value);
    warn_changes_nothing(*A, source, text);
  }
  return true;
}

template <Accepted* A>
bool check_enum(int* value, void**, GucSource source) {
  if (*value >= 0 && *value < 32 && (A->warn_enum & (1u << *value)) != 0) {
    const char* text = "?";
    for (const config_enum_entry* e = A->options; e->name != nullptr; e++)
      if (e->val == *value) {
        text = e->name;
        break;
      }
    warn_changes_nothing(*A, source, text);
  }
  return true;
}

template <Accepted* A>
bool check_string(char** value, void**, GucSource source) {
  if (*value != nullptr && strcmp(*value, A->quiet_text) != 0) warn_changes_nothing(*A, source, *value);
  return true;
}

// Values of the accepted settings (nothing reads them).
int cdc_mode = 0;
int wal_transition_timeout = 300;
int slot_lag_warning_threshold_mb = 100;
int slot_lag_critical_threshold_mb = 1024;
bool merge_planner_hints = true;
int merge_work_mem_mb = 64;
double merge_seqscan_threshold = 0.001;
int user_triggers = 0;
int compact_threshold = 100000;
int ivm_recursive_max_depth = 100;
int buffer_partitioning = 0;
bool foreign_table_polling = false;
bool matview_polling = false;
int cdc_trigger_mode = 0;
bool tick_watermark_enabled = true;
int algebraic_drift_reset_cycles = 0;
char* change_buffer_schema = nullptr;

const config_enum_entry kCdcModes[] = {{"auto", 0, false}, {"trigger", 1, false}, {"wal", 2, false}, {nullptr, 0, false}};
// 'on': the reference's deprecated alias of 'auto'.
const config_enum_entry kUserTriggerValues[] = {{"auto", 0, false}, {"off", 1, false}, {"on", 0, true}, {nullptr, 0, false}};
const config_enum_entry kBufferPartitioningValues[] = {{"off", 0, false}, {"on", 1, false}, {"auto", 2, false}, {nullptr, 0, false}};
const config_enum_entry kCdcTriggerModes[] = {{"statement", 0, false}, {"row", 1, false}, {nullptr, 0, false}};

Accepted kCdcMode{"cdc_mode",
                  "Changes are captured by statement-level triggers into change buffers; there is no WAL "
                  "(logical decoding) capture. 'auto' and 'trigger' both mean triggers here.",
                  0, nullptr, 1u << 2, kCdcModes, 0};
Accepted kWalTransitionTimeout{"wal_transition_timeout",
                               "There is no transition from trigger to WAL capture (no WAL capture).", 300, nullptr,
                               0, nullptr, 0};
Accepted kSlotLagWarning{"slot_lag_warning_threshold_mb",
                         "pg_trickle uses no replication slots (no WAL capture).", 100, nullptr, 0, nullptr, 0};
Accepted kSlotLagCritical{"slot_lag_critical_threshold_mb",
                          "pg_trickle uses no replication slots (no WAL capture).", 1024, nullptr, 0, nullptr, 0};
Accepted kMergePlannerHints{"merge_planner_hints",
                            "Refreshes inject no planner hints (no SET LOCAL enable_nestloop / work_mem): the "
                            "delta statements are planned by PostgreSQL as they are, so there is nothing to turn off.",
                            1, nullptr, 0, nullptr, 0};
Accepted kMergeWorkMem{"merge_work_mem_mb",
                       "Refreshes run with the session's (or the scheduler's) work_mem; no work_mem is set for "
                       "large deltas. Set work_mem for the stream table's owner (ALTER ROLE ... SET work_mem) instead.",
                       64, nullptr, 0, nullptr, 0};
Accepted kMergeSeqscanThreshold{"merge_seqscan_threshold",
                                "Refreshes never disable sequential scans; the planner chooses from the buffers' "
                                "estimates (see the statements of a DIFFERENTIAL refresh).",
                                0.001, nullptr, 0, nullptr, 0};
Accepted kUserTriggers{"user_triggers",
                       "Refreshes always apply changes with DELETE, UPDATE and INSERT (never MERGE), so user "
                       "triggers on a stream table always fire as for 'auto'; they cannot be skipped.",
                       0, nullptr, 1u << 1, kUserTriggerValues, 0};
Accepted kCompactThreshold{"compact_threshold",
                           "Change buffers are not compacted in place: each refresh consolidates the pending "
                           "changes of a row (insert then delete cancel out) as it reads them.",
                           100000, nullptr, 0, nullptr, 0};
Accepted kIvmRecursiveMaxDepth{"ivm_recursive_max_depth",
                               "WITH RECURSIVE is not maintained incrementally here (refused with a HINT; AUTO runs "
                               "it FULL), so there is no recursion depth to guard.",
                               100, nullptr, 0, nullptr, 0};
Accepted kBufferPartitioning{"buffer_partitioning",
                             "Change buffers are plain (by default UNLOGGED) tables; a large buffer whose changes "
                             "are all consumed is truncated, which is what partitioning bought the reference. See "
                             "pg_trickle.cleanup_use_truncate and pg_trickle.unlogged_change_buffers.",
                             0, nullptr, (1u << 1) | (1u << 2), kBufferPartitioningValues, 0};
Accepted kForeignTablePolling{"foreign_table_polling",
                              "There is no snapshot-comparison capture: a stream table reading a foreign table is "
                              "refreshed FULL (AUTO) or refused (DIFFERENTIAL).",
                              0, nullptr, 0, nullptr, 0};
Accepted kMatviewPolling{"matview_polling",
                         "There is no snapshot-comparison capture: a stream table reading a materialized view is "
                         "refreshed FULL (AUTO) or refused (DIFFERENTIAL).",
                         0, nullptr, 0, nullptr, 0};
Accepted kCdcTriggerMode{"cdc_trigger_mode",
                         "Capture triggers are statement-level with transition tables; row-level capture is used "
                         "only where PostgreSQL requires it (partitions and inheritance children written through "
                         "an ancestor), never by choice.",
                         0, nullptr, 1u << 1, kCdcTriggerModes, 0};
Accepted kTickWatermark{"tick_watermark_enabled",
                        "A refresh consumes exactly the changes committed before its snapshot (frontiers are "
                        "snapshots, not WAL positions), and a consistency group reads all its sources at one "
                        "snapshot; there is no LSN watermark to turn off.",
                        1, nullptr, 0, nullptr, 0};
Accepted kAlgebraicDriftReset{"algebraic_drift_reset_cycles",
                              "There is no periodic reinitialization; to recompute a stream table use "
                              "pgtrickle.refresh_stream_table(name) after alter_stream_table(name, refresh_mode "
                              "=> 'FULL'), or recreate it.",
                              0, nullptr, 0, nullptr, 0};
Accepted kChangeBufferSchema{"change_buffer_schema",
                             "Change buffers always live in schema pgtrickle_changes, which the extension creates "
                             "and owns.",
                             0, "pgtrickle_changes", 0, nullptr, 0};

void define_bool(Accepted& a, bool* var, bool boot, const char* description, GucBoolCheckHook check) {
  DefineCustomBoolVariable(psprintf("pg_trickle.%s", a.name), description, a.here, var, boot, PGC_SUSET, 0, check,
                           nullptr, nullptr);
}

void define_int(Accepted& a, int* var, int boot, int min, int max, const char* description,
                GucIntCheckHook check) {
  DefineCustomIntVariable(psprintf("pg_trickle.%s", a.name), description, a.here, var, boot, min, max, PGC_SUSET, 0,
                          check, nullptr, nullptr);
}

void define_enum(Accepted& a, int* var, const char* description, GucEnumCheckHook check) {
  DefineCustomEnumVariable(psprintf("pg_trickle.%s", a.name), description, a.here, var, 0, a.options, PGC_SUSET, 0,
                           check, nullptr, nullptr);
}

}  // namespace

void define_reference_settings() {
  define_enum(kCdcMode, &cdc_mode, "Change capture mechanism (reference: auto, trigger, wal).",
              check_enum<&kCdcMode>);
  define_int(kWalTransitionTimeout, &wal_transition_timeout, 300, 10, 3600,
             "Seconds for a trigger-to-WAL capture transition (reference).", check_int<&kWalTransitionTimeout>);
  define_int(kSlotLagWarning, &slot_lag_warning_threshold_mb, 100, 1, 1048576,
             "WAL retained by a capture slot that draws a warning, in MB (reference).", check_int<&kSlotLagWarning>);
  define_int(kSlotLagCritical, &slot_lag_critical_threshold_mb, 1024, 1, 1048576,
             "WAL retained by a capture slot reported as critical, in MB (reference).", check_int<&kSlotLagCritical>);
  define_bool(kMergePlannerHints, &merge_planner_hints, true, "Planner hints before applying a delta (reference).",
              check_bool<&kMergePlannerHints>);
  define_int(kMergeWorkMem, &merge_work_mem_mb, 64, 8, 4096, "work_mem (MB) for applying large deltas (reference).",
             check_int<&kMergeWorkMem>);
  DefineCustomRealVariable("pg_trickle.merge_seqscan_threshold",
                           "Delta-to-table ratio below which sequential scans are disabled (reference).",
                           kMergeSeqscanThreshold.here, &merge_seqscan_threshold, 0.001, 0.0, 1.0, PGC_SUSET, 0,
                           check_real<&kMergeSeqscanThreshold>, nullptr, nullptr);
  define_enum(kUserTriggers, &user_triggers, "How user triggers on stream tables are handled (reference: auto, off).",
              check_enum<&kUserTriggers>);
  define_int(kCompactThreshold, &compact_threshold, 100000, 0, 100000000,
             "Pending changes above which a change buffer is compacted (reference).", check_int<&kCompactThreshold>);
  define_int(kIvmRecursiveMaxDepth, &ivm_recursive_max_depth, 100, 0, 100000,
             "Recursion depth guard of IMMEDIATE WITH RECURSIVE (reference).", check_int<&kIvmRecursiveMaxDepth>);
  define_enum(kBufferPartitioning, &buffer_partitioning, "Change buffer partitioning (reference: off, on, auto).",
              check_enum<&kBufferPartitioning>);
  define_bool(kForeignTablePolling, &foreign_table_polling, false, "Polling capture of foreign tables (reference).",
              check_bool<&kForeignTablePolling>);
  define_bool(kMatviewPolling, &matview_polling, false, "Polling capture of materialized views (reference).",
              check_bool<&kMatviewPolling>);
  define_enum(kCdcTriggerMode, &cdc_trigger_mode, "Capture trigger granularity (reference: statement, row).",
              check_enum<&kCdcTriggerMode>);
  define_bool(kTickWatermark, &tick_watermark_enabled, true, "WAL position cap per scheduler tick (reference).",
              check_bool<&kTickWatermark>);
  define_int(kAlgebraicDriftReset, &algebraic_drift_reset_cycles, 0, 0, 100000,
             "DIFFERENTIAL refreshes between recomputations of algebraic aggregates (reference).",
             check_int<&kAlgebraicDriftReset>);
  DefineCustomStringVariable("pg_trickle.change_buffer_schema", "Schema of the change buffers (reference).",
                             kChangeBufferSchema.here, &change_buffer_schema, "pgtrickle_changes", PGC_SUSET, 0,
                             check_string<&kChangeBufferSchema>, nullptr, nullptr);
}

}  // namespace pgt::guc
