// What a change buffer holds for one reader: unconsumed changes, an
// unconsumed TRUNCATE marker, and whether its sentinel is there.
//
// The same answers as dvm::pending_changes_sql (stored in the catalog for
// inspection), read in C: every DIFFERENTIAL refresh asks, and a query would
// be analyzed and planned again after each ANALYZE of the buffer, which costs
// more than the answer. Changes: a read of the buffer up to the first
// unconsumed one; markers and sentinel: the buffer's partial index on
// __pgt_w = 0 (a full read for a buffer without it).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pg/pg_headers.h"

extern "C" {
#include "utils/snapshot.h"
}

namespace pgt::cdc {

// A reader's frontier: the changes it consumed (see sql/ for meanings);
// nullopt parts are NULL.
struct ConsumedFrontier {
  std::optional<std::string> snapshot;  // pg_snapshot text
  std::optional<std::string> own_xid;   // xid8 text
  std::optional<std::string> own_cid;   // bigint text
};

struct BufferPending {
  bool changes = false;   // an unconsumed change
  bool marker = false;    // an unconsumed TRUNCATE marker
  bool sentinel = false;  // the sentinel row (gone after a crash emptied the unlogged buffer)
  // An unconsumed retraction (a delete, the old row of an update): looked
  // for only when asked (it reads every unconsumed change).
  bool retractions = false;
};

// Per source (its buffer pgtrickle_changes.changes_<relid>), as `snapshot` sees it.
std::vector<BufferPending> read_pending_changes(const std::vector<Oid>& sources, const ConsumedFrontier& frontier,
                                                Snapshot snapshot, bool look_for_retractions = false);

}  // namespace pgt::cdc
