// Cycles of stream tables: see stream_table_cycles.h.
#include "catalog/stream_table_cycles.h"

#include <algorithm>
#include <string>

#include "common/strongly_connected.h"
#include "pg/index_lookup.h"
#include "pg/spi.h"
#include "pg/user_context.h"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
}

namespace pgt::catalog {

namespace {

// Whether stream table `pgt_id` reads a stream table (itself included),
// read in C through the indexes (pgt_dependencies by pgt_id,
// pgt_stream_tables by pgt_relid), every row whoever asks, as the
// statement would see them now. Plain C: runs under guard().
void read_reads_stream_table(int64_t pgt_id, bool* out) {
  Relation deps = table_open(pg::extension_table("pgt_dependencies"), AccessShareLock);
  Relation tables = table_open(pg::extension_table("pgt_stream_tables"), AccessShareLock);
  AttrNumber dep_id = get_attnum(RelationGetRelid(deps), "pgt_id");
  AttrNumber dep_source = get_attnum(RelationGetRelid(deps), "source_relid");
  AttrNumber table_relid = get_attnum(RelationGetRelid(tables), "pgt_relid");
  Oid deps_index = pg::index_leading_with(deps, dep_id);
  Snapshot snapshot = pg::push_statement_snapshot();
  ScanKeyData key;
  ScanKeyInit(&key, dep_id, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(pgt_id));
  SysScanDesc scan = systable_beginscan(deps, deps_index, OidIsValid(deps_index), snapshot, 1, &key);
  HeapTuple dep;
  bool found = false;
  while (!found && HeapTupleIsValid(dep = systable_getnext(scan))) {
    bool isnull;
    Datum source = heap_getattr(dep, dep_source, RelationGetDescr(deps), &isnull);
    if (isnull) continue;
    HeapTuple reader = pg::fetch_row_by_key(tables, table_relid, source, snapshot);
    if (reader != NULL) {
      found = true;
      heap_freetuple(reader);
    }
  }
  systable_endscan(scan);
  PopActiveSnapshot();
  table_close(tables, AccessShareLock);
  table_close(deps, AccessShareLock);
  *out = found;
}

}  // namespace

void read_read_by_stream_table(Oid relid, bool* out) {
  Relation deps = table_open(pg::extension_table("pgt_dependencies"), AccessShareLock);
  AttrNumber dep_source = get_attnum(RelationGetRelid(deps), "source_relid");
  Oid index = pg::index_leading_with(deps, dep_source);
  Snapshot snapshot = pg::push_statement_snapshot();
  ScanKeyData key;
  ScanKeyInit(&key, dep_source, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(relid));
  SysScanDesc scan = systable_beginscan(deps, index, OidIsValid(index), snapshot, 1, &key);
  *out = HeapTupleIsValid(systable_getnext(scan));
  systable_endscan(scan);
  PopActiveSnapshot();
  table_close(deps, AccessShareLock);
}

bool read_by_stream_table(Oid relid) {
  bool read = false;
  pg::guard([&] { read_read_by_stream_table(relid, &read); });
  return read;
}

bool reads_stream_table(int64_t pgt_id) {
  bool reads = false;
  pg::guard([&] { read_reads_stream_table(pgt_id, &reads); });
  return reads;
}

StreamTableGraph stream_table_graph() {
  pg::AsRole as_owner(pg::catalog_owner(), false);
  // Kept: planned once per session (a cycle's every refresh reads it).
  auto result = pg::spi::run_kept(
      "SELECT st.pgt_id, st.pgt_relid, src.pgt_id FROM pgtrickle.pgt_stream_tables st "
      "LEFT JOIN pgtrickle.pgt_dependencies d ON d.pgt_id = st.pgt_id "
      "LEFT JOIN pgtrickle.pgt_stream_tables src ON src.pgt_relid = d.source_relid");
  StreamTableGraph g;
  for (const auto& r : result.rows) {
    int64_t id = std::stoll(*r[0]);
    Oid relid = static_cast<Oid>(std::stoul(*r[1]));
    auto& ups = g.upstream[id];
    if (r[2]) ups.push_back(std::stoll(*r[2]));
    g.relid[id] = relid;
    g.pgt_id[relid] = id;
  }
  return g;
}

std::vector<Oid> cycle_members(int64_t pgt_id, Oid relid) {
  // Every manual refresh asks: the graph is read only for a table that
  // reads another stream table, the only kind that can be on a cycle.
  if (!reads_stream_table(pgt_id)) return {};
  StreamTableGraph g = stream_table_graph();
  auto self = g.pgt_id.find(relid);
  if (self == g.pgt_id.end()) return {};
  for (const auto& component : cyclic_components(g.upstream))
    if (std::find(component.begin(), component.end(), self->second) != component.end()) {
      std::vector<Oid> members;
      for (int64_t id : component) members.push_back(g.relid.at(id));
      return members;
    }
  return {};
}

void record_fixpoint(int64_t pgt_id, int iterations, bool recomputed) {
  pg::AsRole as_owner(pg::catalog_owner(), false);
  if (!pg::spi::scalar("SELECT pg_catalog.to_regclass('pgtrickle.pgt_fixpoint_state')")) return;
  pg::spi::run_kept(
      "INSERT INTO pgtrickle.pgt_fixpoint_state AS f (pgt_id, last_fixpoint_iterations, last_recomputed, "
      "last_converged_at) VALUES ($1::bigint, $2::int4, $3::bool, pg_catalog.now()) "
      "ON CONFLICT (pgt_id) DO UPDATE SET last_fixpoint_iterations = EXCLUDED.last_fixpoint_iterations, "
      "last_recomputed = EXCLUDED.last_recomputed, last_converged_at = EXCLUDED.last_converged_at",
      {std::to_string(pgt_id), std::to_string(iterations), recomputed ? "true" : "false"});
}

}  // namespace pgt::catalog
