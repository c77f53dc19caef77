// Pending changes of change buffers, in C: see pending_changes.h.
#include "cdc/pending_changes.h"

#include "cdc/change_capture.h"
#include "cdc/unconsumed.h"
#include "common/user_error.h"
#include "dvm/delta_sql.h"
#include "pg/boundary.h"
#include "pg/index_lookup.h"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/transam.h"
#include "catalog/pg_index.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/xid8.h"
}

namespace pgt::cdc {

namespace {

// Plain C state for one buffer's read (runs under guard()).
struct Reader {
  ReaderFrontier frontier;
  uint64 sentinel_xid = 0;
};

bool unconsumed(const Reader& r, uint64 xid, HeapTupleHeader tuple) {
  return change_unconsumed(r.frontier, xid, HeapTupleHeaderGetRawCommandId(tuple));
}

// The buffer's partial index (on its TRUNCATE markers and sentinel), if any.
Oid marker_index(Relation rel) {
  return pg::first_index(rel, [](HeapTuple row, Form_pg_index) {
    return !heap_attisnull(row, Anum_pg_index_indpred, nullptr);
  });
}

void read_buffer(Oid buffer, const Reader& r, Snapshot snapshot, bool look_for_retractions, BufferPending* out) {
  Relation rel = table_open(buffer, AccessShareLock);
  TupleDesc desc = RelationGetDescr(rel);
  AttrNumber xid_att = get_attnum(buffer, "xid"), w_att = get_attnum(buffer, "__pgt_w");
  auto read = [&](HeapTuple tup, uint64* xid, int32* w) {
    bool isnull;
    *xid = U64FromFullTransactionId(DatumGetFullTransactionId(heap_getattr(tup, xid_att, desc, &isnull)));
    *w = DatumGetInt32(heap_getattr(tup, w_att, desc, &isnull));
  };
  uint64 xid;
  int32 w;
  // Changes: up to the first unconsumed one (with look_for_retractions: up
  // to the first unconsumed retraction, or the end).
  SysScanDesc scan = systable_beginscan(rel, InvalidOid, false, snapshot, 0, nullptr);
  HeapTuple tup;
  while (HeapTupleIsValid(tup = systable_getnext(scan))) {
    read(tup, &xid, &w);
    if (w == 0 || (out->changes && w > 0) || !unconsumed(r, xid, tup->t_data)) continue;
    out->changes = true;
    out->retractions = w < 0;
    if (!look_for_retractions || out->retractions) break;
  }
  systable_endscan(scan);
  // Markers and the sentinel (__pgt_w = 0): through the partial index.
  Oid index = marker_index(rel);
  scan = systable_beginscan(rel, index, OidIsValid(index), snapshot, 0, nullptr);
  while (!(out->marker && out->sentinel) && HeapTupleIsValid(tup = systable_getnext(scan))) {
    read(tup, &xid, &w);
    if (w != 0) continue;
    if (xid == r.sentinel_xid)
      out->sentinel = true;
    else
      out->marker = out->marker || unconsumed(r, xid, tup->t_data);
  }
  systable_endscan(scan);
  table_close(rel, AccessShareLock);
}

}  // namespace

std::vector<BufferPending> read_pending_changes(const std::vector<Oid>& sources, const ConsumedFrontier& frontier,
                                                Snapshot snapshot, bool look_for_retractions) {
  std::vector<BufferPending> out(sources.size());
  Reader r;
  r.frontier.has_own_xid = frontier.own_xid.has_value();
  if (r.frontier.has_own_xid) r.frontier.own_xid = std::stoull(*frontier.own_xid);
  r.frontier.has_own_cid = frontier.own_cid.has_value();
  if (r.frontier.has_own_cid) r.frontier.own_cid = std::stoll(*frontier.own_cid);
  r.sentinel_xid = std::stoull(dvm::kBufferSentinelXid);
  const char* frontier_text = frontier.snapshot ? frontier.snapshot->c_str() : nullptr;
  std::vector<Oid> buffers;
  for (Oid relid : sources) {
    Oid buffer = change_buffer_oid(relid);
    if (!OidIsValid(buffer))
      throw Error(sqlstate::kUndefinedTable,
                  "the change buffer of source table " + std::to_string(relid) + " does not exist", "",
                  "Drop the stream table with pgtrickle.drop_stream_table() and create it again.");
    buffers.push_back(buffer);
  }
  BufferPending* results = out.data();
  pg::guard([&] {
    r.frontier.has_snapshot = frontier_text != nullptr;
    if (r.frontier.has_snapshot)
      r.frontier.snapshot = DirectFunctionCall1(pg_snapshot_in, CStringGetDatum(frontier_text));
    for (size_t i = 0; i < buffers.size(); i++) read_buffer(buffers[i], r, snapshot, look_for_retractions, &results[i]);
  });
  return out;
}

}  // namespace pgt::cdc
