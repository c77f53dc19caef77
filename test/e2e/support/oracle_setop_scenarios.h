// Set-operation shapes DIFFERENTIAL maintains incrementally: UNION ALL of
// select-project-join branches (top level, nested, inside FROM subqueries
// under an aggregate or a join, self-unions, keyed and keyless sources),
// UNION (distinct, also over a tree whose root is UNION), and two-input
// INTERSECT / EXCEPT, with NULLs (equal in set operations) and small value
// domains so rows appear and vanish on both sides often.
#pragma once

#include <vector>

#include "oracle_scenarios.h"

namespace pgt_e2e {

std::vector<OracleScenario> setop_oracle_scenarios();

}  // namespace pgt_e2e
