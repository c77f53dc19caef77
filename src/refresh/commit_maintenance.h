// ON COMMIT IMMEDIATE stream tables (immediate_timing => 'commit'):
// maintained once per writing transaction, when it commits, before the
// commit becomes visible.
//
// Capture: the sources are captured into the change buffers, as for
// DIFFERENTIAL (cdc/change_capture.h). Trigger (cdc/commit_triggers.h): a
// deferred constraint row trigger whose WHEN, pgtrickle._commit_event_wanted,
// is true the first time in a transaction for a stream table, so one event
// is queued per transaction and stream table; it fires in COMMIT's (and
// PREPARE's) deferred-trigger loop, where SQL may run, or earlier under SET
// CONSTRAINTS ... IMMEDIATE (the table is then maintained earlier; a later
// write queues a new event).
//
// A firing maintains every ON COMMIT stream table the transaction queued:
//  1. it takes the ExclusiveLock of each, and of every IMMEDIATE table
//     downstream of them, all at once, in oid order: writers of sources of
//     several stream tables never deadlock on them, whatever the order of
//     their writes (no stream table lock is taken before the commit);
//  2. in dependency order, each runs the DIFFERENTIAL refresh
//     (refresh_differential) in the writing transaction: the changes
//     committed since its frontier and the transaction's own, with every
//     delta rule, consolidation and fallback of DIFFERENTIAL. Under READ
//     COMMITTED its snapshot is taken after the lock: it sees the rows and
//     the frontier of every maintainer that committed before. Under
//     REPEATABLE READ / SERIALIZABLE a maintainer that committed after the
//     transaction's snapshot makes it fail with 40001
//     (immediate_conflicts.h). The frontier moves; no history row is
//     written (unless the table is reinitialized after DDL).
// TRUNCATE fires no row trigger: an AFTER TRUNCATE trigger maintains the
// table at once (a recompute), taking its lock then.
#pragma once

#include <functional>

#include "pg/pg_headers.h"

namespace pgt::refresh {

// Transaction and subtransaction callbacks (from _PG_init).
void register_commit_callbacks();

// Runs `write`, a refresh of stream table st_relid (any mode), then
// maintains the ON COMMIT tables downstream that it changed (their locks
// taken first, in oid order). The refresh runs as the table's owner in a
// security-restricted operation, where PostgreSQL cannot queue the deferred
// event that would maintain them at commit.
void maintain_readers_after(Oid st_relid, const std::function<void()>& write);

// The stream table's queued event is void (its triggers were replaced or
// dropped in this transaction): not maintained by this transaction's commit.
void forget_commit_event(Oid st_relid);

}  // namespace pgt::refresh
