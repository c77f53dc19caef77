// Refresh mode parsing and the choice of the effective mode.
#include <gtest/gtest.h>

#include "common/user_error.h"
#include "common/refresh_mode.h"

namespace {

using pgt::ModeDecision;
using pgt::QueryCapabilities;
using pgt::RefreshMode;

const char* sqlstate_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const pgt::Error& e) {
    EXPECT_FALSE(e.hint().empty()) << "error without a HINT: " << e.what();
    return e.sqlstate();
  }
  return "";
}

TEST(ParseRefreshMode, AcceptsAllModesCaseInsensitively) {
  EXPECT_EQ(pgt::parse_refresh_mode("FULL"), RefreshMode::Full);
  EXPECT_EQ(pgt::parse_refresh_mode("full"), RefreshMode::Full);
  EXPECT_EQ(pgt::parse_refresh_mode(" Differential "), RefreshMode::Differential);
  EXPECT_EQ(pgt::parse_refresh_mode("auto"), RefreshMode::Auto);
  EXPECT_EQ(pgt::parse_refresh_mode("IMMEDIATE"), RefreshMode::Immediate);
}

TEST(ParseRefreshMode, RejectsUnknownWithHint) {
  EXPECT_STREQ(sqlstate_of([] { pgt::parse_refresh_mode("INCREMENTAL"); }), "22023");
  EXPECT_STREQ(sqlstate_of([] { pgt::parse_refresh_mode(""); }), "22023");
}

TEST(RefreshModeName, RoundTrips) {
  for (RefreshMode m : {RefreshMode::Full, RefreshMode::Differential, RefreshMode::Auto,
                        RefreshMode::Immediate})
    EXPECT_EQ(pgt::parse_refresh_mode(pgt::refresh_mode_name(m)), m);
}

TEST(DecideRefreshMode, FullIsAlwaysHonoured) {
  QueryCapabilities caps{"not incremental", "volatile function random()"};
  ModeDecision d = pgt::decide_refresh_mode(RefreshMode::Full, caps);
  EXPECT_EQ(d.effective, RefreshMode::Full);
  EXPECT_TRUE(d.reason.empty());
  EXPECT_FALSE(d.warn);
}

TEST(DecideRefreshMode, AutoFallsBackToFullWithReasonAndWarning) {
  QueryCapabilities caps{"window functions", ""};
  ModeDecision d = pgt::decide_refresh_mode(RefreshMode::Auto, caps);
  EXPECT_EQ(d.requested, RefreshMode::Auto);
  EXPECT_EQ(d.effective, RefreshMode::Full);
  EXPECT_EQ(d.reason, "window functions");
  EXPECT_TRUE(d.warn);
}

TEST(DecideRefreshMode, AutoUsesDifferentialWhenPossible) {
  ModeDecision d = pgt::decide_refresh_mode(RefreshMode::Auto, QueryCapabilities{});
  EXPECT_EQ(d.effective, RefreshMode::Differential);
  EXPECT_FALSE(d.warn);
}

TEST(DecideRefreshMode, DifferentialRefusesWhatItCannotMaintain) {
  QueryCapabilities caps{"window functions", ""};
  EXPECT_STREQ(sqlstate_of([&] { pgt::decide_refresh_mode(RefreshMode::Differential, caps); }),
               "0A000");
  ModeDecision d = pgt::decide_refresh_mode(RefreshMode::Differential, QueryCapabilities{});
  EXPECT_EQ(d.effective, RefreshMode::Differential);
}

TEST(DecideRefreshMode, RefusalCarriesTheHintOfTheConstruct) {
  QueryCapabilities caps{"window functions", "", "Keep the window in a view."};
  try {
    pgt::decide_refresh_mode(RefreshMode::Differential, caps);
    ADD_FAILURE() << "no error";
  } catch (const pgt::Error& e) {
    EXPECT_EQ(e.hint(), "Keep the window in a view.");
    EXPECT_NE(std::string(e.what()).find("window functions"), std::string::npos) << e.what();
  }
}

TEST(DecideRefreshMode, VolatileRefusedInDifferentialAndImmediate) {
  QueryCapabilities caps{"", "volatile function random()"};
  for (RefreshMode m : {RefreshMode::Differential, RefreshMode::Immediate})
    EXPECT_STREQ(sqlstate_of([&] { pgt::decide_refresh_mode(m, caps); }), "0A000");
}

// AUTO accepts whatever FULL maintains: FULL, with the reason and a warning.
TEST(DecideRefreshMode, VolatileInAutoFallsBackToFull) {
  QueryCapabilities caps{"", "volatile function random()"};
  ModeDecision d = pgt::decide_refresh_mode(RefreshMode::Auto, caps);
  EXPECT_EQ(d.effective, RefreshMode::Full);
  EXPECT_NE(d.reason.find("volatile function random()"), std::string::npos) << d.reason;
  EXPECT_TRUE(d.warn);
}

TEST(DecideRefreshMode, ImmediateMaintainsWhatDifferentialDoes) {
  ModeDecision d = pgt::decide_refresh_mode(RefreshMode::Immediate, QueryCapabilities{});
  EXPECT_EQ(d.effective, RefreshMode::Immediate);
  EXPECT_TRUE(d.reason.empty());
  QueryCapabilities caps;
  caps.not_incremental_because = "window functions";
  caps.not_incremental_hint = "Use FULL.";
  try {
    pgt::decide_refresh_mode(RefreshMode::Immediate, caps);
    ADD_FAILURE() << "IMMEDIATE accepted a query it cannot maintain";
  } catch (const pgt::Error& e) {
    EXPECT_STREQ(e.sqlstate(), "0A000");
    EXPECT_NE(std::string(e.what()).find("IMMEDIATE mode: window functions"), std::string::npos) << e.what();
    EXPECT_EQ(e.hint(), "Use FULL.");
  }
}

}  // namespace

namespace {

TEST(RefreshAction, NamesAndRecomputation) {
  using pgt::RefreshAction;
  EXPECT_STREQ(pgt::refresh_action_name(RefreshAction::NoData), "NO_DATA");
  EXPECT_STREQ(pgt::refresh_action_name(RefreshAction::Full), "FULL");
  EXPECT_STREQ(pgt::refresh_action_name(RefreshAction::Differential), "DIFFERENTIAL");
  EXPECT_STREQ(pgt::refresh_action_name(RefreshAction::Reinitialize), "REINITIALIZE");
  EXPECT_TRUE(pgt::recomputes(RefreshAction::Full));
  EXPECT_TRUE(pgt::recomputes(RefreshAction::Reinitialize));
  EXPECT_FALSE(pgt::recomputes(RefreshAction::Differential));
  EXPECT_FALSE(pgt::recomputes(RefreshAction::NoData));
}

}  // namespace

namespace {

TEST(StreamTableStatus, RoundTripsAndSchedules) {
  using pgt::StreamTableStatus;
  for (StreamTableStatus s : {StreamTableStatus::Initializing, StreamTableStatus::Active,
                              StreamTableStatus::Suspended, StreamTableStatus::Error})
    EXPECT_EQ(pgt::parse_stream_table_status(pgt::stream_table_status_name(s)), s);
  EXPECT_TRUE(pgt::scheduled(StreamTableStatus::Active));
  EXPECT_TRUE(pgt::scheduled(StreamTableStatus::Initializing));
  EXPECT_FALSE(pgt::scheduled(StreamTableStatus::Suspended));
  EXPECT_FALSE(pgt::scheduled(StreamTableStatus::Error));
  EXPECT_STREQ(sqlstate_of([] { pgt::parse_stream_table_status("active"); }), "22023");
}

}  // namespace
