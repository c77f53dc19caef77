// Watermark groups as the scheduler sees them (the rule itself is SQL:
// pgtrickle._watermark_group_state(); the API is api/watermarks.cpp).
//
// A stream table reading a source of a group, directly or through other
// stream tables, is "guarded" by the group; it is "held" (not refreshed by
// the scheduler) while the group is not aligned or has a stuck source.
// Planning uses the state read at the tick; a scheduled refresh of a guarded
// table then takes pgt_watermarks in SHARE mode without waiting and checks
// again under its own snapshot. advance_watermark() writes that table, so
// no watermark moves while the refresh runs, and the refresh consumes the
// data of exactly the advances it saw (when loads and advances commit
// together, as the ETL recipes do).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "pg/pg_headers.h"

namespace pgt::scheduler {

struct WatermarkHold {
  std::string group;
  bool stuck = false;  // a source of the group was not advanced in time
};

struct StuckSource {
  std::string group;
  Oid source = InvalidOid;
  std::string source_name;
  double age_seconds = 0;
};

struct WatermarkState {
  std::set<Oid> guarded;                   // relations guarded by some group
  std::map<Oid, WatermarkHold> held;       // relations held now, and by which group
  std::vector<StuckSource> stuck;          // every stuck source of every group
};

// Callers hold an spi::Connection inside a transaction. Empty when the
// extension's SQL predates watermarks.
WatermarkState load_watermark_state();

// Inside a scheduled refresh: false when pgt_watermarks could not be locked
// at once (an advance is committing) or a group holds one of `relids` now.
bool watermarks_allow_refresh(const std::vector<Oid>& relids);

}  // namespace pgt::scheduler
