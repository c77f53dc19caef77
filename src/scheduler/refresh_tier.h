// Refresh tiers (pg_trickle.tiered_scheduling). Pure C++17, unit-tested.
//
// A tier stretches a stream table's period: hot 1x (its schedule as
// written), warm 2x, cold 10x; frozen stops scheduled refreshes (a manual
// refresh still works). Cron schedules keep their firing times (only frozen
// stops them). The owner picks a tier, or 'auto': the scheduler picks hot,
// warm or cold from how long ago users last read the table, in periods of
// the table's own (unstretched) schedule; it never freezes a table.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace pgt::scheduler {

enum class Tier { Hot, Warm, Cold, Frozen };

// The catalog's names ('hot', ...); parse_tier: nullopt for anything else
// ('auto' is a choice of tier, not a tier).
const char* tier_name(Tier tier);
std::optional<Tier> parse_tier(const std::string& name);

// The period multiplier: 1, 2, 10; 0 for frozen (never due).
int tier_multiplier(Tier tier);

// 'auto': read within the last kHotPeriods periods -> hot, within
// kWarmPeriods -> warm, longer ago -> cold.
constexpr int64_t kHotPeriods = 10;
constexpr int64_t kWarmPeriods = 30;
Tier tier_from_last_read(int64_t since_last_read_ms, int64_t period_ms);

// The hotter of two tiers (a table read by a stream table is kept at least
// as hot as its reader; a frozen reader reads nothing, so counts as cold).
Tier hotter(Tier a, Tier b);

// The note a scheduled refresh whose period was stretched leaves in its
// history row (schedule_note), or "" when it ran on its schedule.
// E.g. "tier cold, auto_backoff x2: period 20 s (schedule 1 s x 10 x 2)".
std::string stretch_note(Tier tier, int backoff, int64_t base_period_ms, bool cron);

}  // namespace pgt::scheduler
