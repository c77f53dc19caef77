// The launcher: see launcher.h. C-style code: every PostgreSQL call here may
// ereport, and the launcher has no error recovery of its own (an error is
// FATAL and the postmaster restarts it), so no C++ object with a destructor
// lives in this file's frames.
#include "scheduler/launcher.h"

#include <csignal>

#include "pg/gucs.h"
#include "scheduler/shared_state.h"

extern "C" {
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_database.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/snapmgr.h"
#include "utils/wait_event.h"

PGDLLEXPORT void pgt_launcher_main(Datum);
}

namespace pgt::scheduler {

namespace {

constexpr int kIdleSleepMs = 10000;       // new databases are found at this pace
constexpr int64_t kRestartDelayUs = 1000000;  // between two starts of one scheduler

volatile sig_atomic_t got_sigterm = false;

void on_sigterm(SIGNAL_ARGS) {
  int saved = errno;
  got_sigterm = true;
  SetLatch(MyLatch);
  errno = saved;
}

struct ListedDatabase {
  Oid oid;
};

// Launcher-local bookkeeping, indexed like SharedState::databases.
BackgroundWorkerHandle* handles[kMaxDatabases];
TimestampTz last_start[kMaxDatabases];

int list_databases(ListedDatabase* out, int max) {
  int n = 0;
  StartTransactionCommand();
  (void)GetTransactionSnapshot();
  Relation rel = table_open(DatabaseRelationId, AccessShareLock);
  TableScanDesc scan = table_beginscan_catalog(rel, 0, nullptr);
  HeapTuple tup;
  while ((tup = heap_getnext(scan, ForwardScanDirection)) != nullptr && n < max) {
    auto* db = reinterpret_cast<Form_pg_database>(GETSTRUCT(tup));
    if (!db->datallowconn || db->datistemplate || database_is_invalid_form(db)) continue;
    out[n++] = {db->oid};
  }
  table_endscan(scan);
  table_close(rel, AccessShareLock);

  CommitTransactionCommand();
  return n;
}

bool worker_alive(int index) {
  pid_t pid;
  return handles[index] != nullptr && GetBackgroundWorkerPid(handles[index], &pid) != BGWH_STOPPED;
}

void start_scheduler(int index, Oid dboid) {
  BackgroundWorker worker;
  memset(&worker, 0, sizeof worker);
  worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
  worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
  worker.bgw_restart_time = BGW_NEVER_RESTART;  // the launcher restarts it
  snprintf(worker.bgw_library_name, BGW_MAXLEN, "pg_trickle");
  snprintf(worker.bgw_function_name, BGW_MAXLEN, "pgt_scheduler_main");
  snprintf(worker.bgw_name, BGW_MAXLEN, "pg_trickle scheduler for database %u", dboid);
  snprintf(worker.bgw_type, BGW_MAXLEN, "pg_trickle scheduler");
  worker.bgw_main_arg = ObjectIdGetDatum(dboid);
  worker.bgw_notify_pid = MyProcPid;  // our latch is set when it starts or stops
  MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
  if (handles[index] != nullptr) pfree(handles[index]);
  handles[index] = nullptr;
  last_start[index] = GetCurrentTimestamp();
  bool started = RegisterDynamicBackgroundWorker(&worker, &handles[index]);
  MemoryContextSwitchTo(old);
  // Remembered for the database's sessions (pgtrickle.scheduler_status(), and
  // a WARNING when they create or alter stream tables there).
  SharedState* s = shared();
  LWLockAcquire(s->lock, LW_EXCLUSIVE);
  if (DatabaseSlot* slot = find_slot(dboid)) {
    if (!started && slot->no_worker_since == 0) slot->no_worker_since = GetCurrentTimestamp();
    if (started) slot->no_worker_since = 0;
  }
  LWLockRelease(s->lock);
  if (!started)
    ereport(WARNING, (errmsg("pg_trickle: could not start the scheduler of database %u: no background worker slot "
                             "is free", dboid),
                      errhint("Raise max_worker_processes (now %d): each database with pg_trickle needs one for "
                              "its scheduler, plus pg_trickle.max_dynamic_refresh_workers while refreshing.",
                              max_worker_processes)));
}

// One pass: start what should run, stop what should not. Returns how long to
// sleep (shorter while a restart is waiting for its delay).
long reconcile() {
  ListedDatabase listed[kMaxDatabases * 4];
  int n = list_databases(listed, kMaxDatabases * 4);
  TimestampTz now = GetCurrentTimestamp();
  bool alive[kMaxDatabases];
  for (int i = 0; i < kMaxDatabases; i++) alive[i] = worker_alive(i);

  SharedState* s = shared();
  int to_start[kMaxDatabases];
  Oid start_db[kMaxDatabases];
  int nstart = 0;
  Latch* to_stop[kMaxDatabases];
  int nstop = 0;
  long sleep_ms = kIdleSleepMs;

  LWLockAcquire(s->lock, LW_EXCLUSIVE);
  // Turned on again cluster-wide: databases whose scheduler stopped because
  // it was off check again (their own setting may still say off).
  static bool was_enabled = true;
  if (guc::enabled && !was_enabled)
    for (auto& slot : s->databases) slot.disabled = false;
  was_enabled = guc::enabled;
  // Databases that are gone (or no longer accept connections) free their slot.
  for (int i = 0; i < kMaxDatabases; i++) {
    DatabaseSlot& slot = s->databases[i];
    if (slot.dboid == InvalidOid) continue;
    bool listed_now = false;
    for (int j = 0; j < n && !listed_now; j++) listed_now = listed[j].oid == slot.dboid;
    if (!listed_now && !alive[i] && slot.worker_pid == 0) memset(&slot, 0, sizeof slot);
  }
  for (int j = 0; j < n; j++) {
    bool wanted = guc::enabled;
    DatabaseSlot* slot = wanted ? claim_slot(listed[j].oid) : find_slot(listed[j].oid);
    if (slot == nullptr) continue;
    int index = static_cast<int>(slot - s->databases);
    if (!wanted) {
      if (slot->worker_pid != 0 && !slot->stop_requested && slot->worker_latch != nullptr) {
        slot->stop_requested = true;
        to_stop[nstop++] = slot->worker_latch;
      }
      continue;
    }
    // worker_pid: a scheduler started by a previous launcher (this one was
    // restarted) is running too.
    if (alive[index] || slot->worker_pid != 0 || slot->no_extension || slot->disabled) continue;
    if (slot->blocked_until > now) {
      sleep_ms = Min(sleep_ms, 1000);
      continue;
    }
    if (now - last_start[index] < kRestartDelayUs) {
      sleep_ms = Min(sleep_ms, Max(10, (long)((last_start[index] + kRestartDelayUs - now) / 1000)));
      continue;
    }
    slot->stop_requested = false;
    to_start[nstart] = index;
    start_db[nstart++] = listed[j].oid;
  }
  LWLockRelease(s->lock);

  for (int i = 0; i < nstop; i++) SetLatch(to_stop[i]);
  for (int i = 0; i < nstart; i++) start_scheduler(to_start[i], start_db[i]);
  return sleep_ms;
}

void forget_launcher(int, Datum) {
  SharedState* s = shared();
  LWLockAcquire(s->lock, LW_EXCLUSIVE);
  if (s->launcher_pid == MyProcPid) {
    s->launcher_pid = 0;
    s->launcher_latch = nullptr;
  }
  LWLockRelease(s->lock);
}

}  // namespace

void register_launcher() {
  BackgroundWorker worker;
  memset(&worker, 0, sizeof worker);
  worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
  worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
  worker.bgw_restart_time = 5;
  snprintf(worker.bgw_library_name, BGW_MAXLEN, "pg_trickle");
  snprintf(worker.bgw_function_name, BGW_MAXLEN, "pgt_launcher_main");
  snprintf(worker.bgw_name, BGW_MAXLEN, "pg_trickle launcher");
  snprintf(worker.bgw_type, BGW_MAXLEN, "pg_trickle launcher");
  RegisterBackgroundWorker(&worker);
}

}  // namespace pgt::scheduler

using namespace pgt::scheduler;

extern "C" void pgt_launcher_main(Datum) {
  pqsignal(SIGTERM, on_sigterm);
  pqsignal(SIGHUP, SignalHandlerForConfigReload);
  BackgroundWorkerUnblockSignals();
  BackgroundWorkerInitializeConnection(nullptr, nullptr, 0);

  SharedState* s = shared();
  LWLockAcquire(s->lock, LW_EXCLUSIVE);
  s->launcher_pid = MyProcPid;
  s->launcher_latch = MyLatch;
  LWLockRelease(s->lock);
  on_shmem_exit(forget_launcher, 0);

  while (!got_sigterm) {
    if (ConfigReloadPending) {
      ConfigReloadPending = false;
      ProcessConfigFile(PGC_SIGHUP);
    }
    long sleep_ms = reconcile();
    (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, sleep_ms,
                    PG_WAIT_EXTENSION);
    ResetLatch(MyLatch);
    CHECK_FOR_INTERRUPTS();
  }
  // Exit code 1: the postmaster starts the launcher again after
  // bgw_restart_time (5 s) unless it is shutting down; with 0 it would
  // unregister it for good (pg_terminate_backend would end scheduling).
  proc_exit(1);
}
