// FULL refresh: see full_refresh.h.
#include "refresh/full_refresh.h"

#include "catalog/storage_table.h"
#include "common/sql_quote.h"
#include "common/user_error.h"
#include "pg/search_path.h"
#include "pg/spi.h"
#include "pg/user_context.h"
#include "refresh/dml_guard.h"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "storage/lmgr.h"
#include "utils/syscache.h"
}

namespace pgt::refresh {

namespace {

}  // namespace

Oid lock_storage_table(const catalog::StreamTable& st, int lockmode) {
  pg::guard([&] { LockRelationOid(st.relid, lockmode); });
  Oid owner = pg::relation_owner(st.relid);
  if (!OidIsValid(owner))
    throw Error(sqlstate::kUndefinedTable,
                "storage table of stream table \"" + st.display_name() + "\" does not exist", "",
                "Drop the stream table with pgtrickle.drop_stream_table() and create it again.");
  return owner;
}

namespace {

std::string insert_select_sql(const catalog::StreamTable& st) {
  std::string columns;
  for (const auto& c : catalog::storage_columns(st.relid)) columns += quote_ident(c.name) + ", ";
  columns += quote_ident(catalog::kRowIdColumn);
  return "INSERT INTO " + st.qualified_name() + " (" + columns +
         ") SELECT q.*, pg_catalog.row_number() OVER () FROM (" + st.defining_query + ") q";
}

}  // namespace

void record_recompute(const catalog::StreamTable& st, const char* initiated_by, const std::string& reason,
                      int64_t started, const RefreshResult& rows) {
  catalog::RefreshRecord record;
  record.action = st.reinitialize_reason ? RefreshAction::Reinitialize : RefreshAction::Full;
  record.initiated_by = initiated_by;
  record.reason = st.reinitialize_reason.value_or(reason);
  record.start_unix_micros = started;
  record.rows_inserted = rows.rows_inserted;
  record.rows_deleted = rows.rows_deleted;
  catalog::record_refresh(st.pgt_id, record);
}

void explain_refresh_error(const pg::PgError& e, const catalog::StreamTable& st, Oid owner) {
  // The generated statement is ours, not the user's: name the stream table instead.
  e.clear_context();
  if (e.sqlerrcode() == ERRCODE_INSUFFICIENT_PRIVILEGE)
    e.set_hint("The defining query of stream table \"" + st.display_name() +
               "\" runs with the privileges of its owner, role \"" + pg::role_name(owner) +
               "\": grant that role SELECT on the sources.");
  else
    e.set_hint("The error occurred while running the defining query of stream table \"" +
               st.display_name() + "\".");
}

RefreshResult refresh_full(const catalog::StreamTable& stale, const char* initiated_by,
                           const std::string& reason) {
  Oid owner = lock_storage_table(stale, AccessExclusiveLock);
  const catalog::StreamTable st = catalog::reload_for_refresh(stale.pgt_id);
  int64_t started = catalog::now_unix_micros();
  std::string insert_sql = insert_select_sql(st);

  RefreshResult result;
  try {
    // As the owner (like REFRESH MATERIALIZED VIEW): whoever triggers the
    // refresh, the query sees exactly what the owner may see.
    pg::AsRole as_owner(owner, true);
    pg::PinnedSearchPath pinned;
    ApplyPermit permit(st.relid);
    auto before = pg::spi::scalar("SELECT pg_catalog.count(*) FROM " + st.qualified_name());
    result.rows_deleted = before ? std::stoll(*before) : 0;
    pg::spi::exec("TRUNCATE ONLY " + st.qualified_name());
    result.rows_inserted = static_cast<int64_t>(pg::spi::exec(insert_sql));
  } catch (const pg::PgError& e) {
    explain_refresh_error(e, st, owner);
    throw;
  }
  record_recompute(st, initiated_by, reason, started, result);
  return result;
}

}  // namespace pgt::refresh
