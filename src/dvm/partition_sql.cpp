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
  std::string query = shape.query_sql;
  std::string where;
  if (!shape.column.empty()) {
    // The leaves are restricted already (restricted_sql); this condition on
    // the result itself also covers leaves whose type differs.
    std::string p = "q." + quote_ident(shape.column);
    where = " WHERE " + p + " = ANY (" + values + "::pg_catalog.text::" + shape.type_sql + "[]) OR (" + p +
            " IS NULL AND " + has_null + ")";
    query = shape.restricted_sql;
  }
  // The touched partitions' rows before (o) and after (r), each copy of a
  // row numbered among the identical ones (compared by their text forms, as
  // any type has one): only rows without a counterpart are deleted or
  // inserted, so rows a change did not alter stay as they are.
  std::vector<std::string> r_forms, o_forms, r_cols;
  for (size_t k = 0; k < shape.columns.size(); k++) {
    const OutputColumn& c = shape.columns[k];
    r_forms.push_back(text_form("q." + quote_ident(c.name), c.type_sql));
    o_forms.push_back(text_form("t." + quote_ident(c.name), c.type_sql));
    r_cols.push_back("r." + quote_ident(c.name));
  }
  std::vector<std::string> r_match, o_match;
  for (size_t k = 0; k < shape.columns.size(); k++) {
    std::string f = "__pgt_f" + std::to_string(k);
    r_match.push_back("r." + f);
    o_match.push_back("o." + f);
  }
  auto forms_as = [](const std::vector<std::string>& forms) {
    std::vector<std::string> out;
    for (size_t k = 0; k < forms.size(); k++) out.push_back(forms[k] + " AS __pgt_f" + std::to_string(k));
    return join(out, ", ");
  };
  std::string same = "o.__pgt_pid = r.__pgt_pid AND o.__pgt_n = r.__pgt_n AND ROW(" + join(o_match, ", ") +
                     ") IS NOT DISTINCT FROM ROW(" + join(r_match, ", ") + ")";
  return "WITH r AS MATERIALIZED (SELECT q.*, " + forms_as(r_forms) + ", " + partition_identity(shape, "q") +
         " AS __pgt_pid, pg_catalog.row_number() OVER (PARTITION BY " + partition_identity(shape, "q") + ", " +
         join(r_forms, ", ") + ") AS __pgt_n FROM (" + query + ") q" + where + "), "
         "o AS MATERIALIZED (SELECT t.ctid AS __pgt_tid, t." + kRowId + " AS __pgt_pid, " + forms_as(o_forms) +
         ", pg_catalog.row_number() OVER (PARTITION BY t." + kRowId + ", " + join(o_forms, ", ") +
         ") AS __pgt_n FROM " + table + " t WHERE t." + kRowId + " = ANY (" + ids +
         "::pg_catalog.text::pg_catalog.text[])), "
         "del AS (DELETE FROM " + table + " t WHERE t.ctid = ANY (ARRAY(SELECT o.__pgt_tid FROM o WHERE NOT EXISTS "
         "(SELECT 1 FROM r WHERE " + same + "))) RETURNING 1), "
         "ins AS (INSERT INTO " + table + " (" + join(column_refs("", shape.columns), ", ") + ", " + kRowId +
         ") SELECT " + join(r_cols, ", ") + ", r.__pgt_pid FROM r WHERE NOT EXISTS (SELECT 1 FROM o WHERE " + same +
         ") RETURNING 1) "
         "SELECT (SELECT pg_catalog.count(*) FROM ins), 0::pg_catalog.int8, (SELECT pg_catalog.count(*) FROM del)";
}

std::string partition_full_insert_sql(const std::string& table, const PartitionShape& shape) {
  return "INSERT INTO " + table + " (" + join(column_refs("", shape.columns), ", ") + ", " + kRowId + ") SELECT " +
         join(column_refs("q", shape.columns), ", ") + ", " + partition_identity(shape, "q") + " FROM (" +
         shape.query_sql + ") q";
}

}  // namespace pgt::dvm
