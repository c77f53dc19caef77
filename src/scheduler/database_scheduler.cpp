// The per-database scheduler: see database_scheduler.h.
#include "scheduler/database_scheduler.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "catalog/stream_table_catalog.h"
#include "common/user_error.h"
#include "pg/boundary.h"
#include "pg/gucs.h"
#include "pg/spi.h"
#include "refresh/refresh_runner.h"
#include "scheduler/dag.h"
#include "scheduler/due_policy.h"
#include "scheduler/schedule.h"
#include "scheduler/scheduler_catalog.h"
#include "scheduler/shared_state.h"

extern "C" {
#include "access/xact.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/lmgr.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/snapmgr.h"
#include "utils/wait_event.h"
}

namespace pgt::scheduler {

namespace {

// Every table is checked for pending changes this often even without a
// signal: changes of prepared transactions commit without waking us.
constexpr int64_t kSweepMs = 30000;
// A unit whose tables were busy (manual refresh, DDL) is retried after this.
constexpr int64_t kBusyRetryMs = 200;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void report(int level, const std::string& message) {
  const char* text = message.c_str();
  try {
    pg::guard([&] { ereport(level, (errmsg_internal("pg_trickle scheduler: %s", text))); });
  } catch (...) {
  }
}

// Runs f in a transaction of its own. Returns false when it failed (the
// transaction is rolled back and the error logged).
template <typename F>
bool in_transaction(const char* what, F&& f, bool repeatable_read = false) {
  try {
    pg::guard([&] {
      SetCurrentStatementStartTimestamp();
      StartTransactionCommand();
      if (repeatable_read) XactIsoLevel = XACT_REPEATABLE_READ;
      pgstat_report_activity(STATE_RUNNING, what);
    });
    f();
    pg::guard([] {
      if (ActiveSnapshotSet()) PopActiveSnapshot();
      CommitTransactionCommand();
      pgstat_report_activity(STATE_IDLE, nullptr);
    });
    return true;
  } catch (const std::exception& e) {
    report(WARNING, std::string(what) + " failed: " + e.what());
  } catch (...) {
    report(WARNING, std::string(what) + " failed");
  }
  try {
    pg::guard([] {
      AbortCurrentTransaction();
      pgstat_report_activity(STATE_IDLE, nullptr);
    });
  } catch (...) {
    report(WARNING, "could not abort a transaction");
  }
  return false;
}

void push_snapshot() {
  pg::guard([] { PushActiveSnapshot(GetTransactionSnapshot()); });
}

struct ErrorInfo {
  std::string message;
  std::string sqlstate;
  bool retryable = false;
};

ErrorInfo describe_current_exception() {
  ErrorInfo info;
  try {
    throw;
  } catch (const pg::PgError& e) {
    info.message = e.what();
    info.sqlstate = unpack_sql_state(e.sqlerrcode());
    // Concurrency, not the table: try again (with backoff) without counting.
    int code = e.sqlerrcode();
    info.retryable = code == ERRCODE_T_R_SERIALIZATION_FAILURE ||
                     code == ERRCODE_T_R_DEADLOCK_DETECTED || code == ERRCODE_LOCK_NOT_AVAILABLE ||
                     code == ERRCODE_QUERY_CANCELED;
  } catch (const Error& e) {
    info.message = e.what();
    info.sqlstate = e.sqlstate();
  } catch (const std::exception& e) {
    info.message = e.what();
    info.sqlstate = sqlstate::kInternalError;
  } catch (...) {
    info.message = "unknown error";
    info.sqlstate = sqlstate::kInternalError;
  }
  return info;
}

class DatabaseScheduler {
 public:
  // One tick; returns how long to sleep (ms), or -1 to exit.
  long tick();

 private:
  struct Memory {  // what the scheduler remembers of a table between ticks
    bool pending = true;          // changes may be waiting
    int64_t cron_considered_ms = 0;
    int64_t not_before_ms = 0;
    int failures = 0;
    int64_t refreshed_at_ms = 0;  // by this scheduler (the catalog says the same next tick)
  };

  bool load(std::vector<ScheduledTable>* tables);
  void note_signals(const ChangeSignals& signals, int64_t now);
  int64_t due_at(const ScheduledTable& t) const;
  void run_unit(const std::vector<const ScheduledTable*>& unit);

  std::map<int64_t, Memory> memory_;
  std::map<int64_t, int64_t> periods_;
  std::map<int64_t, schedule::Schedule> schedules_;
  std::vector<ScheduledTable> tables_;
  bool recovered_ = false;
  int64_t last_sweep_ms_ = 0;
};

bool DatabaseScheduler::load(std::vector<ScheduledTable>* tables) {
  bool present = true;
  bool ok = in_transaction("pg_trickle: reading stream tables", [&] {
    pg::guard([&] { present = OidIsValid(get_extension_oid("pg_trickle", true)); });
    if (!present) return;
    push_snapshot();
    pg::spi::Connection spi;
    if (!recovered_) {
      int64_t n = fail_interrupted_refreshes();
      if (n > 0) report(LOG, std::to_string(n) + " interrupted refresh(es) marked FAILED");
      recovered_ = true;
    }
    *tables = load_scheduled_tables();
  });
  if (ok && !present) return false;
  if (!ok) tables->clear();
  return true;
}

void DatabaseScheduler::note_signals(const ChangeSignals& signals, int64_t now) {
  std::set<Oid> changed(signals.relids.begin(), signals.relids.end());
  for (const auto& t : tables_) {
    bool hit = signals.overflow;
    for (Oid s : t.sources) hit = hit || changed.count(s) != 0;
    if (!hit) continue;
    Memory& m = memory_[t.id];
    // A cron table fires at its next firing after the change, not at one
    // that passed while nothing was pending.
    if (!m.pending) m.cron_considered_ms = now;
    m.pending = true;
  }
}

int64_t DatabaseScheduler::due_at(const ScheduledTable& t) const {
  if (t.status != "ACTIVE" && t.status != "INITIALIZING") return kNever;
  auto s = schedules_.find(t.id);
  if (s == schedules_.end()) return kNever;
  const Memory& m = memory_.at(t.id);
  TableTiming timing;
  timing.kind = s->second.kind;
  timing.cron = s->second.cron;
  auto p = periods_.find(t.id);
  timing.period_seconds = p != periods_.end() ? p->second : guc::default_schedule_seconds;
  timing.captures_changes = t.differential;
  timing.populated = t.populated;
  timing.pending = m.pending;
  timing.last_refresh_ms = std::max(t.last_refresh_ms, m.refreshed_at_ms);
  timing.cron_considered_ms = m.cron_considered_ms;
  timing.not_before_ms = m.not_before_ms;
  return due_at_ms(timing);
}

long DatabaseScheduler::tick() {
  int64_t now = now_ms();
  ChangeSignals signals = take_change_signals(MyDatabaseId);
  std::vector<ScheduledTable> tables;
  if (!load(&tables)) return -1;
  tables_ = std::move(tables);

  // Plan: graph, schedules, effective periods, units.
  std::vector<DagNode> nodes;
  std::map<int64_t, std::optional<int64_t>> own;
  schedules_.clear();
  std::map<int64_t, const ScheduledTable*> by_id;
  for (const auto& t : tables_) {
    by_id[t.id] = &t;
    nodes.push_back({t.id, t.display_name(), t.upstream, t.atomic_diamonds});
    bool fresh = memory_.emplace(t.id, Memory{}).second;
    // Suspended: when resumed it starts afresh (no backoff left over).
    if (t.status != "ACTIVE" && t.status != "INITIALIZING") memory_[t.id] = Memory{};
    if (fresh) memory_[t.id].cron_considered_ms = now;
    try {
      schedule::Schedule s = schedule::parse(t.schedule);
      if (s.kind == schedule::Kind::Duration)
        own[t.id] = s.interval_seconds;
      else if (s.kind == schedule::Kind::Cron)
        own[t.id] = std::max<int64_t>(1, std::min<int64_t>(schedule::smallest_fire_gap_seconds(s.cron), 86400 * 366));
      else
        own[t.id] = std::nullopt;
      schedules_[t.id] = s;
    } catch (const std::exception& e) {
      report(WARNING, "stream table " + t.display_name() + " has an invalid schedule: " + e.what());
    }
  }
  for (auto it = memory_.begin(); it != memory_.end();)  // dropped tables
    it = by_id.count(it->first) ? std::next(it) : memory_.erase(it);
  Dag dag(nodes);
  if (auto cycle = dag.cycle()) report(WARNING, "stream tables form a cycle, not refreshed: " + *cycle);
  periods_ = resolve_periods(dag, own, guc::default_schedule_seconds);

  if (now - last_sweep_ms_ >= kSweepMs) {
    signals.overflow = true;
    last_sweep_ms_ = now;
  }
  note_signals(signals, now);

  for (const auto& ids : refresh_units(dag)) {
    std::vector<const ScheduledTable*> unit;
    std::vector<int64_t> due;
    bool slowest = false;
    for (int64_t id : ids) {
      unit.push_back(by_id.at(id));
      due.push_back(due_at(*by_id.at(id)));
      slowest = slowest || by_id.at(id)->slowest;
    }
    int64_t unit_due = unit.size() == 1 ? due[0] : group_due_at_ms(due, slowest);
    if (unit_due > now_ms()) continue;
    run_unit(unit);
    // Refreshes committed by this unit signal their readers (capture on
    // stream tables): downstream units of this same tick see them.
    note_signals(take_change_signals(MyDatabaseId), now_ms());
    CHECK_FOR_INTERRUPTS();
  }

  int64_t next = kNever;
  for (const auto& t : tables_) next = std::min(next, due_at(t));
  int64_t wait = next == kNever ? guc::scheduler_interval_ms : next - now_ms();
  return static_cast<long>(std::clamp<int64_t>(wait, 0, guc::scheduler_interval_ms));
}

void DatabaseScheduler::run_unit(const std::vector<const ScheduledTable*>& unit) {
  // Which members refresh: those with work, and (in a group) every member
  // downstream of one that refreshes, so the group moves as one.
  std::vector<bool> refresh(unit.size(), false);
  std::vector<int64_t> running;
  bool checked = in_transaction("pg_trickle: checking for changes", [&] {
    push_snapshot();
    pg::spi::Connection spi;
    std::set<int64_t> refreshing;
    for (size_t i = 0; i < unit.size(); i++) {
      const ScheduledTable& t = *unit[i];
      if (t.status != "ACTIVE" && t.status != "INITIALIZING") continue;
      Memory& m = memory_[t.id];
      bool work = !t.differential || !t.populated || (m.pending && has_pending_changes(t));
      if (t.differential && !work) m.pending = false;
      for (int64_t up : t.upstream) work = work || refreshing.count(up) != 0;
      if (!work) continue;
      refresh[i] = true;
      refreshing.insert(t.id);
    }
    if (refreshing.empty()) return;
    for (size_t i = 0; i < unit.size(); i++)
      if (refresh[i])
        running.push_back(insert_running_row(unit[i]->id, unit[i]->differential && unit[i]->populated
                                                               ? "DIFFERENTIAL"
                                                               : "FULL"));
  });
  if (!checked || running.empty()) return;

  // Cron tables: this firing is handled, whatever happens next.
  int64_t start = now_ms();
  for (const auto* t : unit) memory_[t->id].cron_considered_ms = start;

  bool busy = false, failed = false;
  ErrorInfo error;
  int64_t failed_id = 0;
  in_transaction(
      "pg_trickle: scheduled refresh",
      [&] {
        // Without waiting: a table busy with a manual refresh or DDL is
        // skipped (and retried shortly) rather than queued behind it.
        for (size_t i = 0; i < unit.size() && !busy; i++) {
          if (!refresh[i]) continue;
          LOCKMODE mode = unit[i]->differential ? ExclusiveLock : AccessExclusiveLock;
          Oid relid = unit[i]->relid;
          pg::guard([&] { busy = !ConditionalLockRelationOid(relid, mode); });
        }
        push_snapshot();
        pg::spi::Connection spi;
        if (busy) {
          delete_running_rows(running);
          return;
        }
        lock_running_rows(running);
        try {
          pg::guard_subtransaction([&] {
            for (size_t i = 0; i < unit.size(); i++) {
              if (!refresh[i]) continue;
              failed_id = unit[i]->id;
              auto st = catalog::find_by_relid(unit[i]->relid);
              if (!st || (st->status != "ACTIVE" && st->status != "INITIALIZING")) continue;
              refresh::refresh_now(*st, "SCHEDULER");
            }
          });
          delete_running_rows(running);
        } catch (...) {
          failed = true;
          error = describe_current_exception();
          std::string name;
          for (const auto* t : unit)
            if (t->id == failed_id) name = t->display_name();
          std::string message = unit.size() > 1 && running.size() > 1
                                    ? "consistency group rolled back: refresh of " + name +
                                          " failed: " + error.message
                                    : error.message;
          fail_running_rows(running, message);
          if (record_refresh_failure(failed_id, error.message, error.sqlstate, !error.retryable,
                                     guc::max_consecutive_errors))
            report(WARNING, "stream table " + name + " suspended after " +
                             std::to_string(guc::max_consecutive_errors) +
                             " consecutive failed refreshes: " + error.message);
        }
      },
      unit.size() > 1);  // a group sees its sources at one snapshot

  int64_t end = now_ms();
  if (busy) {
    for (const auto* t : unit) memory_[t->id].not_before_ms = end + kBusyRetryMs;
    return;
  }
  for (size_t i = 0; i < unit.size(); i++) {
    if (!refresh[i]) continue;
    Memory& m = memory_[unit[i]->id];
    if (failed) {
      if (unit[i]->id == failed_id) m.failures++;
      int64_t period = periods_.count(unit[i]->id) ? periods_[unit[i]->id] : 1;
      m.not_before_ms = end + retry_delay_ms(std::max(m.failures, 1), period * 1000);
    } else {
      m.failures = 0;
      m.pending = false;
      m.refreshed_at_ms = start;
      m.not_before_ms = 0;
    }
  }
}

bool stop_requested() {
  SharedState* s = shared();
  LWLockAcquire(s->lock, LW_SHARED);
  DatabaseSlot* slot = find_slot(MyDatabaseId);
  bool stop = slot == nullptr || slot->stop_requested;
  LWLockRelease(s->lock);
  return stop;
}

}  // namespace

ExitReason run_database_scheduler() noexcept {
  try {
    // Never wait long for a lock: user DDL queued behind us would wait too.
    pg::guard([] {
      SetConfigOption("lock_timeout", "1000", PGC_SUSET, PGC_S_OVERRIDE);
      SetConfigOption("application_name", "pg_trickle scheduler", PGC_USERSET, PGC_S_SESSION);
    });
    DatabaseScheduler scheduler;
    for (;;) {
      if (ConfigReloadPending) {
        ConfigReloadPending = false;
        pg::guard([] { ProcessConfigFile(PGC_SIGHUP); });
      }
      if (stop_requested()) return ExitReason::Stopped;
      // Off in postgresql.conf (the launcher stops us too) or for this
      // database (ALTER DATABASE ... SET, applied when we connected).
      if (!guc::enabled) return ExitReason::Disabled;
      long sleep_ms = scheduler.tick();
      if (sleep_ms < 0) return ExitReason::NoExtension;
      if (stop_requested()) return ExitReason::Stopped;
      pg::guard([&] {
        (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, sleep_ms,
                        PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        CHECK_FOR_INTERRUPTS();
      });
    }
  } catch (const std::exception& e) {
    report(WARNING, std::string("stopping after an unexpected error: ") + e.what());
  } catch (...) {
    report(WARNING, "stopping after an unexpected error");
  }
  return ExitReason::Failed;
}

}  // namespace pgt::scheduler

// ---------------------------------------------------------------------------
// The worker's entry point. Plain PostgreSQL calls up to the connection; an
// error there is FATAL (no C++ frame is alive yet) and the launcher retries.

extern "C" {
PGDLLEXPORT void pgt_scheduler_main(Datum arg);
}

namespace {

void leave_slot(int, Datum) {
  using namespace pgt::scheduler;
  SharedState* s = shared();
  LWLockAcquire(s->lock, LW_EXCLUSIVE);
  DatabaseSlot* slot = find_slot(MyDatabaseId);
  if (slot != nullptr && slot->worker_pid == MyProcPid) {
    slot->worker_pid = 0;
    slot->worker_latch = nullptr;
  }
  LWLockRelease(s->lock);
}

}  // namespace

extern "C" void pgt_scheduler_main(Datum arg) {
  using namespace pgt::scheduler;
  Oid dboid = DatumGetObjectId(arg);
  pqsignal(SIGTERM, die);  // like any backend: cancels a refresh, rolls it back, exits
  pqsignal(SIGHUP, SignalHandlerForConfigReload);
  BackgroundWorkerUnblockSignals();
  BackgroundWorkerInitializeConnectionByOid(dboid, InvalidOid, 0);

  SharedState* s = shared();
  LWLockAcquire(s->lock, LW_EXCLUSIVE);
  DatabaseSlot* slot = find_slot(dboid);
  bool run = slot != nullptr && !slot->stop_requested && slot->worker_pid == 0;
  if (run) {
    slot->worker_pid = MyProcPid;
    slot->worker_latch = MyLatch;
  }
  LWLockRelease(s->lock);
  if (!run) proc_exit(0);
  before_shmem_exit(leave_slot, 0);

  ExitReason reason = run_database_scheduler();
  if (reason == ExitReason::NoExtension || reason == ExitReason::Disabled) {
    LWLockAcquire(s->lock, LW_EXCLUSIVE);
    if (DatabaseSlot* mine = find_slot(dboid)) {
      if (reason == ExitReason::NoExtension) mine->no_extension = true;
      if (reason == ExitReason::Disabled) mine->disabled = true;
    }
    LWLockRelease(s->lock);
  }
  proc_exit(0);
}
