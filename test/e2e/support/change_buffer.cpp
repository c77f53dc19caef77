#include "change_buffer.h"

#include <stdexcept>

namespace pgt_e2e {

std::optional<std::string> change_buffer_of(PgConn& conn, const std::string& source) {
  Rows rows = conn.query(
      "SELECT t.buffer_relid::pg_catalog.regclass::text FROM pgtrickle.pgt_change_tracking t "
      "WHERE t.source_relid = pg_catalog.to_regclass(" + quote_literal(source) + ")");
  if (rows.empty()) return std::nullopt;
  return rows.at(0).at(0);
}

long long change_buffer_rows(PgConn& conn, const std::string& source) {
  std::optional<std::string> buffer = change_buffer_of(conn, source);
  if (!buffer) throw std::runtime_error("source table " + source + " has no change buffer");
  // Not counting the sentinel row every buffer holds (transaction id 2).
  return std::stoll(conn.scalar("SELECT pg_catalog.count(*) FROM " + *buffer + " WHERE xid <> '2'::pg_catalog.xid8"));
}

std::vector<std::string> capture_triggers(PgConn& conn, const std::string& source) {
  std::vector<std::string> names;
  for (const Row& r : conn.query("SELECT tgname FROM pg_catalog.pg_trigger WHERE tgrelid = pg_catalog.to_regclass(" +
                                 quote_literal(source) + ") AND tgname LIKE 'pgt\\_cdc\\_%' ORDER BY tgname"))
    names.push_back(r.at(0).value_or(""));
  return names;
}

}  // namespace pgt_e2e
