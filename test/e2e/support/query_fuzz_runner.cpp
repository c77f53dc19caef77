#include "query_fuzz_runner.h"

#include <chrono>
#include <thread>

#include "oracle.h"
#include "random_dml.h"
#include "refresh_history.h"
#include "stream_table.h"

namespace pgt_e2e {
namespace {

constexpr int kCycles = 8;           // DML batches per DIFFERENTIAL case
constexpr int kImmediateCycles = 4;  // per IMMEDIATE case (a check after every statement)
constexpr double kProbeShare = 0.06;
constexpr double kImmediateShare = 0.25;
constexpr const char* kSubqueryReason = "a table read by a subquery in an expression";
constexpr const char* kTruncateReason = "was truncated";

std::string st_name(const FuzzCase& c) { return quote_ident(c.schema.schema) + "." + quote_ident("St x"); }

bool lost(PgConn& conn) { return PQstatus(conn.raw()) != CONNECTION_OK; }

// Writes the DML generator does not make (its model does not follow them:
// it is only a guide): an update that changes nothing, INSERT ... ON
// CONFLICT and MERGE on keyed tables, a data-modifying WITH moving rows
// between tables, INSERT ... SELECT duplicating rows, and, rarely, TRUNCATE.
std::string other_write(std::mt19937_64& rng, const FuzzSchema& schema) {
  const TableSpec& t = schema.tables[uniform(rng, 0, static_cast<std::int64_t>(schema.tables.size()) - 1)];
  const std::string name = t.qualified_name();
  const std::string k = std::to_string(uniform(rng, 0, 6));
  const std::string id = std::to_string(uniform(rng, 1, 80));
  const int d = static_cast<int>(uniform(rng, 0, 99));
  if (d < 5) return "TRUNCATE " + name;
  if (d < 25) return "UPDATE " + name + " SET j = j WHERE j = " + k;
  if (t.key && d < 50)
    return "INSERT INTO " + name + " (id, j) VALUES (" + id + ", " + k +
           ") ON CONFLICT (id) DO UPDATE SET j = EXCLUDED.j + 1";
  if (t.key && d < 75)
    return "MERGE INTO " + name + " AS tgt USING (VALUES (" + id + ", " + k +
           ")) AS v(id, j) ON tgt.id = v.id WHEN MATCHED AND v.j > 3 THEN DELETE "
           "WHEN MATCHED THEN UPDATE SET j = v.j WHEN NOT MATCHED THEN INSERT (id, j) VALUES (v.id, v.j)";
  std::vector<const TableSpec*> keyless;
  for (const TableSpec& x : schema.tables)
    if (!x.key) keyless.push_back(&x);
  if (keyless.empty()) return "UPDATE " + name + " SET j = j WHERE j = " + k;
  const TableSpec& to = *keyless[uniform(rng, 0, static_cast<std::int64_t>(keyless.size()) - 1)];
  if (d < 88)
    return "WITH moved AS (DELETE FROM " + name + " WHERE j = " + k + " RETURNING j) INSERT INTO " +
           to.qualified_name() + " (j) SELECT j FROM moved";
  return "INSERT INTO " + to.qualified_name() + " SELECT * FROM " + to.qualified_name() + " WHERE j = " + k;
}

bool has_truncate(const std::vector<std::string>& batch) {
  for (const std::string& s : batch)
    if (s.rfind("TRUNCATE ", 0) == 0) return true;
  return false;
}

std::string describe(const ExecOutcome& o) {
  std::string s = o.sqlstate + ": " + o.message;
  if (!o.detail.empty()) s += "\n  DETAIL: " + o.detail;
  if (!o.hint.empty()) s += "\n  HINT: " + o.hint;
  return s;
}

void cleanup(PgConn& conn, const FuzzCase& c) {
  const std::string st = st_name(c);
  if (conn.scalar("SELECT pg_catalog.to_regclass(" + quote_literal(st) + ") IS NOT NULL") == "t")
    conn.try_exec("SELECT pgtrickle.drop_stream_table(" + quote_literal(st) + ")");
  conn.exec("DROP SCHEMA IF EXISTS " + quote_ident(c.schema.schema) + " CASCADE");
}

// Runs a batch in one transaction. False (and rolled back) when a statement
// fails with a unique violation: the DML generator's model drifted (after an
// IMMEDIATE rollback), a generator artefact, not a finding.
struct BatchResult {
  bool ok = true;
  bool skipped = false;
  std::string error;
};

BatchResult run_batch(PgConn& conn, const std::vector<std::string>& batch) {
  BatchResult r;
  conn.exec("BEGIN");
  for (const std::string& sql : batch) {
    ExecOutcome o = conn.try_exec(sql);
    if (o.ok) continue;
    conn.try_exec("ROLLBACK");
    if (o.sqlstate == "23505") {
      r.skipped = true;
      return r;
    }
    r.ok = false;
    r.error = describe(o) + "\n  statement: " + sql;
    return r;
  }
  ExecOutcome o = conn.try_exec("COMMIT");
  if (!o.ok) {
    r.ok = false;
    r.error = describe(o) + "\n  statement: COMMIT";
  }
  return r;
}

Outcome fail(Verdict v, std::string detail, const Outcome& so_far) {
  Outcome o = so_far;
  o.verdict = v;
  o.detail = std::move(detail);
  return o;
}

// The body of run_case; exceptions (a lost connection, an unexpected error
// of the oracle's own queries) are handled by the caller.
Outcome run_checked(PgConn& conn, const FuzzCase& c, const Select& query) {
  Outcome out;
  cleanup(conn, c);
  conn.exec("CREATE SCHEMA " + quote_ident(c.schema.schema));
  for (const std::string& sql : c.setup) conn.exec(sql);
  const std::string st = st_name(c);
  const std::string sql = query.sql();
  const bool probe = c.query.shape == QueryShape::Probe;

  std::string mode = c.mode;
  if (probe) {
    ExecOutcome o = conn.try_exec(create_stream_table_sql(st, sql, "DIFFERENTIAL"));
    if (o.ok) return fail(Verdict::ProbeAccepted, "DIFFERENTIAL accepted a query with a " + c.query.probe, out);
    if (o.sqlstate != "0A000" || o.hint.empty())
      return fail(Verdict::Refused, "the refusal of a " + c.query.probe + " is not 0A000 with a HINT: " + describe(o),
                  out);
    mode = "AUTO";
  }
  ExecOutcome created = conn.try_exec(create_stream_table_sql(st, sql, mode));
  if (!created.ok) return fail(Verdict::Refused, mode + " refused: " + describe(created), out);
  ++out.checks;
  if (auto r = st_matches_query(conn, st, sql); !r)
    return fail(Verdict::Mismatch, "after create: " + std::string(r.message()), out);

  const bool immediate = mode == "IMMEDIATE";
  for (std::size_t b = 0; b < c.batches.size(); ++b) {
    const std::string where = "batch " + std::to_string(b + 1);
    if (immediate) {
      conn.exec("BEGIN");
      for (const std::string& stmt : c.batches[b]) {
        ExecOutcome o = conn.try_exec(stmt);
        if (!o.ok) {
          conn.try_exec("ROLLBACK");
          if (o.sqlstate == "23505") {
            ++out.skipped;
            break;
          }
          return fail(Verdict::DmlError, where + ": " + describe(o) + "\n  statement: " + stmt, out);
        }
        ++out.checks;
        if (auto r = st_matches_query(conn, st, sql); !r) {
          conn.try_exec("ROLLBACK");
          return fail(Verdict::Mismatch, where + ", inside the transaction after: " + stmt + "\n" + r.message(), out);
        }
      }
      if (!conn.in_failed_transaction() && PQtransactionStatus(conn.raw()) == PQTRANS_INTRANS) {
        const bool rollback = b < c.rollback.size() && c.rollback[b];
        ExecOutcome o = conn.try_exec(rollback ? "ROLLBACK" : "COMMIT");
        if (!o.ok) return fail(Verdict::DmlError, where + ": " + describe(o) + "\n  statement: COMMIT", out);
      }
      ++out.checks;
      if (auto r = st_matches_query(conn, st, sql); !r)
        return fail(Verdict::Mismatch, where + ", after the transaction\n" + r.message(), out);
      continue;
    }
    BatchResult br = run_batch(conn, c.batches[b]);
    if (!br.ok) return fail(Verdict::DmlError, where + ": " + br.error, out);
    if (br.skipped) ++out.skipped;
    ExecOutcome o = conn.try_exec(refresh_stream_table_sql(st));
    ++out.refreshes;
    if (!o.ok) return fail(Verdict::RefreshError, where + ": refresh failed: " + describe(o), out);
    const RefreshRecord last = last_refresh(conn, st);
    const bool reason_subquery =
        last.reason && last.reason->find(kSubqueryReason) != std::string::npos && query.has_sublink();
    const bool reason_truncate =
        last.reason && last.reason->find(kTruncateReason) != std::string::npos && has_truncate(c.batches[b]);
    const bool action_ok = probe ? (last.action == "FULL" || last.action == "NO_DATA")
                                 : (last.action == "DIFFERENTIAL" || last.action == "NO_DATA" ||
                                    (last.action == "FULL" && (reason_subquery || reason_truncate)));
    if (last.action == "DIFFERENTIAL") ++out.differential;
    if (!action_ok) return fail(Verdict::WrongAction, where + ": refresh took " + pgt_e2e::describe(last), out);
    ++out.checks;
    if (auto r = st_matches_query(conn, st, sql); !r)
      return fail(Verdict::Mismatch, where + " (refresh " + last.action + ")\n" + r.message(), out);
  }
  cleanup(conn, c);
  return out;
}

// The rows of a generated multi-row INSERT ("... VALUES (r1), (r2)"), each
// without its outer parentheses; empty for any other statement. The
// generator's literals never contain "), (".
const std::string kValues = " VALUES (";
std::vector<std::string> insert_rows(const std::string& sql) {
  const std::size_t at = sql.find(kValues);
  if (sql.rfind("INSERT INTO ", 0) != 0 || at == std::string::npos || sql.back() != ')') return {};
  const std::string body = sql.substr(at + kValues.size(), sql.size() - at - kValues.size() - 1);
  std::vector<std::string> rows;
  std::size_t from = 0;
  for (std::size_t sep; (sep = body.find("), (", from)) != std::string::npos; from = sep + 4)
    rows.push_back(body.substr(from, sep - from));
  rows.push_back(body.substr(from));
  return rows;
}

std::string with_rows(const std::string& sql, const std::vector<std::string>& rows) {
  std::string out = sql.substr(0, sql.find(kValues) + kValues.size());
  for (std::size_t i = 0; i < rows.size(); ++i) out += (i ? "), (" : "") + rows[i];
  return out + ")";
}

std::uint64_t mix(std::uint64_t x) {  // splitmix64
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

// Refreshes must really be differential: the FULL fallback for large change
// ratios would hide a wrong delta.
const char* const kFuzzSessionSettings[] = {"SET pg_trickle.differential_max_change_ratio = 1000",
                                            "SET TimeZone = 'America/St_Johns'", "SET DateStyle = 'SQL, DMY'",
                                            "SET IntervalStyle = 'sql_standard'", nullptr};

void apply_fuzz_session_settings(PgConn& conn) {
  for (const char* const* s = kFuzzSessionSettings; *s; ++s) conn.exec(*s);
}

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::Ok:
      return "ok";
    case Verdict::Refused:
      return "unexpected refusal";
    case Verdict::ProbeAccepted:
      return "probe accepted";
    case Verdict::RefreshError:
      return "refresh error";
    case Verdict::DmlError:
      return "DML error";
    case Verdict::WrongAction:
      return "wrong refresh action";
    case Verdict::Mismatch:
      return "wrong result";
    case Verdict::Crash:
      return "crash";
  }
  return "?";
}

std::string FuzzTotals::summary() const {
  std::string s = "QueryFuzz totals: queries=" + std::to_string(queries) + " refreshes=" + std::to_string(refreshes) +
                  " differential=" + std::to_string(differential) + " checks=" + std::to_string(checks) +
                  " refusals=" + std::to_string(refusals) + " failures=" + std::to_string(failures) +
                  " skipped_batches=" + std::to_string(skipped) + " immediate=" + std::to_string(immediate) +
                  " shapes:";
  for (int i = 0; i < 7; ++i)
    s += std::string(" ") + shape_name(static_cast<QueryShape>(i)) + "=" + std::to_string(by_shape[i]);
  return s;
}

FuzzCase random_case(std::uint64_t seed, int index) {
  FuzzCase c;
  c.seed = seed;
  std::mt19937_64 rng(mix(seed));
  c.schema = random_schema(rng, "fz Q" + std::to_string(index % 4));
  std::vector<DmlGenerator> gens;
  for (const TableSpec& t : c.schema.tables) gens.emplace_back(t, rng);
  for (DmlGenerator& g : gens)
    for (std::string& sql : g.setup_sql()) c.setup.push_back(std::move(sql));
  c.setup.push_back(c.schema.create_view_sql);
  const bool probe = chance(rng, kProbeShare);
  c.mode = !probe && chance(rng, kImmediateShare) ? "IMMEDIATE" : "DIFFERENTIAL";
  c.query = random_query(rng, c.schema, probe);
  const int cycles = c.mode == "IMMEDIATE" ? kImmediateCycles : kCycles;
  for (int i = 0; i < cycles; ++i) {
    c.batches.push_back(random_batch(gens, {}, rng, 1, 12));
    if (chance(rng, 0.3)) {
      std::vector<std::string>& b = c.batches.back();
      b.insert(b.begin() + uniform(rng, 0, static_cast<std::int64_t>(b.size())), other_write(rng, c.schema));
    }
    c.rollback.push_back(c.mode == "IMMEDIATE" && chance(rng, 0.2));
  }
  return c;
}

Outcome run_case(std::unique_ptr<PgConn>& conn, const FuzzCase& c, const Select& query, const std::string& dbname) {
  try {
    return run_checked(*conn, c, query);
  } catch (const std::exception& e) {
    Outcome o;
    if (!lost(*conn)) {
      conn->try_exec("ROLLBACK");
      o.verdict = Verdict::RefreshError;
      o.detail = std::string("unexpected error: ") + e.what();
      try {
        cleanup(*conn, c);
      } catch (const std::exception&) {
      }
      return o;
    }
    o.verdict = Verdict::Crash;
    o.detail = std::string("the connection was lost (server crash?): ") + e.what();
    // The postmaster restarts after a backend crash: wait for it.
    for (int attempt = 0; attempt < 60; ++attempt) {
      try {
        conn = std::make_unique<PgConn>(ConnTarget{dbname, ""});
        apply_fuzz_session_settings(*conn);
        cleanup(*conn, c);
        break;
      } catch (const std::exception&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
      }
    }
    return o;
  }
}

FuzzCase minimize(std::unique_ptr<PgConn>& conn, const FuzzCase& c, Verdict verdict, const std::string& dbname,
                  int max_runs) {
  FuzzCase best = c;
  int runs = 0;
  auto still_fails = [&](const FuzzCase& cand) {
    ++runs;
    return run_case(conn, cand, cand.query.select, dbname).verdict == verdict;
  };
  bool changed = true;
  while (changed && runs < max_runs) {
    changed = false;
    // Whole batches, last first (a failure stops the run: later ones never ran).
    for (std::size_t b = best.batches.size(); b-- > 0 && runs < max_runs;) {
      FuzzCase cand = best;
      cand.batches.erase(cand.batches.begin() + static_cast<std::ptrdiff_t>(b));
      if (b < cand.rollback.size()) cand.rollback.erase(cand.rollback.begin() + static_cast<std::ptrdiff_t>(b));
      if (still_fails(cand)) {
        best = std::move(cand);
        changed = true;
      }
    }
    // Query parts: take the first smaller query that still fails, and start over.
    for (const Select& smaller : best.query.select.shrink_candidates()) {
      if (runs >= max_runs) break;
      FuzzCase cand = best;
      cand.query.select = smaller;
      if (still_fails(cand)) {
        best = std::move(cand);
        changed = true;
        break;
      }
    }
    if (changed) continue;
    // Single statements.
    for (std::size_t b = 0; b < best.batches.size(); ++b)
      for (std::size_t s = best.batches[b].size(); s-- > 0 && runs < max_runs;) {
        FuzzCase cand = best;
        cand.batches[b].erase(cand.batches[b].begin() + static_cast<std::ptrdiff_t>(s));
        if (still_fails(cand)) {
          best = std::move(cand);
          changed = true;
        }
      }
    if (changed) continue;
    // Initial rows: each table's INSERT, then chunks of it, halving the chunk size.
    for (std::size_t i = best.setup.size(); i-- > 0 && runs < max_runs;) {
      if (insert_rows(best.setup[i]).empty()) continue;
      FuzzCase cand = best;
      cand.setup.erase(cand.setup.begin() + static_cast<std::ptrdiff_t>(i));
      if (still_fails(cand)) {
        best = std::move(cand);
        changed = true;
      }
    }
    for (std::size_t i = 0; i < best.setup.size() && runs < max_runs; ++i) {
      std::vector<std::string> rows = insert_rows(best.setup[i]);
      for (std::size_t chunk = rows.size() / 2; chunk >= 1 && runs < max_runs; chunk /= 2)
        for (std::size_t at = 0; at + chunk <= rows.size() && rows.size() > 1 && runs < max_runs;) {
          std::vector<std::string> fewer = rows;
          fewer.erase(fewer.begin() + static_cast<std::ptrdiff_t>(at),
                      fewer.begin() + static_cast<std::ptrdiff_t>(at + chunk));
          FuzzCase cand = best;
          cand.setup[i] = with_rows(best.setup[i], fewer);
          if (still_fails(cand)) {
            best = std::move(cand);
            rows = std::move(fewer);
            changed = true;
          } else {
            at += chunk;
          }
        }
    }
  }
  return best;
}

std::string repro_script(const FuzzCase& c) {
  const std::string st = st_name(c);
  const std::string sql = c.query.select.sql();
  std::string cols;
  for (const Part& p : c.query.select.outputs()) cols += (cols.empty() ? "" : ", ") + quote_ident(p.name);
  const bool probe = c.query.shape == QueryShape::Probe;
  const std::string mode = probe ? "AUTO" : c.mode;
  std::string s = "-- query fuzzer repro: case seed " + std::to_string(c.seed) +
                  " (PGT_FUZZ_CASE_SEED=" + std::to_string(c.seed) + "), mode " + mode + "\n";
  s += "CREATE EXTENSION IF NOT EXISTS pg_trickle;\n";
  s += "CREATE SCHEMA " + quote_ident(c.schema.schema) + ";\n";
  for (const std::string& x : c.setup) s += x + ";\n";
  for (const char* const* x = kFuzzSessionSettings; *x; ++x) s += std::string(*x) + ";\n";
  if (probe)
    s += "-- DIFFERENTIAL must refuse it (0A000, with a HINT):\n" + create_stream_table_sql(st, sql, "DIFFERENTIAL") +
         ";\n";
  s += create_stream_table_sql(st, sql, mode) + ";\n";
  const std::string q = "SELECT * FROM (" + sql + ") q";
  const std::string t = "SELECT " + cols + " FROM " + st;
  const std::string oracle = "SELECT count(*) AS must_be_0 FROM ((" + t + " EXCEPT ALL " + q + ") UNION ALL (" + q +
                             " EXCEPT ALL " + t + ")) d;\n";
  for (std::size_t b = 0; b < c.batches.size(); ++b) {
    const bool rollback = mode == "IMMEDIATE" && b < c.rollback.size() && c.rollback[b];
    s += "BEGIN;\n";
    for (const std::string& x : c.batches[b]) {
      s += x + ";\n";
      if (mode == "IMMEDIATE") s += oracle;
    }
    s += rollback ? "ROLLBACK;\n" : "COMMIT;\n";
    if (mode != "IMMEDIATE")
      s += refresh_stream_table_sql(st) +
           ";\nSELECT action, reason FROM pgtrickle.pgt_refresh_history h JOIN "
           "pgtrickle.pgt_stream_tables s USING (pgt_id) WHERE s.pgt_relid = " +
           quote_literal(st) + "::regclass ORDER BY h.refresh_id DESC LIMIT 1;\n";
    s += oracle;
  }
  return s;
}

}  // namespace pgt_e2e
