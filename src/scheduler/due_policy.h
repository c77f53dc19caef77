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

// A consistency group is due when its first member is ('fastest', the
// default) or when its last member with something to do is ('slowest').
int64_t group_due_at_ms(const std::vector<int64_t>& member_due_ms, bool slowest);

}  // namespace pgt::scheduler
