// Index reads of the extension's tables: see index_lookup.h.
#include "pg/index_lookup.h"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
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

std::optional<spi::Row> extension_row_by_oid(const char* table, const char* key_column, Oid key,
                                             const std::vector<std::string>& columns) {
  // Names and texts cross guard() as C strings.
  std::vector<const char*> names;
  for (const auto& c : columns) names.push_back(c.c_str());
  std::vector<char*> texts(columns.size(), nullptr);
  bool found = false;
  guard([&] {
    Relation rel = table_open(get_relname_relid(table, get_namespace_oid("pgtrickle", false)), AccessShareLock);
    TupleDesc desc = RelationGetDescr(rel);
    AttrNumber key_attnum = get_attnum(RelationGetRelid(rel), key_column);
    Oid index = index_leading_with(rel, key_attnum);
    Snapshot snapshot = push_statement_snapshot();
    ScanKeyData scan_key;
    ScanKeyInit(&scan_key, key_attnum, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(key));
    SysScanDesc scan = systable_beginscan(rel, index, OidIsValid(index), snapshot, 1, &scan_key);
    HeapTuple tup = systable_getnext(scan);
    if (HeapTupleIsValid(tup)) {
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
    systable_endscan(scan);
    PopActiveSnapshot();
    table_close(rel, AccessShareLock);
  });
  if (!found) return std::nullopt;
  spi::Row row;
  for (char* t : texts) row.push_back(t ? spi::Value(t) : std::nullopt);
  return row;
}

}  // namespace pgt::pg
