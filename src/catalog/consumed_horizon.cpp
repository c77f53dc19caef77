// The consumed horizon of a change buffer: see consumed_horizon.h.
#include "catalog/consumed_horizon.h"

#include "common/refresh_mode.h"

#include "pg/boundary.h"
#include "pg/index_lookup.h"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/transam.h"
#include "catalog/namespace.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/xid8.h"
}

namespace pgt::catalog {

namespace {

// The horizon, or none (see consumed_horizon). Plain C: runs under guard().
struct Horizon {
  bool known = false;
  uint64 xid = 0;
};

void read_horizon(Oid source_relid, Horizon* out) {
  Oid ns = get_namespace_oid("pgtrickle", false);
  Relation deps = table_open(get_relname_relid("pgt_dependencies", ns), AccessShareLock);
  Relation tables = table_open(get_relname_relid("pgt_stream_tables", ns), AccessShareLock);
  TupleDesc deps_desc = RelationGetDescr(deps), tables_desc = RelationGetDescr(tables);
  AttrNumber dep_source = get_attnum(RelationGetRelid(deps), "source_relid");
  AttrNumber dep_id = get_attnum(RelationGetRelid(deps), "pgt_id");
  AttrNumber table_id = get_attnum(RelationGetRelid(tables), "pgt_id");
  AttrNumber table_mode = get_attnum(RelationGetRelid(tables), "effective_refresh_mode");
  AttrNumber table_frontier = get_attnum(RelationGetRelid(tables), "frontier");
  // ON COMMIT IMMEDIATE tables read the buffers too (InvalidAttrNumber
  // before ALTER EXTENSION UPDATE: none exist).
  AttrNumber table_timing = get_attnum(RelationGetRelid(tables), "immediate_timing");
  Oid deps_index = pg::index_leading_with(deps, dep_source);
  Oid tables_index = pg::index_leading_with(tables, table_id);
  // As a statement would see them now: with this transaction's frontier update.
  Snapshot snapshot = pg::push_statement_snapshot();

  bool every_frontier = true, any = false;
  uint64 min_xmin = 0;
  ScanKeyData source_key;
  ScanKeyInit(&source_key, dep_source, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(source_relid));
  SysScanDesc deps_scan = systable_beginscan(deps, deps_index, OidIsValid(deps_index), snapshot, 1, &source_key);
  HeapTuple dep;
  while (every_frontier && HeapTupleIsValid(dep = systable_getnext(deps_scan))) {
    bool isnull;
    Datum id = heap_getattr(dep, dep_id, deps_desc, &isnull);
    if (isnull) continue;
    ScanKeyData id_key;
    ScanKeyInit(&id_key, table_id, BTEqualStrategyNumber, F_INT8EQ, id);
    SysScanDesc table_scan = systable_beginscan(tables, tables_index, OidIsValid(tables_index), snapshot, 1, &id_key);
    HeapTuple table = systable_getnext(table_scan);
    if (HeapTupleIsValid(table)) {
      Datum mode = heap_getattr(table, table_mode, tables_desc, &isnull);
      bool reads_buffers = !isnull && strcmp(TextDatumGetCString(mode), refresh_mode_name(RefreshMode::Differential)) == 0;
      if (!reads_buffers && table_timing != InvalidAttrNumber) {
        Datum timing = heap_getattr(table, table_timing, tables_desc, &isnull);
        reads_buffers = !isnull && strcmp(TextDatumGetCString(timing), "commit") == 0;
      }
      if (reads_buffers) {
        Datum frontier = heap_getattr(table, table_frontier, tables_desc, &isnull);
        if (isnull) {
          every_frontier = false;
        } else {
          uint64 xmin = U64FromFullTransactionId(
              DatumGetFullTransactionId(DirectFunctionCall1(pg_snapshot_xmin, frontier)));
          min_xmin = any ? Min(min_xmin, xmin) : xmin;
          any = true;
        }
      }
    }
    systable_endscan(table_scan);
  }
  systable_endscan(deps_scan);
  PopActiveSnapshot();
  table_close(tables, AccessShareLock);
  table_close(deps, AccessShareLock);
  out->known = every_frontier && any;
  out->xid = min_xmin;
}

}  // namespace

std::optional<std::string> consumed_horizon(Oid source_relid) {
  Horizon horizon;
  pg::guard([&] { read_horizon(source_relid, &horizon); });
  if (!horizon.known) return std::nullopt;
  return std::to_string(horizon.xid);
}

}  // namespace pgt::catalog
