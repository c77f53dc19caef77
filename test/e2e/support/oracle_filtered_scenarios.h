// Aggregates under a WHERE that rejects part of every batch: scalar and
// grouped, each maintenance strategy (algebraic COUNT / SUM / AVG over int and
// numeric(12,2); MIN / MAX with and without an index to probe; group rescan
// for sum over numeric without typmod, string_agg, bool_and, count(DISTINCT),
// HAVING), with and without FILTER, over keyed and keyless sources; a
// DISTINCT, and joins filtered on one side only. Each scenario's filtered
// table declares the region its WHERE rejects (TableSpec::rejected), so that
// about a third of the batches change only rejected rows: changes that reach
// the refresh and must all vanish on the way (a scalar aggregate once became
// NULL after such a batch).
#pragma once

#include <vector>

#include "oracle_scenarios.h"

namespace pgt_e2e {

std::vector<OracleScenario> filtered_oracle_scenarios();

}  // namespace pgt_e2e
