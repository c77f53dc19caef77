// Helpers over PostgreSQL Query trees that several parts of the frontend
// share: parsing with the delta parameters, the entries a FROM clause or a
// set operation reads, WITH inlining, set-operation shapes, and the relation
// names generated SQL uses. The plain-C functions run inside guard().
#pragma once

#include <string>

#include "pg/pg_headers.h"

extern "C" {
#include "nodes/parsenodes.h"
}

namespace pgt::frontend {

// Parameters of every delta term ($1..$3): the previous frontier snapshot, and
// the transaction id / command id watermark of changes the previous refresh
// consumed from its own transaction.
constexpr int kDeltaParamCount = 3;
extern const Oid kDeltaParamTypes[kDeltaParamCount];

// Parses, analyzes (with the delta parameters) and rewrites one query text.
Query* parse_and_rewrite(const char* sql);

// The range-table indexes of the items a join tree or set-operation tree
// reads (RangeTblRef leaves), in tree order (List of int), or as a set.
List* from_items(Node* node);
Bitmapset* from_item_set(Node* node);

// The entries a query reads: its FROM clause, or the branches of a set operation.
Bitmapset* from_rtis(Query* q);

// Calls fn(rti, rte) for each range-table entry the query's FROM clause reads
// (join entries included), in range-table order; stops at the first non-null
// result of fn and returns it. Entries outside FROM (the OLD/NEW placeholders
// of a PostgreSQL 15 view) are skipped. fn must not grow C++ containers (it
// runs inside guard()).
template <typename Fn>
const char* for_each_from_entry(Query* q, Fn&& fn) {
  Bitmapset* from = from_rtis(q);
  int rti = 0;
  ListCell* lc;
  foreach (lc, q->rtable) {
    rti++;
    auto* rte = static_cast<RangeTblEntry*>(lfirst(lc));
    if (!bms_is_member(rti, from) && rte->rtekind != RTE_JOIN) continue;
    if (const char* stop = fn(rti, rte)) return stop;
  }
  return nullptr;
}

// UNION ALL is a sum of its branches (multilinear like a join); other set
// operations are not. True for a leaf (RangeTblRef) too.
bool is_union_all_tree(Node* node);
// Whether every node of a set-operation tree is a UNION (ALL or not).
bool only_unions(Node* node);

// WITH: each non-recursive common table expression becomes a subquery at
// each place it is read, in q and every query below it.
void inline_ctes(Query* q);

// A whole-row reference (t.*, row_to_json(t), t as a value) anywhere below node.
bool has_whole_row_var(Node* node, void* context);
// A function or SQL value function whose result changes with the clock.
bool has_time_dependence(Node* node, void* context);

// A relation's schema and name (outside guard(): errors are rethrown).
struct RelationName {
  std::string schema;
  std::string name;
};
RelationName relation_name(Oid relid);
// "schema"."name", with ONLY in front when its children are not read.
std::string qualified_relation(Oid relid, bool inherit = true);

}  // namespace pgt::frontend
