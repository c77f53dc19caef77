// IMMEDIATE stream tables: maintained inside the statement that changes a
// table they read, in the writing transaction.
//
// The triggers (cdc/immediate_triggers.h) call pgtrickle._immediate_maintenance:
//  BEFORE each statement on a source: the stream table's ExclusiveLock (held
//    to the end of the transaction: writers of its sources serialize, readers
//    go on), and under REPEATABLE READ the check that no writer committed
//    since this transaction's snapshot (immediate_conflicts.h);
//  AFTER each statement: its transition tables are kept; when the last
//    statement trigger of the statement fires (a data-modifying WITH, a
//    cascade, a trigger's own DML run statements within the statement), the
//    delta of every table changed is applied at once, with the same delta
//    rules as DIFFERENTIAL: the terms read the transition tables instead of
//    the change buffers (dvm::ChangeSource::TransitionTables), every other
//    table at its state after the statement. A TRUNCATE, or a change to a
//    table read by a subquery in an expression, recomputes the table.
// The maintenance runs as the stream table's owner (security-restricted),
// as a refresh does. It writes no history row and moves no frontier: the
// table is current after every statement.
#pragma once

#include "catalog/stream_table_catalog.h"
#include "refresh/full_refresh.h"

namespace pgt::refresh {

// Recomputes an IMMEDIATE stream table in this transaction (creation, a
// manual refresh, a change of mode), under its ExclusiveLock, with a history
// row (FULL, or REINITIALIZE).
RefreshResult recompute_immediate(const catalog::StreamTable& st, const char* initiated_by,
                                  const std::string& reason);

// Transaction and subtransaction callbacks (from _PG_init).
void register_immediate_callbacks();

}  // namespace pgt::refresh
