// FULL refresh: recompute a stream table from its defining query.
#pragma once

#include <functional>

#include <string>

#include "catalog/stream_table_catalog.h"
#include "pg/boundary.h"

namespace pgt::refresh {

struct RefreshResult {
  int64_t rows_inserted = 0;
  int64_t rows_updated = 0;
  int64_t rows_deleted = 0;
};

// Locks the storage table (lockmode) and returns its owner; errors if it is gone.
Oid lock_storage_table(const catalog::StreamTable& st, int lockmode);

// TRUNCATE + INSERT ... SELECT in the caller's transaction, under an ACCESS
// EXCLUSIVE lock (readers wait, then see the new contents; never an empty
// table), running the query as the stream table's owner with search_path
// pinned. Records a history row and marks the stream table refreshed.
// initiated_by: MANUAL / SCHEDULER / INITIAL / ALTER / DDL (a source changed).
RefreshResult refresh_full(const catalog::StreamTable& st, const char* initiated_by,
                           const std::string& reason = "");

// Replaces every row of the stream table with those `insert_all` inserts
// (an INSERT ... SELECT of the whole result; returns the rows inserted), in
// the caller's transaction, which holds at least the table's ExclusiveLock,
// as the owner with an ApplyPermit. Never waits for readers: when nobody
// holds the table (an ACCESS EXCLUSIVE lock is free at once) it is
// truncated and, with rebuild_row_id_index, its identity index dropped and
// built again after the load (several times cheaper than maintaining it
// row by row); otherwise its rows are deleted, and readers keep reading
// the old contents until the transaction commits. swap_heap: insert_all
// loads the defining query (a FULL refresh), which may instead be written
// into a new heap that replaces the table's (refresh/heap_swap.h) when
// nobody holds it.
RefreshResult replace_rows(const catalog::StreamTable& st, const std::function<int64_t()>& insert_all,
                           bool rebuild_row_id_index = false, bool unique_row_id_index = false,
                           bool swap_heap = false);

// The history row of a recomputation (FULL, or REINITIALIZE when the table
// was marked for it, with that reason) that started at `started`.
void record_recompute(const catalog::StreamTable& st, const char* initiated_by, const std::string& reason,
                      int64_t started, const RefreshResult& rows);

// Rewords an error raised by a stream table's refresh statements for the user
// (names the stream table and, for privilege errors, the owner whose rights count).
void explain_refresh_error(const pg::PgError& e, const catalog::StreamTable& st, Oid owner);

}  // namespace pgt::refresh
