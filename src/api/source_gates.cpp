// pgtrickle.gate_source(source regclass) / ungate_source(source regclass):
// while a source is gated (a bulk load, an ETL window) the scheduler leaves
// every stream table reading it, directly or through other stream tables,
// alone; changes wait in the change buffers, and the first tick after the
// ungate refreshes once (the ungate wakes the scheduler at commit, as a
// captured change does). The gates are rows of pgtrickle.pgt_source_gates,
// written as the catalog's owner after checking the caller in C: only a role
// that owns the source or may write it (INSERT, UPDATE or DELETE) gates it,
// as only such a role can load it.
#include "common/sql_quote.h"
#include "common/user_error.h"
#include "pg/boundary.h"
#include "pg/messages.h"
#include "pg/spi.h"
#include "pg/user_context.h"
#include "scheduler/commit_signals.h"

extern "C" {
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
}

using namespace pgt;

namespace {

struct Source {
  Oid relid = InvalidOid;
  std::string schema, name;
  std::string display() const { return schema + "." + name; }
};

Source checked_source(Oid relid, const char* verb) {
  Source s;
  s.relid = relid;
  bool exists = false, owner = false, writer = false;
  pg::guard([&] {
    char* name = get_rel_name(relid);
    if (name == nullptr) return;
    exists = true;
    s.name = name;
    char* schema = get_namespace_name(get_rel_namespace(relid));
    s.schema = schema != nullptr ? schema : "";
    owner = pgt_relation_ownercheck(relid, GetUserId());
    writer = pg_class_aclmask(relid, GetUserId(), ACL_INSERT | ACL_UPDATE | ACL_DELETE, ACLMASK_ANY) != 0;
  });
  if (!exists)
    throw Error(sqlstate::kUndefinedTable, "relation with OID " + std::to_string(relid) + " does not exist", "",
                "Name the source table, e.g. pgtrickle." + std::string(verb) + "_source('my_schema.my_table').");
  if (!owner && !writer)
    throw Error(sqlstate::kInsufficientPrivilege,
                "permission denied to " + std::string(verb) + " source " + s.display(),
                "Only its owner (" + pg::role_name(pg::relation_owner(relid)) +
                    ") or a role that may INSERT, UPDATE or DELETE it may gate or ungate it.",
                "Ask its owner to run pgtrickle." + std::string(verb) + "_source(" +
                    quote_literal(quote_qualified(s.schema, s.name)) + "), or to GRANT you INSERT on it.");
  return s;
}

}  // namespace

PGT_SQL_FUNCTION(pgt_gate_source) {
  pg::spi::Connection spi;
  Source s = checked_source(PG_GETARG_OID(0), "gate");
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
  Source s = checked_source(PG_GETARG_OID(0), "ungate");
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
