// Parameter validation: see stream_table_options.h.
#include "api/stream_table_options.h"

#include <algorithm>

#include "common/text_case.h"
#include "common/user_error.h"
#include "pg/gucs.h"
#include "scheduler/schedule.h"

namespace pgt::api {

namespace {


std::optional<std::string> one_of(const std::optional<std::string>& value, const char* parameter,
                                  std::initializer_list<const char*> allowed) {
  if (!value) return std::nullopt;
  std::string v = trimmed_lower(*value);
  std::string list;
  for (const char* a : allowed) {
    if (v == a) return v;
    list += std::string(list.empty() ? "" : ", ") + "'" + a + "'";
  }
  throw Error(sqlstate::kInvalidParameterValue,
              std::string("invalid ") + parameter + " \"" + *value + "\"", "",
              std::string("Valid values are ") + list + ", or NULL for the default.");
}

}  // namespace

std::string validate_schedule(const std::optional<std::string>& schedule) {
  if (!schedule) return "calculated";
  schedule::Schedule parsed = schedule::parse(*schedule);
  schedule::check_minimum(parsed, guc::min_schedule_seconds);
  return parsed.canonical;
}

std::optional<std::string> validate_diamond_consistency(const std::optional<std::string>& v) {
  return one_of(v, "diamond_consistency", {"atomic", "none"});
}

std::optional<std::string> validate_diamond_schedule_policy(const std::optional<std::string>& v) {
  return one_of(v, "diamond_schedule_policy", {"fastest", "slowest"});
}

std::optional<std::string> validate_tier(const std::optional<std::string>& v) {
  return one_of(v, "tier", {"hot", "warm", "cold", "frozen", "auto"});
}

std::optional<std::string> validate_cdc_mode(const std::optional<std::string>& v) {
  auto mode = one_of(v, "cdc_mode", {"auto", "trigger", "wal"});
  if (mode && *mode == "wal")
    throw Error(sqlstate::kFeatureNotSupported,
                "cdc_mode 'wal' is not available in this version of pg_trickle",
                "Changes are captured by triggers.", "Use cdc_mode => 'trigger' or 'auto'.");
  return mode;
}

void validate_append_only(bool append_only, RefreshMode requested) {
  if (!append_only) return;
  if (requested == RefreshMode::Full)
    throw Error(sqlstate::kInvalidParameterValue,
                "append_only is not compatible with refresh_mode 'FULL'",
                "A FULL refresh recomputes the whole table; there is no append path.",
                "Remove append_only => true, or use refresh_mode => 'DIFFERENTIAL'.");
  // Accepted otherwise: batches of inserts are appended whether declared or
  // not; the declaration asks for a WARNING when a delete or update shows up
  // (and is then withdrawn; see differential_refresh.cpp).
}

}  // namespace pgt::api
