// Due times of scheduled refreshes: see due_policy.h.
#include "scheduler/due_policy.h"

#include <algorithm>

namespace pgt::scheduler {

int64_t due_at_ms(const TableTiming& t) {
  int64_t due;
  if (!t.populated || t.last_refresh_ms <= 0) {
    due = 0;
  } else if (t.captures_changes && !t.pending) {
    return kNever;
  } else if (t.kind == schedule::Kind::Cron) {
    int64_t from_s = std::max(t.last_refresh_ms, t.cron_considered_ms) / 1000;
    int64_t fire = schedule::next_fire_after(t.cron, from_s);
    if (fire < 0) return kNever;
    due = fire * 1000;
  } else {
    due = t.last_refresh_ms + std::max<int64_t>(t.period_seconds, 0) * 1000;
  }
  return std::max(due, t.not_before_ms);
}

int64_t retry_delay_ms(int failures, int64_t base_ms) {
  constexpr int64_t kCap = 60000;
  int64_t delay = std::max<int64_t>(base_ms, 100);
  for (int i = 1; i < failures && delay < kCap; i++) delay *= 2;
  return std::min(delay, kCap);
}

int next_backoff_factor(int factor, int64_t elapsed_ms, int64_t period_ms) {
  if (period_ms <= 0 || elapsed_ms * 100 <= period_ms * 95) return 1;
  return std::min(std::max(factor, 1) * 2, 8);
}

bool falling_behind(int64_t elapsed_ms, int64_t period_ms) {
  return period_ms > 0 && elapsed_ms * 10 > period_ms * 8;
}

int64_t group_due_at_ms(const std::vector<int64_t>& member_due_ms, bool slowest) {
  int64_t first = kNever, last = kNever;
  for (int64_t d : member_due_ms) {
    if (d == kNever) continue;
    first = std::min(first, d);
    last = last == kNever ? d : std::max(last, d);
  }
  return slowest ? last : first;
}

}  // namespace pgt::scheduler
