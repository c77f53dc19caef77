// Refresh tiers: see refresh_tier.h.
#include "scheduler/refresh_tier.h"

namespace pgt::scheduler {

const char* tier_name(Tier tier) {
  switch (tier) {
    case Tier::Hot: return "hot";
    case Tier::Warm: return "warm";
    case Tier::Cold: return "cold";
    case Tier::Frozen: return "frozen";
  }
  return "hot";
}

std::optional<Tier> parse_tier(const std::string& name) {
  for (Tier t : {Tier::Hot, Tier::Warm, Tier::Cold, Tier::Frozen})
    if (name == tier_name(t)) return t;
  return std::nullopt;
}

int tier_multiplier(Tier tier) {
  switch (tier) {
    case Tier::Hot: return 1;
    case Tier::Warm: return 2;
    case Tier::Cold: return 10;
    case Tier::Frozen: return 0;
  }
  return 1;
}

Tier tier_from_last_read(int64_t since_last_read_ms, int64_t period_ms) {
  if (period_ms <= 0) period_ms = 1000;
  if (since_last_read_ms <= kHotPeriods * period_ms) return Tier::Hot;
  if (since_last_read_ms <= kWarmPeriods * period_ms) return Tier::Warm;
  return Tier::Cold;
}

Tier hotter(Tier a, Tier b) {
  if (a == Tier::Frozen) a = Tier::Cold;
  if (b == Tier::Frozen) b = Tier::Cold;
  return static_cast<int>(a) <= static_cast<int>(b) ? a : b;  // declared hottest first
}

namespace {

std::string seconds_text(int64_t ms) {
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  return std::to_string(ms) + " ms";
}

}  // namespace

std::string stretch_note(Tier tier, int backoff, int64_t base_period_ms, bool cron) {
  int mult = cron ? 1 : tier_multiplier(tier);
  if (cron || (mult <= 1 && backoff <= 1)) return "";
  std::string what, factors;
  if (mult > 1) {
    what = std::string("tier ") + tier_name(tier);
    factors += " x " + std::to_string(mult);
  }
  if (backoff > 1) {
    what += std::string(what.empty() ? "" : ", ") + "auto_backoff x" + std::to_string(backoff);
    factors += " x " + std::to_string(backoff);
  }
  return what + ": period " + seconds_text(base_period_ms * mult * backoff) + " (schedule " +
         seconds_text(base_period_ms) + factors + ")";
}

}  // namespace pgt::scheduler
