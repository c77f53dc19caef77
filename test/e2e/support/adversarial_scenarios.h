// Query shapes for the adversarial DIFFERENTIAL oracle run (random DML via
// the oracle runner): expressions over joins, joins on expressions, cross
// joins, OR conditions, 5-way joins, one table joined three times, nested
// subqueries, views over joins, quoted / keyword / other-schema names,
// aliases that shadow source columns.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "oracle_scenarios.h"

namespace pgt_e2e {

struct AdversarialScenario {
  OracleScenario scenario;
  // Run before the scenario's tables are created (schemas they live in).
  std::vector<std::string> pre_sql = {};
  // Session settings for the run.
  std::vector<std::string> session_sql = {};
};

std::vector<AdversarialScenario> adversarial_oracle_scenarios();

void PrintTo(const AdversarialScenario& s, std::ostream* os);

}  // namespace pgt_e2e
