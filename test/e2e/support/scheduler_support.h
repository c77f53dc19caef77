// Helpers for the background scheduler's e2e tests: a fixture whose database
// keeps the scheduler on, waiting for conditions with generous timeouts (the
// tests assert behaviour, never timings), and finding the scheduler process.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "pg_conn.h"
#include "test_db.h"

namespace pgt_e2e {

// A suite database with pg_trickle installed and the scheduler left on.
class SchedulerDb : public TestDb {
 public:
  static void SetUpTestSuite() { set_up_suite_database(true); }
};

// Polls `done` every 50 ms until it returns true or `timeout` passes;
// returns its last answer.
bool wait_until(const std::function<bool()>& done,
                std::chrono::milliseconds timeout = std::chrono::seconds(30));

// pid of the scheduler connected to `dbname`, or 0.
int scheduler_pid(PgConn& conn, const std::string& dbname);

// Waits for a scheduler in `dbname` whose pid differs from `not_pid`; returns it (0: none came).
int wait_for_scheduler(PgConn& conn, const std::string& dbname, int not_pid = 0);

// SCHEDULER-initiated history rows of a stream table with this status.
int scheduler_refreshes(PgConn& conn, const std::string& st_name, const std::string& status = "COMPLETED");

// The stream table's status in the catalog.
std::string st_status(PgConn& conn, const std::string& st_name);

// pgtrickle.create_stream_table with a schedule (and optional extra arguments).
void create_scheduled(PgConn& conn, const std::string& name, const std::string& query,
                      const std::string& schedule, const std::string& extra = "");

}  // namespace pgt_e2e
