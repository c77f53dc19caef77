// pgtrickle._sync_immediate_triggers(): called by the DDL event trigger when
// IMMEDIATE stream tables exist. Their triggers follow the members of their
// sources' hierarchies (cdc/immediate_triggers.h); a member that joined or
// left holding rows brought or took them without a statement to maintain
// from, so the stream tables reading it are recomputed (history: DDL); so
// are those whose source lost a member holding rows to DROP TABLE (also
// called by the sql_drop event trigger).
#include "catalog/stream_table_catalog.h"
#include "cdc/capture_triggers.h"
#include "cdc/commit_triggers.h"
#include "cdc/immediate_triggers.h"
#include "pg/boundary.h"
#include "pg/spi.h"
#include "pg/user_context.h"
#include "refresh/refresh_runner.h"

using namespace pgt;

PGT_SQL_FUNCTION(pgt_sync_immediate_triggers) {
  if (cdc::running_capture_ddl()) PG_RETURN_VOID();
  pg::spi::Connection spi;
  std::vector<Oid> changed;
  {
    pg::AsRole as_owner(pg::catalog_owner(), false);
    cdc::sync_immediate_triggers();
    changed = cdc::take_tables_to_recompute();
    for (Oid st_relid : cdc::sync_commit_triggers()) changed.push_back(st_relid);
  }
  for (Oid st_relid : changed) {
    auto st = catalog::find_by_relid(st_relid);
    if (st && st->immediate())
      refresh::refresh_now(*st, "DDL", "a partition or inheritance child holding rows joined or left a source");
  }
  PG_RETURN_VOID();
}
