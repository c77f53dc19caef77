// SPI from C++: every call goes through guard(), results are copied into
// std:: containers before the SPI memory that held them is released.
#pragma once

#include "pg/boundary.h"

extern "C" {
#include "utils/snapshot.h"
}

namespace pgt::pg::spi {

using Value = std::optional<std::string>;  // a column value as text; nullopt = SQL NULL
using Row = std::vector<Value>;
using Params = std::vector<Value>;         // $1..$n, passed as text (cast in the SQL)

struct Result {
  std::vector<std::string> columns;
  std::vector<Row> rows;
  uint64_t processed = 0;
};

// SPI_connect on construction, SPI_finish on destruction (also during unwinding).
class Connection {
 public:
  Connection();
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
};

// Runs one statement; returns rows (if any) as text and the processed count.
Result run(const std::string& sql, const Params& params = {}, bool read_only = false);

// Runs one statement for its effect; returns SPI_processed.
uint64_t exec(const std::string& sql, const Params& params = {});

// First column of the first row (nullopt if no row or NULL).
Value scalar(const std::string& sql, const Params& params = {});

// run() through a plan prepared on first use and kept for the session, keyed
// by the statement's text: for the statements every refresh runs, where
// parsing and planning would cost more than executing.
Result run_kept(const std::string& sql, const Params& params = {});
Value scalar_kept(const std::string& sql, const Params& params = {});

// A statement prepared once and kept for the session (SPI_keepplan), with
// typed parameters given as text (converted by the types' input functions).
class KeptPlan {
 public:
  KeptPlan(const std::string& sql, std::vector<Oid> param_types);
  ~KeptPlan();
  KeptPlan(const KeptPlan&) = delete;
  KeptPlan& operator=(const KeptPlan&) = delete;

  // Runs the statement; with a snapshot, every read uses it (SPI_execute_snapshot),
  // so that several statements see the sources at one and the same instant.
  Result run(const Params& params, Snapshot snapshot = nullptr) const;

 private:
  std::vector<Oid> types_;
  void* plan_ = nullptr;  // SPIPlanPtr
};

// A registered copy of the transaction's current snapshot, released on scope exit.
class RegisteredSnapshot {
 public:
  RegisteredSnapshot();
  ~RegisteredSnapshot();
  RegisteredSnapshot(const RegisteredSnapshot&) = delete;
  RegisteredSnapshot& operator=(const RegisteredSnapshot&) = delete;
  Snapshot get() const { return snapshot_; }

 private:
  Snapshot snapshot_ = nullptr;
};

}  // namespace pgt::pg::spi
