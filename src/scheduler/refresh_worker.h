// Parallel refresh: a scheduler hands refresh units whose sources are not
// being refreshed to dynamic background workers ("pg_trickle refresh
// worker"), at most pg_trickle.max_dynamic_refresh_workers at a time per
// database. Each worker connects to the database, runs one unit exactly as
// the scheduler would (unit_refresh.h), leaves the outcome in shared memory
// and exits; the postmaster then sets the scheduler's latch. When no worker
// can be started (max_worker_processes reached) the scheduler runs the unit
// itself.
#pragma once

#include <utility>
#include <vector>

#include "scheduler/unit_refresh.h"

namespace pgt::scheduler {

class RefreshWorkers {
 public:
  RefreshWorkers() = default;
  RefreshWorkers(const RefreshWorkers&) = delete;
  RefreshWorkers& operator=(const RefreshWorkers&) = delete;

  // Starts a worker for the task (tag: the caller's name for it). False when
  // none could be started or the task does not fit: run it inline.
  bool start(const UnitTask& task, int tag);

  // Tasks that finished since the last call (tag and outcome). A worker that
  // died without an outcome reports a retryable failure.
  std::vector<std::pair<int, UnitOutcome>> collect();

  size_t in_flight() const { return running_.size(); }

 private:
  struct Running {
    int slot;
    int tag;
    void* handle;  // BackgroundWorkerHandle*
  };
  std::vector<Running> running_;
};

}  // namespace pgt::scheduler
