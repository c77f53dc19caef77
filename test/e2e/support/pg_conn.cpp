#include "pg_conn.h"

#include <memory>

namespace pgt_e2e {
namespace {

using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

std::string field(const PGresult* res, int code) {
  const char* v = PQresultErrorField(res, code);
  return v ? std::string(v) : std::string();
}

bool is_success(ExecStatusType status) {
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY;
}

// The error of a failed result; the connection message when the server sent
// no structured fields (e.g. the connection was lost).
ExecOutcome outcome_of(PGconn* conn, const PGresult* res) {
  ExecOutcome out;
  if (is_success(PQresultStatus(res))) return out;
  out.ok = false;
  out.sqlstate = field(res, PG_DIAG_SQLSTATE);
  out.message = field(res, PG_DIAG_MESSAGE_PRIMARY);
  out.detail = field(res, PG_DIAG_MESSAGE_DETAIL);
  out.hint = field(res, PG_DIAG_MESSAGE_HINT);
  if (out.message.empty()) out.message = PQerrorMessage(conn);
  return out;
}

std::string describe(const ExecOutcome& o, const std::string& sql) {
  std::string text = "SQL failed [" + (o.sqlstate.empty() ? std::string("no SQLSTATE") : o.sqlstate) +
                     "]: " + o.message;
  if (!o.detail.empty()) text += "\n  DETAIL: " + o.detail;
  if (!o.hint.empty()) text += "\n  HINT: " + o.hint;
  return text + "\n  SQL: " + sql;
}

}  // namespace

PgQueryError::PgQueryError(const ExecOutcome& outcome, const std::string& sql)
    : std::runtime_error(describe(outcome, sql)), sqlstate_(outcome.sqlstate) {}

PgConn::PgConn(const ConnTarget& target) {
  // expand_dbname=0: a database name is a name, never a connection string.
  std::vector<const char*> keys{"application_name"};
  std::vector<const char*> values{"pgt_e2e"};
  if (!target.dbname.empty()) {
    keys.push_back("dbname");
    values.push_back(target.dbname.c_str());
  }
  if (!target.user.empty()) {
    keys.push_back("user");
    values.push_back(target.user.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  conn_ = PQconnectdbParams(keys.data(), values.data(), 0);
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string msg = "cannot connect (db '" + target.dbname + "', user '" + target.user +
                      "'): " + PQerrorMessage(conn_);
    PQfinish(conn_);
    conn_ = nullptr;
    throw std::runtime_error(msg);
  }
  PQsetNoticeReceiver(conn_, &PgConn::receive_notice, this);
}

PgConn::~PgConn() {
  if (conn_) PQfinish(conn_);
}

void PgConn::receive_notice(void* self, const PGresult* res) {
  auto* conn = static_cast<PgConn*>(self);
  conn->notices_.push_back(Notice{field(res, PG_DIAG_SEVERITY_NONLOCALIZED), field(res, PG_DIAG_SQLSTATE),
                                  field(res, PG_DIAG_MESSAGE_PRIMARY), field(res, PG_DIAG_MESSAGE_HINT)});
}

PGresult* PgConn::run(const std::string& sql) {
  PGresult* res = PQexec(conn_, sql.c_str());
  if (res == nullptr) throw std::runtime_error(std::string("libpq: out of memory or no connection: ") + PQerrorMessage(conn_));
  return res;
}

void PgConn::exec(const std::string& sql) {
  ResultPtr res(run(sql), &PQclear);
  ExecOutcome out = outcome_of(conn_, res.get());
  if (!out.ok) throw PgQueryError(out, sql);
}

Rows PgConn::query(const std::string& sql) {
  ResultPtr res(run(sql), &PQclear);
  ExecOutcome out = outcome_of(conn_, res.get());
  if (!out.ok) throw PgQueryError(out, sql);
  Rows rows;
  const int n = PQntuples(res.get());
  const int cols = PQnfields(res.get());
  rows.reserve(n);
  for (int r = 0; r < n; ++r) {
    Row row;
    row.reserve(cols);
    for (int c = 0; c < cols; ++c) {
      if (PQgetisnull(res.get(), r, c))
        row.emplace_back(std::nullopt);
      else
        row.emplace_back(std::string(PQgetvalue(res.get(), r, c), PQgetlength(res.get(), r, c)));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

Value PgConn::scalar_or_null(const std::string& sql) {
  Rows rows = query(sql);
  if (rows.size() != 1 || rows[0].size() != 1)
    throw std::runtime_error("expected one row and one column, got " + std::to_string(rows.size()) +
                             " rows: " + sql);
  return rows[0][0];
}

std::string PgConn::scalar(const std::string& sql) {
  Value v = scalar_or_null(sql);
  if (!v) throw std::runtime_error("expected a non-NULL value: " + sql);
  return *v;
}

ExecOutcome PgConn::try_exec(const std::string& sql) {
  ResultPtr res(run(sql), &PQclear);
  if (PQstatus(conn_) != CONNECTION_OK)
    throw std::runtime_error(std::string("connection lost: ") + PQerrorMessage(conn_) + "\n  SQL: " + sql);
  return outcome_of(conn_, res.get());
}

bool PgConn::has_notice(const std::string& severity, const std::string& fragment) const {
  for (const Notice& n : notices_)
    if (n.severity == severity && n.message.find(fragment) != std::string::npos) return true;
  return false;
}

std::string quote_ident(const std::string& ident) {
  std::string out = "\"";
  for (char c : ident) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string quote_literal(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string format_row(const Row& row) {
  std::string out = "(";
  for (size_t i = 0; i < row.size(); ++i) {
    if (i) out += ", ";
    out += row[i] ? quote_literal(*row[i]) : "NULL";
  }
  return out + ")";
}

}  // namespace pgt_e2e
