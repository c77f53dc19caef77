#include "scheduler_support.h"

#include <thread>

namespace pgt_e2e {

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

int scheduler_pid(PgConn& conn, const std::string& dbname) {
  auto pid = conn.scalar_or_null(
      "SELECT max(pid) FROM pg_stat_activity WHERE backend_type = 'pg_trickle scheduler' AND datname = " +
      quote_literal(dbname));
  return pid ? std::stoi(*pid) : 0;
}

int wait_for_scheduler(PgConn& conn, const std::string& dbname, int not_pid) {
  int pid = 0;
  wait_until([&] {
    pid = scheduler_pid(conn, dbname);
    return pid != 0 && pid != not_pid;
  });
  return pid != not_pid ? pid : 0;
}

int scheduler_refreshes(PgConn& conn, const std::string& st_name, const std::string& status) {
  return std::stoi(conn.scalar(
      "SELECT count(*) FROM pgtrickle.pgt_refresh_history h JOIN pgtrickle.pgt_stream_tables st USING (pgt_id) "
      "WHERE st.pgt_relid = " + quote_literal(st_name) + "::regclass AND h.initiated_by = 'SCHEDULER' "
      "AND h.status = " + quote_literal(status)));
}

std::string st_status(PgConn& conn, const std::string& st_name) {
  return conn.scalar("SELECT status FROM pgtrickle.pgt_stream_tables WHERE pgt_relid = " +
                     quote_literal(st_name) + "::regclass");
}

void create_scheduled(PgConn& conn, const std::string& name, const std::string& query,
                      const std::string& schedule, const std::string& extra) {
  conn.exec("SELECT pgtrickle.create_stream_table(" + quote_literal(name) + ", " + quote_literal(query) +
            ", schedule => " + quote_literal(schedule) + (extra.empty() ? "" : ", " + extra) + ")");
}

}  // namespace pgt_e2e
