// Runs the 22 TPC-H queries as stream tables over tpch_data's tables under
// refresh-function-style changes, checks every one with the oracle, and
// collects per query what happened (creation mode, refusal, history actions,
// failures), so a test can report each query as a test case of its own while
// the data are generated and changed once.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "pg_conn.h"
#include "tpch_data.h"
#include "tpch_queries.h"

namespace pgt_e2e {

// One round of changes: which parts run, in one transaction.
struct TpchRound {
  int number = 0;
  bool rf1 = false;
  bool rf2 = false;
  bool updates = false;
  bool churn = false;     // tpch_churn (includes its own RF1)
  bool rollback = false;  // IMMEDIATE only: end with ROLLBACK instead of COMMIT
  bool no_refresh = false;  // DIFFERENTIAL only: the next round's refresh sees both
};

struct TpchQueryOutcome {
  TpchQuery query;
  std::string requested_mode;   // DIFFERENTIAL or IMMEDIATE
  std::string created_mode;     // what the catalog says ("" if not created)
  std::string refusal;          // SQLSTATE and message of a refused creation
  long long rows_initial = -1;  // rows of the query over the generated data
  long long rows_final = -1;    // after the last round
  std::map<std::string, int> actions;        // MANUAL refreshes by history action
  int full_by_subquery = 0;     // FULL with the documented subquery reason
  int oracle_checks = 0;
  std::vector<std::string> failures;  // oracle mismatches, errors, wrong actions
};

struct TpchRunResult {
  std::vector<TpchQueryOutcome> queries;
  std::string fatal;  // an error outside any one query (load, change)
  double load_seconds = 0;
  double create_seconds = 0;
  double change_seconds = 0;   // the rounds' writes (IMMEDIATE: with maintenance)
  double refresh_seconds = 0;  // DIFFERENTIAL: refresh_stream_table of all 22
  double oracle_seconds = 0;
  double total_seconds = 0;
};

// DIFFERENTIAL: each query created DIFFERENTIAL (AUTO when refused with
// 0A000), pg_trickle.differential_max_change_ratio = 0; after each round a
// refresh of all 22 and the oracle. A refresh of a DIFFERENTIAL table must
// be DIFFERENTIAL or NO_DATA, or FULL because "a table read by a subquery in
// an expression changed".
TpchRunResult run_tpch_differential(PgConn& conn, const TpchScale& scale, long long seed,
                                    const std::vector<TpchRound>& rounds);

// IMMEDIATE: each query created IMMEDIATE where accepted; each round's
// statements one by one in a transaction with the oracle of every table
// after each statement, and again after COMMIT / ROLLBACK.
TpchRunResult run_tpch_immediate(PgConn& conn, const TpchScale& scale, long long seed,
                                 const std::vector<TpchRound>& rounds);

// The summary table (query, mode, actions, rows) as text.
std::string tpch_summary(const TpchRunResult& run);

}  // namespace pgt_e2e
