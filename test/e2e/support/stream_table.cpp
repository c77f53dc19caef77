#include "stream_table.h"

namespace pgt_e2e {

std::string create_stream_table_sql(const std::string& name, const std::string& query,
                                    const std::string& refresh_mode) {
  return "SELECT pgtrickle.create_stream_table(" + quote_literal(name) + ", " + quote_literal(query) +
         ", refresh_mode => " + quote_literal(refresh_mode) + ")";
}

void create_stream_table(PgConn& conn, const std::string& name, const std::string& query,
                         const std::string& refresh_mode) {
  conn.exec(create_stream_table_sql(name, query, refresh_mode));
}

std::string refresh_stream_table_sql(const std::string& name) {
  return "SELECT pgtrickle.refresh_stream_table(" + quote_literal(name) + ")";
}

void refresh_stream_table(PgConn& conn, const std::string& name) { conn.exec(refresh_stream_table_sql(name)); }

int catalog_rows_named(PgConn& conn, const std::string& name) {
  return std::stoi(conn.scalar("SELECT count(*) FROM pgtrickle.pgt_stream_tables WHERE pgt_name = " +
                               quote_literal(name)));
}

bool relation_exists(PgConn& conn, const std::string& name) {
  return conn.scalar("SELECT pg_catalog.to_regclass(" + quote_literal(name) + ") IS NOT NULL") == "t";
}

void run_in_transaction(PgConn& conn, const std::vector<std::string>& statements) {
  conn.exec("BEGIN");
  try {
    for (const std::string& sql : statements) conn.exec(sql);
    conn.exec("COMMIT");
  } catch (...) {
    conn.try_exec("ROLLBACK");
    throw;
  }
}

}  // namespace pgt_e2e
