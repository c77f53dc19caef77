// Unit tests for src/scheduler/schedule.{h,cpp}: schedule parsing, cron
// evaluation and the minimum-schedule check. No server needed.
#include "scheduler/schedule.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "common/user_error.h"

namespace {

using pgt::schedule::check_minimum;
using pgt::schedule::CronSpec;
using pgt::schedule::Kind;
using pgt::schedule::next_fire_after;
using pgt::schedule::parse;
using pgt::schedule::Schedule;
using pgt::schedule::smallest_fire_gap_seconds;
using pgt::schedule::unix_seconds_from_utc;

// Fixed instants, checked with `date -u -d '<text>' +%s`.
constexpr int64_t k2026Jan01Midnight = 1767225600;    // 2026-01-01 00:00:00 Thu
constexpr int64_t k2026Jan31_235930 = 1769903970;     // 2026-01-31 23:59:30 Sat
constexpr int64_t k2026Jan31_235959 = 1769903999;     // 2026-01-31 23:59:59 Sat
constexpr int64_t k2026Feb01Midnight = 1769904000;    // 2026-02-01 00:00:00 Sun
constexpr int64_t k2026Feb02Midnight = 1769990400;    // 2026-02-02 00:00:00 Mon
constexpr int64_t k2026Mar01Midnight = 1772323200;    // 2026-03-01 00:00:00 Sun
constexpr int64_t k2026Dec31_235959 = 1798761599;     // 2026-12-31 23:59:59 Thu
constexpr int64_t k2027Jan01Midnight = 1798761600;    // 2027-01-01 00:00:00 Fri
constexpr int64_t k2028Feb29Midnight = 1835395200;    // 2028-02-29 00:00:00 Tue
constexpr int64_t k1969Dec31_2300 = -3600;            // 1969-12-31 23:00:00 Wed
constexpr int64_t kDay = 86400;

struct Failure {
  std::string message;
  std::string hint;
};

// Expects parse(text) to throw pgt::Error with SQLSTATE 22023 and a HINT.
Failure parse_failure(const std::string& text) {
  try {
    parse(text);
  } catch (const pgt::Error& error) {
    EXPECT_STREQ(error.sqlstate(), "22023") << "schedule: '" << text << "'";
    EXPECT_FALSE(error.hint().empty()) << "schedule: '" << text << "'";
    return {error.what(), error.hint()};
  }
  ADD_FAILURE() << "expected parse('" << text << "') to throw pgt::Error";
  return {};
}

Failure minimum_failure(const std::string& text, int64_t min_seconds) {
  try {
    check_minimum(parse(text), min_seconds);
  } catch (const pgt::Error& error) {
    EXPECT_STREQ(error.sqlstate(), "22023") << "schedule: '" << text << "'";
    EXPECT_FALSE(error.hint().empty()) << "schedule: '" << text << "'";
    return {error.what(), error.hint()};
  }
  ADD_FAILURE() << "expected check_minimum('" << text << "', " << min_seconds << ") to throw";
  return {};
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

int64_t next_after(const std::string& cron, int64_t t) { return next_fire_after(parse(cron).cron, t); }

int64_t at(int64_t year, int month, int day, int hour = 0, int minute = 0, int second = 0) {
  return unix_seconds_from_utc(year, month, day, hour, minute, second);
}

// ---------------------------------------------------------------------------
// Calendar helpers

TEST(ScheduleCalendar, MatchesDateCommandConstants) {
  EXPECT_EQ(at(2026, 1, 1), k2026Jan01Midnight);
  EXPECT_EQ(at(2026, 1, 31, 23, 59, 30), k2026Jan31_235930);
  EXPECT_EQ(at(2026, 3, 1), k2026Mar01Midnight);
  EXPECT_EQ(at(2027, 1, 1), k2027Jan01Midnight);
  EXPECT_EQ(at(2028, 2, 29), k2028Feb29Midnight);
  EXPECT_EQ(at(1969, 12, 31, 23), k1969Dec31_2300);
  EXPECT_EQ(at(2000, 1, 1), 946684800);
  EXPECT_EQ(pgt::schedule::days_from_civil(1970, 1, 1), 0);
}

// ---------------------------------------------------------------------------
// 'calculated' and empty input

TEST(ScheduleParse, CalculatedIsCaseInsensitiveAndTrimmed) {
  for (const char* text : {"calculated", "CALCULATED", "  Calculated\t\n"}) {
    const Schedule schedule = parse(text);
    EXPECT_EQ(schedule.kind, Kind::Calculated) << text;
    EXPECT_EQ(schedule.canonical, "calculated") << text;
  }
}

TEST(ScheduleParse, EmptyOrBlankIsAnError) {
  EXPECT_TRUE(contains(parse_failure("").message, "empty"));
  EXPECT_TRUE(contains(parse_failure("   \t ").message, "empty"));
}

TEST(ScheduleParse, UnrecognizedWordIsAnError) {
  const Failure failure = parse_failure("hourly");
  EXPECT_TRUE(contains(failure.message, "'hourly'"));
  EXPECT_TRUE(contains(failure.hint, "calculated"));
}

// ---------------------------------------------------------------------------
// Durations

TEST(ScheduleDuration, SingleUnits) {
  EXPECT_EQ(parse("30s").interval_seconds, 30);
  EXPECT_EQ(parse("5m").interval_seconds, 300);
  EXPECT_EQ(parse("2h").interval_seconds, 7200);
  EXPECT_EQ(parse("1d").interval_seconds, kDay);
  EXPECT_EQ(parse("1w").interval_seconds, 7 * kDay);
  EXPECT_EQ(parse("30s").kind, Kind::Duration);
}

TEST(ScheduleDuration, CombinedUnits) {
  EXPECT_EQ(parse("1h30m").interval_seconds, 5400);
  EXPECT_EQ(parse("2m30s").interval_seconds, 150);
  EXPECT_EQ(parse("1w2d3h4m5s").interval_seconds, 7 * kDay + 2 * kDay + 3 * 3600 + 4 * 60 + 5);
  // A zero group is harmless as long as the total is positive.
  EXPECT_EQ(parse("1h0m").interval_seconds, 3600);
}

TEST(ScheduleDuration, CanonicalIsLowerCasedAndTrimmed) {
  EXPECT_EQ(parse("  1H30M ").canonical, "1h30m");
  EXPECT_EQ(parse("1W2D3H4M5S").canonical, "1w2d3h4m5s");
  EXPECT_EQ(parse("90s").canonical, "90s");  // as given: not renormalized to 1m30s
  EXPECT_EQ(parse("1W2D3H4M5S").interval_seconds, parse("1w2d3h4m5s").interval_seconds);
}

TEST(ScheduleDuration, UnitsOutOfOrderOrRepeatedAreErrors) {
  EXPECT_TRUE(contains(parse_failure("30s5m").message, "decreasing order"));
  EXPECT_TRUE(contains(parse_failure("5m5m").message, "more than once"));
  EXPECT_TRUE(contains(parse_failure("1h1d").message, "decreasing order"));
}

TEST(ScheduleDuration, ZeroTotalIsAnError) {
  EXPECT_TRUE(contains(parse_failure("0s").message, "greater than zero"));
  EXPECT_TRUE(contains(parse_failure("0h0m").message, "greater than zero"));
}

TEST(ScheduleDuration, BareNumberSuggestsSeconds) {
  const Failure failure = parse_failure("30");
  EXPECT_TRUE(contains(failure.message, "'30'"));
  EXPECT_TRUE(contains(failure.hint, "'30s'"));
}

TEST(ScheduleDuration, OverflowIsAnError) {
  EXPECT_TRUE(contains(parse_failure("99999999999999999999s").message, "too long"));
  EXPECT_TRUE(contains(parse_failure("99999999999w").message, "too long"));
  // The limit keeps seconds * 1e6 (PostgreSQL microseconds) inside int64.
  const int64_t max_seconds = std::numeric_limits<int64_t>::max() / 1000000;
  EXPECT_EQ(parse(std::to_string(max_seconds) + "s").interval_seconds, max_seconds);
  parse_failure(std::to_string(max_seconds + 1) + "s");
}

TEST(ScheduleDuration, WhitespaceInsideIsAnError) {
  const Failure failure = parse_failure("1h 30m");
  EXPECT_TRUE(contains(failure.message, "spaces"));
  EXPECT_TRUE(contains(failure.hint, "'1h30m'"));
}

TEST(ScheduleDuration, MalformedGroupsAreErrors) {
  EXPECT_TRUE(contains(parse_failure("1x").message, "unknown unit 'x'"));
  EXPECT_TRUE(contains(parse_failure("1h30").message, "no unit"));
  EXPECT_TRUE(contains(parse_failure("1.5h").message, "unknown unit '.'"));
  parse_failure("-5m");
  parse_failure("1hm");
  parse_failure("m5");
}

// ---------------------------------------------------------------------------
// Cron parsing

TEST(ScheduleCron, FiveFieldsFireAtSecondZero) {
  const Schedule schedule = parse("*/5 * * * *");
  EXPECT_EQ(schedule.kind, Kind::Cron);
  EXPECT_EQ(schedule.cron.seconds.count(), 1u);
  EXPECT_TRUE(schedule.cron.seconds[0]);
  EXPECT_EQ(schedule.cron.minutes.count(), 12u);
  EXPECT_TRUE(schedule.cron.minutes[55]);
  EXPECT_FALSE(schedule.cron.minutes[56]);
  EXPECT_EQ(schedule.cron.hours.count(), 24u);
  EXPECT_FALSE(schedule.cron.dom_restricted);
  EXPECT_FALSE(schedule.cron.dow_restricted);
}

TEST(ScheduleCron, SixFieldsHaveSecondsFirst) {
  const CronSpec spec = parse("*/10 30 2 * * *").cron;
  EXPECT_EQ(spec.seconds.count(), 6u);
  EXPECT_TRUE(spec.seconds[50]);
  EXPECT_EQ(spec.minutes.count(), 1u);
  EXPECT_TRUE(spec.minutes[30]);
  EXPECT_EQ(spec.hours.count(), 1u);
  EXPECT_TRUE(spec.hours[2]);
}

TEST(ScheduleCron, RangesStepsAndLists) {
  const CronSpec range_step = parse("10-30/10 * * * *").cron;
  EXPECT_EQ(range_step.minutes.count(), 3u);
  EXPECT_TRUE(range_step.minutes[10] && range_step.minutes[20] && range_step.minutes[30]);

  const CronSpec start_step = parse("5/15 * * * *").cron;  // 5, 20, 35, 50
  EXPECT_EQ(start_step.minutes.count(), 4u);
  EXPECT_TRUE(start_step.minutes[50]);

  const CronSpec list = parse("0 1,3-5,*/12 * * *").cron;  // 0, 1, 3, 4, 5, 12
  EXPECT_EQ(list.hours.count(), 6u);
  EXPECT_TRUE(list.hours[0] && list.hours[1] && list.hours[4] && list.hours[12]);
  EXPECT_FALSE(list.hours[2]);
}

TEST(ScheduleCron, MonthAndDayNamesAreCaseInsensitive) {
  const CronSpec spec = parse("0 9 * jan,Jul,DEC mon-fri").cron;
  EXPECT_EQ(spec.months.count(), 3u);
  EXPECT_TRUE(spec.months[1] && spec.months[7] && spec.months[12]);
  EXPECT_EQ(spec.days_of_week.count(), 5u);
  EXPECT_TRUE(spec.days_of_week[1] && spec.days_of_week[5]);
  EXPECT_FALSE(spec.days_of_week[0]);
  EXPECT_TRUE(spec.dow_restricted);
}

TEST(ScheduleCron, SevenIsSunday) {
  EXPECT_EQ(parse("0 0 * * 7").cron.days_of_week, parse("0 0 * * 0").cron.days_of_week);
  EXPECT_EQ(parse("0 0 * * SUN").cron.days_of_week, parse("0 0 * * 0").cron.days_of_week);
  const CronSpec weekend = parse("0 0 * * 5-7").cron;  // Fri, Sat, Sun
  EXPECT_EQ(weekend.days_of_week.count(), 3u);
  EXPECT_TRUE(weekend.days_of_week[0] && weekend.days_of_week[5] && weekend.days_of_week[6]);
}

TEST(ScheduleCron, CanonicalHasSingleSpaces) {
  EXPECT_EQ(parse("  */5   *\t* *  *  ").canonical, "*/5 * * * *");
  EXPECT_EQ(parse("0 9 * * MON-FRI").canonical, "0 9 * * MON-FRI");
  EXPECT_EQ(parse(" 0  0 * * * * ").canonical, "0 0 * * * *");
}

TEST(ScheduleCron, AliasesExpandToTheirExpressions) {
  const struct {
    const char* alias;
    const char* expression;
  } cases[] = {{"@yearly", "0 0 1 1 *"},  {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
               {"@weekly", "0 0 * * 0"},  {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
               {"@hourly", "0 * * * *"}};
  for (const auto& c : cases) {
    const Schedule alias = parse(c.alias);
    const Schedule expression = parse(c.expression);
    EXPECT_EQ(alias.kind, Kind::Cron) << c.alias;
    EXPECT_EQ(alias.canonical, c.alias);
    EXPECT_EQ(alias.cron.minutes, expression.cron.minutes) << c.alias;
    EXPECT_EQ(alias.cron.hours, expression.cron.hours) << c.alias;
    EXPECT_EQ(alias.cron.days_of_month, expression.cron.days_of_month) << c.alias;
    EXPECT_EQ(alias.cron.months, expression.cron.months) << c.alias;
    EXPECT_EQ(alias.cron.days_of_week, expression.cron.days_of_week) << c.alias;
    EXPECT_EQ(alias.cron.dom_restricted, expression.cron.dom_restricted) << c.alias;
    EXPECT_EQ(alias.cron.dow_restricted, expression.cron.dow_restricted) << c.alias;
  }
  EXPECT_EQ(parse("  @DAILY ").canonical, "@daily");
}

TEST(ScheduleCron, UnknownAliasIsAnError) {
  const Failure failure = parse_failure("@every");
  EXPECT_TRUE(contains(failure.message, "'@every'"));
  EXPECT_TRUE(contains(failure.hint, "@hourly"));
  parse_failure("@daily 5");
  parse_failure("@");
}

TEST(ScheduleCron, OutOfRangeValueNamesTheField) {
  EXPECT_EQ(parse_failure("* 25 * * *").message,
            "invalid cron field \"hour\" in schedule '* 25 * * *': value 25 is out of range 0-23");
  EXPECT_TRUE(contains(parse_failure("60 * * * *").message, "\"minute\""));
  EXPECT_TRUE(contains(parse_failure("60 * * * * *").message, "\"second\""));
  EXPECT_TRUE(contains(parse_failure("* * 0 * *").message, "\"day of month\""));
  EXPECT_TRUE(contains(parse_failure("* * 32 * *").message, "\"day of month\""));
  EXPECT_TRUE(contains(parse_failure("* * * 13 *").message, "\"month\""));
  EXPECT_TRUE(contains(parse_failure("* * * 0 *").message, "\"month\""));
  EXPECT_TRUE(contains(parse_failure("* * * * 8").message, "\"day of week\""));
  EXPECT_TRUE(contains(parse_failure("99999999999 * * * *").message, "out of range"));
  EXPECT_TRUE(contains(parse_failure("* 25 * * *").hint, "0-23"));
}

TEST(ScheduleCron, MalformedFieldsAreErrors) {
  EXPECT_TRUE(contains(parse_failure("5-1 * * * *").message, "reversed"));
  EXPECT_TRUE(contains(parse_failure("*/0 * * * *").message, "greater than zero"));
  EXPECT_TRUE(contains(parse_failure("1,,2 * * * *").message, "empty item"));
  EXPECT_TRUE(contains(parse_failure(",1 * * * *").message, "empty item"));
  EXPECT_TRUE(contains(parse_failure("1, * * * *").message, "empty item"));
  EXPECT_TRUE(contains(parse_failure("*/ * * * *").message, "missing step"));
  parse_failure("*/x * * * *");
  parse_failure("1-2-3 * * * *");
  parse_failure("-5 * * * *");
  parse_failure("1/2/3 * * * *");
}

TEST(ScheduleCron, UnknownTokensAreErrors) {
  EXPECT_TRUE(contains(parse_failure("foo * * * *").message, "'foo'"));
  EXPECT_TRUE(contains(parse_failure("* * * FOO *").message, "unknown name 'FOO'"));
  EXPECT_TRUE(contains(parse_failure("* * * * MONDAY").message, "\"day of week\""));
  // Names belong to the month and day-of-week fields only.
  EXPECT_TRUE(contains(parse_failure("0 JAN * * *").message, "\"hour\""));
  EXPECT_TRUE(contains(parse_failure("0 0 * MON *").message, "\"month\""));
  parse_failure("? * * * *");
}

TEST(ScheduleCron, WrongFieldCountIsAnError) {
  const Failure four = parse_failure("* * * *");
  EXPECT_TRUE(contains(four.message, "found 4"));
  EXPECT_TRUE(contains(four.hint, "5 fields"));
  EXPECT_TRUE(contains(parse_failure("* * * * * * *").message, "found 7"));
  parse_failure("* *");
}

TEST(ScheduleCron, NeverFiringSpecsAreRefused) {
  EXPECT_TRUE(contains(parse_failure("0 0 30 2 *").message, "never fires"));
  EXPECT_TRUE(contains(parse_failure("0 0 31 4,6,9,11 *").message, "never fires"));
  // Feb 29 exists in leap years; with a restricted day of week the OR rule
  // makes any day of month acceptable.
  EXPECT_EQ(parse("0 0 29 2 *").kind, Kind::Cron);
  EXPECT_EQ(parse("0 0 30 2 MON").kind, Kind::Cron);
}

// ---------------------------------------------------------------------------
// next_fire_after

TEST(ScheduleNextFire, EveryMinuteCrossesEveryBoundaryAtOnce) {
  // 2026-01-31 23:59:30 -> 2026-02-01 00:00:00: minute, hour, day and month.
  EXPECT_EQ(next_after("* * * * *", k2026Jan31_235930), k2026Feb01Midnight);
  // Strictly after: a fire time itself is not returned again.
  EXPECT_EQ(next_after("* * * * *", k2026Feb01Midnight), k2026Feb01Midnight + 60);
  EXPECT_EQ(next_after("* * * * *", k2026Feb01Midnight - 1), k2026Feb01Midnight);
}

TEST(ScheduleNextFire, HourDayMonthAndYearBoundaries) {
  EXPECT_EQ(next_after("30 * * * *", at(2026, 1, 1, 0, 31)), at(2026, 1, 1, 1, 30));
  EXPECT_EQ(next_after("0 12 * * *", k2026Jan31_235930), at(2026, 2, 1, 12));
  EXPECT_EQ(next_after("@monthly", k2026Jan31_235930), k2026Feb01Midnight);
  EXPECT_EQ(next_after("0 0 1 1 *", k2026Dec31_235959), k2027Jan01Midnight);
  EXPECT_EQ(next_after("@yearly", k2027Jan01Midnight), at(2028, 1, 1));
  EXPECT_EQ(next_after("@hourly", k2026Jan31_235959), k2026Feb01Midnight);
}

TEST(ScheduleNextFire, MonthEndsSkipShortMonths) {
  // No Feb 31 and no Apr 31.
  EXPECT_EQ(next_after("0 0 31 * *", at(2026, 1, 31)), at(2026, 3, 31));
  EXPECT_EQ(next_after("0 0 31 * *", at(2026, 3, 31)), at(2026, 5, 31));
  EXPECT_EQ(next_after("0 0 30 * *", at(2026, 1, 30)), at(2026, 3, 30));
  EXPECT_EQ(next_after("0 0 1 * *", at(2026, 2, 28, 23, 59, 59)), k2026Mar01Midnight);
}

TEST(ScheduleNextFire, LeapDays) {
  EXPECT_EQ(next_after("0 0 29 2 *", k2026Jan01Midnight), k2028Feb29Midnight);
  EXPECT_EQ(next_after("0 0 29 2 *", k2028Feb29Midnight), at(2032, 2, 29));
  // 2100 is not a leap year: the longest wait, 8 years, is still found.
  EXPECT_EQ(next_after("0 0 29 2 *", at(2096, 3, 1)), at(2104, 2, 29));
  EXPECT_EQ(next_after("0 0 * * *", at(2028, 2, 28, 12)), k2028Feb29Midnight);
}

TEST(ScheduleNextFire, SixFieldSeconds) {
  EXPECT_EQ(next_after("*/15 * * * * *", k2026Jan31_235930), k2026Jan31_235930 + 15);
  EXPECT_EQ(next_after("*/15 * * * * *", k2026Jan31_235930 + 15), k2026Feb01Midnight);
  EXPECT_EQ(next_after("30 0 0 * * *", k2026Jan31_235930), k2026Feb01Midnight + 30);
  EXPECT_EQ(next_after("* * * * * *", k2026Jan31_235959), k2026Feb01Midnight);
}

TEST(ScheduleNextFire, StepExpressions) {
  EXPECT_EQ(next_after("*/20 * * * *", at(2026, 1, 1, 0, 41)), at(2026, 1, 1, 1, 0));
  EXPECT_EQ(next_after("10-30/10 * * * *", at(2026, 1, 1, 0, 10)), at(2026, 1, 1, 0, 20));
  EXPECT_EQ(next_after("10-30/10 * * * *", at(2026, 1, 1, 0, 30)), at(2026, 1, 1, 1, 10));
  EXPECT_EQ(next_after("0 */6 * * *", at(2026, 1, 1, 18)), at(2026, 1, 2, 0));
}

TEST(ScheduleNextFire, DayOfMonthOrDayOfWeekWhenBothRestricted) {
  // 2026-01-01 is a Thursday: Fridays are Jan 2, 9, 16; the 13th is a Tuesday.
  const std::string cron = "0 0 13 * FRI";
  int64_t t = k2026Jan01Midnight;
  t = next_after(cron, t);
  EXPECT_EQ(t, at(2026, 1, 2));
  t = next_after(cron, t);
  EXPECT_EQ(t, at(2026, 1, 9));
  t = next_after(cron, t);
  EXPECT_EQ(t, at(2026, 1, 13));
  t = next_after(cron, t);
  EXPECT_EQ(t, at(2026, 1, 16));
}

TEST(ScheduleNextFire, OnlyTheRestrictedDayFieldAppliesWhenTheOtherIsStar) {
  EXPECT_EQ(next_after("0 0 13 * *", k2026Jan01Midnight), at(2026, 1, 13));
  EXPECT_EQ(next_after("0 0 * * MON", k2026Jan01Midnight), at(2026, 1, 5));
  EXPECT_EQ(next_after("0 0 * * 7", k2026Jan31_235930), k2026Feb01Midnight);  // Sunday
  EXPECT_EQ(next_after("0 0 * * MON-FRI", k2026Jan31_235930), k2026Feb02Midnight);
}

TEST(ScheduleNextFire, BeforeTheUnixEpoch) {
  EXPECT_EQ(next_after("0 * * * *", k1969Dec31_2300 - 1), k1969Dec31_2300);
  EXPECT_EQ(next_after("0 0 * * *", k1969Dec31_2300), 0);
}

TEST(ScheduleNextFire, ImpossibleSpecTerminatesWithMinusOne) {
  // parse() refuses Feb 30, so build the spec by hand.
  CronSpec feb30 = parse("0 0 1 2 *").cron;
  feb30.days_of_month.reset().set(30);
  EXPECT_EQ(next_fire_after(feb30, k2026Jan01Midnight), -1);
  EXPECT_EQ(next_fire_after(parse("* * * * *").cron, std::numeric_limits<int64_t>::max()), -1);
}

// ---------------------------------------------------------------------------
// check_minimum and fire gaps

TEST(ScheduleMinimum, DurationShorterThanMinimumIsRefused) {
  const Failure failure = minimum_failure("30s", 60);
  EXPECT_TRUE(contains(failure.message, "'30s'"));
  EXPECT_TRUE(contains(failure.hint, "60 seconds"));
  EXPECT_TRUE(contains(failure.hint, "pg_trickle.min_schedule_seconds"));
  EXPECT_NO_THROW(check_minimum(parse("60s"), 60));
  EXPECT_NO_THROW(check_minimum(parse("1m"), 60));
  EXPECT_NO_THROW(check_minimum(parse("1s"), 1));
}

TEST(ScheduleMinimum, CalculatedAlwaysPasses) {
  EXPECT_NO_THROW(check_minimum(parse("calculated"), 1000000));
}

TEST(ScheduleMinimum, CronIsCheckedByItsClosestFires) {
  EXPECT_NO_THROW(check_minimum(parse("* * * * *"), 60));
  EXPECT_NO_THROW(check_minimum(parse("0 * * * * *"), 60));
  EXPECT_NO_THROW(check_minimum(parse("@daily"), 3600));
  const Failure failure = minimum_failure("*/10 * * * * *", 60);
  EXPECT_TRUE(contains(failure.message, "10 seconds apart"));
  EXPECT_TRUE(contains(failure.hint, "pg_trickle.min_schedule_seconds"));
  minimum_failure("* * * * *", 61);
  // Fires only on Mondays, but every second then.
  minimum_failure("* * * * * MON", 60);
}

TEST(ScheduleMinimum, SmallestFireGap) {
  EXPECT_EQ(smallest_fire_gap_seconds(parse("* * * * * *").cron), 1);
  EXPECT_EQ(smallest_fire_gap_seconds(parse("*/5 * * * *").cron), 300);
  EXPECT_EQ(smallest_fire_gap_seconds(parse("0,50 * * * *").cron), 600);  // :50 -> next :00
  EXPECT_EQ(smallest_fire_gap_seconds(parse("@daily").cron), kDay);
  EXPECT_EQ(smallest_fire_gap_seconds(parse("@weekly").cron), 7 * kDay);
  EXPECT_EQ(smallest_fire_gap_seconds(parse("@yearly").cron), 365 * kDay);
  EXPECT_EQ(smallest_fire_gap_seconds(parse("0 0 29 2 *").cron), (4 * 365 + 1) * kDay);
  // Closest pair straddles Jan 31 23:59 -> Feb 1 00:00.
  EXPECT_EQ(smallest_fire_gap_seconds(parse("0,59 0,23 1,31 * *").cron), 60);
}

}  // namespace
