// Index reads of the extension's tables: see index_lookup.h.
#include "pg/index_lookup.h"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/tuptable.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
}

namespace pgt::pg {

Oid index_leading_with(Relation rel, AttrNumber attnum) {
  return first_index(rel, [attnum](HeapTuple, Form_pg_index form) {
    return form->indnatts >= 1 && form->indkey.values[0] == attnum;
  });
}

Snapshot push_statement_snapshot() {
  CommandCounterIncrement();
  PushCopiedSnapshot(GetTransactionSnapshot());
  UpdateActiveSnapshotCommandId();
  return GetActiveSnapshot();
}

Oid extension_table(const char* table) {
  return get_relname_relid(table, get_namespace_oid("pgtrickle", false));
}

HeapTuple fetch_row_by_key(Relation rel, AttrNumber attnum, Datum key, Snapshot snapshot) {
  Oid type = TupleDescAttr(RelationGetDescr(rel), attnum - 1)->atttypid;
  if (type != OIDOID && type != INT8OID)
    elog(ERROR, "pg_trickle: key column %d of \"%s\" is neither oid nor bigint", attnum, RelationGetRelationName(rel));
  Oid index = index_leading_with(rel, attnum);
  ScanKeyData scan_key;
  ScanKeyInit(&scan_key, attnum, BTEqualStrategyNumber, type == OIDOID ? F_OIDEQ : F_INT8EQ, key);
  SysScanDesc scan = systable_beginscan(rel, index, OidIsValid(index), snapshot, 1, &scan_key);
  HeapTuple tup = systable_getnext(scan);
  HeapTuple copy = HeapTupleIsValid(tup) ? heap_copytuple(tup) : NULL;
  systable_endscan(scan);
  return copy;
}

namespace {

// Locks `tid` FOR UPDATE (see lock_extension_row_by_oid) into `slot`;
// false when the row is gone. Plain PostgreSQL calls: for use under guard().
bool lock_row_for_update(Relation rel, ItemPointer tid, Snapshot snapshot, TupleTableSlot* slot) {
  // As ExecLockRows: follow the update chain only where each statement takes
  // a new snapshot.
  bool xact_snapshot = IsolationUsesXactSnapshot();
  TM_FailureData failure;
  TM_Result result = table_tuple_lock(rel, tid, snapshot, slot, GetCurrentCommandId(true), LockTupleExclusive,
                                      LockWaitBlock, xact_snapshot ? 0 : TUPLE_LOCK_FLAG_FIND_LAST_VERSION, &failure);
  switch (result) {
    case TM_Ok:
      return true;
    case TM_SelfModified:  // changed by a later command of this transaction: skipped, as FOR UPDATE does
      return false;
    case TM_Updated:
    case TM_Deleted:
      if (xact_snapshot)
        ereport(ERROR, (errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
                        errmsg("could not serialize access due to concurrent update")));
      if (result == TM_Deleted) return false;
      elog(ERROR, "pg_trickle: unexpected table_tuple_lock status %d", static_cast<int>(result));
      return false;
    default:
      elog(ERROR, "pg_trickle: unexpected table_tuple_lock status %d", static_cast<int>(result));
      return false;
  }
}

std::optional<spi::Row> read_extension_row(const char* table, const char* key_column, Datum key,
                                           const std::vector<std::string>& columns, bool for_update) {
  // Names and texts cross guard() as C strings.
  std::vector<const char*> names;
  for (const auto& c : columns) names.push_back(c.c_str());
  std::vector<char*> texts(columns.size(), nullptr);
  bool found = false;
  guard([&] {
    Relation rel = table_open(extension_table(table), for_update ? RowShareLock : AccessShareLock);
    TupleDesc desc = RelationGetDescr(rel);
    Snapshot snapshot = push_statement_snapshot();
    HeapTuple tup = fetch_row_by_key(rel, get_attnum(RelationGetRelid(rel), key_column), key, snapshot);
    TupleTableSlot* slot = NULL;
    if (tup != NULL && for_update) {
      slot = table_slot_create(rel, NULL);
      tup = lock_row_for_update(rel, &tup->t_self, snapshot, slot) ? ExecFetchSlotHeapTuple(slot, false, NULL) : NULL;
    }
    if (tup != NULL) {
      found = true;
      for (size_t i = 0; i < names.size(); i++) {
        if (names[i][0] == '\0') continue;
        AttrNumber attnum = get_attnum(RelationGetRelid(rel), names[i]);
        if (attnum == InvalidAttrNumber)
          elog(ERROR, "pg_trickle: column \"%s\" of pgtrickle.%s does not exist", names[i], table);
        bool isnull;
        Datum value = heap_getattr(tup, attnum, desc, &isnull);
        if (isnull) continue;
        Oid output;
        bool varlena;
        getTypeOutputInfo(TupleDescAttr(desc, attnum - 1)->atttypid, &output, &varlena);
        texts[i] = OidOutputFunctionCall(output, value);
      }
    }
    if (slot != NULL) ExecDropSingleTupleTableSlot(slot);
    PopActiveSnapshot();
    table_close(rel, NoLock);
  });
  if (!found) return std::nullopt;
  spi::Row row;
  for (char* t : texts) row.push_back(t ? spi::Value(t) : std::nullopt);
  return row;
}

}  // namespace

std::optional<spi::Row> extension_row_by_oid(const char* table, const char* key_column, Oid key,
                                             const std::vector<std::string>& columns) {
  return read_extension_row(table, key_column, ObjectIdGetDatum(key), columns, false);
}

std::optional<spi::Row> lock_extension_row_by_id(const char* table, const char* key_column, int64_t key,
                                                 const std::vector<std::string>& columns) {
  return read_extension_row(table, key_column, Int64GetDatum(key), columns, true);
}

}  // namespace pgt::pg
