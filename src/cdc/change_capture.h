// Trigger-based change capture. One change buffer per source table,
// pgtrickle_changes.changes_<relid>, shared by every stream table that reads
// it: typed columns c<attnum> (only the ones some stream table reads, plus the
// primary key), the writer's top-level transaction id, and a multiplicity (+1 insert,
// -1 delete; an UPDATE is -old +new of the rows whose captured columns
// changed; 0 marks a TRUNCATE). Statement-level AFTER triggers with
// transition tables fill it; they run as the extension owner
// (SECURITY DEFINER, pinned search_path), so writers need no rights on it.
#pragma once

#include "cdc/capture_triggers.h"

#include <string>
#include <vector>

#include "dvm/maintenance_plan.h"
#include "pg/pg_headers.h"

namespace pgt::cdc {

// Makes sure `table` is captured with at least its used columns and key; the
// buffer's readers are then those buffer_grants.h says (the stream table
// reading it must be in the catalog already).
void ensure_capture(const dvm::SourceTable& table);

// After ALTER TABLE of a captured source: the capture function follows column
// renames and drops; a captured column's type change also retypes the buffer
// column and makes the next refreshes FULL.
void sync_capture_with_source(Oid relid);

// Whether a captured table's changes all reach its buffer: every partition /
// child of it (at any depth) has its capture triggers, and, when it is a
// partition or child itself, it is captured row by row. False when the
// hierarchy changed without the DDL event trigger seeing it (the refresh is
// then FULL).
bool hierarchy_captured(Oid root);

// Before DROP TABLE of relid: when it (or a partition / child of it) is a
// member of a captured table's hierarchy, its rows leave that buffer as
// deletes now, while they can still be read (else the readers' next refresh
// would have to be FULL).
void capture_rows_leaving_by_drop(Oid relid);

// The ProcessUtility hook that calls it (installed by _PG_init).
void install_member_drop_hook();


// Errors (2BP01, naming the stream tables) unless the four capture triggers
// of a captured source exist and fire ALWAYS: dropping or disabling them
// would make refreshes miss changes silently.
void check_capture_triggers(Oid relid);

// Removes buffers, triggers and capture functions of tables that no
// DIFFERENTIAL stream table reads any more (or that were dropped), and
// brings every remaining buffer's grants in line with its readers.
void drop_unused_capture();

// Rows of `relid`'s buffer consumed by every stream table reading it are
// deleted; a large buffer that is fully consumed (and that no writer holds) is
// truncated instead.
void clean_consumed_changes(Oid relid);

// The oid of `relid`'s change buffer (InvalidOid without one).
Oid change_buffer_oid(Oid relid);

// The size of `relid`'s change buffer in blocks (0 without one).
int64_t change_buffer_blocks(Oid relid);

// The most rows `relid`'s change buffer can hold at its size (live or not
// yet pruned): its blocks times the rows of the smallest size a block holds
// (a transaction id and a weight after the tuple header: 185 in 8 kB). What
// is counted only when it may exceed a limit is not counted below this.
int64_t change_buffer_row_bound(Oid relid);

// Every buffer holds one sentinel row (dvm::kBufferSentinelXid). An UNLOGGED
// buffer loses it, with every change, in a crash or a failover.
// For each given source (all captured sources when empty) whose buffer has
// lost its sentinel: every DIFFERENTIAL stream table reading it forgets its
// frontier (its next refresh is FULL: changes were lost), and the sentinel
// is put back. Returns the number of such buffers.
int recover_reset_buffers(const std::vector<Oid>& sources);

// A buffer of at least this many blocks whose rows are all consumed is
// emptied by TRUNCATE; below that, and while it holds unconsumed rows, the
// consumed ones are deleted. Deleted rows leave dead space that only VACUUM
// gives back, and every scan of the buffer (the pending check, the refresh's
// reading of changes, the cleanup) reads it until then: without a VACUUM the
// buffer would only grow. TRUNCATE gives the buffer a new file, though,
// which invalidates every cached plan that reads or writes it (the capture
// triggers' and the refreshes'), and each then pays its planning again; so
// it waits for this much dead space (measured with bench/).
constexpr int64_t kTruncateCleanupBlocks = 64;

}  // namespace pgt::cdc
