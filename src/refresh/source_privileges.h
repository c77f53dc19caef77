// A stream table is maintained with the privileges of its owner: one who may
// no longer SELECT a column the maintenance reads (REVOKE) gets no more of
// its changes, exactly as a FULL refresh, which runs the query, would fail.
// (A change buffer is readable by the owner only for the columns it may
// read: cdc/buffer_grants.h; transition tables are not checked by
// PostgreSQL at all.)
#pragma once

#include <string>
#include <vector>

#include "catalog/stream_table_catalog.h"

namespace pgt::refresh {

// Errors (42501, with a HINT) when `owner` may not read one of the
// `read_columns[i]` of `sources[i]`.
void check_owner_can_read_sources(const catalog::StreamTable& st, Oid owner, const std::vector<Oid>& sources,
                                  const std::vector<std::vector<std::string>>& read_columns);

}  // namespace pgt::refresh
