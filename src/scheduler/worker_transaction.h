// Transactions and errors in the scheduler's background workers, which have
// no client and no error recovery of their own: every unit of work runs in a
// transaction of its own whose errors are caught (C++ side of the boundary),
// logged and rolled back, and the worker goes on.
#pragma once

#include <string>

#include "pg/boundary.h"

namespace pgt::scheduler {

int64_t now_ms();  // Unix milliseconds

// A message to the server log ("pg_trickle scheduler: ..."). Never throws.
void report(int level, const std::string& message);

// Starts / commits / aborts a transaction (errors become PgError).
void start_transaction(const char* activity, bool repeatable_read);
void commit_transaction();
void abort_transaction() noexcept;
// Pushes the transaction snapshot as the active one (popped at commit).
void push_snapshot();

// Runs f in a transaction of its own. Returns false when it failed (the
// transaction is rolled back and the error logged).
template <typename F>
bool in_transaction(const char* what, F&& f, bool repeatable_read = false) {
  try {
    start_transaction(what, repeatable_read);
    f();
    commit_transaction();
    return true;
  } catch (const std::exception& e) {
    report(WARNING, std::string(what) + " failed: " + e.what());
  } catch (...) {
    report(WARNING, std::string(what) + " failed");
  }
  abort_transaction();
  return false;
}

// The exception being handled, as the history and the alert record it.
struct ErrorInfo {
  std::string message;
  std::string sqlstate;
  bool retryable = false;  // concurrency (serialization, deadlock, lock timeout, cancel), disk full
};
ErrorInfo describe_current_exception();

}  // namespace pgt::scheduler
