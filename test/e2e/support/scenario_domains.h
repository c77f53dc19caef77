// The value domains the oracle and adversarial scenarios draw from. Small on
// purpose (table_spec.h): duplicates, join partners that come and go, groups
// that vanish and come back.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "table_spec.h"

namespace pgt_e2e {

// A key column drawing unique values from [1, hi]: dimension tables use a
// small range, so deleted keys come back and join partners appear and
// disappear.
inline ColumnSpec key(std::int64_t hi) { return ColumnSpec::integer("id", 1, hi); }

inline const std::vector<std::string> kWords{"alpha", "beta", "gamma", "o'brien", ""};
inline const std::vector<std::string> kCased{"Alpha", "alpha", "ALPHA", "beta", "Beta", "gamma", ""};
inline const std::vector<std::string> kRegions{"north", "south", "east", "west"};

// Setup for scenarios joining several tables: without statistics the planner
// joins the 2^n - 1 terms of a many-scan delta badly enough to take seconds
// per refresh on tables of a hundred rows.
inline const std::vector<std::string> kAnalyze{"ANALYZE"};

}  // namespace pgt_e2e
