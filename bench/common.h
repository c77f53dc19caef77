// Shared by the benchmark drivers (bench.cpp: refresh; immediate.cpp: IMMEDIATE
// write overhead): libpq helpers, the workload (tables, scenarios) and the
// statistics / formatting helpers. See bench/README.md.
#pragma once

#include <libpq-fe.h>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace pgtbench {

// ---------------------------------------------------------------------------
// libpq helpers

struct SqlError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using Rows = std::vector<std::vector<std::optional<std::string>>>;

class Db {
 public:
  Db() {
    conn_ = PQconnectdb("");
    if (PQstatus(conn_) != CONNECTION_OK)
      throw SqlError(std::string("connection failed: ") + PQerrorMessage(conn_));
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);  // refresh WARNINGs etc.
  }
  ~Db() { PQfinish(conn_); }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  Rows query(const std::string& sql, const std::vector<std::string>& params = {}) {
    PGresult* r = run(sql, params);
    Rows rows;
    for (int i = 0; i < PQntuples(r); i++) {
      std::vector<std::optional<std::string>> row;
      for (int j = 0; j < PQnfields(r); j++)
        row.push_back(PQgetisnull(r, i, j) ? std::nullopt
                                           : std::optional<std::string>(PQgetvalue(r, i, j)));
      rows.push_back(std::move(row));
    }
    PQclear(r);
    return rows;
  }

  std::string scalar(const std::string& sql, const std::vector<std::string>& params = {}) {
    Rows rows = query(sql, params);
    if (rows.empty() || rows[0].empty() || !rows[0][0]) return "";
    return *rows[0][0];
  }

  void exec(const std::string& sql, const std::vector<std::string>& params = {}) {
    PQclear(run(sql, params));
  }

  // Wall time of one statement, client side: send, execute, commit (autocommit), result.
  double timed(const std::string& sql, const std::vector<std::string>& params = {}) {
    auto t0 = std::chrono::steady_clock::now();
    PGresult* r = run(sql, params);
    auto t1 = std::chrono::steady_clock::now();
    PQclear(r);
    return std::chrono::duration<double, std::milli>(t1 - t0).count();
  }

  // A named prepared statement (parsed once, executed with timed_prepared).
  void prepare(const std::string& name, const std::string& sql) {
    PQclear(check(PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr), sql));
  }

  // Wall time of one execution of a prepared statement (autocommit), client side.
  double timed_prepared(const std::string& name, const std::vector<std::string>& params) {
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p.c_str());
    auto t0 = std::chrono::steady_clock::now();
    PGresult* r = PQexecPrepared(conn_, name.c_str(), static_cast<int>(values.size()),
                                 values.data(), nullptr, nullptr, 0);
    auto t1 = std::chrono::steady_clock::now();
    PQclear(check(r, "EXECUTE " + name));
    return std::chrono::duration<double, std::milli>(t1 - t0).count();
  }

  // exec that reports failure instead of throwing.
  std::optional<std::string> try_exec(const std::string& sql) {
    try {
      exec(sql);
      return std::nullopt;
    } catch (const SqlError& e) {
      return std::string(e.what());
    }
  }

 private:
  PGresult* run(const std::string& sql, const std::vector<std::string>& params) {
    PGresult* r;
    if (params.empty()) {
      r = PQexec(conn_, sql.c_str());
    } else {
      std::vector<const char*> values;
      for (const auto& p : params) values.push_back(p.c_str());
      r = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                       values.data(), nullptr, nullptr, 0);
    }
    return check(r, sql);
  }

  // r if it succeeded; otherwise frees it and throws its error message.
  static PGresult* check(PGresult* r, const std::string& sql) {
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      std::string msg = PQresultErrorMessage(r);
      PQclear(r);
      while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
      throw SqlError(msg + "  [in: " + sql.substr(0, 160) + "]");
    }
    return r;
  }

  PGconn* conn_;
};

inline std::string lit(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

// ---------------------------------------------------------------------------
// Workload

struct Scenario {
  std::string name;
  std::string query;
  std::vector<std::string> columns;  // output columns of the query
  // Run on the sources after they are created (indexes a user would add),
  // once per copy of the source: {src} = src, src_plain, ... (bench.cpp) or
  // plain.src, imm.src, ... (immediate.cpp).
  std::string setup = "";
};

inline const std::vector<Scenario> kScenarios = {
    {"scan", "SELECT id, region, category, amount, score FROM src",
     {"id", "region", "category", "amount", "score"}},
    {"filter", "SELECT id, region, amount FROM src WHERE amount > 5000",
     {"id", "region", "amount"}},
    {"join",
     "SELECT s.id, s.amount, d.region_name, s.amount * d.multiplier AS weighted "
     "FROM src s JOIN dim d ON d.region = s.region",
     {"id", "amount", "region_name", "weighted"}},
    {"aggregate",
     "SELECT region, sum(amount) AS total, count(*) AS cnt FROM src GROUP BY region",
     {"region", "total", "cnt"}},
    {"join_agg",
     "SELECT d.region_name, sum(s.amount * d.multiplier) AS weighted, count(*) AS cnt "
     "FROM src s JOIN dim d ON d.region = s.region GROUP BY d.region_name",
     {"region_name", "weighted", "cnt"}},
    {"left_join_agg",
     "SELECT s.category, d.region_name, sum(s.amount) AS total, count(*) AS cnt "
     "FROM src s LEFT JOIN dim d ON d.region = s.region GROUP BY s.category, d.region_name",
     {"category", "region_name", "total", "cnt"}},
    // The index a user would give a MIN/MAX-per-group query: groups whose
    // extremum was deleted are recomputed from it.
    {"minmax",
     "SELECT score, min(amount) AS lo, max(amount) AS hi, count(*) AS cnt FROM src GROUP BY score",
     {"score", "lo", "hi", "cnt"},
     "CREATE INDEX ON {src} (score, amount)"},
};

// Row values of source row i (the reference workload's formulas).
inline const char* const kRowExpr =
    "i, (ARRAY['north','south','east','west','central'])[1 + i % 5], "
    "(ARRAY['books','games','music','tools'])[1 + i % 4], (i * 17 + 13) % 10000, "
    "(i * 31 + 7) % 100";

inline std::string join_cols(const std::vector<std::string>& cols, const std::string& prefix = "") {
  std::string out;
  for (size_t i = 0; i < cols.size(); i++) out += (i ? ", " : "") + prefix + cols[i];
  return out;
}

inline std::string int_array(const std::vector<int>& ids, size_t from, size_t to) {
  std::string out = "{";
  for (size_t i = from; i < to; i++) {
    if (i > from) out += ',';
    out += std::to_string(ids[i]);
  }
  return out + "}";
}

// ---------------------------------------------------------------------------
// Statistics and output

// 1-minute load average (other work on the machine makes the numbers noisy).
inline double load_average() {
  std::ifstream f("/proc/loadavg");
  double l = NAN;
  if (!(f >> l)) return NAN;
  return l;
}

inline double median(std::vector<double> v) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return std::isnan(x); }), v.end());
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

inline std::string json_str(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

inline std::string json_num(double x, int prec = 3) {
  if (std::isnan(x) || std::isinf(x)) return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", prec, x);
  return buf;
}

inline std::string fmt_ms(double x) {
  if (std::isnan(x)) return "n/a";
  char buf[32];
  if (x < 10)
    std::snprintf(buf, sizeof buf, "%.2f", x);
  else if (x < 100)
    std::snprintf(buf, sizeof buf, "%.1f", x);
  else
    std::snprintf(buf, sizeof buf, "%.0f", x);
  return buf;
}

inline std::string fmt_ratio(double x) {
  if (std::isnan(x) || std::isinf(x)) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, x < 10 ? "%.2fx" : "%.1fx", x);
  return buf;
}

inline std::string fmt_size(int n) {
  if (n % 1000000 == 0) return std::to_string(n / 1000000) + "M";
  if (n % 1000 == 0) return std::to_string(n / 1000) + "K";
  return std::to_string(n);
}

inline std::string fmt_rate(double r) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%g%%", r * 100);
  return buf;
}


template <typename T>
inline std::vector<T> parse_list(const std::string& s, T (*conv)(const std::string&)) {
  std::vector<T> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(conv(item));
  return out;
}

inline int to_int(const std::string& s) { return std::stoi(s); }
inline double to_double(const std::string& s) { return std::stod(s); }
inline std::string to_str(const std::string& s) { return s; }

inline std::string pad(const std::string& s, size_t w, bool left = false) {
  if (s.size() >= w) return s;
  return left ? s + std::string(w - s.size(), ' ') : std::string(w - s.size(), ' ') + s;
}

}  // namespace pgtbench
