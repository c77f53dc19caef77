// Unconsumed changes: see unconsumed.h.
#include "cdc/unconsumed.h"

#include "pg/boundary.h"

extern "C" {
#include "nodes/supportnodes.h"
#include "utils/fmgrprotos.h"
#include "utils/xid8.h"
}

namespace pgt::cdc {

bool change_unconsumed(const ReaderFrontier& frontier, uint64 xid, CommandId cmin) {
  if (!frontier.has_snapshot) return false;
  if (DatumGetBool(DirectFunctionCall2(pg_visible_in_snapshot,
                                       FullTransactionIdGetDatum(FullTransactionIdFromU64(xid)), frontier.snapshot)))
    return false;
  bool own_earlier = frontier.has_own_xid && frontier.has_own_cid && xid == frontier.own_xid &&
                     static_cast<int64>(cmin) < frontier.own_cid;
  return !own_earlier;
}

}  // namespace pgt::cdc

// pgtrickle._unconsumed(xid xid8, cmin cid, frontier pg_snapshot,
// own_xid xid8, own_cid bigint): called for every buffered row a refresh
// reads, so it stays plain: one guard around the snapshot test.
PGT_SQL_FUNCTION(pgt_unconsumed) {
  if (PG_ARGISNULL(0) || PG_ARGISNULL(1)) PG_RETURN_BOOL(false);
  pgt::cdc::ReaderFrontier frontier;
  frontier.has_snapshot = !PG_ARGISNULL(2);
  frontier.has_own_xid = !PG_ARGISNULL(3);
  frontier.has_own_cid = !PG_ARGISNULL(4);
  uint64 xid = U64FromFullTransactionId(PG_GETARG_FULLTRANSACTIONID(0));
  CommandId cmin = PG_GETARG_UINT32(1);
  bool unconsumed = false;
  pgt::pg::guard([&] {
    // (Inside guard: reading a toasted snapshot can fail.)
    if (frontier.has_snapshot) frontier.snapshot = PointerGetDatum(PG_DETOAST_DATUM(PG_GETARG_DATUM(2)));
    if (frontier.has_own_xid) frontier.own_xid = U64FromFullTransactionId(PG_GETARG_FULLTRANSACTIONID(3));
    if (frontier.has_own_cid) frontier.own_cid = PG_GETARG_INT64(4);
    unconsumed = pgt::cdc::change_unconsumed(frontier, xid, cmin);
  });
  PG_RETURN_BOOL(unconsumed);
}

// The planner support function of pgtrickle._unconsumed: its selectivity.
PGT_SQL_FUNCTION(pgt_unconsumed_support) {
  Node* request = reinterpret_cast<Node*>(PG_GETARG_POINTER(0));
  if (request != nullptr && IsA(request, SupportRequestSelectivity)) {
    auto* selectivity = reinterpret_cast<SupportRequestSelectivity*>(request);
    selectivity->selectivity = pgt::cdc::kUnconsumedSelectivity;
    PG_RETURN_POINTER(selectivity);
  }
  PG_RETURN_POINTER(nullptr);
}
