// The oracle loop: create a scenario's tables and stream table, then repeat
// (random DML batch in one transaction; refresh; oracle check), stopping at
// the first mismatch with the cycle, the batch and the seed in the message.
// The session's settings apply (e.g. pg_trickle.differential_max_change_ratio).
//
// IMMEDIATE (refresh_mode "IMMEDIATE"): there is no refresh; the stream table
// must equal its query after every statement of the batch, inside the
// transaction, and again after the transaction ends: COMMIT, or, for a
// fraction (OracleRun::rollback_fraction) of the batches, ROLLBACK (the
// generators' models are restored then). With immediate_timing "commit", only
// after the transaction ends.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "oracle_scenarios.h"
#include "pg_conn.h"

namespace pgt_e2e {

struct OracleRun {
  std::string refresh_mode = "FULL";
  int cycles = 200;  // PGT_ORACLE_CYCLES overrides (e.g. a long soak run)
  int min_statements = 1;
  int max_statements = 20;
  // When not empty: the action pgtrickle.pgt_refresh_history records for
  // every refresh of the loop must be one of these (e.g. DIFFERENTIAL and
  // NO_DATA: proof the delta path, not a FULL fallback, kept the table right).
  std::vector<std::string> allowed_actions = {};
  // IMMEDIATE only: the share of batches that end in ROLLBACK.
  double rollback_fraction = 0.0;
  // IMMEDIATE only: "commit" makes the table ON COMMIT (alter_stream_table
  // immediate_timing): checked after each COMMIT / ROLLBACK only, since
  // inside the transaction it is not maintained yet.
  std::string immediate_timing = "statement";
};

// What an IMMEDIATE run did.
struct ImmediateRunStats {
  int committed = 0;
  int rolled_back = 0;
  int statements = 0;  // statements run (each followed by an oracle check)
};

// What the loop saw of focused batches (see random_batch; only scenarios
// with a rejected region have them).
struct FocusedBatchStats {
  int cycles = 0;   // cycles run
  int batches = 0;  // focused batches
  std::map<BatchKind, int> by_kind;
  // Focused batches whose refresh took the delta path (history action
  // DIFFERENTIAL, not NO_DATA: changes reached the refresh and were all
  // rejected on the way), and the first cycle with one.
  int differential = 0;
  int first_differential_cycle = 0;
};

// With `stats`, the refresh history is read after every focused batch.
// With `immediate`, an IMMEDIATE run's counts.
void run_oracle_cycles(PgConn& conn, const OracleScenario& scenario, const OracleRun& run, std::uint64_t seed,
                       FocusedBatchStats* stats = nullptr, ImmediateRunStats* immediate = nullptr);

}  // namespace pgt_e2e
