// Single-row writes of the extension's tables: see row_write.h.
#include "pg/row_write.h"

#include "pg/boundary.h"
#include "pg/compat.h"
#include "pg/index_lookup.h"

extern "C" {
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "datatype/timestamp.h"
#include "executor/executor.h"
#include "executor/tuptable.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "rewrite/rewriteHandler.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
}

namespace pgt::pg {

ColumnValue ColumnValue::of_text(std::string column, std::string text) {
  ColumnValue v;
  v.column = std::move(column);
  v.kind = Kind::kText;
  v.text = std::move(text);
  return v;
}

ColumnValue ColumnValue::null(std::string column) {
  ColumnValue v;
  v.column = std::move(column);
  return v;
}

ColumnValue ColumnValue::of_timestamp(std::string column, int64_t unix_micros) {
  ColumnValue v;
  v.column = std::move(column);
  v.kind = Kind::kTimestamp;
  v.unix_micros = unix_micros;
  return v;
}

ColumnValue ColumnValue::transaction_start(std::string column) {
  ColumnValue v = null(std::move(column));
  v.kind = Kind::kTransactionStart;
  return v;
}

ColumnValue ColumnValue::clock(std::string column) {
  ColumnValue v = null(std::move(column));
  v.kind = Kind::kClock;
  return v;
}

ColumnValue ColumnValue::of_optional(std::string column, const std::optional<std::string>& text) {
  return text ? of_text(std::move(column), *text) : null(std::move(column));
}

namespace {

// A ColumnValue as plain C data, for use under guard().
struct PlainValue {
  const char* column;
  ColumnValue::Kind kind;
  const char* text;
  int64_t unix_micros;
  const char* unless_old;  // NULL: always set
};

std::vector<PlainValue> plain(const std::vector<ColumnValue>& values) {
  std::vector<PlainValue> out;
  for (const ColumnValue& v : values)
    out.push_back({v.column.c_str(), v.kind, v.text.c_str(), v.unix_micros,
                   v.unless_old.empty() ? nullptr : v.unless_old.c_str()});
  return out;
}

// The executor state of one row's write, set up as logical replication's
// apply sets it up. Everything allocated while it is open lives in its
// memory context. Plain PostgreSQL calls: for use under guard().
struct RowWrite {
  EState* estate;
  ResultRelInfo* target;
  MemoryContext caller_context;
};

// CHECK constraints of the extension's tables, planned once per session:
// the executor would parse (stringToNode) and plan each of them again for
// every row written through a new ResultRelInfo, which is most of the cost
// of recording a refresh. Keyed by the constraint's node text, which names
// every operator and function by oid: a changed constraint is a new entry.
// Plain C (PostgreSQL memory, for use under guard()).
struct PlannedCheck {
  char* ccbin;
  Expr* planned;
};
List* planned_checks = NIL;  // of PlannedCheck*, in planned_checks_context
MemoryContext planned_checks_context = NULL;

Expr* planned_check(const char* ccbin) {
  ListCell* lc;
  foreach (lc, planned_checks) {
    auto* entry = static_cast<PlannedCheck*>(lfirst(lc));
    if (strcmp(entry->ccbin, ccbin) == 0) return entry->planned;
  }
  if (planned_checks_context == NULL)
    planned_checks_context = AllocSetContextCreate(TopMemoryContext, "pg_trickle row_write checks",
                                                   ALLOCSET_SMALL_SIZES);
  MemoryContext caller = MemoryContextSwitchTo(planned_checks_context);
  auto* entry = static_cast<PlannedCheck*>(palloc(sizeof(PlannedCheck)));
  entry->ccbin = pstrdup(ccbin);
  entry->planned = expression_planner(static_cast<Expr*>(stringToNode(ccbin)));
  planned_checks = lappend(planned_checks, entry);
  MemoryContextSwitchTo(caller);
  return entry->planned;
}

// What ExecRelCheck would build on the first row (the same ExprStates, from
// the session's planned expressions), so that it builds nothing.
void prepare_checks(ResultRelInfo* target, EState* estate) {
  TupleConstr* constr = RelationGetDescr(target->ri_RelationDesc)->constr;
  if (constr == NULL || constr->num_check == 0) return;
  MemoryContext caller = MemoryContextSwitchTo(estate->es_query_cxt);
  target->ri_ConstraintExprs = static_cast<ExprState**>(palloc(constr->num_check * sizeof(ExprState*)));
  for (int i = 0; i < constr->num_check; i++)
    target->ri_ConstraintExprs[i] = ExecInitExpr(planned_check(constr->check[i].ccbin), NULL);
  MemoryContextSwitchTo(caller);
}

RowWrite begin_row_write(Relation rel, Snapshot snapshot) {
  RowWrite w;
  w.estate = CreateExecutorState();
  w.caller_context = MemoryContextSwitchTo(w.estate->es_query_cxt);
  RangeTblEntry* rte = makeNode(RangeTblEntry);
  rte->rtekind = RTE_RELATION;
  rte->relid = RelationGetRelid(rel);
  rte->relkind = rel->rd_rel->relkind;
  rte->rellockmode = RowExclusiveLock;
  pgt_exec_init_range_table(w.estate, list_make1(rte));
  w.target = makeNode(ResultRelInfo);
  InitResultRelInfo(w.target, rel, 1, NULL, 0);
  // Where ExecGetTriggerResultRel() finds it for AFTER triggers.
  w.estate->es_opened_result_relations = lappend(w.estate->es_opened_result_relations, w.target);
  w.estate->es_output_cid = GetCurrentCommandId(true);
  w.estate->es_snapshot = snapshot;
  ExecOpenIndices(w.target, false);
  prepare_checks(w.target, w.estate);
  AfterTriggerBeginQuery();
  return w;
}

void end_row_write(RowWrite& w) {
  AfterTriggerEndQuery(w.estate);
  ExecCloseIndices(w.target);
  ExecResetTupleTable(w.estate->es_tupleTable, false);
  MemoryContextSwitchTo(w.caller_context);
  FreeExecutorState(w.estate);
}

AttrNumber column_attnum(Relation rel, const char* column) {
  AttrNumber attnum = get_attnum(RelationGetRelid(rel), column);
  if (attnum == InvalidAttrNumber)
    elog(ERROR, "pg_trickle: column \"%s\" of %s does not exist", column, RelationGetRelationName(rel));
  return attnum;
}

// Sets the slot's column to `v` (the slot holds the old row, or defaults).
void set_column(Relation rel, TupleTableSlot* slot, const PlainValue& v) {
  int i = column_attnum(rel, v.column) - 1;
  Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), i);
  if (v.unless_old != NULL && !slot->tts_isnull[i]) {
    Oid output;
    bool varlena;
    getTypeOutputInfo(att->atttypid, &output, &varlena);
    if (strcmp(OidOutputFunctionCall(output, slot->tts_values[i]), v.unless_old) == 0) return;
  }
  slot->tts_isnull[i] = v.kind == ColumnValue::Kind::kNull;
  slot->tts_values[i] = 0;
  if (v.kind == ColumnValue::Kind::kText) {
    Oid input;
    Oid ioparam;
    getTypeInputInfo(att->atttypid, &input, &ioparam);
    slot->tts_values[i] = OidInputFunctionCall(input, const_cast<char*>(v.text), ioparam, att->atttypmod);
  } else if (v.kind != ColumnValue::Kind::kNull) {
    if (att->atttypid != TIMESTAMPTZOID)
      elog(ERROR, "pg_trickle: column \"%s\" of %s is not a timestamptz", v.column, RelationGetRelationName(rel));
    TimestampTz time = v.kind == ColumnValue::Kind::kTransactionStart ? GetCurrentTransactionStartTimestamp()
                       : v.kind == ColumnValue::Kind::kClock
                           ? GetCurrentTimestamp()
                           : v.unix_micros - (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;
    slot->tts_values[i] = TimestampTzGetDatum(time);
  }
}

}  // namespace

void insert_extension_row(const char* table, const std::vector<ColumnValue>& values) {
  std::vector<PlainValue> given = plain(values);
  guard([&] {
    Relation rel = table_open(extension_table(table), RowExclusiveLock);
    Snapshot snapshot = push_statement_snapshot();
    RowWrite w = begin_row_write(rel, snapshot);
    TupleDesc desc = RelationGetDescr(rel);
    TupleTableSlot* slot = ExecInitExtraTupleSlot(w.estate, desc, &TTSOpsVirtual);
    ExecClearTuple(slot);
    bool* is_given = static_cast<bool*>(palloc0(sizeof(bool) * desc->natts));
    for (const PlainValue& v : given) is_given[column_attnum(rel, v.column) - 1] = true;
    for (int i = 0; i < desc->natts; i++) {
      slot->tts_isnull[i] = true;
      slot->tts_values[i] = 0;
      if (is_given[i] || TupleDescAttr(desc, i)->attisdropped) continue;
      Node* default_expr = build_column_default(rel, i + 1);
      if (default_expr == NULL) continue;
      ExprState* state = ExecPrepareExpr(reinterpret_cast<Expr*>(default_expr), w.estate);
      slot->tts_values[i] = ExecEvalExpr(state, GetPerTupleExprContext(w.estate), &slot->tts_isnull[i]);
    }
    for (const PlainValue& v : given) set_column(rel, slot, v);
    ExecStoreVirtualTuple(slot);
    ExecSimpleRelationInsert(w.target, w.estate, slot);
    end_row_write(w);
    PopActiveSnapshot();
    table_close(rel, NoLock);
    CommandCounterIncrement();
  });
}

bool update_extension_row(const char* table, const char* key_column, int64_t key,
                          const std::vector<ColumnValue>& values) {
  std::vector<PlainValue> given = plain(values);
  bool found = false;
  guard([&] {
    Relation rel = table_open(extension_table(table), RowExclusiveLock);
    Snapshot snapshot = push_statement_snapshot();
    RowWrite w = begin_row_write(rel, snapshot);
    HeapTuple old = fetch_row_by_key(rel, column_attnum(rel, key_column), Int64GetDatum(key), snapshot);
    if (old != NULL) {
      found = true;
      TupleDesc desc = RelationGetDescr(rel);
      TupleTableSlot* old_slot = ExecInitExtraTupleSlot(w.estate, desc, &TTSOpsHeapTuple);
      ExecStoreHeapTuple(old, old_slot, false);
      slot_getallattrs(old_slot);
      TupleTableSlot* new_slot = ExecInitExtraTupleSlot(w.estate, desc, &TTSOpsVirtual);
      ExecClearTuple(new_slot);
      memcpy(new_slot->tts_values, old_slot->tts_values, sizeof(Datum) * desc->natts);
      memcpy(new_slot->tts_isnull, old_slot->tts_isnull, sizeof(bool) * desc->natts);
      for (const PlainValue& v : given) set_column(rel, new_slot, v);
      ExecStoreVirtualTuple(new_slot);
      EPQState epq;
      pgt_eval_plan_qual_init(&epq, w.estate);
      ExecSimpleRelationUpdate(w.target, w.estate, &epq, old_slot, new_slot);
      EvalPlanQualEnd(&epq);
    }
    end_row_write(w);
    PopActiveSnapshot();
    table_close(rel, NoLock);
    CommandCounterIncrement();
  });
  return found;
}

}  // namespace pgt::pg
