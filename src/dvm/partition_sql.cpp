// Partition rescan: see partition_sql.h.
#include "dvm/partition_sql.h"

#include "common/sql_quote.h"
#include "dvm/sql_text.h"

namespace pgt::dvm {

namespace {

constexpr const char* kRowId = "\"__pgt_row_id\"";

// The identity of the partition of a row of the query (alias q).
std::string partition_identity(const PartitionShape& shape, const std::string& alias) {
  if (shape.column.empty()) return "''::pg_catalog.text COLLATE \"C\"";
  return value_identity_sql(shape.key_text, alias + "." + quote_ident(shape.column));
}

// INSERT into the table of the query's rows (alias q) that satisfy `where`.
std::string insert_sql(const std::string& table, const PartitionShape& shape, const std::string& query_sql,
                       const std::string& where) {
  return "INSERT INTO " + table + " (" + join(column_refs("", shape.columns), ", ") + ", " + kRowId + ") SELECT " +
         join(column_refs("q", shape.columns), ", ") + ", " + partition_identity(shape, "q") + " FROM (" +
         query_sql + ") q" + (where.empty() ? "" : " WHERE " + where);
}

}  // namespace

std::string partition_touched_sql(const PartitionShape& shape) {
  std::vector<std::string> leaves;
  for (const auto& leaf : shape.leaf_deltas)
    leaves.push_back("SELECT l.__pgt_p" + (shape.column.empty() ? "" : "::" + shape.type_sql) +
                     " AS __pgt_p FROM (" + leaf + ") l");
  std::string changed = join(leaves, " UNION ALL ");
  if (shape.column.empty())
    return "SELECT CASE WHEN EXISTS (" + changed + ") THEN '{\"\"}'::pg_catalog.text END, NULL::pg_catalog.text, false";
  // One value per identity: equal values (1 and 1.0) restrict alike.
  return "SELECT pg_catalog.array_agg(z.id)::pg_catalog.text, "
         "(pg_catalog.array_agg(z.p) FILTER (WHERE z.p IS NOT NULL))::pg_catalog.text, "
         "COALESCE(pg_catalog.bool_or(z.p IS NULL), false) FROM (SELECT DISTINCT ON (y.id) y.id, y.p FROM (SELECT " +
         value_identity_sql(shape.key_text, "x.__pgt_p") + " AS id, x.__pgt_p AS p FROM (" + changed +
         ") x) y ORDER BY y.id) z";
}

std::string partition_apply_sql(const std::string& table, const PartitionShape& shape) {
  std::string ids = "$" + std::to_string(kPartitionFirstParam);
  std::string values = "$" + std::to_string(kPartitionFirstParam + 1);
  std::string has_null = "$" + std::to_string(kPartitionFirstParam + 2);
  std::string where;
  if (!shape.column.empty()) {
    // The leaves are restricted already (restricted_sql); this condition on
    // the result itself also covers leaves whose type differs.
    std::string p = "q." + quote_ident(shape.column);
    where = p + " = ANY (" + values + "::pg_catalog.text::" + shape.type_sql + "[]) OR (" + p + " IS NULL AND " +
            has_null + ")";
  }
  return "WITH del AS (DELETE FROM " + table + " t WHERE t." + kRowId + " = ANY (" + ids +
         "::pg_catalog.text::pg_catalog.text[] COLLATE \"C\") RETURNING 1), "
         "ins AS (" + insert_sql(table, shape, shape.column.empty() ? shape.query_sql : shape.restricted_sql, where) +
         " RETURNING 1) "
         "SELECT (SELECT pg_catalog.count(*) FROM ins), 0::pg_catalog.int8, (SELECT pg_catalog.count(*) FROM del)";
}

std::string partition_full_insert_sql(const std::string& table, const PartitionShape& shape) {
  return insert_sql(table, shape, shape.query_sql, "");
}

}  // namespace pgt::dvm
