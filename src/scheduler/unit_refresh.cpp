// See unit_refresh.h.
#include "scheduler/unit_refresh.h"

#include "catalog/stream_table_catalog.h"
#include "pg/gucs.h"
#include "pg/spi.h"
#include "refresh/cycle_refresh.h"
#include "refresh/refresh_runner.h"
#include "scheduler/scheduler_catalog.h"
#include "scheduler/watermark_holds.h"

extern "C" {
#include "storage/lmgr.h"
}

namespace pgt::scheduler {

UnitOutcome refresh_unit(const UnitTask& task) {
  UnitOutcome out;
  bool ok = in_transaction(
      "pg_trickle: scheduled refresh",
      [&] {
        // Without waiting: a busy table is skipped rather than queued behind
        // a manual refresh or DDL (which would then wait for us in turn).
        for (const auto& m : task.members) {
          LOCKMODE mode = m.differential ? ExclusiveLock : AccessExclusiveLock;
          Oid relid = m.relid;
          bool locked = false;
          pg::guard([&] { locked = ConditionalLockRelationOid(relid, mode); });
          if (!locked) {
            out.busy = true;
            break;
          }
        }
        for (size_t i = 0; i < task.read_locked.size() && !out.busy; i++) {
          Oid relid = task.read_locked[i];
          bool locked = false;
          pg::guard([&] { locked = ConditionalLockRelationOid(relid, ShareLock); });
          out.busy = !locked;
        }
        push_snapshot();  // after the locks: a group's snapshot sees what their holders committed
        pg::spi::Connection spi;
        if (!out.busy && task.watermark_guarded) {
          std::vector<Oid> relids;
          for (const auto& m : task.members) relids.push_back(m.relid);
          out.busy = !watermarks_allow_refresh(relids);
        }
        if (out.busy) {
          delete_running_rows(task.running_ids);
          return;
        }
        lock_running_rows(task.running_ids);
        std::vector<int64_t> cycle_ids;  // the cycle being refreshed
        // Counted outside the subtransaction: a rolled-back refresh's scans
        // stay counted in the statistics, so they are ours either way.
        std::map<int64_t, int64_t> scans_before;
        for (const auto& m : task.members)
          if (m.count_scans) scans_before[m.id] = pending_scans(m.relid);
        auto count_own_scans = [&] {
          for (const auto& m : task.members)
            if (m.count_scans) out.own_scans[m.id] = pending_scans(m.relid) - scans_before[m.id];
        };
        try {
          pg::guard_subtransaction([&] {
            for (size_t i = 0; i < task.members.size(); i++) {
              const UnitMember& m = task.members[i];
              out.failed_id = m.id;
              if (m.cycle >= 0) {
                std::vector<catalog::StreamTable> cycle;
                cycle_ids.clear();
                for (; i < task.members.size() && task.members[i].cycle == m.cycle; i++) {
                  cycle_ids.push_back(task.members[i].id);
                  if (auto st = catalog::find_by_relid(task.members[i].relid, catalog::Columns::ForRefresh))
                    cycle.push_back(*st);
                }
                i--;
                refresh::refresh_cycle(cycle, "SCHEDULER");
                cycle_ids.clear();
                continue;
              }
              auto st = catalog::find_by_relid(m.relid, catalog::Columns::ForRefresh);
              if (!st || !scheduled(st->status)) continue;
              refresh::refresh_now(*st, "SCHEDULER");
              if (!m.schedule_note.empty() && st->pgt_id == m.id) note_stretched_refresh(m.id, m.schedule_note);
            }
          });
          count_own_scans();
          delete_running_rows(task.running_ids);
        } catch (...) {
          out.failed = true;
          out.error = describe_current_exception();
          count_own_scans();
          bool not_converged = false;
          try {
            throw;
          } catch (const refresh::CycleNotConverged&) {
            not_converged = true;
          } catch (...) {
          }
          if (not_converged) {
            // Retrying would only iterate as long again: every member stops
            // (ERROR) until the user changes something and resumes it.
            fail_running_rows(task.running_ids, out.error.message);
            record_cycle_failure(cycle_ids, out.error.message, out.error.sqlstate);
            report(WARNING, out.error.message);
            return;
          }
          std::string name;
          for (const auto& m : task.members)
            if (m.id == out.failed_id) name = m.name;
          std::string message = task.members.size() > 1
                                    ? "consistency group rolled back: refresh of " + name +
                                          " failed: " + out.error.message
                                    : out.error.message;
          fail_running_rows(task.running_ids, message);
          if (record_refresh_failure(out.failed_id, out.error.message, out.error.sqlstate,
                                     !out.error.retryable, guc::max_consecutive_errors))
            report(WARNING, "stream table " + name + " suspended after " +
                                std::to_string(guc::max_consecutive_errors) +
                                " consecutive failed refreshes: " + out.error.message);
        }
      },
      task.group);
  if (!ok && !out.failed) {
    // The transaction itself failed (e.g. while recording): retry later.
    out.failed = true;
    out.error.message = "the scheduled refresh could not be recorded";
    out.error.retryable = true;
  }
  return out;
}

}  // namespace pgt::scheduler
