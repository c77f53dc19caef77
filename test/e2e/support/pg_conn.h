// PgConn — a small RAII wrapper around one libpq connection, for e2e tests.
//
// Connection parameters come from the libpq environment (PGHOST, PGPORT,
// PGUSER, PGDATABASE); a test may override the database and the role.
// Failures throw PgQueryError (a std::runtime_error) carrying the server's
// message, SQLSTATE and the SQL, so an unexpected error fails the test with
// everything needed to understand it. Expected failures go through try_exec().
#pragma once

#include <libpq-fe.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace pgt_e2e {

using Value = std::optional<std::string>;  // nullopt is SQL NULL
using Row = std::vector<Value>;
using Rows = std::vector<Row>;

// The outcome of a statement that may fail. `ok` is false on error; then the
// other fields hold the server's report (empty when the server sent none).
struct ExecOutcome {
  bool ok = true;
  std::string sqlstate;
  std::string message;
  std::string detail;
  std::string hint;
};

// A NOTICE / WARNING / ... the server sent on this connection.
struct Notice {
  std::string severity;  // non-localized: "WARNING", "NOTICE", ...
  std::string sqlstate;
  std::string message;
  std::string hint;
};

class PgQueryError : public std::runtime_error {
 public:
  PgQueryError(const ExecOutcome& outcome, const std::string& sql);
  const std::string& sqlstate() const noexcept { return sqlstate_; }

 private:
  std::string sqlstate_;
};

// Who to connect as; empty fields fall back to the libpq environment.
struct ConnTarget {
  std::string dbname;
  std::string user;
};

class PgConn {
 public:
  PgConn() : PgConn(ConnTarget{}) {}
  explicit PgConn(const ConnTarget& target);
  ~PgConn();
  // The notice receiver holds `this`: the object must stay where it is.
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;

  // Runs one or more statements; throws PgQueryError on failure.
  void exec(const std::string& sql);
  // Runs a query; every value as text (nullopt for NULL).
  Rows query(const std::string& sql);
  // The single value of a one-row, one-column query; throws if the shape is
  // different or the value is NULL (use scalar_or_null for nullable results).
  std::string scalar(const std::string& sql);
  Value scalar_or_null(const std::string& sql);
  // Runs statements whose failure is expected or acceptable; never throws for
  // a server error (only for a lost connection).
  ExecOutcome try_exec(const std::string& sql);

  // Notices received since the last clear_notices().
  const std::vector<Notice>& notices() const { return notices_; }
  void clear_notices() { notices_.clear(); }
  // True if a notice of `severity` whose message contains `fragment` arrived.
  bool has_notice(const std::string& severity, const std::string& fragment = "") const;

  // Server PID of this session (a crash-restart would change it).
  int backend_pid() const { return PQbackendPID(conn_); }
  bool in_failed_transaction() const { return PQtransactionStatus(conn_) == PQTRANS_INERROR; }
  PGconn* raw() { return conn_; }

 private:
  static void receive_notice(void* self, const PGresult* res);
  // Executes sql and returns the last result (caller owns it); never null.
  PGresult* run(const std::string& sql);

  PGconn* conn_ = nullptr;
  std::vector<Notice> notices_;
};

// Identifier and literal quoting for SQL the tests build.
std::string quote_ident(const std::string& ident);
std::string quote_literal(const std::string& text);

// Renders a row as "(a, NULL, 'x')"-style text for failure messages.
std::string format_row(const Row& row);

}  // namespace pgt_e2e
