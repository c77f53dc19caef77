// pgtrickle.scheduler_status(): whether this database's background scheduler
// runs, and if not, why and what to do; and the WARNING create / alter give
// when stream tables here would not be refreshed by it.
#include "api/scheduler_status.h"

#include "pg/boundary.h"
#include "pg/messages.h"
#include "scheduler/shared_state.h"

extern "C" {
#include "access/htup_details.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
}

namespace pgt::api {

SchedulerReport scheduler_report() {
  using scheduler::SchedulerState;
  switch (scheduler::scheduler_state(MyDatabaseId)) {
    case SchedulerState::Running:
      return {"RUNNING", "The scheduler of this database refreshes its stream tables on their schedules.", ""};
    case SchedulerState::Starting:
      return {"STARTING", "The launcher starts this database's scheduler within a few seconds.", ""};
    case SchedulerState::Disabled:
      return {"DISABLED", "pg_trickle.enabled is off here: stream tables are refreshed only by refresh_stream_table().",
              "Set pg_trickle.enabled = on (ALTER DATABASE ... SET, or the server's configuration) to resume."};
    case SchedulerState::NoWorkerSlot:
      return {"NO_WORKER_SLOT",
              "No background worker slot is free for this database's scheduler (max_worker_processes is " +
                  std::to_string(max_worker_processes) + "): its stream tables are not refreshed on schedule.",
              "Raise max_worker_processes and restart the server: each database with pg_trickle needs one slot for "
              "its scheduler, plus pg_trickle.max_dynamic_refresh_workers while refreshing."};
    case SchedulerState::NotLoaded:
      break;
  }
  return {"NOT_LOADED",
          "pg_trickle is not in shared_preload_libraries: no scheduler runs, stream tables are refreshed only by "
          "refresh_stream_table().",
          "Add pg_trickle to shared_preload_libraries and restart the server."};
}

void warn_if_not_scheduled() {
  SchedulerReport r = scheduler_report();
  if (r.state == "NO_WORKER_SLOT" || r.state == "NOT_LOADED")
    pg::warning("the pg_trickle scheduler of this database is not running", r.detail, r.hint);
}

}  // namespace pgt::api

PGT_SQL_FUNCTION(pgt_scheduler_status) {
  pgt::api::SchedulerReport r = pgt::api::scheduler_report();
  TupleDesc desc = nullptr;
  HeapTuple tuple = nullptr;
  pgt::pg::guard([&] {
    if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE) elog(ERROR, "return type must be a row");
    desc = BlessTupleDesc(desc);
    Datum values[3] = {CStringGetTextDatum(r.state.c_str()), CStringGetTextDatum(r.detail.c_str()),
                       CStringGetTextDatum(r.hint.c_str())};
    bool nulls[3] = {false, false, r.hint.empty()};
    tuple = heap_form_tuple(desc, values, nulls);
  });
  PG_RETURN_DATUM(HeapTupleGetDatum(tuple));
}
