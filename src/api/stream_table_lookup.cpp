// Name resolution for the API: see stream_table_lookup.h.
#include "api/stream_table_lookup.h"

#include <cstring>

#include "common/user_error.h"
#include "pg/boundary.h"
#include "pg/spi.h"

extern "C" {
#include "catalog/namespace.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
}

namespace pgt::api {

RangeVar* parse_relation_name(const std::string& name, const std::string& what, const std::string& hint) {
  if (name.empty())
    throw Error(sqlstate::kInvalidName, what + " name must not be empty", "",
                "Pass a name such as 'my_table' or 'my_schema.my_table'.");
  RangeVar* rv = nullptr;
  try {
    pg::guard([&] { rv = makeRangeVarFromNameList(pgt_string_to_qualified_name_list(name.c_str())); });
  } catch (const pg::PgError& e) {
    e.set_hint(hint);
    throw;
  }
  // What PostgreSQL would only refuse later, and without a HINT: "a.b.c"
  // (another database) and a zero-length quoted name.
  if (rv->catalogname != nullptr)
    throw Error(sqlstate::kInvalidName, "invalid " + what + " name \"" + name + "\": too many dotted names", "",
                hint);
  if (rv->relname == nullptr || rv->relname[0] == '\0' || (rv->schemaname != nullptr && rv->schemaname[0] == '\0'))
    throw Error(sqlstate::kInvalidName, "invalid " + what + " name \"" + name + "\": a zero-length name", "", hint);
  return rv;
}

namespace {

constexpr const char* kNameHint =
    "Name the stream table as 'table' or 'schema.table' (double-quote names with capitals or "
    "special characters: '\"My Schema\".\"My Table\"'); the schema must exist.";

constexpr const char* kListHint =
    "List stream tables with SELECT name FROM pgtrickle.pgt_status().";

RangeVar* parse_name(const std::string& name) { return parse_relation_name(name, "stream table", kNameHint); }

}  // namespace

// A stream table is a permanent table outside pg_trickle's own schemas: a
// temporary one would leave its catalog row behind when its session ends
// (holding back the cleanup of every buffer it read).
static void refuse_reserved_schema(const char* schema, const char* relname) {
  bool temporary = false;
  pg::guard([&] { temporary = isAnyTempNamespace(get_namespace_oid(schema, false)); });
  std::string name = std::string(schema) + "." + relname;
  if (temporary)
    throw Error(sqlstate::kInvalidParameterValue, "stream table \"" + std::string(relname) + "\" cannot be temporary",
                "", "Create it in a permanent schema; a stream table outlives the session that creates it.");
  if (strcmp(schema, "pgtrickle") == 0 || strcmp(schema, "pgtrickle_changes") == 0 ||
      strcmp(schema, "pg_catalog") == 0 || strcmp(schema, "information_schema") == 0)
    throw Error(sqlstate::kInvalidParameterValue,
                "stream table \"" + name + "\" cannot be created in schema \"" + schema + "\"",
                "That schema belongs to pg_trickle or to PostgreSQL.", "Create it in a schema of your own.");
}

NewTableName resolve_new_stream_table_name(const std::string& name) {
  RangeVar* rv = parse_name(name);
  const char* schema = nullptr;
  Oid existing = InvalidOid;
  try {
    pg::guard([&] {
      Oid nsp = RangeVarGetCreationNamespace(rv);
      schema = get_namespace_name(nsp);
      existing = get_relname_relid(rv->relname, nsp);
    });
  } catch (const pg::PgError& e) {
    e.set_hint(kNameHint);
    throw;
  }
  refuse_reserved_schema(schema, rv->relname);
  if (OidIsValid(existing))
    throw Error(sqlstate::kDuplicateTable,
                std::string("relation \"") + schema + "." + rv->relname + "\" already exists", "",
                "Choose another name, or drop the existing relation first "
                "(pgtrickle.drop_stream_table() for a stream table).");
  return {schema, rv->relname};
}

catalog::StreamTable lookup_stream_table(const std::string& name, catalog::Columns columns) {
  RangeVar* rv = parse_name(name);
  Oid relid = InvalidOid;
  pg::guard([&] { relid = RangeVarGetRelid(rv, NoLock, true); });
  if (!OidIsValid(relid))
    throw Error(sqlstate::kUndefinedTable, "stream table \"" + name + "\" does not exist", "",
                kListHint);
  auto st = catalog::find_by_relid(relid, columns);
  if (!st) {
    // A stream table's storage restored from a dump keeps its guard trigger
    // until restore_stream_tables() links it again.
    bool restored = pg::spi::scalar("SELECT 1 FROM pg_catalog.pg_trigger WHERE tgrelid = $1::oid AND tgname = "
                                    "'pgt_guard_dml'",
                                    {std::to_string(relid)})
                        .has_value();
    throw Error(sqlstate::kWrongObjectType, "\"" + name + "\" is not a stream table", "",
                restored ? "It looks restored from a dump: run SELECT * FROM pgtrickle.restore_stream_tables(); "
                           "as a superuser to make its stream tables maintained again."
                         : kListHint);
  }
  return *st;
}

void require_owner(const catalog::StreamTable& st, const char* action) {
  bool owner = false;
  pg::guard([&] { owner = pgt_relation_ownercheck(st.relid, GetUserId()); });
  if (!owner)
    throw Error(sqlstate::kInsufficientPrivilege,
                std::string("must be owner of stream table \"") + st.display_name() + "\" to " +
                    action,
                "", "Ask the owner of the stream table (or a superuser) to do it.");
}

}  // namespace pgt::api
