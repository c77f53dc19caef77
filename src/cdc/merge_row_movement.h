// MERGE moving rows between partitions of a captured table.
//
// PostgreSQL 15 gives the statement triggers of a partitioned table empty
// transition tables for the rows a MERGE's UPDATE action moves to another
// partition (a plain UPDATE reports them). Capture at the root relies on
// those tables, so such a MERGE would be lost silently: to the change buffer
// (DIFFERENTIAL) and to the maintenance of IMMEDIATE stream tables.
//
// An ExecutorStart hook looks at every MERGE into a partitioned table that
// carries pg_trickle's triggers: when an UPDATE action sets a column of a
// partition key (of the table or of a partitioned partition below it), rows
// may move. Then a marker goes into each statement-level capture buffer (the
// next refresh of their readers is FULL), and, until the MERGE ends, IMMEDIATE
// maintenance treats the table as truncated (the stream table is
// recomputed in the statement).
#pragma once

#include "pg/pg_headers.h"

namespace pgt::cdc {

// The hooks (from _PG_init).
void install_merge_row_movement_hooks();

// Whether a MERGE running now may move rows of `relid` between partitions.
bool merge_may_move_rows(Oid relid);

// Forgets the running MERGEs (at transaction end: an aborted one never
// reached its ExecutorEnd).
void forget_running_merges();

}  // namespace pgt::cdc
