// Semi-join and anti-join shapes DIFFERENTIAL maintains incrementally:
// EXISTS / NOT EXISTS (one table, correlated by equalities), IN (subquery),
// NOT IN over NOT NULL columns, as conjuncts of the top-level WHERE — alone,
// with inner and left joins in the outer query, under GROUP BY and DISTINCT,
// and several of them in one WHERE. Small key domains, NULL keys and
// duplicate matches make a row's matches appear, multiply and vanish often.
#pragma once

#include <vector>

#include "oracle_scenarios.h"

namespace pgt_e2e {

std::vector<OracleScenario> semi_join_oracle_scenarios();

}  // namespace pgt_e2e
