// Schedule parsing and cron evaluation. See schedule.h for the contract.
#include "scheduler/schedule.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "common/user_error.h"

namespace pgt::schedule {
namespace {

constexpr int64_t kSecondsPerDay = 86400;
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

constexpr const char* kGeneralHint =
    "Use 'calculated', a duration such as '30s', '5m' or '1h30m', a cron expression such as "
    "'*/5 * * * *', or an alias such as '@hourly'.";

[[noreturn]] void fail(std::string message, std::string hint) {
  throw Error(sqlstate::kInvalidParameterValue, std::move(message), {}, std::move(hint));
}

std::string quoted(const std::string& text) { return "'" + text + "'"; }

// ---------------------------------------------------------------------------
// Text helpers. <cctype> functions need unsigned char: plain char may be
// negative for non-ASCII bytes, which is undefined behaviour.

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::string to_lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string trim(const std::string& text) {
  size_t begin = 0;
  size_t end = text.size();
  while (begin < end && is_space(text[begin])) ++begin;
  while (end > begin && is_space(text[end - 1])) --end;
  return text.substr(begin, end - begin);
}

std::vector<std::string> split_on_whitespace(const std::string& text) {
  std::vector<std::string> words;
  size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && is_space(text[pos])) ++pos;
    const size_t begin = pos;
    while (pos < text.size() && !is_space(text[pos])) ++pos;
    if (pos > begin) words.push_back(text.substr(begin, pos - begin));
  }
  return words;
}

std::string join(const std::vector<std::string>& words, const char* separator) {
  std::string joined;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i > 0) joined += separator;
    joined += words[i];
  }
  return joined;
}

bool all_digits(const std::string& text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), is_digit);
}

// ---------------------------------------------------------------------------
// Durations: '30s', '5m', '1h30m', '1w2d'.

// PostgreSQL keeps timestamps and intervals in int64 microseconds; capping a
// duration here lets callers convert it (seconds * 1e6) and add it to a
// timestamp without overflow.
constexpr int64_t kMaxDurationSeconds = kInt64Max / 1000000;

struct DurationUnit {
  char letter;
  int64_t seconds;
};
// Largest first: groups must appear in this order.
constexpr std::array<DurationUnit, 5> kDurationUnits = {
    {{'w', 7 * kSecondsPerDay}, {'d', kSecondsPerDay}, {'h', 3600}, {'m', 60}, {'s', 1}}};

constexpr const char* kDurationHint =
    "Write a duration as one or more <number><unit> groups with units w, d, h, m, s, largest "
    "first and without spaces, e.g. '30s', '5m', '1h30m' or '1d'.";

int duration_unit_index(char lower_letter) {
  for (size_t i = 0; i < kDurationUnits.size(); ++i) {
    if (kDurationUnits[i].letter == lower_letter) return static_cast<int>(i);
  }
  return -1;
}

[[noreturn]] void fail_duration(const std::string& shown, const std::string& why,
                                std::string hint = kDurationHint) {
  fail("invalid duration " + quoted(shown) + ": " + why, std::move(hint));
}

[[noreturn]] void fail_duration_too_long(const std::string& shown) {
  fail_duration(shown, "the interval is too long",
                "The longest accepted duration is " + std::to_string(kMaxDurationSeconds) +
                    " seconds; use a shorter duration such as '1w'.");
}

// `lowered` is the trimmed, lower-cased text; `shown` is what the user wrote
// (trimmed), quoted in messages.
int64_t parse_duration_seconds(const std::string& lowered, const std::string& shown) {
  int64_t total = 0;
  int previous_unit = -1;
  size_t pos = 0;
  while (pos < lowered.size()) {
    const size_t number_begin = pos;
    int64_t amount = 0;
    for (; pos < lowered.size() && is_digit(lowered[pos]); ++pos) {
      const int digit = lowered[pos] - '0';
      if (amount > (kMaxDurationSeconds - digit) / 10) fail_duration_too_long(shown);
      amount = amount * 10 + digit;
    }
    const std::string number = lowered.substr(number_begin, pos - number_begin);
    if (number.empty()) {
      fail_duration(shown, "expected a number at " + quoted(shown.substr(pos)));
    }
    if (pos == lowered.size()) {
      if (number_begin == 0) {  // the whole schedule is a bare number
        fail("invalid schedule " + quoted(shown) + ": a duration needs a unit",
             "Add a unit, e.g. '" + number + "s' for " + number + " seconds or '" + number +
                 "m' for " + number + " minutes.");
      }
      fail_duration(shown, "the number " + number + " has no unit");
    }
    const char letter = lowered[pos++];
    const int unit = duration_unit_index(letter);
    if (unit < 0) fail_duration(shown, "unknown unit " + quoted(shown.substr(pos - 1, 1)));
    // One group per unit, largest first, so each duration has one spelling.
    if (unit == previous_unit) {
      fail_duration(shown, "unit '" + std::string(1, letter) + "' appears more than once");
    }
    if (unit < previous_unit) {
      fail_duration(shown, "units must be in decreasing order (w, d, h, m, s)",
                    "Write the larger unit first, e.g. '5m30s' rather than '30s5m'.");
    }
    previous_unit = unit;
    const int64_t unit_seconds = kDurationUnits[static_cast<size_t>(unit)].seconds;
    if (amount > (kMaxDurationSeconds - total) / unit_seconds) fail_duration_too_long(shown);
    total += amount * unit_seconds;
  }
  if (total == 0) {
    fail_duration(shown, "the interval must be greater than zero",
                  "Use a positive duration such as '30s' or '5m'.");
  }
  return total;
}

// '1h 30m': each word is a complete <number><unit> group, so the user meant a
// duration, not a cron expression; say so rather than "wrong field count".
bool looks_like_spaced_duration(const std::vector<std::string>& words) {
  return std::all_of(words.begin(), words.end(), [](const std::string& word) {
    return is_digit(word.front()) && is_alpha(word.back());
  });
}

// ---------------------------------------------------------------------------
// Cron fields.

constexpr std::array<const char*, 12> kMonthNames = {"jan", "feb", "mar", "apr", "may", "jun",
                                                     "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<const char*, 7> kDayNames = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

struct CronFieldRule {
  const char* name;
  int min;       // smallest accepted value
  int max;       // largest accepted value (day of week accepts 7 = Sunday)
  int star_max;  // '*' and '*/n' cover min..star_max (day of week: 0..6, so 7 is not doubled)
  const char* const* names = nullptr;  // three-letter names, value of names[i] is min + i
  size_t name_count = 0;
  const char* values_text;  // for the HINT
};

const CronFieldRule kSecondRule{"second", 0, 59, 59, nullptr, 0, "0-59"};
const CronFieldRule kMinuteRule{"minute", 0, 59, 59, nullptr, 0, "0-59"};
const CronFieldRule kHourRule{"hour", 0, 23, 23, nullptr, 0, "0-23"};
const CronFieldRule kDayOfMonthRule{"day of month", 1, 31, 31, nullptr, 0, "1-31"};
const CronFieldRule kMonthRule{"month", 1, 12, 12, kMonthNames.data(), kMonthNames.size(),
                               "1-12 or JAN-DEC"};
const CronFieldRule kDayOfWeekRule{"day of week", 0, 7, 6, kDayNames.data(), kDayNames.size(),
                                   "0-7 (0 and 7 are Sunday) or SUN-SAT"};

// A field's allowed values as bits, wide enough for every field.
using FieldBits = std::bitset<64>;

class CronFieldParser {
 public:
  CronFieldParser(const CronFieldRule& rule, const std::string& field, const std::string& schedule)
      : rule_(rule), field_(field), schedule_(schedule) {}

  FieldBits parse() const {
    FieldBits bits;
    size_t begin = 0;
    while (true) {
      const size_t comma = field_.find(',', begin);
      const std::string item = field_.substr(begin, comma == std::string::npos ? std::string::npos
                                                                              : comma - begin);
      if (item.empty()) fail_field("empty item in comma-separated list " + quoted(field_));
      add_item(item, bits);
      if (comma == std::string::npos) return bits;
      begin = comma + 1;
    }
  }

 private:
  // item := base ['/' step];  base := '*' | value | value '-' value
  void add_item(const std::string& item, FieldBits& bits) const {
    const size_t slash = item.find('/');
    const std::string base = item.substr(0, slash);
    const bool has_step = slash != std::string::npos;
    const int step = has_step ? parse_step(item.substr(slash + 1)) : 1;

    int first = 0;
    int last = 0;
    const size_t dash = base.find('-');
    if (base == "*") {
      first = rule_.min;
      last = rule_.star_max;
    } else if (dash != std::string::npos) {
      first = parse_value(base.substr(0, dash), "range start");
      last = parse_value(base.substr(dash + 1), "range end");
      if (first > last) {
        fail_field("range " + quoted(base) + " is reversed (ranges do not wrap around)");
      }
    } else {
      first = parse_value(base, "value");
      // 'a/n' means a, a+n, ... up to the field's end.
      last = has_step ? std::max(rule_.star_max, first) : first;
    }
    for (int value = first; value <= last; value += step) bits.set(static_cast<size_t>(value));
  }

  int parse_step(const std::string& text) const {
    if (text.empty()) fail_field("missing step after '/'");
    if (!all_digits(text)) fail_field("step " + quoted(text) + " is not a positive integer");
    const int step = parse_bounded_number(text);
    if (step == 0) fail_field("step must be greater than zero");
    return step;
  }

  // A number or (in month/day-of-week fields) a three-letter name, range-checked.
  int parse_value(const std::string& text, const char* what) const {
    if (text.empty()) fail_field(std::string("missing ") + what);
    int value = 0;
    if (all_digits(text)) {
      value = parse_bounded_number(text);
    } else if (std::all_of(text.begin(), text.end(), is_alpha) && rule_.names != nullptr) {
      value = lookup_name(text);
    } else {
      fail_field("unexpected " + quoted(text));
    }
    if (value < rule_.min || value > rule_.max) {
      fail_field("value " + text + " is out of range " + std::to_string(rule_.min) + "-" +
                 std::to_string(rule_.max));
    }
    return value;
  }

  int lookup_name(const std::string& text) const {
    const std::string lowered = to_lower(text);
    for (size_t i = 0; i < rule_.name_count; ++i) {
      if (lowered == rule_.names[i]) return rule_.min + static_cast<int>(i);
    }
    fail_field("unknown name " + quoted(text));
  }

  // Saturates instead of overflowing: anything past 1000 is out of every range.
  static int parse_bounded_number(const std::string& digits) {
    int value = 0;
    for (char c : digits) value = std::min(value * 10 + (c - '0'), 1000);
    return value;
  }

  [[noreturn]] void fail_field(const std::string& why) const {
    fail(std::string("invalid cron field \"") + rule_.name + "\" in schedule " + quoted(schedule_) +
             ": " + why,
         std::string("The ") + rule_.name + " field accepts *, values " + rule_.values_text +
             ", ranges a-b, steps */n, a-b/n or a/n, and comma-separated lists of these.");
  }

  const CronFieldRule& rule_;
  const std::string& field_;
  const std::string& schedule_;
};

template <size_t N>
std::bitset<N> narrow(const FieldBits& wide) {
  std::bitset<N> bits;
  for (size_t i = 0; i < N; ++i) bits[i] = wide[i];
  return bits;
}

FieldBits parse_field(const CronFieldRule& rule, const std::string& field,
                      const std::string& schedule) {
  return CronFieldParser(rule, field, schedule).parse();
}

// ---------------------------------------------------------------------------
// Calendar (proleptic Gregorian, UTC), after Howard Hinnant's
// days_from_civil / civil_from_days algorithms.

struct CivilDate {
  int64_t year;
  int month;  // 1..12
  int day;    // 1..31
};

int64_t floor_div(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

CivilDate civil_from_days(int64_t days_since_epoch) {
  const int64_t z = days_since_epoch + 719468;  // shift the epoch to 0000-03-01
  const int64_t era = floor_div(z, 146097);
  const int64_t day_of_era = z - era * 146097;                                    // [0, 146096]
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;  // [0, 399]
  const int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t shifted_month = (5 * day_of_year + 2) / 153;  // March = 0
  const int day = static_cast<int>(day_of_year - (153 * shifted_month + 2) / 5 + 1);
  const int month = static_cast<int>(shifted_month < 10 ? shifted_month + 3 : shifted_month - 9);
  return {year_of_era + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

int weekday_from_days(int64_t days_since_epoch) {  // 0 = Sunday; 1970-01-01 was a Thursday
  return static_cast<int>(days_since_epoch - floor_div(days_since_epoch + 4, 7) * 7 + 4);
}

bool day_matches(const CronSpec& spec, int64_t days_since_epoch) {
  const CivilDate date = civil_from_days(days_since_epoch);
  if (!spec.months[static_cast<size_t>(date.month)]) return false;
  const bool dom_match = spec.days_of_month[static_cast<size_t>(date.day)];
  const bool dow_match = spec.days_of_week[static_cast<size_t>(weekday_from_days(days_since_epoch))];
  // POSIX/Vixie rule: when both day fields are restricted, either may match
  // ('0 0 1 * MON' = the 1st and every Monday). When one is '*' its bits are
  // all set, so AND leaves only the other field's restriction.
  if (spec.dom_restricted && spec.dow_restricted) return dom_match || dow_match;
  return dom_match && dow_match;
}

template <size_t N>
int next_set_bit(const std::bitset<N>& bits, int from) {
  for (int i = std::max(from, 0); i < static_cast<int>(N); ++i) {
    if (bits[static_cast<size_t>(i)]) return i;
  }
  return -1;
}

// Earliest fire second-of-day >= second_of_day, on a day that matches.
std::optional<int64_t> first_time_of_day_at_or_after(const CronSpec& spec, int64_t second_of_day) {
  const int start_hour = static_cast<int>(second_of_day / 3600);
  const int start_minute = static_cast<int>(second_of_day / 60 % 60);
  const int start_second = static_cast<int>(second_of_day % 60);
  for (int hour = next_set_bit(spec.hours, start_hour); hour >= 0;
       hour = next_set_bit(spec.hours, hour + 1)) {
    const bool in_start_hour = hour == start_hour;
    for (int minute = next_set_bit(spec.minutes, in_start_hour ? start_minute : 0); minute >= 0;
         minute = next_set_bit(spec.minutes, minute + 1)) {
      const bool in_start_minute = in_start_hour && minute == start_minute;
      const int second = next_set_bit(spec.seconds, in_start_minute ? start_second : 0);
      if (second >= 0) return int64_t{hour} * 3600 + minute * 60 + second;
    }
  }
  return std::nullopt;
}

// Any satisfiable spec fires within 8 years: the rarest day is Feb 29, and the
// longest gap between leap days is 8 years (2096-02-29 -> 2104-02-29, since
// 2100 is not a leap year). Every other day/month combination occurs yearly.
constexpr int64_t kSearchDays = 8 * 366 + 1;
// Keep day * 86400 and the result inside int64.
constexpr int64_t kSupportedMargin = (kSearchDays + 2) * kSecondsPerDay;
constexpr int64_t kLatestSupported = kInt64Max - kSupportedMargin;
constexpr int64_t kEarliestSupported = std::numeric_limits<int64_t>::min() + kSupportedMargin;

// Whether some matching day exists at all. Only a restricted day of month
// with an unrestricted day of week can be impossible (e.g. Feb 30, Apr 31):
// a restricted day of week matches some day of every month.
bool day_of_month_ever_occurs(const CronSpec& spec) {
  if (!spec.dom_restricted || spec.dow_restricted) return true;
  constexpr std::array<int, 13> kLongestMonth = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  for (int month = 1; month <= 12; ++month) {
    if (!spec.months[static_cast<size_t>(month)]) continue;
    for (int day = 1; day <= kLongestMonth[static_cast<size_t>(month)]; ++day) {
      if (spec.days_of_month[static_cast<size_t>(day)]) return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------
// Cron expressions and aliases.

struct CronAlias {
  const char* name;
  const char* expression;
};
constexpr std::array<CronAlias, 7> kCronAliases = {{{"@yearly", "0 0 1 1 *"},
                                                    {"@annually", "0 0 1 1 *"},
                                                    {"@monthly", "0 0 1 * *"},
                                                    {"@weekly", "0 0 * * 0"},
                                                    {"@daily", "0 0 * * *"},
                                                    {"@midnight", "0 0 * * *"},
                                                    {"@hourly", "0 * * * *"}}};

CronSpec parse_cron_fields(const std::vector<std::string>& words, const std::string& shown) {
  // A 5-field cron has no seconds field: it fires at second 0.
  const bool has_seconds = words.size() == 6;
  const size_t first = has_seconds ? 1 : 0;
  CronSpec spec;
  spec.seconds = has_seconds ? narrow<60>(parse_field(kSecondRule, words[0], shown))
                             : std::bitset<60>().set(0);
  spec.minutes = narrow<60>(parse_field(kMinuteRule, words[first], shown));
  spec.hours = narrow<24>(parse_field(kHourRule, words[first + 1], shown));
  spec.days_of_month = narrow<32>(parse_field(kDayOfMonthRule, words[first + 2], shown));
  spec.months = narrow<13>(parse_field(kMonthRule, words[first + 3], shown));
  const FieldBits days_of_week = parse_field(kDayOfWeekRule, words[first + 4], shown);
  spec.days_of_week = narrow<7>(days_of_week);
  if (days_of_week[7]) spec.days_of_week.set(0);  // 7 is Sunday too
  spec.dom_restricted = words[first + 2] != "*";
  spec.dow_restricted = words[first + 4] != "*";
  if (!day_of_month_ever_occurs(spec)) {
    fail("cron schedule " + quoted(shown) + " never fires: none of the selected months has the "
             "selected day of month",
         "February has at most 29 days; April, June, September and November have 30. Choose a "
         "day of month that exists in the selected months.");
  }
  return spec;
}

Schedule make_cron(const std::vector<std::string>& words, std::string canonical) {
  Schedule schedule;
  schedule.kind = Kind::Cron;
  schedule.cron = parse_cron_fields(words, canonical);
  schedule.canonical = std::move(canonical);
  return schedule;
}

Schedule parse_alias(const std::string& trimmed) {
  const std::string lowered = to_lower(trimmed);
  for (const CronAlias& alias : kCronAliases) {
    if (lowered == alias.name) {
      Schedule schedule = make_cron(split_on_whitespace(alias.expression), alias.expression);
      schedule.canonical = lowered;
      return schedule;
    }
  }
  fail("unknown cron alias " + quoted(trimmed),
       "Use one of @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly.");
}

Schedule parse_single_word(const std::string& trimmed) {
  const std::string lowered = to_lower(trimmed);
  Schedule schedule;
  if (lowered == "calculated") {
    schedule.kind = Kind::Calculated;
    schedule.canonical = lowered;
    return schedule;
  }
  if (!is_digit(lowered.front())) {
    fail("invalid schedule " + quoted(trimmed) +
             ": expected 'calculated', a duration, a cron expression or an @alias",
         kGeneralHint);
  }
  schedule.kind = Kind::Duration;
  schedule.interval_seconds = parse_duration_seconds(lowered, trimmed);
  schedule.canonical = lowered;
  return schedule;
}

}  // namespace

// ---------------------------------------------------------------------------

Schedule parse(const std::string& text) {
  const std::string trimmed = trim(text);
  if (trimmed.empty()) fail("schedule must not be empty", kGeneralHint);
  if (trimmed.front() == '@') return parse_alias(trimmed);

  const std::vector<std::string> words = split_on_whitespace(trimmed);
  if (words.size() == 1) return parse_single_word(trimmed);
  if (looks_like_spaced_duration(words)) {
    fail_duration(trimmed, "a duration must not contain spaces",
                  "Write the groups together, e.g. " + quoted(join(words, "")) + ".");
  }
  if (words.size() != 5 && words.size() != 6) {
    fail("invalid cron expression " + quoted(trimmed) + ": expected 5 or 6 fields, found " +
             std::to_string(words.size()),
         "Use 5 fields (minute hour day-of-month month day-of-week), e.g. '*/5 * * * *', or 6 "
         "fields with seconds first, e.g. '*/30 * * * * *'.");
  }
  return make_cron(words, join(words, " "));
}

int64_t next_fire_after(const CronSpec& spec, int64_t unix_seconds_utc) {
  if (unix_seconds_utc < kEarliestSupported || unix_seconds_utc > kLatestSupported) return -1;
  const int64_t start = unix_seconds_utc + 1;  // strictly after
  int64_t day = floor_div(start, kSecondsPerDay);
  int64_t second_of_day = start - day * kSecondsPerDay;
  for (int64_t searched = 0; searched <= kSearchDays; ++searched, ++day, second_of_day = 0) {
    if (!day_matches(spec, day)) continue;
    if (const auto time_of_day = first_time_of_day_at_or_after(spec, second_of_day)) {
      return day * kSecondsPerDay + *time_of_day;
    }
  }
  return -1;
}

// Exact, rather than sampling fires from a fixed instant: a short sample
// window misses specs whose fine-grained fires happen only on some days
// ('* * * * * MON' sampled from a Saturday) or whose closest pair straddles
// two consecutive matching days that are rare ('0,59 0,23 1,31 * *': 23:59 on
// Jan 31 to 00:00 on Feb 1 is 60 seconds). Every matching
// day has the same time-of-day set, so the smallest gap is either between two
// fires within a day, or from the last fire of a matching day to the first
// fire of the next matching day. Weekdays and leap years repeat exactly every
// 400 years (146097 days), so one cycle of days finds the closest pair of
// matching days.
int64_t smallest_fire_gap_seconds(const CronSpec& spec) {
  int64_t first_fire = -1;
  int64_t last_fire = -1;
  int64_t gap = kInt64Max;
  std::optional<int64_t> fire = first_time_of_day_at_or_after(spec, 0);
  for (; fire; fire = first_time_of_day_at_or_after(spec, *fire + 1)) {
    if (first_fire < 0) first_fire = *fire;
    if (last_fire >= 0) gap = std::min(gap, *fire - last_fire);
    last_fire = *fire;
  }
  if (first_fire < 0) return kInt64Max;

  const int64_t cycle_start = days_from_civil(2000, 1, 1);
  constexpr int64_t kGregorianCycleDays = 146097;
  int64_t previous_matching_day = -1;
  bool found_previous = false;
  for (int64_t day = cycle_start; day <= cycle_start + kGregorianCycleDays + 366; ++day) {
    if (!day_matches(spec, day)) continue;
    if (found_previous) {
      const int64_t across_days = (day - previous_matching_day) * kSecondsPerDay - last_fire + first_fire;
      gap = std::min(gap, across_days);
    }
    previous_matching_day = day;
    found_previous = true;
  }
  return gap;
}

void check_minimum(const Schedule& s, int64_t min_seconds) {
  const std::string minimum_text = std::to_string(min_seconds) + " seconds";
  switch (s.kind) {
    case Kind::Calculated:
      // 'calculated' has no period of its own: the scheduler derives it from
      // the schedules of downstream stream tables, which were checked here.
      return;
    case Kind::Duration:
      if (s.interval_seconds < min_seconds) {
        fail("schedule " + quoted(s.canonical) + " is shorter than the minimum of " + minimum_text,
             "Use a schedule of at least " + minimum_text +
                 "; the minimum is set by pg_trickle.min_schedule_seconds.");
      }
      return;
    case Kind::Cron: {
      // A cron has no single interval, so it is checked by its finest
      // granularity: the closest two consecutive fires. A 5-field cron is at
      // least 60 seconds apart; a 6-field cron can fire every second.
      const int64_t gap = smallest_fire_gap_seconds(s.cron);
      if (gap < min_seconds) {
        fail("cron schedule " + quoted(s.canonical) + " can fire " + std::to_string(gap) +
                 " seconds apart, more often than the minimum of " + minimum_text,
             "Choose a cron expression whose fires are at least " + minimum_text +
                 " apart; the minimum is set by pg_trickle.min_schedule_seconds.");
      }
      return;
    }
  }
}

int64_t days_from_civil(int64_t year, int month, int day) {
  const int64_t year_from_march = month <= 2 ? year - 1 : year;  // the year starts in March
  const int64_t era = floor_div(year_from_march, 400);
  const int64_t year_of_era = year_from_march - era * 400;                       // [0, 399]
  const int64_t shifted_month = month > 2 ? month - 3 : month + 9;               // March = 0
  const int64_t day_of_year = (153 * shifted_month + 2) / 5 + day - 1;           // [0, 365]
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

int64_t unix_seconds_from_utc(int64_t year, int month, int day, int hour, int minute, int second) {
  return days_from_civil(year, month, day) * kSecondsPerDay + int64_t{hour} * 3600 + minute * 60 +
         second;
}

}  // namespace pgt::schedule
