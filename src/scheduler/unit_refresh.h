// One refresh unit (a stream table, or a consistency group) refreshed in one
// transaction: run by the scheduler itself or by a dynamic refresh worker.
//
// The tables are locked without waiting (a table busy with a manual refresh
// or DDL makes the unit "busy": nothing is done, the RUNNING rows go, the
// scheduler retries shortly). The refreshes run in a subtransaction: on an
// error everything the unit did is rolled back, and in the same transaction
// the RUNNING rows become FAILED and the failing table's error is recorded
// (SUSPENDED after pg_trickle.max_consecutive_errors, with an alert). A group
// runs at REPEATABLE READ: all its members read their sources at one snapshot.
// A cycle's members are iterated to their fixed point (at REPEATABLE READ
// too); when it does not converge, every member goes to status ERROR.
// A unit a watermark group holds by the time it runs is busy too.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "pg/pg_headers.h"
#include "scheduler/worker_transaction.h"

namespace pgt::scheduler {

struct UnitMember {
  int64_t id = 0;
  Oid relid = InvalidOid;
  bool differential = false;
  std::string name;  // schema.name, for messages
  // The cycle it is on (its members come together in the task, refreshed
  // to their fixed point by refresh::refresh_cycle), or -1. Tasks with a
  // cycle run in the scheduler itself, never in a refresh worker.
  int cycle = -1;
  std::string schedule_note;  // its period was stretched (see refresh_tier.h); "" if not
  bool count_scans = false;   // tier 'auto': count the refresh's scans of its storage
};

struct UnitTask {
  std::vector<UnitMember> members;  // those to refresh, in topological order
  std::vector<int64_t> running_ids; // their RUNNING history rows
  // Stream tables the members read that this unit does not refresh: held in
  // SHARE mode so that nobody refreshes them meanwhile. (A FULL refresh
  // truncates; a snapshot taken before its commit would see the table empty.)
  std::vector<Oid> read_locked;
  bool group = false;
  // A member reads a source of a watermark group: the refresh checks the
  // group again under its own snapshot (scheduler/watermark_holds.h).
  bool watermark_guarded = false;
};

struct UnitOutcome {
  bool busy = false;
  bool failed = false;
  int64_t failed_id = 0;
  ErrorInfo error;
  // Scans of each member's storage table (and indexes) that the refresh
  // itself made, committed or rolled back (the statistics count both), by
  // pgt_id (members with count_scans): tiered scheduling's 'auto' does not
  // count them as reads.
  std::map<int64_t, int64_t> own_scans;
};

UnitOutcome refresh_unit(const UnitTask& task);

}  // namespace pgt::scheduler
