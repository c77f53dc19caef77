// Partition columns and leaves of nested groupings: see partition_derivation.h.
//
// The Query-tree walk runs inside one guard() on palloc'd data (leaves as
// C strings in a List); the C++ result is filled afterwards.
#include "frontend/partition_derivation.h"

#include <algorithm>
#include <cstdint>
#include <optional>

#include "frontend/grouped_derivation.h"
#include "frontend/query_tree.h"
#include "frontend/value_identity.h"
#include "pg/boundary.h"

extern "C" {
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "rewrite/rewriteManip.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/ruleutils.h"
#include "utils/typcache.h"
}

namespace pgt::frontend {

namespace {

// The apply statement's parameter holding the touched identities ($4).
constexpr int kFirstParam = dvm::kPartitionFirstParam;

// What a walk down the query found.
struct Trace {
  List* leaves = NIL;             // char*: each leaf's SQL
  const char* refused = nullptr;  // a construct no partition column gets through
  // When set (the partition column's type), each leaf of that type gets the
  // restriction to the touched partitions in its WHERE (see restrict_leaf).
  Oid restrict_type = InvalidOid;
};

bool is_set_operation_leaf_pair(Node* setops) {
  auto* root = castNode(SetOperationStmt, setops);
  return (root->op == SETOP_INTERSECT || root->op == SETOP_EXCEPT) && IsA(root->larg, RangeTblRef) &&
         IsA(root->rarg, RangeTblRef);
}

bool has_limit(Query* q) { return q->limitCount != nullptr || q->limitOffset != nullptr; }

// The value of a constant LIMIT / OFFSET expression; nullopt for anything
// else (and for LIMIT ALL / NULL, which keeps every row).
std::optional<int64_t> constant_count(Node* expr) {
  if (expr != nullptr) expr = eval_const_expressions(nullptr, expr);  // (LIMIT 5 is int8(5))
  if (expr == nullptr || !IsA(expr, Const) || castNode(Const, expr)->constisnull) return std::nullopt;
  auto* c = castNode(Const, expr);
  if (c->consttype == INT8OID) return DatumGetInt64(c->constvalue);
  if (c->consttype == INT4OID) return DatumGetInt32(c->constvalue);
  return std::nullopt;
}

// See PartitionDerivation::largest_limit.
int64_t largest_limit(Query* q) {
  int64_t largest = -1;
  if (has_limit(q)) {
    std::optional<int64_t> count = constant_count(q->limitCount);
    std::optional<int64_t> offset = q->limitOffset == nullptr ? std::optional<int64_t>(0) : constant_count(q->limitOffset);
    largest = count && offset ? *count + *offset : INT64_MAX;
  }
  ListCell* lc;
  foreach (lc, q->rtable) {
    auto* rte = static_cast<RangeTblEntry*>(lfirst(lc));
    if (rte->rtekind == RTE_SUBQUERY && rte->subquery != nullptr) largest = std::max(largest, largest_limit(rte->subquery));
  }
  return largest;
}

// Whether the query's result rows each depend on a group of its input rows:
// a grouping (DISTINCT ON too: the first row of each group), window
// functions (a row's value depends on its window partition), or a LIMIT
// (whether a row is kept depends on the others).
// Each is maintained only by partition rescan.
bool combines_rows(Query* q) { return is_grouping_query(q) || q->hasWindowFuncs || has_limit(q); }

// Whether a subquery the query reads (FROM, set-operation branch) groups or
// has window functions, at any depth.
bool grouping_below(Query* q) {
  ListCell* lc;
  foreach (lc, q->rtable) {
    auto* rte = static_cast<RangeTblEntry*>(lfirst(lc));
    if (rte->rtekind != RTE_SUBQUERY || rte->subquery == nullptr) continue;
    if (combines_rows(rte->subquery) || grouping_below(rte->subquery)) return true;
  }
  return false;
}

// The items on the nullable side of an outer join.
void collect_nullable(Node* node, Bitmapset** nullable) {
  if (node == nullptr) return;
  if (IsA(node, FromExpr)) {
    ListCell* lc;
    foreach (lc, castNode(FromExpr, node)->fromlist) collect_nullable(static_cast<Node*>(lfirst(lc)), nullable);
  } else if (IsA(node, JoinExpr)) {
    auto* join = castNode(JoinExpr, node);
    if (join->jointype == JOIN_LEFT || join->jointype == JOIN_FULL)
      *nullable = bms_add_members(*nullable, from_item_set(join->rarg));
    if (join->jointype == JOIN_RIGHT || join->jointype == JOIN_FULL)
      *nullable = bms_add_members(*nullable, from_item_set(join->larg));
    collect_nullable(join->larg, nullable);
    collect_nullable(join->rarg, nullable);
  }
}

// The column a plain reference stands for, through join aliases; nullptr
// for anything else (a FULL JOIN's merged USING column is a COALESCE).
Var* base_var(Query* q, Node* node) {
  for (;;) {
    while (node != nullptr && IsA(node, RelabelType)) node = reinterpret_cast<Node*>(castNode(RelabelType, node)->arg);
    if (node == nullptr || !IsA(node, Var)) return nullptr;
    auto* var = castNode(Var, node);
    if (var->varlevelsup != 0 || var->varattno <= 0) return nullptr;
    RangeTblEntry* rte = rt_fetch(var->varno, q->rtable);
    if (rte->rtekind != RTE_JOIN) return var;
    node = static_cast<Node*>(list_nth(rte->joinaliasvars, var->varattno - 1));
  }
}

// Equalities (the type's own "=") between columns of two items that hold for
// every row the query makes from a given row of the partitioning item: the
// WHERE clause and inner joins' ON; an outer join's ON only where it reads
// the nullable side (it decides the partners, not the preserved rows).
void collect_links(Query* q, Node* node, List** links) {
  if (node == nullptr) return;
  Node* quals = nullptr;
  Bitmapset* nullable_side = nullptr;
  if (IsA(node, FromExpr)) {
    auto* from = castNode(FromExpr, node);
    quals = from->quals;
    ListCell* lc;
    foreach (lc, from->fromlist) collect_links(q, static_cast<Node*>(lfirst(lc)), links);
  } else if (IsA(node, JoinExpr)) {
    auto* join = castNode(JoinExpr, node);
    quals = join->quals;
    if (join->jointype == JOIN_LEFT || join->jointype == JOIN_FULL) nullable_side = bms_add_members(nullable_side, from_item_set(join->rarg));
    if (join->jointype == JOIN_RIGHT || join->jointype == JOIN_FULL) nullable_side = bms_add_members(nullable_side, from_item_set(join->larg));
    if (join->jointype != JOIN_INNER && nullable_side == nullptr) return;
    collect_links(q, join->larg, links);
    collect_links(q, join->rarg, links);
  }
  if (quals == nullptr) return;
  ListCell* lc;
  foreach (lc, make_ands_implicit(reinterpret_cast<Expr*>(quals))) {
    Node* conjunct = static_cast<Node*>(lfirst(lc));
    if (!IsA(conjunct, OpExpr) || list_length(castNode(OpExpr, conjunct)->args) != 2) continue;
    auto* op = castNode(OpExpr, conjunct);
    Var* l = base_var(q, static_cast<Node*>(linitial(op->args)));
    Var* r = base_var(q, static_cast<Node*>(lsecond(op->args)));
    if (l == nullptr || r == nullptr || l->vartype != r->vartype) continue;
    if (lookup_type_cache(l->vartype, TYPECACHE_EQ_OPR)->eq_opr != op->opno) continue;
    if (OidIsValid(op->inputcollid) && !get_collation_isdeterministic(op->inputcollid)) continue;
    if (nullable_side != nullptr && !bms_is_member(l->varno, nullable_side) && !bms_is_member(r->varno, nullable_side))
      continue;
    *links = lappend(*links, list_make2(l, r));
  }
}

// Whether an output is a key of the query's grouping (every grouping clause
// it has), compared by its type's own "=".
bool is_grouping_key(Query* q, TargetEntry* tle) {
  if (tle->ressortgroupref == 0 || (q->groupClause == NIL && q->distinctClause == NIL)) return false;
  Oid eq = lookup_type_cache(exprType(reinterpret_cast<Node*>(tle->expr)), TYPECACHE_EQ_OPR)->eq_opr;
  for (List* clause : {q->groupClause, q->distinctClause}) {
    if (clause == NIL) continue;
    SortGroupClause* sgc = get_sortgroupref_clause_noerr(tle->ressortgroupref, clause);
    if (sgc == nullptr || sgc->eqop != eq) return false;
  }
  return true;
}

// Whether an output is in the PARTITION BY of every window of the query,
// compared by its type's own "=" (rows with different values of it are then
// never in one window partition).
bool is_window_partition_key(Query* q, TargetEntry* tle) {
  if (tle->ressortgroupref == 0) return false;
  Oid eq = lookup_type_cache(exprType(reinterpret_cast<Node*>(tle->expr)), TYPECACHE_EQ_OPR)->eq_opr;
  ListCell* lc;
  foreach (lc, q->windowClause) {
    auto* window = castNode(WindowClause, lfirst(lc));
    SortGroupClause* sgc = get_sortgroupref_clause_noerr(tle->ressortgroupref, window->partitionClause);
    if (sgc == nullptr || sgc->eqop != eq) return false;
  }
  return true;
}

// The query's input: the partition value of each row (__pgt_p), then every
// column the query reads (so that change capture records changes to them).
char* leaf_sql(Query* q, Expr* partition) {
  List* targets = list_make1(makeTargetEntry(static_cast<Expr*>(copyObjectImpl(partition)), 1, pstrdup("__pgt_p"), false));
  List* read = pull_var_clause(reinterpret_cast<Node*>(list_make2(q->targetList, q->havingQual)),
                               PVC_RECURSE_AGGREGATES | PVC_RECURSE_WINDOWFUNCS | PVC_RECURSE_PLACEHOLDERS);
  ListCell* lc;
  foreach (lc, read)
    targets = lappend(targets, makeTargetEntry(static_cast<Expr*>(copyObjectImpl(lfirst(lc))),
                                               static_cast<AttrNumber>(list_length(targets) + 1),
                                               psprintf("__pgt_v%d", list_length(targets)), false));
  Query* leaf = grouping_input(q, targets);
  return pg_get_querydef(leaf, false);
}

// A table next to a grouped subquery: its partition value and the columns
// the query reads from it.
char* relation_leaf_sql(Query* q, RangeTblEntry* rte, AttrNumber attno) {
  (void)q;  // read by pgt_rte_selected_cols on PostgreSQL 16+
  StringInfoData select;
  initStringInfo(&select);
  if (attno > 0) appendStringInfo(&select, "x.%s AS __pgt_p", quote_identifier(get_attname(rte->relid, attno, false)));
  else appendStringInfoString(&select, "true AS __pgt_p");
  Bitmapset* cols = pgt_rte_selected_cols(q, rte);
  int member = -1;
  while ((member = bms_next_member(cols, member)) >= 0) {
    AttrNumber read = static_cast<AttrNumber>(member + FirstLowInvalidHeapAttributeNumber);
    if (read > 0) appendStringInfo(&select, ", x.%s", quote_identifier(get_attname(rte->relid, read, false)));
  }
  return psprintf("SELECT %s FROM %s%s.%s x", select.data, rte->inh ? "" : "ONLY ",
                  quote_identifier(get_namespace_name(get_rel_namespace(rte->relid))),
                  quote_identifier(get_rel_name(rte->relid)));
}

Param* extern_param(int id, Oid type) {
  Param* p = makeNode(Param);
  p->paramkind = PARAM_EXTERN;
  p->paramid = id;
  p->paramtype = type;
  p->paramtypmod = -1;
  p->paramcollid = type == TEXTOID ? DEFAULT_COLLATION_OID : InvalidOid;
  p->location = -1;
  return p;
}

// Adds "value = ANY ($5::text::T[]) OR (value IS NULL AND $6)" to a leaf's
// WHERE: the touched partitions (parameters of the apply statement, see
// dvm/partition_sql.h). PostgreSQL pushes such a condition on the result
// down through groupings, but not into EXCEPT; here it is at the scans.
void restrict_leaf(Query* leaf, Expr* value) {
  Oid type = exprType(reinterpret_cast<Node*>(value));
  CoerceViaIO* values = makeNode(CoerceViaIO);
  values->arg = reinterpret_cast<Expr*>(extern_param(kFirstParam + 1, TEXTOID));
  values->resulttype = get_array_type(type);
  values->resultcollid = exprCollation(reinterpret_cast<Node*>(value));
  values->coerceformat = COERCE_EXPLICIT_CAST;
  values->location = -1;
  ScalarArrayOpExpr* any = makeNode(ScalarArrayOpExpr);
  any->opno = lookup_type_cache(type, TYPECACHE_EQ_OPR)->eq_opr;
  any->opfuncid = get_opcode(any->opno);
  any->useOr = true;
  any->inputcollid = exprCollation(reinterpret_cast<Node*>(value));
  any->args = list_make2(copyObjectImpl(value), values);
  any->location = -1;
  NullTest* is_null = makeNode(NullTest);
  is_null->arg = static_cast<Expr*>(copyObjectImpl(value));
  is_null->nulltesttype = IS_NULL;
  is_null->location = -1;
  Expr* null_touched = makeBoolExpr(AND_EXPR, list_make2(is_null, extern_param(kFirstParam + 2, BOOLOID)), -1);
  Expr* restriction = makeBoolExpr(OR_EXPR, list_make2(any, null_touched), -1);
  leaf->jointree->quals = leaf->jointree->quals == nullptr
                              ? reinterpret_cast<Node*>(restriction)
                              : reinterpret_cast<Node*>(makeBoolExpr(AND_EXPR, list_make2(leaf->jointree->quals, restriction), -1));
}

bool same_column(Var* a, Var* b) { return a->varno == b->varno && a->varattno == b->varattno; }

bool has_column(List* vars, Var* v) {
  ListCell* lc;
  foreach (lc, vars)
    if (same_column(static_cast<Var*>(lfirst(lc)), v)) return true;
  return false;
}

bool trace(Query* q, AttrNumber attno, Trace* t);

// An item of a FROM clause above a grouping, by its column attno (0: none).
bool trace_item(Query* q, int rti, AttrNumber attno, Trace* t) {
  RangeTblEntry* rte = rt_fetch(rti, q->rtable);
  if (rte->rtekind == RTE_RELATION) {
    t->leaves = lappend(t->leaves, relation_leaf_sql(q, rte, attno));
    return true;
  }
  if (rte->rtekind != RTE_SUBQUERY) {
    t->refused = "functions or VALUES in FROM next to a grouped subquery";
    return false;
  }
  if (rte->lateral) {
    t->refused = "LATERAL subqueries next to a grouped subquery";
    return false;
  }
  return trace(rte->subquery, attno, t);
}

// Walks q (by its output attno, or 0: structure only), adding its leaves.
// False when that output does not partition q, or the structure is refused.
bool trace(Query* q, AttrNumber attno, Trace* t) {
  // ORDER BY ... LIMIT (top-k): a change anywhere can move the boundary,
  // so no column partitions its result.
  if (has_limit(q) && q->sortClause == NIL) t->refused = "LIMIT without ORDER BY";
  else if (has_limit(q) && attno > 0) return false;
  else if (q->cteList != NIL) t->refused = "WITH (common table expressions)";
  else if (q->groupingSets != NIL) t->refused = "GROUPING SETS / CUBE / ROLLUP";
  else if (q->hasTargetSRFs) t->refused = "set-returning functions in the select list";
  if (t->refused != nullptr) return false;
  ListCell* lc;
  if (q->setOperations != nullptr) {
    // Rows are combined by their whole value: by each column alike.
    foreach (lc, from_items(q->setOperations))
      if (!trace(rt_fetch(lfirst_int(lc), q->rtable)->subquery, attno, t)) return false;
    return true;
  }
  TargetEntry* tle = attno > 0 ? get_tle_by_resno(q->targetList, attno) : nullptr;
  if (attno > 0 && (tle == nullptr || tle->resjunk)) return false;
  if (tle != nullptr && is_grouping_query(q) && !is_grouping_key(q, tle)) return false;
  if (tle != nullptr && q->hasWindowFuncs && !is_window_partition_key(q, tle)) return false;
  if (!grouping_below(q)) {
    // A leaf: its input is select-project-join (or says why not).
    if (checkExprHasSubLink(reinterpret_cast<Node*>(q->targetList)) || checkExprHasSubLink(q->havingQual)) {
      t->refused = "subqueries in the select list or HAVING of a query below a grouping";
      return false;
    }
    Expr* value = tle != nullptr ? tle->expr : reinterpret_cast<Expr*>(makeBoolConst(true, false));
    t->leaves = lappend(t->leaves, leaf_sql(q, value));
    if (tle != nullptr && OidIsValid(t->restrict_type) && exprType(reinterpret_cast<Node*>(value)) == t->restrict_type)
      restrict_leaf(q, value);
    return true;
  }
  if (q->hasSubLinks) {
    t->refused = "subqueries in expressions above a grouped subquery";
    return false;
  }
  List* items = from_items(reinterpret_cast<Node*>(q->jointree));
  if (tle == nullptr) {
    foreach (lc, items)
      if (!trace_item(q, lfirst_int(lc), 0, t)) return false;
    return true;
  }
  // The partition value is a column of one item, not on the nullable side
  // of an outer join; every other item joins it on equal values.
  Var* var = base_var(q, reinterpret_cast<Node*>(tle->expr));
  if (var == nullptr) return false;
  Bitmapset* nullable = nullptr;
  collect_nullable(reinterpret_cast<Node*>(q->jointree), &nullable);
  if (bms_is_member(var->varno, nullable)) return false;
  List* links = NIL;
  collect_links(q, reinterpret_cast<Node*>(q->jointree), &links);
  List* members = list_make1(var);
  for (bool grew = true; grew;) {
    grew = false;
    foreach (lc, links) {
      auto* l = static_cast<Var*>(linitial(static_cast<List*>(lfirst(lc))));
      auto* r = static_cast<Var*>(lsecond(static_cast<List*>(lfirst(lc))));
      bool has_l = has_column(members, l), has_r = has_column(members, r);
      if (has_l == has_r) continue;
      members = lappend(members, has_l ? r : l);
      grew = true;
    }
  }
  foreach (lc, items) {
    int rti = lfirst_int(lc);
    AttrNumber column = 0;
    ListCell* mc;
    foreach (mc, members)
      if (static_cast<Var*>(lfirst(mc))->varno == rti) column = static_cast<Var*>(lfirst(mc))->varattno;
    if (column == 0 || !trace_item(q, rti, column, t)) return false;
  }
  return true;
}

}  // namespace

bool needs_partition_rescan(Query* q) {
  if (q->hasWindowFuncs || has_limit(q) || q->hasDistinctOn) return true;
  if (q->setOperations != nullptr && !only_unions(q->setOperations) && !is_set_operation_leaf_pair(q->setOperations))
    return true;
  if (q->setOperations == nullptr && q->distinctClause != NIL && (q->hasAggs || q->groupClause != NIL)) return true;
  return grouping_below(q);
}

PartitionDerivation derive_partition(Query* q) {
  PartitionDerivation result;
  const char* refused = nullptr;
  List* leaves = NIL;
  int column = -1;
  const char* type_sql = nullptr;
  const char* restricted_sql = nullptr;
  dvm::KeyText key_text = dvm::KeyText::Plain;
  pg::guard([&] {
    result.largest_limit = largest_limit(q);
    Trace structure;
    if (!trace(q, 0, &structure)) {
      refused = structure.refused != nullptr ? structure.refused : "a grouping below another operator";
      return;
    }
    leaves = structure.leaves;
    ListCell* lc;
    int i = 0;
    foreach (lc, q->targetList) {
      auto* tle = static_cast<TargetEntry*>(lfirst(lc));
      if (tle->resjunk) continue;
      Node* expr = reinterpret_cast<Node*>(tle->expr);
      Oid type = exprType(expr);
      dvm::KeyText kind = dvm::KeyText::Plain;
      Trace by_column;
      by_column.restrict_type = type;
      Query* restricted = static_cast<Query*>(copyObjectImpl(q));
      if (key_text_of(type, exprCollation(expr), &kind) == nullptr && OidIsValid(get_array_type(type)) &&
          type_has_equality(type) && trace(restricted, tle->resno, &by_column)) {
        column = i;
        leaves = by_column.leaves;
        restricted_sql = pg_get_querydef(restricted, false);
        key_text = kind;
        // Without a modifier, and bpchar not "character" (which means char(1)).
        type_sql = format_type_extended(type, -1, FORMAT_TYPE_TYPEMOD_GIVEN | FORMAT_TYPE_FORCE_QUALIFY);
        return;
      }
      i++;
    }
  });
  if (refused != nullptr) {
    result.not_differentiable_because = refused;
    return result;
  }
  result.column = column;
  result.key_text = key_text;
  if (type_sql != nullptr) result.type_sql = type_sql;
  if (restricted_sql != nullptr) result.restricted_sql = restricted_sql;
  ListCell* lc;
  foreach (lc, leaves) result.leaf_sql.emplace_back(static_cast<const char*>(lfirst(lc)));
  return result;
}

}  // namespace pgt::frontend
