// Delta consolidation and apply statements: see delta_sql.h.
#include "dvm/delta_sql.h"

#include <bitset>

#include "common/sql_quote.h"
#include "dvm/sql_text.h"

namespace pgt::dvm {

namespace {

constexpr const char* kId = "__pgt_id";
constexpr const char* kWeight = "__pgt_w";
constexpr const char* kRowId = "\"__pgt_row_id\"";

}  // namespace

int term_sign(const DeltaTerm& term) {
  int sign = std::bitset<32>(term.leaf_mask).count() % 2 == 1 ? 1 : -1;
  return term.negated ? -sign : sign;
}

std::string signed_terms_sql(const std::vector<OutputColumn>& columns, const std::vector<DeltaTerm>& terms) {
  std::vector<std::string> branches;
  for (const auto& term : terms) {
    std::string weight = term_sign(term) > 0 ? std::string("t.") + kWeight
                                                        : std::string("- t.") + kWeight;
    branches.push_back("SELECT " + join(column_refs("t", columns), ", ") + ", t." + kId + ", " +
                       weight + " AS " + kWeight + " FROM (" + term.sql + ") t");
  }
  return join(branches, " UNION ALL ");
}

std::string consolidated_delta_sql(const std::vector<OutputColumn>& columns,
                                   const std::vector<DeltaTerm>& terms) {
  // Group by the id and the values (and their text form where equal values
  // can differ); a type without equality is grouped by its text form and
  // read back from it.
  std::vector<std::string> select_list{std::string(kId)};
  std::vector<std::string> group_by{std::string(kId)};
  for (const auto& c : columns) {
    std::string col = quote_ident(c.name);
    if (c.has_equality) {
      select_list.push_back(col);
      group_by.push_back(col);
      if (!c.comparable) group_by.push_back(text_form(col, c.type_sql));
    } else {
      // (Every row of the group has this text; min() just reads it out.)
      select_list.push_back("(pg_catalog.min(" + text_form(col, c.type_sql) + "))::" + c.type_sql + " AS " + col);
      group_by.push_back(text_form(col, c.type_sql));
    }
  }
  return "SELECT " + join(select_list, ", ") + ", pg_catalog.sum(" + kWeight + ")::int8 AS " +
         kWeight + " FROM (" + signed_terms_sql(columns, terms) + ") u GROUP BY " +
         join(group_by, ", ") + " HAVING pg_catalog.sum(" + kWeight + ") <> 0";
}

std::string apply_delta_sql(const std::string& table, const std::vector<OutputColumn>& columns,
                            const std::string& consolidated_sql, bool unique_ids, bool report_counts) {
  // Data-modifying WITH items run to completion whether or not anything
  // reads them: without counts, the insert is the main statement.
  auto finish = [&](const std::string& ctes, const std::string& insert, const std::string& counts) {
    if (!report_counts) return ctes + " " + insert;
    return ctes + ", ins AS (" + insert + " RETURNING 1) " + counts;
  };
  std::vector<std::string> cols = column_refs("", columns);
  std::vector<std::string> d_cols = column_refs("d", columns);
  std::string insert_cols = join(cols, ", ") + ", " + kRowId;

  if (unique_ids) {
    // Per id the consolidated delta holds -old, +new, or both (an update); the
    // stream table holds the id exactly when -old is there. One sort (the
    // window and DISTINCT ON share it) keeps +new where present and counts
    // the rows of the id, so inserts need no probe of the table.
    std::string d = "SELECT DISTINCT ON (" + std::string(kId) + ") *, pg_catalog.count(*) OVER (PARTITION BY " +
                    kId + " ORDER BY " + kWeight + " DESC ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED "
                    "FOLLOWING) AS __pgt_n FROM (" + consolidated_sql + ") c ORDER BY " + kId + ", " +
                    kWeight + " DESC";
    std::vector<std::string> sets, old_vals, new_vals;
    for (const auto& c : columns) {
      sets.push_back(quote_ident(c.name) + " = d." + quote_ident(c.name));
      old_vals.push_back(comparable_expr("t", c));
      new_vals.push_back(comparable_expr("d", c));
    }
    std::string returning = report_counts ? " RETURNING 1" : "";
    return finish("WITH d AS MATERIALIZED (" + d + "), "
                  "del AS (DELETE FROM " + table + " t USING d WHERE t." + kRowId + " = d." + kId +
                  " AND d." + kWeight + " < 0" + returning + "), "
                  "upd AS (UPDATE " + table + " t SET " + join(sets, ", ") + " FROM d WHERE t." + kRowId +
                  " = d." + kId + " AND d." + kWeight + " > 0 AND d.__pgt_n > 1 AND ROW(" +
                  join(old_vals, ", ") + ") IS DISTINCT FROM ROW(" + join(new_vals, ", ") + ")" + returning + ")",
                  "INSERT INTO " + table + " (" + insert_cols + ") SELECT " + join(d_cols, ", ") +
                  ", d." + kId + " FROM d WHERE d." + kWeight + " > 0 AND d.__pgt_n = 1",
                  "SELECT (SELECT pg_catalog.count(*) FROM ins), (SELECT pg_catalog.count(*) FROM upd), "
                  "(SELECT pg_catalog.count(*) FROM del)");
  }
  // Counted copies: all copies of one id hold the same values, so removing k
  // of them is exact; ctid picks which.
  return finish("WITH d AS MATERIALIZED (" + consolidated_sql + "), "
                "victims AS (SELECT x.tid FROM (SELECT t.ctid AS tid, t." + kRowId +
                " AS rid, pg_catalog.row_number() OVER (PARTITION BY t." + kRowId + ") AS rn FROM " +
                table + " t WHERE t." + kRowId + " IN (SELECT " + kId + " FROM d WHERE " + kWeight +
                " < 0)) x JOIN d ON d." + kId + " = x.rid AND d." + kWeight + " < 0 WHERE x.rn <= - d." +
                kWeight + "), "
                "del AS (DELETE FROM " + table + " t WHERE t.ctid = ANY (ARRAY(SELECT tid FROM victims))" +
                (report_counts ? " RETURNING 1" : "") + ")",
                "INSERT INTO " + table + " (" + insert_cols + ") SELECT " + join(d_cols, ", ") +
                ", d." + kId + " FROM d, pg_catalog.generate_series(1, d." + kWeight + ") g WHERE d." +
                kWeight + " > 0",
                "SELECT (SELECT pg_catalog.count(*) FROM ins), 0::int8, (SELECT pg_catalog.count(*) FROM del)");
}

std::string append_delta_sql(const std::string& table, const std::vector<OutputColumn>& columns,
                             const std::vector<DeltaTerm>& terms, bool unique_ids, bool report_counts) {
  bool all_positive = true;
  for (const DeltaTerm& term : terms) all_positive = all_positive && term_sign(term) > 0;
  // Positive terms of inserts hold each new row once, with weight 1 (a
  // keyless duplicate is another row); otherwise consolidate (a join's
  // two-delta term subtracts what two one-delta terms both counted).
  std::string rows = all_positive ? signed_terms_sql(columns, terms) : consolidated_delta_sql(columns, terms);
  std::string copies = unique_ids ? "" : ", pg_catalog.generate_series(1, d." + std::string(kWeight) + ") g";
  std::string insert = "INSERT INTO " + table + " (" + join(column_refs("", columns), ", ") + ", " + kRowId +
                       ") SELECT " + join(column_refs("d", columns), ", ") + ", d." + kId + " FROM (" + rows +
                       ") d" + copies + " WHERE d." + kWeight + " > 0";
  if (!report_counts) return insert;
  return "WITH ins AS (" + insert + " RETURNING 1) SELECT pg_catalog.count(*), 0::int8, 0::int8 FROM ins";
}

std::string full_insert_sql(const std::string& table, const std::vector<OutputColumn>& columns,
                            const std::string& full_query_sql) {
  std::vector<std::string> cols = column_refs("", columns);
  return "INSERT INTO " + table + " (" + join(cols, ", ") + ", " + kRowId + ") SELECT " +
         join(column_refs("q", columns), ", ") + ", q." + kId + " FROM (" + full_query_sql + ") q";
}

std::string unconsumed_changes_predicate(const std::string& a) {
  return "pgtrickle._unconsumed(" + a + ".xid, " + a + ".cmin, $1, $2, $3)";
}

std::string pending_changes_sql(const std::vector<std::string>& buffers,
                                const std::vector<std::string>& full_refresh_buffers) {
  // Existence only: counting would read every change once more. TRUNCATE
  // markers are found through the buffer's partial index on them; the
  // sentinel is the buffer's first row.
  std::vector<std::string> parts;
  for (size_t i = 0; i < buffers.size(); i++) {
    const std::string& b = buffers[i];
    bool forces_full = false;
    for (const auto& f : full_refresh_buffers) forces_full = forces_full || f == b;
    auto exists = [&](const std::string& condition) {
      return "EXISTS (SELECT 1 FROM " + b + " b WHERE " + condition + " AND " + unconsumed_changes_predicate("b") + ")";
    };
    std::string changes = exists("b.__pgt_w <> 0"), marker = exists("b.__pgt_w = 0");
    parts.push_back("SELECT " + std::to_string(i) + " AS i, " + changes + " AS c, " + marker + " AS t, " +
                    (forces_full ? "(" + changes + " OR " + marker + ")" : std::string("false")) +
                    " AS f, NOT EXISTS (SELECT 1 FROM " + b + " s WHERE s.xid = '" + kBufferSentinelXid +
                    "'::pg_catalog.xid8) AS r");
  }
  return join(parts, " UNION ALL ");
}

std::string pending_count_sql(const std::vector<std::string>& buffers) {
  // Changed rows: an UPDATE is recorded as -old +new, so count the larger
  // side rather than both.
  std::vector<std::string> parts;
  for (size_t i = 0; i < buffers.size(); i++)
    parts.push_back("SELECT " + std::to_string(i) +
                    " AS i, GREATEST(pg_catalog.count(*) FILTER (WHERE b.__pgt_w > 0), "
                    "pg_catalog.count(*) FILTER (WHERE b.__pgt_w < 0)) AS n FROM " +
                    buffers[i] + " b WHERE " + unconsumed_changes_predicate("b"));
  return join(parts, " UNION ALL ");
}

std::string statement_changes_sql(unsigned relid, const std::vector<ChangeColumn>& columns) {
  std::string sql = "pgtrickle._statement_changes(" + std::to_string(relid) +
                    "::pg_catalog.oid) b(__pgt_w pg_catalog.int4";
  for (const ChangeColumn& c : columns) sql += ", " + quote_ident("c" + std::to_string(c.attnum)) + " " + c.type_sql;
  return sql + ")";
}

std::string change_buffer_name(unsigned relid) {
  return quote_qualified("pgtrickle_changes", "changes_" + std::to_string(relid));
}

}  // namespace pgt::dvm
