// What a DIFFERENTIAL refresh learns about its snapshot and its sources before
// reading any change, computed in C from the snapshot and the system caches:
// one SQL statement less per refresh (a refresh right after VACUUM or ANALYZE
// replans every statement it runs, so statements cost more than the work).
#pragma once

#include <optional>
#include <string>
#include <vector>

extern "C" {
#include "postgres.h"
#include "utils/snapshot.h"
}

namespace pgt::refresh {

struct SnapshotFrontier {
  // The snapshot as pg_snapshot text, with this transaction put back among the
  // in-progress ones when it is visible to it: PostgreSQL leaves the current
  // transaction out of its own snapshot, so as a frontier the snapshot would
  // count all of this transaction's changes as consumed, including those
  // written after the refresh. They are tracked by the (xid, cid) watermark.
  std::string snapshot;
  std::optional<std::string> own_xid;  // this transaction's id, when it has one
};

// Of the given (registered) snapshot.
SnapshotFrontier frontier_of(Snapshot snapshot);

// Whether a source's changes may not all reach its buffer (see
// cdc::hierarchy_captured): the refresh must then be FULL.
bool source_hierarchy_changed(const std::vector<Oid>& sources);

// Rows in the table per statistics; nullopt when it was never analyzed.
std::optional<double> analyzed_rows(Oid relid);

}  // namespace pgt::refresh
