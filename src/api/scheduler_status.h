// Whether this database's background scheduler runs (see scheduler_status.cpp).
#pragma once

#include <string>

namespace pgt::api {

struct SchedulerReport {
  std::string state;  // RUNNING, STARTING, DISABLED, NO_WORKER_SLOT, NOT_LOADED
  std::string detail;
  std::string hint;   // what to do, or empty
};

SchedulerReport scheduler_report();

// WARNING (with the report's detail and HINT) when no scheduler can run for
// this database: no free background worker slot, or pg_trickle not preloaded.
void warn_if_not_scheduled();

}  // namespace pgt::api
