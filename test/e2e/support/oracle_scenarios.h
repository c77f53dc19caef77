// Query shapes checked by the oracle under random DML. A scenario is data
// (source tables, join links, defining query), so each refresh mode's test
// (FULL now; DIFFERENTIAL and IMMEDIATE later) runs the same list, and a new
// operator adds a scenario here instead of a new test.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "random_dml.h"
#include "table_spec.h"

namespace pgt_e2e {

struct OracleScenario {
  std::string name;  // a test name: letters, digits, '_'; the stream table is <name>_st
  std::vector<TableSpec> tables;
  std::vector<JoinLink> links;  // indexes into `tables`
  std::string query;
  // Run after the tables are created (views the query reads, ...).
  std::vector<std::string> setup_sql = {};
};

// Shapes every refresh mode must maintain exactly.
std::vector<OracleScenario> basic_oracle_scenarios();

// The select-project-join shapes DIFFERENTIAL maintains incrementally: scans
// of keyed and keyless tables, filters and expressions, inner joins (equi,
// non-equi, three-way, self, keyed with keyless), subqueries in FROM, views.
std::vector<OracleScenario> differential_oracle_scenarios();

// gtest prints a parameter with this (instead of its bytes).
void PrintTo(const OracleScenario& scenario, std::ostream* os);

}  // namespace pgt_e2e
