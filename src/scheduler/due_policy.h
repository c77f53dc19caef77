// When a stream table is due for a scheduled refresh. Pure C++17, unit-tested.
//
// A schedule is a staleness bound. For a duration (or 'calculated', resolved
// to a period by dag.h) of P seconds, a table with changes pending is
// refreshed once P has passed since its last refresh: under a steady stream
// of changes it is refreshed every P, and changes arriving after a quiet spell
// are applied at once (the scheduler is woken by the commit that made them).
// Either way no change waits longer than P (plus the refresh itself). A cron
// schedule refreshes at its firing times. Tables without change capture
// (FULL mode) cannot know whether their sources changed: they are refreshed
// every period / at every firing. A table never populated is due at once.
// All instants are Unix milliseconds, UTC.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "scheduler/schedule.h"

namespace pgt::scheduler {

constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

struct TableTiming {
  schedule::Kind kind = schedule::Kind::Calculated;
  int64_t period_seconds = 1;   // Duration / Calculated (resolved)
  schedule::CronSpec cron;      // Cron
  bool captures_changes = true; // DIFFERENTIAL: `pending` is meaningful
  bool populated = true;
  bool pending = true;          // changes may be waiting (DIFFERENTIAL)
  int64_t last_refresh_ms = 0;  // data_timestamp of the last refresh; 0: none
  int64_t cron_considered_ms = 0;  // cron firings up to here were handled
  int64_t not_before_ms = 0;    // retry backoff after a failure
};

// The instant the table is due, or kNever when it has nothing to do.
int64_t due_at_ms(const TableTiming& t);

// Backoff after `failures` consecutive failures (1, 2, ...): doubles from
// base_ms, capped at one minute.
int64_t retry_delay_ms(int failures, int64_t base_ms);

// pg_trickle.auto_backoff: the multiplier of a table's period after a
// refresh that took elapsed_ms of its period_ms: doubled (at most 8) when the
// refresh took more than 95% of the period, back to 1 when on time.
int next_backoff_factor(int factor, int64_t elapsed_ms, int64_t period_ms);

// Whether a refresh took so much of its period (more than 80%) that the
// scheduler is falling behind (the scheduler_falling_behind alert).
bool falling_behind(int64_t elapsed_ms, int64_t period_ms);

// A consistency group is due when its first member is ('fastest', the
// default) or when its last member with something to do is ('slowest').
int64_t group_due_at_ms(const std::vector<int64_t>& member_due_ms, bool slowest);

}  // namespace pgt::scheduler
