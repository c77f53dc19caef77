// pgtrickle.create_stream_table(name, query, schedule, refresh_mode, initialize,
//   diamond_consistency, diamond_schedule_policy, cdc_mode, append_only,
//   pooler_compatibility_mode)
//
// The whole call is one transaction: any error leaves nothing behind.
#include "api/arguments.h"
#include "api/scheduler_status.h"
#include "api/stream_table_definition.h"
#include "api/stream_table_lookup.h"
#include "api/stream_table_options.h"
#include "catalog/object_dependencies.h"
#include "catalog/storage_table.h"
#include "common/sql_quote.h"
#include "pg/boundary.h"
#include "pg/spi.h"
#include "refresh/dml_guard.h"
#include "pg/user_context.h"
#include "refresh/refresh_runner.h"

using namespace pgt;

PGT_SQL_FUNCTION(pgt_create_stream_table) {
  pg::spi::Connection spi;
  std::string name = api::required_text_arg(fcinfo, 0, "name");
  std::string query = api::required_text_arg(fcinfo, 1, "query");
  std::string schedule = api::validate_schedule(api::text_arg(fcinfo, 2));
  RefreshMode requested = parse_refresh_mode(api::text_arg(fcinfo, 3).value_or("AUTO"));
  bool initialize = api::bool_arg(fcinfo, 4).value_or(true);

  catalog::StreamTable st;
  st.schedule = schedule;
  st.diamond_consistency = api::validate_diamond_consistency(api::text_arg(fcinfo, 5));
  st.diamond_schedule_policy = api::validate_diamond_schedule_policy(api::text_arg(fcinfo, 6));
  st.cdc_mode = api::validate_cdc_mode(api::text_arg(fcinfo, 7));
  st.append_only = api::bool_arg(fcinfo, 8).value_or(false);
  st.pooler_compatibility_mode = api::bool_arg(fcinfo, 9).value_or(false);
  api::validate_append_only(st.append_only, requested);

  api::NewTableName target = api::resolve_new_stream_table_name(name);
  st.schema = target.schema;
  st.name = target.name;
  api::Definition def = api::prepare_definition(query, requested, st.display_name(), InvalidOid);
  api::apply_definition(def, query, &st);

  st.relid = catalog::create_storage_table(st.schema, st.name, def.analysis.columns);
  for (const std::string& sql : refresh::guard_trigger_sql(st.qualified_name())) pg::spi::exec(sql);
  catalog::record_extension_dependency(st.relid);
  st.status = StreamTableStatus::Initializing;
  st.pgt_id = catalog::insert_stream_table(st);
  api::record_sources(st, def, false);
  if (st.incremental()) {
    api::prepare_row_identity(st);
    api::install_change_capture(def, &st);
  }

  // An IMMEDIATE table is kept current from now on: it starts populated.
  if (initialize || st.immediate())
    refresh::refresh_now(*catalog::find_by_relid(st.relid), "INITIAL");
  else
    api::check_can_read_sources(def);

  api::warn_if_fallback(def, st.display_name());
  api::warn_if_not_scheduled();
  PG_RETURN_VOID();
}
