// pgtrickle._normalize_definition(query text, schedule text, OUT query text,
//   OUT schedule text): a defining query and a schedule in the form the
// catalog stores them (pgt_stream_tables.defining_query: analyzed as the
// caller, deparsed with every object schema-qualified; the schedule's
// canonical text), so that create_or_replace_stream_table can tell whether a
// definition changed regardless of whitespace, case or search_path. Creates
// nothing; errors as create_stream_table would on a query it refuses.
#include "api/arguments.h"
#include "api/stream_table_options.h"
#include "frontend/query_analysis.h"
#include "pg/boundary.h"
#include "pg/spi.h"

extern "C" {
#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/builtins.h"
}

using namespace pgt;

PGT_SQL_FUNCTION(pgt_normalize_definition) {
  std::string query = api::required_text_arg(fcinfo, 0, "query");
  std::string schedule = api::validate_schedule(api::text_arg(fcinfo, 1));
  std::string normalized;
  {
    pg::spi::Connection spi;
    normalized = frontend::analyze_defining_query(query).normalized_sql;
  }
  TupleDesc desc = nullptr;
  HeapTuple tuple = nullptr;
  pg::guard([&] {
    if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE) elog(ERROR, "return type must be a row");
    desc = BlessTupleDesc(desc);
    Datum values[2] = {CStringGetTextDatum(normalized.c_str()), CStringGetTextDatum(schedule.c_str())};
    bool nulls[2] = {false, false};
    tuple = heap_form_tuple(desc, values, nulls);
  });
  PG_RETURN_DATUM(HeapTupleGetDatum(tuple));
}
