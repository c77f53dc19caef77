#include "drop_objects.h"

#include "stream_table.h"

namespace pgt_e2e {

void drop_stream_tables_and_tables(PgConn& conn, const std::vector<std::string>& stream_tables,
                                   const std::vector<std::string>& tables) {
  for (const std::string& st : stream_tables)
    if (catalog_rows_named(conn, st) > 0)
      conn.exec("SELECT pgtrickle.drop_stream_table(" + quote_literal(st) + ")");
  for (const std::string& t : tables) conn.exec("DROP TABLE IF EXISTS " + quote_ident(t) + " CASCADE");
}

}  // namespace pgt_e2e
