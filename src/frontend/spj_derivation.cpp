// Select-project-join plans, delta terms by substitution in the Query tree:
// see spj_derivation.h.
//
// The PostgreSQL-facing work runs inside guard() on Query trees and plain C
// data; C++ strings are assembled outside, between guarded calls.
#include "frontend/spj_derivation.h"

#include <algorithm>

#include "dvm/delta_sql.h"
#include "frontend/outer_join_expansion.h"
#include "frontend/query_tree.h"
#include "frontend/value_identity.h"

#include "common/sql_quote.h"
#include "common/user_error.h"
#include "dvm/sql_text.h"
#include "pg/boundary.h"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_inherits.h"
#include "catalog/catalog.h"
#include "catalog/pg_subscription_rel.h"
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

namespace {

constexpr const char* kIdColumn = "__pgt_id";
constexpr const char* kWeightColumn = "__pgt_w";

// ---------------------------------------------------------------------------
// Plain-C helpers over Query trees (called inside guard()).

// Appends a column of the given type to every node of a set operation tree.
void add_setop_column(Node* node, Oid type, Oid collation) {
  if (node == nullptr || !IsA(node, SetOperationStmt)) return;
  auto* setop = castNode(SetOperationStmt, node);
  setop->colTypes = lappend_oid(setop->colTypes, type);
  setop->colTypmods = lappend_int(setop->colTypmods, -1);
  setop->colCollations = lappend_oid(setop->colCollations, collation);
  add_setop_column(setop->larg, type, collation);
  add_setop_column(setop->rarg, type, collation);
}


// Why a table the query reads cannot be followed through its changes, or
// nullptr. watched: read by a subquery in an expression (a change to it
// makes the refresh FULL, which reads it as a FULL refresh does).
//
// A table is captured by triggers on it and on every member of its
// partition tree or inheritance hierarchy, all writing into its buffer
// (cdc/capture_triggers.h); a partition or child read alone is captured row
// by row. ONLY a parent with children cannot be: the parent's triggers see
// its children's rows too (in the transition tables of a statement on it, or
// nowhere apart from them).
// Whether logical replication writes into the table (a subscription of this
// database copies it). Runs in guard().
bool subscription_target(Oid relid) {
  Relation rel = table_open(SubscriptionRelRelationId, AccessShareLock);
  ScanKeyData key;
  ScanKeyInit(&key, Anum_pg_subscription_rel_srrelid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(relid));
  SysScanDesc scan = systable_beginscan(rel, SubscriptionRelSrrelidSrsubidIndexId, true, nullptr, 1, &key);
  bool found = HeapTupleIsValid(systable_getnext(scan));
  systable_endscan(scan);
  table_close(rel, AccessShareLock);
  return found;
}

const char* unmaintainable_source(RangeTblEntry* rte, bool watched) {
  if (rte->relkind == RELKIND_MATVIEW) return "a materialized view as a source";
  if (rte->relkind == RELKIND_FOREIGN_TABLE) return "a foreign table as a source";
  if (rte->relkind == RELKIND_PARTITIONED_TABLE) {
    if (!rte->inh) return "ONLY on a partitioned table";
  } else if (rte->relkind != RELKIND_RELATION) {
    return "a source that is not a table";
  } else if (!rte->inh && has_subclass(rte->relid) && find_inheritance_children(rte->relid, NoLock) != NIL) {
    return "ONLY on a table with inheritance children";
  }
  if (!watched) {
    HeapTuple tup = SearchSysCache1(RELOID, ObjectIdGetDatum(rte->relid));
    bool rls = HeapTupleIsValid(tup) && reinterpret_cast<Form_pg_class>(GETSTRUCT(tup))->relrowsecurity;
    if (HeapTupleIsValid(tup)) ReleaseSysCache(tup);
    if (rls) return "row-level security on a source";
  }
  // Catalogs are written without triggers: their changes cannot be captured
  // (system catalogs refuse triggers; pg_trickle writes its own catalog in C,
  // bypassing them).
  Oid nsp = get_rel_namespace(rte->relid);
  if (IsCatalogNamespace(nsp) || IsToastNamespace(nsp)) return "a system catalog as a source";
  const char* nsp_name = get_namespace_name(nsp);
  if (nsp_name != nullptr && (strcmp(nsp_name, "pgtrickle") == 0 || strcmp(nsp_name, "pgtrickle_changes") == 0))
    return "pg_trickle's own catalog or change buffers as a source";
  // The apply worker of logical replication fires row triggers only, never
  // statement triggers: the changes it applies would not be captured.
  if (subscription_target(rte->relid)) return "a table logical replication writes into (a subscription's table)";
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
        if (const char* refused = unmaintainable_source(rte, false)) return refused;
        Bitmapset* cols = pgt_rte_selected_cols(q, rte);
        int member = -1;
        while ((member = bms_next_member(cols, member)) >= 0)
          if (member + FirstLowInvalidHeapAttributeNumber <= 0) return "whole-row or system column references";
        *relid = InvalidOid;
        break;
      }
      case RTE_SUBQUERY: {
        // A LATERAL subquery that is select-project-join itself is a join
        // whose condition reads the items before it: every term keeps the
        // references (the scans it reads change into their deltas in place).
        const char* reason = not_spj_reason(rte->subquery, relid);
        if (reason != nullptr && rte->lateral) return "LATERAL subqueries that are not select-project-join";
        if (reason != nullptr) return reason;
        break;
      }
      case RTE_JOIN:
        if (rte->jointype != JOIN_INNER && !top) return "outer joins (LEFT / RIGHT / FULL JOIN) in a subquery";
        if (rte->alias != nullptr) return "a join with its own alias (JOIN ... AS name)";
        break;
      case RTE_FUNCTION:
        // A function (LATERAL or not) is not a scan: every term keeps it,
        // evaluated over the rows it reads (see number_function_rows).
        break;
      case RTE_VALUES:
        // A constant relation: every term keeps it (see number_function_rows).
        break;
      case RTE_CTE: return "WITH (common table expressions)";
      case RTE_TABLEFUNC: return "table functions in FROM";
      case RTE_RESULT: break;
      default: return "this kind of FROM item";
    }
    return nullptr;
  });
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
  // (palloc'd: this runs inside guard())
  struct Branch { Query* q; int first; bool has_delta; };
  List* branches = NIL;
  int first = *next;
  for_each_from_entry(q, [&](int, RangeTblEntry* rte) -> const char* {
    int n = count_scans(rte->subquery);
    unsigned bits = n >= 32 ? ~0u : ((1u << n) - 1) << first;
    auto* branch = static_cast<Branch*>(palloc(sizeof(Branch)));
    *branch = {rte->subquery, first, (mask & bits) != 0};
    branches = lappend(branches, branch);
    first += n;
    return nullptr;
  });
  int with_delta = 0;
  ListCell* lc;
  foreach (lc, branches) with_delta += static_cast<Branch*>(lfirst(lc))->has_delta ? 1 : 0;
  if (with_delta > 1) return false;
  foreach (lc, branches) {
    const auto* b = static_cast<Branch*>(lfirst(lc));
    int start = b->first;
    if (with_delta == 1 && !b->has_delta)
      make_empty(b->q);
    else if (!keep_union_branches_of_term(b->q, mask, &start))
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
    if (rte->rtekind == RTE_FUNCTION || rte->rtekind == RTE_VALUES) {
      // The rows a function returns for one input row differ by their
      // number, as VALUES rows do (the last column, see number_function_rows).
      AttrNumber ordinality = static_cast<AttrNumber>(list_length(rte->eref->colnames));
      ids = lappend(ids, c_text(reinterpret_cast<Expr*>(makeVar(rti, ordinality, INT8OID, -1, InvalidOid, 0))));
      return nullptr;
    }
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
  if (weight == nullptr) weight = int8_const(1);  // functions or VALUES only: constant rows
  int n = list_length(q->targetList);
  q->targetList = lappend(q->targetList, makeTargetEntry(id, n + 1, pstrdup(kIdColumn), false));
  q->targetList = lappend(q->targetList, makeTargetEntry(weight, n + 2, pstrdup(kWeightColumn), false));
  *id_attno = n + 1;
  *w_attno = n + 2;
}

// Functions in FROM (unnest, jsonb_array_elements, generate_series over a
// row's columns, ROWS FROM): each gets WITH ORDINALITY, so that a row's
// identity can say which of a function's rows it is (the function is
// immutable or stable and its rows come in one order for one input). VALUES
// lists get their row numbers likewise (identical rows stay distinct).
void number_function_rows(Query* q) {
  ListCell* lc;
  foreach (lc, q->rtable) {
    auto* rte = static_cast<RangeTblEntry*>(lfirst(lc));
    if (rte->rtekind == RTE_SUBQUERY && rte->subquery != nullptr) number_function_rows(rte->subquery);
    if (rte->rtekind == RTE_VALUES) {
      // Each VALUES row gets its number as one more column.
      int64 number = 0;
      ListCell* row;
      foreach (row, rte->values_lists)
        lfirst(row) = lappend(static_cast<List*>(lfirst(row)), int8_const(++number));
      rte->coltypes = lappend_oid(rte->coltypes, INT8OID);
      rte->coltypmods = lappend_int(rte->coltypmods, -1);
      rte->colcollations = lappend_oid(rte->colcollations, InvalidOid);
      // Named as PostgreSQL names VALUES columns unless the list has aliases.
      bool aliased = rte->alias != nullptr && rte->alias->colnames != NIL;
      char* name = aliased ? pstrdup("__pgt_ord") : psprintf("column%d", list_length(rte->coltypes));
      if (aliased) rte->alias->colnames = lappend(rte->alias->colnames, makeString(name));
      rte->eref->colnames = lappend(rte->eref->colnames, makeString(name));
      continue;
    }
    if (rte->rtekind != RTE_FUNCTION || rte->funcordinality) continue;
    rte->funcordinality = true;
    rte->eref->colnames = lappend(rte->eref->colnames, makeString(pstrdup("__pgt_ord")));
  }
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
  std::string collate_sql;   // " COLLATE ..." unless the column has its type's collation
};

struct Scan {
  Oid relid = InvalidOid;
  bool inherit = true;
  std::vector<Attribute> attributes;      // 1..natts
  std::vector<AttrNumber> key_attnums;    // primary key
  std::vector<AttrNumber> used_attnums;   // read by the query
  // Set for a leaf of an outer join's expansion: the distinct values of
  // these columns (see outer_join_expansion.h), not the table's rows...
  std::vector<AttrNumber> distinct_keys;
  // ... of the rows that satisfy this condition (over alias t; "": all).
  std::string distinct_filter;
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
    const char* collation = nullptr;
    bool dropped = true;
    bool fixed_width = false;
    pg::guard([&] {
      HeapTuple tup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(relid), Int16GetDatum(attnum));
      if (!HeapTupleIsValid(tup)) return;
      auto* att = reinterpret_cast<Form_pg_attribute>(GETSTRUCT(tup));
      dropped = att->attisdropped;
      name = pstrdup(NameStr(att->attname));
      if (!dropped) type = format_type_with_typemod(att->atttypid, att->atttypmod);
      if (!dropped && OidIsValid(att->attcollation) && att->attcollation != get_typcollation(att->atttypid))
        collation = generate_collation_name(att->attcollation);
      fixed_width = att->attlen > 0;
      ReleaseSysCache(tup);
    });
    out.push_back(Attribute{dropped ? "__pgt_dropped_" + std::to_string(attnum) : name,
                            dropped ? "pg_catalog.int4" : type, dropped, fixed_width,
                            collation != nullptr ? std::string(" COLLATE ") + collation : ""});
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

// "<changes> b WHERE <the rows that are changes>": the changes of the scanned
// table (as columns __pgt_w, c<attnum>...) that the delta reads.
std::string changes_of(const Scan& scan, dvm::ChangeSource from) {
  if (from == dvm::ChangeSource::TransitionTables) {
    // The columns the query reads (the others are NULL placeholders).
    std::vector<dvm::ChangeColumn> columns;
    for (size_t i = 0; i < scan.attributes.size(); i++) {
      const Attribute& a = scan.attributes[i];
      if (!a.dropped && scan_reads(scan, static_cast<AttrNumber>(i + 1)))
        columns.push_back({static_cast<int>(i + 1), a.type_sql + a.collate_sql});
    }
    return dvm::statement_changes_sql(scan.relid, columns) + " WHERE b.__pgt_w <> 0";
  }
  // Consumed now: committed before this refresh's snapshot (MVCC visibility)
  // and not consumed by an earlier refresh: not visible in its snapshot ($1),
  // and not one of its own transaction's changes it already saw ($2, $3).
  return dvm::change_buffer_name(scan.relid) + " b WHERE b.__pgt_w <> 0 AND " +
         dvm::unconsumed_changes_predicate("b");
}

// A distinct-keys leaf (outer joins): every attribute of the table (NULL but
// the keys), identity NULL, and weight 1 (current state: the distinct
// non-NULL keys) or +1 / -1 (delta: the keys whose first row appeared or
// whose last row left, counted in the table at its new state).
std::string distinct_keys_sql(const Scan& scan, dvm::ChangeSource from) {
  bool from_buffer = from != dvm::ChangeSource::None;
  std::string relation = qualified_relation(scan.relid, scan.inherit);
  std::string filter = scan.distinct_filter.empty() ? "" : " AND (" + scan.distinct_filter + ")";
  std::vector<std::string> columns, keys_t, keys_b, not_null_t, not_null_b, match, group, positions;
  for (size_t i = 0; i < scan.attributes.size(); i++) {
    const Attribute& a = scan.attributes[i];
    auto key = std::find(scan.distinct_keys.begin(), scan.distinct_keys.end(), static_cast<AttrNumber>(i + 1));
    std::string value = key == scan.distinct_keys.end()
                            ? "NULL::" + a.type_sql
                            : "k.__pgt_kv" + std::to_string(key - scan.distinct_keys.begin());
    columns.push_back(value + " AS " + quote_ident(a.name));
  }
  // The changes, as t: the keys (__pgt_kv<p>) and, for the filter, the
  // columns it reads under their own names.
  std::vector<std::string> change_columns{"b.__pgt_w"};
  for (size_t p = 0; p < scan.distinct_keys.size(); p++) {
    AttrNumber attnum = scan.distinct_keys[p];
    std::string kv = "__pgt_kv" + std::to_string(p);
    std::string t = column_ref("t", scan.attributes[attnum - 1]);
    keys_t.push_back(t + " AS " + kv);
    keys_b.push_back("t." + kv);
    change_columns.push_back("b." + quote_ident("c" + std::to_string(attnum)) + " AS " + kv);
    not_null_t.push_back(t + " IS NOT NULL");
    not_null_b.push_back("t." + kv + " IS NOT NULL");
    match.push_back(t + " = d." + kv);
    group.push_back("d." + kv);
    positions.push_back(std::to_string(p + 1));
  }
  if (!filter.empty())
    for (AttrNumber a : scan.used_attnums)
      if (!scan.attributes[a - 1].dropped)
        change_columns.push_back("b." + quote_ident("c" + std::to_string(a)) + " AS " +
                                 quote_ident(scan.attributes[a - 1].name));
  std::string select = "SELECT " + dvm::join(columns, ", ") + ", NULL::pg_catalog.text COLLATE \"C\" AS " + kIdColumn;
  if (!from_buffer)
    return select + ", 1::pg_catalog.int8 AS " + kWeightColumn + " FROM (SELECT DISTINCT " + dvm::join(keys_t, ", ") +
           " FROM " + relation + " t WHERE " + dvm::join(not_null_t, " AND ") + filter + ") k";
  return select + ", k." + kWeightColumn + " FROM (SELECT " + dvm::join(group, ", ") +
         ", CASE WHEN n.cnt > 0 THEN 1 ELSE -1 END::pg_catalog.int8 AS " + kWeightColumn + " FROM (SELECT " +
         dvm::join(keys_b, ", ") + ", pg_catalog.sum(t.__pgt_w) AS s FROM (SELECT " + dvm::join(change_columns, ", ") +
         " FROM " + changes_of(scan, from) + ") t WHERE " + dvm::join(not_null_b, " AND ") + filter + " GROUP BY " +
         dvm::join(positions, ", ") + ") d CROSS JOIN LATERAL (SELECT pg_catalog.count(*) AS cnt FROM " + relation +
         " t WHERE " + dvm::join(match, " AND ") + filter + ") n WHERE (n.cnt > 0) <> (n.cnt - d.s > 0)) k";
}

// SELECT of every attribute (so attribute numbers stay valid), the identity
// and the multiplicity: from the table (current state, `from` None) or from
// its changes.
std::string scan_sql(const Scan& scan, dvm::ChangeSource from) {
  if (!scan.distinct_keys.empty()) return distinct_keys_sql(scan, from);
  bool from_buffer = from != dvm::ChangeSource::None;
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
  if (!from_buffer)
    return sql + "1::pg_catalog.int8 AS " + kWeightColumn + " FROM " + qualified_relation(scan.relid, scan.inherit) +
           " t";
  return sql + "b.__pgt_w::pg_catalog.int8 AS " + kWeightColumn + " FROM " + changes_of(scan, from);
}

std::string deparse(Query* q) {
  const char* text = nullptr;
  pg::guard([&] { text = pg_get_querydef(q, false); });
  return text;
}

// One scan as the walk finds it (palloc'd: collected inside guard()).
struct ScanRef {
  Oid relid;
  bool inherit;
  Bitmapset* used;       // selected columns (offset by FirstLowInvalidHeapAttributeNumber)
  int distinct_keys;     // number of the distinct-keys leaf, or -1
};

// The scans of a query in walk order, with their catalog metadata.
std::vector<Scan> collect_scans(Query* query, const OuterJoinExpansion& expansion) {
  List* refs = NIL;
  auto collect = [&](Query* q, RangeTblEntry* rte) {
    (void)q;  // read by PostgreSQL 16+'s pgt_rte_selected_cols
    auto* ref = static_cast<ScanRef*>(palloc0(sizeof(ScanRef)));
    ref->relid = rte->relid;
    ref->inherit = rte->inh;
    ref->used = bms_copy(pgt_rte_selected_cols(q, rte));
    const char* alias = rte->alias != nullptr ? rte->alias->aliasname : "";
    size_t prefix = strlen(kDistinctKeysAlias);
    ref->distinct_keys = strncmp(alias, kDistinctKeysAlias, prefix) == 0 ? atoi(alias + prefix) : -1;
    refs = lappend(refs, ref);
  };
  pg::guard([&] { walk_scans(query, collect); });
  std::vector<Scan> scans;
  ListCell* lc;
  foreach (lc, refs) {
    const auto* ref = static_cast<const ScanRef*>(lfirst(lc));
    Scan scan;
    scan.relid = ref->relid;
    scan.inherit = ref->inherit;
    scan.attributes = relation_attributes(scan.relid);
    scan.key_attnums = primary_key_attnums(scan.relid);
    int member = -1;
    while ((member = bms_next_member(ref->used, member)) >= 0)
      scan.used_attnums.push_back(static_cast<AttrNumber>(member + FirstLowInvalidHeapAttributeNumber));
    if (ref->distinct_keys >= 0) {
      const DistinctKeys& keys = expansion.distinct_keys.at(ref->distinct_keys);
      scan.distinct_keys = keys.key_attnums;
      scan.distinct_filter = keys.filter_sql;
      for (AttrNumber a : keys.filter_attnums)  // (captured: the filter reads them)
        if (std::find(scan.used_attnums.begin(), scan.used_attnums.end(), a) == scan.used_attnums.end())
          scan.used_attnums.push_back(a);
    }
    scans.push_back(std::move(scan));
  }
  return scans;
}

// The Scan (or WatchedTable) node of a table, added to `nodes` or merged
// into the one already there (the columns read are their union).
dvm::PlanNode& table_node(const Scan& scan, dvm::PlanNodeKind kind, std::vector<dvm::PlanNode>* nodes) {
  for (dvm::PlanNode& node : *nodes) {
    if (node.kind != kind || node.table->relid != scan.relid) continue;
    for (AttrNumber a : scan.used_attnums) {
      const std::string& col = scan.attributes[a - 1].name;
      if (std::find(node.table->used_columns.begin(), node.table->used_columns.end(), col) ==
          node.table->used_columns.end())
        node.table->used_columns.push_back(col);
    }
    node.inherit = node.inherit || scan.inherit;
    return node;
  }
  dvm::PlanNode node;
  node.kind = kind;
  node.inherit = scan.inherit;
  if (kind == dvm::PlanNodeKind::Scan) {
    node.consumes = dvm::Flow::Changes;
    node.produces = dvm::Flow::SignedDelta;
    node.cost = dvm::CostClass::PerChange;
    if (scan.key_attnums.empty()) node.strategy = "rows identified by their values";
  } else {
    node.consumes = dvm::Flow::Changes;
    node.produces = dvm::Flow::Nothing;
    node.cost = dvm::CostClass::WholeResult;
    node.strategy = "read by a subquery in an expression: a change to it makes the refresh FULL";
  }
  dvm::SourceTable table;
  table.relid = scan.relid;
  RelationName name = relation_name(scan.relid);
  table.schema = name.schema;
  table.name = name.name;
  for (AttrNumber a : scan.key_attnums) table.key_columns.push_back(scan.attributes[a - 1].name);
  node.table = std::move(table);
  nodes->push_back(std::move(node));
  return table_node(scan, kind, nodes);
}

// What a scan means for the identities of the rows: unique only when every
// table read is keyed (or a distinct-keys leaf), bounded when its key is.
void account_identity(const Scan& scan, dvm::PlanNode* spj) {
  if (scan.key_attnums.empty() && scan.distinct_keys.empty()) spj->unique_ids = false;
  if (scan.distinct_keys.empty())
    for (AttrNumber key : scan.key_attnums)
      if (!scan.attributes[key - 1].fixed_width) spj->bounded_ids = false;
}

// Parsed scan queries: [2k] current state, [2k+1] changes.
std::vector<Query*> parse_scan_queries(const std::vector<Scan>& scans, dvm::ChangeSource from) {
  std::vector<std::string> scan_texts;
  for (const Scan& scan : scans) {
    scan_texts.push_back(scan_sql(scan, dvm::ChangeSource::None));
    scan_texts.push_back(scan_sql(scan, from));
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

}  // namespace

std::vector<OutputColumn> visible_columns(Query* query) {
  struct Output {
    const char* name;
    Oid type;
    Oid collation;
    const char* type_sql;
  };
  List* outputs = NIL;  // of Output*
  pg::guard([&] {
    ListCell* lc;
    foreach (lc, query->targetList) {
      auto* te = static_cast<TargetEntry*>(lfirst(lc));
      if (te->resjunk) continue;
      Node* expr = reinterpret_cast<Node*>(te->expr);
      auto* out = static_cast<Output*>(palloc(sizeof(Output)));
      *out = {te->resname != nullptr ? te->resname : "?column?", exprType(expr), exprCollation(expr),
              format_type_with_typemod(exprType(expr), exprTypmod(expr))};
      outputs = lappend(outputs, out);
    }
  });
  // Columns are grouped and compared by value only where equal values are
  // identical (else by their text form too: numeric 1 -> 1.0 is a change).
  std::vector<OutputColumn> columns;
  ListCell* lc;
  foreach (lc, outputs) {
    const auto* out = static_cast<const Output*>(lfirst(lc));
    columns.push_back({out->name, out->type_sql, "", equality_means_identical(out->type, out->collation),
                       type_has_equality(out->type)});
  }
  return columns;
}

dvm::PlanNode plan_select_project_join(Query* query, dvm::ChangeSource source) {
  const char* reason = nullptr;
  Oid reason_relid = InvalidOid;
  pg::guard([&] { reason = not_spj_reason(query, &reason_relid, true); });
  if (reason != nullptr) {
    std::string because = reason;
    if (OidIsValid(reason_relid)) because += " (" + relation_name(reason_relid).name + ")";
    return dvm::unmaintainable_node(because, "");
  }

  pg::guard([&] { number_function_rows(query); });
  // Outer joins: the query as a signed sum of inner-join variants.
  OuterJoinExpansion expansion = expand_outer_joins(query, parse_and_rewrite);
  if (expansion.not_supported != nullptr) return dvm::unmaintainable_node(expansion.not_supported, "");
  std::vector<OuterJoinVariant> variants = expansion.variants;
  if (variants.empty()) variants.push_back({query, 1});

  // Tables read by the subqueries left in expressions (palloc'd: collected
  // inside guard()).
  struct SublinkTable {
    Oid relid;
    const char* refused;  // why the table cannot be watched, or nullptr
    Bitmapset* cols;
  };
  List* sublink_tables = NIL;
  pg::guard([&] {
    auto visit = [](RangeTblEntry* rte, Query* owner, void* ctx) {
      (void)owner;  // read by PostgreSQL 16+'s pgt_rte_selected_cols
      auto* out = static_cast<List**>(ctx);
      // A view's own entry (kept by the rewriter for permission checks) is not read.
      if (rte->relkind == RELKIND_VIEW) return;
      const char* refused = unmaintainable_source(rte, true);
      auto* t = static_cast<SublinkTable*>(palloc(sizeof(SublinkTable)));
      *t = {rte->relid, refused, bms_copy(pgt_rte_selected_cols(owner, rte))};
      *out = lappend(*out, t);
    };
    for (const auto& v : variants) for_each_table_in_sublinks(v.query, visit, &sublink_tables);
  });
  ListCell* lc;
  foreach (lc, sublink_tables)
    if (const char* refused = static_cast<const SublinkTable*>(lfirst(lc))->refused)
      return dvm::unmaintainable_node(refused, "");

  // The scans of the query (for its full result) and of each variant.
  std::vector<Scan> query_scans = collect_scans(query, expansion);
  std::vector<std::vector<Scan>> variant_scans;
  for (const auto& v : variants) variant_scans.push_back(collect_scans(v.query, expansion));
  if (query_scans.empty()) return dvm::unmaintainable_node("a query that reads no table", "");
  for (const auto& scans : variant_scans)
    if (scans.size() > static_cast<size_t>(kMaxDifferentialScans))
      return dvm::unmaintainable_node(
          "more than " + std::to_string(kMaxDifferentialScans) + " table scans in one query", "");

  dvm::PlanNode spj;
  spj.kind = dvm::PlanNodeKind::SelectProjectJoin;
  spj.consumes = dvm::Flow::Changes;
  spj.produces = dvm::Flow::SignedDelta;
  spj.cost = dvm::CostClass::PerChange;
  spj.unique_ids = true;
  // One Scan node per table (what CDC must capture), then the watched tables.
  std::vector<dvm::PlanNode> scans, watched;
  for (const Scan& scan : query_scans) {
    account_identity(scan, &spj);
    table_node(scan, dvm::PlanNodeKind::Scan, &scans);
  }
  size_t distinct_key_leaves = 0;
  for (const auto& vs : variant_scans)
    for (const Scan& scan : vs) {
      account_identity(scan, &spj);
      table_node(scan, dvm::PlanNodeKind::Scan, &scans);
      if (!scan.distinct_keys.empty()) distinct_key_leaves++;
    }
  foreach (lc, sublink_tables) {
    const auto* t = static_cast<const SublinkTable*>(lfirst(lc));
    Scan read;
    read.relid = t->relid;
    read.inherit = false;
    read.attributes = relation_attributes(t->relid);
    read.key_attnums = primary_key_attnums(t->relid);
    int member = -1;
    while ((member = bms_next_member(t->cols, member)) >= 0) {
      AttrNumber attnum = static_cast<AttrNumber>(member + FirstLowInvalidHeapAttributeNumber);
      if (attnum > 0) read.used_attnums.push_back(attnum);
    }
    table_node(read, dvm::PlanNodeKind::WatchedTable, &watched);  // its rows are not the stream table's
  }
  spj.children = std::move(scans);
  int negative = 0;
  for (const auto& v : expansion.variants) negative += v.sign < 0 ? 1 : 0;
  // Shown when it changes the terms: several variants, or distinct join keys
  // read as a leaf (semi-joins).
  if (expansion.variants.size() > 1 || distinct_key_leaves > 0) {
    dvm::PlanNode expanded;
    expanded.kind = dvm::PlanNodeKind::OuterJoinExpansion;
    expanded.consumes = dvm::Flow::Changes;
    expanded.produces = dvm::Flow::SignedDelta;
    expanded.cost = dvm::CostClass::PerChange;
    size_t count = expansion.variants.size();
    expanded.strategy = "outer joins / EXISTS / IN as " + std::to_string(count) + " inner-join variant" +
                        (count == 1 ? "" : "s") + " (" + std::to_string(count - negative) + " added, " +
                        std::to_string(negative) + " subtracted), reading distinct join keys " +
                        std::to_string(distinct_key_leaves) + " time" + (distinct_key_leaves == 1 ? "" : "s");
    spj.children.insert(spj.children.begin(), std::move(expanded));
  }
  for (dvm::PlanNode& w : watched) spj.children.push_back(std::move(w));
  spj.grows_with_inserts = negative == 0 && distinct_key_leaves == 0;
  // A subtracted variant (outer join padding, NOT EXISTS) loses rows when its
  // table gains one; a subquery in an expression can change any value.
  if (negative > 0)
    spj.not_monotone = "an outer join, NOT EXISTS or NOT IN";
  else if (!watched.empty())
    spj.not_monotone = "a subquery in an expression (scalar subquery, ANY / ALL, ...)";

  if (source == dvm::ChangeSource::None) {
    spj.strategy = "inclusion-exclusion over " + std::to_string(query_scans.size()) + " scan" +
                   (query_scans.size() == 1 ? "" : "s") +
                   (spj.grows_with_inserts ? "; batches of inserts appended" : "");
    return spj;
  }

  spj.columns = visible_columns(query);
  // The full query (no delta), and Q[S] for every nonempty subset S of each
  // variant's scans, with the variant's sign.
  std::vector<Query*> query_scan_queries = parse_scan_queries(query_scans, source);
  spj.full_sql = term_sql(query, 0, query_scan_queries, expansion.nullable_rtis);
  for (size_t v = 0; v < variants.size(); v++) {
    std::vector<Query*> scan_queries = parse_scan_queries(variant_scans[v], source);
    unsigned term_count = 1u << variant_scans[v].size();
    for (unsigned mask = 1; mask < term_count; mask++) {
      std::string sql = term_sql(variants[v].query, mask, scan_queries, expansion.nullable_rtis);
      if (sql.empty()) continue;
      dvm::DeltaTerm term{mask, sql, variants[v].sign < 0};
      for (size_t k = 0; k < variant_scans[v].size(); k++)
        if ((mask >> k) & 1u) term.delta_tables.push_back(variant_scans[v][k].relid);
      spj.terms.push_back(std::move(term));
    }
  }
  spj.strategy = "inclusion-exclusion over " + std::to_string(query_scans.size()) + " scan" +
                 (query_scans.size() == 1 ? "" : "s") + ", " + std::to_string(spj.terms.size()) + " term" +
                 (spj.terms.size() == 1 ? "" : "s") + (spj.grows_with_inserts ? "; batches of inserts appended" : "");
  return spj;
}

}  // namespace pgt::frontend
