// pgtrickle.refresh_stream_table(name): a synchronous refresh in the caller's
// transaction. Requires ownership, as REFRESH MATERIALIZED VIEW does.
#include "api/arguments.h"
#include "api/cycles.h"
#include "api/stream_table_lookup.h"
#include "common/user_error.h"
#include "common/sql_quote.h"
#include "pg/boundary.h"
#include "pg/spi.h"
#include "refresh/refresh_runner.h"

using namespace pgt;

PGT_SQL_FUNCTION(pgt_refresh_stream_table) {
  pg::spi::Connection spi;
  std::string name = api::required_text_arg(fcinfo, 0, "name");
  // (Read without the stored SQL: the refresh reads the row again, locked.)
  catalog::StreamTable st = api::lookup_stream_table(name, catalog::Columns::ForRefresh);
  api::require_owner(st, "refresh it");
  if (st.status == StreamTableStatus::Suspended)
    throw Error(sqlstate::kObjectNotInPrerequisiteState,
                "stream table \"" + st.display_name() + "\" is suspended", "",
                "Resume it first: SELECT pgtrickle.alter_stream_table(" +
                    quote_literal(st.display_name()) + ", status => 'ACTIVE');");
  // A member of a cycle: the whole cycle, to its fixed point.
  api::refresh_stream_table_or_cycle(st, "MANUAL");
  PG_RETURN_VOID();
}
