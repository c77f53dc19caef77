// The per-database scheduler: see database_scheduler.h.
#include "scheduler/database_scheduler.h"

#include <algorithm>
#include <csignal>
#include <map>
#include <set>

#include "cdc/change_capture.h"
#include "common/json_text.h"
#include "pg/alerts.h"
#include "pg/boundary.h"
#include "pg/gucs.h"
#include "pg/spi.h"
#include "scheduler/dag.h"
#include "scheduler/due_policy.h"
#include "scheduler/refresh_tier.h"
#include "scheduler/schedule.h"
#include "scheduler/scheduler_catalog.h"
#include "scheduler/refresh_worker.h"
#include "scheduler/shared_state.h"
#include "scheduler/unit_refresh.h"
#include "scheduler/watermark_holds.h"
#include "scheduler/worker_transaction.h"

extern "C" {
#include "commands/extension.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/wait_event.h"
}

namespace pgt::scheduler {

namespace {

volatile sig_atomic_t got_sigterm = false;

// SIGTERM (shutdown, pg_terminate_backend, the DDL hook): as in any backend,
// a refresh in progress is cancelled and rolled back (die() makes the next
// CHECK_FOR_INTERRUPTS exit with FATAL); between ticks the loop sees the flag
// first and exits quietly.
void on_sigterm(SIGNAL_ARGS) {
  got_sigterm = true;
  die(postgres_signal_arg);
}

// Every table is checked for pending changes this often even without a
// signal: changes of prepared transactions commit without waking us.
constexpr int64_t kSweepMs = 30000;
// A unit whose tables were busy (manual refresh, DDL) is retried after this.
constexpr int64_t kBusyRetryMs = 200;
// 'auto' tiers: the scan statistics of their storage are read this often.
constexpr int64_t kReadCheckMs = 1000;

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
    int backoff = 1;              // pg_trickle.auto_backoff: the period's multiplier
    bool stale_alerted = false;   // a stale_data alert was sent since its last refresh
    bool watermark_stuck = false; // held by a stuck watermark: recorded and alerted once
    Tier tier = Tier::Hot;        // in force (pg_trickle.tiered_scheduling)
    // 'auto' tiers. Users' reads of the storage are its scans (statistics)
    // minus those of our own refreshes, counted in their transactions.
    // Our scans reach the statistics after we count them (at the next
    // flush), never before: users' reads can only look lower for a moment,
    // so a read is the count passing the highest value seen.
    int64_t own_scans = 0;
    std::optional<int64_t> reads_seen;
    int64_t last_read_ms = 0;     // when reads were last seen to grow (0: not yet looked)
  };
  struct Alert {
    std::string event;
    int64_t id;
    std::string reason;
    JsonObject fields;
  };
  using Unit = std::vector<const ScheduledTable*>;

  bool load(std::vector<ScheduledTable>* tables, std::vector<Oid>* gated_sources);
  void find_gated(const std::vector<Oid>& gated_sources);
  void note_stuck_watermarks();
  void note_signals(const ChangeSignals& signals, int64_t now);
  int64_t due_at(const ScheduledTable& t) const;
  int64_t base_period_ms(int64_t id) const;
  bool is_cron(int64_t id) const;
  void look_at_reads(int64_t now);
  void assign_tiers(int64_t now);
  void save_schedules();
  int64_t unit_due_at(const Unit& unit) const;
  // Pending-change checks and RUNNING rows; the task is empty when there is nothing to do.
  UnitTask prepare(const Unit& unit);
  void remember(const UnitTask& task, const UnitOutcome& outcome, int64_t started);
  void note_duration(const UnitMember& member, Memory& m, int64_t elapsed_ms);
  const ScheduledTable* find_table(int64_t id) const;
  void look_for_stale_tables(int64_t now);
  void check_buffers(int64_t now);
  void send_alerts();
  void collect_workers();
  bool in_flight(int64_t id) const { return in_flight_ids_.count(id) != 0; }
  void run_units(const std::vector<Unit>& units);

  std::map<int64_t, Memory> memory_;
  std::map<int64_t, int64_t> periods_;
  std::map<int64_t, schedule::Schedule> schedules_;
  std::vector<ScheduledTable> tables_;
  std::map<int64_t, const ScheduledTable*> by_id_;  // into tables_
  // Held: reading a gated source or a source of a watermark group that is not
  // aligned or stuck, directly or through stream tables.
  std::set<int64_t> gated_;
  WatermarkState watermarks_;
  std::map<int64_t, int> cycle_of_;  // members of cycles: the cycle (Dag::cycle_of)
  RefreshWorkers workers_;
  // Units running in refresh workers, across ticks: tag -> task, start time.
  std::map<int, std::pair<UnitTask, int64_t>> in_flight_;
  std::set<int64_t> in_flight_ids_;
  int next_tag_ = 0;
  bool recovered_ = false;
  int64_t last_sweep_ms_ = 0;
  std::vector<Alert> alerts_;           // sent at the end of the tick
  int64_t last_buffer_check_ms_ = 0;
  int64_t last_read_check_ms_ = 0;
  std::string stats_reset_at_;          // of the statistics last read
  std::set<Oid> buffers_over_, capture_disabled_;  // alerted, until back to normal
};

bool DatabaseScheduler::load(std::vector<ScheduledTable>* tables, std::vector<Oid>* gated_sources) {
  bool present = true;
  bool ok = in_transaction("pg_trickle: reading stream tables", [&] {
    pg::guard([&] { present = OidIsValid(get_extension_oid("pg_trickle", true)); });
    if (!present) return;
    push_snapshot();
    pg::spi::Connection spi;
    if (!recovered_) {
      int64_t n = fail_interrupted_refreshes();
      if (n > 0) report(LOG, std::to_string(n) + " interrupted refresh(es) marked FAILED");
      // After a crash or failover, unlogged change buffers are empty: their
      // readers are refreshed FULL (a NULL frontier counts as pending).
      int lost = cdc::recover_reset_buffers({});
      if (lost > 0)
        report(LOG, std::to_string(lost) + " change buffer(s) emptied by a crash or failover; their stream "
                    "tables will be refreshed FULL");
      recovered_ = true;
    }
    *tables = load_scheduled_tables();
    *gated_sources = load_gated_sources();
    watermarks_ = load_watermark_state();
  });
  if (ok && !present) return false;
  if (!ok) {
    tables->clear();
    watermarks_ = WatermarkState{};
  }
  return true;
}

// Tables reading a gated source, and (to a fixed point) tables reading those.
void DatabaseScheduler::find_gated(const std::vector<Oid>& gated_sources) {
  gated_.clear();
  std::set<Oid> gated(gated_sources.begin(), gated_sources.end());
  for (const auto& [relid, hold] : watermarks_.held) gated.insert(relid);
  if (gated.empty()) return;
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& t : tables_) {
      if (gated_.count(t.id)) continue;
      bool hit = false;
      for (Oid s : t.sources) hit = hit || gated.count(s) != 0;
      for (int64_t up : t.upstream) hit = hit || gated_.count(up) != 0;
      if (!hit) continue;
      gated_.insert(t.id);
      gated.insert(t.relid);
      grew = true;
    }
  }
}

// A table held by a group with a stuck watermark: a SKIPPED history row and a
// watermark_stuck alert when that begins, watermark_resumed when it ends.
void DatabaseScheduler::note_stuck_watermarks() {
  struct Skip {
    int64_t id;
    std::string reason;
  };
  std::vector<Skip> skips;
  for (const auto& t : tables_) {
    Memory& m = memory_[t.id];
    auto held = watermarks_.held.find(t.relid);
    bool stuck = held != watermarks_.held.end() && held->second.stuck && scheduled(t.status);
    if (stuck == m.watermark_stuck) continue;
    m.watermark_stuck = stuck;
    if (!stuck) {
      alerts_.push_back({"watermark_resumed", t.id, "the watermarks its sources wait for advance again",
                         JsonObject()});
      continue;
    }
    const std::string& group = held->second.group;
    std::string sources;
    double age = 0;
    for (const auto& s : watermarks_.stuck)
      if (s.group == group) {
        sources += (sources.empty() ? "" : ", ") + s.source_name;
        age = std::max(age, s.age_seconds);
      }
    std::string reason = "watermark group '" + group + "' is stuck: " + sources + " not advanced for " +
                         std::to_string(static_cast<int64_t>(age)) +
                         " s (pg_trickle.watermark_holdback_timeout); refreshes wait until it advances";
    alerts_.push_back({"watermark_stuck", t.id, reason,
                       JsonObject().add("group", group).add("stuck_sources", sources).add("age_secs", age)});
    skips.push_back({t.id, reason});
  }
  if (skips.empty()) return;
  (void)in_transaction("pg_trickle: recording held refreshes", [&] {
    push_snapshot();
    pg::spi::Connection spi;
    for (const auto& s : skips) insert_skipped_row(s.id, s.reason);
  });
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

// The period of a table's schedule (a duration, or what 'calculated'
// resolved to), before any tier or backoff stretches it.
int64_t DatabaseScheduler::base_period_ms(int64_t id) const {
  auto p = periods_.find(id);
  return (p != periods_.end() ? p->second : guc::default_schedule_seconds) * 1000;
}

bool DatabaseScheduler::is_cron(int64_t id) const {
  auto s = schedules_.find(id);
  return s != schedules_.end() && s->second.kind == schedule::Kind::Cron;
}

// 'auto' tiers: whether users read each such table since the last look.
void DatabaseScheduler::look_at_reads(int64_t now) {
  std::vector<int64_t> autos;
  for (const auto& t : tables_)
    if (t.refresh_tier == "auto") autos.push_back(t.id);
  if (autos.empty() || now - last_read_check_ms_ < kReadCheckMs) return;
  last_read_check_ms_ = now;
  ReadCounts counts;
  bool ok = in_transaction("pg_trickle: reading scan statistics", [&] {
    push_snapshot();
    pg::spi::Connection spi;
    counts = read_counts(autos);
  });
  if (!ok) return;
  // Counters reset (pg_stat_reset*, a crash): start counting afresh.
  bool reset = counts.reset_at != stats_reset_at_;
  stats_reset_at_ = counts.reset_at;
  for (const auto& [id, scans] : counts.scans) {
    Memory& m = memory_[id];
    int64_t reads = scans - m.own_scans;
    if (m.last_read_ms == 0) m.last_read_ms = now;  // first look: as if just read (it starts hot)
    if (!m.reads_seen || reset) {
      m.reads_seen = reads;
    } else if (reads > *m.reads_seen) {
      m.reads_seen = reads;
      m.last_read_ms = now;
    }
  }
}

// The tier in force of every table: its own, or for 'auto' the one its
// reads call for, and never colder than a stream table reading it (that
// one's refreshes may read only its change buffer, not its storage).
void DatabaseScheduler::assign_tiers(int64_t now) {
  std::map<int64_t, Tier> tier;
  for (const auto& t : tables_) {
    Tier x = Tier::Hot;
    if (guc::tiered_scheduling && t.refresh_tier == "auto") {
      const Memory& m = memory_[t.id];
      x = tier_from_last_read(m.last_read_ms > 0 ? now - m.last_read_ms : 0, base_period_ms(t.id));
    } else if (guc::tiered_scheduling) {
      x = parse_tier(t.refresh_tier).value_or(Tier::Hot);
    }
    tier[t.id] = x;
  }
  // Only ever hotter: a fixed point within as many rounds as tiers.
  for (bool changed = guc::tiered_scheduling; changed;) {
    changed = false;
    for (const auto& t : tables_)
      for (int64_t up : t.upstream) {
        auto reader = by_id_.find(up);
        if (reader == by_id_.end() || reader->second->refresh_tier != "auto") continue;
        Tier h = hotter(tier[up], tier[t.id]);
        if (h != tier[up]) {
          tier[up] = h;
          changed = true;
        }
      }
  }
  for (const auto& [id, x] : tier) memory_[id].tier = x;
}

// pgt_stream_tables.sched_*: what effective_schedule() shows, written when
// it changes (a new tier or backoff, a new schedule).
void DatabaseScheduler::save_schedules() {
  std::vector<std::pair<int64_t, ScheduleState>> changed;
  for (auto& t : tables_) {
    if (!t.tiers_in_catalog || !memory_.count(t.id)) continue;
    const Memory& m = memory_.at(t.id);
    ScheduleState s;
    s.tier = tier_name(m.tier);
    s.backoff = m.backoff;
    if (schedules_.count(t.id) && !is_cron(t.id)) {
      s.base_period_ms = base_period_ms(t.id);
      if (m.tier != Tier::Frozen) s.period_ms = base_period_ms(t.id) * tier_multiplier(m.tier) * m.backoff;
    }
    if (s == t.saved) continue;
    changed.emplace_back(t.id, s);
    t.saved = s;
  }
  if (changed.empty()) return;
  (void)in_transaction("pg_trickle: recording schedules", [&] {
    push_snapshot();
    pg::spi::Connection spi;
    save_schedule_state(changed);
  });
}

int64_t DatabaseScheduler::due_at(const ScheduledTable& t) const {
  if (!scheduled(t.status) || gated_.count(t.id)) return kNever;  // gated: its changes wait
  auto s = schedules_.find(t.id);
  if (s == schedules_.end()) return kNever;
  const Memory& m = memory_.at(t.id);
  if (m.tier == Tier::Frozen) return kNever;  // until promoted (a manual refresh still works)
  TableTiming timing;
  timing.kind = s->second.kind;
  timing.cron = s->second.cron;
  timing.period_seconds = base_period_ms(t.id) / 1000 * tier_multiplier(m.tier) * m.backoff;
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
  std::vector<Oid> gated_sources;
  if (!load(&tables, &gated_sources)) return -1;
  tables_ = std::move(tables);
  find_gated(gated_sources);
  collect_workers();

  // Plan: graph, schedules, effective periods, units.
  std::vector<DagNode> nodes;
  std::map<int64_t, std::optional<int64_t>> own;
  schedules_.clear();
  std::map<int64_t, const ScheduledTable*>& by_id = by_id_;
  by_id.clear();
  for (const auto& t : tables_) {
    by_id[t.id] = &t;
    nodes.push_back({t.id, t.display_name(), t.upstream, t.atomic_diamonds});
    bool fresh = memory_.emplace(t.id, Memory{}).second;
    // Suspended: when resumed it starts afresh (no backoff left over).
    if (!scheduled(t.status)) memory_[t.id] = Memory{};
    if (fresh) memory_[t.id].cron_considered_ms = now;
    // A new scheduler (restart) keeps the backoff its predecessor recorded.
    if (fresh && scheduled(t.status) && t.saved.backoff)
      memory_[t.id].backoff = std::clamp(*t.saved.backoff, 1, 8);
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
  cycle_of_.clear();
  for (const auto& t : tables_)
    if (dag.cycle_of(t.id) >= 0) cycle_of_[t.id] = dag.cycle_of(t.id);
  periods_ = resolve_periods(dag, own, guc::default_schedule_seconds);
  look_at_reads(now);
  assign_tiers(now);

  if (now - last_sweep_ms_ >= kSweepMs) {
    signals.overflow = true;
    last_sweep_ms_ = now;
  }
  note_signals(signals, now);
  note_stuck_watermarks();

  std::vector<Unit> units;
  for (const auto& ids : refresh_units(dag)) {
    Unit unit;
    for (int64_t id : ids) unit.push_back(by_id.at(id));
    units.push_back(std::move(unit));
  }
  run_units(units);
  save_schedules();
  look_for_stale_tables(now_ms());
  check_buffers(now_ms());
  send_alerts();

  int64_t next = kNever;
  for (const auto& t : tables_)
    if (!in_flight(t.id)) next = std::min(next, due_at(t));  // their worker's end wakes us
  int64_t wait = next == kNever ? guc::scheduler_interval_ms : next - now_ms();
  return static_cast<long>(std::clamp<int64_t>(wait, 0, guc::scheduler_interval_ms));
}

int64_t DatabaseScheduler::unit_due_at(const Unit& unit) const {
  if (unit.size() == 1) return due_at(*unit[0]);
  // A consistency group moves as one: it waits while any member is gated.
  for (const auto* t : unit)
    if (gated_.count(t->id)) return kNever;
  std::vector<int64_t> due;
  bool slowest = false;
  for (const auto* t : unit) {
    due.push_back(due_at(*t));
    slowest = slowest || t->slowest;
  }
  return group_due_at_ms(due, slowest);
}

UnitTask DatabaseScheduler::prepare(const Unit& unit) {
  UnitTask task;
  task.group = unit.size() > 1;
  bool ok = in_transaction("pg_trickle: checking for changes", [&] {
    push_snapshot();
    pg::spi::Connection spi;
    // Members that refresh: those with work, and (in a group) every member
    // downstream of one that refreshes, so that the group moves as one. A
    // cycle moves whole (its members come together in the unit): when one
    // member has work, or reads a member of the unit that refreshes; and
    // not at all while one of its members is not scheduled (suspended, in
    // ERROR), whose rows the others would go on deriving from.
    std::set<int64_t> refreshing;
    std::map<int, bool> cycle_works;
    auto cycle_of = [&](int64_t id) {
      auto it = cycle_of_.find(id);
      return it == cycle_of_.end() ? -1 : it->second;
    };
    auto own_work = [&](const ScheduledTable* t) {
      Memory& m = memory_[t->id];
      bool work = !t->differential || !t->populated || (m.pending && has_pending_changes(*t));
      if (t->differential && !work) m.pending = false;
      for (int64_t up : t->upstream) work = work || refreshing.count(up) != 0;
      return work;
    };
    for (const auto* t : unit) {
      int cycle = cycle_of(t->id);
      if (cycle >= 0 && !cycle_works.count(cycle)) {
        bool all_scheduled = true, work = false;
        for (const auto* c : unit)
          if (cycle_of(c->id) == cycle) all_scheduled = all_scheduled && scheduled(c->status);
        for (const auto* c : unit)
          if (all_scheduled && cycle_of(c->id) == cycle) work = own_work(c) || work;
        cycle_works[cycle] = all_scheduled && work;
      }
      if (!scheduled(t->status)) continue;
      bool work = cycle >= 0 ? cycle_works[cycle] : own_work(t);
      if (!work) continue;
      refreshing.insert(t->id);
      task.watermark_guarded = task.watermark_guarded || watermarks_.guarded.count(t->relid) != 0;
      const Memory& m = memory_[t->id];
      task.members.push_back({t->id, t->relid, t->differential, t->display_name(), cycle,
                              t->tiers_in_catalog
                                  ? stretch_note(m.tier, m.backoff, base_period_ms(t->id), is_cron(t->id))
                                  : std::string(),
                              t->refresh_tier == "auto"});
      if (cycle >= 0) task.group = true;  // one snapshot for all its rounds
      task.running_ids.push_back(
          insert_running_row(t->id, t->differential && t->populated ? RefreshAction::Differential : RefreshAction::Full));
    }
    std::set<Oid> read;
    for (const auto& m : task.members)
      for (int64_t up : by_id_.at(m.id)->upstream)
        if (!refreshing.count(up) && by_id_.count(up)) read.insert(by_id_.at(up)->relid);
    task.read_locked.assign(read.begin(), read.end());
  });
  int64_t now = now_ms();
  if (!ok) {
    // Not even the check worked (logged): try again in a while, not at once.
    task = UnitTask{};
    for (const auto* t : unit) memory_[t->id].not_before_ms = now + 1000;
  }
  // Cron tables: this firing is handled, whatever happens next.
  for (const auto* t : unit) memory_[t->id].cron_considered_ms = now;
  return task;
}

void DatabaseScheduler::remember(const UnitTask& task, const UnitOutcome& outcome, int64_t started) {
  int64_t end = now_ms();
  for (const auto& member : task.members) {
    auto known = memory_.find(member.id);
    if (known == memory_.end()) continue;  // dropped meanwhile
    Memory& m = known->second;
    auto scans = outcome.own_scans.find(member.id);
    if (scans != outcome.own_scans.end()) m.own_scans += scans->second;
    if (outcome.busy) {
      m.not_before_ms = end + kBusyRetryMs;
    } else if (outcome.failed) {
      if (member.id == outcome.failed_id) m.failures++;
      int64_t period = periods_.count(member.id) ? periods_[member.id] : 1;
      m.not_before_ms = end + retry_delay_ms(std::max(m.failures, 1), period * 1000);
    } else {
      m.failures = 0;
      m.pending = false;
      m.refreshed_at_ms = started;
      m.not_before_ms = 0;
      m.stale_alerted = false;
      note_duration(member, m, end - started);
    }
  }
  if (outcome.failed && outcome.error.message.rfind("the refresh worker exited", 0) == 0)
    recovered_ = false;  // its RUNNING rows are orphans now
}

// A refresh that took most of its table's period: pg_trickle.auto_backoff
// stretches the period (cron schedules have firing times, not a period).
void DatabaseScheduler::note_duration(const UnitMember& member, Memory& m, int64_t elapsed_ms) {
  if (!schedules_.count(member.id) || is_cron(member.id)) return;
  // The period it runs at with its tier: a cold table has ten times the time.
  int64_t period_ms = base_period_ms(member.id) * std::max(tier_multiplier(m.tier), 1);
  if (falling_behind(elapsed_ms, period_ms * m.backoff))
    alerts_.push_back({"scheduler_falling_behind", member.id,
                       "a refresh took " + std::to_string(elapsed_ms) + " ms of its " +
                           std::to_string(period_ms * m.backoff) + " ms period",
                       JsonObject()
                           .add("elapsed_ms", elapsed_ms)
                           .add("schedule_ms", period_ms * m.backoff)
                           .add("ratio", static_cast<double>(elapsed_ms) / static_cast<double>(period_ms * m.backoff))});
  int next = guc::auto_backoff ? next_backoff_factor(m.backoff, elapsed_ms, period_ms) : 1;
  if (next == m.backoff) return;
  report(next > m.backoff ? WARNING : LOG,
         "stream table " + member.name + ": a refresh took " + std::to_string(elapsed_ms) + " ms of its " +
             std::to_string(period_ms / 1000) + " s period; its effective period is now " +
             std::to_string(period_ms / 1000 * next) + " s (pg_trickle.auto_backoff)");
  m.backoff = next;
}

const ScheduledTable* DatabaseScheduler::find_table(int64_t id) const {
  for (const auto& t : tables_)
    if (t.id == id) return &t;
  return nullptr;
}

// stale_data: a table whose changes have waited more than twice its period
// (failing, busy, or the scheduler behind), once until it is refreshed.
// Gated tables wait on purpose; cron schedules have no period.
void DatabaseScheduler::look_for_stale_tables(int64_t now) {
  for (const auto& t : tables_) {
    Memory& m = memory_[t.id];
    if (m.stale_alerted || !scheduled(t.status) || gated_.count(t.id) || in_flight(t.id) || m.tier == Tier::Frozen)
      continue;
    auto s = schedules_.find(t.id);
    if (s == schedules_.end() || s->second.kind == schedule::Kind::Cron) continue;
    int64_t last = std::max(t.last_refresh_ms, m.refreshed_at_ms);
    if (last <= 0 || (t.differential && !m.pending)) continue;
    int64_t period_ms = base_period_ms(t.id) * tier_multiplier(m.tier) * m.backoff;
    if (now - last <= 2 * period_ms) continue;
    m.stale_alerted = true;
    alerts_.push_back({"stale_data", t.id,
                       "data " + std::to_string((now - last) / 1000) + " s old, more than twice its " +
                           std::to_string(period_ms / 1000) + " s schedule",
                       JsonObject()
                           .add("staleness_seconds", static_cast<double>(now - last) / 1000.0)
                           .add("schedule_seconds", static_cast<double>(period_ms) / 1000.0)
                           .add("ratio", static_cast<double>(now - last) / static_cast<double>(period_ms))});
  }
}

// buffer_growth_warning (a buffer over pg_trickle.buffer_alert_threshold)
// and cdc_trigger_disabled, at most every kBufferCheckMs; each once per
// episode, to every DIFFERENTIAL reader of the source.
void DatabaseScheduler::check_buffers(int64_t now) {
  constexpr int64_t kBufferCheckMs = 5000;
  if (now - last_buffer_check_ms_ < kBufferCheckMs) return;
  last_buffer_check_ms_ = now;
  std::set<Oid> sources;
  for (const auto& t : tables_) sources.insert(t.captured_sources.begin(), t.captured_sources.end());
  if (sources.empty()) return;
  std::map<Oid, int64_t> over;
  std::vector<Oid> disabled;
  std::map<Oid, std::string> names;
  int64_t threshold = guc::buffer_alert_threshold;
  bool ok = in_transaction("pg_trickle: checking change buffers", [&] {
    push_snapshot();
    pg::spi::Connection spi;
    for (Oid s : sources)
      if (auto rows = buffer_rows_over(s, threshold)) over[s] = *rows;
    disabled = sources_with_disabled_capture();
    for (Oid s : sources)
      if (over.count(s) || std::find(disabled.begin(), disabled.end(), s) != disabled.end())
        names[s] = pg::spi::scalar("SELECT $1::pg_catalog.oid::pg_catalog.regclass::text", {std::to_string(s)})
                       .value_or(std::to_string(s));
  });
  if (!ok) return;
  auto to_readers = [&](Oid source, const std::string& event, const std::string& reason, const JsonObject& fields) {
    for (const auto& t : tables_)
      if (std::find(t.captured_sources.begin(), t.captured_sources.end(), source) != t.captured_sources.end())
        alerts_.push_back({event, t.id, reason, fields});
  };
  for (Oid s : sources) {
    auto hit = over.find(s);
    if (hit == over.end()) {
      buffers_over_.erase(s);
    } else if (buffers_over_.insert(s).second) {
      to_readers(s, "buffer_growth_warning",
                 "the change buffer of source " + names[s] + " holds more than " + std::to_string(threshold) +
                     " rows (pg_trickle.buffer_alert_threshold)",
                 JsonObject().add("source", names[s]).add("buffered_rows", hit->second)
                     .add("threshold", threshold));
    }
    bool off = std::find(disabled.begin(), disabled.end(), s) != disabled.end();
    if (!off) {
      capture_disabled_.erase(s);
    } else if (capture_disabled_.insert(s).second) {
      to_readers(s, "cdc_trigger_disabled",
                 "a capture trigger of source " + names[s] + " is disabled: its changes are not captured",
                 JsonObject().add("source", names[s]));
    }
  }
}

void DatabaseScheduler::send_alerts() {
  if (alerts_.empty()) return;
  std::vector<Alert> alerts;
  alerts.swap(alerts_);
  (void)in_transaction("pg_trickle: sending alerts", [&] {
    for (const auto& a : alerts)
      if (const ScheduledTable* t = find_table(a.id)) pg::send_alert(a.event, t->schema, t->name, a.reason, a.fields);
  });
}

void DatabaseScheduler::collect_workers() {
  for (auto& [tag, outcome] : workers_.collect()) {
    auto it = in_flight_.find(tag);
    if (it == in_flight_.end()) continue;
    remember(it->second.first, outcome, it->second.second);
    for (const auto& m : it->second.first.members) in_flight_ids_.erase(m.id);
    in_flight_.erase(it);
  }
}

// Runs the due units in waves: a unit starts once no unit it reads from is
// still waiting or running (in a refresh worker, possibly since an earlier
// tick). When several units are ready they go to refresh workers, and the
// tick does not wait for them: their end sets our latch. A lone ready unit
// (or every one, with max_dynamic_refresh_workers = 1) is refreshed here,
// which keeps this process's prepared plans warm.
void DatabaseScheduler::run_units(const std::vector<Unit>& units) {
  std::map<int64_t, size_t> unit_of;
  for (size_t u = 0; u < units.size(); u++)
    for (const auto* t : units[u]) unit_of[t->id] = u;
  enum class State { Waiting, Running, Done };
  std::vector<State> state(units.size(), State::Waiting);
  for (size_t u = 0; u < units.size(); u++)
    for (const auto* t : units[u])
      if (in_flight(t->id)) state[u] = State::Running;
  auto blocked = [&](size_t u) {
    for (const auto* t : units[u])
      for (int64_t up : t->upstream) {
        auto it = unit_of.find(up);
        if (it != unit_of.end() && it->second != u && state[it->second] != State::Done) return true;
      }
    return false;
  };
  for (;;) {
    // Changes committed by the refreshes so far (capture on stream tables)
    // make their readers pending within this same tick.
    note_signals(take_change_signals(MyDatabaseId), now_ms());
    std::vector<std::pair<size_t, UnitTask>> ready;
    const int concurrency = guc::refresh_concurrency();
    // Due and unblocked, the longest overdue first: with more due than the
    // capacity, the same units (first in the graph's order) would otherwise
    // take every slot at every tick and starve the rest.
    std::vector<std::pair<int64_t, size_t>> due;
    int64_t now = now_ms();
    for (size_t u = 0; u < units.size(); u++) {
      if (state[u] != State::Waiting || blocked(u)) continue;
      int64_t at = unit_due_at(units[u]);
      if (at > now) {
        state[u] = State::Done;
        continue;
      }
      due.emplace_back(at, u);
    }
    std::stable_sort(due.begin(), due.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    size_t candidates = due.size();  // whatever the capacity
    for (const auto& [at, u] : due) {
      if (ready.size() + workers_.in_flight() >= static_cast<size_t>(concurrency))
        break;  // no capacity: a later tick (a worker's end wakes us)
      UnitTask task = prepare(units[u]);
      if (task.members.empty()) {
        state[u] = State::Done;
        continue;
      }
      ready.emplace_back(u, std::move(task));
    }
    if (ready.empty()) break;
    if (guc::parallel_refresh_mode == static_cast<int>(guc::ParallelRefreshMode::DryRun) && candidates > 1)
      report(LOG, "parallel_refresh_mode = dry_run: " + std::to_string(candidates) +
                      " units were ready at once; with 'on' up to " +
                      std::to_string(std::min(guc::max_dynamic_refresh_workers, guc::max_concurrent_refreshes)) +
                      " would run in refresh workers; refreshing them here, one at a time");
    bool parallel = concurrency > 1 && ready.size() + workers_.in_flight() > 1;
    for (auto& [u, task] : ready) {
      int64_t started = now_ms();
      int tag = next_tag_++;
      // A cycle runs here: a worker's task carries no cycle.
      bool cycle =
          std::any_of(task.members.begin(), task.members.end(), [](const UnitMember& m) { return m.cycle >= 0; });
      if (parallel && !cycle && workers_.start(task, tag)) {
        state[u] = State::Running;
        for (const auto& m : task.members) in_flight_ids_.insert(m.id);
        in_flight_[tag] = {std::move(task), started};
        continue;
      }
      UnitOutcome outcome = refresh_unit(task);
      remember(task, outcome, started);
      state[u] = State::Done;
    }
    collect_workers();
    pg::guard([] { CHECK_FOR_INTERRUPTS(); });
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
      // Our refreshes' statistics (scans, rows written: what autovacuum and
      // 'auto' tiers read) reach the cumulative counters: a background
      // worker has no idle loop that flushes them. Between transactions,
      // after the tick counted its own scans (see look_at_reads).
      pg::guard([] { (void)pgstat_report_stat(false); });
      if (stop_requested()) return ExitReason::Stopped;
      pg::guard([&] {
        (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, sleep_ms,
                        PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
      });
      if (got_sigterm) return ExitReason::Stopped;  // between ticks: a quiet exit
      pg::guard([] { CHECK_FOR_INTERRUPTS(); });
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
  pqsignal(SIGTERM, on_sigterm);
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
