// Outer joins as signed sums of inner joins, so that the delta rules of
// select-project-join queries apply to them.
//
// For A LEFT JOIN B ON a.x = b.y (B a table), with K = the distinct non-NULL
// join keys of B:
//
//     A ⟕ B  =  A ⋈ B  +  pad(A)  -  pad(A ⋈ K)
//
// where pad(R) is R with B's columns NULL. The query above the join is
// linear in it (a select-project-join), so the query itself is the same
// signed sum of three variants: the join made inner, B replaced by one row
// of NULLs, and B replaced by K's keys (with NULL columns). K is a leaf of
// its own: its change is the keys that appear in or vanish from B. RIGHT
// JOIN is the mirror image; FULL JOIN pads both sides (five variants).
//
// A padded row's identity has NULL for the padded side, so the variants
// agree with the original query on every row's identity; the sides that an
// outer join can pad are listed in nullable_rtis.
#pragma once

#include <vector>

#include "pg/pg_headers.h"

extern "C" {
#include "nodes/parsenodes.h"
}

namespace pgt::frontend {

// Range-table alias prefixes that mark what the expansion put in place of a
// nullable table: a leaf of K (followed by its number) and a row of NULLs.
constexpr const char* kDistinctKeysAlias = "__pgt_k";
constexpr const char* kPaddingAlias = "__pgt_pad";
// ... and the distinct keys an EXISTS / IN subquery is joined with (a
// semi-join adds no part to a row's identity).
constexpr const char* kSemiJoinAlias = "__pgt_semi";

struct DistinctKeys {
  Oid relid = InvalidOid;
  bool inherit = true;
  std::vector<AttrNumber> key_attnums;  // the table's join-key columns
  // Conditions on the table alone (an outer join's ON, an EXISTS / IN
  // subquery's WHERE): the keys are those of the rows that satisfy them.
  // Over alias t (empty: none), and the columns they read.
  std::string filter_sql;
  std::vector<AttrNumber> filter_attnums;
};

struct OuterJoinVariant {
  Query* query = nullptr;
  int sign = 1;
};

struct OuterJoinExpansion {
  const char* not_supported = nullptr;   // why the outer joins cannot be expanded
  std::vector<OuterJoinVariant> variants;  // empty: the query has no outer join
  Bitmapset* nullable_rtis = nullptr;    // top-level entries an outer join pads
  std::vector<DistinctKeys> distinct_keys;  // K number i is aliased __pgt_k<i>
};

// Turns a range-table entry (a relation) into a subquery entry reading `sub`
// under `alias` (inside guard()).
void replace_with_subquery(RangeTblEntry* rte, Query* sub, const char* alias);

// Calls visit(relid, selected columns, rte) for every table read inside the
// subqueries in the expressions of q's top level (SubLinks: scalar
// subqueries, EXISTS / IN not made semi-joins, ...), at any depth.
void for_each_table_in_sublinks(Query* q, void (*visit)(RangeTblEntry* rte, Query* owner, void* ctx), void* ctx);

// Expands the outer joins (and EXISTS / IN) of q's top level; parse parses
// and rewrites a query text with the delta parameters. Not inside guard():
// it guards its PostgreSQL work itself.
OuterJoinExpansion expand_outer_joins(Query* q, Query* (*parse)(const char*));

}  // namespace pgt::frontend
