// ON COMMIT maintenance of IMMEDIATE stream tables: see commit_maintenance.h.
#include "refresh/commit_maintenance.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "catalog/immediate_timing.h"
#include "catalog/stream_table_cycles.h"
#include "common/user_error.h"
#include "pg/boundary.h"
#include "pg/spi.h"
#include "pg/user_context.h"
#include "refresh/differential_refresh.h"
#include "refresh/immediate_conflicts.h"

extern "C" {
#include "access/xact.h"
#include "miscadmin.h"
#include "commands/trigger.h"
#include "storage/lmgr.h"
#include "utils/lsyscache.h"
}

namespace pgt::refresh {

namespace {

// ---- what this transaction owes (backend-local, cleared at its end) -----

// Stream tables with a queued event not yet maintained, with the
// (sub)transaction nesting level that holds the event: a subtransaction
// that aborts takes its events, and these marks, with it.
std::map<Oid, int>& queued() {
  static auto* tables = new std::map<Oid, int>();  // never destroyed (callbacks run at exit)
  return *tables;
}

// Maintained early (SET CONSTRAINTS ... IMMEDIATE) inside a subtransaction:
// the level of the maintenance and of the event it consumed. When that
// subtransaction aborts, the maintenance is undone but changes made outside
// it (event level below it) are still there, with no event left to
// maintain them: the table is "owed" (below).
struct EarlyMaintenance {
  int level;
  int event_level;
};
std::map<Oid, EarlyMaintenance>& early() {
  static auto* tables = new std::map<Oid, EarlyMaintenance>();
  return *tables;
}

// Owed a maintenance with no event queued for it; the next write to one of
// its sources queues one, else the commit is refused.
std::set<Oid>& owed() {
  static auto* tables = new std::set<Oid>();
  return *tables;
}

// The ON COMMIT tables that the maintenance running now can reach, and
// whether a change reached them: marked here instead of queuing an event.
// (The maintenance runs as the table's owner in a security-restricted
// operation, where PostgreSQL refuses to queue a deferred event; the
// tables downstream are maintained in the same loop anyway.)
std::map<Oid, bool>* round_marks = nullptr;

class RoundMarks {
 public:
  explicit RoundMarks(std::map<Oid, bool>* marks) : previous_(round_marks) { round_marks = marks; }
  ~RoundMarks() { round_marks = previous_; }
  RoundMarks(const RoundMarks&) = delete;
  RoundMarks& operator=(const RoundMarks&) = delete;

 private:
  std::map<Oid, bool>* previous_;
};

bool event_wanted(Oid st_relid) {
  if (round_marks != nullptr) {
    auto it = round_marks->find(st_relid);
    if (it != round_marks->end()) {
      it->second = true;
      return false;
    }
  }
  if (queued().count(st_relid)) return false;
  // No event can be queued here (see round_marks): the commit is refused
  // rather than leaving the table behind. (A statement-timing IMMEDIATE
  // table is never read by an ON COMMIT one, whose maintenance it would be.)
  if (InSecurityRestrictedOperation()) {
    owed().insert(st_relid);
    return false;
  }
  owed().erase(st_relid);
  queued()[st_relid] = GetCurrentTransactionNestLevel();
  return true;
}

void at_subtransaction_end(SubXactEvent event, SubTransactionId, SubTransactionId, void*) {
  if (event != SUBXACT_EVENT_COMMIT_SUB && event != SUBXACT_EVENT_ABORT_SUB) return;
  int level = GetCurrentTransactionNestLevel();
  if (event == SUBXACT_EVENT_COMMIT_SUB) {
    // The events move to the parent.
    for (auto& [relid, held] : queued()) held = std::min(held, level - 1);
    for (auto& [relid, m] : early()) {
      m.level = std::min(m.level, level - 1);
      m.event_level = std::min(m.event_level, level - 1);
    }
    return;
  }
  for (auto it = queued().begin(); it != queued().end();)
    it = it->second >= level ? queued().erase(it) : std::next(it);
  for (auto it = early().begin(); it != early().end();) {
    if (it->second.level < level) {
      ++it;
      continue;
    }
    if (it->second.event_level < level && !queued().count(it->first)) owed().insert(it->first);
    it = early().erase(it);
  }
}

void at_transaction_end(XactEvent event, void*) {
  if (event == XACT_EVENT_PRE_COMMIT || event == XACT_EVENT_PRE_PREPARE) {
    // Every deferred trigger has fired by now: a stream table still marked
    // was marked without an event (pgtrickle._commit_event_wanted called
    // directly) or its early maintenance was rolled back with a savepoint.
    // Committing would leave it behind its sources.
    Oid relid = InvalidOid;
    if (!owed().empty()) relid = *owed().begin();
    if (!queued().empty()) relid = queued().begin()->first;
    if (OidIsValid(relid)) {
      queued().clear();
      owed().clear();
      early().clear();
      const char* name = get_rel_name(relid);
      ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                      errmsg("the ON COMMIT maintenance of stream table \"%s\" did not run in this transaction",
                             name != nullptr ? name : "?"),
                      errdetail("Its maintenance ran early (SET CONSTRAINTS ... IMMEDIATE) inside a savepoint that "
                                "was rolled back, or pgtrickle._commit_event_wanted() was called directly."),
                      errhint("Change a source of the stream table again after the rollback, or run "
                              "pgtrickle.refresh_stream_table() on it, before committing.")));
    }
    return;
  }
  if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_COMMIT ||
      event == XACT_EVENT_PARALLEL_ABORT || event == XACT_EVENT_PREPARE) {
    queued().clear();
    early().clear();
    owed().clear();
  }
}

// ---- maintaining ------------------------------------------------------------

// The IMMEDIATE stream tables the maintenance of `roots` can write to:
// roots and every IMMEDIATE table downstream of them, with the length of
// the longest path to each (dependency order) and whether it is ON COMMIT.
struct Reached {
  Oid relid;
  int depth;
  bool at_commit;
};

std::vector<Reached> reached_from(const std::vector<Oid>& roots) {
  std::string ids = "{";
  for (size_t i = 0; i < roots.size(); i++) ids += (i ? "," : "") + std::to_string(roots[i]);
  ids += "}";
  pg::AsRole as_owner(pg::catalog_owner(), false);
  auto rows = pg::spi::run_kept(
      "WITH RECURSIVE reach(relid, depth) AS ("
      " SELECT r, 0 FROM pg_catalog.unnest($1::pg_catalog.oid[]) r"
      " UNION"
      " SELECT st.pgt_relid, reach.depth OPERATOR(pg_catalog.+) 1 FROM reach"
      " JOIN pgtrickle.pgt_dependencies d ON d.source_relid OPERATOR(pg_catalog.=) reach.relid"
      " JOIN pgtrickle.pgt_stream_tables st ON st.pgt_id OPERATOR(pg_catalog.=) d.pgt_id"
      " WHERE st.effective_refresh_mode OPERATOR(pg_catalog.=) 'IMMEDIATE'"
      " AND reach.depth OPERATOR(pg_catalog.<) 100) "
      "SELECT reach.relid::pg_catalog.int8, pg_catalog.max(reach.depth), "
      "pg_catalog.bool_or(st.immediate_timing OPERATOR(pg_catalog.=) 'commit') "
      "FROM reach JOIN pgtrickle.pgt_stream_tables st ON st.pgt_relid OPERATOR(pg_catalog.=) reach.relid "
      "AND st.effective_refresh_mode OPERATOR(pg_catalog.=) 'IMMEDIATE' GROUP BY reach.relid",
      {ids});
  std::vector<Reached> out;
  for (const auto& row : rows.rows)
    out.push_back({static_cast<Oid>(std::stoul(*row[0])), std::stoi(*row[1]), *row[2] == "t"});
  return out;
}

// One ON COMMIT stream table, under its lock: the DIFFERENTIAL refresh of
// what changed since its frontier (its sources' committed changes and this
// transaction's own).
void maintain_one(Oid st_relid, int event_level) {
  std::optional<catalog::StreamTable> st = catalog::find_by_relid(st_relid);
  if (!st || !catalog::maintained_at_commit(*st)) return;  // dropped, or no longer ON COMMIT
  check_no_concurrent_maintenance(st_relid, st->display_name().c_str());
  // As the owner throughout (the refresh also reads the sources outside its
  // delta, e.g. to count their rows; the writer may only write them). A
  // history row only when it reinitializes the table after DDL on a source.
  {
    pg::AsRole as_owner(pg::relation_owner(st_relid), true);
    refresh_differential(*st, "DDL", "", false);
  }
  note_maintained(st_relid);
  int level = GetCurrentTransactionNestLevel();
  if (level > 1) early()[st_relid] = {level, event_level};
}

// Maintains `roots` (or, with `write`, runs it: it writes the rows of the
// one root) and, in the same loop, every ON COMMIT table downstream that
// this changes, and every other table this transaction queued among those
// (see the header).
void maintain_from(const std::vector<Oid>& roots, const std::function<void()>* write = nullptr) {
  std::vector<Reached> reached = reached_from(roots);
  // 1. Every lock at once, in oid order.
  std::sort(reached.begin(), reached.end(), [](const Reached& a, const Reached& b) { return a.relid < b.relid; });
  for (const Reached& r : reached) pg::guard([&] { LockRelationOid(r.relid, ExclusiveLock); });
  std::map<Oid, bool> marks;
  for (const Reached& r : reached)
    if (r.at_commit) marks[r.relid] = false;
  if (write == nullptr)
    for (Oid relid : roots) {
      if (marks.count(relid))
        marks[relid] = true;
      else
        queued().erase(relid);  // no longer ON COMMIT (altered or dropped in this transaction)
    }
  RoundMarks marking(&marks);
  if (write != nullptr) (*write)();
  // 2. Upstream first: maintaining a table writes its rows, which marks the
  // tables reading it, maintained later in this loop.
  std::stable_sort(reached.begin(), reached.end(), [](const Reached& a, const Reached& b) { return a.depth < b.depth; });
  for (const Reached& r : reached) {
    if (!r.at_commit || (write != nullptr && r.relid == roots.at(0))) continue;
    auto it = queued().find(r.relid);
    if (!marks[r.relid] && it == queued().end()) continue;  // nothing changed under it
    int event_level = GetCurrentTransactionNestLevel();
    if (it != queued().end()) {
      event_level = it->second;
      queued().erase(it);
    }
    maintain_one(r.relid, event_level);
  }
}

struct TriggerCall {
  Oid st_relid = InvalidOid;
  bool truncate = false;
};

TriggerCall read_trigger_call(FunctionCallInfo fcinfo) {
  TriggerCall call;
  pg::guard([&] {
    if (!CALLED_AS_TRIGGER(fcinfo)) elog(ERROR, "pg_trickle: _commit_maintenance() is a trigger function");
    auto* data = reinterpret_cast<TriggerData*>(fcinfo->context);
    if (data->tg_trigger->tgnargs != 1 || TRIGGER_FIRED_BEFORE(data->tg_event))
      elog(ERROR, "pg_trickle: _commit_maintenance() fired by an unexpected trigger");
    call.truncate = TRIGGER_FIRED_BY_TRUNCATE(data->tg_event);
    call.st_relid = static_cast<Oid>(strtoul(data->tg_trigger->tgargs[0], nullptr, 10));
  });
  return call;
}

}  // namespace

void register_commit_callbacks() {
  RegisterXactCallback(at_transaction_end, nullptr);
  RegisterSubXactCallback(at_subtransaction_end, nullptr);
}

void maintain_readers_after(Oid st_relid, const std::function<void()>& write) {
  // (Before ALTER EXTENSION UPDATE there is no ON COMMIT table; a table no
  // stream table reads has no reader to follow: one index probe.)
  if (!catalog::has_immediate_timing_column() || !catalog::read_by_stream_table(st_relid)) {
    write();
    return;
  }
  maintain_from({st_relid}, &write);
}

void forget_commit_event(Oid st_relid) {
  queued().erase(st_relid);
  early().erase(st_relid);
  owed().erase(st_relid);
}

}  // namespace pgt::refresh

PGT_SQL_FUNCTION(pgt_commit_event_wanted) {
  PG_RETURN_BOOL(pgt::refresh::event_wanted(PG_GETARG_OID(0)));
}

PGT_SQL_FUNCTION(pgt_commit_maintenance) {
  pgt::refresh::TriggerCall call = pgt::refresh::read_trigger_call(fcinfo);
  pgt::pg::spi::Connection spi;
  if (call.truncate) {
    // No row trigger fired: maintained now (its buffer's TRUNCATE marker
    // makes it a recompute).
    pgt::refresh::maintain_from({call.st_relid});
  } else if (pgt::refresh::queued().count(call.st_relid)) {
    std::vector<Oid> roots;
    for (const auto& [relid, level] : pgt::refresh::queued()) roots.push_back(relid);
    pgt::refresh::maintain_from(roots);
  }
  return PointerGetDatum(nullptr);
}
