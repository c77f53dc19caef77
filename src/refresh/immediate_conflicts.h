// REPEATABLE READ and SERIALIZABLE writers of IMMEDIATE stream tables.
//
// A writer maintains a stream table under its ExclusiveLock, held to the end
// of its transaction, so two writers never compute deltas concurrently. Under
// READ COMMITTED the second one, once it has the lock, reads with a new
// snapshot that sees the first one's committed rows, and its delta is exact.
// Under REPEATABLE READ its snapshot is older than that commit: the delta
// would join its changes with sources that lack the other writer's rows.
// Then it must fail with a serialization failure (40001), as PostgreSQL's
// own concurrent update does.
//
// To know, every transaction that maintained a stream table records its id
// in shared memory when it commits (still holding the lock); a writer that
// just took the lock compares that id with its snapshot.
#pragma once

#include "pg/pg_headers.h"

namespace pgt::refresh {

// Shared memory hooks (from _PG_init, when preloaded).
void install_immediate_conflict_hooks();

// After taking the stream table's lock: errors (40001) when a transaction
// that maintained it committed after this transaction's snapshot was taken
// (REPEATABLE READ / SERIALIZABLE only).
void check_no_concurrent_maintenance(Oid st_relid, const char* st_name);

// This transaction maintained the stream table: recorded at its commit.
void note_maintained(Oid st_relid);

// Transaction callback (registered from _PG_init).
void register_immediate_conflict_callbacks();

}  // namespace pgt::refresh
