// pg_trickle.auto_backoff and the falling-behind test (scheduler/due_policy).
#include <gtest/gtest.h>

#include "scheduler/due_policy.h"

using namespace pgt::scheduler;

TEST(AutoBackoff, DoublesWhenARefreshTakesMostOfThePeriod) {
  EXPECT_EQ(next_backoff_factor(1, 960, 1000), 2);
  EXPECT_EQ(next_backoff_factor(2, 5000, 1000), 4);
  EXPECT_EQ(next_backoff_factor(4, 5000, 1000), 8);
  EXPECT_EQ(next_backoff_factor(8, 5000, 1000), 8);  // at most 8x
}

TEST(AutoBackoff, ResetsOnTheFirstRefreshOnTime) {
  EXPECT_EQ(next_backoff_factor(8, 950, 1000), 1);
  EXPECT_EQ(next_backoff_factor(1, 10, 1000), 1);
  EXPECT_EQ(next_backoff_factor(4, 10, 0), 1);
}

TEST(FallingBehind, AboveEightyPercentOfThePeriod) {
  EXPECT_FALSE(falling_behind(800, 1000));
  EXPECT_TRUE(falling_behind(801, 1000));
  EXPECT_FALSE(falling_behind(5000, 0));
}
