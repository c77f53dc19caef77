// Grouping shapes DIFFERENTIAL maintains incrementally: GROUP BY with
// algebraic aggregates (COUNT / SUM / AVG / MIN / MAX, hidden state columns)
// and with group-rescan aggregates (string_agg, array_agg, bool_and, json_agg,
// count(DISTINCT), FILTER, HAVING, expressions over aggregates), scalar
// aggregates (exactly one row, also over an empty table), SELECT DISTINCT,
// NULL and expression group keys, numeric and float keys whose equal values
// have different forms (1 / 1.00, -0 / 0), and grouping over inner joins and
// select-project-join subqueries in FROM.
#pragma once

#include <vector>

#include "oracle_scenarios.h"

namespace pgt_e2e {

std::vector<OracleScenario> grouped_oracle_scenarios();

}  // namespace pgt_e2e
