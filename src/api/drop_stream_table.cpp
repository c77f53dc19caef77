// pgtrickle.drop_stream_table(name, cascade => false)
//
// DROP TABLE of the storage table; PostgreSQL's dependency machinery refuses
// it (unless cascade) when views or other stream tables read it. The catalog
// rows go with it (also via the sql_drop event trigger, for plain DROP TABLE).
#include "api/arguments.h"
#include "api/stream_table_lookup.h"
#include "cdc/change_capture.h"
#include "pg/boundary.h"
#include "common/sql_quote.h"
#include "pg/spi.h"

using namespace pgt;

PGT_SQL_FUNCTION(pgt_drop_stream_table) {
  pg::spi::Connection spi;
  std::string name = api::required_text_arg(fcinfo, 0, "name");
  bool cascade = api::bool_arg(fcinfo, 1).value_or(false);
  catalog::StreamTable st = api::lookup_stream_table(name);
  api::require_owner(st, "drop it");
  try {
    pg::spi::exec("DROP TABLE " + st.qualified_name() + (cascade ? " CASCADE" : " RESTRICT"));
  } catch (const pg::PgError& e) {
    if (e.sqlerrcode() == ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST) {
      e.clear_context();
      e.set_hint("Drop the dependent objects first, or use pgtrickle.drop_stream_table(" +
                     quote_literal(st.display_name()) + ", cascade => true) to drop them too.",
                 false);
    }
    throw;
  }
  catalog::delete_stream_table(st.pgt_id);
  cdc::drop_unused_capture();
  PG_RETURN_VOID();
}
