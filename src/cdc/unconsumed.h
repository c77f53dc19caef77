// Whether a buffered change is not yet consumed by a reader, and the SQL
// function pgtrickle._unconsumed() that every statement reading a buffer
// filters with.
//
// A change is consumed by a reader when its transaction is visible in the
// reader's frontier (a pg_snapshot), or when it is one of the reader's own
// earlier commands (its transaction id with a command id below the one
// recorded). The SQL function carries a planner support function: buffers
// hold almost only unconsumed changes (a refresh deletes what all readers
// consumed), so the filter keeps nearly every row, where the planner would
// guess a third for a function it knows nothing of and plan the delta for a
// third of its rows.
#pragma once

#include "pg/pg_headers.h"

namespace pgt::cdc {

// The reader's frontier; has_* false where the catalog holds NULL.
struct ReaderFrontier {
  bool has_snapshot = false;
  Datum snapshot = 0;  // pg_snapshot
  bool has_own_xid = false;
  uint64 own_xid = 0;
  bool has_own_cid = false;
  int64 own_cid = 0;
};

// Not consumed (see above); false without a frontier (the SQL form's NULL).
// Plain PostgreSQL calls: for use under guard().
bool change_unconsumed(const ReaderFrontier& frontier, uint64 xid, CommandId cmin);

// The selectivity the planner is given for the filter.
constexpr double kUnconsumedSelectivity = 0.9;

}  // namespace pgt::cdc
