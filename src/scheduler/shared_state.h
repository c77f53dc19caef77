// Shared memory of the scheduler layer: the launcher, one slot per database
// with a scheduler, and the change signals writers leave for it.
//
// Writers never talk to a scheduler directly: a transaction that captured
// changes records the source tables (change_signal.cpp) and, when it commits,
// adds them to its database's slot and sets the scheduler's latch. Signals
// coalesce: many commits between two ticks are one wake-up and one set of
// table oids (or "overflow": everything may have changed).
//
// All fields are protected by one LWLock, held for a few instructions at a time.
#pragma once

#include "pg/pg_headers.h"

extern "C" {
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "utils/timestamp.h"
}

namespace pgt::scheduler {

constexpr int kMaxDatabases = 256;
constexpr int kMaxChangedRelids = 32;

struct DatabaseSlot {
  Oid dboid;                 // InvalidOid: free
  pid_t worker_pid;          // the scheduler's pid while it runs (set by the worker)
  Latch* worker_latch;
  bool no_extension;         // the worker found no pg_trickle here: not restarted until
                             // CREATE EXTENSION commits in this database
  bool disabled;             // pg_trickle.enabled is off in this database (same rule)
  bool stop_requested;       // the worker exits at its next look (launcher / DDL hook)
  TimestampTz blocked_until; // DDL on the database needs it without our worker
  TimestampTz no_worker_since; // the launcher found no free background worker slot
                               // for it (0: it did, or did not try yet)
  pid_t blocked_by;          // the backend running that DDL
  bool changes_overflow;     // more relids than fit: every table may have changed
  int nchanged;
  Oid changed[kMaxChangedRelids];
};

constexpr int kMaxRefreshTasks = 64;
constexpr int kMaxTaskMembers = 16;  // larger consistency groups run in the scheduler itself

// A refresh handed by a scheduler to a dynamic refresh worker, and its
// outcome. The scheduler fills it before starting the worker, the worker
// writes the outcome and sets `done`; both under the lock.
struct RefreshTaskSlot {
  bool in_use;
  bool done;
  Oid dboid;
  pid_t owner;  // the scheduler that handed it out
  bool group;
  bool watermark_guarded;
  int nmembers;
  struct {
    int64_t id;
    Oid relid;
    bool differential;
    int64_t running_id;
    char name[2 * NAMEDATALEN + 2];
    char schedule_note[128];
    bool count_scans;
    int64_t own_scans;  // outcome
  } members[kMaxTaskMembers];
  int nread_locked;
  Oid read_locked[kMaxTaskMembers];
  bool busy;
  bool failed;
  bool retryable;
  int64_t failed_id;
  char sqlstate[6];
  char error[1024];
};

struct SharedState {
  LWLock* lock;
  pid_t launcher_pid;
  Latch* launcher_latch;
  DatabaseSlot databases[kMaxDatabases];
  RefreshTaskSlot tasks[kMaxRefreshTasks];
};

// From _PG_init: installs the shmem request / startup hooks.
void install_shared_state_hooks();

// The state (never null after startup).
SharedState* shared();

// Slot of a database, or nullptr. Caller holds the lock.
DatabaseSlot* find_slot(Oid dboid);
// Slot of a database, claimed if absent; nullptr when all are taken. Caller
// holds the lock exclusively.
DatabaseSlot* claim_slot(Oid dboid);

// Adds committed changes of these source tables and wakes the database's
// scheduler (no-op without one). Cannot fail: called at commit.
void signal_changes(Oid dboid, const Oid* relids, int n, bool overflow);

// Takes the change signals of this database (clears them).
struct ChangeSignals {
  bool overflow = false;
  std::vector<Oid> relids;
};
ChangeSignals take_change_signals(Oid dboid);

// CREATE EXTENSION pg_trickle committed in dboid: the launcher starts its scheduler.
void extension_created(Oid dboid);

// ALTER DATABASE ... SET / RESET committed for dboid: its scheduler restarts
// (or starts) to read the database's settings afresh.
void database_settings_changed(Oid dboid);

// Sets the launcher's latch (no-op without a launcher).
void wake_launcher();

// Whether this database's scheduler runs, and if not, why (for users: see
// pgtrickle.scheduler_status()).
enum class SchedulerState { Running, Starting, NoWorkerSlot, Disabled, NotLoaded };
SchedulerState scheduler_state(Oid dboid);

// Refresh tasks of this database handed to a refresh worker and not finished
// yet (pgtrickle.worker_pool_status()); 0 without shared state.
int running_refresh_tasks(Oid dboid);

}  // namespace pgt::scheduler
