// Watermarks: advance_watermark(source, timestamptz), create_watermark_group
// (name, sources[], tolerance_secs) and drop_watermark_group(name). An ETL job
// declares in the transaction that loads a source how far the source is
// complete; the scheduler refreshes the readers of a group's sources only
// when the group is aligned (pgtrickle._watermark_group_state(), the one
// definition; the scheduler side is in scheduler/watermark_holds). The rows
// are written as the catalog's owner after checking the caller here: only a
// role that owns a source or may write it advances its watermark or groups it.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "api/arguments.h"
#include "api/source_writer.h"
#include "common/sql_quote.h"
#include "common/user_error.h"
#include "pg/boundary.h"
#include "pg/messages.h"
#include "pg/spi.h"
#include "pg/user_context.h"
#include "scheduler/commit_signals.h"

extern "C" {
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
}

using namespace pgt;

namespace {

// `action` completes "permission denied to ... source X".
api::WrittenSource writable_source(const std::string& text, const std::string& function, const std::string& action) {
  Oid relid = api::resolve_source(text, function);
  return api::check_source_writer(relid, action, "advance its watermark or put it in a watermark group",
                                  [&](const std::string& name) {
                                    return "pgtrickle." + function + "(" + name + ", ...)";
                                  });
}

std::vector<std::string> text_array_arg(FunctionCallInfo fcinfo, int index, const char* parameter) {
  if (PG_ARGISNULL(index))
    throw Error(sqlstate::kNullValueNotAllowed, std::string(parameter) + " must not be NULL", "",
                "Pass the sources as an array of names, e.g. ARRAY['orders', 'order_lines'].");
  // In PostgreSQL memory inside guard() (no C++ container grows there).
  char** texts = nullptr;
  int n = 0;
  bool has_null = false;
  pg::guard([&] {
    ArrayType* array = PG_GETARG_ARRAYTYPE_P(index);
    Datum* items = nullptr;
    bool* nulls = nullptr;
    deconstruct_array(array, TEXTOID, -1, false, TYPALIGN_INT, &items, &nulls, &n);
    texts = static_cast<char**>(palloc0(sizeof(char*) * (n + 1)));
    for (int i = 0; i < n; i++) {
      if (nulls[i])
        has_null = true;
      else
        texts[i] = TextDatumGetCString(items[i]);
    }
  });
  std::vector<std::string> out;
  for (int i = 0; i < n; i++)
    if (texts[i] != nullptr) out.emplace_back(texts[i]);
  if (has_null)
    throw Error(sqlstate::kNullValueNotAllowed, std::string(parameter) + " must not contain NULL", "",
                "Name every source of the group, e.g. ARRAY['orders', 'order_lines'].");
  return out;
}

}  // namespace

PGT_SQL_FUNCTION(pgt_advance_watermark) {
  std::string source = api::required_text_arg(fcinfo, 0, "source");
  if (PG_ARGISNULL(1)) throw Error(sqlstate::kNullValueNotAllowed, "watermark must not be NULL",
                                   "", "Pass the time through which the source is complete.");
  TimestampTz watermark = PG_GETARG_TIMESTAMPTZ(1);
  if (TIMESTAMP_NOT_FINITE(watermark))
    throw Error(sqlstate::kInvalidParameterValue, "watermark must be a finite time", "",
                "Pass the time through which the source is complete, e.g. now() or '2026-03-01 00:00+00'.");
  char* printed = nullptr;
  pg::guard([&] { printed = DatumGetCString(DirectFunctionCall1(timestamptz_out, TimestampTzGetDatum(watermark))); });
  std::string text = printed;
  pg::spi::Connection spi;
  api::WrittenSource s = writable_source(source, "advance_watermark", "advance the watermark of");
  std::string caller = pg::role_name(pg::current_role());
  pg::AsRole as_owner(pg::catalog_owner(), false);
  // The conflicting row is locked even when the WHERE refuses the update:
  // concurrent advances of one source serialize here.
  auto moved = pg::spi::scalar(
      "INSERT INTO pgtrickle.pgt_watermarks AS w (source_relid, source_schema, source_name, watermark, updated_at, "
      "advanced_by, wal_lsn_at_advance) VALUES ($1::pg_catalog.oid, $2, $3, $4::pg_catalog.timestamptz, "
      "pg_catalog.now(), $5, pg_catalog.pg_current_wal_lsn()::text) "
      "ON CONFLICT (source_relid) DO UPDATE SET source_schema = EXCLUDED.source_schema, "
      "source_name = EXCLUDED.source_name, watermark = EXCLUDED.watermark, updated_at = EXCLUDED.updated_at, "
      "advanced_by = EXCLUDED.advanced_by, wal_lsn_at_advance = EXCLUDED.wal_lsn_at_advance "
      "WHERE w.watermark OPERATOR(pg_catalog.<) EXCLUDED.watermark RETURNING 1",
      {std::to_string(s.relid), s.schema, s.name, text, caller});
  if (!moved) {
    auto current = pg::spi::run(
        "SELECT watermark OPERATOR(pg_catalog.>) $2::pg_catalog.timestamptz, watermark::text "
        "FROM pgtrickle.pgt_watermarks WHERE source_relid = $1::pg_catalog.oid",
        {std::to_string(s.relid), text});
    if (!current.rows.empty() && current.rows[0][0].value_or("f") == "t")
      throw Error(sqlstate::kInvalidParameterValue,
                  "watermark of source " + s.display() + " cannot move backward",
                  "It is " + current.rows[0][1].value_or("?") + "; " + text + " was given.",
                  "Watermarks only advance. Pass a time at or after the current one (see "
                  "pgtrickle.watermarks()).");
    PG_RETURN_VOID();  // the same watermark again: nothing to do
  }
  // At commit: the groups of this source may be aligned now.
  scheduler::note_captured_changes(s.relid);
  PG_RETURN_VOID();
}

PGT_SQL_FUNCTION(pgt_create_watermark_group) {
  std::string name = api::required_text_arg(fcinfo, 0, "group_name");
  if (name.empty())
    throw Error(sqlstate::kInvalidParameterValue, "group_name must not be empty", "",
                "Name the group, e.g. 'order_pipeline'.");
  std::vector<std::string> sources = text_array_arg(fcinfo, 1, "sources");
  if (PG_ARGISNULL(2))
    throw Error(sqlstate::kNullValueNotAllowed, "tolerance_secs must not be NULL", "",
                "Pass 0 for strict alignment, or the seconds of skew to allow.");
  double tolerance = PG_GETARG_FLOAT8(2);
  if (!std::isfinite(tolerance) || tolerance < 0)
    throw Error(sqlstate::kInvalidParameterValue, "tolerance_secs must be a finite number of seconds >= 0", "",
                "0 means strict alignment: every source at the same watermark.");
  if (sources.size() < 2)
    throw Error(sqlstate::kInvalidParameterValue, "a watermark group needs at least 2 sources", "",
                "Name every source whose loads must line up, e.g. ARRAY['orders', 'order_lines'].");
  pg::spi::Connection spi;
  std::vector<api::WrittenSource> members;
  for (const auto& text : sources) {
    api::WrittenSource s = writable_source(text, "create_watermark_group", "put in a watermark group");
    for (const auto& m : members)
      if (m.relid == s.relid)
        throw Error(sqlstate::kInvalidParameterValue, "source " + s.display() + " appears twice in the group", "",
                    "Name each source once.");
    members.push_back(s);
  }
  std::string relids = "{";
  for (size_t i = 0; i < members.size(); i++) relids += (i ? "," : "") + std::to_string(members[i].relid);
  relids += "}";
  char tolerance_text[64];
  snprintf(tolerance_text, sizeof tolerance_text, "%.17g", tolerance);
  std::string caller = pg::role_name(pg::current_role());
  pg::AsRole as_owner(pg::catalog_owner(), false);
  auto taken = pg::spi::scalar("SELECT 1 FROM pgtrickle.pgt_watermark_groups WHERE group_name = $1", {name});
  if (taken)
    throw Error(sqlstate::kDuplicateObject, "watermark group " + quote_literal(name) + " already exists", "",
                "Choose another name, or drop it first with pgtrickle.drop_watermark_group(" + quote_literal(name) +
                    ").");
  auto id = pg::spi::scalar(
      "INSERT INTO pgtrickle.pgt_watermark_groups (group_name, source_relids, source_names, tolerance_secs, "
      "created_by) SELECT $1, $2::pg_catalog.oid[], ARRAY(SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) "
      "FROM pg_catalog.unnest($2::pg_catalog.oid[]) WITH ORDINALITY AS u(relid, i) "
      "JOIN pg_catalog.pg_class c ON c.oid = u.relid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "ORDER BY u.i), $3::pg_catalog.float8, $4 RETURNING group_id",
      {name, relids, tolerance_text, caller});
  PG_RETURN_INT32(std::stoi(id.value_or("0")));
}

PGT_SQL_FUNCTION(pgt_drop_watermark_group) {
  std::string name = api::required_text_arg(fcinfo, 0, "group_name");
  pg::spi::Connection spi;
  auto group = pg::spi::run("SELECT created_by FROM pgtrickle.pgt_watermark_groups WHERE group_name = $1", {name});
  if (group.rows.empty())
    throw Error(sqlstate::kUndefinedObject, "watermark group " + quote_literal(name) + " does not exist", "",
                "See pgtrickle.watermark_groups() for the groups there are.");
  std::vector<Oid> relids;  // its sources that still exist
  for (const auto& r : pg::spi::run("SELECT c.oid FROM pgtrickle.pgt_watermark_groups g, "
                                    "pg_catalog.unnest(g.source_relids) WITH ORDINALITY AS u(relid, n) "
                                    "JOIN pg_catalog.pg_class c ON c.oid = u.relid WHERE g.group_name = $1 "
                                    "ORDER BY u.n",  // (the first the caller may not write is named)
                                    {name})
                           .rows)
    relids.push_back(static_cast<Oid>(std::stoul(*r[0])));
  bool superuser_ = false;
  pg::guard([&] { superuser_ = superuser(); });
  bool creator = group.rows[0][0] && *group.rows[0][0] == pg::role_name(pg::current_role());
  if (!superuser_ && !creator)
    for (Oid relid : relids)
      api::check_source_writer(relid, "drop the watermark group of", "drop a watermark group it belongs to",
                               [&](const std::string&) {
                                 return "pgtrickle.drop_watermark_group(" + quote_literal(name) + ")";
                               });
  pg::AsRole as_owner(pg::catalog_owner(), false);
  pg::spi::exec("DELETE FROM pgtrickle.pgt_watermark_groups WHERE group_name = $1", {name});
  // At commit: readers held by this group may be due now.
  for (Oid relid : relids) scheduler::note_captured_changes(relid);
  PG_RETURN_VOID();
}
