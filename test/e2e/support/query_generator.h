// The query fuzzer's generator: a random schema (2-4 tables of int, bigint,
// numeric, text with the default or the "C" collation, timestamptz, jsonb and
// int[] columns; with or without a primary key; NULLs; duplicates), and a
// random defining query from the grammar docs/SQL_REFERENCE.md says
// DIFFERENTIAL maintains (joins of every kind, WHERE with EXISTS / IN /
// NOT IN, scalar subqueries, groupings with the supported aggregates, HAVING,
// DISTINCT, set operations, a view, subqueries and non-recursive WITH in FROM,
// JOIN ... USING, groupings below a join, a grouping or a set operation),
// depth-limited and well typed, within the documented limits (8 table scans,
// 3 outer joins or EXISTS / IN, both only at the top level).
//
// A query is kept as parts (FROM items, predicates, select items, keys,
// aggregates, branches) so that the minimizer can drop them one at a time:
// shrink_candidates() lists the queries with one part less. A candidate may
// be invalid SQL (a part another one reads was dropped); the minimizer keeps
// only candidates that still fail the same way, so that never matters.
//
// Out-of-grammar probes (WITH RECURSIVE, a LATERAL subquery with an aggregate)
// are generated on request: DIFFERENTIAL must refuse them with a clear error
// and AUTO must fall back to FULL, still correct.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "table_spec.h"

namespace pgt_e2e {

// The types the generator reasons about (comparisons and joins only between
// values of one class; text also by collation).
enum class TypeClass { Int, Numeric, Text, Timestamptz, Jsonb, IntArray, Bool };

// One piece of SQL: a predicate, a select item (with its output name), an
// ON condition, ... and the FROM items (by index) it reads.
struct Part {
  Part() = default;
  Part(std::string sql_, std::set<int> uses_, std::string name_ = "", TypeClass type_ = TypeClass::Int,
       std::string collation_ = "")
      : sql(std::move(sql_)),
        uses(std::move(uses_)),
        name(std::move(name_)),
        type(type_),
        collation(std::move(collation_)) {}

  std::string sql;
  std::set<int> uses;
  std::string name;  // select items: the output column name
  TypeClass type = TypeClass::Int;
  std::string collation;  // Text: "C" or "" (default)
};

struct Select;

// One FROM item: a table or a subquery (optionally rendered as a WITH query),
// joined to the items before it (none for the first).
struct FromEntry {
  std::string join;   // "", "JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN"
  std::string table;  // qualified, quoted; empty for a subquery
  std::shared_ptr<Select> sub;
  bool as_cte = false;
  std::string alias;
  std::vector<Part> on;
};

// A query block, or (setop not empty) a set operation of branches.
struct Select {
  std::string setop;  // "", "UNION ALL", "UNION", "INTERSECT [ALL]", "EXCEPT [ALL]"
  std::vector<Select> branches;

  std::vector<FromEntry> from;
  std::vector<Part> where;
  bool grouped = false;  // GROUP BY keys (maybe none: a scalar aggregate)
  bool distinct = false;
  std::vector<Part> keys;   // grouped: the grouping keys (also output columns, first)
  std::vector<Part> items;  // output columns (aggregates when grouped)
  std::vector<Part> having;
  std::string tail;  // probes only: text after everything
  // > 0: ORDER BY every output column, LIMIT this (int outputs only: ties are
  // then identical rows, so the result is one multiset).
  int limit = 0;

  // The output columns, keys first.
  std::vector<Part> outputs() const;
  std::string sql() const;  // WITH queries of this block's FROM rendered at its top
  // Queries with one part less (see the file comment).
  std::vector<Select> shrink_candidates() const;
  // True if a WHERE has EXISTS / IN / NOT IN (their tables' changes may recompute).
  bool has_sublink() const;
  // Number of parts, a size for reports.
  int size() const;
};

// The random schema: tables with TableSpecs the DML generator writes to.
struct FuzzSchema {
  std::string schema;  // quoted-free name of the schema holding everything
  std::vector<TableSpec> tables;
  // A view over the first table (all its columns, some rows): queries may
  // read it where a table may stand, except as an outer join's nullable side.
  std::string view;             // its name (unqualified)
  std::string create_view_sql;  // run after the tables exist
};

// What kind of query generate() produced, for the totals.
enum class QueryShape { Spj, Grouped, Distinct, SetOp, Nested, Window, Probe };
const char* shape_name(QueryShape shape);

struct GeneratedQuery {
  Select select;
  QueryShape shape = QueryShape::Spj;
  std::string probe;  // Probe: the construct DIFFERENTIAL must refuse
};

// A schema of 2-4 tables in `schema`, hostile names included.
FuzzSchema random_schema(std::mt19937_64& rng, const std::string& schema);

// A random query over `schema`. probe: an out-of-grammar query instead.
GeneratedQuery random_query(std::mt19937_64& rng, const FuzzSchema& schema, bool probe);

}  // namespace pgt_e2e
