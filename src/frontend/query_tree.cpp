// Query-tree helpers: see query_tree.h.
#include "frontend/query_tree.h"

#include "common/sql_quote.h"
#include "pg/boundary.h"

extern "C" {
#include "catalog/pg_type.h"
#include "nodes/nodeFuncs.h"
#include "parser/analyze.h"
#include "parser/parser.h"
#include "rewrite/rewriteHandler.h"
#include "rewrite/rewriteManip.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
}

namespace pgt::frontend {

const Oid kDeltaParamTypes[kDeltaParamCount] = {PG_SNAPSHOTOID, XID8OID, INT8OID};

Query* parse_and_rewrite(const char* sql) {
  List* raw = raw_parser(sql, RAW_PARSE_DEFAULT);
  Query* query = parse_analyze_fixedparams(linitial_node(RawStmt, raw), sql, kDeltaParamTypes,
                                           kDeltaParamCount, nullptr);
  List* rewritten = QueryRewrite(query);
  if (list_length(rewritten) != 1) elog(ERROR, "pg_trickle: rewrite produced %d queries", list_length(rewritten));
  return linitial_node(Query, rewritten);
}

namespace {

void collect_items(Node* node, List** rtis) {
  if (node == nullptr) return;
  if (IsA(node, RangeTblRef)) {
    *rtis = lappend_int(*rtis, castNode(RangeTblRef, node)->rtindex);
  } else if (IsA(node, FromExpr)) {
    ListCell* lc;
    foreach (lc, castNode(FromExpr, node)->fromlist) collect_items(static_cast<Node*>(lfirst(lc)), rtis);
  } else if (IsA(node, JoinExpr)) {
    collect_items(castNode(JoinExpr, node)->larg, rtis);
    collect_items(castNode(JoinExpr, node)->rarg, rtis);
  } else if (IsA(node, SetOperationStmt)) {
    collect_items(castNode(SetOperationStmt, node)->larg, rtis);
    collect_items(castNode(SetOperationStmt, node)->rarg, rtis);
  }
}

// WITH: each non-recursive common table expression becomes a subquery at
// each place it is read (as the planner itself inlines them), so the delta
// rules see ordinary subqueries. Only SELECT bodies reach here; a
// MATERIALIZED one computes the same rows (volatile functions are refused).
struct CteInline {
  CommonTableExpr* cte;
  int levelsup;
};

bool inline_cte_walker(Node* node, CteInline* ctx) {
  if (node == nullptr) return false;
  if (IsA(node, Query)) {
    ctx->levelsup++;
    bool stop = query_tree_walker(castNode(Query, node), PGT_WALKER(inline_cte_walker), ctx,
                                  QTW_EXAMINE_RTES_AFTER);
    ctx->levelsup--;
    return stop;
  }
  if (IsA(node, RangeTblEntry)) {
    auto* rte = castNode(RangeTblEntry, node);
    if (rte->rtekind == RTE_CTE && static_cast<int>(rte->ctelevelsup) == ctx->levelsup &&
        strcmp(rte->ctename, ctx->cte->ctename) == 0) {
      auto* body = static_cast<Query*>(copyObjectImpl(ctx->cte->ctequery));
      if (ctx->levelsup > 0) IncrementVarSublevelsUp(reinterpret_cast<Node*>(body), ctx->levelsup, 1);
      rte->rtekind = RTE_SUBQUERY;
      rte->subquery = body;
      rte->security_barrier = false;
      rte->ctename = nullptr;
      rte->ctelevelsup = 0;
      rte->self_reference = false;
      rte->coltypes = NIL;
      rte->coltypmods = NIL;
      rte->colcollations = NIL;
    }
    return false;
  }
  return expression_tree_walker(node, PGT_WALKER(inline_cte_walker), ctx);
}

bool inline_ctes_walker(Node* node, void* ctx);

}  // namespace

// Inlines q's own CTEs (unless one is recursive), then those of every query
// below it.
void inline_ctes(Query* q) {
  bool recursive = false;
  ListCell* lc;
  foreach (lc, q->cteList) recursive = recursive || static_cast<CommonTableExpr*>(lfirst(lc))->cterecursive;
  if (!recursive && q->cteList != NIL) {
    foreach (lc, q->cteList) {
      CteInline ctx{static_cast<CommonTableExpr*>(lfirst(lc)), 0};
      query_tree_walker(q, PGT_WALKER(inline_cte_walker), &ctx, QTW_EXAMINE_RTES_AFTER);
    }
    q->cteList = NIL;
  }
  query_tree_walker(q, PGT_WALKER(inline_ctes_walker), nullptr, 0);
}

namespace {

bool inline_ctes_walker(Node* node, void* ctx) {
  if (node == nullptr) return false;
  if (IsA(node, Query)) {
    inline_ctes(castNode(Query, node));
    return false;
  }
  return expression_tree_walker(node, PGT_WALKER(inline_ctes_walker), ctx);
}

// Functions whose result changes with the clock: a stream table maintained by
// deltas cannot follow them (rows would not leave a "WHERE t > now()" window).
bool is_time_dependent_function(Oid func_id, void*) {
  return func_id == F_NOW || func_id == F_STATEMENT_TIMESTAMP || func_id == F_TRANSACTION_TIMESTAMP;
}

}  // namespace

List* from_items(Node* node) {
  List* rtis = NIL;
  collect_items(node, &rtis);
  return rtis;
}

Bitmapset* from_item_set(Node* node) {
  Bitmapset* set = nullptr;
  ListCell* lc;
  foreach (lc, from_items(node)) set = bms_add_member(set, lfirst_int(lc));
  return set;
}

Bitmapset* from_rtis(Query* q) {
  return from_item_set(q->setOperations != nullptr ? q->setOperations : reinterpret_cast<Node*>(q->jointree));
}

bool is_union_all_tree(Node* node) {
  if (node == nullptr || IsA(node, RangeTblRef)) return true;
  if (!IsA(node, SetOperationStmt)) return false;
  auto* setop = castNode(SetOperationStmt, node);
  return setop->op == SETOP_UNION && setop->all && is_union_all_tree(setop->larg) && is_union_all_tree(setop->rarg);
}

bool only_unions(Node* node) {
  if (node == nullptr || IsA(node, RangeTblRef)) return true;
  if (!IsA(node, SetOperationStmt)) return false;
  auto* setop = castNode(SetOperationStmt, node);
  return setop->op == SETOP_UNION && only_unions(setop->larg) && only_unions(setop->rarg);
}

// A whole-row reference (t.*, row_to_json(t), t as a value) anywhere: the
// subqueries a delta reads carry bookkeeping columns it would show.
bool has_whole_row_var(Node* node, void* context) {
  if (node == nullptr) return false;
  if (IsA(node, Var) && castNode(Var, node)->varattno == 0) return true;
  if (IsA(node, Query))
    return query_tree_walker(castNode(Query, node), PGT_WALKER(has_whole_row_var), context, 0);
  return expression_tree_walker(node, PGT_WALKER(has_whole_row_var), context);
}

bool has_time_dependence(Node* node, void* context) {
  if (node == nullptr) return false;
  if (IsA(node, SQLValueFunction)) {
    switch (castNode(SQLValueFunction, node)->op) {
      case SVFOP_CURRENT_DATE:
      case SVFOP_CURRENT_TIME:
      case SVFOP_CURRENT_TIME_N:
      case SVFOP_CURRENT_TIMESTAMP:
      case SVFOP_CURRENT_TIMESTAMP_N:
      case SVFOP_LOCALTIME:
      case SVFOP_LOCALTIME_N:
      case SVFOP_LOCALTIMESTAMP:
      case SVFOP_LOCALTIMESTAMP_N:
        return true;
      default:
        break;
    }
  }
  if (check_functions_in_node(node, is_time_dependent_function, context)) return true;
  if (IsA(node, Query))
    return query_tree_walker(castNode(Query, node), PGT_WALKER(has_time_dependence), context, 0);
  return expression_tree_walker(node, PGT_WALKER(has_time_dependence), context);
}

RelationName relation_name(Oid relid) {
  const char* schema = nullptr;
  const char* name = nullptr;
  pg::guard([&] {
    name = get_rel_name(relid);
    schema = name != nullptr ? get_namespace_name(get_rel_namespace(relid)) : nullptr;
    if (name == nullptr || schema == nullptr) elog(ERROR, "pg_trickle: relation %u vanished", relid);
  });
  return {schema, name};
}

std::string qualified_relation(Oid relid, bool inherit) {
  RelationName r = relation_name(relid);
  return (inherit ? "" : "ONLY ") + quote_qualified(r.schema, r.name);
}

}  // namespace pgt::frontend
