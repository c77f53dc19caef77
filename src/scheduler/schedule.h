// Schedule parsing for stream tables: 'calculated', durations ('1h30m') and
// cron expressions (5 or 6 fields, or an @alias). Pure C++17: no PostgreSQL
// headers, so it is unit-tested without a server. Errors are pgt::Error with
// SQLSTATE 22023 (invalid_parameter_value).
//
// All times are Unix seconds in UTC. There are no time zones and no DST here:
// a cron '0 3 * * *' means 03:00 UTC.
#pragma once

#include <bitset>
#include <cstdint>
#include <string>

namespace pgt::schedule {

enum class Kind { Calculated, Duration, Cron };

// A cron expression expanded into the set of values each field allows.
struct CronSpec {
  std::bitset<60> seconds;        // for 5-field cron: only second 0 set
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days_of_month;  // 1..31 (bit 0 unused)
  std::bitset<13> months;         // 1..12 (bit 0 unused)
  std::bitset<7> days_of_week;    // 0..6, Sunday = 0 (7 in input also means Sunday)
  bool dom_restricted = false;    // field was not '*' (for the POSIX dom/dow OR rule)
  bool dow_restricted = false;
};

struct Schedule {
  Kind kind = Kind::Calculated;
  int64_t interval_seconds = 0;  // Duration only
  CronSpec cron;                 // Cron only
  // Normalized text stored in the catalog: 'calculated'; durations as given
  // but lower-cased and trimmed ('1h30m'); cron trimmed with single spaces;
  // aliases lower-cased ('@daily').
  std::string canonical;
};

// Parses a schedule; throws pgt::Error (22023) with a HINT on bad input.
// NULL is the caller's business; an empty or blank string is an error.
Schedule parse(const std::string& text);

// Earliest cron fire time strictly after t (t and result are Unix seconds,
// UTC). Returns -1 if the spec never fires within about 8 years (an impossible
// spec such as Feb 30; parse() refuses those) or t is outside the supported
// range (within ~9 years of the int64 limits).
int64_t next_fire_after(const CronSpec& spec, int64_t unix_seconds_utc);

// Smallest number of seconds between two consecutive fires of the spec, over
// all time (exact: see the .cpp). INT64_MAX if it never fires twice.
int64_t smallest_fire_gap_seconds(const CronSpec& spec);

// Validates against pg_trickle.min_schedule_seconds: a Duration shorter than
// min_seconds, or a cron whose consecutive fires can be closer than
// min_seconds, throws pgt::Error (22023). Calculated always passes.
void check_minimum(const Schedule& s, int64_t min_seconds);

// Calendar helpers (proleptic Gregorian, UTC), exposed for tests and callers
// that need to build instants without localtime/timegm.
int64_t days_from_civil(int64_t year, int month, int day);  // days since 1970-01-01
int64_t unix_seconds_from_utc(int64_t year, int month, int day, int hour, int minute, int second);

}  // namespace pgt::schedule
