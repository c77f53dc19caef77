// Refresh of a cycle of stream tables to its fixed point: see cycle_refresh.h.
#include "refresh/cycle_refresh.h"

#include "catalog/stream_table_cycles.h"
#include "pg/gucs.h"
#include "pg/spi.h"
#include "pg/user_context.h"
#include "refresh/commit_maintenance.h"
#include "refresh/differential_refresh.h"
#include "refresh/dml_guard.h"
#include "refresh/full_refresh.h"

extern "C" {
#include "access/xact.h"
#include "storage/lmgr.h"
}

namespace pgt::refresh {

namespace {

// Whether a member's refresh changed its rows. A recomputation that keeps
// the row count changed nothing: the member's inputs only grew, so its
// monotone query's new result contains the old one.
bool changed(const DifferentialOutcome& out) {
  if (recomputes(out.action)) return out.rows.rows_inserted != out.rows.rows_deleted;
  return out.rows.rows_inserted + out.rows.rows_updated + out.rows.rows_deleted > 0;
}

// Why the cycle must start from empty, or "".
std::string recompute_reason(const std::vector<catalog::StreamTable>& members) {
  for (const auto& st : members) {
    if (st.reinitialize_reason) return "stream table " + st.display_name() + " was marked for reinitialization";
    if (!st.frontier) return "stream table " + st.display_name() + " has no frontier (new or redefined)";
  }
  for (const auto& st : members) {
    std::string why = pending_beyond_inserts(st);
    if (!why.empty()) return why + " (read by " + st.display_name() + ")";
  }
  return "";
}

void empty_member(const catalog::StreamTable& st) {
  Oid owner = pg::relation_owner(st.relid);
  pg::AsRole as_owner(owner, true);
  ApplyPermit permit(st.relid);
  replace_rows(st, [] { return int64_t{0}; });
}

// Every member consumes what this transaction wrote so far (see the header).
void consume_own_writes(const std::vector<catalog::StreamTable>& members) {
  std::optional<std::string> xid;
  std::string cid;
  pg::guard([&] {
    CommandCounterIncrement();
    FullTransactionId top = GetTopFullTransactionIdIfAny();
    if (FullTransactionIdIsValid(top)) xid = std::to_string(U64FromFullTransactionId(top));
    cid = std::to_string(GetCurrentCommandId(false));
  });
  if (!xid) return;  // nothing written
  for (const auto& m : members) {
    catalog::StreamTable st = catalog::reload_for_refresh(m.pgt_id);
    catalog::set_frontier(st.pgt_id, st.frontier, xid, cid);
  }
}

}  // namespace

std::string cycle_names(const std::vector<catalog::StreamTable>& members) {
  std::string names;
  for (const auto& m : members) names += (names.empty() ? "" : ", ") + m.display_name();
  return names;
}

CycleRefreshResult refresh_cycle(const std::vector<catalog::StreamTable>& stale, const char* initiated_by) {
  // Every member locked before any is read: the rounds see no other refresh.
  for (const auto& m : stale) lock_storage_table(m, ExclusiveLock);
  std::vector<catalog::StreamTable> members;
  for (const auto& m : stale) {
    members.push_back(catalog::reload_for_refresh(m.pgt_id));
    if (!members.back().differential())
      throw Error(sqlstate::kObjectNotInPrerequisiteState,
                  "stream table \"" + members.back().display_name() + "\" is on a cycle but not DIFFERENTIAL",
                  "Cycle: " + cycle_names(stale) + ".",
                  "Alter it back to refresh_mode => 'DIFFERENTIAL', or break the cycle.");
  }
  CycleRefreshResult result;
  std::string why_full;
  auto start_from_empty = [&](const std::string& reason) {
    result.recomputed = true;
    result.reason = reason;
    why_full = "cycle " + cycle_names(members) + " recomputed from empty to its fixed point: " + reason;
    for (const auto& st : members) empty_member(st);
  };
  std::string reason = recompute_reason(members);
  if (!reason.empty()) start_from_empty(reason);
  // READ COMMITTED (a refresh by hand): every refresh reads a new snapshot,
  // and a delete committed meanwhile must not be applied as a delta.
  bool fresh_snapshots = false;
  pg::guard([&] { fresh_snapshots = !IsolationUsesXactSnapshot(); });
  const int cap = guc::max_fixpoint_iterations;
  for (int round = 1; round <= cap; round++) {
    bool any = false, restart = false;
    for (const auto& m : members) {
      catalog::StreamTable st = catalog::reload_for_refresh(m.pgt_id);
      if (!result.recomputed && fresh_snapshots) {
        std::string why = pending_beyond_inserts(st);
        if (!why.empty()) {
          start_from_empty(why + " (read by " + st.display_name() + "), committed during the refresh");
          restart = true;
          break;
        }
      }
      // From empty every round recomputes: a DIFFERENTIAL refresh would see
      // the others' TRUNCATE markers anyway.
      if (result.recomputed) {
        catalog::set_frontier(m.pgt_id, std::nullopt, std::nullopt, std::nullopt);
        st = catalog::reload_for_refresh(m.pgt_id);
      }
      // (ON COMMIT readers of a member follow each round: commit_maintenance.h.)
      maintain_readers_after(st.relid, [&] { any = changed(refresh_differential(st, initiated_by, why_full)) || any; });
    }
    if (restart) {
      round = 0;  // the rounds count from empty
      continue;
    }
    if (!any) {
      result.iterations = round;
      consume_own_writes(members);
      for (const auto& m : members) catalog::record_fixpoint(m.pgt_id, round, result.recomputed);
      return result;
    }
  }
  throw CycleNotConverged(
      sqlstate::kProgramLimitExceeded,
      "cycle of stream tables " + cycle_names(members) + " did not converge within " + std::to_string(cap) +
          " iterations (pg_trickle.max_fixpoint_iterations)",
      "Every round still changed a member: the queries keep deriving new rows (UNION ALL over a cyclic graph "
      "derives ever longer paths).",
      "Use UNION (set semantics) instead of UNION ALL in the cycle, or raise pg_trickle.max_fixpoint_iterations. "
      "Members the scheduler put in status ERROR resume with alter_stream_table(name, status => 'ACTIVE').");
}

}  // namespace pgt::refresh
