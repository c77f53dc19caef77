// Grouped stream tables (GROUP BY, aggregates, DISTINCT): see grouped_sql.h.
#include "dvm/grouped_sql.h"

#include "common/sql_quote.h"
#include "dvm/sql_text.h"

namespace pgt::dvm {

namespace {

constexpr const char* kRowId = "\"__pgt_row_id\"";
constexpr const char* kCount = "\"__pgt_count\"";

std::string hidden_sum(size_t j) { return quote_ident("__pgt_s" + std::to_string(j)); }
std::string hidden_nonnull(size_t j) { return quote_ident("__pgt_n" + std::to_string(j)); }

std::string col(const std::string& alias, const std::string& name) { return alias + "." + quote_ident(name); }

std::string key_text(KeyText kind, const std::string& ref) {
  switch (kind) {
    case KeyText::Utc: return "(" + ref + " AT TIME ZONE 'UTC')::pg_catalog.text";
    case KeyText::Numeric: return "pg_catalog.trim_scale(" + ref + ")::pg_catalog.text";
    case KeyText::Float: return "((" + ref + ")::pg_catalog.float8 + 0::pg_catalog.float8)::pg_catalog.text";
    case KeyText::Plain:
    case KeyText::Padded: break;
  }
  return "(" + ref + ")::pg_catalog.text";
}

// One key's part of an identity: 'V' || its text, or 'N' for NULL.
std::string value_part(KeyText kind, const std::string& ref) {
  return "COALESCE('V' || " + key_text(kind, ref) + ", 'N')";
}

// The output that shows aggregate j (algebraic shapes show each once).
const GroupedOutput& output_of(const GroupedShape& shape, size_t j) {
  for (const auto& o : shape.outputs)
    if (o.aggregate == static_cast<int>(j)) return o;
  return shape.outputs.front();  // unreachable for shapes the frontend builds
}

// Rows of I that aggregate j reads: non-NULL argument, FILTER true.
std::string counted_when(const AggregateOutput& a, const std::string& alias) {
  std::vector<std::string> conds;
  if (a.kind != AggregateKind::CountStar) conds.push_back(col(alias, a.arg) + " IS NOT NULL");
  if (!a.filter.empty()) conds.push_back(col(alias, a.filter));
  return join(conds, " AND ");
}

std::string with_filter(const std::string& call, const std::string& cond) {
  return cond.empty() ? call : call + " FILTER (WHERE " + cond + ")";
}

// The aggregate itself over I (alias i): for full refreshes.
std::string aggregate_call(const AggregateOutput& a) {
  std::string filter = a.filter.empty() ? "" : col("i", a.filter);
  switch (a.kind) {
    case AggregateKind::CountStar: return with_filter("pg_catalog.count(*)", filter);
    case AggregateKind::Count: return with_filter("pg_catalog.count(" + col("i", a.arg) + ")", filter);
    case AggregateKind::Sum: return with_filter("pg_catalog.sum(" + col("i", a.arg) + ")", filter);
    case AggregateKind::Avg: return with_filter("pg_catalog.avg(" + col("i", a.arg) + ")", filter);
    case AggregateKind::Min: return with_filter("pg_catalog.min(" + col("i", a.arg) + ")", filter);
    case AggregateKind::Max: return with_filter("pg_catalog.max(" + col("i", a.arg) + ")", filter);
  }
  return "";
}

std::string group_by(const GroupedShape& shape, const std::string& alias) {
  if (shape.keys.empty()) return "";
  std::vector<std::string> keys;
  for (const auto& k : shape.keys) keys.push_back(col(alias, k));
  return " GROUP BY " + join(keys, ", ");
}

std::vector<OutputColumn> output_columns(const GroupedShape& shape) {
  std::vector<OutputColumn> out;
  for (const auto& o : shape.outputs) out.push_back({o.name, o.type_sql, "", o.comparable, true});
  return out;
}

std::string counts_select() {
  return "SELECT (SELECT pg_catalog.count(*) FROM ins), (SELECT pg_catalog.count(*) FROM upd), "
         "(SELECT pg_catalog.count(*) FROM del)";
}

// ---------------------------------------------------------------------------
// Algebraic maintenance.

// Per group of the delta (alias x): the change of the row count and of each
// aggregate's state.
std::string delta_per_group_sql(const GroupedShape& shape, const std::string& input_delta_sql) {
  std::vector<std::string> select{group_identity_sql(shape, "x") + " AS __pgt_gid"};
  for (const auto& k : shape.keys) select.push_back(col("x", k));
  select.push_back("pg_catalog.sum(x.__pgt_w)::pg_catalog.int8 AS __pgt_dc");
  for (size_t j = 0; j < shape.aggregates.size(); j++) {
    const AggregateOutput& a = shape.aggregates[j];
    std::string cond = counted_when(a, "x");
    std::string n = std::to_string(j);
    switch (a.kind) {
      case AggregateKind::CountStar:
      case AggregateKind::Count:
        select.push_back("(" + with_filter("pg_catalog.sum(x.__pgt_w)", cond) + ")::pg_catalog.int8 AS __pgt_d" + n);
        break;
      case AggregateKind::Sum:
      case AggregateKind::Avg:
        select.push_back(with_filter("pg_catalog.sum(x.__pgt_w::" + a.weighted_type + " * " + col("x", a.arg) +
                                         "::" + a.weighted_type + ")",
                                     cond) +
                         " AS __pgt_d" + n);
        select.push_back("(" + with_filter("pg_catalog.sum(x.__pgt_w)", cond) + ")::pg_catalog.int8 AS __pgt_dn" + n);
        break;
      case AggregateKind::Min:
      case AggregateKind::Max: {
        std::string fn = a.kind == AggregateKind::Min ? "pg_catalog.min(" : "pg_catalog.max(";
        select.push_back(with_filter(fn + col("x", a.arg) + ")", "x.__pgt_w > 0 AND " + cond) + " AS __pgt_di" + n);
        select.push_back(with_filter(fn + col("x", a.arg) + ")", "x.__pgt_w < 0 AND " + cond) + " AS __pgt_dd" + n);
        break;
      }
    }
  }
  std::string sql = "SELECT " + join(select, ", ") + " FROM (" + input_delta_sql + ") x" + group_by(shape, "x");
  // Without GROUP BY an empty delta still makes one row: skip it.
  if (shape.keys.empty()) sql += " HAVING pg_catalog.count(*) > 0";
  return sql;
}

bool has_extremum(const GroupedShape& shape) {
  for (const auto& a : shape.aggregates)
    if (a.kind == AggregateKind::Min || a.kind == AggregateKind::Max) return true;
  return false;
}

// Rows of I (at its new state) of the groups listed in CTE `groups` (columns
// named like I's keys). Keys are matched with = (a semi-join that can use
// the source's indexes); groups with a NULL key, by their identity, in a
// branch that runs only when there are such groups.
std::string input_of_groups_sql(const GroupedShape& shape, const std::string& input_full_sql,
                                const std::string& groups) {
  std::string input = "SELECT * FROM (" + input_full_sql + ") i WHERE ";
  if (shape.keys.empty()) return input + "EXISTS (SELECT 1 FROM " + groups + " g)";
  std::vector<std::string> i_keys, g_keys, null_key;
  for (const auto& k : shape.keys) {
    i_keys.push_back(col("i", k));
    g_keys.push_back(col("g", k));
    null_key.push_back(col("g", k) + " IS NULL");
  }
  std::string with_null = "(" + join(null_key, " OR ") + ")";
  // One key: = ANY of the groups' array, which an index on the key serves
  // (a semi-join on a CTE of unknown size is planned as a hash join over the
  // whole table).
  std::string non_null_groups =
      shape.keys.size() == 1
          ? i_keys[0] + " = ANY (ARRAY(SELECT " + g_keys[0] + " FROM " + groups + " g WHERE " + g_keys[0] +
                " IS NOT NULL))"
          : "(" + join(i_keys, ", ") + ") IN (SELECT " + join(g_keys, ", ") + " FROM " + groups + " g)";
  return input + non_null_groups + " UNION ALL " + input + "EXISTS (SELECT 1 FROM " + groups + " g WHERE " + with_null + ") AND " +
         group_identity_sql(shape, "i") + " IN (SELECT " + group_identity_sql(shape, "g") + " FROM " + groups +
         " g WHERE " + with_null + ")";
}

// Per affected group: the delta joined with the table's row (o.__pgt_t, NULL
// for a new group), and whether a deleted value may have been the group's
// MIN / MAX (then that extremum is recomputed).
std::string old_state_sql(const std::string& table, const GroupedShape& shape) {
  std::vector<std::string> select{"d.*", "t AS __pgt_t"};
  std::vector<std::string> any;
  for (size_t j = 0; j < shape.aggregates.size(); j++) {
    const AggregateOutput& a = shape.aggregates[j];
    if (a.kind != AggregateKind::Min && a.kind != AggregateKind::Max) continue;
    std::string n = std::to_string(j);
    // A deleted value at or beyond the extremum may have been it. The delta
    // is not consolidated: a value inserted and deleted again in the batch is
    // among both, so it either cannot beat the old extremum or its deletion
    // triggers the rescan. A new group (or one without a value so far) with
    // any deletion is rescanned too.
    std::string flag = "COALESCE(d.__pgt_dd" + n + (a.kind == AggregateKind::Min ? " <= " : " >= ") +
                       col("t", output_of(shape, j).name) + ", d.__pgt_dd" + n + " IS NOT NULL)";
    select.push_back(flag + " AS __pgt_rescan" + n);
    any.push_back(flag);
  }
  if (!any.empty())
    select.push_back("(COALESCE(t." + std::string(kCount) + ", 0) + d.__pgt_dc <> 0 AND (" + join(any, " OR ") +
                     ")) AS __pgt_rescan");
  return "SELECT " + join(select, ", ") + " FROM d LEFT JOIN " + table + " t ON t." + kRowId + " = d.__pgt_gid";
}

// The extrema of the groups that need them: per group, one probe of I
// restricted to the group, which PostgreSQL plans as a walk down an index on
// (keys, argument) to its first entry (see GroupedShape::extremum_probes).
std::string extrema_probe_sql(const GroupedShape& shape, const std::string& input_full_sql) {
  std::vector<std::string> select{"o.__pgt_gid"};
  for (size_t j = 0; j < shape.aggregates.size(); j++) {
    const AggregateOutput& a = shape.aggregates[j];
    if (a.kind != AggregateKind::Min && a.kind != AggregateKind::Max) continue;
    auto probe = [&](std::vector<std::string> where) {
      if (!a.filter.empty()) where.push_back(col("i", a.filter));
      return std::string("(SELECT ") + (a.kind == AggregateKind::Min ? "pg_catalog.min(" : "pg_catalog.max(") +
             col("i", a.arg) + ") FROM (" + input_full_sql + ") i" +
             (where.empty() ? "" : " WHERE " + join(where, " AND ")) + ")";
    };
    std::vector<std::string> same_group;
    for (const auto& k : shape.keys) same_group.push_back(col("i", k) + " = " + col("o", k));
    // One key may be NULL (with more, all are NOT NULL columns).
    std::string value = shape.keys.size() == 1
                            ? "CASE WHEN " + col("o", shape.keys[0]) + " IS NULL THEN " +
                                  probe({col("i", shape.keys[0]) + " IS NULL"}) + " ELSE " + probe(same_group) + " END"
                            : probe(same_group);
    select.push_back(value + " AS __pgt_r" + std::to_string(j));
  }
  return "SELECT " + join(select, ", ") + " FROM o WHERE o.__pgt_rescan";
}

// The extrema of the groups that need them, recomputed in one pass over I.
std::string extrema_rescan_sql(const GroupedShape& shape, const std::string& input_full_sql) {
  if (shape.extremum_probes) return extrema_probe_sql(shape, input_full_sql);
  std::vector<std::string> select{group_identity_sql(shape, "i") + " AS __pgt_gid"};
  for (size_t j = 0; j < shape.aggregates.size(); j++) {
    const AggregateOutput& a = shape.aggregates[j];
    if (a.kind != AggregateKind::Min && a.kind != AggregateKind::Max) continue;
    std::string filter = a.filter.empty() ? "" : col("i", a.filter);
    select.push_back(with_filter(std::string(a.kind == AggregateKind::Min ? "pg_catalog.min(" : "pg_catalog.max(") +
                                     col("i", a.arg) + ")",
                                 filter) +
                     " AS __pgt_r" + std::to_string(j));
  }
  const std::string groups = "(SELECT * FROM o WHERE o.__pgt_rescan)";
  std::string sql = "SELECT " + join(select, ", ") + " FROM (" + input_of_groups_sql(shape, input_full_sql, groups) +
                    ") i" + group_by(shape, "i");
  // As in recomputed_groups_sql: without GROUP BY the extrema over no rows
  // are one row, which must stand for no group when none needs them.
  if (shape.keys.empty()) sql += " HAVING EXISTS (SELECT 1 FROM " + groups + " g)";
  return sql;
}

// A group's new state as expressions: its row count, each aggregate's value
// and the hidden columns behind them.
struct GroupState {
  std::string count;
  std::vector<std::string> values;                          // per aggregate
  std::vector<std::pair<std::string, std::string>> hidden;  // per aggregate, in grouped_hidden_columns order
};

// The new state from the group's old row and its delta. `old_row` names the
// table's row (the old state), or is empty for a group that had none;
// `delta` names the row of delta_per_group_sql; MIN / MAX also read
// `delta`.__pgt_rescan<j> and r.__pgt_r<j> (the rescanned extrema).
GroupState new_state(const GroupedShape& shape, const std::string& old_row, const std::string& delta) {
  auto old = [&](const std::string& quoted) { return old_row.empty() ? std::string("NULL") : old_row + "." + quoted; };
  GroupState s;
  s.count = "(COALESCE(" + old(kCount) + ", 0) + " + delta + ".__pgt_dc)";
  for (size_t j = 0; j < shape.aggregates.size(); j++) {
    const AggregateOutput& a = shape.aggregates[j];
    std::string n = std::to_string(j);
    std::string old_value = old(quote_ident(output_of(shape, j).name));
    std::string nonnull = "(COALESCE(" + old(hidden_nonnull(j)) + ", 0) + COALESCE(" + delta + ".__pgt_dn" + n + ", 0))";
    std::string value;
    switch (a.kind) {
      case AggregateKind::CountStar:
      case AggregateKind::Count:
        value = "COALESCE(" + old_value + ", 0) + COALESCE(" + delta + ".__pgt_d" + n + ", 0)";
        break;
      case AggregateKind::Sum:
        value = "CASE WHEN " + nonnull + " = 0 THEN NULL ELSE (COALESCE(" + old_value + ", 0) + COALESCE(" + delta +
                ".__pgt_d" + n + ", 0))::" + a.sum_type + " END";
        s.hidden.emplace_back(hidden_nonnull(j), nonnull);
        break;
      case AggregateKind::Avg: {
        std::string sum = "(COALESCE(" + old(hidden_sum(j)) + ", 0) + COALESCE(" + delta + ".__pgt_d" + n + ", 0))::" +
                          a.sum_type;
        // avg() itself divides the numeric sum by the numeric count.
        value = "CASE WHEN " + nonnull + " = 0 THEN NULL ELSE " + sum + " / " + nonnull + "::pg_catalog.numeric END";
        s.hidden.emplace_back(hidden_sum(j), "CASE WHEN " + nonnull + " = 0 THEN NULL ELSE " + sum + " END");
        s.hidden.emplace_back(hidden_nonnull(j), nonnull);
        break;
      }
      case AggregateKind::Min:
      case AggregateKind::Max:
        value = "CASE WHEN " + s.count + " = 0 THEN NULL WHEN " + delta + ".__pgt_rescan" + n + " THEN r.__pgt_r" + n +
                " ELSE " + (a.kind == AggregateKind::Min ? "LEAST(" : "GREATEST(") + old_value + ", " + delta +
                ".__pgt_di" + n + ") END";
        break;
    }
    s.values.push_back(value);
  }
  return s;
}

// With MIN / MAX: the work table n, one row per affected group with its new
// state (o: the delta with the old row, see old_state_sql; r: the extrema
// rescanned).
std::string work_table_sql(const GroupedShape& shape) {
  GroupState s = new_state(shape, "(o.__pgt_t)", "o");
  std::vector<std::string> select{"o.__pgt_gid", s.count + " AS __pgt_cnt"};
  for (const auto& k : shape.keys) select.push_back(col("o", k));
  for (size_t j = 0; j < s.values.size(); j++) select.push_back(s.values[j] + " AS __pgt_a" + std::to_string(j));
  for (const auto& [name, value] : s.hidden) select.push_back(value + " AS " + name);
  return "SELECT " + join(select, ", ") + " FROM o LEFT JOIN r ON o.__pgt_rescan AND r.__pgt_gid = o.__pgt_gid";
}

// The same state read back from n's columns.
GroupState work_table_state(const GroupedShape& shape) {
  GroupState s;
  s.count = "n.__pgt_cnt";
  for (size_t j = 0; j < shape.aggregates.size(); j++) s.values.push_back("n.__pgt_a" + std::to_string(j));
  for (const auto& [name, value] : new_state(shape, "", "n").hidden) s.hidden.emplace_back(name, "n." + name);
  return s;
}

// One MERGE on the group identity: a group whose count reached 0 is deleted
// (a scalar aggregate keeps its one row), a changed one updated, a new one
// inserted. `source` (alias s's relation) has a row per affected group with
// its identity (__pgt_gid) and keys; `matched` / `added` give the new state
// of a group that has a row and of one that has none.
std::string merge_groups_sql(const std::string& table, const GroupedShape& shape, const std::string& source,
                             const std::string& s, const GroupState& matched, const GroupState& added) {
  std::vector<std::string> table_cols, insert_vals, sets, old_vals, new_vals;
  for (const auto& o : shape.outputs) {
    table_cols.push_back(quote_ident(o.name));
    if (o.key >= 0) {
      insert_vals.push_back(col(s, shape.keys[o.key]));
      continue;
    }
    OutputColumn oc{o.name, o.type_sql, "", o.comparable, true};
    const std::string& v = matched.values[o.aggregate];
    insert_vals.push_back(added.values[o.aggregate]);
    sets.push_back(quote_ident(o.name) + " = " + v);
    old_vals.push_back(comparable_expr("t", oc));
    new_vals.push_back(o.comparable ? v : text_form(v, o.type_sql));
  }
  table_cols.push_back(kRowId);
  insert_vals.push_back(s + ".__pgt_gid");
  table_cols.push_back(kCount);
  insert_vals.push_back(added.count);
  sets.push_back(std::string(kCount) + " = " + matched.count);
  old_vals.push_back("t." + std::string(kCount));
  new_vals.push_back(matched.count);
  for (size_t h = 0; h < matched.hidden.size(); h++) {
    const auto& [name, value] = matched.hidden[h];
    table_cols.push_back(name);
    insert_vals.push_back(added.hidden[h].second);
    sets.push_back(name + " = " + value);
    old_vals.push_back("t." + name);
    new_vals.push_back(value);
  }
  return "MERGE INTO " + table + " t USING " + source + " ON t." + kRowId + " = " + s + ".__pgt_gid " +
         (shape.scalar ? "" : "WHEN MATCHED AND " + matched.count + " = 0 THEN DELETE ") +
         "WHEN MATCHED AND ROW(" + join(old_vals, ", ") + ") IS DISTINCT FROM ROW(" + join(new_vals, ", ") +
         ") THEN UPDATE SET " + join(sets, ", ") + " WHEN NOT MATCHED" +
         (shape.scalar ? "" : " AND " + added.count + " <> 0") + " THEN INSERT (" + join(table_cols, ", ") +
         ") VALUES (" + join(insert_vals, ", ") + ")";
}

// SUM / COUNT / AVG: the delta per group merged straight into the table,
// the new state computed from the matched row. With MIN / MAX, the groups
// whose extremum may have gone are found first (o) and rescanned (r).
std::string algebraic_apply_sql(const std::string& table, const GroupedShape& shape,
                                const std::string& input_delta_sql, const std::string& input_full_sql) {
  if (!has_extremum(shape))
    return merge_groups_sql(table, shape, "(" + delta_per_group_sql(shape, input_delta_sql) + ") d", "d",
                            new_state(shape, "t", "d"), new_state(shape, "", "d"));
  return "WITH d AS MATERIALIZED (" + delta_per_group_sql(shape, input_delta_sql) + "), "
         "o AS MATERIALIZED (" + old_state_sql(table, shape) + "), "
         "r AS MATERIALIZED (" + extrema_rescan_sql(shape, input_full_sql) + "), "
         "n AS MATERIALIZED (" + work_table_sql(shape) + ") " +
         merge_groups_sql(table, shape, "n", "n", work_table_state(shape), work_table_state(shape));
}

// ---------------------------------------------------------------------------
// Group rescan.

// The query's grouping over I restricted by `input_where` (over alias i),
// with the outputs and the group identity (__pgt_gid).
std::string regrouped_sql(const GroupedShape& shape, const std::string& input_sql) {
  std::vector<std::string> select;
  for (const auto& o : shape.outputs) select.push_back(col("o", o.name));
  select.push_back(group_identity_sql(shape, "o") + " AS __pgt_gid");
  std::string from = " FROM (WITH __pgt_input AS (" + input_sql + ") " + shape.grouping_sql + ") o";
  if (!shape.multiplicity) return "SELECT " + join(select, ", ") + from;
  // One row per copy.
  select.push_back("(" + group_identity_sql(shape, "o") + " || '#' || n.n::pg_catalog.text) COLLATE \"C\" AS __pgt_rid");
  return "SELECT " + join(select, ", ") + from + " CROSS JOIN LATERAL pg_catalog.generate_series(1, o.__pgt_m) n(n)";
}

// The groups listed in CTE `groups` recomputed from I: the replacement rows
// of exactly those groups. Restricting I to their rows is not enough on its
// own: a grouping without GROUP BY returns its one row over no rows at all,
// and with no group touched (the changes were filtered out by a WHERE, or
// cancelled out before reaching the grouping) that row must not replace the
// table's.
std::string recomputed_groups_sql(const GroupedShape& shape, const std::string& input_full_sql,
                                  const std::string& groups) {
  std::string regrouped = regrouped_sql(shape, input_of_groups_sql(shape, input_full_sql, groups));
  if (!shape.keys.empty()) return regrouped;
  return "SELECT * FROM (" + regrouped + ") q WHERE EXISTS (SELECT 1 FROM " + groups + " g)";
}

// Rows repeated by multiplicity (see GroupedShape::multiplicity): the copies
// of the touched groups that are gone are deleted, the new ones inserted
// (every copy of a group shows the same values).
std::string multiplicity_apply_sql(const std::string& table, const GroupedShape& shape,
                                   const std::string& touched_groups, const std::string& input_full_sql) {
  std::vector<OutputColumn> columns = output_columns(shape);
  std::vector<std::string> cols = column_refs("", columns);
  return "WITH a AS MATERIALIZED (" + touched_groups + "), "
         "r AS MATERIALIZED (" + recomputed_groups_sql(shape, input_full_sql, "a") + "), "
         "del AS (DELETE FROM " + table + " t USING a WHERE t.\"__pgt_group\" = a.__pgt_gid AND NOT EXISTS "
         "(SELECT 1 FROM r WHERE r.__pgt_rid = t." + kRowId + ") RETURNING 1), "
         "upd AS (SELECT 1 WHERE false), "
         "ins AS (INSERT INTO " + table + " (" + join(cols, ", ") + ", " + kRowId + ", \"__pgt_group\") SELECT " +
         join(column_refs("r", columns), ", ") + ", r.__pgt_rid, r.__pgt_gid FROM r WHERE NOT EXISTS (SELECT 1 FROM " +
         table + " t WHERE t." + kRowId + " = r.__pgt_rid) RETURNING 1) " + counts_select();
}

std::string rescan_apply_sql(const std::string& table, const GroupedShape& shape,
                             const std::string& input_delta_sql, const std::string& input_full_sql) {
  std::vector<OutputColumn> columns = output_columns(shape);
  std::vector<std::string> cols = column_refs("", columns);
  std::vector<std::string> sets, old_vals, new_vals;
  for (const auto& c : columns) {
    sets.push_back(quote_ident(c.name) + " = r." + quote_ident(c.name));
    old_vals.push_back(comparable_expr("t", c));
    new_vals.push_back(comparable_expr("r", c));
  }
  std::vector<std::string> keys;
  for (const auto& k : shape.keys) keys.push_back(col("x", k));
  std::string touched = "SELECT DISTINCT " + group_identity_sql(shape, "x") + " AS __pgt_gid" +
                        (keys.empty() ? "" : ", " + join(keys, ", ")) + " FROM (" + input_delta_sql + ") x";
  if (shape.multiplicity) return multiplicity_apply_sql(table, shape, touched, input_full_sql);
  return "WITH a AS MATERIALIZED (" + touched + "), "
         "r AS MATERIALIZED (" + recomputed_groups_sql(shape, input_full_sql, "a") + "), "
         "del AS (DELETE FROM " + table + " t USING a WHERE t." + kRowId + " = a.__pgt_gid AND NOT EXISTS "
         "(SELECT 1 FROM r WHERE r.__pgt_gid = a.__pgt_gid) RETURNING 1), "
         "upd AS (UPDATE " + table + " t SET " + join(sets, ", ") + " FROM r WHERE t." + kRowId +
         " = r.__pgt_gid AND ROW(" + join(old_vals, ", ") + ") IS DISTINCT FROM ROW(" + join(new_vals, ", ") +
         ") RETURNING 1), "
         "ins AS (INSERT INTO " + table + " (" + join(cols, ", ") + ", " + kRowId + ") SELECT " +
         join(column_refs("r", columns), ", ") + ", r.__pgt_gid FROM r WHERE NOT EXISTS (SELECT 1 FROM " + table +
         " t WHERE t." + kRowId + " = r.__pgt_gid) RETURNING 1) " + counts_select();
}

}  // namespace

bool key_has_one_form(KeyText kind) { return kind == KeyText::Plain || kind == KeyText::Utc; }

std::vector<HiddenColumn> grouped_hidden_columns(const GroupedShape& shape) {
  std::vector<HiddenColumn> out;
  if (shape.multiplicity) return {{"__pgt_group", "pg_catalog.text COLLATE \"C\"", true}};
  if (!shape.algebraic) return out;
  out.push_back({"__pgt_count", "pg_catalog.int8"});
  for (size_t j = 0; j < shape.aggregates.size(); j++) {
    AggregateKind k = shape.aggregates[j].kind;
    if (k == AggregateKind::Avg) out.push_back({"__pgt_s" + std::to_string(j), shape.aggregates[j].sum_type});
    if (k == AggregateKind::Sum || k == AggregateKind::Avg)
      out.push_back({"__pgt_n" + std::to_string(j), "pg_catalog.int8"});
  }
  return out;
}

std::string group_identity_sql(const GroupedShape& shape, const std::string& alias) {
  if (shape.keys.empty()) return "''::pg_catalog.text COLLATE \"C\"";
  // Per key 'V' || text, or 'N' for NULL; length-prefixed when several, so
  // the concatenation is injective.
  std::string id;
  for (size_t i = 0; i < shape.keys.size(); i++) {
    std::string part = value_part(shape.key_texts[i], col(alias, shape.keys[i]));
    if (i) id += " || ";
    id += i + 1 < shape.keys.size() ? "pg_catalog.length(" + part + ")::pg_catalog.text || ':' || " + part : part;
  }
  return "(" + id + ") COLLATE \"C\"";
}

std::string value_identity_sql(KeyText kind, const std::string& ref) {
  return "(" + value_part(kind, ref) + ") COLLATE \"C\"";
}

std::string grouped_full_insert_sql(const std::string& table, const GroupedShape& shape,
                                    const std::string& input_full_sql) {
  std::vector<std::string> cols;
  for (const auto& o : shape.outputs) cols.push_back(quote_ident(o.name));
  cols.push_back(kRowId);
  if (shape.multiplicity) {
    std::vector<std::string> values = column_refs("r", output_columns(shape));
    return "INSERT INTO " + table + " (" + join(cols, ", ") + ", \"__pgt_group\") SELECT " + join(values, ", ") +
           ", r.__pgt_rid, r.__pgt_gid FROM (" + regrouped_sql(shape, input_full_sql) + ") r";
  }
  if (!shape.algebraic)
    return "INSERT INTO " + table + " (" + join(cols, ", ") + ") SELECT * FROM (" +
           regrouped_sql(shape, input_full_sql) + ") r";
  std::vector<std::string> values;
  for (const auto& o : shape.outputs)
    values.push_back(o.key >= 0 ? col("i", shape.keys[o.key]) : aggregate_call(shape.aggregates[o.aggregate]));
  values.push_back(group_identity_sql(shape, "i"));
  cols.push_back(kCount);
  values.push_back("pg_catalog.count(*)");
  for (size_t j = 0; j < shape.aggregates.size(); j++) {
    const AggregateOutput& a = shape.aggregates[j];
    std::string filter = a.filter.empty() ? "" : col("i", a.filter);
    if (a.kind == AggregateKind::Avg) {
      cols.push_back(hidden_sum(j));
      values.push_back("(" + with_filter("pg_catalog.sum(" + col("i", a.arg) + ")", filter) + ")::" + a.sum_type);
    }
    if (a.kind == AggregateKind::Sum || a.kind == AggregateKind::Avg) {
      cols.push_back(hidden_nonnull(j));
      values.push_back(with_filter("pg_catalog.count(" + col("i", a.arg) + ")", filter));
    }
  }
  return "INSERT INTO " + table + " (" + join(cols, ", ") + ") SELECT " + join(values, ", ") + " FROM (" +
         input_full_sql + ") i" + group_by(shape, "i");
}


std::string grouped_apply_sql(const std::string& table, const GroupedShape& shape,
                              const std::string& input_delta_sql, const std::string& input_full_sql) {
  return shape.algebraic ? algebraic_apply_sql(table, shape, input_delta_sql, input_full_sql)
                         : rescan_apply_sql(table, shape, input_delta_sql, input_full_sql);
}

}  // namespace pgt::dvm
