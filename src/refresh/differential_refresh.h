// Refresh of a DIFFERENTIAL stream table: consume exactly the changes
// committed since the previous refresh's frontier and apply their delta, or
// recompute (FULL) when that is cheaper or required; NO_DATA when nothing
// changed.
#pragma once

#include "catalog/stream_table_catalog.h"
#include "refresh/full_refresh.h"

namespace pgt::refresh {

struct DifferentialOutcome {
  RefreshAction action;
  RefreshResult rows;
  std::string reason;  // why FULL, when it was
};

// why_full: the reason recorded when the refresh has to be FULL because there
// is no frontier yet (a new or redefined stream table), if the caller knows it.
// record_history false (the commit-time maintenance of an ON COMMIT
// IMMEDIATE table, refresh/commit_maintenance.h): only the frontier moves,
// no history row, unless the refresh reinitializes the table.
DifferentialOutcome refresh_differential(const catalog::StreamTable& st, const char* initiated_by,
                                         const std::string& why_full = "", bool record_history = true);

// Why the changes a DIFFERENTIAL refresh of st would consume now are more
// than inserts: a delete or an update's old row, a TRUNCATE marker, a change
// to a table read by a subquery, a buffer emptied by a crash, a source's
// hierarchy changed; "" when they are inserts only (or nothing). A cycle's
// iteration only adds rows; anything else makes it start from empty
// (refresh/cycle_refresh.h).
std::string pending_beyond_inserts(const catalog::StreamTable& st);

}  // namespace pgt::refresh
