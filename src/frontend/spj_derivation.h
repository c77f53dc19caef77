// The maintenance of select-project-join queries: the SelectProjectJoin node
// of a maintenance plan (dvm/maintenance_plan.h) with its delta terms.
//
// A select-project-join over tables (any nesting of FROM subqueries, inner
// joins, WHERE, expressions, UNION ALL) is multilinear in the tables it
// scans, and its delta is sum over nonempty S of (-1)^(|S|+1) Q[S <- delta]
// (see dvm/delta_sql.h). Each term is made by replacing, in a copy of the
// Query tree, the scanned tables in S with a read of their change buffer and
// the others with a read of the table, each exposing a row identity
// (__pgt_id) and a multiplicity (__pgt_w) that are combined up the tree;
// PostgreSQL's own deparser then turns the tree into SQL text. Outer joins
// are first expanded into signed inner-join variants
// (frontend/outer_join_expansion.h).
#pragma once

#include <vector>

#include "common/output_column.h"
#include "dvm/delta_sql.h"
#include "dvm/delta_sql.h"
#include "dvm/maintenance_plan.h"
#include "pg/pg_headers.h"

extern "C" {
#include "nodes/parsenodes.h"
}

namespace pgt::frontend {

// Scans beyond this many make the term count (2^n - 1) too large.
constexpr int kMaxDifferentialScans = 8;

// q: analyzed, rewritten, WITH inlined. The SelectProjectJoin node with its
// Scan / WatchedTable / OuterJoinExpansion children, or an Unmaintainable
// node saying which construct is not select-project-join. source: where the
// terms read the changes; with ChangeSource::None no SQL, only the checks
// and the tables (the change buffers need not exist yet).
dvm::PlanNode plan_select_project_join(Query* q, dvm::ChangeSource source);

// The query's visible output columns (and whether their types have equality).
std::vector<OutputColumn> visible_columns(Query* q);

}  // namespace pgt::frontend
