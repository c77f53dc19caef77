// Grouping queries split into input and grouping: see grouped_derivation.h.
//
// Query-tree work runs inside guard() on palloc'd data; the C++ shape is
// filled from plain values afterwards.
#include "frontend/grouped_derivation.h"

#include <cstring>
#include <string>
#include <vector>

#include "common/sql_quote.h"
#include "frontend/query_tree.h"
#include "frontend/value_identity.h"
#include "pg/boundary.h"
#include "pg/index_lookup.h"

extern "C" {
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_am.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "parser/parsetree.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/syscache.h"
#include "lib/stringinfo.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "rewrite/rewriteManip.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/ruleutils.h"
}

namespace pgt::frontend {

namespace {

constexpr const char* kInputCte = "__pgt_input";

// What the grouping reads from I: keys first, then each aggregate's
// arguments and FILTER, numbered as I's columns (1-based).
// (PostgreSQL lists: filled inside guard().)
struct InputColumns {
  List* keys = NIL;            // key expressions (TargetEntry exprs of the grouping clause)
  List* aggrefs = NIL;         // Aggref*: every aggregate call, as found in q
  List* arg_columns = NIL;     // per aggregate: List of int, I's columns of its arguments
  List* filter_columns = NIL;  // per aggregate: int, I's column of its FILTER, or 0
  List* targets = NIL;         // I's target list
};

bool collect_aggrefs(Node* node, List** out) {
  if (node == nullptr) return false;
  if (IsA(node, Aggref)) {
    if (!list_member(*out, node)) *out = lappend(*out, node);  // list_member compares with equal()
    return false;  // aggregates do not nest
  }
  return expression_tree_walker(node, PGT_WALKER(collect_aggrefs), out);
}

// The aggregate call's number in `in`, or -1.
int aggref_number(const InputColumns& in, Node* expr) {
  int m = 0;
  ListCell* lc;
  foreach (lc, in.aggrefs) {
    if (equal(lfirst(lc), expr)) return m;
    m++;
  }
  return -1;
}

List* grouping_clause(Query* q) { return q->groupClause != NIL ? q->groupClause : q->distinctClause; }

// Fills *in (owned by the caller: no C++ object may live in a frame that a
// PostgreSQL error can longjmp out of).
void input_columns(Query* q, InputColumns* in) {
  auto add = [&](Expr* e, char* name) {
    AttrNumber attno = static_cast<AttrNumber>(list_length(in->targets) + 1);
    in->targets = lappend(in->targets, makeTargetEntry(static_cast<Expr*>(copyObjectImpl(e)), attno, name, false));
    return attno;
  };
  ListCell* lc;
  foreach (lc, grouping_clause(q)) {
    TargetEntry* tle = get_sortgroupclause_tle(static_cast<SortGroupClause*>(lfirst(lc)), q->targetList);
    add(tle->expr, psprintf("__pgt_g%d", list_length(in->keys)));
    in->keys = lappend(in->keys, tle->expr);
  }
  foreach (lc, q->targetList) collect_aggrefs(reinterpret_cast<Node*>(static_cast<TargetEntry*>(lfirst(lc))->expr), &in->aggrefs);
  collect_aggrefs(q->havingQual, &in->aggrefs);
  int m = 0;
  foreach (lc, in->aggrefs) {
    auto* aggref = static_cast<Aggref*>(lfirst(lc));
    List* args = NIL;
    ListCell* ac;
    int k = 0;
    foreach (ac, aggref->args)
      args = lappend_int(args, add(static_cast<TargetEntry*>(lfirst(ac))->expr, psprintf("__pgt_a%d_%d", m, k++)));
    in->arg_columns = lappend(in->arg_columns, args);
    in->filter_columns =
        lappend_int(in->filter_columns, aggref->aggfilter != nullptr ? add(aggref->aggfilter, psprintf("__pgt_f%d", m)) : 0);
    m++;
  }
  // count(*) alone reads no column: I still needs one.
  if (in->targets == NIL) add(reinterpret_cast<Expr*>(makeBoolConst(true, false)), pstrdup("__pgt_row"));
}


// Rewrites the grouping's expressions over the CTE holding I.
struct OverInput {
  const InputColumns* in;
  bool unmapped_column = false;
};

Node* map_over_input(Node* node, OverInput* ctx) {
  if (node == nullptr) return nullptr;
  ListCell* lc;
  int i = 0;
  foreach (lc, ctx->in->keys) {
    Node* key = static_cast<Node*>(lfirst(lc));
    i++;
    if (equal(node, key))
      return reinterpret_cast<Node*>(makeVar(1, static_cast<AttrNumber>(i), exprType(key), exprTypmod(key),
                                             exprCollation(key), 0));
  }
  if (IsA(node, Aggref)) {
    auto* a = static_cast<Aggref*>(copyObjectImpl(node));
    int m = aggref_number(*ctx->in, node);
    if (m >= 0) {
      List* arg_columns = static_cast<List*>(list_nth(ctx->in->arg_columns, m));
      int k = 0;
      ListCell* ac;
      foreach (ac, a->args) {
        auto* tle = static_cast<TargetEntry*>(lfirst(ac));
        Node* e = reinterpret_cast<Node*>(tle->expr);
        tle->expr = reinterpret_cast<Expr*>(makeVar(1, static_cast<AttrNumber>(list_nth_int(arg_columns, k++)),
                                                    exprType(e), exprTypmod(e), exprCollation(e), 0));
      }
      if (a->aggfilter != nullptr)
        a->aggfilter = reinterpret_cast<Expr*>(makeVar(1, static_cast<AttrNumber>(list_nth_int(ctx->in->filter_columns, m)),
                                                       BOOLOID, -1, InvalidOid, 0));
      // Direct arguments (ordered-set aggregates) are per group: map them too.
      a->aggdirectargs = reinterpret_cast<List*>(map_over_input(reinterpret_cast<Node*>(a->aggdirectargs), ctx));
      return reinterpret_cast<Node*>(a);
    }
  }
  if (IsA(node, Var)) ctx->unmapped_column = true;
  return expression_tree_mutator(node, PGT_MUTATOR(map_over_input), ctx);
}

// The grouping over the CTE __pgt_input (I): q's target list, grouping and
// HAVING with I's columns, plus the keys as __pgt_g<i>. NULL when q reads a
// column neither grouped nor aggregated (allowed by a primary key).
Query* grouping_over_input(Query* q, const InputColumns& in) {
  Query* g = static_cast<Query*>(copyObjectImpl(q));
  List* colnames = NIL;
  ListCell* lc;
  foreach (lc, in.targets) colnames = lappend(colnames, makeString(pstrdup(static_cast<TargetEntry*>(lfirst(lc))->resname)));
  RangeTblEntry* rte = makeNode(RangeTblEntry);
  rte->rtekind = RTE_CTE;
  rte->ctename = pstrdup(kInputCte);
  rte->ctelevelsup = 0;
  rte->eref = makeAlias(kInputCte, colnames);
  rte->inFromCl = true;
  g->rtable = list_make1(rte);
  g->jointree = makeFromExpr(list_make1(makeNode(RangeTblRef)), nullptr);
  static_cast<RangeTblRef*>(linitial(g->jointree->fromlist))->rtindex = 1;
  g->cteList = NIL;
  g->sortClause = NIL;
  g->rowMarks = NIL;

  OverInput ctx{&in};
  List* targets = NIL;
  foreach (lc, g->targetList) {
    auto* tle = static_cast<TargetEntry*>(lfirst(lc));
    // Junk entries only matter when the grouping uses them.
    if (tle->resjunk && (tle->ressortgroupref == 0 ||
                         get_sortgroupref_clause_noerr(tle->ressortgroupref, grouping_clause(g)) == nullptr))
      continue;
    tle->expr = reinterpret_cast<Expr*>(map_over_input(reinterpret_cast<Node*>(tle->expr), &ctx));
    targets = lappend(targets, tle);
  }
  int i = 0;
  foreach (lc, in.keys) {
    Node* key = static_cast<Node*>(lfirst(lc));
    char* name = psprintf("__pgt_g%d", i++);
    targets = lappend(targets, makeTargetEntry(reinterpret_cast<Expr*>(makeVar(1, static_cast<AttrNumber>(i),
                                                                                exprType(key), exprTypmod(key),
                                                                                exprCollation(key), 0)),
                                               static_cast<AttrNumber>(list_length(targets) + 1), name, false));
  }
  // Renumber: dropped junk entries leave gaps.
  int resno = 0;
  foreach (lc, targets) static_cast<TargetEntry*>(lfirst(lc))->resno = static_cast<AttrNumber>(++resno);
  g->targetList = targets;
  g->havingQual = map_over_input(g->havingQual, &ctx);
  return ctx.unmapped_column ? nullptr : g;
}

// How the algebraic strategy maintains one aggregate call, if it can.
// A valid plain btree index of relid whose first columns are the keys (in any
// order) followed by arg; InvalidOid when there is none. Inside guard().
Oid index_leading_with(Oid relid, const AttrNumber* keys, int nkeys, AttrNumber arg) {
  Relation rel = table_open(relid, AccessShareLock);
  Oid index = pg::first_index(rel, [&](HeapTuple row, Form_pg_index form) {
    bool fits = form->indnkeyatts > nkeys && form->indkey.values[nkeys] == arg &&
                heap_attisnull(row, Anum_pg_index_indexprs, nullptr) &&
                heap_attisnull(row, Anum_pg_index_indpred, nullptr);
    for (int i = 0; fits && i < nkeys; i++) {
      bool is_key = false;
      for (int k = 0; k < nkeys; k++) is_key = is_key || form->indkey.values[i] == keys[k];
      fits = is_key;
    }
    HeapTuple index_class = SearchSysCache1(RELOID, ObjectIdGetDatum(form->indexrelid));
    if (!HeapTupleIsValid(index_class)) return false;
    fits = fits && reinterpret_cast<Form_pg_class>(GETSTRUCT(index_class))->relam == BTREE_AM_OID;
    ReleaseSysCache(index_class);
    return fits;
  });
  table_close(rel, AccessShareLock);
  return index;
}

// Whether every MIN / MAX of an algebraic grouping can be probed through an
// index (see GroupedShape::extremum_probes); the indexes are appended to
// *indexes. Inside guard(): only PostgreSQL objects in this frame.
bool extremum_probes_possible(Query* q, const InputColumns& in, List** indexes) {
  if (q->jointree == nullptr || list_length(q->jointree->fromlist) != 1) return false;
  Node* item = static_cast<Node*>(linitial(q->jointree->fromlist));
  if (!IsA(item, RangeTblRef)) return false;
  int rti = castNode(RangeTblRef, item)->rtindex;
  RangeTblEntry* rte = rt_fetch(rti, q->rtable);
  if (rte->rtekind != RTE_RELATION || rte->relkind != RELKIND_RELATION || rte->tablesample != nullptr ||
      checkExprHasSubLink(q->jointree->quals))
    return false;
  auto column_of = [rti](Node* e) -> AttrNumber {
    if (e == nullptr || !IsA(e, Var)) return InvalidAttrNumber;
    auto* v = castNode(Var, e);
    return v->varno == rti && v->varlevelsup == 0 && v->varattno > 0 ? v->varattno : InvalidAttrNumber;
  };
  AttrNumber keys[INDEX_MAX_KEYS];
  int nkeys = 0;
  ListCell* lc;
  foreach (lc, in.keys) {
    AttrNumber key = column_of(static_cast<Node*>(lfirst(lc)));
    if (key == InvalidAttrNumber || nkeys >= INDEX_MAX_KEYS - 1) return false;
    // With two keys or more, a group with a NULL key would need a probe of
    // its own shape.
    if (list_length(in.keys) > 1 && !column_not_null(rte->relid, key)) return false;
    keys[nkeys++] = key;
  }
  bool any = false;
  foreach (lc, in.aggrefs) {
    auto* a = static_cast<Aggref*>(lfirst(lc));
    const char* fn = get_func_name(a->aggfnoid);
    if (get_func_namespace(a->aggfnoid) != PG_CATALOG_NAMESPACE || (strcmp(fn, "min") != 0 && strcmp(fn, "max") != 0))
      continue;
    if (list_length(a->args) != 1) return false;
    AttrNumber arg = column_of(reinterpret_cast<Node*>(static_cast<TargetEntry*>(linitial(a->args))->expr));
    Oid index = arg == InvalidAttrNumber ? InvalidOid : index_leading_with(rte->relid, keys, nkeys, arg);
    if (!OidIsValid(index)) return false;
    *indexes = lappend_oid(*indexes, index);
    any = true;
  }
  return any;
}

// How an algebraic aggregate is kept (C strings: found inside guard()).
struct AggregateFacts {
  dvm::AggregateKind kind;
  const char* sum_type;       // see dvm::AggregateOutput
  const char* weighted_type;
  const char* arg;            // column of I, or nullptr (COUNT(*))
  const char* filter;         // column of I holding FILTER, or nullptr
};

bool algebraic_kind(Aggref* a, AggregateFacts* out) {
  if (a->aggdistinct != NIL || a->aggorder != NIL || a->aggkind != AGGKIND_NORMAL || a->aggdirectargs != NIL ||
      a->aggvariadic || get_func_namespace(a->aggfnoid) != PG_CATALOG_NAMESPACE)
    return false;
  const char* fn = get_func_name(a->aggfnoid);
  auto is = [&](const char* n) { return strcmp(fn, n) == 0; };
  Oid arg_type = list_length(a->args) == 1
                     ? exprType(reinterpret_cast<Node*>(static_cast<TargetEntry*>(linitial(a->args))->expr))
                     : InvalidOid;
  if (is("count")) {
    out->kind = a->aggstar ? dvm::AggregateKind::CountStar : dvm::AggregateKind::Count;
    return a->aggstar || list_length(a->args) == 1;
  }
  if (is("min") || is("max")) {
    out->kind = is("min") ? dvm::AggregateKind::Min : dvm::AggregateKind::Max;
    return list_length(a->args) == 1;
  }
  if (!is("sum") && !is("avg")) return false;
  // Exact arithmetic only: float sums depend on the order of addition.
  switch (arg_type) {
    case INT2OID:
    case INT4OID:
      out->weighted_type = "pg_catalog.int8";
      break;
    case INT8OID:
      out->weighted_type = "pg_catalog.numeric";
      break;
    case NUMERICOID:
      // sum() shows the largest scale among the rows it adds, which a running
      // sum cannot follow when rows leave; a declared scale never changes.
      if (exprTypmod(reinterpret_cast<Node*>(static_cast<TargetEntry*>(linitial(a->args))->expr)) < 0) return false;
      out->weighted_type = "pg_catalog.numeric";
      break;
    default:
      return false;
  }
  out->kind = is("sum") ? dvm::AggregateKind::Sum : dvm::AggregateKind::Avg;
  out->sum_type = is("sum") ? format_type_be_qualified(a->aggtype) : "pg_catalog.numeric";
  return true;
}


void make_union_all(Node* node) {
  if (node == nullptr || IsA(node, RangeTblRef)) return;
  auto* setop = castNode(SetOperationStmt, node);
  setop->all = true;
  make_union_all(setop->larg);
  make_union_all(setop->rarg);
}

// The branch a leaf of a set operation reads, deparsed.
const char* leaf_sql(Query* q, Node* leaf) {
  auto* rte = static_cast<RangeTblEntry*>(list_nth(q->rtable, castNode(RangeTblRef, leaf)->rtindex - 1));
  return pg_get_querydef(rte->subquery, false);
}

// A visible output of a grouping, described inside guard() (palloc'd).
struct OutputFacts {
  const char* name;
  const char* type_sql;
  bool comparable;
  int key;                    // index into the grouping keys, or -1
  AggregateFacts* aggregate;  // algebraic: how it is kept; nullptr for a key or another expression
};

// A grouping key, described inside guard().
struct KeyFacts {
  dvm::KeyText kind;
  bool fixed_width;
};

OutputFacts* output_facts(TargetEntry* tle, int key) {
  Node* expr = reinterpret_cast<Node*>(tle->expr);
  auto* out = static_cast<OutputFacts*>(palloc0(sizeof(OutputFacts)));
  out->name = tle->resname != nullptr ? tle->resname : "?column?";
  out->type_sql = format_type_with_typemod(exprType(expr), exprTypmod(expr));
  out->comparable = equality_means_identical(exprType(expr), exprCollation(expr)) && type_has_equality(exprType(expr));
  out->key = key;
  return out;
}

// The shape's keys and outputs from their facts (outside guard()).
void fill_shape(List* keys, List* outputs, dvm::GroupedShape* shape) {
  ListCell* lc;
  int i = 0;
  foreach (lc, keys) {
    shape->keys.push_back("__pgt_g" + std::to_string(i++));
    shape->key_texts.push_back(static_cast<KeyFacts*>(lfirst(lc))->kind);
  }
  foreach (lc, outputs) {
    const auto* facts = static_cast<const OutputFacts*>(lfirst(lc));
    dvm::GroupedOutput out;
    out.name = facts->name;
    out.type_sql = facts->type_sql;
    out.comparable = facts->comparable;
    out.key = facts->key;
    if (const AggregateFacts* a = facts->aggregate) {
      dvm::AggregateOutput agg;
      agg.kind = a->kind;
      if (a->arg != nullptr) agg.arg = a->arg;
      if (a->filter != nullptr) agg.filter = a->filter;
      if (a->sum_type != nullptr) agg.sum_type = a->sum_type;
      if (a->weighted_type != nullptr) agg.weighted_type = a->weighted_type;
      shape->aggregates.push_back(std::move(agg));
      out.aggregate = static_cast<int>(shape->aggregates.size()) - 1;
    }
    shape->outputs.push_back(std::move(out));
  }
}

// Set operations that remove duplicates, as a grouping of their branches'
// UNION ALL: UNION keeps each distinct row; INTERSECT / EXCEPT keep a row by
// its counts on each side (group rescan with a HAVING on them).
GroupedDerivation derive_set_operation(Query* q) {
  GroupedDerivation result;
  dvm::GroupedShape& shape = result.shape;
  const char* reason = nullptr;
  const char* branches = nullptr;  // UNION ALL of the branches, columns __pgt_g<i> (+ side counts)
  const char* refused_type = nullptr;
  bool intersect = false;
  bool all = false;
  bool bounded_keys = true;
  List* key_facts = NIL;  // KeyFacts*
  List* outputs = NIL;    // OutputFacts*
  pg::guard([&] {
    auto* root = castNode(SetOperationStmt, q->setOperations);
    if (q->limitCount != nullptr || q->limitOffset != nullptr) {
      reason = "LIMIT / OFFSET";
      return;
    }
    StringInfoData keys;
    initStringInfo(&keys);
    ListCell* lc;
    int i = 0;
    foreach (lc, q->targetList) {
      auto* tle = static_cast<TargetEntry*>(lfirst(lc));
      appendStringInfo(&keys, "%su.%s AS __pgt_g%d", i ? ", " : "",
                       quote_identifier(tle->resname != nullptr ? tle->resname : "?column?"), i);
      i++;
    }
    if (root->op == SETOP_UNION && !root->all && only_unions(q->setOperations)) {
      // DISTINCT of any tree of unions is DISTINCT of all branches together.
      Query* all = static_cast<Query*>(copyObjectImpl(q));
      make_union_all(all->setOperations);
      branches = psprintf("SELECT %s FROM (%s) u", keys.data, pg_get_querydef(all, false));
    } else if ((root->op == SETOP_INTERSECT || root->op == SETOP_EXCEPT) && IsA(root->larg, RangeTblRef) &&
               IsA(root->rarg, RangeTblRef)) {
      intersect = root->op == SETOP_INTERSECT;
      all = root->all;
      branches = psprintf("SELECT %s, u.__pgt_l AS __pgt_a0_0, u.__pgt_r AS __pgt_a1_0 FROM ("
                          "SELECT l.*, 1 AS __pgt_l, 0 AS __pgt_r FROM (%s) l UNION ALL "
                          "SELECT r.*, 0 AS __pgt_l, 1 AS __pgt_r FROM (%s) r) u",
                          keys.data, leaf_sql(q, root->larg), leaf_sql(q, root->rarg));
    } else {
      reason = "INTERSECT / EXCEPT of set operations (only of two queries)";
      return;
    }
    i = 0;
    foreach (lc, q->targetList) {
      auto* tle = static_cast<TargetEntry*>(lfirst(lc));
      Node* expr = reinterpret_cast<Node*>(tle->expr);
      auto* key = static_cast<KeyFacts*>(palloc(sizeof(KeyFacts)));
      key->kind = dvm::KeyText::Plain;
      if (const char* type = key_text_of(exprType(expr), exprCollation(expr), &key->kind)) {
        refused_type = type;
        return;
      }
      key->fixed_width = get_typlen(exprType(expr)) > 0;
      if (!key->fixed_width) bounded_keys = false;
      key_facts = lappend(key_facts, key);
      outputs = lappend(outputs, output_facts(tle, i++));
    }
  });
  result.bounded_keys = bounded_keys;
  fill_shape(key_facts, outputs, &shape);
  if (reason != nullptr || refused_type != nullptr) {
    result.not_differentiable_because =
        reason != nullptr ? reason
                          : "UNION / INTERSECT / EXCEPT of values of type " + std::string(refused_type) +
                                " (equal values of it can differ)";
    return result;
  }
  result.input_sql = branches;
  bool is_union = result.input_sql.find("__pgt_a0_0") == std::string::npos;
  bool keys_show_one_form = true;  // see derive_grouping
  for (dvm::KeyText kind : shape.key_texts)
    if (!dvm::key_has_one_form(kind)) keys_show_one_form = false;
  if (is_union && keys_show_one_form) {
    shape.algebraic = true;  // UNION: a DISTINCT, kept by row counts
    return result;
  }
  std::string select, group;
  for (size_t k = 0; k < shape.keys.size(); k++) {
    select += (k ? ", " : "") + shape.keys[k] + " AS " + quote_ident(shape.outputs[k].name);
    group += (k ? ", " : "") + shape.keys[k];
  }
  for (const auto& key : shape.keys) select += ", " + key;
  if (all) {
    // INTERSECT ALL keeps min(left, right) copies of a row, EXCEPT ALL
    // left - right; every copy shows the same form only when keys have one.
    if (!keys_show_one_form) {
      result.not_differentiable_because =
          "INTERSECT ALL / EXCEPT ALL of values whose equal values can look different (numeric, float, char(n))";
      return result;
    }
    shape.multiplicity = true;
    shape.grouping_sql = "SELECT " + select + ", " +
                         (intersect ? "LEAST(pg_catalog.sum(__pgt_a0_0), pg_catalog.sum(__pgt_a1_0))"
                                    : "GREATEST(pg_catalog.sum(__pgt_a0_0) - pg_catalog.sum(__pgt_a1_0), 0)") +
                         "::pg_catalog.int8 AS __pgt_m FROM " + kInputCte + " GROUP BY " + group;
    return result;
  }
  shape.grouping_sql = "SELECT " + select + " FROM " + kInputCte + " GROUP BY " + group;
  if (!is_union)
    shape.grouping_sql += std::string(" HAVING pg_catalog.sum(__pgt_a0_0) > 0 AND pg_catalog.sum(__pgt_a1_0) ") +
                          (intersect ? "> 0" : "= 0");
  return result;
}

}  // namespace

Query* grouping_input(Query* q, List* targets) {
  Query* input = static_cast<Query*>(copyObjectImpl(q));
  input->targetList = targets;
  input->hasAggs = false;
  input->groupClause = NIL;
  input->groupDistinct = false;
  input->havingQual = nullptr;
  input->distinctClause = NIL;
  input->hasDistinctOn = false;
  input->sortClause = NIL;
  // (The input of a window or of a top-k, for partition rescan.)
  input->hasWindowFuncs = false;
  input->windowClause = NIL;
  input->limitCount = nullptr;
  input->limitOffset = nullptr;
  input->limitOption = LIMIT_OPTION_DEFAULT;
  return input;
}

const char* key_text_of(Oid type, Oid collation, dvm::KeyText* out) {
  Oid base = getBaseType(type);
  if (base == TIMESTAMPTZOID) *out = dvm::KeyText::Utc;
  else if (base == NUMERICOID) *out = dvm::KeyText::Numeric;
  else if (base == FLOAT4OID || base == FLOAT8OID) *out = dvm::KeyText::Float;
  // char(n) compares without trailing blanks, and its text form drops them.
  else if (base == BPCHAROID && (!OidIsValid(collation) || get_collation_isdeterministic(collation)))
    *out = dvm::KeyText::Padded;
  else if (equality_means_identical(type, collation)) *out = dvm::KeyText::Plain;
  else return format_type_be(type);
  return nullptr;
}

bool is_grouping_query(Query* q) {
  return q->hasAggs || q->groupClause != NIL || q->groupingSets != NIL || q->havingQual != nullptr ||
         q->distinctClause != NIL || (q->setOperations != nullptr && !is_union_all_tree(q->setOperations));
}

GroupedDerivation derive_grouping(Query* q) {
  if (q->setOperations != nullptr) return derive_set_operation(q);
  GroupedDerivation result;
  const char* reason = nullptr;
  Query* input = nullptr;
  Query* grouping = nullptr;
  InputColumns in;
  pg::guard([&] {
    if (q->groupingSets != NIL) reason = "GROUPING SETS / CUBE / ROLLUP";
    else if (q->hasDistinctOn) reason = "DISTINCT ON";
    else if (q->distinctClause != NIL && (q->hasAggs || q->groupClause != NIL)) reason = "DISTINCT over aggregates";
    else if (q->hasWindowFuncs) reason = "window functions";
    // EXISTS / IN in WHERE belong to the input (see outer_join_expansion.h).
    else if (checkExprHasSubLink(reinterpret_cast<Node*>(q->targetList)) || checkExprHasSubLink(q->havingQual))
      reason = "subqueries in the select list or HAVING";
    else if (q->hasTargetSRFs) reason = "set-returning functions in the select list";
    else if (q->setOperations != nullptr) reason = "UNION / INTERSECT / EXCEPT";
    else if (q->limitCount != nullptr || q->limitOffset != nullptr) reason = "LIMIT / OFFSET";
    if (reason != nullptr) return;
    input_columns(q, &in);
    input = grouping_input(q, in.targets);
  });
  if (reason != nullptr) {
    result.not_differentiable_because = reason;
    return result;
  }

  dvm::GroupedShape& shape = result.shape;
  bool algebraic = q->havingQual == nullptr;
  bool bounded_keys = true;
  const char* refused_type = nullptr;
  bool nondeterministic = false;
  List* key_facts = NIL;  // KeyFacts*
  List* outputs = NIL;    // OutputFacts*
  pg::guard([&] {
    ListCell* lc;
    foreach (lc, in.keys) {
      Node* key = static_cast<Node*>(lfirst(lc));
      auto* facts = static_cast<KeyFacts*>(palloc(sizeof(KeyFacts)));
      facts->kind = dvm::KeyText::Plain;
      if (const char* type = key_text_of(exprType(key), exprCollation(key), &facts->kind)) {
        refused_type = type;
        nondeterministic = OidIsValid(exprCollation(key)) && !get_collation_isdeterministic(exprCollation(key));
        return;
      }
      facts->fixed_width = get_typlen(exprType(key)) > 0;
      if (!facts->fixed_width) bounded_keys = false;
      key_facts = lappend(key_facts, facts);
      // The group shows the form (1 or 1.0, 0 or -0) of one of its rows: when
      // rows leave, only a recomputation knows which forms are left.
      if (!dvm::key_has_one_form(facts->kind)) algebraic = false;
    }
    foreach (lc, q->targetList) {
      auto* tle = static_cast<TargetEntry*>(lfirst(lc));
      if (tle->resjunk) continue;
      Node* expr = reinterpret_cast<Node*>(tle->expr);
      int key = -1, k = 0;
      ListCell* kc;
      foreach (kc, in.keys) {
        if (tle->ressortgroupref != 0 && equal(expr, lfirst(kc))) key = k;
        k++;
      }
      OutputFacts* out = output_facts(tle, key);
      outputs = lappend(outputs, out);
      if (key >= 0 || !algebraic) continue;
      auto* agg = static_cast<AggregateFacts*>(palloc0(sizeof(AggregateFacts)));
      int m = IsA(expr, Aggref) && algebraic_kind(castNode(Aggref, expr), agg) ? aggref_number(in, expr) : -1;
      if (m < 0) {
        algebraic = false;
        continue;
      }
      List* args = static_cast<List*>(list_nth(in.arg_columns, m));
      if (args != NIL) agg->arg = static_cast<TargetEntry*>(list_nth(in.targets, linitial_int(args) - 1))->resname;
      int filter = list_nth_int(in.filter_columns, m);
      if (filter != 0) agg->filter = static_cast<TargetEntry*>(list_nth(in.targets, filter - 1))->resname;
      out->aggregate = agg;
    }
    if (!algebraic) grouping = grouping_over_input(q, in);
  });
  if (refused_type != nullptr) {
    result.not_differentiable_because = std::string("GROUP BY / DISTINCT on a value of type ") + refused_type +
                                        (nondeterministic ? " with a nondeterministic collation" : "") +
                                        " (equal values of it can differ)";
    return result;
  }
  result.bounded_keys = bounded_keys;
  fill_shape(key_facts, outputs, &shape);
  shape.scalar = q->groupClause == NIL && q->distinctClause == NIL;
  shape.algebraic = algebraic;
  if (algebraic) {
    List* indexes = NIL;
    pg::guard([&] { shape.extremum_probes = extremum_probes_possible(q, in, &indexes); });
    ListCell* lc;
    foreach (lc, indexes) result.probe_indexes.push_back(lfirst_oid(lc));
  }
  if (!algebraic) {
    shape.aggregates.clear();
    for (auto& o : shape.outputs) o.aggregate = -1;
    if (grouping == nullptr) {
      result.not_differentiable_because =
          "a select-list column that is neither grouped nor aggregated (allowed by a primary key)";
      return result;
    }
    const char* text = nullptr;
    pg::guard([&] { text = pg_get_querydef(grouping, false); });
    shape.grouping_sql = text;
  }
  const char* text = nullptr;
  pg::guard([&] { text = pg_get_querydef(input, false); });
  result.input_sql = text;
  return result;
}

}  // namespace pgt::frontend
