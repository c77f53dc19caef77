#include "refresh_history.h"

#include <stdexcept>

namespace pgt_e2e {
namespace {

std::string history_query(const std::string& st_name, const std::string& order_limit) {
  return "SELECT h.action, h.status, h.initiated_by, h.reason, h.rows_inserted, h.rows_updated, h.rows_deleted "
         "FROM pgtrickle.pgt_refresh_history h JOIN pgtrickle.pgt_stream_tables s USING (pgt_id) "
         "WHERE s.pgt_relid = pg_catalog.to_regclass(" + quote_literal(st_name) + ") " + order_limit;
}

RefreshRecord record_of(const Row& r) {
  RefreshRecord rec;
  rec.action = r.at(0).value_or("");
  rec.status = r.at(1).value_or("");
  rec.initiated_by = r.at(2).value_or("");
  rec.reason = r.at(3);
  rec.rows_inserted = std::stoll(r.at(4).value_or("0"));
  rec.rows_updated = std::stoll(r.at(5).value_or("0"));
  rec.rows_deleted = std::stoll(r.at(6).value_or("0"));
  return rec;
}

}  // namespace

std::vector<RefreshRecord> refresh_history(PgConn& conn, const std::string& st_name) {
  std::vector<RefreshRecord> out;
  for (const Row& r : conn.query(history_query(st_name, "ORDER BY h.refresh_id"))) out.push_back(record_of(r));
  return out;
}

RefreshRecord last_refresh(PgConn& conn, const std::string& st_name) {
  Rows rows = conn.query(history_query(st_name, "ORDER BY h.refresh_id DESC LIMIT 1"));
  if (rows.empty()) throw std::runtime_error("no refresh history for stream table " + st_name);
  return record_of(rows[0]);
}

std::map<std::string, int> refresh_action_counts(PgConn& conn, const std::string& st_name,
                                                 const std::string& initiated_by) {
  std::map<std::string, int> counts;
  for (const RefreshRecord& r : refresh_history(conn, st_name))
    if (r.initiated_by == initiated_by) ++counts[r.action];
  return counts;
}

std::string describe(const RefreshRecord& r) {
  return "refresh{action " + r.action + ", status " + r.status + ", by " + r.initiated_by + ", reason " +
         (r.reason ? "'" + *r.reason + "'" : std::string("NULL")) + ", +" + std::to_string(r.rows_inserted) +
         " ~" + std::to_string(r.rows_updated) + " -" + std::to_string(r.rows_deleted) + "}";
}

}  // namespace pgt_e2e
