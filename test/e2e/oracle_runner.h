// The oracle loop: create a scenario's tables and stream table, then repeat
// (random DML batch in one transaction; refresh; oracle check), stopping at
// the first mismatch with the cycle, the batch and the seed in the message.
#pragma once

#include <cstdint>
#include <string>

#include "oracle_scenarios.h"
#include "pg_conn.h"

namespace pgt_e2e {

struct OracleRun {
  std::string refresh_mode = "FULL";
  int cycles = 200;  // PGT_ORACLE_CYCLES overrides (e.g. a long soak run)
  int min_statements = 1;
  int max_statements = 20;
};

void run_oracle_cycles(PgConn& conn, const OracleScenario& scenario, const OracleRun& run, std::uint64_t seed);

}  // namespace pgt_e2e
