// The rows a MERGE inserted, updated and deleted, one by one.
//
// A MERGE reports only their sum (SPI_processed), and PostgreSQL 15 has no
// MERGE ... RETURNING to count them in SQL. The executor keeps the three
// counts in the statement's ModifyTableState until ExecutorEnd frees it: an
// ExecutorEnd hook copies them out for the statement a MergeCountCapture is
// waiting for.
#pragma once

#include <cstdint>

#include "pg/boundary.h"

namespace pgt::pg {

struct MergeCounts {
  int64_t inserted = 0;
  int64_t updated = 0;
  int64_t deleted = 0;
};

// Armed for the MERGEs into `target` that end while it lives (the last one
// wins). Captures nest: a refresh run from a trigger fired by the MERGE
// (before that MERGE's ExecutorEnd) arms its own and, when done, gives the
// outer one back.
class MergeCountCapture {
 public:
  explicit MergeCountCapture(Oid target);
  ~MergeCountCapture();
  MergeCountCapture(const MergeCountCapture&) = delete;
  MergeCountCapture& operator=(const MergeCountCapture&) = delete;

  // Whether a MERGE into the target ended, and its counts.
  bool seen() const;
  MergeCounts counts() const;

 private:
  // The capture this one replaced (plain data, see merge_counts.cpp).
  bool outer_armed_ = false;
  bool outer_seen_ = false;
  Oid outer_target_ = InvalidOid;
  MergeCounts outer_counts_;
};

// From _PG_init: installs the ExecutorEnd hook.
void install_merge_count_hook();

}  // namespace pgt::pg
