// See worker_transaction.h.
#include "scheduler/worker_transaction.h"

#include <chrono>

#include "common/user_error.h"

extern "C" {
#include "access/xact.h"
#include "pgstat.h"
#include "utils/snapmgr.h"
}

namespace pgt::scheduler {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void report(int level, const std::string& message) {
  const char* text = message.c_str();
  try {
    pg::guard([&] { ereport(level, (errmsg_internal("pg_trickle scheduler: %s", text))); });
  } catch (...) {
  }
}

void start_transaction(const char* activity, bool repeatable_read) {
  pg::guard([&] {
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    // Before the first snapshot: the isolation level is still settable.
    if (repeatable_read) XactIsoLevel = XACT_REPEATABLE_READ;
    pgstat_report_activity(STATE_RUNNING, activity);
  });
}

void commit_transaction() {
  pg::guard([] {
    if (ActiveSnapshotSet()) PopActiveSnapshot();
    CommitTransactionCommand();
    pgstat_report_activity(STATE_IDLE, nullptr);
  });
}

void abort_transaction() noexcept {
  try {
    pg::guard([] {
      AbortCurrentTransaction();
      pgstat_report_activity(STATE_IDLE, nullptr);
    });
  } catch (...) {
    report(WARNING, "could not abort a transaction");
  }
}

void push_snapshot() {
  pg::guard([] { PushActiveSnapshot(GetTransactionSnapshot()); });
}

ErrorInfo describe_current_exception() {
  ErrorInfo info;
  try {
    throw;
  } catch (const pg::PgError& e) {
    info.message = e.what();
    info.sqlstate = unpack_sql_state(e.sqlerrcode());
    int code = e.sqlerrcode();
    // Concurrency, and a full disk: the next try may succeed as things are
    // (space freed), so they do not count toward suspension.
    info.retryable = code == ERRCODE_T_R_SERIALIZATION_FAILURE ||
                     code == ERRCODE_T_R_DEADLOCK_DETECTED || code == ERRCODE_LOCK_NOT_AVAILABLE ||
                     code == ERRCODE_QUERY_CANCELED || code == ERRCODE_DISK_FULL;
  } catch (const Error& e) {
    info.message = e.what();
    info.sqlstate = e.sqlstate();
  } catch (const std::exception& e) {
    info.message = e.what();
    info.sqlstate = sqlstate::kInternalError;
  } catch (...) {
    info.message = "unknown error";
    info.sqlstate = sqlstate::kInternalError;
  }
  return info;
}

}  // namespace pgt::scheduler
