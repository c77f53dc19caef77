// Functions in FROM, LATERAL over a table's columns or constant: unnest of
// an int[] (duplicates, empty and NULL arrays), jsonb_array_elements,
// generate_series over a column (NULL and 0 give no rows), ROWS FROM, WITH
// ORDINALITY, a function joined next to a table and under a grouping, a
// constant series in a join condition; VALUES lists (duplicate rows) joined
// and grouped; set-returning functions in the select list (in lockstep,
// inside an expression); a LATERAL subquery that is select-project-join;
// keyed and keyless sources. Each term
// of the delta keeps the function over the rows it reads; a row's identity
// includes its number among the function's rows.
#pragma once

#include <vector>

#include "oracle_scenarios.h"

namespace pgt_e2e {

std::vector<OracleScenario> lateral_oracle_scenarios();

}  // namespace pgt_e2e
