// Dynamic refresh workers: see refresh_worker.h.
#include "scheduler/refresh_worker.h"

#include "pg/boundary.h"
#include "scheduler/shared_state.h"

extern "C" {
#include "miscadmin.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"

PGDLLEXPORT void pgt_refresh_worker_main(Datum arg);
}

namespace pgt::scheduler {

namespace {

void copy_text(char* dst, size_t size, const std::string& src) {
  size_t n = std::min(src.size(), size - 1);
  memcpy(dst, src.data(), n);
  dst[n] = '\0';
}

// Claims a free task slot and fills it (under the lock); -1 if none is free.
int claim_task(const UnitTask& task) {
  SharedState* s = shared();
  int found = -1;
  LWLockAcquire(s->lock, LW_EXCLUSIVE);
  for (int i = 0; i < kMaxRefreshTasks && found < 0; i++) {
    RefreshTaskSlot& t = s->tasks[i];
    // A finished task of this database's previous scheduler (it exited
    // before collecting it) is free too.
    bool orphan = t.in_use && t.done && t.dboid == MyDatabaseId && t.owner != MyProcPid;
    if (t.in_use && !orphan) continue;
    memset(&t, 0, sizeof t);
    t.in_use = true;
    t.dboid = MyDatabaseId;
    t.owner = MyProcPid;
    t.group = task.group;
    t.watermark_guarded = task.watermark_guarded;
    t.nmembers = static_cast<int>(task.members.size());
    for (size_t m = 0; m < task.members.size(); m++) {
      t.members[m].id = task.members[m].id;
      t.members[m].relid = task.members[m].relid;
      t.members[m].differential = task.members[m].differential;
      t.members[m].running_id = task.running_ids[m];
      copy_text(t.members[m].name, sizeof t.members[m].name, task.members[m].name);
      copy_text(t.members[m].schedule_note, sizeof t.members[m].schedule_note, task.members[m].schedule_note);
      t.members[m].count_scans = task.members[m].count_scans;
      t.members[m].own_scans = 0;
    }
    t.nread_locked = static_cast<int>(task.read_locked.size());
    for (size_t r = 0; r < task.read_locked.size(); r++) t.read_locked[r] = task.read_locked[r];
    found = i;
  }
  LWLockRelease(s->lock);
  return found;
}

void release_task(int slot) {
  SharedState* s = shared();
  LWLockAcquire(s->lock, LW_EXCLUSIVE);
  s->tasks[slot].in_use = false;
  LWLockRelease(s->lock);
}

}  // namespace

bool RefreshWorkers::start(const UnitTask& task, int tag) {
  if (task.members.size() > static_cast<size_t>(kMaxTaskMembers) ||
      task.read_locked.size() > static_cast<size_t>(kMaxTaskMembers) ||
      task.members.size() != task.running_ids.size())
    return false;
  int slot = claim_task(task);
  if (slot < 0) return false;
  BackgroundWorker worker;
  memset(&worker, 0, sizeof worker);
  worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
  worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
  worker.bgw_restart_time = BGW_NEVER_RESTART;
  snprintf(worker.bgw_library_name, BGW_MAXLEN, "pg_trickle");
  snprintf(worker.bgw_function_name, BGW_MAXLEN, "pgt_refresh_worker_main");
  snprintf(worker.bgw_name, BGW_MAXLEN, "pg_trickle refresh worker for database %u", MyDatabaseId);
  snprintf(worker.bgw_type, BGW_MAXLEN, "pg_trickle refresh worker");
  worker.bgw_main_arg = Int32GetDatum(slot);
  worker.bgw_notify_pid = MyProcPid;
  BackgroundWorkerHandle* handle = nullptr;
  bool started = false;
  try {
    pg::guard([&] {
      MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
      started = RegisterDynamicBackgroundWorker(&worker, &handle);
      MemoryContextSwitchTo(old);
    });
  } catch (...) {
    started = false;
  }
  if (!started) {
    release_task(slot);
    return false;
  }
  running_.push_back({slot, tag, handle});
  return true;
}

std::vector<std::pair<int, UnitOutcome>> RefreshWorkers::collect() {
  std::vector<std::pair<int, UnitOutcome>> finished;
  SharedState* s = shared();
  for (auto it = running_.begin(); it != running_.end();) {
    auto* handle = static_cast<BackgroundWorkerHandle*>(it->handle);
    pid_t pid;
    bool stopped = false;
    pg::guard([&] { stopped = GetBackgroundWorkerPid(handle, &pid) == BGWH_STOPPED; });
    UnitOutcome outcome;
    bool done = false;
    LWLockAcquire(s->lock, LW_EXCLUSIVE);
    RefreshTaskSlot& t = s->tasks[it->slot];
    if (t.done || stopped) {
      done = true;
      if (t.done) {
        outcome.busy = t.busy;
        outcome.failed = t.failed;
        outcome.failed_id = t.failed_id;
        outcome.error.retryable = t.retryable;
        outcome.error.sqlstate = t.sqlstate;
        outcome.error.message = t.error;
        for (int m = 0; m < t.nmembers; m++) outcome.own_scans[t.members[m].id] = t.members[m].own_scans;
      } else {
        // Killed or crashed: its transaction was rolled back, its RUNNING
        // rows stay (marked FAILED by the scheduler's recovery).
        outcome.failed = true;
        outcome.failed_id = t.nmembers > 0 ? t.members[0].id : 0;
        outcome.error.retryable = true;
        outcome.error.message = "the refresh worker exited before finishing";
      }
      t.in_use = false;
    }
    LWLockRelease(s->lock);
    if (done) {
      pg::guard([&] { pfree(handle); });
      finished.emplace_back(it->tag, outcome);
      it = running_.erase(it);
    } else {
      ++it;
    }
  }
  return finished;
}

}  // namespace pgt::scheduler

// ---------------------------------------------------------------------------
// The worker's entry point. Plain PostgreSQL calls up to the connection.

namespace {

void run_task(int slot) noexcept {
  using namespace pgt::scheduler;
  UnitOutcome outcome;
  try {
    UnitTask task;
    SharedState* s = shared();
    LWLockAcquire(s->lock, LW_SHARED);
    const RefreshTaskSlot& t = s->tasks[slot];
    task.group = t.group;
    task.watermark_guarded = t.watermark_guarded;
    // Copied out under the lock, built into C++ objects after it.
    RefreshTaskSlot copy = t;
    LWLockRelease(s->lock);
    for (int m = 0; m < copy.nmembers; m++) {
      task.members.push_back({copy.members[m].id, copy.members[m].relid, copy.members[m].differential,
                              copy.members[m].name, -1, copy.members[m].schedule_note,
                              copy.members[m].count_scans});
      task.running_ids.push_back(copy.members[m].running_id);
    }
    task.read_locked.assign(copy.read_locked, copy.read_locked + copy.nread_locked);
    pgt::pg::guard([] {
      SetConfigOption("lock_timeout", "1000", PGC_SUSET, PGC_S_OVERRIDE);
      SetConfigOption("application_name", "pg_trickle refresh worker", PGC_USERSET, PGC_S_SESSION);
    });
    outcome = refresh_unit(task);
  } catch (...) {
    outcome.failed = true;
    outcome.error = describe_current_exception();
    outcome.error.retryable = true;
  }
  SharedState* s = shared();
  LWLockAcquire(s->lock, LW_EXCLUSIVE);
  RefreshTaskSlot& t = s->tasks[slot];
  t.busy = outcome.busy;
  t.failed = outcome.failed;
  t.retryable = outcome.error.retryable;
  t.failed_id = outcome.failed_id;
  snprintf(t.sqlstate, sizeof t.sqlstate, "%s", outcome.error.sqlstate.c_str());
  snprintf(t.error, sizeof t.error, "%s", outcome.error.message.c_str());
  for (int m = 0; m < t.nmembers; m++) {
    auto n = outcome.own_scans.find(t.members[m].id);
    t.members[m].own_scans = n == outcome.own_scans.end() ? 0 : n->second;
  }
  t.done = true;
  LWLockRelease(s->lock);
}

}  // namespace

extern "C" void pgt_refresh_worker_main(Datum arg) {
  using namespace pgt::scheduler;
  int slot = DatumGetInt32(arg);
  pqsignal(SIGTERM, die);
  BackgroundWorkerUnblockSignals();
  SharedState* s = shared();
  LWLockAcquire(s->lock, LW_SHARED);
  Oid dboid = s->tasks[slot].dboid;
  LWLockRelease(s->lock);
  BackgroundWorkerInitializeConnectionByOid(dboid, InvalidOid, 0);
  run_task(slot);
  proc_exit(0);
}
