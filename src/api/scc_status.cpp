// pgtrickle._stream_table_cycles(): the cycles of stream tables (strongly
// connected components with a cycle) as (scc_id, pgt_id) rows, for
// pgtrickle.pgt_scc_status(). A cycle is listed only when the caller may
// read every member (as pgt_stream_tables shows a row only to the roles
// that may read its stream table): its shape says what its members read.
#include "catalog/stream_table_cycles.h"
#include "common/strongly_connected.h"
#include "pg/boundary.h"
#include "pg/spi.h"

extern "C" {
#include "funcapi.h"
#include "utils/tuplestore.h"
}

using namespace pgt;

PGT_SQL_FUNCTION(pgt_stream_table_cycles) {
  pg::spi::Connection spi;
  catalog::StreamTableGraph g = catalog::stream_table_graph();
  std::vector<std::pair<int32_t, int64_t>> rows;
  int32_t scc_id = 0;
  for (const auto& cycle : cyclic_components(g.upstream)) {
    bool readable = true;
    for (int64_t id : cycle)
      readable = readable && pg::spi::scalar("SELECT pg_catalog.has_any_column_privilege($1::oid, 'SELECT')::text",
                                             {std::to_string(g.relid.at(id))}) == std::optional<std::string>("true");
    if (!readable) continue;
    scc_id++;  // 1, 2, ... over the cycles shown (a gap would tell of a hidden one)
    for (int64_t id : cycle) rows.emplace_back(scc_id, id);
  }
  pg::guard([&] {
    InitMaterializedSRF(fcinfo, 0);
    auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    for (const auto& [scc, id] : rows) {
      Datum values[2] = {Int32GetDatum(scc), Int64GetDatum(id)};
      bool nulls[2] = {false, false};
      tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    }
  });
  return static_cast<Datum>(0);
}
