// Delta derivation by substitution in the Query tree: see delta_derivation.h.
//
// The PostgreSQL-facing work runs inside guard() on Query trees and plain C
// data; C++ strings are assembled outside, between guarded calls.
#include "frontend/delta_derivation.h"
#include "dvm/delta_sql.h"

#include <tuple>

#include "frontend/grouped_derivation.h"
#include "frontend/outer_join_expansion.h"
#include "frontend/partition_derivation.h"
#include "frontend/value_identity.h"

#include <algorithm>

#include "common/sql_quote.h"
#include "common/user_error.h"
#include "dvm/sql_text.h"
#include "pg/boundary.h"

extern "C" {
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_inherits.h"
#include "catalog/catalog.h"
#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "parser/analyze.h"
#include "parser/parser.h"
#include "rewrite/rewriteHandler.h"
#include "rewrite/rewriteManip.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"
#include "utils/typcache.h"
}

namespace pgt::frontend {

const Oid kDeltaParamTypes[kDeltaParamCount] = {PG_SNAPSHOTOID, XID8OID, INT8OID};

namespace {

constexpr const char* kIdColumn = "__pgt_id";
constexpr const char* kWeightColumn = "__pgt_w";

// ---------------------------------------------------------------------------
// Plain-C helpers over Query trees (called inside guard()).

Query* parse_and_rewrite(const char* sql) {
  List* raw = raw_parser(sql, RAW_PARSE_DEFAULT);
  Query* query = parse_analyze_fixedparams(linitial_node(RawStmt, raw), sql, kDeltaParamTypes,
                                           kDeltaParamCount, nullptr);
  List* rewritten = QueryRewrite(query);
  if (list_length(rewritten) != 1) elog(ERROR, "pg_trickle: rewrite produced %d queries", list_length(rewritten));
  return linitial_node(Query, rewritten);
}

void collect_from_rtis(Node* node, Bitmapset** rtis) {
  if (node == nullptr) return;
  if (IsA(node, RangeTblRef)) {
    *rtis = bms_add_member(*rtis, reinterpret_cast<RangeTblRef*>(node)->rtindex);
  } else if (IsA(node, FromExpr)) {
    ListCell* lc;
    foreach (lc, reinterpret_cast<FromExpr*>(node)->fromlist)
      collect_from_rtis(static_cast<Node*>(lfirst(lc)), rtis);
  } else if (IsA(node, JoinExpr)) {
    auto* join = reinterpret_cast<JoinExpr*>(node);
    collect_from_rtis(join->larg, rtis);
    collect_from_rtis(join->rarg, rtis);
  } else if (IsA(node, SetOperationStmt)) {
    auto* setop = reinterpret_cast<SetOperationStmt*>(node);
    collect_from_rtis(setop->larg, rtis);
    collect_from_rtis(setop->rarg, rtis);
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
    bool stop = query_tree_walker(reinterpret_cast<Query*>(node), PGT_WALKER(inline_cte_walker), ctx,
                                  QTW_EXAMINE_RTES_AFTER);
    ctx->levelsup--;
    return stop;
  }
  if (IsA(node, RangeTblEntry)) {
    auto* rte = reinterpret_cast<RangeTblEntry*>(node);
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

bool inline_ctes_walker(Node* node, void* ctx) {
  if (node == nullptr) return false;
  if (IsA(node, Query)) {
    inline_ctes(reinterpret_cast<Query*>(node));
    return false;
  }
  return expression_tree_walker(node, PGT_WALKER(inline_ctes_walker), ctx);
}

// The entries a query reads: its FROM clause, or the branches of a set operation.
Bitmapset* from_rtis(Query* q) {
  Bitmapset* rtis = nullptr;
  collect_from_rtis(q->setOperations != nullptr ? q->setOperations : reinterpret_cast<Node*>(q->jointree), &rtis);
  return rtis;
}

// UNION ALL is a sum of its branches (multilinear like a join); other set
// operations are not.
bool is_union_all_tree(Node* node) {
  if (node == nullptr || IsA(node, RangeTblRef)) return true;
  if (!IsA(node, SetOperationStmt)) return false;
  auto* setop = reinterpret_cast<SetOperationStmt*>(node);
  return setop->op == SETOP_UNION && setop->all && is_union_all_tree(setop->larg) && is_union_all_tree(setop->rarg);
}

// Appends a column of the given type to every node of a set operation tree.
void add_setop_column(Node* node, Oid type, Oid collation) {
  if (node == nullptr || !IsA(node, SetOperationStmt)) return;
  auto* setop = reinterpret_cast<SetOperationStmt*>(node);
  setop->colTypes = lappend_oid(setop->colTypes, type);
  setop->colTypmods = lappend_int(setop->colTypmods, -1);
  setop->colCollations = lappend_oid(setop->colCollations, collation);
  add_setop_column(setop->larg, type, collation);
  add_setop_column(setop->rarg, type, collation);
}

// Calls fn(rti, rte) for each range-table entry the query's FROM clause reads
// (join entries included), in range-table order; stops at the first non-null
// result of fn and returns it. Entries outside FROM (the OLD/NEW placeholders
// of a PostgreSQL 15 view) are skipped.
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

// Why (if at all) a query is not select-project-join over tables. Returns a
// static phrase, and the relation concerned where there is one.
// top: outer joins of the top level are allowed (see outer_join_expansion.h).
const char* not_spj_reason(Query* q, Oid* relid, bool top = false) {
  if (q->hasAggs || q->groupClause != nullptr || q->groupingSets != nullptr || q->havingQual != nullptr)
    return "aggregates and GROUP BY";
  if (q->hasWindowFuncs) return "window functions";
  if (q->distinctClause != nullptr) return "DISTINCT";
  if (q->setOperations != nullptr && !is_union_all_tree(q->setOperations))
    return "UNION / INTERSECT / EXCEPT below the top level";
  if (q->hasSubLinks && !top) return "subqueries in expressions (EXISTS, IN, scalar subqueries) in a subquery";
  if (q->hasTargetSRFs) return "set-returning functions in the select list";
  if (q->cteList != nullptr) return "WITH (common table expressions)";
  if (q->limitCount != nullptr || q->limitOffset != nullptr) return "LIMIT / OFFSET";
  return for_each_from_entry(q, [&](int, RangeTblEntry* rte) -> const char* {
    switch (rte->rtekind) {
      case RTE_RELATION: {
        *relid = rte->relid;
        if (rte->relkind == RELKIND_MATVIEW) return "a materialized view as a source";
        if (rte->relkind == RELKIND_FOREIGN_TABLE) return "a foreign table as a source";
        // Statement triggers on a partitioned or inheritance parent do not see
        // statements aimed at its partitions or children directly.
        if (rte->relkind == RELKIND_PARTITIONED_TABLE) return "a partitioned table as a source";
        if (rte->relkind != RELKIND_RELATION) return "a source that is not a table";
        if (rte->inh && has_subclass(rte->relid)) return "a table with inheritance children as a source";
        if (get_rel_relispartition(rte->relid)) return "a partition as a source";
        // Statements on its parent change its rows without firing its
        // statement triggers.
        if (has_superclass(rte->relid)) return "an inheritance child as a source";
        HeapTuple tup = SearchSysCache1(RELOID, ObjectIdGetDatum(rte->relid));
        bool rls = HeapTupleIsValid(tup) && reinterpret_cast<Form_pg_class>(GETSTRUCT(tup))->relrowsecurity;
        if (HeapTupleIsValid(tup)) ReleaseSysCache(tup);
        if (rls) return "row-level security on a source";
        // Catalogs are written without triggers: their changes cannot be
        // captured (system catalogs refuse triggers; pg_trickle writes its
        // own catalog in C, bypassing them).
        Oid nsp = get_rel_namespace(rte->relid);
        if (IsCatalogNamespace(nsp) || IsToastNamespace(nsp)) return "a system catalog as a source";
        const char* nsp_name = get_namespace_name(nsp);
        if (nsp_name != nullptr && (strcmp(nsp_name, "pgtrickle") == 0 || strcmp(nsp_name, "pgtrickle_changes") == 0))
          return "pg_trickle's own catalog or change buffers as a source";
        Bitmapset* cols = pgt_rte_selected_cols(q, rte);
        int member = -1;
        while ((member = bms_next_member(cols, member)) >= 0)
          if (member + FirstLowInvalidHeapAttributeNumber <= 0) return "whole-row or system column references";
        *relid = InvalidOid;
        break;
      }
      case RTE_SUBQUERY: {
        if (rte->lateral) return "LATERAL subqueries";
        const char* reason = not_spj_reason(rte->subquery, relid);
        if (reason != nullptr) return reason;
        break;
      }
      case RTE_JOIN:
        if (rte->jointype != JOIN_INNER && !top) return "outer joins (LEFT / RIGHT / FULL JOIN) in a subquery";
        if (rte->alias != nullptr) return "a join with its own alias (JOIN ... AS name)";
        break;
      case RTE_FUNCTION: return "functions in FROM";
      case RTE_VALUES: return "VALUES in FROM";
      case RTE_CTE: return "WITH (common table expressions)";
      case RTE_TABLEFUNC: return "table functions in FROM";
      case RTE_RESULT: break;
      default: return "this kind of FROM item";
    }
    return nullptr;
  });
}

// A whole-row reference (t.*, row_to_json(t), t as a value) anywhere: the
// subqueries a delta reads carry bookkeeping columns it would show.
bool has_whole_row_var(Node* node, void* context) {
  if (node == nullptr) return false;
  if (IsA(node, Var) && reinterpret_cast<Var*>(node)->varattno == 0) return true;
  if (IsA(node, Query))
    return query_tree_walker(reinterpret_cast<Query*>(node), PGT_WALKER(has_whole_row_var), context, 0);
  return expression_tree_walker(node, PGT_WALKER(has_whole_row_var), context);
}

// Functions whose result changes with the clock: a stream table maintained by
// deltas cannot follow them (rows would not leave a "WHERE t > now()" window).
bool is_time_dependent_function(Oid func_id, void*) {
  return func_id == F_NOW || func_id == F_STATEMENT_TIMESTAMP || func_id == F_TRANSACTION_TIMESTAMP;
}

bool has_time_dependence(Node* node, void* context) {
  if (node == nullptr) return false;
  if (IsA(node, SQLValueFunction)) {
    switch (reinterpret_cast<SQLValueFunction*>(node)->op) {
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
    return query_tree_walker(reinterpret_cast<Query*>(node), PGT_WALKER(has_time_dependence), context, 0);
  return expression_tree_walker(node, PGT_WALKER(has_time_dependence), context);
}

// Calls visit(query, rte) for each scanned table, in a fixed order.
template <typename Visit>
void walk_scans(Query* q, Visit& visit) {
  for_each_from_entry(q, [&](int, RangeTblEntry* rte) -> const char* {
    if (rte->rtekind == RTE_RELATION)
      visit(q, rte);
    else if (rte->rtekind == RTE_SUBQUERY)
      walk_scans(rte->subquery, visit);
    return nullptr;
  });
}

int count_scans(Query* q) {
  int n = 0;
  auto count = [&](Query*, RangeTblEntry*) { n++; };
  walk_scans(q, count);
  return n;
}

// A branch that contributes nothing: its rows are filtered out.
void make_empty(Query* q) {
  if (q->setOperations != nullptr) {
    for_each_from_entry(q, [&](int, RangeTblEntry* rte) -> const char* {
      make_empty(rte->subquery);
      return nullptr;
    });
    return;
  }
  q->jointree->quals = make_and_qual(q->jointree->quals, makeBoolConst(false, false));
}

// A UNION ALL is a sum, not a product: a term of the inclusion-exclusion
// over the scans (a subset S of them read as deltas, the others at their new
// state) may only keep, at each UNION ALL, the one branch holding all of S's
// scans below it (all branches when S has none there). Branches that are
// not kept are emptied; returns false when S spans several branches of one
// UNION ALL (the term is empty: skip it). next: walk-order number of q's
// first scan.
bool keep_union_branches_of_term(Query* q, unsigned mask, int* next) {
  bool nonempty = true;
  if (q->setOperations == nullptr) {
    for_each_from_entry(q, [&](int, RangeTblEntry* rte) -> const char* {
      if (rte->rtekind == RTE_RELATION) (*next)++;
      else if (rte->rtekind == RTE_SUBQUERY && !keep_union_branches_of_term(rte->subquery, mask, next))
        nonempty = false;
      return nonempty ? nullptr : "empty";
    });
    return nonempty;
  }
  struct Branch { Query* q; int first; int count; bool has_delta; };
  std::vector<Branch> branches;
  int first = *next;
  for_each_from_entry(q, [&](int, RangeTblEntry* rte) -> const char* {
    int n = count_scans(rte->subquery);
    unsigned bits = n >= 32 ? ~0u : ((1u << n) - 1) << first;
    branches.push_back({rte->subquery, first, n, (mask & bits) != 0});
    first += n;
    return nullptr;
  });
  int with_delta = 0;
  for (const Branch& b : branches) with_delta += b.has_delta ? 1 : 0;
  if (with_delta > 1) return false;
  for (const Branch& b : branches) {
    int start = b.first;
    if (with_delta == 1 && !b.has_delta)
      make_empty(b.q);
    else if (!keep_union_branches_of_term(b.q, mask, &start))
      nonempty = false;
  }
  *next = first;
  return nonempty;
}

Expr* c_text(Expr* e) {
  CoerceViaIO* cast = makeNode(CoerceViaIO);
  cast->arg = e;
  cast->resulttype = TEXTOID;
  cast->resultcollid = C_COLLATION_OID;
  cast->coerceformat = COERCE_EXPLICIT_CAST;
  cast->location = -1;
  return reinterpret_cast<Expr*>(cast);
}

Expr* text_concat(Expr* a, Expr* b) {
  return reinterpret_cast<Expr*>(makeFuncExpr(F_TEXTCAT, TEXTOID, list_make2(a, b), C_COLLATION_OID,
                                              C_COLLATION_OID, COERCE_EXPLICIT_CALL));
}

// The identity of a row combined from its inputs' identities (never NULL):
// length(id1) || ':' || id1 || ... || idN. The length prefixes make it
// injective, and it is much cheaper than ROW(...)::text.
Expr* combined_identity(List* ids) {
  Expr* result = nullptr;
  ListCell* lc;
  int i = 0, n = list_length(ids);
  foreach (lc, ids) {
    Expr* part = static_cast<Expr*>(lfirst(lc));
    Expr* piece = part;
    if (++i < n) {
      Expr* len = reinterpret_cast<Expr*>(makeFuncExpr(F_TEXTLEN, INT4OID, list_make1(part), InvalidOid,
                                                       C_COLLATION_OID, COERCE_EXPLICIT_CALL));
      Expr* colon = reinterpret_cast<Expr*>(makeConst(TEXTOID, -1, C_COLLATION_OID, -1,
                                                      CStringGetTextDatum(":"), false, false));
      piece = text_concat(text_concat(c_text(len), colon), part);
    }
    result = result == nullptr ? piece : text_concat(result, piece);
  }
  return result;
}

// Adds __pgt_id (text) and __pgt_w (int8) to q's target list, combining those
// of the subqueries in its FROM; returns their attribute numbers.
void add_identity_columns(Query* q, List* scan_rtes, AttrNumber* id_attno, AttrNumber* w_attno,
                          Bitmapset* nullable = nullptr);

bool is_padding(RangeTblEntry* rte) {
  return rte->alias != nullptr && strcmp(rte->alias->aliasname, kPaddingAlias) == 0;
}

Expr* text_const(const char* s) {
  return reinterpret_cast<Expr*>(makeConst(TEXTOID, -1, C_COLLATION_OID, -1, CStringGetTextDatum(s), false, false));
}

Expr* int8_const(int64 v) {
  return reinterpret_cast<Expr*>(makeConst(INT8OID, -1, InvalidOid, sizeof(int64), Int64GetDatum(v), false,
                                           FLOAT8PASSBYVAL));
}

Expr* coalesce(Expr* a, Expr* b, Oid type, Oid collation) {
  CoalesceExpr* c = makeNode(CoalesceExpr);
  c->coalescetype = type;
  c->coalescecollid = collation;
  c->args = list_make2(a, b);
  c->location = -1;
  return reinterpret_cast<Expr*>(c);
}

// A UNION ALL: each branch gets its identity, prefixed with the branch's
// number (rows of different branches are different rows), and its weight;
// the set operation and its result carry both as two more columns.
void add_union_identity_columns(Query* q, List* scan_rtes, AttrNumber* id_attno, AttrNumber* w_attno) {
  q->sortClause = NIL;
  int branch = 0;
  int leftmost = 0;
  AttrNumber id_col = 0, w_col = 0;
  for_each_from_entry(q, [&](int rti, RangeTblEntry* rte) -> const char* {
    add_identity_columns(rte->subquery, scan_rtes, &id_col, &w_col);
    auto* id_tle = static_cast<TargetEntry*>(list_nth(rte->subquery->targetList, id_col - 1));
    Expr* prefix = reinterpret_cast<Expr*>(makeConst(TEXTOID, -1, C_COLLATION_OID, -1,
                                                     CStringGetTextDatum(psprintf("%d:", branch++)), false, false));
    id_tle->expr = text_concat(prefix, id_tle->expr);
    rte->eref->colnames = lappend(rte->eref->colnames, makeString(pstrdup(kIdColumn)));
    rte->eref->colnames = lappend(rte->eref->colnames, makeString(pstrdup(kWeightColumn)));
    if (leftmost == 0) leftmost = rti;
    return nullptr;
  });
  add_setop_column(q->setOperations, TEXTOID, C_COLLATION_OID);
  add_setop_column(q->setOperations, INT8OID, InvalidOid);
  int n = list_length(q->targetList);
  q->targetList = lappend(q->targetList, makeTargetEntry(reinterpret_cast<Expr*>(makeVar(leftmost, id_col, TEXTOID, -1, C_COLLATION_OID, 0)),
                                                         n + 1, pstrdup(kIdColumn), false));
  q->targetList = lappend(q->targetList, makeTargetEntry(reinterpret_cast<Expr*>(makeVar(leftmost, w_col, INT8OID, -1, InvalidOid, 0)),
                                                         n + 2, pstrdup(kWeightColumn), false));
  *id_attno = n + 1;
  *w_attno = n + 2;
}

// nullable: entries an outer join may pad with NULLs (their identity and
// weight are then NULL): their identity part is ':' || id, or 'N' when
// padded, and their weight 1 when padded.
void add_identity_columns(Query* q, List* scan_rtes, AttrNumber* id_attno, AttrNumber* w_attno,
                          Bitmapset* nullable) {
  if (q->setOperations != nullptr) {
    add_union_identity_columns(q, scan_rtes, id_attno, w_attno);
    return;
  }
  q->sortClause = NIL;  // row order means nothing to a stored table
  List* targets = NIL;
  ListCell* lc;
  foreach (lc, q->targetList) {
    auto* te = static_cast<TargetEntry*>(lfirst(lc));
    if (!te->resjunk) targets = lappend(targets, te);
  }
  q->targetList = targets;

  List* ids = NIL;
  Expr* weight = nullptr;
  for_each_from_entry(q, [&](int rti, RangeTblEntry* rte) -> const char* {
    if (rte->rtekind != RTE_SUBQUERY) return nullptr;
    AttrNumber id_col, w_col;
    if (list_member_ptr(scan_rtes, rte) || is_padding(rte)) {
      w_col = list_length(rte->subquery->targetList);
      id_col = w_col - 1;
    } else {
      add_identity_columns(rte->subquery, scan_rtes, &id_col, &w_col);
      rte->eref->colnames = lappend(rte->eref->colnames, makeString(pstrdup(kIdColumn)));
      rte->eref->colnames = lappend(rte->eref->colnames, makeString(pstrdup(kWeightColumn)));
      if (rte->alias != nullptr && rte->alias->colnames != NIL) {
        rte->alias->colnames = lappend(rte->alias->colnames, makeString(pstrdup(kIdColumn)));
        rte->alias->colnames = lappend(rte->alias->colnames, makeString(pstrdup(kWeightColumn)));
      }
    }
    Expr* part = reinterpret_cast<Expr*>(makeVar(rti, id_col, TEXTOID, -1, C_COLLATION_OID, 0));
    Expr* w = reinterpret_cast<Expr*>(makeVar(rti, w_col, INT8OID, -1, InvalidOid, 0));
    if (bms_is_member(rti, nullable)) {
      part = coalesce(text_concat(text_const(":"), part), text_const("N"), TEXTOID, C_COLLATION_OID);
      w = coalesce(w, int8_const(1), INT8OID, InvalidOid);
    }
    // A semi-join (EXISTS / IN) selects rows; it adds nothing to their identity.
    bool semi_join = rte->alias != nullptr && strcmp(rte->alias->aliasname, kSemiJoinAlias) == 0;
    if (!semi_join) ids = lappend(ids, part);
    weight = weight == nullptr ? w
                               : reinterpret_cast<Expr*>(makeFuncExpr(F_INT8MUL, INT8OID, list_make2(weight, w),
                                                                      InvalidOid, InvalidOid,
                                                                      COERCE_EXPLICIT_CALL));
    return nullptr;
  });
  Expr* id;
  if (ids == NIL) {
    id = reinterpret_cast<Expr*>(makeConst(TEXTOID, -1, C_COLLATION_OID, -1,
                                           CStringGetTextDatum(""), false, false));
    weight = reinterpret_cast<Expr*>(makeConst(INT8OID, -1, InvalidOid, sizeof(int64),
                                               Int64GetDatum(1), false, FLOAT8PASSBYVAL));
  } else if (list_length(ids) == 1) {
    id = static_cast<Expr*>(linitial(ids));
  } else {
    id = combined_identity(ids);
  }
  int n = list_length(q->targetList);
  q->targetList = lappend(q->targetList, makeTargetEntry(id, n + 1, pstrdup(kIdColumn), false));
  q->targetList = lappend(q->targetList, makeTargetEntry(weight, n + 2, pstrdup(kWeightColumn), false));
  *id_attno = n + 1;
  *w_attno = n + 2;
}

// Replaces scan number k (in walk order) with scan_queries[2k + (mask>>k & 1)].
struct ScanReplacer {
  Query** scan_queries;
  unsigned mask;
  int next = 0;
  List* replaced = NIL;

  void operator()(Query*, RangeTblEntry* rte) {
    int k = next++;
    Query* sub = static_cast<Query*>(copyObjectImpl(scan_queries[2 * k + ((mask >> k) & 1)]));
    const char* alias = rte->alias != nullptr ? rte->alias->aliasname : rte->eref->aliasname;
    replace_with_subquery(rte, sub, pstrdup(alias));
    replaced = lappend(replaced, rte);
  }
};

// ---------------------------------------------------------------------------
// Per-scan metadata, gathered from the catalogs.

struct Attribute {
  std::string name;
  std::string type_sql;
  bool dropped = false;
  bool fixed_width = false;  // its type's values have one size (int4, date, uuid, ...)
};

struct Scan {
  Oid relid = InvalidOid;
  bool inherit = true;
  std::vector<Attribute> attributes;      // 1..natts
  std::vector<AttrNumber> key_attnums;    // primary key
  std::vector<AttrNumber> used_attnums;   // read by the query
  // Set for a leaf of an outer join's expansion: the distinct values of
  // these columns (see outer_join_expansion.h), not the table's rows.
  std::vector<AttrNumber> distinct_keys;
};

std::vector<Attribute> relation_attributes(Oid relid) {
  std::vector<Attribute> out;
  int natts = 0;
  pg::guard([&] {
    HeapTuple tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
    if (!HeapTupleIsValid(tup)) elog(ERROR, "pg_trickle: relation %u vanished", relid);
    natts = reinterpret_cast<Form_pg_class>(GETSTRUCT(tup))->relnatts;
    ReleaseSysCache(tup);
  });
  for (int attnum = 1; attnum <= natts; attnum++) {
    const char* name = nullptr;
    const char* type = nullptr;
    bool dropped = true;
    bool fixed_width = false;
    pg::guard([&] {
      HeapTuple tup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(relid), Int16GetDatum(attnum));
      if (!HeapTupleIsValid(tup)) return;
      auto* att = reinterpret_cast<Form_pg_attribute>(GETSTRUCT(tup));
      dropped = att->attisdropped;
      name = pstrdup(NameStr(att->attname));
      if (!dropped) type = format_type_with_typemod(att->atttypid, att->atttypmod);
      fixed_width = att->attlen > 0;
      ReleaseSysCache(tup);
    });
    out.push_back(Attribute{dropped ? "__pgt_dropped_" + std::to_string(attnum) : name,
                            dropped ? "pg_catalog.int4" : type, dropped, fixed_width});
  }
  return out;
}

std::vector<AttrNumber> primary_key_attnums(Oid relid) {
  std::vector<AttrNumber> out;
  Bitmapset* key = nullptr;
  pg::guard([&] {
    Relation rel = table_open(relid, AccessShareLock);
    key = RelationGetIndexAttrBitmap(rel, INDEX_ATTR_BITMAP_PRIMARY_KEY);
    table_close(rel, NoLock);
  });
  int member = -1;
  while ((member = bms_next_member(key, member)) >= 0)
    out.push_back(static_cast<AttrNumber>(member + FirstLowInvalidHeapAttributeNumber));
  return out;
}

std::string column_ref(const char* alias, const Attribute& a) {
  return std::string(alias) + "." + quote_ident(a.name);
}

// A column of a scan: by name in the table, by attribute number (c<n>) in its
// change buffer. For identities, a value with a time zone is taken in UTC so
// that its text does not depend on the session's TimeZone.
std::string scan_column(const char* alias, const Scan& scan, AttrNumber attnum, bool from_buffer) {
  std::string ref = from_buffer ? std::string(alias) + "." + quote_ident("c" + std::to_string(attnum))
                                : column_ref(alias, scan.attributes[attnum - 1]);
  const std::string& type = scan.attributes[attnum - 1].type_sql;
  if (type.rfind("timestamp", 0) == 0 && type.find("with time zone") != std::string::npos)
    return "(" + ref + " AT TIME ZONE 'UTC')";
  return ref;
}

// The row identity of one scan, over its alias: the primary key, or for a
// keyless table the values of the columns the query reads.
std::string identity_expr(const Scan& scan, const char* alias, bool from_buffer) {
  const std::vector<AttrNumber>& attnums = scan.key_attnums.empty() ? scan.used_attnums : scan.key_attnums;
  // Identities are compared, sorted and indexed byte-wise (COLLATE "C"):
  // they have no linguistic order, and "C" is the cheapest.
  if (attnums.empty()) return "''::pg_catalog.text COLLATE \"C\"";
  if (attnums.size() == 1 && !scan.key_attnums.empty())
    return "(" + scan_column(alias, scan, attnums[0], from_buffer) + ")::pg_catalog.text COLLATE \"C\"";
  if (!scan.key_attnums.empty()) {
    // Key columns are never NULL: length-prefixed concatenation is injective.
    std::string id;
    for (size_t i = 0; i < attnums.size(); i++) {
      std::string part = "(" + scan_column(alias, scan, attnums[i], from_buffer) + ")::pg_catalog.text";
      if (i) id += " || ";
      id += i + 1 < attnums.size() ? "pg_catalog.length(" + part + ")::pg_catalog.text || ':' || " + part : part;
    }
    return "(" + id + ") COLLATE \"C\"";
  }
  // Keyless: the values, NULLs included (record_out tells NULL from '').
  std::string row = "ROW(";
  for (size_t i = 0; i < attnums.size(); i++) {
    if (i) row += ", ";
    row += scan_column(alias, scan, attnums[i], from_buffer);
  }
  return row + ")::pg_catalog.text COLLATE \"C\"";
}

bool scan_reads(const Scan& scan, AttrNumber attnum) {
  return std::find(scan.used_attnums.begin(), scan.used_attnums.end(), attnum) != scan.used_attnums.end() ||
         std::find(scan.key_attnums.begin(), scan.key_attnums.end(), attnum) != scan.key_attnums.end();
}

// SELECT of every attribute (so attribute numbers stay valid), the identity
// and the multiplicity: from the table (current state) or from its change
// buffer (the changes not consumed yet).
std::string qualified_scan_relation(const Scan& scan) {
  const char* schema = nullptr;
  const char* name = nullptr;
  pg::guard([&] {
    name = get_rel_name(scan.relid);
    schema = get_namespace_name(get_rel_namespace(scan.relid));
  });
  return (scan.inherit ? "" : "ONLY ") + quote_qualified(schema, name);
}

// A distinct-keys leaf (outer joins): every attribute of the table (NULL but
// the keys), identity NULL, and weight 1 (current state: the distinct
// non-NULL keys) or +1 / -1 (delta: the keys whose first row appeared or
// whose last row left, counted in the table at its new state).
std::string distinct_keys_sql(const Scan& scan, bool from_buffer) {
  std::string relation = qualified_scan_relation(scan);
  std::vector<std::string> columns, keys_t, keys_b, not_null_t, not_null_b, match, group, positions;
  for (size_t i = 0; i < scan.attributes.size(); i++) {
    const Attribute& a = scan.attributes[i];
    auto key = std::find(scan.distinct_keys.begin(), scan.distinct_keys.end(), static_cast<AttrNumber>(i + 1));
    std::string value = key == scan.distinct_keys.end()
                            ? "NULL::" + a.type_sql
                            : "k.__pgt_kv" + std::to_string(key - scan.distinct_keys.begin());
    columns.push_back(value + " AS " + quote_ident(a.name));
  }
  for (size_t p = 0; p < scan.distinct_keys.size(); p++) {
    AttrNumber attnum = scan.distinct_keys[p];
    std::string kv = "__pgt_kv" + std::to_string(p);
    std::string t = column_ref("t", scan.attributes[attnum - 1]);
    std::string b = "b." + quote_ident("c" + std::to_string(attnum));
    keys_t.push_back(t + " AS " + kv);
    keys_b.push_back(b + " AS " + kv);
    not_null_t.push_back(t + " IS NOT NULL");
    not_null_b.push_back(b + " IS NOT NULL");
    match.push_back(t + " = d." + kv);
    group.push_back("d." + kv);
    positions.push_back(std::to_string(p + 1));
  }
  std::string select = "SELECT " + dvm::join(columns, ", ") + ", NULL::pg_catalog.text COLLATE \"C\" AS " + kIdColumn;
  if (!from_buffer)
    return select + ", 1::pg_catalog.int8 AS " + kWeightColumn + " FROM (SELECT DISTINCT " + dvm::join(keys_t, ", ") +
           " FROM " + relation + " t WHERE " + dvm::join(not_null_t, " AND ") + ") k";
  return select + ", k." + kWeightColumn + " FROM (SELECT " + dvm::join(group, ", ") +
         ", CASE WHEN n.cnt > 0 THEN 1 ELSE -1 END::pg_catalog.int8 AS " + kWeightColumn + " FROM (SELECT " +
         dvm::join(keys_b, ", ") + ", pg_catalog.sum(b.__pgt_w) AS s FROM " + dvm::change_buffer_name(scan.relid) +
         " b WHERE b.__pgt_w <> 0 AND " + dvm::unconsumed_changes_predicate("b") + " AND " +
         dvm::join(not_null_b, " AND ") + " GROUP BY " + dvm::join(positions, ", ") +
         ") d CROSS JOIN LATERAL (SELECT pg_catalog.count(*) AS cnt FROM " + relation + " t WHERE " +
         dvm::join(match, " AND ") + ") n WHERE (n.cnt > 0) <> (n.cnt - d.s > 0)) k";
}

std::string scan_sql(const Scan& scan, bool from_buffer) {
  if (!scan.distinct_keys.empty()) return distinct_keys_sql(scan, from_buffer);
  const char* alias = from_buffer ? "b" : "t";
  std::string sql = "SELECT ";
  for (size_t i = 0; i < scan.attributes.size(); i++) {
    const Attribute& a = scan.attributes[i];
    // Columns the query does not read are NULL placeholders (attribute
    // numbers stay valid): the buffer does not hold them, and the owner may
    // lack SELECT on them (column privileges).
    bool real = !a.dropped && scan_reads(scan, static_cast<AttrNumber>(i + 1));
    std::string value = !real ? "NULL::" + a.type_sql
                        : from_buffer ? std::string(alias) + "." + quote_ident("c" + std::to_string(i + 1))
                                      : column_ref(alias, a);
    sql += value + " AS " + quote_ident(a.name) + ", ";
  }
  sql += identity_expr(scan, alias, from_buffer) + " AS " + kIdColumn + ", ";
  if (!from_buffer) {
    const char* only = scan.inherit ? "" : "ONLY ";
    const char* schema = nullptr;
    const char* name = nullptr;
    pg::guard([&] {
      name = get_rel_name(scan.relid);
      schema = get_namespace_name(get_rel_namespace(scan.relid));
    });
    return sql + "1::pg_catalog.int8 AS " + kWeightColumn + " FROM " + only +
           quote_qualified(schema, name) + " t";
  }
  // Consumed now: committed before this refresh's snapshot (MVCC visibility)
  // and not consumed by an earlier refresh: not visible in its snapshot ($1),
  // and not one of its own transaction's changes it already saw ($2, $3).
  return sql + "b.__pgt_w::pg_catalog.int8 AS " + kWeightColumn + " FROM " +
         dvm::change_buffer_name(scan.relid) + " b WHERE b.__pgt_w <> 0 AND " +
         dvm::unconsumed_changes_predicate("b");
}

std::string deparse(Query* q) {
  const char* text = nullptr;
  pg::guard([&] { text = pg_get_querydef(q, false); });
  return text;
}

// The scans of a query in walk order, with their catalog metadata.
std::vector<Scan> collect_scans(Query* query, const OuterJoinExpansion& expansion) {
  std::vector<std::pair<Oid, bool>> scan_refs;  // relid, inh
  std::vector<std::vector<AttrNumber>> scan_used;
  std::vector<int> scan_keys;  // number of the distinct-keys leaf, or -1
  auto collect = [&](Query* q, RangeTblEntry* rte) {
    (void)q;  // read by PostgreSQL 16+'s pgt_rte_selected_cols
    scan_refs.emplace_back(rte->relid, rte->inh);
    scan_used.emplace_back();
    Bitmapset* cols = pgt_rte_selected_cols(q, rte);
    int member = -1;
    while ((member = bms_next_member(cols, member)) >= 0)
      scan_used.back().push_back(static_cast<AttrNumber>(member + FirstLowInvalidHeapAttributeNumber));
    const char* alias = rte->alias != nullptr ? rte->alias->aliasname : "";
    size_t prefix = strlen(kDistinctKeysAlias);
    scan_keys.push_back(strncmp(alias, kDistinctKeysAlias, prefix) == 0 ? atoi(alias + prefix) : -1);
  };
  pg::guard([&] { walk_scans(query, collect); });
  std::vector<Scan> scans;
  for (size_t k = 0; k < scan_refs.size(); k++) {
    Scan scan;
    scan.relid = scan_refs[k].first;
    scan.inherit = scan_refs[k].second;
    scan.attributes = relation_attributes(scan.relid);
    scan.key_attnums = primary_key_attnums(scan.relid);
    scan.used_attnums = scan_used[k];
    if (scan_keys[k] >= 0) scan.distinct_keys = expansion.distinct_keys.at(scan_keys[k]).key_attnums;
    scans.push_back(std::move(scan));
  }
  return scans;
}

// Adds a scan's table (and the columns it reads) to what CDC must capture.
void record_scanned_table(const Scan& scan, DeltaDerivation* result) {
  if (scan.key_attnums.empty() && scan.distinct_keys.empty()) result->unique_ids = false;
  if (scan.distinct_keys.empty())
    for (AttrNumber key : scan.key_attnums)
      if (!scan.attributes[key - 1].fixed_width) result->bounded_ids = false;
  if (scan.inherit && std::find(result->scanned_with_children.begin(), result->scanned_with_children.end(),
                                scan.relid) == result->scanned_with_children.end())
    result->scanned_with_children.push_back(scan.relid);
  auto it = std::find_if(result->tables.begin(), result->tables.end(),
                         [&](const ScannedTable& t) { return t.relid == scan.relid; });
  if (it == result->tables.end()) {
    ScannedTable table;
    table.relid = scan.relid;
    const char* schema = nullptr;
    const char* name = nullptr;
    pg::guard([&] {
      name = get_rel_name(scan.relid);
      schema = get_namespace_name(get_rel_namespace(scan.relid));
    });
    table.schema = schema;
    table.name = name;
    for (AttrNumber a : scan.key_attnums) table.key_columns.push_back(scan.attributes[a - 1].name);
    result->tables.push_back(std::move(table));
    it = result->tables.end() - 1;
  }
  for (AttrNumber a : scan.used_attnums) {
    const std::string& col = scan.attributes[a - 1].name;
    if (std::find(it->used_columns.begin(), it->used_columns.end(), col) == it->used_columns.end())
      it->used_columns.push_back(col);
  }
}

// Parsed scan queries: [2k] current state, [2k+1] change buffer.
std::vector<Query*> parse_scan_queries(const std::vector<Scan>& scans, const OuterJoinExpansion&) {
  std::vector<std::string> scan_texts;
  for (const Scan& scan : scans) {
    scan_texts.push_back(scan_sql(scan, false));
    scan_texts.push_back(scan_sql(scan, true));
  }
  std::vector<Query*> scan_queries(scan_texts.size(), nullptr);
  for (size_t i = 0; i < scan_texts.size(); i++) {
    const char* text = scan_texts[i].c_str();
    Query** slot = &scan_queries[i];
    pg::guard([&] { *slot = parse_and_rewrite(text); });
  }
  return scan_queries;
}

// Q[S] (S = mask over the scans in walk order), with identity and weight
// columns, deparsed; empty when the term is empty (see keep_union_branches_of_term).
std::string term_sql(Query* query, unsigned mask, std::vector<Query*>& scan_queries, Bitmapset* nullable) {
  Query* term = nullptr;
  bool nonempty = true;
  pg::guard([&] {
    term = static_cast<Query*>(copyObjectImpl(query));
    int first_scan = 0;
    if (mask != 0) nonempty = keep_union_branches_of_term(term, mask, &first_scan);
    ScanReplacer replacer{scan_queries.data(), mask};
    walk_scans(term, replacer);
    AttrNumber id_col, w_col;
    add_identity_columns(term, replacer.replaced, &id_col, &w_col, nullable);
  });
  return nonempty ? deparse(term) : std::string();
}

// The query's output columns (and whether their type has equality).
std::vector<dvm::OutputColumn> visible_columns(Query* query) {
  std::vector<std::tuple<const char*, Oid, Oid, const char*>> outputs;  // name, type, collation, type text
  pg::guard([&] {
    ListCell* lc;
    foreach (lc, query->targetList) {
      auto* te = static_cast<TargetEntry*>(lfirst(lc));
      if (te->resjunk) continue;
      Node* expr = reinterpret_cast<Node*>(te->expr);
      outputs.emplace_back(te->resname != nullptr ? te->resname : "?column?", exprType(expr),
                           exprCollation(expr), format_type_with_typemod(exprType(expr), exprTypmod(expr)));
    }
  });
  // Columns are grouped and compared by value only where equal values are
  // identical (else by their text form too: numeric 1 -> 1.0 is a change).
  std::vector<dvm::OutputColumn> columns;
  for (const auto& [name, type, collation, type_sql] : outputs)
    columns.push_back({name, equality_means_identical(type, collation), type_has_equality(type), type_sql});
  return columns;
}

// A query with a grouping below another operator: partition rescan over the
// deltas of its select-project-join leaves (see dvm/partition_sql.h).
DeltaDerivation derive_partitioned(Query* query, const std::string& normalized_sql, bool generate_sql) {
  DeltaDerivation result;
  PartitionDerivation partition = derive_partition(query);
  if (!partition.not_differentiable_because.empty()) {
    result.not_differentiable_because = partition.not_differentiable_because;
    return result;
  }
  dvm::PartitionShape shape;
  shape.columns = visible_columns(query);
  if (partition.column >= 0) {
    shape.column = shape.columns.at(partition.column).name;
    shape.type_sql = partition.type_sql;
    shape.key_text = partition.key_text;
    shape.restricted_sql = partition.restricted_sql;
  }
  shape.query_sql = normalized_sql;
  for (const std::string& leaf_sql : partition.leaf_sql) {
    DeltaDerivation leaf = derive_delta(leaf_sql, generate_sql);
    if (!leaf.not_differentiable_because.empty()) {
      result.not_differentiable_because = leaf.not_differentiable_because;
      return result;
    }
    for (const ScannedTable& t : leaf.tables) {
      auto it = std::find_if(result.tables.begin(), result.tables.end(),
                             [&](const ScannedTable& seen) { return seen.relid == t.relid; });
      if (it == result.tables.end()) {
        result.tables.push_back(t);
        continue;
      }
      for (const std::string& col : t.used_columns)
        if (std::find(it->used_columns.begin(), it->used_columns.end(), col) == it->used_columns.end())
          it->used_columns.push_back(col);
    }
    for (Oid relid : leaf.scanned_with_children)
      if (std::find(result.scanned_with_children.begin(), result.scanned_with_children.end(), relid) ==
          result.scanned_with_children.end())
        result.scanned_with_children.push_back(relid);
    for (Oid relid : leaf.full_refresh_sources)
      if (std::find(result.full_refresh_sources.begin(), result.full_refresh_sources.end(), relid) ==
          result.full_refresh_sources.end())
        result.full_refresh_sources.push_back(relid);
    if (generate_sql) shape.leaf_deltas.push_back(dvm::signed_terms_sql(leaf.columns, leaf.terms));
  }
  result.unique_ids = false;  // a partition's rows are replaced together
  result.columns = shape.columns;
  result.full_sql = normalized_sql;
  result.partitioned = std::move(shape);
  return result;
}

}  // namespace

DeltaDerivation derive_delta(const std::string& normalized_sql, bool generate_sql) {
  DeltaDerivation result;
  Query* query = nullptr;
  const char* reason = nullptr;
  Oid reason_relid = InvalidOid;
  bool grouping = false;
  bool nested = false;
  pg::guard([&] {
    query = parse_and_rewrite(normalized_sql.c_str());
    inline_ctes(query);
    nested = has_nested_grouping(query);
    grouping = !nested && is_grouping_query(query);
    if (!grouping && !nested) reason = not_spj_reason(query, &reason_relid, true);
    if (reason == nullptr && has_whole_row_var(reinterpret_cast<Node*>(query), nullptr))
      reason = "whole-row references (t.*, row_to_json(t), a table or subquery as a value)";
    if (reason == nullptr && has_time_dependence(reinterpret_cast<Node*>(query), nullptr))
      reason = "time-dependent functions (now(), CURRENT_DATE, CURRENT_TIMESTAMP, ...)";
  });
  if (reason != nullptr) {
    result.not_differentiable_because = reason;
    if (OidIsValid(reason_relid)) {
      const char* name = nullptr;
      pg::guard([&] { name = get_rel_name(reason_relid); });
      if (name != nullptr) result.not_differentiable_because += std::string(" (") + name + ")";
    }
    return result;
  }
  if (nested) return derive_partitioned(query, normalized_sql, generate_sql);
  if (grouping) {
    GroupedDerivation g = derive_grouping(query);
    if (!g.not_differentiable_because.empty()) {
      result.not_differentiable_because = g.not_differentiable_because;
      return result;
    }
    // The input is select-project-join, or says why not.
    result = derive_delta(g.input_sql, generate_sql);
    if (result.not_differentiable_because.empty()) {
      result.grouped = std::move(g.shape);
      result.probe_indexes = g.probe_indexes;
      result.unique_ids = true;  // one row per group
      result.bounded_ids = g.bounded_keys;
    }
    return result;
  }

  // Outer joins: the query as a signed sum of inner-join variants.
  OuterJoinExpansion expansion;
  pg::guard([&] { expand_outer_joins(query, parse_and_rewrite, &expansion); });
  if (expansion.not_supported != nullptr) {
    result.not_differentiable_because = expansion.not_supported;
    return result;
  }
  std::vector<OuterJoinVariant> variants = expansion.variants;
  if (variants.empty()) variants.push_back({query, 1});

  // Tables read by the subqueries left in expressions.
  struct SublinkTable {
    Oid relid;
    const char* refused;  // why the table cannot be watched, or nullptr
    Bitmapset* cols;
  };
  std::vector<SublinkTable> sublink_tables;
  pg::guard([&] {
    auto visit = [](RangeTblEntry* rte, Query* owner, void* ctx) {
      auto* out = static_cast<std::vector<SublinkTable>*>(ctx);
      const char* refused = nullptr;
      // A view's own entry (kept by the rewriter for permission checks) is not read.
      if (rte->relkind == RELKIND_VIEW) return;
      if (rte->relkind != RELKIND_RELATION) refused = "a subquery in an expression reading something other than a table";
      else if (rte->inh && has_subclass(rte->relid)) refused = "a subquery in an expression reading a table with inheritance children";
      else if (get_rel_relispartition(rte->relid)) refused = "a subquery in an expression reading a partition";
      out->push_back({rte->relid, refused, bms_copy(pgt_rte_selected_cols(owner, rte))});
      (void)owner;
    };
    for (const auto& v : variants) for_each_table_in_sublinks(v.query, visit, &sublink_tables);
  });
  for (const SublinkTable& t : sublink_tables) {
    if (t.refused != nullptr) {
      result.not_differentiable_because = t.refused;
      return result;
    }
  }

  // The scans of the query (for its full result) and of each variant.
  std::vector<Scan> query_scans = collect_scans(query, expansion);
  std::vector<std::vector<Scan>> variant_scans;
  for (const auto& v : variants) variant_scans.push_back(collect_scans(v.query, expansion));
  if (query_scans.empty()) {
    result.not_differentiable_because = "a query that reads no table";
    return result;
  }
  for (const auto& scans : variant_scans) {
    if (scans.size() > static_cast<size_t>(kMaxDifferentialScans)) {
      result.not_differentiable_because =
          "more than " + std::to_string(kMaxDifferentialScans) + " table scans in one query";
      return result;
    }
  }

  // One entry per distinct table: what CDC must capture.
  result.unique_ids = true;
  for (const Scan& scan : query_scans) record_scanned_table(scan, &result);
  for (const auto& scans : variant_scans)
    for (const Scan& scan : scans) record_scanned_table(scan, &result);
  for (const SublinkTable& t : sublink_tables) {
    Scan watched;
    watched.relid = t.relid;
    watched.inherit = false;
    watched.attributes = relation_attributes(t.relid);
    watched.key_attnums = primary_key_attnums(t.relid);
    int member = -1;
    while ((member = bms_next_member(t.cols, member)) >= 0) {
      AttrNumber attnum = static_cast<AttrNumber>(member + FirstLowInvalidHeapAttributeNumber);
      if (attnum > 0) watched.used_attnums.push_back(attnum);
    }
    bool unique_ids = result.unique_ids, bounded_ids = result.bounded_ids;
    record_scanned_table(watched, &result);
    result.unique_ids = unique_ids;  // its rows are not the stream table's
    result.bounded_ids = bounded_ids;
    if (std::find(result.full_refresh_sources.begin(), result.full_refresh_sources.end(), t.relid) ==
        result.full_refresh_sources.end())
      result.full_refresh_sources.push_back(t.relid);
  }

  if (!generate_sql) return result;

  result.columns = visible_columns(query);

  // The full query (no delta), and Q[S] for every nonempty subset S of each
  // variant's scans, with the variant's sign.
  std::vector<Query*> query_scan_queries = parse_scan_queries(query_scans, expansion);
  result.full_sql = term_sql(query, 0, query_scan_queries, expansion.nullable_rtis);
  for (size_t v = 0; v < variants.size(); v++) {
    std::vector<Query*> scan_queries = parse_scan_queries(variant_scans[v], expansion);
    unsigned term_count = 1u << variant_scans[v].size();
    for (unsigned mask = 1; mask < term_count; mask++) {
      std::string sql = term_sql(variants[v].query, mask, scan_queries, expansion.nullable_rtis);
      if (sql.empty()) continue;
      dvm::DeltaTerm term{mask, sql, variants[v].sign < 0};
      for (size_t k = 0; k < variant_scans[v].size(); k++)
        if ((mask >> k) & 1u) term.delta_tables.push_back(variant_scans[v][k].relid);
      result.terms.push_back(std::move(term));
    }
  }
  return result;
}

}  // namespace pgt::frontend
