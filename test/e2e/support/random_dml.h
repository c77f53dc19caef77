// DmlGenerator — seeded random INSERT / UPDATE / DELETE for one TableSpec,
// and random_batch(), which mixes several tables into one transaction.
//
// The generator keeps a model of the table's rows so that updates and deletes
// usually hit a live row (a random predicate would mostly miss). The model is
// only a guide for choosing targets: if it drifts from the table, statements
// just hit nothing; the oracle always reads the real table, so correctness of
// the test never depends on the model.
//
// What a batch contains, on purpose (DESIGN.md section 4): NULLs, duplicate
// rows (keyless tables), key updates, multi-row updates and deletes, groups
// that vanish (delete by value) and come back (inserts from a small domain),
// insert-then-delete and update-then-delete of one row within the batch,
// several successive changes to one row within the batch (values, key, and
// sometimes a final delete), and deleting both sides of a join in one batch
// (JoinLink).
//
// Focused batches: when a table declares a rejected region (TableSpec::
// rejected, values its scenario's WHERE rejects), about a third of the
// batches change only rows in that region and keep them in it, sometimes with
// statements of one kind only (inserts, updates or deletes). The refresh then
// sees changes that all vanish at the WHERE, which a batch spread over the
// whole table almost never gives.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "table_spec.h"

namespace pgt_e2e {

// The statements a focused batch may contain. Mixed: any operation but the
// linked deletes; the other three: only statements of that kind.
enum class BatchKind { Mixed, Inserts, Updates, Deletes };

// What random_batch made of one batch.
struct BatchShape {
  bool focused = false;  // every statement stayed inside its table's rejected region
  BatchKind kind = BatchKind::Mixed;
};

const char* batch_kind_name(BatchKind kind);

class DmlGenerator {
 public:
  DmlGenerator(TableSpec spec, std::mt19937_64& rng);

  const TableSpec& spec() const { return spec_; }
  std::size_t live_rows() const { return rows_.size(); }

  // CREATE TABLE and one INSERT of spec().initial_rows rows.
  std::vector<std::string> setup_sql();
  // Only the INSERT of the initial rows (none if spec().initial_rows is 0):
  // for a second generator writing to a table another one created (each
  // concurrent writer keeps its own model, over its own key range).
  std::vector<std::string> initial_rows_sql();

  // Appends one random operation to `now`. A follow-up that must run later in
  // the same transaction (deleting the row just inserted) goes to `later`.
  void random_op(std::vector<std::string>& now, std::vector<std::string>& later);

  // A live row's non-NULL value of `column`, as a literal; nullopt if none.
  std::optional<std::string> pick_value(const std::string& column);
  // "DELETE ... WHERE column = literal", applied to the model too. Check
  // can_change_by_value() first: it keeps the model exact.
  bool can_change_by_value() const { return spec_.key || !deferred_in_batch_; }
  std::string delete_where_equal(const std::string& column, const std::string& literal);

  // Whether spec().rejected is set, and whether a live row lies in it.
  bool has_region() const { return region_column_.has_value(); }
  bool region_has_rows() const;
  // Until end_batch(), every operation only touches rows in the rejected
  // region and draws new values of its column from it, and only operations
  // of `kind` run (has_region() must be true).
  void focus(BatchKind kind);

  // The batch was rolled back: the model becomes `before`'s again (a copy of
  // this generator taken before the batch was made), so that keys of rows a
  // rolled-back DELETE removed are not handed out to new INSERTs.
  void restore_model(const DmlGenerator& before) {
    rows_ = before.rows_;
    reserved_keys_ = before.reserved_keys_;
    deferred_in_batch_ = before.deferred_in_batch_;
    focus_ = before.focus_;
  }

  // The batch's statements have all run: keys held for deferred deletes are
  // free, and the focus (if any) ends.
  void end_batch() {
    reserved_keys_.clear();
    deferred_in_batch_ = false;
    focus_.reset();
  }

 private:
  using ModelRow = std::vector<std::string>;  // literals, in TableSpec::all_columns() order

  ModelRow random_row();
  std::optional<std::string> unused_key();
  std::string insert_sql(const std::vector<ModelRow>& rows) const;
  std::string identity_predicate(const ModelRow& row) const;  // WHERE clause body for one row
  std::size_t column_index(const std::string& column) const;
  std::size_t random_row_index();

  // Focus helpers: outside a focused batch they do what the unfocused
  // generator always did (and draw the same random numbers).
  bool in_region(const ModelRow& row) const;
  bool allows(BatchKind kind) const { return !focus_ || *focus_ == BatchKind::Mixed || *focus_ == kind; }
  bool has_target() const;            // a row an update or delete may pick
  std::size_t random_target_index();  // such a row (has_target() must hold)
  std::string new_literal(std::size_t c);        // a new value of column c (NULL included)
  std::string new_value_literal(std::size_t c);  // a new non-NULL value of column c
  void fallback_insert(std::vector<std::string>& now);
  void random_single_kind_op(std::vector<std::string>& now);

  void op_insert(std::vector<std::string>& now);
  void op_insert_duplicate(std::vector<std::string>& now);
  void op_insert_multi(std::vector<std::string>& now);
  void op_update_values(std::vector<std::string>& now);
  void op_update_values_at(std::size_t i, std::vector<std::string>& now);
  void op_update_key(std::vector<std::string>& now);
  void op_update_group(std::vector<std::string>& now);
  void op_delete(std::vector<std::string>& now);
  void op_delete_group(std::vector<std::string>& now);
  void op_insert_then_delete(std::vector<std::string>& now, std::vector<std::string>& later);
  void op_update_then_delete(std::vector<std::string>& now, std::vector<std::string>& later);
  void op_update_key_at(std::size_t i, std::vector<std::string>& now);
  void op_update_chain(std::vector<std::string>& now);

  TableSpec spec_;
  std::mt19937_64& rng_;
  std::vector<ColumnSpec> columns_;  // key first, if any (a copy: generators move)
  std::vector<ModelRow> rows_;
  std::set<std::string> reserved_keys_;  // keys a deferred delete still needs
  // A keyless deferred delete finds its row by value; a statement changing or
  // deleting rows by value could hit that row first (then the deferred delete
  // would take another), so such statements wait for the next batch.
  bool deferred_in_batch_ = false;
  std::optional<std::size_t> region_column_;  // index into columns_ of spec_.rejected->column
  std::optional<BatchKind> focus_;            // set: this batch is focused
};

// Two generated tables joined on left_col = right_col: a batch may delete the
// rows on both sides of one join value.
struct JoinLink {
  std::size_t left;  // index into the generator list
  std::string left_col;
  std::size_t right;
  std::string right_col;
};

// One transaction's statements: between min_statements and max_statements
// operations spread over `tables`, deferred follow-ups placed later in it.
// When some table has a rejected region, about a third of the batches are
// focused: their operations go only to such tables and stay in their regions
// (see DmlGenerator::focus); 40% of those are Mixed, 20% each of one kind.
// `shape`, if given, receives what the batch was. Without a rejected region
// the batches are exactly what they were before focused batches existed.
std::vector<std::string> random_batch(std::vector<DmlGenerator>& tables, const std::vector<JoinLink>& links,
                                      std::mt19937_64& rng, int min_statements, int max_statements,
                                      BatchShape* shape = nullptr);

}  // namespace pgt_e2e
