// Signals sent at commit: see commit_signals.h.
//
// pgtrickle._signal_scheduler(source oid) is called by the capture triggers
// once per statement. It only records the oid in backend memory (a few
// instructions); the commit hands them to the database's scheduler at once.
#include "scheduler/commit_signals.h"

#include "pg/boundary.h"
#include "scheduler/shared_state.h"

extern "C" {
#include "access/xact.h"
#include "miscadmin.h"
}

namespace pgt::scheduler {

namespace {

Oid captured[kMaxChangedRelids];
int ncaptured = 0;
bool captured_overflow = false;
bool created_extension = false;
Oid settings_changed = InvalidOid;

void forget() {
  ncaptured = 0;
  captured_overflow = false;
  created_extension = false;
  settings_changed = InvalidOid;
}

void on_transaction_end(XactEvent event, void*) {
  if (event == XACT_EVENT_COMMIT) {
    // Committed and visible to new snapshots: safe to wake the scheduler.
    if (ncaptured > 0 || captured_overflow)
      signal_changes(MyDatabaseId, captured, ncaptured, captured_overflow);
    if (created_extension) extension_created(MyDatabaseId);
    if (OidIsValid(settings_changed)) database_settings_changed(settings_changed);
    forget();
  } else if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PREPARE ||
             event == XACT_EVENT_PARALLEL_ABORT) {
    // A prepared transaction commits later, possibly elsewhere: its changes
    // are found by the scheduler's periodic sweep.
    forget();
  }
}

}  // namespace

void register_commit_signals() { RegisterXactCallback(on_transaction_end, nullptr); }

void note_captured_changes(Oid relid) {
  for (int i = 0; i < ncaptured; i++)
    if (captured[i] == relid) return;
  if (ncaptured == kMaxChangedRelids)
    captured_overflow = true;
  else
    captured[ncaptured++] = relid;
}

void note_extension_created() { created_extension = true; }

void note_database_settings_changed(Oid dboid) { settings_changed = dboid; }

}  // namespace pgt::scheduler

// pgtrickle._signal_scheduler(source oid): see above. Nothing here can fail.
PGT_SQL_FUNCTION(pgt_signal_scheduler) {
  if (!PG_ARGISNULL(0)) pgt::scheduler::note_captured_changes(PG_GETARG_OID(0));
  PG_RETURN_VOID();
}
