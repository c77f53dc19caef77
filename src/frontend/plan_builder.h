// Builds the maintenance plan of a defining query (dvm/maintenance_plan.h):
// the one place that decides how each part of a query is maintained.
//
//   build_maintenance_plan(query text)
//     parse, rewrite (views inlined), WITH inlined
//     constructs no part of a delta can follow (whole-row references,
//       time-dependent functions)        -> Unmaintainable
//     a grouping below another operator  -> PartitionRescan over the
//                                           select-project-join leaves
//     a grouping or deduplicating set
//       operation at the top             -> Grouping / SetOperation over its
//                                           select-project-join input
//     otherwise                          -> SelectProjectJoin
//   then every Unmaintainable node gets its HINT, and what the layers above
//   read (tables to capture, probes, ...) is gathered from the tree.
#pragma once

#include <string>

#include "dvm/delta_sql.h"
#include "dvm/maintenance_plan.h"

namespace pgt::frontend {

// normalized_sql: the stored defining query (fully qualified). Call with
// search_path pinned. source: where the generated SQL reads the changes
// (ChangeSource::None: no SQL, only the decisions and the tables read; the
// change buffers need not exist yet).
dvm::MaintenancePlan build_maintenance_plan(const std::string& normalized_sql, dvm::ChangeSource source);

// The HINT for a construct DIFFERENTIAL cannot maintain (the reason as an
// Unmaintainable node states it).
std::string unmaintainable_hint(const std::string& reason);

}  // namespace pgt::frontend
