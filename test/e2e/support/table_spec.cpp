#include "table_spec.h"

#include <cstdlib>
#include <stdexcept>

#include "pg_conn.h"

namespace pgt_e2e {

bool chance(std::mt19937_64& rng, double p) { return std::uniform_real_distribution<double>(0.0, 1.0)(rng) < p; }

std::int64_t uniform(std::mt19937_64& rng, std::int64_t lo, std::int64_t hi) {
  return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
}

ColumnSpec ColumnSpec::integer(std::string name, std::int64_t lo, std::int64_t hi, double nulls) {
  ColumnSpec c;
  c.name = std::move(name);
  c.type = ColType::Int;
  c.lo = lo;
  c.hi = hi;
  c.null_fraction = nulls;
  return c;
}

ColumnSpec ColumnSpec::numeric(std::string name, std::int64_t lo, std::int64_t hi, double nulls) {
  ColumnSpec c = integer(std::move(name), lo, hi, nulls);
  c.type = ColType::Numeric;
  return c;
}

ColumnSpec ColumnSpec::numeric_unconstrained(std::string name, std::int64_t lo, std::int64_t hi, double nulls) {
  ColumnSpec c = numeric(std::move(name), lo, hi, nulls);
  c.unconstrained = true;
  return c;
}

ColumnSpec ColumnSpec::text(std::string name, std::vector<std::string> words, double nulls) {
  if (words.empty()) throw std::invalid_argument("text column needs at least one word");
  ColumnSpec c;
  c.name = std::move(name);
  c.type = ColType::Text;
  c.words = std::move(words);
  c.null_fraction = nulls;
  return c;
}

ColumnSpec ColumnSpec::int4(std::string name, std::int64_t lo, std::int64_t hi, double nulls) {
  ColumnSpec c = integer(std::move(name), lo, hi, nulls);
  c.type = ColType::Int4;
  return c;
}

ColumnSpec ColumnSpec::from_literals(std::string name, ColType type, std::vector<std::string> literals,
                                     double nulls) {
  if (literals.empty()) throw std::invalid_argument("column " + name + " needs at least one literal");
  if (type != ColType::Timestamptz && type != ColType::Jsonb && type != ColType::IntArray)
    throw std::invalid_argument("from_literals: a timestamptz, jsonb or int[] column");
  ColumnSpec c;
  c.name = std::move(name);
  c.type = type;
  c.words = std::move(literals);
  c.null_fraction = nulls;
  return c;
}

std::string ColumnSpec::sql_type() const {
  switch (type) {
    case ColType::Int: return "bigint";
    case ColType::Numeric: return unconstrained ? "numeric" : "numeric(12,2)";
    case ColType::Text: return "text";
    case ColType::Int4: return "integer";
    case ColType::Timestamptz: return "timestamptz";
    case ColType::Jsonb: return "jsonb";
    case ColType::IntArray: return "integer[]";
  }
  return "text";
}

std::string ColumnSpec::random_value_literal(std::mt19937_64& rng) const {
  const auto pick = [&] { return words[uniform(rng, 0, static_cast<std::int64_t>(words.size()) - 1)]; };
  switch (type) {
    case ColType::Text: return quote_literal(pick());
    case ColType::Timestamptz:
    case ColType::Jsonb:
    case ColType::IntArray: return pick();
    default:
      // Int / Numeric given literals (e.g. numeric "1" and "1.0"): one of them.
      if (!words.empty()) return pick();
      return value_literal_between(rng, lo, hi);
  }
}

std::string ColumnSpec::value_literal_between(std::mt19937_64& rng, std::int64_t from, std::int64_t to) const {
  switch (type) {
    case ColType::Int:
    case ColType::Int4: return std::to_string(uniform(rng, from, to));
    case ColType::Numeric: {
      // Whole cents, so the literal is exact and canonical ("-3.07"): the
      // generator's model compares values by their literal.
      std::int64_t cents = uniform(rng, from * 100, to * 100);
      std::int64_t mag = std::llabs(cents);
      std::string frac = std::to_string(mag % 100);
      if (frac.size() < 2) frac = "0" + frac;
      return (cents < 0 ? "-" : "") + std::to_string(mag / 100) + "." + frac;
    }
    default: break;
  }
  throw std::logic_error("no value range for column " + name);
}

bool ColumnSpec::literal_between(const std::string& literal, std::int64_t from, std::int64_t to) const {
  if (literal == "NULL") return false;
  switch (type) {
    case ColType::Int:
    case ColType::Int4: {
      const std::int64_t v = std::stoll(literal);
      return from <= v && v <= to;
    }
    case ColType::Numeric: {
      // Literals from value_literal_between: [-]whole.cc, compared in cents.
      const bool negative = literal[0] == '-';
      const std::size_t dot = literal.find('.');
      const std::int64_t mag = std::stoll(literal.substr(negative ? 1 : 0, dot - (negative ? 1 : 0))) * 100 +
                               std::stoll(literal.substr(dot + 1));
      const std::int64_t cents = negative ? -mag : mag;
      return from * 100 <= cents && cents <= to * 100;
    }
    default: break;
  }
  throw std::logic_error("no value range for column " + name);
}

std::string RejectedRegion::sql() const {
  return quote_ident(column) + " BETWEEN " + std::to_string(lo) + " AND " + std::to_string(hi);
}

std::string ColumnSpec::random_literal(std::mt19937_64& rng) const {
  if (null_fraction > 0 && chance(rng, null_fraction)) return "NULL";
  return random_value_literal(rng);
}

std::string TableSpec::qualified_name() const {
  const std::size_t dot = name.find('.');
  if (dot == std::string::npos) return quote_ident(name);
  return quote_ident(name.substr(0, dot)) + "." + quote_ident(name.substr(dot + 1));
}

std::vector<const ColumnSpec*> TableSpec::all_columns() const {
  std::vector<const ColumnSpec*> cols;
  if (key) cols.push_back(&*key);
  for (const ColumnSpec& c : columns) cols.push_back(&c);
  return cols;
}

std::string TableSpec::create_sql() const {
  std::string sql = "CREATE TABLE " + qualified_name() + " (";
  bool first = true;
  for (const ColumnSpec* c : all_columns()) {
    if (!first) sql += ", ";
    first = false;
    sql += quote_ident(c->name) + " " + c->sql_type();
    if (!c->collation.empty()) sql += " COLLATE " + quote_ident(c->collation);
    if (key && c == &*key) sql += " PRIMARY KEY";
  }
  return sql + ")";
}

}  // namespace pgt_e2e
