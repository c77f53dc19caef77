// Cycles of stream tables at the API: the check at create / alter time, and
// the refreshes by hand (refresh_stream_table, alter) that iterate a cycle.
//
// A definition that puts a
// stream table on a cycle is accepted only when every member of that cycle
// is maintained DIFFERENTIAL by a monotone query (its iteration only adds
// rows, so it reaches a fixed point: refresh/cycle_refresh.h), and, when
// the definition closes a new cycle, pg_trickle.allow_circular is on.
// Otherwise it is refused naming the cycle, the member and the construct.
#pragma once

#include <string>
#include <vector>

#include "catalog/stream_table_catalog.h"
#include "dvm/maintenance_plan.h"
#include "frontend/query_analysis.h"
#include "common/refresh_mode.h"
#include "pg/pg_headers.h"

namespace pgt::api {

// self_relid: the stream table being (re)defined (InvalidOid when creating:
// nothing reads a new table, so it closes no cycle). mode / plan: those of
// the new definition.
void check_cycle(Oid self_relid, const std::string& display_name,
                 const std::vector<frontend::SourceRelation>& sources, RefreshMode effective_mode,
                 const dvm::MaintenancePlan& plan);

// Refreshes st now (refresh::refresh_now); a member of a cycle brings its
// whole cycle to the fixed point instead (refresh::refresh_cycle). By hand
// (require_owners) that needs the current role to own every member, as
// refreshing each would; pg_trickle's own refreshes (following a source's
// DDL, after a restore) do not ask.
void refresh_stream_table_or_cycle(const catalog::StreamTable& st, const char* initiated_by,
                                   const std::string& reason = "", bool require_owners = true);

}  // namespace pgt::api
