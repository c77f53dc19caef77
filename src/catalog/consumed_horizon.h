// The consumed horizon of a change buffer: every change of a transaction
// below it has been consumed by every DIFFERENTIAL stream table reading the
// source, so its rows can go.
//
// Read in C from the catalog tables' indexes (pgt_dependencies by source,
// pgt_stream_tables by id) rather than by a query: the cleanup after every
// refresh needs it, and right after an ANALYZE a query over the two tables
// would be analyzed and planned again each time, which costs more than
// reading the few rows it needs.
#pragma once

#include <optional>
#include <string>

#include "pg/pg_headers.h"

namespace pgt::catalog {

// The smallest xmin of the frontiers of the DIFFERENTIAL stream tables that
// read `source_relid`, as xid8 text; nullopt when one of them has no frontier
// yet (or none reads it). Sees the current transaction's own catalog writes.
std::optional<std::string> consumed_horizon(Oid source_relid);

}  // namespace pgt::catalog
