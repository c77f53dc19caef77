#include "tpch_runner.h"

#include <chrono>
#include <cstdio>
#include <regex>

#include "oracle.h"
#include "refresh_history.h"
#include "stream_table.h"

namespace pgt_e2e {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// The reason docs/SQL_REFERENCE.md documents for a FULL refresh of a
// DIFFERENTIAL table (both wordings the refresh writes start so).
const char* kSubqueryReason = "a table read by a subquery in an expression";

// Rows that are not entirely NULL: a scalar aggregate over no input (Q6,
// Q14, Q17, Q19) returns one all-NULL row, which does not count.
long long count_rows(PgConn& conn, const std::string& sql) {
  return std::stoll(conn.scalar("SELECT count(*) FROM (" + sql + ") q WHERE NOT (q IS NULL)"));
}

std::vector<std::string> round_statements(const TpchScale& scale, const TpchRound& r) {
  std::vector<std::string> out;
  auto add = [&](const std::vector<std::string>& v) { out.insert(out.end(), v.begin(), v.end()); };
  if (r.rf1) add(tpch_rf1(scale, r.number));
  if (r.rf2) add(tpch_rf2(r.number));
  if (r.updates) add(tpch_updates(scale, r.number));
  if (r.churn) add(tpch_churn(scale, r.number));
  return out;
}

std::string round_label(const TpchRound& r) {
  std::string s = "round " + std::to_string(r.number) + " (";
  std::string parts;
  if (r.rf1) parts += "RF1 ";
  if (r.rf2) parts += "RF2 ";
  if (r.updates) parts += "updates ";
  if (r.churn) parts += "churn ";
  if (parts.empty()) parts = "no change ";
  parts.pop_back();
  return s + parts + (r.rollback ? ", rolled back)" : r.no_refresh ? ", refreshed with the next)" : ")");
}

// The table a change statement writes ("UPDATE t", "DELETE FROM t",
// "INSERT INTO t"), and whether a query reads it (as a whole word: "part"
// is not in "partsupp" nor in "p_partkey").
std::string written_table(const std::string& statement) {
  static const std::regex re("^(UPDATE|DELETE FROM|INSERT INTO) ([a-z_]+)");
  std::smatch m;
  return std::regex_search(statement, m, re) ? m[2].str() : "";
}

bool reads_table(const TpchQuery& q, const std::string& table) {
  return table.empty() || std::regex_search(q.sql, std::regex("\\b" + table + "\\b"));
}

// Time spent in the oracle (the run's summary splits the time by phase).
double g_oracle_seconds = 0;

void oracle(PgConn& conn, TpchQueryOutcome& q, const std::string& when) {
  ++q.oracle_checks;
  const Clock::time_point t0 = Clock::now();
  ::testing::AssertionResult res = st_matches_query(conn, q.query.name, q.query.sql);
  g_oracle_seconds += seconds_since(t0);
  if (!res) q.failures.push_back("WRONG RESULT " + when + ": " + res.message());
}

// Creates the stream table in `mode`; DIFFERENTIAL falls back to AUTO on a
// 0A000 refusal, IMMEDIATE leaves the query out.
void create(PgConn& conn, TpchQueryOutcome& q, const std::string& mode) {
  q.requested_mode = mode;
  ExecOutcome o = conn.try_exec(create_stream_table_sql(q.query.name, q.query.sql, mode));
  if (!o.ok) {
    if (o.sqlstate != "0A000") {
      q.failures.push_back("creation in " + mode + " failed: " + o.sqlstate + " " + o.message);
      return;
    }
    q.refusal = o.message + (o.hint.empty() ? "" : " (HINT: " + o.hint + ")");
    if (mode != "DIFFERENTIAL") return;
    o = conn.try_exec(create_stream_table_sql(q.query.name, q.query.sql, "AUTO"));
    if (!o.ok) {
      q.failures.push_back("creation in AUTO failed: " + o.sqlstate + " " + o.message);
      return;
    }
  }
  q.created_mode = conn.scalar("SELECT refresh_mode FROM pgtrickle.pgt_stream_tables WHERE pgt_name = " +
                               quote_literal(q.query.name));
}

void load(PgConn& conn, const TpchScale& scale, long long seed, TpchRunResult& run) {
  const Clock::time_point t0 = Clock::now();
  tpch_create_and_load(conn, scale, seed);
  run.load_seconds = seconds_since(t0);
  const double fraction = 0.0001 / scale.sf;
  for (const TpchQuery& q : tpch_queries(fraction)) {
    TpchQueryOutcome o;
    o.query = q;
    o.rows_initial = count_rows(conn, q.sql);
    run.queries.push_back(o);
  }
}

double g_refresh_seconds = 0;

// One refresh of a DIFFERENTIAL-requested table, checked.
void refresh_and_check(PgConn& conn, TpchQueryOutcome& q, const std::string& when) {
  const size_t before = refresh_history(conn, q.query.name).size();
  const Clock::time_point t0 = Clock::now();
  ExecOutcome o = conn.try_exec(refresh_stream_table_sql(q.query.name));
  g_refresh_seconds += seconds_since(t0);
  if (!o.ok) {
    q.failures.push_back("refresh ERROR " + when + ": " + o.sqlstate + " " + o.message);
    return;
  }
  const std::vector<RefreshRecord> h = refresh_history(conn, q.query.name);
  if (h.size() != before + 1) {
    q.failures.push_back("refresh " + when + " wrote " + std::to_string(h.size() - before) + " history rows");
    if (h.size() <= before) return;
  }
  const RefreshRecord& r = h.back();
  ++q.actions[r.action];
  if (r.status != "COMPLETED") q.failures.push_back("refresh " + when + ": " + describe(r));
  if (q.created_mode == "DIFFERENTIAL" && r.action != "DIFFERENTIAL" && r.action != "NO_DATA") {
    if (r.action == "FULL" && r.reason && r.reason->rfind(kSubqueryReason, 0) == 0)
      ++q.full_by_subquery;
    else
      q.failures.push_back("not differential " + when + ": " + describe(r));
  }
  oracle(conn, q, "after the refresh of " + when);
}

}  // namespace

TpchRunResult run_tpch_differential(PgConn& conn, const TpchScale& scale, long long seed,
                                    const std::vector<TpchRound>& rounds) {
  TpchRunResult run;
  const Clock::time_point t0 = Clock::now();
  g_oracle_seconds = g_refresh_seconds = 0;
  try {
    conn.exec("SET pg_trickle.differential_max_change_ratio = 0");
    load(conn, scale, seed, run);
    Clock::time_point t = Clock::now();
    for (TpchQueryOutcome& q : run.queries) create(conn, q, "DIFFERENTIAL");
    run.create_seconds = seconds_since(t);
    for (TpchQueryOutcome& q : run.queries)
      if (!q.created_mode.empty()) oracle(conn, q, "after creation");
    for (const TpchRound& r : rounds) {
      t = Clock::now();
      run_in_transaction(conn, round_statements(scale, r));
      run.change_seconds += seconds_since(t);
      if (r.no_refresh) continue;
      for (TpchQueryOutcome& q : run.queries)
        if (!q.created_mode.empty()) refresh_and_check(conn, q, round_label(r));
    }
    for (TpchQueryOutcome& q : run.queries) q.rows_final = count_rows(conn, q.query.sql);
  } catch (const std::exception& e) {
    run.fatal = e.what();
  }
  run.refresh_seconds = g_refresh_seconds;
  run.oracle_seconds = g_oracle_seconds;
  run.total_seconds = seconds_since(t0);
  return run;
}

TpchRunResult run_tpch_immediate(PgConn& conn, const TpchScale& scale, long long seed,
                                 const std::vector<TpchRound>& rounds) {
  TpchRunResult run;
  const Clock::time_point t0 = Clock::now();
  g_oracle_seconds = 0;
  try {
    load(conn, scale, seed, run);
    Clock::time_point t = Clock::now();
    for (TpchQueryOutcome& q : run.queries) create(conn, q, "IMMEDIATE");
    run.create_seconds = seconds_since(t);
    for (TpchQueryOutcome& q : run.queries)
      if (!q.created_mode.empty()) oracle(conn, q, "after creation");
    for (const TpchRound& r : rounds) {
      const std::vector<std::string> statements = round_statements(scale, r);
      conn.exec("BEGIN");
      bool failed = false;
      for (size_t i = 0; i < statements.size() && !failed; ++i) {
        t = Clock::now();
        ExecOutcome o = conn.try_exec(statements[i]);
        run.change_seconds += seconds_since(t);
        const std::string when = round_label(r) + ", statement " + std::to_string(i + 1) + ": " +
                                 statements[i].substr(0, 120);
        if (!o.ok) {
          // A write that fails under IMMEDIATE maintenance: the failure of
          // every table (the statement is the same for all).
          for (TpchQueryOutcome& q : run.queries)
            if (!q.created_mode.empty())
              q.failures.push_back("write ERROR " + when + ": " + o.sqlstate + " " + o.message);
          failed = true;
          break;
        }
        // Inside the transaction: the tables reading what the statement
        // wrote (all of them again after COMMIT / ROLLBACK).
        const std::string table = written_table(statements[i]);
        for (TpchQueryOutcome& q : run.queries)
          if (!q.created_mode.empty() && reads_table(q.query, table)) oracle(conn, q, "inside " + when);
      }
      conn.exec(failed || r.rollback ? "ROLLBACK" : "COMMIT");
      for (TpchQueryOutcome& q : run.queries)
        if (!q.created_mode.empty())
          oracle(conn, q, "after " + std::string(failed || r.rollback ? "ROLLBACK" : "COMMIT") + " of " +
                              round_label(r));
    }
    for (TpchQueryOutcome& q : run.queries) q.rows_final = count_rows(conn, q.query.sql);
  } catch (const std::exception& e) {
    run.fatal = e.what();
    conn.try_exec("ROLLBACK");
  }
  run.oracle_seconds = g_oracle_seconds;
  run.total_seconds = seconds_since(t0);
  return run;
}

std::string tpch_summary(const TpchRunResult& run) {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "%-5s %-12s %-12s %5s %5s %5s %8s %6s %6s %6s  %s\n", "query", "requested",
                "created", "DIFF", "FULL", "NODAT", "FULL(sq)", "checks", "rows0", "rows", "result");
  out += line;
  for (const TpchQueryOutcome& q : run.queries) {
    auto count = [&](const char* a) {
      auto it = q.actions.find(a);
      return it == q.actions.end() ? 0 : it->second;
    };
    std::snprintf(line, sizeof line, "%-5s %-12s %-12s %5d %5d %5d %8d %6d %6lld %6lld  %s\n", q.query.name.c_str(),
                  q.requested_mode.c_str(), q.created_mode.empty() ? "(refused)" : q.created_mode.c_str(),
                  count("DIFFERENTIAL"), count("FULL"), count("NO_DATA"), q.full_by_subquery, q.oracle_checks,
                  q.rows_initial, q.rows_final, q.failures.empty() ? "ok" : "FAILED");
    out += line;
  }
  char tail[256];
  std::snprintf(tail, sizeof tail,
                "seconds: load %.2f, create %.2f, changes %.2f, refreshes %.2f, oracle %.2f, total %.2f\n",
                run.load_seconds, run.create_seconds, run.change_seconds, run.refresh_seconds, run.oracle_seconds,
                run.total_seconds);
  out += tail;
  return out;
}

}  // namespace pgt_e2e
