// The query fuzzer's runner: one generated case (schema, data, query, DML
// batches) run against the server, checked by the oracle, and, when it
// fails, minimized to a small SQL script.
//
// A case is fully determined by its seed: random_case(seed) draws the schema,
// the initial rows, the refresh mode, the query and every DML batch up front
// (the DML generator's model is only a guide: statements never depend on what
// the server did), so the same seed replays the same statements, and the
// minimizer can re-run any subset of them.
//
// Verdicts. DIFFERENTIAL: the query must be accepted, every refresh must take
// the delta path (history action DIFFERENTIAL or NO_DATA; FULL only with the
// documented reason when the query has EXISTS / IN and their tables changed)
// and after each refresh the stream table must equal its query (oracle).
// IMMEDIATE: accepted, and equal after every statement, inside the
// transaction, and after COMMIT / ROLLBACK. Probes (out-of-grammar queries):
// DIFFERENTIAL must refuse them (SQLSTATE 0A000, with a HINT), AUTO must
// accept them and refresh FULL, still equal to the query.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "pg_conn.h"
#include "query_generator.h"

namespace pgt_e2e {

struct FuzzCase {
  std::uint64_t seed = 0;
  FuzzSchema schema;
  std::vector<std::string> setup;  // CREATE TABLEs and initial INSERTs
  std::string mode;                // DIFFERENTIAL or IMMEDIATE (probes: both DIFFERENTIAL and AUTO)
  GeneratedQuery query;
  std::vector<std::vector<std::string>> batches;  // one transaction each
  std::vector<bool> rollback;                     // IMMEDIATE: the batch ends in ROLLBACK
};

enum class Verdict { Ok, Refused, ProbeAccepted, RefreshError, DmlError, WrongAction, Mismatch, Crash };
const char* verdict_name(Verdict v);

struct Outcome {
  Verdict verdict = Verdict::Ok;
  std::string detail;
  int refreshes = 0;
  int differential = 0;  // refreshes recorded DIFFERENTIAL (a delta was applied)
  int checks = 0;
  int skipped = 0;  // batches rolled back on a unique violation (the DML model drifted)
};

struct FuzzTotals {
  int queries = 0;
  int refreshes = 0;
  int differential = 0;
  int checks = 0;
  int skipped = 0;
  int refusals = 0;  // expected refusals of probes (each checked)
  int failures = 0;
  int by_shape[7] = {0, 0, 0, 0, 0, 0, 0};  // indexed by QueryShape
  int immediate = 0;
  std::string summary() const;
};

// The settings of every fuzz session (and of the repro scripts): change
// ratio raised (refreshes really differential), and unusual TimeZone,
// DateStyle and IntervalStyle, which must not change what a refresh computes.
extern const char* const kFuzzSessionSettings[];
void apply_fuzz_session_settings(PgConn& conn);

// The case of `seed`, all of it drawn up front; `index` names its schema.
FuzzCase random_case(std::uint64_t seed, int index);

// Runs `c` with `query` (c.query.select, or a smaller one) and the batches
// c.batches; the session must be fresh or the previous case cleaned up.
// `conn` is replaced when the server crashed.
Outcome run_case(std::unique_ptr<PgConn>& conn, const FuzzCase& c, const Select& query, const std::string& dbname);

// Shrinks a failing case: drops query parts and DML batches / statements
// while the failure keeps its verdict, within `max_runs` re-runs. Returns the
// smaller case (its query in query.select).
FuzzCase minimize(std::unique_ptr<PgConn>& conn, const FuzzCase& c, Verdict verdict, const std::string& dbname,
                  int max_runs);

// The case as a psql script that reproduces it from scratch.
std::string repro_script(const FuzzCase& c);

}  // namespace pgt_e2e
