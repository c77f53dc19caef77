// Catalog access: see stream_table_catalog.h.
#include "catalog/stream_table_catalog.h"

#include <algorithm>
#include <chrono>

#include "common/sql_quote.h"
#include "common/user_error.h"
#include "pg/index_lookup.h"
#include "pg/row_write.h"
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

StreamTable from_row(const pg::spi::Row& r, bool complete) {
  StreamTable st;
  st.complete = complete;
  st.pgt_id = std::stoll(*r[0]);
  st.relid = static_cast<Oid>(std::stoul(*r[1]));
  st.schema = *r[2];
  st.name = *r[3];
  st.original_query = r[4].value_or("");
  st.defining_query = *r[5];
  st.schedule = *r[6];
  st.refresh_mode = parse_refresh_mode(*r[7]);
  st.effective_refresh_mode = parse_refresh_mode(*r[8]);
  st.effective_mode_reason = r[9];
  st.status = parse_stream_table_status(*r[10]);
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
  st.reinitialize_reason = r[26];
  st.maintenance_plan = r[27];
  return st;
}

// The columns from_row() reads, in its order. (The stored SQL and plan are
// for inspection only, but a record written back must keep them.)
const std::vector<std::string>& row_columns() {
  static const std::vector<std::string> columns{
      "pgt_id", "pgt_relid", "pgt_schema", "pgt_name", "original_query", "defining_query", "schedule",
      "refresh_mode", "effective_refresh_mode", "effective_mode_reason", "status", "is_populated",
      "consecutive_errors", "diamond_consistency", "diamond_schedule_policy", "cdc_mode", "append_only",
      "pooler_compatibility_mode", "frontier", "frontier_own_xid", "frontier_own_cid", "unique_row_ids",
      "full_refresh_sql", "delta_apply_sql", "pending_changes_sql", "updated_at", "reinitialize_reason",
      "maintenance_plan"};
  return columns;
}

// The columns a refresh reads: row_columns() without the texts kept for
// inspection and for redefinition (the user's query, the stored SQL, the
// plan text), which are the long ones (compressed or TOASTed: detoasted at
// every read).
const std::vector<std::string>& refresh_columns() {
  static const std::vector<std::string> columns = [] {
    std::vector<std::string> c = row_columns();
    for (const char* skipped :
         {"original_query", "full_refresh_sql", "delta_apply_sql", "pending_changes_sql", "maintenance_plan"})
      *std::find(c.begin(), c.end(), skipped) = "";  // (an empty name reads nothing: nullopt)
    return c;
  }();
  return columns;
}

}  // namespace

std::string StreamTable::qualified_name() const { return quote_qualified(schema, name); }
std::string StreamTable::display_name() const { return schema + "." + name; }

std::optional<StreamTable> find_by_relid(Oid relid, Columns columns) {
  // Read through the pgt_relid index in C: every refresh starts here (see
  // pg/index_lookup.h).
  bool all = columns == Columns::All;
  auto row = pg::extension_row_by_oid("pgt_stream_tables", "pgt_relid", relid, all ? row_columns() : refresh_columns());
  if (!row) return std::nullopt;
  return from_row(*row, all);
}

StreamTable reload_for_refresh(int64_t pgt_id) {
  // FOR UPDATE, read in C (see find_by_relid): waits for a change of the row
  // (the capture of a source ALTERed, a concurrent refresh) and reads what it
  // left.
  auto row = pg::lock_extension_row_by_id("pgt_stream_tables", "pgt_id", pgt_id, refresh_columns());
  if (!row) throw Error(sqlstate::kUndefinedTable, "stream table was dropped while waiting to refresh it");
  return from_row(*row, false);
}

// The catalog's rows are visible to the roles that may read their stream
// table (row-level security); pg_trickle's own questions about the graph
// read every row, as the catalog's owner.
bool is_stream_table(Oid relid) {
  pg::AsRole as_owner(pg::catalog_owner(), false);
  return pg::spi::scalar("SELECT 1 FROM pgtrickle.pgt_stream_tables WHERE pgt_relid = $1::oid",
                         {std::to_string(relid)})
      .has_value();
}

std::set<int64_t> existing_stream_tables(const std::vector<int64_t>& pgt_ids) {
  std::set<int64_t> out;
  if (pgt_ids.empty()) return out;
  std::string ids = "{";
  for (size_t i = 0; i < pgt_ids.size(); i++) ids += (i ? "," : "") + std::to_string(pgt_ids[i]);
  pg::AsRole as_owner(pg::catalog_owner(), false);
  for (const auto& r : pg::spi::run("SELECT pgt_id FROM pgtrickle.pgt_stream_tables WHERE pgt_id = ANY ($1::int8[])",
                                    {ids + "}"})
                           .rows)
    out.insert(std::stoll(*r[0]));
  return out;
}

int64_t insert_stream_table(const StreamTable& st) {
  auto result = write(
      "INSERT INTO pgtrickle.pgt_stream_tables (pgt_relid, pgt_schema, pgt_name, original_query, "
      "defining_query, schedule, refresh_mode, effective_refresh_mode, effective_mode_reason, "
      "status, is_populated, diamond_consistency, diamond_schedule_policy, cdc_mode, append_only, "
      "pooler_compatibility_mode, unique_row_ids, full_refresh_sql, delta_apply_sql, "
      "pending_changes_sql, maintenance_plan) VALUES ($1::oid, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
      "$11::boolean, $12, $13, $14, $15::boolean, $16::boolean, $17::boolean, $18, $19, $20, $21) "
      "RETURNING pgt_id",
      {std::to_string(st.relid), st.schema, st.name, st.original_query, st.defining_query,
       st.schedule, std::string(refresh_mode_name(st.refresh_mode)),
       std::string(refresh_mode_name(st.effective_refresh_mode)), st.effective_mode_reason,
       std::string(stream_table_status_name(st.status)), bool_text(st.is_populated), st.diamond_consistency, st.diamond_schedule_policy,
       st.cdc_mode, bool_text(st.append_only), bool_text(st.pooler_compatibility_mode),
       bool_text(st.unique_row_ids), st.full_refresh_sql, st.delta_apply_sql,
       st.pending_changes_sql, st.maintenance_plan});
  return std::stoll(*result.rows.at(0).at(0));
}

void update_definition(const StreamTable& st) {
  if (!st.complete)
    throw Error(sqlstate::kInternalError, "pg_trickle: a stream table read for refreshing was written back",
                "Its stored SQL and original query were not read.");
  write(
      "UPDATE pgtrickle.pgt_stream_tables SET original_query = $2, defining_query = $3, "
      "schedule = $4, refresh_mode = $5, effective_refresh_mode = $6, effective_mode_reason = $7, "
      "diamond_consistency = $8, diamond_schedule_policy = $9, cdc_mode = $10, "
      "append_only = $11::boolean, pooler_compatibility_mode = $12::boolean, "
      "unique_row_ids = $13::boolean, full_refresh_sql = $14, delta_apply_sql = $15, "
      "pending_changes_sql = $16, maintenance_plan = $17, updated_at = pg_catalog.clock_timestamp() "
      "WHERE pgt_id = $1::bigint",
      {std::to_string(st.pgt_id), st.original_query, st.defining_query, st.schedule,
       std::string(refresh_mode_name(st.refresh_mode)), std::string(refresh_mode_name(st.effective_refresh_mode)),
       st.effective_mode_reason,
       st.diamond_consistency, st.diamond_schedule_policy, st.cdc_mode, bool_text(st.append_only),
       bool_text(st.pooler_compatibility_mode), bool_text(st.unique_row_ids), st.full_refresh_sql,
       st.delta_apply_sql, st.pending_changes_sql, st.maintenance_plan});
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

void mark_for_reinitialize(int64_t pgt_id, const std::string& reason) {
  write(
      "UPDATE pgtrickle.pgt_stream_tables SET frontier = NULL, frontier_own_xid = NULL, "
      "frontier_own_cid = NULL, reinitialize_reason = $2 WHERE pgt_id = $1::bigint",
      {std::to_string(pgt_id), reason});
}

void set_append_only(int64_t pgt_id, bool append_only) {
  write("UPDATE pgtrickle.pgt_stream_tables SET append_only = $2::boolean WHERE pgt_id = $1::bigint",
        {std::to_string(pgt_id), bool_text(append_only)});
}

void set_refresh_tier(int64_t pgt_id, const std::string& tier) {
  write("UPDATE pgtrickle.pgt_stream_tables SET refresh_tier = $2, updated_at = pg_catalog.now() "
        "WHERE pgt_id = $1::bigint",
        {std::to_string(pgt_id), tier});
}

void set_status(int64_t pgt_id, StreamTableStatus status) {
  write(
      "UPDATE pgtrickle.pgt_stream_tables SET status = $2, updated_at = pg_catalog.now(), "
      "consecutive_errors = CASE WHEN $2 = 'ACTIVE' THEN 0 ELSE consecutive_errors END, "
      "last_error_message = CASE WHEN $2 = 'ACTIVE' THEN NULL ELSE last_error_message END "
      "WHERE pgt_id = $1::bigint",
      {std::to_string(pgt_id), std::string(stream_table_status_name(status))});
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
  pg::AsRole as_owner(pg::catalog_owner(), false);
  auto result = pg::spi::run(
      "SELECT st.pgt_relid FROM pgtrickle.pgt_dependencies d JOIN pgtrickle.pgt_stream_tables st "
      "USING (pgt_id) WHERE d.source_relid = $1::oid",
      {std::to_string(relid)});
  std::vector<Oid> out;
  for (const auto& r : result.rows) out.push_back(static_cast<Oid>(std::stoul(*r[0])));
  return out;
}

void record_refresh(int64_t pgt_id, const RefreshRecord& r) {
  // Written in C (see pg/row_write.h): every refresh ends here.
  using pg::ColumnValue;
  pg::AsRole as_owner(pg::catalog_owner(), false);
  pg::insert_extension_row(
      "pgt_refresh_history",
      {ColumnValue::of_text("pgt_id", std::to_string(pgt_id)), ColumnValue::transaction_start("data_timestamp"),
       ColumnValue::of_timestamp("start_time", r.start_unix_micros), ColumnValue::clock("end_time"),
       ColumnValue::of_text("action", refresh_action_name(r.action)), ColumnValue::of_text("status", "COMPLETED"),
       ColumnValue::of_text("rows_inserted", std::to_string(r.rows_inserted)),
       ColumnValue::of_text("rows_updated", std::to_string(r.rows_updated)),
       ColumnValue::of_text("rows_deleted", std::to_string(r.rows_deleted)),
       ColumnValue::of_text("initiated_by", r.initiated_by),
       ColumnValue::of_optional("reason", r.reason.empty() ? std::nullopt : std::optional<std::string>(r.reason))});
  ColumnValue status = ColumnValue::of_text("status", stream_table_status_name(StreamTableStatus::Active));
  status.unless_old = stream_table_status_name(StreamTableStatus::Suspended);
  pg::update_extension_row(
      "pgt_stream_tables", "pgt_id", pgt_id,
      {ColumnValue::of_text("is_populated", "true"), status, ColumnValue::of_text("consecutive_errors", "0"),
       ColumnValue::null("last_error_message"), ColumnValue::transaction_start("data_timestamp"),
       ColumnValue::clock("last_refresh_at"), ColumnValue::of_optional("frontier", r.frontier),
       ColumnValue::of_optional("frontier_own_xid", r.frontier_own_xid),
       ColumnValue::of_optional("frontier_own_cid", r.frontier_own_cid), ColumnValue::null("reinitialize_reason")});
}

int64_t now_unix_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace pgt::catalog

namespace pgt::catalog {

std::vector<Oid> sources_of(Oid st_relid) {
  pg::AsRole as_owner(pg::catalog_owner(), false);
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
