// See source_writer.h.
#include "api/source_writer.h"

#include "common/sql_quote.h"
#include "common/user_error.h"
#include "pg/boundary.h"
#include "pg/privileges.h"
#include "pg/spi.h"
#include "pg/user_context.h"
#include "api/stream_table_lookup.h"

extern "C" {
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
}

namespace pgt::api {

std::string WrittenSource::quoted() const { return quote_qualified(schema, name); }

namespace {

// A gate or a watermark belongs to what stream tables read.
void check_source_kind(Oid, char kind, const std::string& text) {
  if (kind != RELKIND_RELATION && kind != RELKIND_PARTITIONED_TABLE && kind != RELKIND_VIEW &&
      kind != RELKIND_MATVIEW && kind != RELKIND_FOREIGN_TABLE)
    throw Error(sqlstate::kWrongObjectType, "\"" + text + "\" is not a table, view or foreign table", "",
                "A gate or a watermark belongs to a relation stream tables read.");
}

}  // namespace

WrittenSource check_source_writer(Oid relid, const std::string& action, const std::string& allowed_action,
                                  const std::function<std::string(const std::string&)>& owner_call) {
  WrittenSource s;
  s.relid = relid;
  bool exists = false, owner = false, writer = false;
  char* name = nullptr;
  char* schema = nullptr;
  pg::guard([&] {
    name = get_rel_name(relid);
    if (name == nullptr) return;
    exists = true;
    schema = get_namespace_name(get_rel_namespace(relid));
    owner = pgt_relation_ownercheck(relid, GetUserId());
    writer = pg_class_aclmask(relid, GetUserId(), ACL_INSERT | ACL_UPDATE | ACL_DELETE, ACLMASK_ANY) != 0;
  });
  if (exists) {
    s.name = name;
    s.schema = schema != nullptr ? schema : "";
  }
  if (!exists)
    throw Error(sqlstate::kUndefinedTable, "relation with OID " + std::to_string(relid) + " does not exist", "",
                "Name the source table, e.g. " + owner_call("'my_schema.my_table'") + ".");
  if (!owner && !writer)
    throw Error(sqlstate::kInsufficientPrivilege, "permission denied to " + action + " source " + s.display(),
                "Only its owner (" + pg::role_name(pg::relation_owner(relid)) +
                    ") or a role that may INSERT, UPDATE or DELETE it may " + allowed_action + ".",
                "Ask its owner to run " + owner_call(quote_literal(s.quoted())) +
                    ", or to GRANT you INSERT on it.");
  return s;
}

Oid resolve_source(const std::string& text, const std::string& function) {
  const std::string hint = "Name the source table as in a query (schema-qualified if it is not on your search "
                           "path; double-quote names with capitals or special characters), e.g. pgtrickle." +
                           function + "('my_schema.my_table', ...).";
  RangeVar* rv = parse_relation_name(text, "source", hint);
  Oid relid = InvalidOid;
  char kind = 0;
  pg::guard([&] {
    relid = RangeVarGetRelid(rv, NoLock, true);
    if (OidIsValid(relid)) kind = get_rel_relkind(relid);
  });
  if (!OidIsValid(relid)) throw Error(sqlstate::kUndefinedTable, "relation \"" + text + "\" does not exist", "", hint);
  check_source_kind(relid, kind, text);
  return relid;
}

}  // namespace pgt::api
