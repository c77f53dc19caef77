// Validation of create/alter_stream_table parameters other than the query.
#pragma once

#include <optional>
#include <string>

#include "common/refresh_mode.h"

namespace pgt::api {

// Parses and checks a schedule against pg_trickle.min_schedule_seconds;
// returns its canonical text. NULL means 'calculated'.
std::string validate_schedule(const std::optional<std::string>& schedule);

// Each returns the normalized (lower-case) value, or nullopt for NULL.
std::optional<std::string> validate_diamond_consistency(const std::optional<std::string>& v);
std::optional<std::string> validate_diamond_schedule_policy(const std::optional<std::string>& v);
// hot / warm / cold / frozen / auto (pg_trickle.tiered_scheduling).
std::optional<std::string> validate_tier(const std::optional<std::string>& v);
std::optional<std::string> validate_cdc_mode(const std::optional<std::string>& v);

// Options that later capabilities implement are refused here when set to a
// value that would change behaviour, rather than silently ignored.
void validate_append_only(bool append_only, RefreshMode requested);

}  // namespace pgt::api
