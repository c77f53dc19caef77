// Frontier and source checks of a DIFFERENTIAL refresh: see refresh_frontier.h.
#include "refresh/refresh_frontier.h"

#include <algorithm>
#include <cstdlib>

#include "cdc/change_capture.h"
#include "pg/boundary.h"

extern "C" {
#include "access/htup_details.h"
#include "access/transam.h"
#include "access/xact.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "fmgr.h"
#include "utils/fmgrprotos.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
}

namespace pgt::refresh {

namespace {

// "xmin:xmax:xip,..." (the pg_snapshot text form).
struct SnapshotText {
  uint64_t xmin = 0, xmax = 0;
  std::vector<uint64_t> xip;

  static SnapshotText parse(const std::string& text) {
    SnapshotText s;
    const char* p = text.c_str();
    char* end = nullptr;
    s.xmin = std::strtoull(p, &end, 10);
    s.xmax = std::strtoull(end + 1, &end, 10);
    while (*end == ':' || *end == ',') {
      if (end[1] == '\0') break;
      s.xip.push_back(std::strtoull(end + 1, &end, 10));
    }
    return s;
  }
  bool sees(uint64_t xid) const {
    return xid < xmin || (xid < xmax && std::find(xip.begin(), xip.end(), xid) == xip.end());
  }
  std::string text() const {
    std::string out = std::to_string(xmin) + ":" + std::to_string(xmax) + ":";
    for (size_t i = 0; i < xip.size(); i++) out += (i ? "," : "") + std::to_string(xip[i]);
    return out;
  }
};

}  // namespace

SnapshotFrontier frontier_of(Snapshot snapshot) {
  std::string text;
  std::optional<uint64_t> me;
  pg::guard([&] {
    // pg_current_snapshot() widens the snapshot's xids to 64 bits with the
    // epoch; it reads the active snapshot.
    PushActiveSnapshot(snapshot);
    LOCAL_FCINFO(fcinfo, 0);
    InitFunctionCallInfoData(*fcinfo, nullptr, 0, InvalidOid, nullptr, nullptr);
    Datum snap = pg_current_snapshot(fcinfo);
    PopActiveSnapshot();
    text = DatumGetCString(DirectFunctionCall1(pg_snapshot_out, snap));
    FullTransactionId own = GetTopFullTransactionIdIfAny();
    if (FullTransactionIdIsValid(own)) me = U64FromFullTransactionId(own);
  });
  SnapshotFrontier out;
  out.snapshot = text;
  if (!me) return out;
  out.own_xid = std::to_string(*me);
  SnapshotText s = SnapshotText::parse(text);
  if (!s.sees(*me)) return out;
  s.xmin = std::min(s.xmin, *me);
  s.xip.push_back(*me);
  std::sort(s.xip.begin(), s.xip.end());
  out.snapshot = s.text();
  return out;
}

bool source_hierarchy_changed(const std::vector<Oid>& sources) {
  for (Oid relid : sources)
    if (!cdc::hierarchy_captured(relid)) return true;
  return false;
}

std::optional<double> analyzed_rows(Oid relid) {
  float4 tuples = 0;  // dropped: the refresh fails on it later
  pg::guard([&] {
    HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
    if (!HeapTupleIsValid(tuple)) return;
    tuples = reinterpret_cast<Form_pg_class>(GETSTRUCT(tuple))->reltuples;
    ReleaseSysCache(tuple);
  });
  if (tuples < 0) return std::nullopt;
  return tuples;
}

}  // namespace pgt::refresh
