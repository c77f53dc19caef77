// Set-returning functions in the select list: see target_srfs.h.
//
// The Query-tree work runs inside one guard() on palloc'd data.
#include "frontend/target_srfs.h"

#include "pg/boundary.h"

extern "C" {
#include "funcapi.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "utils/ruleutils.h"
}

namespace pgt::frontend {

namespace {

struct Collect {
  Index rti;                   // the new FROM entry
  List* functions = NIL;       // RangeTblFunction*
  List* names = NIL;           // String*: its columns
  const char* refused = nullptr;
};

bool returns_set(Node* node) {
  return (IsA(node, FuncExpr) && castNode(FuncExpr, node)->funcretset) ||
         (IsA(node, OpExpr) && castNode(OpExpr, node)->opretset);
}

// Each set-returning call becomes a column of the new entry.
Node* srf_mutator(Node* node, Collect* c) {
  if (node == nullptr) return nullptr;
  if (returns_set(node)) {
    List* args = IsA(node, FuncExpr) ? castNode(FuncExpr, node)->args : castNode(OpExpr, node)->args;
    if (expression_returns_set(reinterpret_cast<Node*>(args))) {
      c->refused = "a set-returning function inside another one's arguments";
      return node;
    }
    Oid type;
    TupleDesc desc;
    if (get_expr_result_type(node, &type, &desc) != TYPEFUNC_SCALAR) {
      c->refused = "a set-returning function returning rows in the select list";
      return node;
    }
    RangeTblFunction* f = makeNode(RangeTblFunction);
    f->funcexpr = node;
    f->funccolcount = 1;
    c->functions = lappend(c->functions, f);
    int column = list_length(c->functions);
    c->names = lappend(c->names, makeString(psprintf("__pgt_f%d", column)));
    return reinterpret_cast<Node*>(
        makeVar(static_cast<int>(c->rti), static_cast<AttrNumber>(column), exprType(node), exprTypmod(node),
                exprCollation(node), 0));
  }
  return expression_tree_mutator(node, PGT_MUTATOR(srf_mutator), c);
}

}  // namespace

QueryRewrite rewrite_target_srfs(Query* q) {
  const char* refused = nullptr;
  char* sql = nullptr;
  pg::guard([&] {
    if (q->hasAggs || q->groupClause != NIL || q->groupingSets != NIL || q->havingQual != nullptr ||
        q->distinctClause != NIL || q->hasWindowFuncs || q->setOperations != nullptr ||
        q->limitCount != nullptr || q->limitOffset != nullptr) {
      // (They run after the functions expand the rows.)
      refused = "set-returning functions in the select list of a grouping, DISTINCT, window, LIMIT or set "
                "operation";
      return;
    }
    Collect c;
    c.rti = static_cast<Index>(list_length(q->rtable) + 1);
    ListCell* lc;
    foreach (lc, q->targetList) {
      auto* tle = static_cast<TargetEntry*>(lfirst(lc));
      tle->expr = reinterpret_cast<Expr*>(srf_mutator(reinterpret_cast<Node*>(tle->expr), &c));
    }
    if (c.refused != nullptr) {
      refused = c.refused;
      return;
    }
    RangeTblEntry* rte = makeNode(RangeTblEntry);
    rte->rtekind = RTE_FUNCTION;
    rte->functions = c.functions;
    rte->funcordinality = false;
    rte->alias = makeAlias("__pgt_srf", NIL);
    rte->eref = makeAlias("__pgt_srf", c.names);
    rte->lateral = true;
    rte->inh = false;
    rte->inFromCl = true;
    q->rtable = lappend(q->rtable, rte);
    RangeTblRef* ref = makeNode(RangeTblRef);
    ref->rtindex = static_cast<int>(c.rti);
    q->jointree->fromlist = lappend(q->jointree->fromlist, ref);
    q->hasTargetSRFs = false;
    q->sortClause = NIL;  // (row order means nothing to a stored table)
    sql = pg_get_querydef(q, false);
  });
  return QueryRewrite::from(refused, sql);
}

}  // namespace pgt::frontend
