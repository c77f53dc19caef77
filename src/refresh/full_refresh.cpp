// FULL refresh: see full_refresh.h.
#include "refresh/full_refresh.h"

#include "catalog/storage_table.h"
#include "common/sql_quote.h"
#include "common/user_error.h"
#include "pg/search_path.h"
#include "pg/spi.h"
#include "pg/user_context.h"
#include "refresh/dml_guard.h"
#include "refresh/heap_swap.h"

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

RefreshResult replace_rows(const catalog::StreamTable& st, const std::function<int64_t()>& insert_all,
                           bool rebuild_row_id_index, bool unique_row_id_index, bool swap_heap) {
  RefreshResult rows;
  auto row_id_index = [&] {
    return pg::spi::run(
        "SELECT i.indexrelid::regclass::text, i.indisunique FROM pg_catalog.pg_index i JOIN pg_catalog.pg_attribute a "
        "ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] "
        "WHERE i.indrelid = $1::oid AND i.indnatts = 1 AND a.attname = $2",
        {std::to_string(st.relid), catalog::kRowIdColumn});
  };
  bool alone = false;
  pg::guard([&] { alone = ConditionalLockRelationOid(st.relid, AccessExclusiveLock); });
  if (!alone && rebuild_row_id_index) {
    // An identity index of the wrong kind (the sources' keys changed) can
    // only be rebuilt alone: then wait for the readers.
    auto index = row_id_index();
    bool fits = index.rows.size() == 1 && (*index.rows[0][1] == "t") == unique_row_id_index;
    if (!fits) {
      pg::guard([&] { LockRelationOid(st.relid, AccessExclusiveLock); });
      alone = true;
    }
  }
  if (!alone) {
    rows.rows_deleted = static_cast<int64_t>(pg::spi::exec("DELETE FROM ONLY " + st.qualified_name()));
    rows.rows_inserted = insert_all();
    return rows;
  }
  auto before = pg::spi::scalar("SELECT pg_catalog.count(*) FROM ONLY " + st.qualified_name());
  rows.rows_deleted = before ? std::stoll(*before) : 0;
  if (swap_heap)
    if (std::optional<int64_t> loaded = load_full_by_heap_swap(st)) {
      rows.rows_inserted = *loaded;
      return rows;
    }
  if (rebuild_row_id_index)
    for (const auto& row : row_id_index().rows) pg::spi::exec("DROP INDEX " + *row[0]);
  pg::spi::exec("TRUNCATE ONLY " + st.qualified_name());
  rows.rows_inserted = insert_all();
  if (rebuild_row_id_index) catalog::create_row_id_index(st.qualified_name(), unique_row_id_index);
  return rows;
}

RefreshResult refresh_full(const catalog::StreamTable& stale, const char* initiated_by,
                           const std::string& reason) {
  // EXCLUSIVE: other refreshes wait; readers never do (replace_rows).
  Oid owner = lock_storage_table(stale, ExclusiveLock);
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
    result = replace_rows(st, [&] { return static_cast<int64_t>(pg::spi::exec(insert_sql)); }, false, false, true);
  } catch (const pg::PgError& e) {
    explain_refresh_error(e, st, owner);
    throw;
  }
  record_recompute(st, initiated_by, reason, started, result);
  return result;
}

}  // namespace pgt::refresh
