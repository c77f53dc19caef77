#include "random_dml.h"

#include <algorithm>
#include <stdexcept>

#include "pg_conn.h"

namespace pgt_e2e {

const char* batch_kind_name(BatchKind kind) {
  switch (kind) {
    case BatchKind::Mixed: return "mixed";
    case BatchKind::Inserts: return "inserts";
    case BatchKind::Updates: return "updates";
    case BatchKind::Deletes: return "deletes";
  }
  return "?";
}

DmlGenerator::DmlGenerator(TableSpec spec, std::mt19937_64& rng) : spec_(std::move(spec)), rng_(rng) {
  for (const ColumnSpec* c : spec_.all_columns()) columns_.push_back(*c);
  if (spec_.rejected) {
    // A key in the region would need unused keys drawn from it; no scenario
    // needs that, so only non-key number columns may have one.
    const std::size_t c = column_index(spec_.rejected->column);
    if ((spec_.key && c == 0) || columns_[c].type == ColType::Text || spec_.rejected->lo > spec_.rejected->hi)
      throw std::invalid_argument("rejected region of " + spec_.name +
                                  ": needs a non-key Int or Numeric column and lo <= hi");
    region_column_ = c;
  }
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
  for (std::size_t i = first; i < columns_.size(); ++i) row.push_back(new_literal(i));
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

bool DmlGenerator::in_region(const ModelRow& row) const {
  return region_column_ &&
         columns_[*region_column_].literal_between(row[*region_column_], spec_.rejected->lo, spec_.rejected->hi);
}

bool DmlGenerator::region_has_rows() const {
  return std::any_of(rows_.begin(), rows_.end(), [&](const ModelRow& r) { return in_region(r); });
}

void DmlGenerator::focus(BatchKind kind) {
  if (!region_column_) throw std::logic_error(spec_.name + " has no rejected region to focus on");
  focus_ = kind;
}

bool DmlGenerator::has_target() const { return focus_ ? region_has_rows() : !rows_.empty(); }

std::size_t DmlGenerator::random_target_index() {
  if (!focus_) return random_row_index();
  std::vector<std::size_t> in;
  for (std::size_t i = 0; i < rows_.size(); ++i)
    if (in_region(rows_[i])) in.push_back(i);
  return in[static_cast<std::size_t>(uniform(rng_, 0, static_cast<std::int64_t>(in.size()) - 1))];
}

// Focused: the region's column never becomes NULL (NULL is outside every
// region) nor leaves the region.
std::string DmlGenerator::new_literal(std::size_t c) {
  if (focus_ && c == *region_column_) return new_value_literal(c);
  return columns_[c].random_literal(rng_);
}

std::string DmlGenerator::new_value_literal(std::size_t c) {
  if (focus_ && c == *region_column_)
    return columns_[c].value_literal_between(rng_, spec_.rejected->lo, spec_.rejected->hi);
  return columns_[c].random_value_literal(rng_);
}

// An operation found no row to change: it inserts one instead, except in a
// focused batch of updates or deletes only, which would no longer be one.
void DmlGenerator::fallback_insert(std::vector<std::string>& now) {
  if (allows(BatchKind::Inserts)) op_insert(now);
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
    if (has_target() && columns_.size() > first && allows(BatchKind::Updates))
      op_update_values_at(random_target_index(), now);
    return;
  }
  now.push_back(insert_sql({row}));
  rows_.push_back(row);
}

void DmlGenerator::op_insert_duplicate(std::vector<std::string>& now) {
  if (spec_.key || !has_target()) return op_insert(now);
  ModelRow row = rows_[random_target_index()];
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
  if (!has_target() || columns_.size() <= first) return fallback_insert(now);
  op_update_values_at(random_target_index(), now);
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
    row[c] = new_literal(c);
    set += (set.empty() ? "" : ", ") + quote_ident(columns_[c].name) + " = " + row[c] + "::" +
           columns_[c].sql_type();
  }
  now.push_back("UPDATE " + spec_.qualified_name() + " SET " + set + " WHERE " + where);
}

void DmlGenerator::op_update_key(std::vector<std::string>& now) {
  if (!spec_.key || !has_target()) return op_update_values(now);
  op_update_key_at(random_target_index(), now);
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
  if (!has_target()) return fallback_insert(now);
  const std::size_t i = random_target_index();
  if (spec_.key && reserved_keys_.count(rows_[i][0])) return op_update_values(now);
  const int steps = static_cast<int>(uniform(rng_, 2, 4));
  for (int step = 0; step < steps; ++step) {
    if (spec_.key && chance(rng_, 0.3))
      op_update_key_at(i, now);
    else
      op_update_values_at(i, now);
  }
  if (chance(rng_, 0.25) && allows(BatchKind::Deletes)) {
    now.push_back("DELETE FROM " + spec_.qualified_name() + " WHERE " + identity_predicate(rows_[i]));
    rows_.erase(rows_.begin() + static_cast<std::ptrdiff_t>(i));
  }
}

// One statement changing every row with a given value (several rows, often).
// Focused: the rows with a value of the region's column in the region.
void DmlGenerator::op_update_group(std::vector<std::string>& now) {
  const std::size_t first = spec_.key ? 1 : 0;
  if (columns_.size() <= first || !can_change_by_value()) return op_update_values(now);
  const std::size_t by =
      focus_ ? *region_column_ : static_cast<std::size_t>(uniform(rng_, first, columns_.size() - 1));
  const std::size_t set = static_cast<std::size_t>(uniform(rng_, first, columns_.size() - 1));
  const std::string match = new_value_literal(by);
  const std::string value = new_literal(set);
  for (ModelRow& r : rows_)
    if (r[by] == match) r[set] = value;
  now.push_back("UPDATE " + spec_.qualified_name() + " SET " + quote_ident(columns_[set].name) + " = " + value +
                "::" + columns_[set].sql_type() + " WHERE " + quote_ident(columns_[by].name) + " = " + match +
                "::" + columns_[by].sql_type());
}

void DmlGenerator::op_delete(std::vector<std::string>& now) {
  if (!has_target()) return fallback_insert(now);
  const std::size_t i = random_target_index();
  now.push_back("DELETE FROM " + spec_.qualified_name() + " WHERE " + identity_predicate(rows_[i]));
  rows_.erase(rows_.begin() + static_cast<std::ptrdiff_t>(i));
}

// A whole group vanishes; later inserts from the small domain bring it back.
// Focused: the rows with a value of the region's column in the region.
void DmlGenerator::op_delete_group(std::vector<std::string>& now) {
  const std::size_t first = spec_.key ? 1 : 0;
  if (columns_.size() <= first || !can_change_by_value()) return op_delete(now);
  const std::size_t by =
      focus_ ? *region_column_ : static_cast<std::size_t>(uniform(rng_, first, columns_.size() - 1));
  now.push_back(delete_where_equal(columns_[by].name, new_value_literal(by)));
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
  if (!has_target()) return op_insert_then_delete(now, later);
  const std::size_t i = random_target_index();
  if (spec_.key && reserved_keys_.count(rows_[i][0])) return op_delete(now);
  op_update_values_at(i, now);
  later.push_back("DELETE FROM " + spec_.qualified_name() + " WHERE " + identity_predicate(rows_[i]));
  if (spec_.key) reserved_keys_.insert(rows_[i][0]);
  deferred_in_batch_ = true;
  rows_.erase(rows_.begin() + static_cast<std::ptrdiff_t>(i));
}

// A focused batch of one kind: only that kind's operations (deferred
// follow-ups mix kinds, so none here).
void DmlGenerator::random_single_kind_op(std::vector<std::string>& now) {
  const int dice = static_cast<int>(uniform(rng_, 0, 99));
  switch (*focus_) {
    case BatchKind::Inserts:
      if (dice < 50) return op_insert(now);
      if (dice < 75) return op_insert_duplicate(now);  // keyed: a plain insert
      return op_insert_multi(now);
    case BatchKind::Updates:
      if (dice < 45) return op_update_values(now);
      if (dice < 65) return op_update_key(now);  // keyless: a value update
      if (dice < 85) return op_update_group(now);
      return op_update_chain(now);  // never ends with a delete here
    case BatchKind::Deletes:
      if (dice < 80) return op_delete(now);
      return op_delete_group(now);
    case BatchKind::Mixed: break;
  }
  throw std::logic_error("random_single_kind_op: a mixed batch");
}

void DmlGenerator::random_op(std::vector<std::string>& now, std::vector<std::string>& later) {
  if (focus_ && *focus_ != BatchKind::Mixed) return random_single_kind_op(now);
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

namespace {

// Whether the batch is focused, and of which kind; focuses the tables that
// have a rejected region. Draws no random number when no table has one, so
// such scenarios get the very batches they always got.
BatchShape choose_batch_shape(std::vector<DmlGenerator>& tables, std::mt19937_64& rng) {
  auto with_region = [&](auto&& test) {
    return std::any_of(tables.begin(), tables.end(), [&](const DmlGenerator& t) { return t.has_region() && test(t); });
  };
  if (!with_region([](const DmlGenerator&) { return true; }) || !chance(rng, 1.0 / 3)) return {};
  const int dice = static_cast<int>(uniform(rng, 0, 99));
  BatchKind kind = dice < 40   ? BatchKind::Mixed
                   : dice < 60 ? BatchKind::Inserts
                   : dice < 80 ? BatchKind::Updates
                               : BatchKind::Deletes;
  // Nothing to update or delete in any region: insert some (the next focused
  // batches have rows to change then).
  if ((kind == BatchKind::Updates || kind == BatchKind::Deletes) &&
      !with_region([](const DmlGenerator& t) { return t.region_has_rows(); }))
    kind = BatchKind::Inserts;
  for (DmlGenerator& t : tables)
    if (t.has_region()) t.focus(kind);
  return {true, kind};
}

// A focused batch's operation goes to a table with a rejected region; any
// other table must not change (its rows may all pass the WHERE).
DmlGenerator& random_table(std::vector<DmlGenerator>& tables, bool focused, std::mt19937_64& rng) {
  if (!focused) return tables[uniform(rng, 0, static_cast<std::int64_t>(tables.size()) - 1)];
  std::vector<DmlGenerator*> with_region;
  for (DmlGenerator& t : tables)
    if (t.has_region()) with_region.push_back(&t);
  return *with_region[uniform(rng, 0, static_cast<std::int64_t>(with_region.size()) - 1)];
}

}  // namespace

std::vector<std::string> random_batch(std::vector<DmlGenerator>& tables, const std::vector<JoinLink>& links,
                                      std::mt19937_64& rng, int min_statements, int max_statements,
                                      BatchShape* shape) {
  const BatchShape chosen = choose_batch_shape(tables, rng);
  if (shape) *shape = chosen;
  std::vector<std::string> now;
  std::vector<std::string> later;
  const int ops = static_cast<int>(uniform(rng, min_statements, max_statements));
  for (int i = 0; i < ops; ++i) {
    // Linked deletes empty a join value on both sides: never in a focused
    // batch (the other side is outside any region).
    if (!chosen.focused && !links.empty() && chance(rng, 0.05)) {
      // Both sides of one join value disappear in the same transaction.
      const JoinLink& link = links[uniform(rng, 0, static_cast<std::int64_t>(links.size()) - 1)];
      std::optional<std::string> v = tables[link.left].pick_value(link.left_col);
      if (v && tables[link.left].can_change_by_value() && tables[link.right].can_change_by_value()) {
        now.push_back(tables[link.left].delete_where_equal(link.left_col, *v));
        now.push_back(tables[link.right].delete_where_equal(link.right_col, *v));
        continue;
      }
    }
    DmlGenerator& table = random_table(tables, chosen.focused, rng);
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
