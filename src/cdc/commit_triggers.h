// The triggers of an ON COMMIT IMMEDIATE stream table
// (refresh/commit_maintenance.h), on each table it reads and the members of
// that table's hierarchy:
//   pgt_ivc_<pgt_id>_row    CONSTRAINT TRIGGER AFTER INSERT OR UPDATE OR
//                           DELETE, DEFERRABLE INITIALLY DEFERRED, FOR EACH
//                           ROW WHEN (pgtrickle._commit_event_wanted(st)):
//                           one event per transaction, fired at its commit
//                           (PostgreSQL clones it onto partitions; an
//                           inheritance child gets its own);
//   pgt_ivc_<pgt_id>_trunc  AFTER TRUNCATE FOR EACH STATEMENT (TRUNCATE
//                           fires no row trigger: maintained at once);
// both calling pgtrickle._commit_maintenance(stream table oid), enabled
// ALWAYS, owned by the extension and dropped with the stream table. The
// changes themselves are captured into the change buffers as for
// DIFFERENTIAL (cdc/change_capture.h).
#pragma once

#include <cstdint>
#include <vector>

#include "pg/pg_headers.h"

namespace pgt::cdc {

// Creates them on `source` and its members, replacing any there already.
void create_commit_triggers(int64_t pgt_id, Oid st_relid, Oid source);

// Drops them from every table that has them.
void drop_commit_triggers(int64_t pgt_id);

// Puts the triggers on members of the ON COMMIT tables' sources that lack
// them (an inheritance child created or attached later, a trigger dropped
// by a source's owner; partitions get clones from PostgreSQL). Returns the
// stream tables whose source gained a member holding rows (rows that came
// without a write: to be recomputed).
std::vector<Oid> sync_commit_triggers();

// Before TRUNCATE of `relid`: PostgreSQL refuses to truncate a table (or a
// member of its hierarchy) holding pending trigger events, and a write
// earlier in the transaction queued ON COMMIT ones there. Those fire now
// (SET CONSTRAINTS ... IMMEDIATE, then DEFERRED again): their stream tables
// are maintained before the TRUNCATE, which then recomputes them.
void fire_commit_events_before_truncate(Oid relid);

}  // namespace pgt::cdc
