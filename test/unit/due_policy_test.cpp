// Unit tests for src/scheduler/due_policy.{h,cpp}: when a stream table is due.
#include "scheduler/due_policy.h"

#include <gtest/gtest.h>

namespace {

using namespace pgt::scheduler;
using pgt::schedule::Kind;

constexpr int64_t k2026Jan31_235930 = 1769903970;  // 2026-01-31 23:59:30 UTC
constexpr int64_t k2026Feb01Midnight = 1769904000;

TableTiming duration(int64_t period, int64_t last_ms, bool pending = true) {
  TableTiming t;
  t.kind = Kind::Duration;
  t.period_seconds = period;
  t.last_refresh_ms = last_ms;
  t.pending = pending;
  return t;
}

TEST(DuePolicy, DurationIsDueOnePeriodAfterTheLastRefresh) {
  EXPECT_EQ(due_at_ms(duration(30, 1000000)), 1000000 + 30000);
}

TEST(DuePolicy, NothingPendingMeansNeverDue) {
  EXPECT_EQ(due_at_ms(duration(30, 1000000, false)), kNever);
}

TEST(DuePolicy, WithoutChangeCaptureItIsDueEveryPeriodAnyway) {
  TableTiming t = duration(5, 1000, false);
  t.captures_changes = false;
  EXPECT_EQ(due_at_ms(t), 6000);
}

TEST(DuePolicy, NeverPopulatedIsDueAtOnce) {
  TableTiming t = duration(3600, 0, false);
  t.populated = false;
  EXPECT_EQ(due_at_ms(t), 0);
}

TEST(DuePolicy, BackoffDelaysButNeverAdvances) {
  TableTiming t = duration(1, 1000);
  t.not_before_ms = 50000;
  EXPECT_EQ(due_at_ms(t), 50000);
  t.not_before_ms = 10;
  EXPECT_EQ(due_at_ms(t), 2000);
}

TEST(DuePolicy, CronIsDueAtTheNextFiringAfterTheLastRefreshAcrossAMonthEnd) {
  TableTiming t;
  t.kind = Kind::Cron;
  t.cron = pgt::schedule::parse("@daily").cron;
  t.last_refresh_ms = k2026Jan31_235930 * 1000;
  EXPECT_EQ(due_at_ms(t), k2026Feb01Midnight * 1000);
  // A firing already handled (nothing was pending) moves on to the next day.
  t.cron_considered_ms = k2026Feb01Midnight * 1000;
  EXPECT_EQ(due_at_ms(t), (k2026Feb01Midnight + 86400) * 1000);
}

TEST(DuePolicy, RetryDelayDoublesAndIsCapped) {
  EXPECT_EQ(retry_delay_ms(1, 1000), 1000);
  EXPECT_EQ(retry_delay_ms(2, 1000), 2000);
  EXPECT_EQ(retry_delay_ms(3, 1000), 4000);
  EXPECT_EQ(retry_delay_ms(30, 1000), 60000);
  EXPECT_EQ(retry_delay_ms(1, 0), 100);
}

TEST(DuePolicy, GroupFastestAndSlowest) {
  EXPECT_EQ(group_due_at_ms({kNever, 300, 100}, false), 100);
  EXPECT_EQ(group_due_at_ms({kNever, 300, 100}, true), 300);
  EXPECT_EQ(group_due_at_ms({kNever, kNever}, false), kNever);
  EXPECT_EQ(group_due_at_ms({kNever, kNever}, true), kNever);
}

}  // namespace
