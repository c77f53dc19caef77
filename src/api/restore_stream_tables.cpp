// pgtrickle.restore_stream_tables(): the one step after pg_restore of a
// database with stream tables.
//
// pg_dump keeps what a stream table is (pgt_stream_tables is an extension
// configuration table: its rows are dumped) and its storage table with its
// rows, but not what ties them together: relation oids change, and
// PostgreSQL's dependencies, the change buffers' bookkeeping and the capture
// triggers' links are not dumped (the triggers and buffers that are dumped
// come back pointing at the old oids: orphans). This function, run once by
// a superuser after the restore:
//  1. drops the orphaned capture functions (their triggers on the sources go
//     with them) and buffers;
//  2. for each catalog row, in creation order (a stream table's sources
//     first): finds its storage table by name (a row whose table was not
//     restored is deleted), links it, and derives its maintenance again as
//     its owner, exactly as alter_stream_table does (sources, PostgreSQL
//     dependencies, row identity, change capture);
//  3. refreshes it (REINITIALIZE, "restored from a dump").
// It returns one row per stream table saying what it did. Running it again
// does nothing to tables that are linked already.
#include "api/stream_table_definition.h"
#include "catalog/object_dependencies.h"
#include "catalog/stream_table_catalog.h"
#include "cdc/change_capture.h"
#include "common/sql_quote.h"
#include "common/user_error.h"
#include "pg/boundary.h"
#include "pg/spi.h"
#include "pg/user_context.h"
#include "refresh/refresh_runner.h"

extern "C" {
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"
}

using namespace pgt;

namespace {

constexpr const char* kReason = "restored from a dump";

// Capture functions and buffers no tracked source owns (after a restore:
// all of them, named after the old oids).
void drop_orphaned_capture() {
  pg::AsRole as_owner(pg::catalog_owner(), false);
  auto functions = pg::spi::run(
      "SELECT p.oid::pg_catalog.regprocedure::text FROM pg_catalog.pg_proc p "
      "WHERE p.pronamespace = 'pgtrickle_changes'::pg_catalog.regnamespace AND p.proname LIKE 'capture\\_%' "
      "AND NOT EXISTS (SELECT 1 FROM pgtrickle.pgt_change_tracking t "
      "WHERE p.proname = 'capture_' || t.source_relid::text)");
  for (const auto& row : functions.rows) {
    // Their triggers on the sources first (a CASCADE would say so in NOTICEs).
    auto triggers = pg::spi::run(
        "SELECT pg_catalog.quote_ident(g.tgname), g.tgrelid::pg_catalog.regclass::text FROM pg_catalog.pg_trigger g "
        "WHERE g.tgfoid = $1::pg_catalog.regprocedure",
        {*row[0]});
    for (const auto& t : triggers.rows) pg::spi::exec("DROP TRIGGER " + *t[0] + " ON " + *t[1]);
    pg::spi::exec("DROP FUNCTION " + *row[0]);
  }
  auto buffers = pg::spi::run(
      "SELECT c.oid::pg_catalog.regclass::text FROM pg_catalog.pg_class c "
      "WHERE c.relnamespace = 'pgtrickle_changes'::pg_catalog.regnamespace AND c.relkind = 'r' "
      "AND NOT EXISTS (SELECT 1 FROM pgtrickle.pgt_change_tracking t WHERE t.buffer_relid = c.oid)");
  for (const auto& row : buffers.rows) pg::spi::exec("DROP TABLE " + *row[0]);
}

struct CatalogRow {
  int64_t pgt_id;
  Oid recorded_relid;
  std::string schema;
  std::string name;
  std::optional<Oid> relid_now;  // the table of that name now
  bool linked;                    // recorded_relid is it, with its dependency on the extension
};

std::vector<CatalogRow> catalog_rows() {
  pg::AsRole as_owner(pg::catalog_owner(), false);
  auto rows = pg::spi::run(
      "SELECT st.pgt_id, st.pgt_relid::int8, st.pgt_schema, st.pgt_name, c.oid::int8, "
      "c.oid = st.pgt_relid AND EXISTS (SELECT 1 FROM pg_catalog.pg_depend d "
      "  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid "
      "  AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass) "
      "FROM pgtrickle.pgt_stream_tables st "
      "LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = st.pgt_schema "
      "LEFT JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = st.pgt_name AND c.relkind = 'r' "
      "ORDER BY st.pgt_id");
  std::vector<CatalogRow> out;
  for (const auto& r : rows.rows) {
    CatalogRow row{std::stoll(*r[0]), static_cast<Oid>(std::stoul(*r[1])), *r[2], *r[3], std::nullopt,
                   r[5] == std::optional<std::string>("t")};
    if (r[4]) row.relid_now = static_cast<Oid>(std::stoul(*r[4]));
    out.push_back(row);
  }
  return out;
}

// Links the catalog row to the restored table and derives its maintenance.
void relink(const CatalogRow& row) {
  {
    pg::AsRole as_owner(pg::catalog_owner(), false);
    pg::spi::exec("UPDATE pgtrickle.pgt_stream_tables SET pgt_relid = $2::oid WHERE pgt_id = $1::bigint",
                  {std::to_string(row.pgt_id), std::to_string(*row.relid_now)});
  }
  catalog::StreamTable st = *catalog::find_by_relid(*row.relid_now);
  catalog::record_extension_dependency(st.relid);
  pg::AsRole as_owner(pg::relation_owner(st.relid), false);
  api::Definition def =
      api::prepare_definition(st.defining_query, st.refresh_mode, st.display_name(), st.relid);
  api::apply_definition(def, st.original_query, &st);
  catalog::update_definition(st);
  api::reinstall_maintenance(def, &st);
  catalog::mark_for_reinitialize(st.pgt_id, kReason);
}

// Source gates and watermarks (dumped too) follow their sources by name
// (source_schema, source_name); those of sources that were not restored go.
void relink_by_name(const std::string& table) {
  pg::AsRole as_owner(pg::catalog_owner(), false);
  // Under older SQL (the library updated, the extension not yet) there is none.
  auto present = pg::spi::scalar("SELECT pg_catalog.to_regclass($1) IS NOT NULL", {"pgtrickle." + table});
  if (present.value_or("f") != "t") return;
  const std::string t = "pgtrickle." + pgt::quote_ident(table);
  pg::spi::exec(
      "WITH now_ AS (SELECT g.source_relid AS old, c.oid AS new FROM " + t + " g "
      "LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = g.source_schema "
      "LEFT JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = g.source_name), "
      "gone AS (DELETE FROM " + t + " g USING now_ WHERE g.source_relid = now_.old "
      "AND now_.new IS NULL) "
      "UPDATE " + t + " g SET source_relid = now_.new FROM now_ "
      "WHERE g.source_relid = now_.old AND now_.new IS NOT NULL AND now_.new <> now_.old");
}

// Watermark groups keep their sources' qualified names beside the oids.
void relink_watermark_groups() {
  pg::AsRole as_owner(pg::catalog_owner(), false);
  auto present = pg::spi::scalar("SELECT pg_catalog.to_regclass('pgtrickle.pgt_watermark_groups') IS NOT NULL");
  if (present.value_or("f") != "t") return;
  pg::spi::exec(
      "UPDATE pgtrickle.pgt_watermark_groups g SET "
      "source_relids = ARRAY(SELECT pg_catalog.to_regclass(u.name)::pg_catalog.oid "
      "FROM pg_catalog.unnest(g.source_names) WITH ORDINALITY AS u(name, i) "
      "WHERE pg_catalog.to_regclass(u.name) IS NOT NULL ORDER BY u.i), "
      "source_names = ARRAY(SELECT u.name FROM pg_catalog.unnest(g.source_names) WITH ORDINALITY AS u(name, i) "
      "WHERE pg_catalog.to_regclass(u.name) IS NOT NULL ORDER BY u.i)");
}

}  // namespace

PGT_SQL_FUNCTION(pgt_restore_stream_tables) {
  pg::spi::Connection spi;
  bool allowed = false;
  pg::guard([&] { allowed = superuser(); });
  if (!allowed && pg::current_role() != pg::catalog_owner())
    throw Error(sqlstate::kInsufficientPrivilege, "permission denied to restore stream tables", "",
                "Run it as a superuser (or the extension's owner), after pg_restore.");
  drop_orphaned_capture();
  relink_by_name("pgt_source_gates");
  relink_by_name("pgt_watermarks");
  relink_watermark_groups();
  std::vector<std::pair<std::string, std::string>> report;
  for (const CatalogRow& row : catalog_rows()) {
    std::string name = row.schema + "." + row.name;
    if (!row.relid_now) {
      pg::AsRole as_owner(pg::catalog_owner(), false);
      pg::spi::exec("DELETE FROM pgtrickle.pgt_stream_tables WHERE pgt_id = $1::bigint",
                    {std::to_string(row.pgt_id)});
      report.emplace_back(name, "removed: its table was not restored");
      continue;
    }
    if (row.linked) {
      report.emplace_back(name, "unchanged: already linked");
      continue;
    }
    relink(row);
    refresh::refresh_now(*catalog::find_by_relid(*row.relid_now), "MANUAL");
    report.emplace_back(name, "restored and refreshed");
  }
  cdc::drop_unused_capture();

  ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  pg::guard([&] {
    InitMaterializedSRF(fcinfo, 0);
    for (const auto& [name, outcome] : report) {
      Datum values[2] = {CStringGetTextDatum(name.c_str()), CStringGetTextDatum(outcome.c_str())};
      bool nulls[2] = {false, false};
      tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    }
  });
  return static_cast<Datum>(0);
}
