// A FULL refresh the way REFRESH MATERIALIZED VIEW does it: the defining
// query is written into a new heap (bulk inserts, frozen rows, no index
// maintenance), which then replaces the stream table's storage; its indexes
// are rebuilt once, sorted. Several times cheaper than TRUNCATE + INSERT
// ... SELECT into an indexed table.
//
// Only where nothing is lost by skipping row-level work on the table: no
// trigger other than pg_trickle's own DML guard (a capture trigger of a
// stream table reading this one, a user's trigger, an IMMEDIATE reader's
// trigger would see nothing), not in a publication (logical decoding does
// not see a heap swap), no dropped column and no column the query does not
// fill; and only for a table of 64 pages or more (its last contents): below
// that a new heap and its index builds cost more than the inserts. The
// caller holds the table's ACCESS EXCLUSIVE lock (no reader).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "catalog/stream_table_catalog.h"

namespace pgt::refresh {

// Rows loaded, or nullopt when the table does not qualify (then nothing was
// done). Runs the query as the current role (the caller's owner context).
std::optional<int64_t> load_full_by_heap_swap(const catalog::StreamTable& st);

}  // namespace pgt::refresh
