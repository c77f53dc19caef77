// pgtrickle.gate_source(source text) / ungate_source(source text):
// while a source is gated (a bulk load, an ETL window) the scheduler leaves
// every stream table reading it, directly or through other stream tables,
// alone; changes wait in the change buffers, and the first tick after the
// ungate refreshes once (the ungate wakes the scheduler at commit, as a
// captured change does). The gates are rows of pgtrickle.pgt_source_gates,
// written as the catalog's owner after checking the caller in C: only a role
// that owns the source or may write it (INSERT, UPDATE or DELETE) gates it,
// as only such a role can load it.
#include "api/arguments.h"
#include "api/source_writer.h"
#include "pg/boundary.h"
#include "pg/messages.h"
#include "pg/spi.h"
#include "pg/user_context.h"
#include "scheduler/commit_signals.h"

using namespace pgt;

namespace {

api::WrittenSource checked_source(FunctionCallInfo fcinfo, const char* verb) {
  std::string function = std::string(verb) + "_source";
  Oid relid = api::resolve_source(api::required_text_arg(fcinfo, 0, "source"), function);
  return api::check_source_writer(relid, verb, "gate or ungate it",
                                  [&](const std::string& name) { return "pgtrickle." + function + "(" + name + ")"; });
}

}  // namespace

PGT_SQL_FUNCTION(pgt_gate_source) {
  pg::spi::Connection spi;
  api::WrittenSource s = checked_source(fcinfo, "gate");
  pg::AsRole as_owner(pg::catalog_owner(), false);
  pg::spi::exec(
      "INSERT INTO pgtrickle.pgt_source_gates AS g (source_relid, source_schema, source_name, gated, gated_at, "
      "ungated_at, gated_by) VALUES ($1::pg_catalog.oid, $2, $3, true, pg_catalog.now(), NULL, 'gate_source') "
      "ON CONFLICT (source_relid) DO UPDATE SET source_schema = $2, source_name = $3, gated = true, "
      "gated_at = pg_catalog.now(), ungated_at = NULL, gated_by = 'gate_source'",
      {std::to_string(s.relid), s.schema, s.name});
  PG_RETURN_VOID();
}

PGT_SQL_FUNCTION(pgt_ungate_source) {
  pg::spi::Connection spi;
  api::WrittenSource s = checked_source(fcinfo, "ungate");
  pg::AsRole as_owner(pg::catalog_owner(), false);
  auto ungated = pg::spi::scalar(
      "UPDATE pgtrickle.pgt_source_gates SET gated = false, ungated_at = pg_catalog.now() "
      "WHERE source_relid = $1::pg_catalog.oid AND gated RETURNING 1",
      {std::to_string(s.relid)});
  if (!ungated) {
    pg::notice("source " + s.display() + " is not gated");
    PG_RETURN_VOID();
  }
  // At commit: its readers have changes waiting; the scheduler looks at once.
  scheduler::note_captured_changes(s.relid);
  PG_RETURN_VOID();
}
