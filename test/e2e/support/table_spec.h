// TableSpec — the shape of a source table the random DML generator writes to:
// its columns, the domain each column's values are drawn from, how often a
// value is NULL, and whether the table has an integer primary key or none.
// Small domains are deliberate: they make duplicates, join matches, groups
// that vanish and come back, and NULL group keys frequent.
// A table may also declare a rejected region (values of one column that the
// scenario's WHERE rejects): some batches then change only rows in it.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace pgt_e2e {

// Int is declared bigint; Int4 int. The last four draw their values from
// `words` (literals of their type, canonical, so that distinct literals are
// distinct values): see ColumnSpec::from_literals.
enum class ColType { Int, Numeric, Text, Int4, Timestamptz, Jsonb, IntArray };

struct ColumnSpec {
  std::string name;
  ColType type = ColType::Int;
  std::int64_t lo = 0;             // Int / Numeric: values in [lo, hi]
  std::int64_t hi = 9;             //   (Numeric adds two random decimals)
  std::vector<std::string> words;  // Text: values from this list (others: literals, see from_literals;
                                   // an Int / Numeric column given some draws from them only)
  double null_fraction = 0.0;
  // Numeric: declared "numeric" (no typmod) instead of numeric(12,2). The
  // values still have two decimals; what changes is how the extension may
  // maintain sum / avg over the column (no declared scale: group rescan).
  bool unconstrained = false;
  // Text: a COLLATE clause for CREATE TABLE ("C"), empty for the default.
  std::string collation;

  static ColumnSpec integer(std::string name, std::int64_t lo, std::int64_t hi, double nulls = 0.0);
  static ColumnSpec numeric(std::string name, std::int64_t lo, std::int64_t hi, double nulls = 0.0);
  static ColumnSpec numeric_unconstrained(std::string name, std::int64_t lo, std::int64_t hi, double nulls = 0.0);
  static ColumnSpec text(std::string name, std::vector<std::string> words, double nulls = 0.0);
  // Int4 (values in [lo, hi]).
  static ColumnSpec int4(std::string name, std::int64_t lo, std::int64_t hi, double nulls = 0.0);
  // Timestamptz / Jsonb / IntArray: values from `literals` (SQL literals,
  // already quoted, e.g. "'{1,2}'").
  static ColumnSpec from_literals(std::string name, ColType type, std::vector<std::string> literals,
                                  double nulls = 0.0);

  std::string sql_type() const;
  // A random value as a SQL literal ("NULL", "42", "-3.07", "'o''brien'").
  std::string random_literal(std::mt19937_64& rng) const;
  // A random non-NULL value as a SQL literal.
  std::string random_value_literal(std::mt19937_64& rng) const;
  // Int / Numeric: a random value in [lo, hi] (not the column's own range).
  std::string value_literal_between(std::mt19937_64& rng, std::int64_t lo, std::int64_t hi) const;
  // Int / Numeric: whether a literal this column made lies in [lo, hi]
  // ("NULL" never does).
  bool literal_between(const std::string& literal, std::int64_t lo, std::int64_t hi) const;
};

// Values of one non-key Int or Numeric column that a scenario's WHERE
// rejects: a row whose `column` is in [lo, hi] never reaches the query's
// output. A batch changing only such rows (and keeping them there) must leave
// the query's result as it is, yet its changes still reach the refresh, which
// must find that they change nothing: random_batch makes such "focused"
// batches, which a random spread over the whole table almost never is.
struct RejectedRegion {
  std::string column;
  std::int64_t lo = 0;
  std::int64_t hi = 0;

  // "column BETWEEN lo AND hi" (quoted), for checks in SQL.
  std::string sql() const;
};

struct TableSpec {
  std::string name;               // "table" or "schema.table"; each part is quoted
  std::optional<ColumnSpec> key;  // integer PRIMARY KEY (unique in [lo, hi]); nullopt: keyless
  std::vector<ColumnSpec> columns;  // the non-key columns
  int initial_rows = 100;
  std::optional<RejectedRegion> rejected = std::nullopt;

  std::string create_sql() const;
  std::string qualified_name() const;  // quoted
  // Key column (if any) first, then the other columns.
  std::vector<const ColumnSpec*> all_columns() const;
};

// True with probability p.
bool chance(std::mt19937_64& rng, double p);
// Uniform in [lo, hi].
std::int64_t uniform(std::mt19937_64& rng, std::int64_t lo, std::int64_t hi);

}  // namespace pgt_e2e
