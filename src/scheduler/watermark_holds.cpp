// See watermark_holds.h.
#include "scheduler/watermark_holds.h"

#include "pg/boundary.h"
#include "pg/spi.h"

extern "C" {
#include "catalog/namespace.h"
#include "storage/lmgr.h"
#include "utils/lsyscache.h"
}

namespace pgt::scheduler {

namespace {

Oid watermarks_relation() {
  Oid relid = InvalidOid;
  pg::guard([&] {
    Oid nsp = get_namespace_oid("pgtrickle", true);
    if (OidIsValid(nsp)) relid = get_relname_relid("pgt_watermarks", nsp);
  });
  return relid;
}

std::string oid_array(const std::vector<Oid>& relids) {
  std::string out = "{";
  for (size_t i = 0; i < relids.size(); i++) out += (i ? "," : "") + std::to_string(relids[i]);
  return out + "}";
}

}  // namespace

WatermarkState load_watermark_state() {
  WatermarkState state;
  if (!OidIsValid(watermarks_relation())) return state;
  for (const auto& r :
       pg::spi::run_kept("SELECT relid, group_name, holding, stuck FROM pgtrickle._watermark_readers() "
                    "ORDER BY stuck DESC, holding DESC, group_name")
           .rows) {
    Oid relid = static_cast<Oid>(std::stoul(*r[0]));
    state.guarded.insert(relid);
    if (r[2].value_or("f") == "t" && !state.held.count(relid))
      state.held[relid] = {*r[1], r[3].value_or("f") == "t"};
  }
  for (const auto& r : pg::spi::run_kept("SELECT s.group_name, u.relid, pg_catalog.format('%I.%I', n.nspname, c.relname), "
                                    "COALESCE(EXTRACT(EPOCH FROM pg_catalog.now() - w.updated_at), 0)::float8 "
                                    "FROM pgtrickle._watermark_group_state() s, "
                                    "pg_catalog.unnest(s.stuck_relids) AS u(relid) "
                                    "JOIN pg_catalog.pg_class c ON c.oid = u.relid "
                                    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                                    "LEFT JOIN pgtrickle.pgt_watermarks w ON w.source_relid = u.relid")
                           .rows)
    state.stuck.push_back({*r[0], static_cast<Oid>(std::stoul(*r[1])), r[2].value_or(""), std::stod(*r[3])});
  return state;
}

bool watermarks_allow_refresh(const std::vector<Oid>& relids) {
  Oid table = watermarks_relation();
  if (!OidIsValid(table)) return true;
  bool locked = false;
  pg::guard([&] { locked = ConditionalLockRelationOid(table, ShareLock); });
  if (!locked) return false;
  auto held = pg::spi::scalar_kept(
      "SELECT EXISTS (SELECT 1 FROM pgtrickle._watermark_readers() WHERE holding AND relid = ANY ($1::oid[]))",
      {oid_array(relids)});
  return held.value_or("t") == "f";
}

}  // namespace pgt::scheduler
