// pgtrickle._change_buffer_counts(source oid, reader oid, max_rows bigint,
//   OUT buffered bigint, OUT unconsumed bigint): what a source's change
// buffer holds, for pgtrickle.change_buffer_sizes() and health_check().
//
//  * buffered: its changes (every row but the sentinel), counted exactly up
//    to max_rows (NULL above: the caller estimates from the statistics);
//  * unconsumed: the changes some DIFFERENTIAL reader (or only `reader`, a
//    stream table's oid, when not 0) has not consumed yet, likewise up to
//    max_rows.
//
// The buffers are readable only by their readers' owners, so the counting
// runs as the extension's owner; what the caller may learn is checked first,
// as the caller: a source one of whose DIFFERENTIAL readers the caller may
// read (the catalog's row-level security decides, as for every diagnostic),
// or, without `reader`, a source the caller may SELECT (any column of).
// Anything else gives two NULLs, as an unknown source does. Only counts
// leave the function.
#include <string>

#include "catalog/immediate_timing.h"
#include "common/sql_quote.h"
#include "dvm/delta_sql.h"
#include "pg/boundary.h"
#include "pg/search_path.h"
#include "pg/spi.h"
#include "pg/user_context.h"

extern "C" {
#include "access/htup_details.h"
#include "funcapi.h"
}

using namespace pgt;

namespace {

constexpr int64_t kDefaultMaxRows = 100000;

// "count(*) of the first max_rows + 1 rows": NULL when more than max_rows.
std::optional<int64_t> bounded_count(const std::string& from_where, const pg::spi::Params& params, int64_t max_rows) {
  auto n = pg::spi::scalar("SELECT pg_catalog.count(*) FROM (SELECT 1 FROM " + from_where + " LIMIT " +
                               std::to_string(max_rows + 1) + ") s",
                           params);
  int64_t count = n ? std::stoll(*n) : 0;
  if (count > max_rows) return std::nullopt;
  return count;
}

}  // namespace

PGT_SQL_FUNCTION(pgt_change_buffer_counts) {
  if (PG_ARGISNULL(0)) PG_RETURN_NULL();
  Oid source = PG_GETARG_OID(0);
  Oid reader = PG_ARGISNULL(1) ? InvalidOid : PG_GETARG_OID(1);
  int64_t max_rows = PG_ARGISNULL(2) ? kDefaultMaxRows : PG_GETARG_INT64(2);
  if (max_rows < 0) max_rows = 0;

  std::optional<int64_t> buffered, unconsumed;
  {
    pg::spi::Connection spi;
    const pg::spi::Params params = {std::to_string(source), std::to_string(reader)};
    // As the caller: may it know about this buffer?
    auto visible = pg::spi::scalar(
        "SELECT (EXISTS (SELECT 1 FROM pgtrickle.pgt_change_tracking t WHERE t.source_relid = $1::oid) "
        "AND (EXISTS (SELECT 1 FROM pgtrickle.pgt_dependencies d "
        "JOIN pgtrickle.pgt_stream_tables st ON st.pgt_id = d.pgt_id "
        "WHERE d.source_relid = $1::oid AND " + catalog::reads_change_buffers_sql("st") + " "
        "AND ($2::oid = 0 OR st.pgt_relid = $2::oid)) "
        "OR ($2::oid = 0 AND pg_catalog.has_any_column_privilege($1::oid, 'SELECT'))))::text",
        params);
    if (visible == std::optional<std::string>("true")) {
      pg::PinnedSearchPath pinned;
      pg::AsRole owner(pg::catalog_owner(), true);
      const std::string buffer = dvm::change_buffer_name(source);
      const std::string not_sentinel =
          "b.xid OPERATOR(pg_catalog.<>) '" + std::string(dvm::kBufferSentinelXid) + "'::pg_catalog.xid8";
      buffered = bounded_count(buffer + " b WHERE " + not_sentinel, {}, max_rows);
      unconsumed = bounded_count(
          buffer + " b WHERE " + not_sentinel +
              " AND EXISTS (SELECT 1 FROM pgtrickle.pgt_dependencies d "
              "JOIN pgtrickle.pgt_stream_tables st ON st.pgt_id = d.pgt_id "
              "WHERE d.source_relid = $1::oid AND " + catalog::reads_change_buffers_sql("st") + " "
              "AND ($2::oid = 0 OR st.pgt_relid = $2::oid) "
              "AND pgtrickle._unconsumed(b.xid, b.cmin, st.frontier, st.frontier_own_xid, st.frontier_own_cid))",
          params, max_rows);
    }
  }

  TupleDesc desc = nullptr;
  HeapTuple tuple = nullptr;
  pg::guard([&] {
    if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE) elog(ERROR, "return type must be a row");
    desc = BlessTupleDesc(desc);
    Datum values[2] = {Int64GetDatum(buffered.value_or(0)), Int64GetDatum(unconsumed.value_or(0))};
    bool nulls[2] = {!buffered.has_value(), !unconsumed.has_value()};
    tuple = heap_form_tuple(desc, values, nulls);
  });
  PG_RETURN_DATUM(HeapTupleGetDatum(tuple));
}
