// GROUPING SETS, CUBE and ROLLUP, maintained as one grouping over a branch
// per set (frontend/grouping_sets.h): ROLLUP and CUBE of two keys with
// GROUPING(), explicit sets with the empty set and HAVING, keys that are
// expressions, over a join, without aggregates, a plain key next to a CUBE,
// duplicate empty sets; keyed and keyless sources, NULL keys (a NULL key
// and a rolled-up key differ only by GROUPING()), group-rescan aggregates
// (string_agg, count(DISTINCT)) and min / max; batches that empty a table
// (the empty set's row stays, with count 0).
#pragma once

#include <vector>

#include "oracle_scenarios.h"

namespace pgt_e2e {

std::vector<OracleScenario> grouping_sets_oracle_scenarios();

}  // namespace pgt_e2e
