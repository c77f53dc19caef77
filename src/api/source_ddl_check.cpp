// pgtrickle._check_stream_tables_reading(source oid), called by the
// ddl_command_end event trigger after ALTER TABLE of a table some stream table
// reads: if a stream table's defining query no longer analyzes (a source or a
// column it reads was renamed or dropped), the ALTER is refused, naming the
// stream table, instead of leaving it to fail at every refresh.
#include "catalog/stream_table_catalog.h"
#include "common/sql_quote.h"
#include "common/user_error.h"
#include "frontend/delta_derivation.h"
#include "frontend/query_analysis.h"
#include "pg/boundary.h"
#include "pg/search_path.h"
#include "pg/spi.h"

using namespace pgt;

PGT_SQL_FUNCTION(pgt_check_stream_tables_reading) {
  pg::spi::Connection spi;
  Oid source = PG_GETARG_OID(0);
  for (Oid st_relid : catalog::stream_tables_reading(source)) {
    auto st = catalog::find_by_relid(st_relid);
    if (!st) continue;
    std::string problem;
    try {
      pg::guard_subtransaction([&] { frontend::analyze_defining_query(st->defining_query); });
    } catch (const pg::PgError& e) {
      problem = e.what();
    } catch (const Error& e) {
      problem = e.what();
    }
    if (!problem.empty())
      throw Error(sqlstate::kDependentObjectsStillExist,
                  "this change would break stream table \"" + st->display_name() + "\"",
                  "Its defining query would fail: " + problem + ".",
                  "Change the stream table's query first (pgtrickle.alter_stream_table(" +
                      quote_literal(st->display_name()) + ", query => ...)), or drop it.");
    if (!st->differential()) continue;
    frontend::DeltaDerivation delta;
    {
      pg::PinnedSearchPath pinned;
      delta = frontend::derive_delta(st->defining_query, false);
    }
    if (!delta.not_differentiable_because.empty())
      throw Error(sqlstate::kDependentObjectsStillExist,
                  "this change would stop stream table \"" + st->display_name() +
                      "\" from being maintained in DIFFERENTIAL mode",
                  "Its defining query would use " + delta.not_differentiable_because + ".",
                  "Alter the stream table to refresh_mode => 'FULL' first (pgtrickle.alter_stream_table(" +
                      quote_literal(st->display_name()) + ", refresh_mode => 'FULL')), or change its query.");
  }
  PG_RETURN_VOID();
}
