// Storage tables: see storage_table.h.
#include "catalog/storage_table.h"

#include "common/sql_quote.h"
#include "pg/spi.h"

namespace pgt::catalog {

namespace {

std::string column_definition(const OutputColumn& c) {
  std::string def = quote_ident(c.name) + " " + c.type_sql;
  if (!c.collation_sql.empty()) def += " " + c.collation_sql;
  return def;
}

}  // namespace

bool same_columns(const std::vector<OutputColumn>& a,
                  const std::vector<OutputColumn>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++)
    if (a[i].name != b[i].name || a[i].type_sql != b[i].type_sql ||
        a[i].collation_sql != b[i].collation_sql)
      return false;
  return true;
}

Oid create_storage_table(const std::string& schema, const std::string& name,
                         const std::vector<OutputColumn>& columns) {
  std::string qualified = quote_qualified(schema, name);
  std::string sql = "CREATE TABLE " + qualified + " (";
  for (const auto& c : columns) sql += column_definition(c) + ", ";
  sql += quote_ident(kRowIdColumn) + " bigint)";
  try {
    pg::spi::exec(sql);
  } catch (const pg::PgError& e) {
    e.clear_context();
    if (e.sqlerrcode() == ERRCODE_INSUFFICIENT_PRIVILEGE)
      e.set_hint("Creating a stream table creates its storage table " + qualified +
                 ": it needs CREATE privilege on schema " + quote_ident(schema) + ".");
    else if (e.sqlerrcode() == ERRCODE_DUPLICATE_COLUMN)
      e.set_hint("Rename the output column with AS: the stream table is a table and cannot have "
                 "a column named like a system column (ctid, xmin, tableoid, ...).");
    throw;
  }
  auto relid = pg::spi::scalar("SELECT $1::regclass::oid", {qualified});
  return static_cast<Oid>(std::stoul(*relid));
}

std::vector<OutputColumn> storage_columns(Oid relid) {
  auto result = pg::spi::run(
      "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), "
      "CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN "
      "'COLLATE ' || pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(c.collname) "
      "ELSE '' END "
      "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
      "LEFT JOIN pg_catalog.pg_collation c ON c.oid = a.attcollation "
      "LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = c.collnamespace "
      "WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped "
      "AND a.attname::text NOT LIKE '\\_\\_pgt\\_%' ORDER BY a.attnum",
      {std::to_string(relid)});
  std::vector<OutputColumn> out;
  for (const auto& r : result.rows) out.push_back({*r[0], *r[1], *r[2]});
  return out;
}

bool reshape_storage_table(Oid relid, const std::string& qualified_name,
                           const std::vector<OutputColumn>& columns) {
  std::vector<OutputColumn> current = storage_columns(relid);
  if (same_columns(current, columns)) return false;
  // Dropping every old column and adding the new ones keeps the relation (and
  // its oid, grants, dependents on the table) while giving the columns the
  // query's order. The table is refilled by the FULL refresh that follows.
  std::string sql = "ALTER TABLE " + qualified_name + " ";
  for (const auto& c : current) sql += "DROP COLUMN " + quote_ident(c.name) + ", ";
  for (size_t i = 0; i < columns.size(); i++) {
    if (i) sql += ", ";
    sql += "ADD COLUMN " + column_definition(columns[i]);
  }
  pg::spi::exec(sql);
  return true;
}

void create_row_id_index(const std::string& qualified_name, bool unique) {
  // Keyless identities are the row's values and can be long: a hash index
  // has no size limit (and they are only ever looked up by equality).
  pg::spi::exec(unique ? "CREATE UNIQUE INDEX ON " + qualified_name + " (" + quote_ident(kRowIdColumn) + ")"
                       : "CREATE INDEX ON " + qualified_name + " USING hash (" + quote_ident(kRowIdColumn) + ")");
}

void set_row_id_column(Oid relid, const std::string& qualified_name, bool differential,
                       bool unique) {
  // Re-adding also keeps the column last, after columns a reshape added.
  auto hidden = pg::spi::run(
      "SELECT pg_catalog.quote_ident(attname) FROM pg_catalog.pg_attribute WHERE attrelid = $1::oid "
      "AND attnum > 0 AND NOT attisdropped AND attname::text LIKE '\\_\\_pgt\\_%' AND attname <> $2",
      {std::to_string(relid), kRowIdColumn});
  std::string drop_state;
  for (const auto& row : hidden.rows) drop_state += "DROP COLUMN " + *row[0] + ", ";
  pg::spi::exec("ALTER TABLE " + qualified_name + " " + drop_state + "DROP COLUMN " + quote_ident(kRowIdColumn) +
                ", ADD COLUMN " + quote_ident(kRowIdColumn) + (differential ? " text COLLATE \"C\"" : " bigint"));
  if (differential) {
    create_row_id_index(qualified_name, unique);
    // Refreshes update rows in place: room on each page keeps those updates
    // HOT (no index entries, no index bloat).
    pg::spi::exec("ALTER TABLE " + qualified_name + " SET (fillfactor = 90)");
  } else {
    pg::spi::exec("ALTER TABLE " + qualified_name + " RESET (fillfactor)");
  }
}

void add_hidden_columns(const std::string& qualified_name, const std::vector<dvm::HiddenColumn>& columns) {
  if (columns.empty()) return;
  std::string sql = "ALTER TABLE " + qualified_name;
  for (size_t i = 0; i < columns.size(); i++)
    sql += std::string(i ? "," : "") + " ADD COLUMN " + quote_ident(columns[i].name) + " " + columns[i].type_sql;
  pg::spi::exec(sql);
  for (const auto& c : columns)
    if (c.indexed) pg::spi::exec("CREATE INDEX ON " + qualified_name + " (" + quote_ident(c.name) + ")");
}

}  // namespace pgt::catalog
