// Refresh tiers (scheduler/refresh_tier): multipliers, 'auto' classification,
// the history note of a stretched refresh.
#include <gtest/gtest.h>

#include "scheduler/refresh_tier.h"

using namespace pgt::scheduler;

TEST(RefreshTier, MultipliersAsTheReference) {
  EXPECT_EQ(tier_multiplier(Tier::Hot), 1);
  EXPECT_EQ(tier_multiplier(Tier::Warm), 2);
  EXPECT_EQ(tier_multiplier(Tier::Cold), 10);
  EXPECT_EQ(tier_multiplier(Tier::Frozen), 0);
}

TEST(RefreshTier, NamesRoundTripAndAutoIsNotATier) {
  for (Tier t : {Tier::Hot, Tier::Warm, Tier::Cold, Tier::Frozen}) EXPECT_EQ(parse_tier(tier_name(t)), t);
  EXPECT_FALSE(parse_tier("auto"));
  EXPECT_FALSE(parse_tier("HOT"));  // callers lower-case first
}

TEST(RefreshTier, AutoFromTheLastReadInPeriods) {
  EXPECT_EQ(tier_from_last_read(0, 1000), Tier::Hot);
  EXPECT_EQ(tier_from_last_read(10000, 1000), Tier::Hot);
  EXPECT_EQ(tier_from_last_read(10001, 1000), Tier::Warm);
  EXPECT_EQ(tier_from_last_read(30000, 1000), Tier::Warm);
  EXPECT_EQ(tier_from_last_read(30001, 1000), Tier::Cold);
  EXPECT_EQ(tier_from_last_read(int64_t{1} << 50, 1000), Tier::Cold);  // never frozen
  EXPECT_EQ(tier_from_last_read(100000, 60000), Tier::Hot);  // in the table's own periods
}

TEST(RefreshTier, HotterCountsFrozenAsCold) {
  EXPECT_EQ(hotter(Tier::Cold, Tier::Hot), Tier::Hot);
  EXPECT_EQ(hotter(Tier::Warm, Tier::Cold), Tier::Warm);
  EXPECT_EQ(hotter(Tier::Frozen, Tier::Cold), Tier::Cold);
  EXPECT_EQ(hotter(Tier::Frozen, Tier::Frozen), Tier::Cold);
}

TEST(RefreshTier, StretchNote) {
  EXPECT_EQ(stretch_note(Tier::Hot, 1, 1000, false), "");
  EXPECT_EQ(stretch_note(Tier::Cold, 1, 1000, false), "tier cold: period 10 s (schedule 1 s x 10)");
  EXPECT_EQ(stretch_note(Tier::Hot, 4, 2000, false), "auto_backoff x4: period 8 s (schedule 2 s x 4)");
  EXPECT_EQ(stretch_note(Tier::Warm, 2, 1000, false),
            "tier warm, auto_backoff x2: period 4 s (schedule 1 s x 2 x 2)");
  EXPECT_EQ(stretch_note(Tier::Cold, 2, 60000, true), "");  // cron: firing times, never stretched
}
