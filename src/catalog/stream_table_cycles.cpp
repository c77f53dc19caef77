// Cycles of stream tables: see stream_table_cycles.h.
#include "catalog/stream_table_cycles.h"

#include <algorithm>
#include <string>

#include "common/strongly_connected.h"
#include "pg/spi.h"
#include "pg/user_context.h"

namespace pgt::catalog {

StreamTableGraph stream_table_graph() {
  pg::AsRole as_owner(pg::catalog_owner(), false);
  auto result = pg::spi::run(
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

std::vector<Oid> cycle_members(Oid relid) {
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
