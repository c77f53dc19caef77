// GROUPING SETS / CUBE / ROLLUP, rewritten into one plain grouping that the
// grouping machinery maintains per group.
//
// Every input row belongs to one group of each grouping set. The rewrite
// makes that explicit: the input becomes a UNION ALL with one branch per set
// (set number __pgt_gs, the grouping expressions of that set, NULL for the
// others, and every column the aggregates read), and the query groups it by
// (__pgt_gs, the masked expressions). GROUPING(...) becomes a CASE over the
// set number. The empty set () is one row even over an empty input (as a
// scalar aggregate is): a constant "anchor" row keeps that group alive, and
// every aggregate gets FILTER (WHERE NOT __pgt_anchor) so it never counts it.
//
//   SELECT a, b, sum(v) FROM t GROUP BY ROLLUP (a, b)
// becomes
//   SELECT u.__pgt_k1 AS a, u.__pgt_k2 AS b,
//          sum(u.__pgt_v1) FILTER (WHERE NOT u.__pgt_anchor) AS sum
//   FROM (SELECT 0 AS __pgt_gs, a AS __pgt_k1, b AS __pgt_k2, v AS __pgt_v1, false AS __pgt_anchor FROM t
//         UNION ALL SELECT 1, a, NULL, v, false FROM t
//         UNION ALL SELECT 2, NULL, NULL, v, false FROM t
//         UNION ALL SELECT 2, NULL, NULL, NULL, true) u
//   GROUP BY u.__pgt_gs, u.__pgt_k1, u.__pgt_k2
#pragma once

#include "frontend/query_rewrite.h"
#include "pg/pg_headers.h"

extern "C" {
#include "nodes/parsenodes.h"
}

namespace pgt::frontend {


// q: analyzed and rewritten, with q->groupingSets set. Call with search_path
// pinned (the text is deparsed).
QueryRewrite rewrite_grouping_sets(Query* q);

}  // namespace pgt::frontend
