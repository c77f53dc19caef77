// Reading pgtrickle.pgt_refresh_history: which action each refresh of a
// stream table took (NO_DATA, FULL, DIFFERENTIAL), why, and how many rows it
// changed. Tests use it to prove which path a refresh really took.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "pg_conn.h"

namespace pgt_e2e {

struct RefreshRecord {
  std::string action;
  std::string status;
  std::string initiated_by;
  Value reason;
  long long rows_inserted = 0;
  long long rows_updated = 0;
  long long rows_deleted = 0;
};

// Every refresh of the stream table (a possibly qualified name), oldest first.
std::vector<RefreshRecord> refresh_history(PgConn& conn, const std::string& st_name);

// The latest refresh; throws if there is none.
RefreshRecord last_refresh(PgConn& conn, const std::string& st_name);

// How many refreshes started by `initiated_by` took each action.
std::map<std::string, int> refresh_action_counts(PgConn& conn, const std::string& st_name,
                                                 const std::string& initiated_by = "MANUAL");

// "RefreshRecord{FULL, reason ...}" for failure messages.
std::string describe(const RefreshRecord& r);

}  // namespace pgt_e2e
