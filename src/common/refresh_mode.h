// Refresh modes and the choice of the effective mode. Pure C++.
//
// "Never wrong silently" (DESIGN.md section 4): a query the engine cannot
// maintain incrementally is refused in DIFFERENTIAL / IMMEDIATE mode with an
// error and a HINT; AUTO runs it FULL, says so with a WARNING, and the reason
// is recorded in the catalog.
#pragma once

#include <string>

namespace pgt {

enum class RefreshMode { Full, Differential, Auto, Immediate };

// Where a stream table stands (pgt_stream_tables.status).
enum class StreamTableStatus {
  Initializing,  // created with initialize => false: the scheduler populates it
  Active,
  Suspended,     // by the user, or after pg_trickle.max_consecutive_errors failures
  Error,         // reserved
};
const char* stream_table_status_name(StreamTableStatus status);  // "INITIALIZING", "ACTIVE", ...
// The catalog's text; throws pgt::Error (22023) for anything else.
StreamTableStatus parse_stream_table_status(const std::string& text);
// Whether the scheduler refreshes a table in this status.
inline bool scheduled(StreamTableStatus status) {
  return status == StreamTableStatus::Active || status == StreamTableStatus::Initializing;
}

// What one refresh did (pgt_refresh_history.action).
enum class RefreshAction {
  NoData,        // nothing pending: nothing done
  Full,          // recomputed
  Differential,  // the changes applied
  Reinitialize,  // recomputed because its maintenance was derived again
};
const char* refresh_action_name(RefreshAction action);  // "NO_DATA", "FULL", ...
// Whether the action recomputes the whole table.
inline bool recomputes(RefreshAction action) {
  return action == RefreshAction::Full || action == RefreshAction::Reinitialize;
}

// Case-insensitive; throws pgt::Error (22023) with a HINT for anything else.
RefreshMode parse_refresh_mode(const std::string& text);
const char* refresh_mode_name(RefreshMode mode);  // "FULL", "DIFFERENTIAL", ...

// What the analysis of a defining query found, as far as the mode is concerned.
struct QueryCapabilities {
  // Empty when the incremental engine can maintain the query; otherwise the
  // construct that stops it, in words a user recognizes (e.g. "aggregate functions").
  std::string not_incremental_because;
  // A volatile construct the query uses, as a phrase ("volatile function
  // random()", "TABLESAMPLE"); empty if none.
  std::string volatile_construct;
  // What to do instead of DIFFERENTIAL (the HINT of its refusal); empty: the
  // generic one.
  std::string not_incremental_hint = {};
};

struct ModeDecision {
  RefreshMode requested;
  RefreshMode effective;  // Full, Differential or Immediate
  std::string reason;     // why effective differs from requested; empty when it does not
  bool warn = false;      // tell the user (WARNING) that AUTO fell back to FULL
};

// Decides the effective mode, or throws pgt::Error (0A000) with a HINT when the
// requested mode cannot be honoured.
ModeDecision decide_refresh_mode(RefreshMode requested, const QueryCapabilities& caps);

}  // namespace pgt
