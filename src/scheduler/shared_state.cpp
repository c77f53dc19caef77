// Scheduler shared memory: see shared_state.h.
#include "scheduler/shared_state.h"

extern "C" {
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/shmem.h"
}

namespace pgt::scheduler {

namespace {

constexpr const char* kTranche = "pg_trickle scheduler";

SharedState* state = nullptr;
shmem_request_hook_type previous_request_hook = nullptr;
shmem_startup_hook_type previous_startup_hook = nullptr;

void request_shared_state() {
  if (previous_request_hook) previous_request_hook();
  RequestAddinShmemSpace(sizeof(SharedState));
  RequestNamedLWLockTranche(kTranche, 1);
}

void start_shared_state() {
  if (previous_startup_hook) previous_startup_hook();
  LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
  bool found = false;
  state = static_cast<SharedState*>(ShmemInitStruct("pg_trickle scheduler", sizeof(SharedState), &found));
  if (!found) {
    memset(state, 0, sizeof(SharedState));
    state->lock = &(GetNamedLWLockTranche(kTranche))->lock;
  }
  LWLockRelease(AddinShmemInitLock);
}

}  // namespace

void install_shared_state_hooks() {
  previous_request_hook = shmem_request_hook;
  shmem_request_hook = request_shared_state;
  previous_startup_hook = shmem_startup_hook;
  shmem_startup_hook = start_shared_state;
}

SharedState* shared() { return state; }

DatabaseSlot* find_slot(Oid dboid) {
  for (auto& slot : state->databases)
    if (slot.dboid == dboid) return &slot;
  return nullptr;
}

DatabaseSlot* claim_slot(Oid dboid) {
  if (DatabaseSlot* slot = find_slot(dboid)) return slot;
  for (auto& slot : state->databases)
    if (slot.dboid == InvalidOid) {
      memset(&slot, 0, sizeof slot);
      slot.dboid = dboid;
      return &slot;
    }
  return nullptr;
}

void signal_changes(Oid dboid, const Oid* relids, int n, bool overflow) {
  if (state == nullptr) return;  // not preloaded: nobody to wake
  Latch* latch = nullptr;
  LWLockAcquire(state->lock, LW_EXCLUSIVE);
  DatabaseSlot* slot = find_slot(dboid);
  if (slot != nullptr && slot->worker_pid != 0) {
    for (int i = 0; i < n && !slot->changes_overflow; i++) {
      bool known = false;
      for (int j = 0; j < slot->nchanged && !known; j++) known = slot->changed[j] == relids[i];
      if (known) continue;
      if (slot->nchanged == kMaxChangedRelids)
        slot->changes_overflow = true;
      else
        slot->changed[slot->nchanged++] = relids[i];
    }
    if (overflow) slot->changes_overflow = true;
    latch = slot->worker_latch;
  }
  LWLockRelease(state->lock);
  if (latch != nullptr) SetLatch(latch);
}

ChangeSignals take_change_signals(Oid dboid) {
  Oid copy[kMaxChangedRelids];
  int n = 0;
  bool overflow = false;
  LWLockAcquire(state->lock, LW_EXCLUSIVE);
  if (DatabaseSlot* slot = find_slot(dboid)) {
    n = slot->nchanged;
    memcpy(copy, slot->changed, sizeof(Oid) * n);
    overflow = slot->changes_overflow;
    slot->nchanged = 0;
    slot->changes_overflow = false;
  }
  LWLockRelease(state->lock);
  ChangeSignals out;
  out.overflow = overflow;
  out.relids.assign(copy, copy + n);
  return out;
}

void extension_created(Oid dboid) {
  if (state == nullptr) return;
  LWLockAcquire(state->lock, LW_EXCLUSIVE);
  if (DatabaseSlot* slot = claim_slot(dboid)) slot->no_extension = false;
  LWLockRelease(state->lock);
  wake_launcher();
}

void database_settings_changed(Oid dboid) {
  if (state == nullptr) return;
  Latch* latch = nullptr;
  LWLockAcquire(state->lock, LW_EXCLUSIVE);
  if (DatabaseSlot* slot = find_slot(dboid)) {
    slot->disabled = false;
    if (slot->worker_pid != 0) {
      slot->stop_requested = true;
      latch = slot->worker_latch;
    }
  }
  LWLockRelease(state->lock);
  if (latch != nullptr) SetLatch(latch);
  wake_launcher();
}

SchedulerState scheduler_state(Oid dboid) {
  if (state == nullptr) return SchedulerState::NotLoaded;
  SchedulerState out = SchedulerState::Starting;
  LWLockAcquire(state->lock, LW_SHARED);
  if (DatabaseSlot* slot = find_slot(dboid)) {
    if (slot->worker_pid != 0)
      out = SchedulerState::Running;
    else if (slot->disabled)
      out = SchedulerState::Disabled;
    else if (slot->no_worker_since != 0)
      out = SchedulerState::NoWorkerSlot;
  }
  LWLockRelease(state->lock);
  return out;
}

int running_refresh_tasks(Oid dboid) {
  if (state == nullptr) return 0;
  int n = 0;
  LWLockAcquire(state->lock, LW_SHARED);
  for (const auto& t : state->tasks)
    if (t.in_use && !t.done && t.dboid == dboid) n++;
  LWLockRelease(state->lock);
  return n;
}

void wake_launcher() {
  if (state == nullptr) return;
  Latch* latch = nullptr;
  LWLockAcquire(state->lock, LW_SHARED);
  latch = state->launcher_latch;
  LWLockRelease(state->lock);
  if (latch != nullptr) SetLatch(latch);
}

}  // namespace pgt::scheduler
