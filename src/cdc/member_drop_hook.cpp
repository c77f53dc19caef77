// The ProcessUtility hook of DROP TABLE of a captured table's partition or
// child: see change_capture.h (capture_rows_leaving_by_drop); and of
// TRUNCATE of a source of an ON COMMIT stream table
// (commit_triggers.h, fire_commit_events_before_truncate).
//
// The hook itself is plain C in spirit: the C++ work runs inside
// run_entry(), which turns any C++ exception into a PostgreSQL error after
// its frames are gone; no C++ object lives in the hook's own frame.
#include "cdc/change_capture.h"
#include "cdc/commit_triggers.h"
#include "cdc/immediate_triggers.h"

#include "pg/boundary.h"
#include "pg/spi.h"

extern "C" {
#include "catalog/namespace.h"
#include "commands/extension.h"
#include "nodes/parsenodes.h"
#include "tcop/utility.h"
}

namespace pgt::cdc {

namespace {

ProcessUtility_hook_type previous_hook = nullptr;

// The tables a DROP TABLE names (InvalidOid for those that do not exist).
List* dropped_tables(DropStmt* drop) {
  List* relids = NIL;
  ListCell* lc;
  foreach (lc, drop->objects) {
    RangeVar* rv = makeRangeVarFromNameList(static_cast<List*>(lfirst(lc)));
    Oid relid = RangeVarGetRelid(rv, NoLock, true);
    if (OidIsValid(relid)) relids = lappend_oid(relids, relid);
  }
  return relids;
}

void process_utility(PlannedStmt* pstmt, const char* query, bool read_only_tree, ProcessUtilityContext context,
                     ParamListInfo params, QueryEnvironment* env, DestReceiver* dest, QueryCompletion* qc) {
  Node* stmt = pstmt->utilityStmt;
  if (IsA(stmt, DropStmt) && castNode(DropStmt, stmt)->removeType == OBJECT_TABLE &&
      OidIsValid(get_extension_oid("pg_trickle", true)) && !running_capture_ddl()) {
    List* relids = dropped_tables(castNode(DropStmt, stmt));
    if (relids != NIL)
      pg::run_entry([relids]() -> Datum {
        pg::spi::Connection spi;
        ListCell* lc;
        foreach (lc, relids) {
          capture_rows_leaving_by_drop(lfirst_oid(lc));
          note_member_drop(lfirst_oid(lc));
        }
        return 0;
      });
  }
  // TRUNCATE of a source of an ON COMMIT stream table (commit_triggers.h).
  if (IsA(stmt, TruncateStmt) && OidIsValid(get_extension_oid("pg_trickle", true)) && !running_capture_ddl()) {
    List* relids = NIL;
    ListCell* lc;
    foreach (lc, castNode(TruncateStmt, stmt)->relations) {
      Oid relid = RangeVarGetRelid(static_cast<RangeVar*>(lfirst(lc)), NoLock, true);
      if (OidIsValid(relid)) relids = lappend_oid(relids, relid);
    }
    if (relids != NIL)
      pg::run_entry([relids]() -> Datum {
        pg::spi::Connection spi;
        ListCell* cell;
        foreach (cell, relids) fire_commit_events_before_truncate(lfirst_oid(cell));
        return 0;
      });
  }
  if (previous_hook)
    previous_hook(pstmt, query, read_only_tree, context, params, env, dest, qc);
  else
    standard_ProcessUtility(pstmt, query, read_only_tree, context, params, env, dest, qc);
}

}  // namespace

void install_member_drop_hook() {
  previous_hook = ProcessUtility_hook;
  ProcessUtility_hook = process_utility;
}

}  // namespace pgt::cdc
