// Cycles of stream tables at create / alter time: see cycles.h.
#include "api/cycles.h"

#include <algorithm>
#include <deque>
#include <map>

#include "catalog/stream_table_catalog.h"
#include "catalog/stream_table_cycles.h"
#include "common/strongly_connected.h"
#include "api/stream_table_lookup.h"
#include "common/sql_quote.h"
#include "common/user_error.h"
#include "frontend/plan_builder.h"
#include "pg/gucs.h"
#include "pg/search_path.h"
#include "pg/spi.h"
#include "refresh/cycle_refresh.h"
#include "refresh/refresh_runner.h"

namespace pgt::api {

namespace {

std::string relation_display_name(Oid relid) {
  auto name = pg::spi::scalar("SELECT $1::oid::pg_catalog.regclass::text", {std::to_string(relid)});
  return name.value_or(std::to_string(relid));
}

// "self -> a -> ... -> self", each reading the next: the shortest way back
// to the table through its new sources.
std::string cycle_path(Oid self_relid, const std::string& display_name,
                       const std::vector<frontend::SourceRelation>& sources) {
  std::map<Oid, Oid> reached_from;  // relid -> the relation downstream of it on the path
  std::deque<Oid> pending;
  for (const auto& s : sources)
    if (reached_from.emplace(s.relid, self_relid).second) pending.push_back(s.relid);
  while (!pending.empty()) {
    Oid relid = pending.front();
    pending.pop_front();
    if (relid == self_relid) {
      std::vector<Oid> readers;
      for (Oid r = reached_from[self_relid]; r != self_relid; r = reached_from[r]) readers.push_back(r);
      std::string path = display_name;
      for (auto it = readers.rbegin(); it != readers.rend(); ++it) path += " -> " + relation_display_name(*it);
      return path + " -> " + display_name;
    }
    for (Oid upstream : catalog::sources_of(relid))
      if (reached_from.emplace(upstream, relid).second) pending.push_back(upstream);
  }
  return display_name;
}

// Why a member cannot be on a cycle, or "".
std::string member_refused_because(RefreshMode mode, const dvm::MaintenancePlan& plan) {
  if (mode != RefreshMode::Differential)
    return std::string("it is maintained ") + refresh_mode_name(mode) + " (a cycle needs DIFFERENTIAL)";
  std::string construct = plan.not_monotone_because();
  return construct.empty() ? "" : "its query uses " + construct + ", which is not monotone";
}

}  // namespace

void check_cycle(Oid self_relid, const std::string& display_name,
                 const std::vector<frontend::SourceRelation>& sources, RefreshMode effective_mode,
                 const dvm::MaintenancePlan& plan) {
  if (!OidIsValid(self_relid)) return;
  catalog::StreamTableGraph g = catalog::stream_table_graph();
  auto self = g.pgt_id.find(self_relid);
  if (self == g.pgt_id.end()) return;
  auto component_of = [&](const std::map<int64_t, std::vector<int64_t>>& upstream) {
    for (const auto& c : cyclic_components(upstream))
      if (std::find(c.begin(), c.end(), self->second) != c.end()) return c;
    return std::vector<int64_t>{};
  };
  bool was_on_cycle = !component_of(g.upstream).empty();
  std::vector<int64_t> ups;
  for (const auto& s : sources) {
    auto it = g.pgt_id.find(s.relid);
    if (it != g.pgt_id.end()) ups.push_back(it->second);
  }
  g.upstream[self->second] = ups;
  std::vector<int64_t> cycle = component_of(g.upstream);
  if (cycle.empty()) return;

  std::string path = cycle_path(self_relid, display_name, sources);
  bool self_loop = cycle.size() == 1;
  std::string detail = "Dependency path (each reads the next): " + path + ".";
  if (self_loop)
    throw Error(sqlstate::kInvalidRecursion, "stream table \"" + display_name + "\" cannot read itself", detail,
                "A stream table must not depend on itself directly; a cycle through other stream tables can be "
                "allowed (pg_trickle.allow_circular).");

  // Every member, the new definition for this one.
  std::string refused_member, refused_because;
  for (int64_t id : cycle) {
    std::string because;
    std::string name;
    if (id == self->second) {
      name = display_name;
      because = member_refused_because(effective_mode, plan);
    } else {
      auto st = catalog::find_by_relid(g.relid.at(id));
      if (!st) continue;
      name = st->display_name();
      dvm::MaintenancePlan member_plan;
      if (st->differential()) {
        pg::PinnedSearchPath pinned;
        member_plan = frontend::build_maintenance_plan(st->defining_query, dvm::ChangeSource::None);
      }
      because = member_refused_because(st->effective_refresh_mode, member_plan);
    }
    if (!because.empty()) {
      refused_member = name;
      refused_because = because;
      break;
    }
  }
  const std::string monotone_only =
      "A cycle of stream tables is refreshed by iterating its members to a fixed point, which only monotone "
      "DIFFERENTIAL queries reach (scans, filters, inner joins, EXISTS, UNION [ALL], INTERSECT, DISTINCT; no "
      "aggregate, EXCEPT, outer join, NOT EXISTS, window or LIMIT).";
  if (!was_on_cycle && !guc::allow_circular) {
    // As without cycle support; the HINT says whether allowing it would do.
    std::string hint = "A stream table must not depend on itself through other stream tables.";
    hint += refused_member.empty()
                ? " The cycle is monotone: a superuser can set pg_trickle.allow_circular = on to maintain it "
                  "(refreshed to its fixed point)."
                : " (pg_trickle.allow_circular would not help: stream table \"" + refused_member + "\": " +
                      refused_because + ".)";
    throw Error(sqlstate::kInvalidRecursion, "defining query would create a cycle of stream tables", detail, hint);
  }
  if (!refused_member.empty())
    throw Error(sqlstate::kInvalidRecursion,
                "cycle of stream tables cannot be maintained: stream table \"" + refused_member + "\": " +
                    refused_because,
                detail, monotone_only + " Or break the cycle.");
}

void refresh_stream_table_or_cycle(const catalog::StreamTable& st, const char* initiated_by,
                                   const std::string& reason, bool require_owners) {
  std::vector<Oid> cycle = catalog::cycle_members(st.pgt_id, st.relid);
  if (cycle.empty()) {
    refresh::refresh_now(st, initiated_by, reason);
    return;
  }
  std::vector<catalog::StreamTable> members;
  for (Oid relid : cycle) {
    auto m = catalog::find_by_relid(relid);
    if (!m) continue;
    if (require_owners && m->relid != st.relid) require_owner(*m, "refresh the cycle of stream tables it is on");
    if (m->status == StreamTableStatus::Suspended)
      throw Error(sqlstate::kObjectNotInPrerequisiteState,
                  "stream table \"" + m->display_name() + "\" is suspended",
                  "It is on a cycle with \"" + st.display_name() + "\": the cycle is refreshed whole.",
                  "Resume it first: SELECT pgtrickle.alter_stream_table(" + quote_literal(m->display_name()) +
                      ", status => 'ACTIVE');");
    members.push_back(*m);
  }
  refresh::refresh_cycle(members, initiated_by);
}

}  // namespace pgt::api
