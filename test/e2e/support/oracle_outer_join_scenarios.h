// Outer-join shapes DIFFERENTIAL maintains incrementally: LEFT / RIGHT joins
// whose nullable side is one table (ON equalities, USING, extra conditions on
// the preserved side), FULL joins of two tables, chains and stars of outer
// joins, outer joins mixed with inner joins, and outer joins under GROUP BY
// and DISTINCT, with filters on the nullable side above the join (anti-join).
// Small key domains and NULL keys on both sides: partners appear and vanish
// often, so rows move between matched and NULL-padded all the time.
#pragma once

#include <vector>

#include "oracle_scenarios.h"

namespace pgt_e2e {

std::vector<OracleScenario> outer_join_oracle_scenarios();

}  // namespace pgt_e2e
