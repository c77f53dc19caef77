// Grouping over a grouping, which DIFFERENTIAL maintains by partition rescan:
// a GROUP BY / aggregate / DISTINCT / UNION / INTERSECT / EXCEPT below another
// operator — HAVING over DISTINCT (also with an EXISTS inside), set
// operations of aggregates (EXCEPT, INTERSECT, UNION, UNION ALL, EXCEPT ALL,
// INTERSECT ALL; branches of different types, a constant branch), aggregates
// over set operations and over grouped subqueries (two and three levels, a
// view), filters and joins over aggregated subqueries (two or three
// aggregates on their key, a dimension table inner, LEFT and RIGHT joined, a
// table joined to its own per-key aggregate, the key from the nullable side
// of an outer join inside the subquery), DISTINCT over GROUP BY at one level,
// set operations of set operations, and shapes without a partition column
// (a scalar aggregate over a grouping, a grouping on an aggregate of the
// level below, FULL JOIN of aggregates, joins not on the key, a cross join
// with a total), which are recomputed whole. Partition columns of type int,
// text (values an array's text form must quote), char(n) and numeric (equal
// values of different forms: 1, 1.0, 1.00), NULL keys, keyed and keyless
// sources, and updates that move rows between partitions.
#pragma once

#include <vector>

#include "oracle_scenarios.h"

namespace pgt_e2e {

std::vector<OracleScenario> nested_grouping_oracle_scenarios();

}  // namespace pgt_e2e
