// Refresh mode parsing and choice: see refresh_mode.h.
#include "common/refresh_mode.h"


#include "common/text_case.h"
#include "common/user_error.h"

namespace pgt {


RefreshMode parse_refresh_mode(const std::string& text) {
  std::string mode = trimmed_upper(text);
  if (mode == "FULL") return RefreshMode::Full;
  if (mode == "DIFFERENTIAL") return RefreshMode::Differential;
  if (mode == "AUTO") return RefreshMode::Auto;
  if (mode == "IMMEDIATE") return RefreshMode::Immediate;
  throw Error(sqlstate::kInvalidParameterValue, "invalid refresh_mode \"" + text + "\"", "",
              "Valid refresh modes are 'AUTO', 'FULL', 'DIFFERENTIAL' and 'IMMEDIATE'.");
}

const char* refresh_mode_name(RefreshMode mode) {
  switch (mode) {
    case RefreshMode::Full: return "FULL";
    case RefreshMode::Differential: return "DIFFERENTIAL";
    case RefreshMode::Auto: return "AUTO";
    case RefreshMode::Immediate: return "IMMEDIATE";
  }
  return "FULL";
}

ModeDecision decide_refresh_mode(RefreshMode requested, const QueryCapabilities& caps) {
  ModeDecision d{requested, RefreshMode::Full, "", false};
  if (requested == RefreshMode::Full) return d;

  // A volatile function gives a different answer on every evaluation: a delta
  // computed from it is meaningless, and a FULL refresh is the only honest
  // mode (AUTO takes it, as for any query FULL maintains).
  if (!caps.volatile_construct.empty() && requested == RefreshMode::Auto) {
    d.reason = "it uses " + caps.volatile_construct +
               ", whose result can differ each time the query is evaluated";
    d.warn = true;
    return d;
  }
  if (!caps.volatile_construct.empty())
    throw Error(sqlstate::kFeatureNotSupported,
                "defining query uses " + caps.volatile_construct + ", which refresh_mode '" +
                    refresh_mode_name(requested) + "' cannot maintain",
                "Its result can differ each time the query is evaluated, so changes to the "
                "query's result cannot be computed incrementally.",
                "Use refresh_mode => 'FULL', or replace it with a stable or immutable "
                "expression.");

  if (caps.not_incremental_because.empty()) {
    // IMMEDIATE maintains exactly what DIFFERENTIAL does, with the same
    // delta rules: only where the changes come from differs.
    d.effective = requested == RefreshMode::Immediate ? RefreshMode::Immediate : RefreshMode::Differential;
    return d;
  }
  if (requested == RefreshMode::Differential || requested == RefreshMode::Immediate)
    throw Error(sqlstate::kFeatureNotSupported,
                std::string("defining query cannot be maintained in ") + refresh_mode_name(requested) +
                    " mode: " + caps.not_incremental_because,
                "",
                caps.not_incremental_hint.empty()
                    ? "Use refresh_mode => 'AUTO' to fall back to FULL refresh automatically, or 'FULL'."
                    : caps.not_incremental_hint);
  d.reason = caps.not_incremental_because;
  d.warn = true;
  return d;
}

const char* refresh_action_name(RefreshAction action) {
  switch (action) {
    case RefreshAction::NoData: return "NO_DATA";
    case RefreshAction::Full: return "FULL";
    case RefreshAction::Differential: return "DIFFERENTIAL";
    case RefreshAction::Reinitialize: return "REINITIALIZE";
  }
  return "FULL";
}

const char* stream_table_status_name(StreamTableStatus status) {
  switch (status) {
    case StreamTableStatus::Initializing: return "INITIALIZING";
    case StreamTableStatus::Active: return "ACTIVE";
    case StreamTableStatus::Suspended: return "SUSPENDED";
    case StreamTableStatus::Error: return "ERROR";
  }
  return "ERROR";
}

StreamTableStatus parse_stream_table_status(const std::string& text) {
  for (StreamTableStatus s : {StreamTableStatus::Initializing, StreamTableStatus::Active, StreamTableStatus::Suspended,
                              StreamTableStatus::Error})
    if (text == stream_table_status_name(s)) return s;
  throw Error(sqlstate::kInvalidParameterValue, "invalid stream table status \"" + text + "\"", "",
              "A status is INITIALIZING, ACTIVE, SUSPENDED or ERROR.");
}

}  // namespace pgt
