// Catalog access: see stream_table_catalog.h.
#include "catalog/stream_table_catalog.h"

#include <chrono>

#include "common/sql_quote.h"
#include "common/user_error.h"
#include "pg/index_lookup.h"
#include "pg/spi.h"
#include "pg/user_context.h"

namespace pgt::catalog {

namespace {

using pg::spi::Params;
using pg::spi::Value;

std::string bool_text(bool b) { return b ? "true" : "false"; }

// Runs a catalog write as the catalog owner.
pg::spi::Result write(const std::string& sql, const Params& params) {
  pg::AsRole as_owner(pg::catalog_owner(), false);
  return pg::spi::run_kept(sql, params);
}

constexpr const char* kSelectColumns =
    "pgt_id, pgt_relid, pgt_schema, pgt_name, original_query, defining_query, schedule, "
    "refresh_mode, effective_refresh_mode, effective_mode_reason, status, is_populated, "
    "consecutive_errors, diamond_consistency, diamond_schedule_policy, cdc_mode, append_only, "
    "pooler_compatibility_mode, frontier::text, frontier_own_xid::text, frontier_own_cid::text, "
    "unique_row_ids, NULL::text, NULL::text, NULL::text, updated_at::text";  // (the stored SQL is for inspection only)

StreamTable from_row(const pg::spi::Row& r) {
  StreamTable st;
  st.pgt_id = std::stoll(*r[0]);
  st.relid = static_cast<Oid>(std::stoul(*r[1]));
  st.schema = *r[2];
  st.name = *r[3];
  st.original_query = *r[4];
  st.defining_query = *r[5];
  st.schedule = *r[6];
  st.refresh_mode = *r[7];
  st.effective_refresh_mode = *r[8];
  st.effective_mode_reason = r[9];
  st.status = *r[10];
  st.is_populated = *r[11] == "t";
  st.consecutive_errors = std::stoi(*r[12]);
  st.diamond_consistency = r[13];
  st.diamond_schedule_policy = r[14];
  st.cdc_mode = r[15];
  st.append_only = *r[16] == "t";
  st.pooler_compatibility_mode = *r[17] == "t";
  st.frontier = r[18];
  st.frontier_own_xid = r[19];
  st.frontier_own_cid = r[20];
  st.unique_row_ids = *r[21] == "t";
  st.full_refresh_sql = r[22];
  st.delta_apply_sql = r[23];
  st.pending_changes_sql = r[24];
  st.version = std::to_string(st.pgt_id) + "@" + r[25].value_or("");
  return st;
}

}  // namespace

std::string StreamTable::qualified_name() const { return quote_qualified(schema, name); }
std::string StreamTable::display_name() const { return schema + "." + name; }

std::optional<StreamTable> find_by_relid(Oid relid) {
  // kSelectColumns' columns, read through the pgt_relid index (every refresh
  // starts here; see pg/index_lookup.h).
  static const std::vector<std::string> columns{
      "pgt_id", "pgt_relid", "pgt_schema", "pgt_name", "original_query", "defining_query", "schedule",
      "refresh_mode", "effective_refresh_mode", "effective_mode_reason", "status", "is_populated",
      "consecutive_errors", "diamond_consistency", "diamond_schedule_policy", "cdc_mode", "append_only",
      "pooler_compatibility_mode", "frontier", "frontier_own_xid", "frontier_own_cid", "unique_row_ids", "", "", "",
      "updated_at"};
  auto row = pg::extension_row_by_oid("pgt_stream_tables", "pgt_relid", relid, columns);
  if (!row) return std::nullopt;
  return from_row(*row);
}

StreamTable reload_for_refresh(int64_t pgt_id) {
  auto result = write(std::string("SELECT ") + kSelectColumns +
                          " FROM pgtrickle.pgt_stream_tables WHERE pgt_id = $1::bigint FOR UPDATE",
                      {std::to_string(pgt_id)});
  if (result.rows.empty())
    throw Error(sqlstate::kUndefinedTable, "stream table was dropped while waiting to refresh it");
  return from_row(result.rows[0]);
}

bool is_stream_table(Oid relid) {
  return pg::spi::scalar("SELECT 1 FROM pgtrickle.pgt_stream_tables WHERE pgt_relid = $1::oid",
                         {std::to_string(relid)})
      .has_value();
}

int64_t insert_stream_table(const StreamTable& st) {
  auto result = write(
      "INSERT INTO pgtrickle.pgt_stream_tables (pgt_relid, pgt_schema, pgt_name, original_query, "
      "defining_query, schedule, refresh_mode, effective_refresh_mode, effective_mode_reason, "
      "status, is_populated, diamond_consistency, diamond_schedule_policy, cdc_mode, append_only, "
      "pooler_compatibility_mode, unique_row_ids, full_refresh_sql, delta_apply_sql, "
      "pending_changes_sql) VALUES ($1::oid, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
      "$11::boolean, $12, $13, $14, $15::boolean, $16::boolean, $17::boolean, $18, $19, $20) "
      "RETURNING pgt_id",
      {std::to_string(st.relid), st.schema, st.name, st.original_query, st.defining_query,
       st.schedule, st.refresh_mode, st.effective_refresh_mode, st.effective_mode_reason,
       st.status, bool_text(st.is_populated), st.diamond_consistency, st.diamond_schedule_policy,
       st.cdc_mode, bool_text(st.append_only), bool_text(st.pooler_compatibility_mode),
       bool_text(st.unique_row_ids), st.full_refresh_sql, st.delta_apply_sql,
       st.pending_changes_sql});
  return std::stoll(*result.rows.at(0).at(0));
}

void update_definition(const StreamTable& st) {
  write(
      "UPDATE pgtrickle.pgt_stream_tables SET original_query = $2, defining_query = $3, "
      "schedule = $4, refresh_mode = $5, effective_refresh_mode = $6, effective_mode_reason = $7, "
      "diamond_consistency = $8, diamond_schedule_policy = $9, cdc_mode = $10, "
      "append_only = $11::boolean, pooler_compatibility_mode = $12::boolean, "
      "unique_row_ids = $13::boolean, full_refresh_sql = $14, delta_apply_sql = $15, "
      "pending_changes_sql = $16, updated_at = pg_catalog.clock_timestamp() "
      "WHERE pgt_id = $1::bigint",
      {std::to_string(st.pgt_id), st.original_query, st.defining_query, st.schedule,
       st.refresh_mode, st.effective_refresh_mode, st.effective_mode_reason,
       st.diamond_consistency, st.diamond_schedule_policy, st.cdc_mode, bool_text(st.append_only),
       bool_text(st.pooler_compatibility_mode), bool_text(st.unique_row_ids), st.full_refresh_sql,
       st.delta_apply_sql, st.pending_changes_sql});
}

void set_frontier(int64_t pgt_id, const std::optional<std::string>& snapshot,
                  const std::optional<std::string>& own_xid,
                  const std::optional<std::string>& own_cid) {
  write(
      "UPDATE pgtrickle.pgt_stream_tables SET frontier = $2::pg_catalog.pg_snapshot, "
      "frontier_own_xid = $3::pg_catalog.xid8, frontier_own_cid = $4::bigint "
      "WHERE pgt_id = $1::bigint",
      {std::to_string(pgt_id), snapshot, own_xid, own_cid});
}

void set_status(int64_t pgt_id, const std::string& status) {
  write(
      "UPDATE pgtrickle.pgt_stream_tables SET status = $2, updated_at = pg_catalog.now(), "
      "consecutive_errors = CASE WHEN $2 = 'ACTIVE' THEN 0 ELSE consecutive_errors END, "
      "last_error_message = CASE WHEN $2 = 'ACTIVE' THEN NULL ELSE last_error_message END "
      "WHERE pgt_id = $1::bigint",
      {std::to_string(pgt_id), status});
}

void replace_dependencies(int64_t pgt_id, const std::vector<frontend::SourceRelation>& sources) {
  write("DELETE FROM pgtrickle.pgt_dependencies WHERE pgt_id = $1::bigint",
        {std::to_string(pgt_id)});
  for (const auto& s : sources) {
    std::string columns = "{";
    for (size_t i = 0; i < s.columns.size(); i++) {
      if (i) columns += ",";
      columns += "\"";
      for (char c : s.columns[i]) {
        if (c == '"' || c == '\\') columns += '\\';
        columns += c;
      }
      columns += "\"";
    }
    columns += "}";
    std::string type = is_stream_table(s.relid) ? "STREAM_TABLE"
                                                : frontend::source_type_name(s.relkind);
    write(
        "INSERT INTO pgtrickle.pgt_dependencies (pgt_id, source_relid, source_schema, "
        "source_name, source_type, through_view, columns_used) "
        "VALUES ($1::bigint, $2::oid, $3, $4, $5, $6::boolean, $7::text[])",
        {std::to_string(pgt_id), std::to_string(s.relid), s.schema, s.name, type,
         bool_text(s.through_view), columns});
  }
}

std::vector<Oid> stream_tables_reading(Oid relid) {
  auto result = pg::spi::run(
      "SELECT st.pgt_relid FROM pgtrickle.pgt_dependencies d JOIN pgtrickle.pgt_stream_tables st "
      "USING (pgt_id) WHERE d.source_relid = $1::oid",
      {std::to_string(relid)});
  std::vector<Oid> out;
  for (const auto& r : result.rows) out.push_back(static_cast<Oid>(std::stoul(*r[0])));
  return out;
}

void record_refresh(int64_t pgt_id, const RefreshRecord& r) {
  write(
      "WITH h AS (INSERT INTO pgtrickle.pgt_refresh_history (pgt_id, data_timestamp, start_time, "
      "end_time, action, status, rows_inserted, rows_updated, rows_deleted, initiated_by, reason) "
      "VALUES ($1::bigint, pg_catalog.now(), "
      "pg_catalog.to_timestamp($2::float8 / 1000000), pg_catalog.clock_timestamp(), $3, "
      "'COMPLETED', $4::bigint, $5::bigint, $6::bigint, $7, $8)) "
      "UPDATE pgtrickle.pgt_stream_tables SET is_populated = true, "
      "status = CASE WHEN status = 'SUSPENDED' THEN status ELSE 'ACTIVE' END, "
      "consecutive_errors = 0, last_error_message = NULL, data_timestamp = pg_catalog.now(), "
      "last_refresh_at = pg_catalog.clock_timestamp(), frontier = $9::pg_catalog.pg_snapshot, "
      "frontier_own_xid = $10::pg_catalog.xid8, frontier_own_cid = $11::bigint "
      "WHERE pgt_id = $1::bigint",
      {std::to_string(pgt_id), std::to_string(r.start_unix_micros), std::string(r.action),
       std::to_string(r.rows_inserted), std::to_string(r.rows_updated),
       std::to_string(r.rows_deleted), std::string(r.initiated_by),
       r.reason.empty() ? Value() : Value(r.reason), r.frontier, r.frontier_own_xid,
       r.frontier_own_cid});
}

int64_t now_unix_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace pgt::catalog

namespace pgt::catalog {

std::vector<Oid> sources_of(Oid st_relid) {
  auto result = pg::spi::run(
      "SELECT d.source_relid FROM pgtrickle.pgt_dependencies d "
      "JOIN pgtrickle.pgt_stream_tables st USING (pgt_id) WHERE st.pgt_relid = $1::oid",
      {std::to_string(st_relid)});
  std::vector<Oid> out;
  for (const auto& r : result.rows) out.push_back(static_cast<Oid>(std::stoul(*r[0])));
  return out;
}

void delete_stream_table(int64_t pgt_id) {
  write("DELETE FROM pgtrickle.pgt_stream_tables WHERE pgt_id = $1::bigint",
        {std::to_string(pgt_id)});
}

}  // namespace pgt::catalog
