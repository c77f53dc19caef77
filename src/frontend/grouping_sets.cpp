// GROUPING SETS / CUBE / ROLLUP as one plain grouping: see grouping_sets.h.
//
// The Query-tree work runs inside one guard() on palloc'd data; the C++
// result is filled afterwards.
#include "frontend/grouping_sets.h"

#include <algorithm>

#include "frontend/grouped_derivation.h"
#include "frontend/query_tree.h"
#include "pg/boundary.h"
#include "pg/gucs.h"

extern "C" {
#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_agg.h"
#include "parser/parse_oper.h"
#include "parser/parsetree.h"
#include "rewrite/rewriteManip.h"
#include "utils/lsyscache.h"
#include "utils/ruleutils.h"
}

namespace pgt::frontend {

namespace {

// The columns of the rewritten input u, in order: __pgt_gs, the grouping
// expressions (__pgt_k<j>), the columns aggregates read (__pgt_v<i>), the
// values of each GROUPING(...) (__pgt_g<f>), then __pgt_anchor when an
// empty set needs one.
struct Rewrite {
  List* keys = NIL;       // Expr*: the grouping expressions
  List* key_clauses = NIL;  // SortGroupClause* of each key (its operators)
  List* inputs = NIL;     // Var*: columns read by aggregates
  List* groupings = NIL;  // GroupingFunc*: each distinct one
  List* sets = NIL;       // List* of int (sortgrouprefs) per grouping set
  bool anchor = false;
  const char* refused = nullptr;

  AttrNumber key_attno(int j) const { return static_cast<AttrNumber>(2 + j); }
  AttrNumber input_attno(int i) const { return static_cast<AttrNumber>(2 + list_length(keys) + i); }
  AttrNumber grouping_attno(int f) const {
    return static_cast<AttrNumber>(2 + list_length(keys) + list_length(inputs) + f);
  }
  AttrNumber anchor_attno() const {
    return static_cast<AttrNumber>(2 + list_length(keys) + list_length(inputs) + list_length(groupings));
  }
};

int index_of_var(List* vars, Var* v) {
  int i = 0;
  ListCell* lc;
  foreach (lc, vars) {
    auto* w = static_cast<Var*>(lfirst(lc));
    if (w->varno == v->varno && w->varattno == v->varattno) return i;
    i++;
  }
  return -1;
}

int index_of_equal(List* nodes, Node* node) {
  int i = 0;
  ListCell* lc;
  foreach (lc, nodes) {
    if (equal(lfirst(lc), node)) return i;
    i++;
  }
  return -1;
}

// GROUPING(args) for one set: bit (n-1-i) is set when argument i is not in
// the set (it is "grouped away").
int32 grouping_value(GroupingFunc* g, List* set) {
  int32 value = 0;
  int n = list_length(g->refs);
  int i = 0;
  ListCell* lc;
  foreach (lc, g->refs) {
    if (!list_member_int(set, lfirst_int(lc))) value |= 1 << (n - 1 - i);
    i++;
  }
  return value;
}

// Collects the columns aggregates read and each distinct GROUPING(...).
bool collect_walker(Node* node, Rewrite* r) {
  if (node == nullptr) return false;
  if (IsA(node, GroupingFunc)) {
    if (index_of_equal(r->groupings, node) < 0) r->groupings = lappend(r->groupings, node);
    return false;
  }
  if (IsA(node, Var)) {
    auto* v = castNode(Var, node);
    if (v->varlevelsup == 0 && index_of_var(r->inputs, v) < 0) r->inputs = lappend(r->inputs, v);
    return false;
  }
  return expression_tree_walker(node, PGT_WALKER(collect_walker), r);
}

struct OuterContext {
  Rewrite* r;
  bool in_aggregate;
};

Var* column_of_u(AttrNumber attno, Oid type, int32 typmod, Oid collation) {
  return makeVar(1, attno, type, typmod, collation, 0);
}

// The query's select list and HAVING over u: grouping expressions (outside
// aggregates) -> u.__pgt_k<j>, GROUPING(...) -> u.__pgt_g<f>, the columns
// inside aggregates -> u.__pgt_v<i>; each aggregate skips the anchor rows.
Node* outer_mutator(Node* node, OuterContext* c) {
  if (node == nullptr) return nullptr;
  Rewrite* r = c->r;
  if (!c->in_aggregate) {
    int j = index_of_equal(r->keys, node);
    if (j >= 0)
      return reinterpret_cast<Node*>(
          column_of_u(r->key_attno(j), exprType(node), exprTypmod(node), exprCollation(node)));
    if (IsA(node, GroupingFunc)) {
      int f = index_of_equal(r->groupings, node);
      return reinterpret_cast<Node*>(column_of_u(r->grouping_attno(f), INT4OID, -1, InvalidOid));
    }
    if (IsA(node, Aggref)) {
      OuterContext inside{r, true};
      auto* agg = reinterpret_cast<Aggref*>(expression_tree_mutator(
          node, PGT_MUTATOR(outer_mutator), &inside));
      if (r->anchor) {
        Expr* not_anchor = makeBoolExpr(
            NOT_EXPR, list_make1(column_of_u(r->anchor_attno(), BOOLOID, -1, InvalidOid)), -1);
        agg->aggfilter = agg->aggfilter == nullptr ? not_anchor
                                                   : makeBoolExpr(AND_EXPR, list_make2(agg->aggfilter, not_anchor), -1);
      }
      return reinterpret_cast<Node*>(agg);
    }
    if (IsA(node, Var)) {
      r->refused = "a select-list column that is neither grouped nor aggregated";
      return node;
    }
  } else if (IsA(node, Var) && castNode(Var, node)->varlevelsup == 0) {
    auto* v = castNode(Var, node);
    return reinterpret_cast<Node*>(
        column_of_u(r->input_attno(index_of_var(r->inputs, v)), v->vartype, v->vartypmod, v->varcollid));
  }
  return expression_tree_mutator(node, PGT_MUTATOR(outer_mutator), c);
}

TargetEntry* named(Expr* expr, int resno, const char* name) {
  return makeTargetEntry(expr, static_cast<AttrNumber>(resno), pstrdup(name), false);
}

Node* null_like(Node* expr) {
  return reinterpret_cast<Node*>(makeNullConst(exprType(expr), exprTypmod(expr), exprCollation(expr)));
}

Node* int4_const(int32 value) {
  return reinterpret_cast<Node*>(makeConst(INT4OID, -1, InvalidOid, 4, Int32GetDatum(value), false, true));
}

// The input branch of set number `number`: its grouping expressions, the
// others NULL, the columns aggregates read, the GROUPING(...) values;
// anchor: the constant row of an empty set instead (every column NULL).
char* branch_sql(Query* q, const Rewrite& r, int number, List* set, bool anchor) {
  List* targets = NIL;
  int resno = 1;
  targets = lappend(targets, named(reinterpret_cast<Expr*>(int4_const(number)), resno++, "__pgt_gs"));
  ListCell* lc;
  ListCell* cc;
  forboth (lc, r.keys, cc, r.key_clauses) {
    auto* key = static_cast<Node*>(lfirst(lc));
    bool in_set = !anchor && list_member_int(set, static_cast<SortGroupClause*>(lfirst(cc))->tleSortGroupRef);
    Node* value = in_set ? static_cast<Node*>(copyObjectImpl(key)) : null_like(key);
    targets = lappend(targets, named(reinterpret_cast<Expr*>(value), resno, psprintf("__pgt_k%d", resno)));
    resno++;
  }
  foreach (lc, r.inputs) {
    Node* v = static_cast<Node*>(lfirst(lc));
    Node* value = anchor ? null_like(v) : static_cast<Node*>(copyObjectImpl(v));
    targets = lappend(targets, named(reinterpret_cast<Expr*>(value), resno, psprintf("__pgt_v%d", resno)));
    resno++;
  }
  foreach (lc, r.groupings) {
    Node* value = int4_const(grouping_value(static_cast<GroupingFunc*>(lfirst(lc)), set));
    targets = lappend(targets, named(reinterpret_cast<Expr*>(value), resno, psprintf("__pgt_g%d", resno)));
    resno++;
  }
  if (r.anchor)
    targets = lappend(targets, named(reinterpret_cast<Expr*>(makeBoolConst(anchor, false)), resno, "__pgt_anchor"));
  if (anchor) {
    Query* constant = parse_and_rewrite("SELECT");
    constant->targetList = targets;
    return pg_get_querydef(constant, false);
  }
  Query* input = grouping_input(q, targets);
  input->groupingSets = NIL;
  return pg_get_querydef(input, false);
}

// The GROUP BY item for column attno of u (a resjunk select-list entry).
void group_by_column(Query* outer, AttrNumber attno, Oid type, int32 typmod, Oid collation,
                     SortGroupClause* like) {
  Index ref = 0;
  ListCell* lc;
  foreach (lc, outer->targetList) ref = std::max(ref, static_cast<TargetEntry*>(lfirst(lc))->ressortgroupref);
  TargetEntry* tle = makeTargetEntry(reinterpret_cast<Expr*>(column_of_u(attno, type, typmod, collation)),
                                     static_cast<AttrNumber>(list_length(outer->targetList) + 1), nullptr, true);
  tle->ressortgroupref = ref + 1;
  outer->targetList = lappend(outer->targetList, tle);
  SortGroupClause* sgc = makeNode(SortGroupClause);
  sgc->tleSortGroupRef = ref + 1;
  if (like != nullptr) {
    sgc->eqop = like->eqop;
    sgc->sortop = like->sortop;
    sgc->hashable = like->hashable;
  } else {
    get_sort_group_operators(type, true, true, false, &sgc->sortop, &sgc->eqop, nullptr, &sgc->hashable);
  }
  sgc->nulls_first = false;
  outer->groupClause = lappend(outer->groupClause, sgc);
}

}  // namespace

QueryRewrite rewrite_grouping_sets(Query* q) {
  const char* refused = nullptr;
  char* sql = nullptr;
  pg::guard([&] {
    if (q->hasWindowFuncs) refused = "window functions over GROUPING SETS / CUBE / ROLLUP";
    else if (q->limitCount != nullptr || q->limitOffset != nullptr) refused = "LIMIT over GROUPING SETS / CUBE / ROLLUP";
    else if (q->distinctClause != NIL) refused = "DISTINCT over GROUPING SETS / CUBE / ROLLUP";
    else if (q->hasTargetSRFs) refused = "set-returning functions in the select list";
    else if (checkExprHasSubLink(reinterpret_cast<Node*>(q->targetList)) || checkExprHasSubLink(q->havingQual))
      refused = "subqueries in the select list or HAVING";
    if (refused != nullptr) return;
    Rewrite r;
    r.sets = expand_grouping_sets(q->groupingSets, q->groupDistinct, guc::max_grouping_set_branches);
    if (r.sets == NIL) {
      refused = psprintf("more than %d grouping sets (pg_trickle.max_grouping_set_branches)",
                         guc::max_grouping_set_branches);
      return;
    }
    ListCell* lc;
    foreach (lc, q->groupClause) {
      auto* sgc = static_cast<SortGroupClause*>(lfirst(lc));
      r.keys = lappend(r.keys, get_sortgroupclause_expr(sgc, q->targetList));
      r.key_clauses = lappend(r.key_clauses, sgc);
    }
    foreach (lc, r.sets)
      if (lfirst(lc) == NIL) r.anchor = true;
    collect_walker(reinterpret_cast<Node*>(q->targetList), &r);
    collect_walker(q->havingQual, &r);

    // The input: one branch per set, and an anchor row per empty set.
    StringInfoData input;
    initStringInfo(&input);
    int number = 0;
    foreach (lc, r.sets) {
      List* set = static_cast<List*>(lfirst(lc));
      if (number > 0) appendStringInfoString(&input, " UNION ALL ");
      appendStringInfoString(&input, branch_sql(q, r, number, set, false));
      if (set == NIL) {
        appendStringInfoString(&input, " UNION ALL ");
        appendStringInfoString(&input, branch_sql(q, r, number, set, true));
      }
      number++;
    }

    // The grouping over it, with the query's select list and HAVING.
    Query* outer = parse_and_rewrite(psprintf("SELECT FROM (%s) u", input.data));
    OuterContext c{&r, false};
    List* targets = NIL;
    foreach (lc, q->targetList) {
      if (static_cast<TargetEntry*>(lfirst(lc))->resjunk) continue;  // (ORDER BY, GROUP BY: rebuilt)
      auto* tle = static_cast<TargetEntry*>(copyObjectImpl(lfirst(lc)));
      tle->expr = reinterpret_cast<Expr*>(outer_mutator(reinterpret_cast<Node*>(tle->expr), &c));
      tle->ressortgroupref = 0;
      tle->resorigtbl = InvalidOid;
      tle->resorigcol = 0;
      targets = lappend(targets, tle);
    }
    outer->targetList = targets;
    outer->havingQual = outer_mutator(q->havingQual, &c);
    if (r.refused != nullptr) {
      refused = r.refused;
      return;
    }
    outer->hasAggs = q->hasAggs;
    group_by_column(outer, 1, INT4OID, -1, InvalidOid, nullptr);
    int j = 0;
    ListCell* cc;
    forboth (lc, r.keys, cc, r.key_clauses) {
      auto* key = static_cast<Node*>(lfirst(lc));
      group_by_column(outer, r.key_attno(j++), exprType(key), exprTypmod(key), exprCollation(key),
                      static_cast<SortGroupClause*>(lfirst(cc)));
    }
    for (int f = 0; f < list_length(r.groupings); f++)
      group_by_column(outer, r.grouping_attno(f), INT4OID, -1, InvalidOid, nullptr);
    sql = pg_get_querydef(outer, false);
  });
  return QueryRewrite::from(refused, sql);
}

}  // namespace pgt::frontend
