// MERGE moving rows between partitions: see merge_row_movement.h.
//
// The hooks are plain C in spirit: the C++ work runs inside run_entry(), which
// turns any C++ exception into a PostgreSQL error after its frames are gone.
#include "cdc/merge_row_movement.h"

#include <map>
#include <string>
#include <vector>

#include "dvm/delta_sql.h"
#include "pg/boundary.h"
#include "pg/spi.h"
#include "pg/user_context.h"

extern "C" {
#include "access/relation.h"
#include "access/table.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "commands/extension.h"
#include "executor/executor.h"
#include "nodes/plannodes.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "utils/lsyscache.h"
#include "utils/partcache.h"
#include "utils/rel.h"
}

namespace pgt::cdc {

namespace {

ExecutorStart_hook_type previous_start = nullptr;
ExecutorEnd_hook_type previous_end = nullptr;

// The running MERGEs that may move rows, and the table of each.
std::map<const QueryDesc*, Oid>& running() {
  static auto* merges = new std::map<const QueryDesc*, Oid>();  // never destroyed
  return *merges;
}

// What a MERGE into a table with pg_trickle's triggers needs (filled in C).
struct MergeTarget {
  Oid relid = InvalidOid;
  bool may_move = false;
  bool immediate = false;           // IMMEDIATE triggers on it
  List* statement_capture = NIL;    // roots whose buffers capture it per statement (oids)
};

// Whether the partition key of `relid` (columns, or columns an expression
// reads) includes a column named in `names`. Runs in guard().
bool key_reads(Oid relid, List* names) {
  Relation rel = relation_open(relid, AccessShareLock);
  PartitionKey key = RelationGetPartitionKey(rel);
  bool reads = false;
  ListCell* expr = list_head(key->partexprs);
  for (int i = 0; i < key->partnatts && !reads; i++) {
    Bitmapset* attnos = nullptr;
    if (key->partattrs[i] != 0) {
      attnos = bms_make_singleton(key->partattrs[i] - FirstLowInvalidHeapAttributeNumber);
    } else {
      pull_varattnos(static_cast<Node*>(lfirst(expr)), 1, &attnos);
      expr = lnext(key->partexprs, expr);
    }
    int member = -1;
    while (!reads && (member = bms_next_member(attnos, member)) >= 0) {
      AttrNumber attnum = static_cast<AttrNumber>(member + FirstLowInvalidHeapAttributeNumber);
      if (attnum <= 0) {
        reads = true;  // a whole-row or system column: assume the worst
        break;
      }
      char* name = get_attname(relid, attnum, false);
      ListCell* lc;
      foreach (lc, names)
        if (strcmp(strVal(lfirst(lc)), name) == 0) reads = true;
    }
  }
  relation_close(rel, AccessShareLock);
  return reads;
}

// Reads the MERGE's target and decides (runs in guard()).
void inspect(PlannedStmt* stmt, MergeTarget* out) {
  if (stmt->commandType != CMD_MERGE || !IsA(stmt->planTree, ModifyTable)) return;
  auto* mt = castNode(ModifyTable, stmt->planTree);
  if (mt->mergeActionLists == NIL || mt->resultRelations == NIL) return;
  // The table the MERGE names (the root of the partitions it writes), and
  // the relation whose attribute numbers the first action list uses.
  Index named = mt->rootRelation != 0 ? mt->rootRelation : static_cast<Index>(linitial_int(mt->resultRelations));
  Oid target = rt_fetch(named, stmt->rtable)->relid;
  Oid first = rt_fetch(linitial_int(mt->resultRelations), stmt->rtable)->relid;
  if (get_rel_relkind(target) != RELKIND_PARTITIONED_TABLE) return;
  if (!OidIsValid(get_extension_oid("pg_trickle", true))) return;
  // pg_trickle's statement triggers on it.
  Relation rel = relation_open(target, AccessShareLock);
  TriggerDesc* triggers = rel->trigdesc;
  for (int i = 0; triggers != nullptr && i < triggers->numtriggers; i++) {
    const Trigger& t = triggers->triggers[i];
    if (TRIGGER_FOR_ROW(t.tgtype)) continue;
    if (strncmp(t.tgname, "pgt_ivm_", 8) == 0) out->immediate = true;
    if (strcmp(t.tgname, "pgt_cdc_upd") == 0) out->statement_capture = lappend_oid(out->statement_capture, target);
    if (strncmp(t.tgname, "pgt_cdc_upd_", 12) == 0)
      out->statement_capture = lappend_oid(out->statement_capture, static_cast<Oid>(strtoul(t.tgname + 12, nullptr, 10)));
  }
  relation_close(rel, AccessShareLock);
  if (!out->immediate && out->statement_capture == NIL) return;
  // The columns its UPDATE actions set.
  List* updated = NIL;
  ListCell* lc;
  foreach (lc, static_cast<List*>(linitial(mt->mergeActionLists))) {
    auto* action = static_cast<MergeAction*>(lfirst(lc));
    if (action->commandType != CMD_UPDATE) continue;
    ListCell* col;
    foreach (col, action->updateColnos)
      updated = lappend(updated, makeString(get_attname(first, static_cast<AttrNumber>(lfirst_int(col)), false)));
  }
  if (updated == NIL) return;
  // Rows move when a partition key anywhere in the tree changes.
  foreach (lc, find_all_inheritors(target, AccessShareLock, nullptr)) {
    Oid relid = lfirst_oid(lc);
    if (get_rel_relkind(relid) == RELKIND_PARTITIONED_TABLE && key_reads(relid, updated)) {
      out->may_move = true;
      break;
    }
  }
  out->relid = target;
}

void executor_start(QueryDesc* query, int eflags) {
  if (query->plannedstmt->commandType == CMD_MERGE && !(eflags & EXEC_FLAG_EXPLAIN_ONLY)) {
    PlannedStmt* stmt = query->plannedstmt;
    pg::run_entry([stmt, query]() -> Datum {
      MergeTarget target;
      pg::guard([&] { inspect(stmt, &target); });
      if (!target.may_move) return 0;
      std::vector<Oid> roots;
      ListCell* lc;
      foreach (lc, target.statement_capture) roots.push_back(lfirst_oid(lc));
      if (!roots.empty()) {
        // The next refresh of every reader recomputes (a marker: see
        // pending_changes.h), as after a TRUNCATE.
        pg::spi::Connection spi;
        pg::AsRole as_owner(pg::catalog_owner(), false);
        for (Oid root : roots) pg::spi::exec("INSERT INTO " + dvm::change_buffer_name(root) + " (__pgt_w) VALUES (0)");
      }
      if (target.immediate) running()[query] = target.relid;
      return 0;
    });
  }
  if (previous_start)
    previous_start(query, eflags);
  else
    standard_ExecutorStart(query, eflags);
}

void executor_end(QueryDesc* query) {
  if (!running().empty()) running().erase(query);
  if (previous_end)
    previous_end(query);
  else
    standard_ExecutorEnd(query);
}

}  // namespace

void install_merge_row_movement_hooks() {
  previous_start = ExecutorStart_hook;
  ExecutorStart_hook = executor_start;
  previous_end = ExecutorEnd_hook;
  ExecutorEnd_hook = executor_end;
}

bool merge_may_move_rows(Oid relid) {
  for (const auto& [query, table] : running())
    if (table == relid) return true;
  return false;
}

void forget_running_merges() { running().clear(); }

}  // namespace pgt::cdc
