// Refresh of a cycle of stream tables (a strongly connected component of
// the graph, accepted by api/cycle_check: every member DIFFERENTIAL over a
// monotone query) to its fixed point, in the caller's transaction.
//
// Members are refreshed in the given order (by pgt_id), round after round,
// until a round changes no member; each member's refresh consumes what the
// others wrote in the previous round (their capture, within this
// transaction: the frontier's (xid, cid) watermark). Monotone queries fed
// inserts only produce inserts only: this is semi-naive evaluation, and it
// reaches the least fixed point when the members start at or below it.
//
// Deletes cannot be iterated that way: a row the cycle derives from itself
// (reach(a, a) through a -> b -> a) would support itself after its base
// row is gone. So when any member's pending changes are more than inserts
// (a delete, an update, a TRUNCATE, ...), or a member has no frontier
// (new, redefined, marked for reinitialization), the cycle is recomputed
// from empty: every member emptied, then FULL refreshes round after round
// (each result contains the previous one, so a round whose row counts are
// unchanged changed nothing).
//
// After the last round every member has consumed what the others wrote
// (their frontiers' cid is moved past it): at the fixed point those writes
// changed nothing, and left unconsumed they would make the next tick
// refresh the cycle again (a FULL refresh's TRUNCATE marker would even
// make it recompute).
//
// More rounds than pg_trickle.max_fixpoint_iterations: CycleNotConverged.
#pragma once

#include <string>
#include <vector>

#include "catalog/stream_table_catalog.h"
#include "common/user_error.h"

namespace pgt::refresh {

class CycleNotConverged : public Error {
 public:
  using Error::Error;
};

struct CycleRefreshResult {
  int iterations = 0;
  bool recomputed = false;  // from empty (why: reason)
  std::string reason;
};

// members: the cycle's stream tables, in refresh order. initiated_by as for
// refresh_now (MANUAL / SCHEDULER / ALTER).
CycleRefreshResult refresh_cycle(const std::vector<catalog::StreamTable>& members, const char* initiated_by);

// "a, b, c": the members' names, for messages.
std::string cycle_names(const std::vector<catalog::StreamTable>& members);

}  // namespace pgt::refresh
