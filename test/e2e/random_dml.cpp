#include "random_dml.h"

#include <algorithm>
#include <stdexcept>

#include "pg_conn.h"

namespace pgt_e2e {

DmlGenerator::DmlGenerator(TableSpec spec, std::mt19937_64& rng) : spec_(std::move(spec)), rng_(rng) {
  for (const ColumnSpec* c : spec_.all_columns()) columns_.push_back(*c);
}

std::vector<std::string> DmlGenerator::setup_sql() {
  std::vector<std::string> sql{spec_.create_sql()};
  for (std::string& insert : initial_rows_sql()) sql.push_back(std::move(insert));
  return sql;
}

std::vector<std::string> DmlGenerator::initial_rows_sql() {
  rows_.clear();
  for (int i = 0; i < spec_.initial_rows; ++i) {
    // Some exact copies of earlier rows, so keyless tables start with duplicates.
    if (!spec_.key && !rows_.empty() && chance(rng_, 0.1)) {
      rows_.push_back(rows_[random_row_index()]);
      continue;
    }
    ModelRow row = random_row();
    if (row.empty()) break;  // key domain exhausted
    rows_.push_back(row);
  }
  if (rows_.empty()) return {};
  return {insert_sql(rows_)};
}

std::optional<std::string> DmlGenerator::unused_key() {
  const ColumnSpec& key = columns_.front();
  for (int attempt = 0; attempt < 50; ++attempt) {
    std::string candidate = key.random_value_literal(rng_);
    if (reserved_keys_.count(candidate)) continue;
    bool live = std::any_of(rows_.begin(), rows_.end(), [&](const ModelRow& r) { return r[0] == candidate; });
    if (!live) return candidate;
  }
  return std::nullopt;
}

// A fresh row (with an unused key, if keyed); empty when no key is left.
DmlGenerator::ModelRow DmlGenerator::random_row() {
  ModelRow row;
  std::size_t first = 0;
  if (spec_.key) {
    std::optional<std::string> key = unused_key();
    if (!key) return {};
    row.push_back(*key);
    first = 1;
  }
  for (std::size_t i = first; i < columns_.size(); ++i) row.push_back(columns_[i].random_literal(rng_));
  return row;
}

std::string DmlGenerator::insert_sql(const std::vector<ModelRow>& rows) const {
  std::string sql = "INSERT INTO " + spec_.qualified_name() + " (";
  for (std::size_t i = 0; i < columns_.size(); ++i) sql += (i ? ", " : "") + quote_ident(columns_[i].name);
  sql += ") VALUES ";
  for (std::size_t r = 0; r < rows.size(); ++r) {
    sql += r ? ", (" : "(";
    for (std::size_t i = 0; i < rows[r].size(); ++i) {
      // Typed literals: an all-NULL or all-text VALUES list must not default to text.
      sql += (i ? ", " : "") + rows[r][i] + "::" + columns_[i].sql_type();
    }
    sql += ")";
  }
  return sql;
}

// Keyed: the key. Keyless: one physical row with exactly these values (any of
// its duplicates; they are indistinguishable in a multiset).
std::string DmlGenerator::identity_predicate(const ModelRow& row) const {
  if (spec_.key) return quote_ident(columns_[0].name) + " = " + row[0];
  std::string match;
  for (std::size_t i = 0; i < columns_.size(); ++i)
    match += (i ? " AND " : "") + quote_ident(columns_[i].name) + " IS NOT DISTINCT FROM " + row[i] + "::" +
             columns_[i].sql_type();
  return "ctid = (SELECT ctid FROM " + spec_.qualified_name() + " WHERE " + match + " LIMIT 1)";
}

std::size_t DmlGenerator::column_index(const std::string& column) const {
  for (std::size_t i = 0; i < columns_.size(); ++i)
    if (columns_[i].name == column) return i;
  throw std::invalid_argument("no column " + column + " in " + spec_.name);
}

std::size_t DmlGenerator::random_row_index() {
  return static_cast<std::size_t>(uniform(rng_, 0, static_cast<std::int64_t>(rows_.size()) - 1));
}

std::optional<std::string> DmlGenerator::pick_value(const std::string& column) {
  const std::size_t c = column_index(column);
  for (int attempt = 0; attempt < 10 && !rows_.empty(); ++attempt) {
    const std::string& v = rows_[random_row_index()][c];
    if (v != "NULL") return v;
  }
  return std::nullopt;
}

std::string DmlGenerator::delete_where_equal(const std::string& column, const std::string& literal) {
  const std::size_t c = column_index(column);
  // SQL "=": NULLs never match, exactly like the statement below.
  rows_.erase(std::remove_if(rows_.begin(), rows_.end(), [&](const ModelRow& r) { return r[c] == literal; }),
              rows_.end());
  return "DELETE FROM " + spec_.qualified_name() + " WHERE " + quote_ident(column) + " = " + literal +
         "::" + columns_[c].sql_type();
}

void DmlGenerator::op_insert(std::vector<std::string>& now) {
  ModelRow row = random_row();
  if (row.empty()) {
    // No unused key (a small key domain full of live or reserved keys): an
    // update instead, and nothing at all when there is no row to update
    // (op_update_values falls back to op_insert: no endless ping-pong).
    const std::size_t first = spec_.key ? 1 : 0;
    if (!rows_.empty() && columns_.size() > first) op_update_values_at(random_row_index(), now);
    return;
  }
  now.push_back(insert_sql({row}));
  rows_.push_back(row);
}

void DmlGenerator::op_insert_duplicate(std::vector<std::string>& now) {
  if (spec_.key || rows_.empty()) return op_insert(now);
  ModelRow row = rows_[random_row_index()];
  now.push_back(insert_sql({row}));
  rows_.push_back(row);
}

void DmlGenerator::op_insert_multi(std::vector<std::string>& now) {
  std::vector<ModelRow> batch;
  const int n = static_cast<int>(uniform(rng_, 2, 5));
  for (int i = 0; i < n; ++i) {
    // Keyless: sometimes the same row twice in one statement.
    if (!spec_.key && !batch.empty() && chance(rng_, 0.3)) {
      batch.push_back(batch.back());
    } else {
      ModelRow row = random_row();
      if (row.empty()) break;
      batch.push_back(row);
    }
    rows_.push_back(batch.back());
  }
  if (!batch.empty()) now.push_back(insert_sql(batch));
}

void DmlGenerator::op_update_values(std::vector<std::string>& now) {
  const std::size_t first = spec_.key ? 1 : 0;
  if (rows_.empty() || columns_.size() <= first) return op_insert(now);
  op_update_values_at(random_row_index(), now);
}

// Sets one or two non-key columns of row i to new values (NULL included).
void DmlGenerator::op_update_values_at(std::size_t i, std::vector<std::string>& now) {
  const std::size_t first = spec_.key ? 1 : 0;
  if (columns_.size() <= first) return;
  ModelRow& row = rows_[i];
  const std::string where = identity_predicate(row);
  std::string set;
  std::set<std::size_t> done;
  const int n = static_cast<int>(uniform(rng_, 1, std::min<std::int64_t>(2, columns_.size() - first)));
  for (int k = 0; k < n; ++k) {
    const std::size_t c = static_cast<std::size_t>(uniform(rng_, first, columns_.size() - 1));
    if (!done.insert(c).second) continue;  // a column may be assigned only once
    row[c] = columns_[c].random_literal(rng_);
    set += (set.empty() ? "" : ", ") + quote_ident(columns_[c].name) + " = " + row[c] + "::" +
           columns_[c].sql_type();
  }
  now.push_back("UPDATE " + spec_.qualified_name() + " SET " + set + " WHERE " + where);
}

void DmlGenerator::op_update_key(std::vector<std::string>& now) {
  if (!spec_.key || rows_.empty()) return op_update_values(now);
  op_update_key_at(random_row_index(), now);
}

// Gives row i a fresh key (a value update when that is not possible).
void DmlGenerator::op_update_key_at(std::size_t i, std::vector<std::string>& now) {
  std::optional<std::string> key = spec_.key ? unused_key() : std::nullopt;
  if (!key || reserved_keys_.count(rows_[i][0])) return op_update_values_at(i, now);
  ModelRow& row = rows_[i];
  const std::string where = identity_predicate(row);
  row[0] = *key;
  now.push_back("UPDATE " + spec_.qualified_name() + " SET " + quote_ident(columns_[0].name) + " = " + *key +
                " WHERE " + where);
}

// Two to four successive changes to one row in one transaction (its values,
// its key), sometimes ending with its delete: a refresh must see only the
// net change, however many captured statements led to it.
void DmlGenerator::op_update_chain(std::vector<std::string>& now) {
  if (rows_.empty()) return op_insert(now);
  const std::size_t i = random_row_index();
  if (spec_.key && reserved_keys_.count(rows_[i][0])) return op_update_values(now);
  const int steps = static_cast<int>(uniform(rng_, 2, 4));
  for (int step = 0; step < steps; ++step) {
    if (spec_.key && chance(rng_, 0.3))
      op_update_key_at(i, now);
    else
      op_update_values_at(i, now);
  }
  if (chance(rng_, 0.25)) {
    now.push_back("DELETE FROM " + spec_.qualified_name() + " WHERE " + identity_predicate(rows_[i]));
    rows_.erase(rows_.begin() + static_cast<std::ptrdiff_t>(i));
  }
}

// One statement changing every row with a given value (several rows, often).
void DmlGenerator::op_update_group(std::vector<std::string>& now) {
  const std::size_t first = spec_.key ? 1 : 0;
  if (columns_.size() <= first || !can_change_by_value()) return op_update_values(now);
  const std::size_t by = static_cast<std::size_t>(uniform(rng_, first, columns_.size() - 1));
  const std::size_t set = static_cast<std::size_t>(uniform(rng_, first, columns_.size() - 1));
  const std::string match = columns_[by].random_value_literal(rng_);
  const std::string value = columns_[set].random_literal(rng_);
  for (ModelRow& r : rows_)
    if (r[by] == match) r[set] = value;
  now.push_back("UPDATE " + spec_.qualified_name() + " SET " + quote_ident(columns_[set].name) + " = " + value +
                "::" + columns_[set].sql_type() + " WHERE " + quote_ident(columns_[by].name) + " = " + match +
                "::" + columns_[by].sql_type());
}

void DmlGenerator::op_delete(std::vector<std::string>& now) {
  if (rows_.empty()) return op_insert(now);
  const std::size_t i = random_row_index();
  now.push_back("DELETE FROM " + spec_.qualified_name() + " WHERE " + identity_predicate(rows_[i]));
  rows_.erase(rows_.begin() + static_cast<std::ptrdiff_t>(i));
}

// A whole group vanishes; later inserts from the small domain bring it back.
void DmlGenerator::op_delete_group(std::vector<std::string>& now) {
  const std::size_t first = spec_.key ? 1 : 0;
  if (columns_.size() <= first || !can_change_by_value()) return op_delete(now);
  const std::size_t by = static_cast<std::size_t>(uniform(rng_, first, columns_.size() - 1));
  now.push_back(delete_where_equal(columns_[by].name, columns_[by].random_value_literal(rng_)));
}

// The row never exists at commit: a refresh must see no net change from it.
void DmlGenerator::op_insert_then_delete(std::vector<std::string>& now, std::vector<std::string>& later) {
  ModelRow row = random_row();
  if (row.empty()) return op_delete(now);
  now.push_back(insert_sql({row}));
  later.push_back("DELETE FROM " + spec_.qualified_name() + " WHERE " + identity_predicate(row));
  if (spec_.key) reserved_keys_.insert(row[0]);
  deferred_in_batch_ = true;
}

void DmlGenerator::op_update_then_delete(std::vector<std::string>& now, std::vector<std::string>& later) {
  if (rows_.empty()) return op_insert_then_delete(now, later);
  const std::size_t i = random_row_index();
  if (spec_.key && reserved_keys_.count(rows_[i][0])) return op_delete(now);
  op_update_values_at(i, now);
  later.push_back("DELETE FROM " + spec_.qualified_name() + " WHERE " + identity_predicate(rows_[i]));
  if (spec_.key) reserved_keys_.insert(rows_[i][0]);
  deferred_in_batch_ = true;
  rows_.erase(rows_.begin() + static_cast<std::ptrdiff_t>(i));
}

void DmlGenerator::random_op(std::vector<std::string>& now, std::vector<std::string>& later) {
  // Group and linked deletes remove many rows at once: lean towards inserts
  // while the table is well below its initial size, so that over hundreds of
  // batches tables stay populated and joins keep matching.
  if (rows_.size() * 4 < static_cast<std::size_t>(spec_.initial_rows) * 3 && chance(rng_, 0.4))
    return op_insert_multi(now);
  const int dice = static_cast<int>(uniform(rng_, 0, 99));
  if (dice < 22) return op_insert(now);
  if (dice < 32) return op_insert_duplicate(now);  // keyed: a plain insert
  if (dice < 40) return op_insert_multi(now);
  if (dice < 60) return op_update_values(now);
  if (dice < 67) return op_update_key(now);  // keyless: a value update
  if (dice < 71) return op_update_group(now);
  if (dice < 86) return op_delete(now);
  if (dice < 89) return op_delete_group(now);
  if (dice < 93) return op_insert_then_delete(now, later);
  if (dice < 96) return op_update_then_delete(now, later);
  return op_update_chain(now);
}

std::vector<std::string> random_batch(std::vector<DmlGenerator>& tables, const std::vector<JoinLink>& links,
                                      std::mt19937_64& rng, int min_statements, int max_statements) {
  std::vector<std::string> now;
  std::vector<std::string> later;
  const int ops = static_cast<int>(uniform(rng, min_statements, max_statements));
  for (int i = 0; i < ops; ++i) {
    if (!links.empty() && chance(rng, 0.05)) {
      // Both sides of one join value disappear in the same transaction.
      const JoinLink& link = links[uniform(rng, 0, static_cast<std::int64_t>(links.size()) - 1)];
      std::optional<std::string> v = tables[link.left].pick_value(link.left_col);
      if (v && tables[link.left].can_change_by_value() && tables[link.right].can_change_by_value()) {
        now.push_back(tables[link.left].delete_where_equal(link.left_col, *v));
        now.push_back(tables[link.right].delete_where_equal(link.right_col, *v));
        continue;
      }
    }
    DmlGenerator& table = tables[uniform(rng, 0, static_cast<std::int64_t>(tables.size()) - 1)];
    table.random_op(now, later);
    // Deferred follow-ups land at random later points, not always at the end.
    if (!later.empty() && chance(rng, 0.3)) {
      now.push_back(later.front());
      later.erase(later.begin());
    }
  }
  now.insert(now.end(), later.begin(), later.end());
  for (DmlGenerator& t : tables) t.end_batch();
  return now;
}

}  // namespace pgt_e2e
