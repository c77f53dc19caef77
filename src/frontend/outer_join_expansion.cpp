// Outer joins as signed sums of inner joins: see outer_join_expansion.h.
//
// Everything here runs inside guard() on palloc'd Query trees; the C++
// vectors it fills belong to the caller.
#include "frontend/outer_join_expansion.h"
#include "frontend/value_identity.h"

#include "pg/boundary.h"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "lib/stringinfo.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "rewrite/rewriteManip.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"
}

namespace pgt::frontend {

namespace {

// Variants multiply (3 per LEFT / RIGHT JOIN, 5 per FULL JOIN).
constexpr int kMaxVariants = 27;

// A distinct-keys leaf while expanding (palloc'd).
struct KeysLeaf {
  Oid relid;
  bool inherit;
  List* attnos;  // int: the table's join-key columns
  // Conditions on the table alone (an outer join's ON, the subquery's
  // WHERE): the keys are those of its rows that satisfy them. Deparsed over
  // alias t (NULL: none), and the columns they read.
  char* filter_sql;
  Bitmapset* filter_attnos;  // offset by FirstLowInvalidHeapAttributeNumber
};

// What the expansion found, in PostgreSQL memory (it runs inside guard()).
struct Expansion {
  const char* not_supported;
  List* variants;          // OuterJoinVariant*
  Bitmapset* nullable_rtis;
  List* distinct_keys;     // KeysLeaf*
};

struct VarUse {
  Index rti;
  bool uses_rti = false;
  bool uses_other = false;
};

bool find_var_use(Node* node, VarUse* use) {
  if (node == nullptr) return false;
  if (IsA(node, Var)) {
    auto* var = castNode(Var, node);
    if (var->varlevelsup == 0) (static_cast<Index>(var->varno) == use->rti ? use->uses_rti : use->uses_other) = true;
    return false;
  }
  return expression_tree_walker(node, PGT_WALKER(find_var_use), use);
}

JoinExpr* find_join(Node* node, int rtindex, bool outer_only) {
  if (node == nullptr) return nullptr;
  if (IsA(node, FromExpr)) {
    ListCell* lc;
    foreach (lc, castNode(FromExpr, node)->fromlist)
      if (JoinExpr* j = find_join(static_cast<Node*>(lfirst(lc)), rtindex, outer_only)) return j;
    return nullptr;
  }
  if (!IsA(node, JoinExpr)) return nullptr;
  auto* join = castNode(JoinExpr, node);
  if (outer_only ? join->jointype != JOIN_INNER : join->rtindex == rtindex) return join;
  if (JoinExpr* j = find_join(join->larg, rtindex, outer_only)) return j;
  return find_join(join->rarg, rtindex, outer_only);
}

Var* plain_var(Node* node) {
  while (node != nullptr && IsA(node, RelabelType)) node = reinterpret_cast<Node*>(castNode(RelabelType, node)->arg);
  return node != nullptr && IsA(node, Var) ? castNode(Var, node) : nullptr;
}

// ON split into equalities "other side = nullable.column" and conditions on
// the other side only; false for anything else.
struct JoinCondition {
  List* equalities = NIL;  // OpExpr
  List* attnos = NIL;      // int: the nullable table's column in each equality
  List* other_side = NIL;  // conditions not reading the nullable table
  List* nullable_only = NIL;  // conditions reading the nullable table alone
};

// A condition on one table alone (range-table index rti at level 0) that
// can filter its distinct keys: no other table, no subquery, not volatile.
bool reads_only(Node* conjunct, Index rti) {
  Bitmapset* varnos = pull_varnos(nullptr, conjunct);
  return bms_membership(varnos) == BMS_SINGLETON && bms_is_member(static_cast<int>(rti), varnos) &&
         !contain_vars_of_level(conjunct, 1) && !checkExprHasSubLink(conjunct) &&
         !contain_volatile_functions(conjunct);
}

bool split_condition(Node* quals, Index nullable, bool allow_other_side, JoinCondition* c) {
  ListCell* lc;
  foreach (lc, make_ands_implicit(reinterpret_cast<Expr*>(quals))) {
    Node* conjunct = static_cast<Node*>(lfirst(lc));
    VarUse use{nullable};
    find_var_use(conjunct, &use);
    if (!use.uses_rti) {
      if (!allow_other_side) return false;
      c->other_side = lappend(c->other_side, conjunct);
      continue;
    }
    if (allow_other_side && reads_only(conjunct, nullable)) {
      // (A ⟕ B ON θ AND φ(B) is A ⟕ σφ(B) ON θ: φ filters B's keys.)
      c->nullable_only = lappend(c->nullable_only, conjunct);
      continue;
    }
    if (!IsA(conjunct, OpExpr) || list_length(castNode(OpExpr, conjunct)->args) != 2) return false;
    auto* op = castNode(OpExpr, conjunct);
    Node* left = static_cast<Node*>(linitial(op->args));
    Node* right = static_cast<Node*>(lsecond(op->args));
    if (!op_mergejoinable(op->opno, exprType(left)) && !op_hashjoinable(op->opno, exprType(left))) return false;
    VarUse left_use{nullable}, right_use{nullable};
    find_var_use(left, &left_use);
    find_var_use(right, &right_use);
    Var* var = nullptr;
    if (left_use.uses_rti && !right_use.uses_rti) var = plain_var(left);
    if (right_use.uses_rti && !left_use.uses_rti) var = plain_var(right);
    if (var == nullptr || static_cast<Index>(var->varno) != nullable || var->varattno <= 0) return false;
    // The distinct keys are distinct by the column's collation: it must be the comparison's.
    if (op->inputcollid != var->varcollid) return false;
    c->equalities = lappend(c->equalities, op);
    c->attnos = lappend_int(c->attnos, var->varattno);
  }
  return c->equalities != NIL;
}

int relation_natts(Oid relid) {
  HeapTuple tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
  if (!HeapTupleIsValid(tup)) elog(ERROR, "pg_trickle: relation %u vanished", relid);
  int natts = reinterpret_cast<Form_pg_class>(GETSTRUCT(tup))->relnatts;
  ReleaseSysCache(tup);
  return natts;
}

// "NULL::type AS name" for every attribute (dropped ones as int4), so that
// attribute numbers stay valid.
void append_null_columns(StringInfo buf, Oid relid) {
  int natts = relation_natts(relid);
  for (int attnum = 1; attnum <= natts; attnum++) {
    HeapTuple tup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(relid), Int16GetDatum(attnum));
    if (!HeapTupleIsValid(tup)) elog(ERROR, "pg_trickle: attribute %d of relation %u vanished", attnum, relid);
    auto* att = reinterpret_cast<Form_pg_attribute>(GETSTRUCT(tup));
    if (att->attisdropped)
      appendStringInfo(buf, "NULL::pg_catalog.int4 AS \"__pgt_dropped_%d\", ", attnum);
    else
      appendStringInfo(buf, "NULL::%s AS %s, ", format_type_with_typemod(att->atttypid, att->atttypmod),
                       quote_identifier(NameStr(att->attname)));
    ReleaseSysCache(tup);
  }
}

const char* qualified_relation(Oid relid) {
  return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), get_rel_name(relid));
}

// The join (found again in the copy) made inner, with a new condition.
JoinExpr* make_inner(Query* q, int join_rti, Node* quals) {
  JoinExpr* join = find_join(reinterpret_cast<Node*>(q->jointree), join_rti, false);
  join->jointype = JOIN_INNER;
  if (quals != nullptr) {
    join->quals = quals;
    join->usingClause = NIL;  // the condition is no longer USING's
    join->join_using_alias = nullptr;
  }
  rt_fetch(join_rti, q->rtable)->jointype = JOIN_INNER;
  return join;
}

Query* copy_query(Query* q) { return static_cast<Query*>(copyObjectImpl(q)); }

// The nullable table replaced by one row of NULLs (identity NULL, weight 1).
Query* padded_variant(Query* q, int join_rti, Index nullable, Query* (*parse)(const char*)) {
  Query* v = copy_query(q);
  make_inner(v, join_rti, reinterpret_cast<Node*>(makeBoolConst(true, false)));
  RangeTblEntry* rte = rt_fetch(nullable, v->rtable);
  StringInfoData sql;
  initStringInfo(&sql);
  appendStringInfoString(&sql, "SELECT ");
  append_null_columns(&sql, rte->relid);
  appendStringInfoString(&sql, "NULL::pg_catalog.text COLLATE \"C\" AS __pgt_id, 1::pg_catalog.int8 AS __pgt_w");
  replace_with_subquery(rte, parse(sql.data), kPaddingAlias);
  return v;
}

struct KeyColumn {
  Index rti;
  AttrNumber attno;
};

Node* point_at_key_column(Node* node, KeyColumn* key) {
  if (node == nullptr) return nullptr;
  if (IsA(node, Var)) {
    auto* var = static_cast<Var*>(copyObjectImpl(node));
    if (var->varlevelsup == 0 && static_cast<Index>(var->varno) == key->rti) {
      var->varattno = key->attno;
      var->varattnosyn = key->attno;  // what ruleutils prints
    }
    return reinterpret_cast<Node*>(var);
  }
  return expression_tree_mutator(node, PGT_MUTATOR(point_at_key_column), key);
}

// The nullable table replaced by its distinct join keys (K number k), its
// columns NULL; the join condition reads the keys instead.
Query* keys_variant(Query* q, int join_rti, Index nullable, const JoinCondition& c, int k,
                    Query* (*parse)(const char*)) {
  Query* v = copy_query(q);
  RangeTblEntry* rte = rt_fetch(nullable, v->rtable);
  Oid relid = rte->relid;
  int natts = relation_natts(relid);
  char* leaf = psprintf("%s%d", kDistinctKeysAlias, k);
  StringInfoData sql;
  initStringInfo(&sql);
  appendStringInfoString(&sql, "SELECT ");
  append_null_columns(&sql, relid);
  int i = 0;
  ListCell* lc;
  foreach (lc, c.attnos) {
    appendStringInfo(&sql, "%s%s.%s AS __pgt_key%d", i ? ", " : "", quote_identifier(leaf),
                     quote_identifier(get_attname(relid, static_cast<AttrNumber>(lfirst_int(lc)), false)), i);
    i++;
  }
  appendStringInfo(&sql, " FROM %s%s %s", rte->inh ? "" : "ONLY ", qualified_relation(relid), quote_identifier(leaf));

  List* quals = NIL;
  i = 0;
  foreach (lc, c.equalities) {
    KeyColumn key{nullable, static_cast<AttrNumber>(natts + 1 + i++)};
    quals = lappend(quals, point_at_key_column(static_cast<Node*>(lfirst(lc)), &key));
  }
  quals = list_concat(quals, c.other_side);
  make_inner(v, join_rti, reinterpret_cast<Node*>(make_ands_explicit(quals)));
  replace_with_subquery(rte, parse(sql.data), pstrdup(rte->eref->aliasname));
  return v;
}

// The nullable side of a join, if it is a table.
Index nullable_table(Query* q, Node* side) {
  if (!IsA(side, RangeTblRef)) return 0;
  Index rti = castNode(RangeTblRef, side)->rtindex;
  RangeTblEntry* rte = rt_fetch(rti, q->rtable);
  return rte->rtekind == RTE_RELATION ? rti : 0;
}

// Adds a distinct-keys leaf; returns its number. filters: conditions on the
// table alone, whose Vars have range-table index rti.
int add_keys_leaf(Oid relid, bool inherit, List* attnos, List* filters, Index rti, Expansion* out) {
  auto* keys = static_cast<KeysLeaf*>(palloc0(sizeof(KeysLeaf)));
  *keys = {relid, inherit, list_copy(attnos), nullptr, nullptr};
  if (filters != NIL) {
    Node* filter = static_cast<Node*>(copyObjectImpl(make_ands_explicit(filters)));
    ChangeVarNodes(filter, static_cast<int>(rti), 1, 0);
    keys->filter_sql = deparse_expression(filter, deparse_context_for("t", relid), true, false);
    pull_varattnos(filter, 1, &keys->filter_attnos);
  }
  out->distinct_keys = lappend(out->distinct_keys, keys);
  return list_length(out->distinct_keys) - 1;
}

int add_distinct_keys(Query* q, Index nullable, const JoinCondition& c, Expansion* out) {
  RangeTblEntry* rte = rt_fetch(nullable, q->rtable);
  out->nullable_rtis = bms_add_member(out->nullable_rtis, static_cast<int>(nullable));
  return add_keys_leaf(rte->relid, rte->inh, c.attnos, c.nullable_only, nullable, out);
}

// ---------------------------------------------------------------------------
// EXISTS / IN (subquery) in WHERE: semi-joins with the subquery's distinct
// correlation keys, A ⋉ B = A ⋈ K; NOT EXISTS is A - A ⋈ K.

struct Correlation {
  Oid relid = InvalidOid;
  bool inherit = true;
  Index rti = 0;            // the subquery's table in its range table
  List* filters = NIL;      // conditions on that table alone
  List* outer_exprs = NIL;  // level 0 in the outer query
  List* attnos = NIL;       // int: the subquery table's column matched to each
  List* opnos = NIL;        // oid: the equality operator of each
};

bool is_equality(Oid opno, Node* arg) {
  return op_mergejoinable(opno, exprType(arg)) || op_hashjoinable(opno, exprType(arg));
}

// Subqueries of the form SELECT ... FROM table WHERE table.col = outer_expr
// AND ...: the table and the correlations (outer Vars moved to level 0).
bool read_correlated_subquery(Query* sub, Correlation* c) {
  if (sub->hasAggs || sub->groupClause != NIL || sub->havingQual != nullptr || sub->hasSubLinks ||
      sub->hasWindowFuncs || sub->setOperations != nullptr || sub->limitCount != nullptr ||
      sub->limitOffset != nullptr || sub->cteList != NIL || sub->hasTargetSRFs ||
      list_length(sub->jointree->fromlist) != 1 || !IsA(linitial(sub->jointree->fromlist), RangeTblRef))
    return false;
  auto* ref = static_cast<RangeTblRef*>(linitial(sub->jointree->fromlist));
  RangeTblEntry* rte = rt_fetch(ref->rtindex, sub->rtable);
  if (rte->rtekind != RTE_RELATION || rte->relkind != RELKIND_RELATION) return false;
  c->relid = rte->relid;
  c->inherit = rte->inh;
  c->rti = static_cast<Index>(ref->rtindex);
  ListCell* lc;
  foreach (lc, make_ands_implicit(reinterpret_cast<Expr*>(sub->jointree->quals))) {
    Node* conjunct = static_cast<Node*>(lfirst(lc));
    if (reads_only(conjunct, c->rti)) {
      c->filters = lappend(c->filters, conjunct);  // the keys of the rows that pass it
      continue;
    }
    if (!IsA(conjunct, OpExpr) || list_length(castNode(OpExpr, conjunct)->args) != 2) return false;
    auto* op = castNode(OpExpr, conjunct);
    Node* sides[2] = {static_cast<Node*>(linitial(op->args)), static_cast<Node*>(lsecond(op->args))};
    if (!is_equality(op->opno, sides[0])) return false;
    bool matched = false;
    for (int s = 0; s < 2 && !matched; s++) {
      Var* var = plain_var(sides[s]);
      Node* other = sides[1 - s];
      if (var == nullptr || var->varlevelsup != 0 || var->varno != ref->rtindex ||
          var->varattno <= 0 || op->inputcollid != var->varcollid || contain_vars_of_level(other, 0) ||
          contain_vars_of_level(other, 2) || !contain_vars_of_level(other, 1))
        continue;
      Node* outer = static_cast<Node*>(copyObjectImpl(other));
      IncrementVarSublevelsUp(outer, -1, 1);
      c->outer_exprs = lappend(c->outer_exprs, outer);
      c->attnos = lappend_int(c->attnos, var->varattno);
      c->opnos = lappend_oid(c->opnos, op->opno);
      matched = true;
    }
    if (!matched) return false;
  }
  return true;
}

// A WHERE conjunct that is [NOT] EXISTS / [NOT] IN (subquery) we can join;
// *negated for the NOT forms. NOT IN only where neither side can be NULL
// (then it is NOT EXISTS).
bool read_sublink_conjunct(Query* q, Node* conjunct, Correlation* c, bool* negated, const char** why) {
  *negated = false;
  if (IsA(conjunct, BoolExpr) && castNode(BoolExpr, conjunct)->boolop == NOT_EXPR) {
    conjunct = static_cast<Node*>(linitial(castNode(BoolExpr, conjunct)->args));
    *negated = true;
  }
  if (!IsA(conjunct, SubLink)) return false;
  auto* link = castNode(SubLink, conjunct);
  Query* sub = castNode(Query, link->subselect);
  *why = "EXISTS / IN subqueries other than of one table correlated by equalities";
  if (link->subLinkType == EXISTS_SUBLINK) return read_correlated_subquery(sub, c);
  if (link->subLinkType != ANY_SUBLINK || link->testexpr == nullptr || !IsA(link->testexpr, OpExpr)) return false;
  auto* test = castNode(OpExpr, link->testexpr);
  if (list_length(test->args) != 2 || !IsA(lsecond(test->args), Param)) return false;
  Node* outer = static_cast<Node*>(linitial(test->args));
  auto* target = static_cast<TargetEntry*>(linitial(sub->targetList));
  Var* var = plain_var(reinterpret_cast<Node*>(target->expr));
  if (!is_equality(test->opno, outer) || var == nullptr || var->varlevelsup != 0 || var->varattno <= 0 ||
      test->inputcollid != var->varcollid ||
      !read_correlated_subquery(sub, c) || var->varno != static_cast<RangeTblRef*>(linitial(sub->jointree->fromlist))->rtindex)
    return false;
  if (*negated) {
    // x NOT IN (...) is NULL, not true, when x or a value listed is NULL.
    Var* outer_var = plain_var(outer);
    RangeTblEntry* outer_rte = outer_var != nullptr && outer_var->varlevelsup == 0
                                   ? rt_fetch(outer_var->varno, q->rtable)
                                   : nullptr;
    if (outer_rte == nullptr || outer_rte->rtekind != RTE_RELATION ||
        !column_not_null(outer_rte->relid, outer_var->varattno) || !column_not_null(c->relid, var->varattno)) {
      *why = "NOT IN (subquery) where either side can be NULL (use NOT EXISTS)";
      return false;
    }
  }
  c->outer_exprs = lappend(c->outer_exprs, copyObjectImpl(outer));
  c->attnos = lappend_int(c->attnos, var->varattno);
  c->opnos = lappend_oid(c->opnos, test->opno);
  return true;
}

// q with the WHERE conjunct `index` removed and, when `keys` >= 0, joined
// with the distinct-keys leaf number `keys` of the correlation.
Query* semi_join_variant(Query* q, int index, const Correlation& c, int keys, Query* (*parse)(const char*)) {
  Query* v = copy_query(q);
  List* conjuncts = make_ands_implicit(reinterpret_cast<Expr*>(v->jointree->quals));
  conjuncts = list_delete_nth_cell(conjuncts, index);
  if (keys >= 0) {
    char* leaf = psprintf("%s%d", kDistinctKeysAlias, keys);
    StringInfoData sql;
    initStringInfo(&sql);
    appendStringInfoString(&sql, "SELECT ");
    int i = 0;
    ListCell* lc;
    foreach (lc, c.attnos) {
      appendStringInfo(&sql, "%s%s.%s AS __pgt_key%d", i ? ", " : "", quote_identifier(leaf),
                       quote_identifier(get_attname(c.relid, static_cast<AttrNumber>(lfirst_int(lc)), false)), i);
      i++;
    }
    appendStringInfo(&sql, " FROM %s%s %s", c.inherit ? "" : "ONLY ", qualified_relation(c.relid),
                     quote_identifier(leaf));
    Query* wrapper = parse(sql.data);
    RangeTblEntry* rte = makeNode(RangeTblEntry);
    rte->rtekind = RTE_SUBQUERY;
    rte->inFromCl = true;
    v->rtable = lappend(v->rtable, rte);
    replace_with_subquery(rte, wrapper, kSemiJoinAlias);
    Index rti = static_cast<Index>(list_length(v->rtable));
    RangeTblRef* ref = makeNode(RangeTblRef);
    ref->rtindex = static_cast<int>(rti);
    v->jointree->fromlist = lappend(v->jointree->fromlist, ref);
    ListCell* oc;
    ListCell* ac;
    ListCell* pc;
    i = 0;
    forthree (oc, c.outer_exprs, ac, c.attnos, pc, c.opnos) {
      auto* te = static_cast<TargetEntry*>(list_nth(wrapper->targetList, i++));
      Node* key = reinterpret_cast<Node*>(makeVar(rti, te->resno, exprType(reinterpret_cast<Node*>(te->expr)),
                                                  exprTypmod(reinterpret_cast<Node*>(te->expr)),
                                                  exprCollation(reinterpret_cast<Node*>(te->expr)), 0));
      Node* outer = static_cast<Node*>(copyObjectImpl(lfirst(oc)));
      conjuncts = lappend(conjuncts, make_opclause(lfirst_oid(pc), BOOLOID, false, reinterpret_cast<Expr*>(outer),
                                                   reinterpret_cast<Expr*>(key), InvalidOid,
                                                   exprCollation(outer) != InvalidOid ? exprCollation(outer)
                                                                                      : exprCollation(key)));
    }
  }
  v->jointree->quals = reinterpret_cast<Node*>(make_ands_explicit(conjuncts));
  return v;
}

// Expands the first [NOT] EXISTS / IN conjunct of WHERE; false if there is none.
bool expand_sublink(Query* q, int sign, Query* (*parse)(const char*), Expansion* out);

void expand(Query* q, int sign, Query* (*parse)(const char*), Expansion* out) {
  if (out->not_supported != nullptr) return;
  JoinExpr* join = find_join(reinterpret_cast<Node*>(q->jointree), 0, true);
  if (join == nullptr) {
    // Other subqueries in expressions stay: the refresh is FULL when a table
    // they read changes (WatchedTable nodes of the maintenance plan).
    if (q->hasSubLinks && expand_sublink(q, sign, parse, out)) return;
    if (list_length(out->variants) >= kMaxVariants) {
      out->not_supported = "more than 27 outer-join variants in one query (3 per LEFT / RIGHT JOIN or anti-join, 5 per FULL JOIN)";
      return;
    }
    auto* variant = static_cast<OuterJoinVariant*>(palloc(sizeof(OuterJoinVariant)));
    *variant = {q, sign};
    out->variants = lappend(out->variants, variant);
    return;
  }
  int join_rti = join->rtindex;
  if (join->jointype == JOIN_LEFT || join->jointype == JOIN_RIGHT) {
    Index nullable = nullable_table(q, join->jointype == JOIN_LEFT ? join->rarg : join->larg);
    JoinCondition c;
    if (nullable == 0) {
      out->not_supported = "an outer join whose nullable side is not a single table";
      return;
    }
    if (!split_condition(join->quals, nullable, true, &c)) {
      out->not_supported = "an outer join condition other than equalities with the nullable table's columns "
                           "(and conditions on the other side)";
      return;
    }
    int k = add_distinct_keys(q, nullable, c, out);
    expand(padded_variant(q, join_rti, nullable, parse), sign, parse, out);
    expand(keys_variant(q, join_rti, nullable, c, k, parse), -sign, parse, out);
    make_inner(q, join_rti, nullptr);
    expand(q, sign, parse, out);
    return;
  }
  if (join->jointype == JOIN_FULL) {
    Index left = nullable_table(q, join->larg);
    Index right = nullable_table(q, join->rarg);
    JoinCondition on_right, on_left;
    if (left == 0 || right == 0 || join->usingClause != NIL || !split_condition(join->quals, right, false, &on_right) ||
        !split_condition(join->quals, left, false, &on_left)) {
      out->not_supported = "a FULL JOIN other than of two tables on equalities of their columns (ON, not USING)";
      return;
    }
    int k_right = add_distinct_keys(q, right, on_right, out);
    int k_left = add_distinct_keys(q, left, on_left, out);
    expand(padded_variant(q, join_rti, right, parse), sign, parse, out);
    expand(keys_variant(q, join_rti, right, on_right, k_right, parse), -sign, parse, out);
    expand(padded_variant(q, join_rti, left, parse), sign, parse, out);
    expand(keys_variant(q, join_rti, left, on_left, k_left, parse), -sign, parse, out);
    make_inner(q, join_rti, nullptr);
    expand(q, sign, parse, out);
    return;
  }
  out->not_supported = "this kind of join";
}

bool expand_sublink(Query* q, int sign, Query* (*parse)(const char*), Expansion* out) {
  int index = 0;
  ListCell* lc;
  foreach (lc, make_ands_implicit(reinterpret_cast<Expr*>(q->jointree->quals))) {
    Node* conjunct = static_cast<Node*>(lfirst(lc));
    if (!checkExprHasSubLink(conjunct)) {
      index++;
      continue;
    }
    Correlation c;
    bool negated = false;
    const char* why = nullptr;
    if (!read_sublink_conjunct(q, conjunct, &c, &negated, &why) || c.attnos == NIL) {
      index++;
      continue;
    }
    int k = add_keys_leaf(c.relid, c.inherit, c.attnos, c.filters, c.rti, out);
    expand(semi_join_variant(q, index, c, k, parse), negated ? -sign : sign, parse, out);
    if (negated) expand(semi_join_variant(q, index, c, -1, parse), sign, parse, out);
    return true;
  }
  return false;
}

}  // namespace

void replace_with_subquery(RangeTblEntry* rte, Query* sub, const char* alias) {
  List* colnames = NIL;
  ListCell* lc;
  foreach (lc, sub->targetList)
    colnames = lappend(colnames, makeString(pstrdup(static_cast<TargetEntry*>(lfirst(lc))->resname)));
  rte->rtekind = RTE_SUBQUERY;
  rte->subquery = sub;
  rte->relid = InvalidOid;
  rte->relkind = 0;
  rte->rellockmode = 0;
  rte->tablesample = nullptr;
  rte->inh = false;
  rte->security_barrier = false;
  PGT_CLEAR_RTE_RELATION_FIELDS(rte);
  rte->alias = makeAlias(alias, NIL);
  rte->eref = makeAlias(alias, colnames);
}

namespace {

struct SublinkTables {
  void (*visit)(RangeTblEntry*, Query*, void*);
  void* ctx;
};

bool visit_query_tables(Query* q, SublinkTables* t);

// Inside a subquery: every relation, in its range table and in its own
// subqueries and sublinks.
bool visit_tables_walker(Node* node, SublinkTables* t) {
  if (node == nullptr) return false;
  if (IsA(node, Query)) return visit_query_tables(castNode(Query, node), t);
  return expression_tree_walker(node, PGT_WALKER(visit_tables_walker), t);
}

bool visit_query_tables(Query* q, SublinkTables* t) {
  ListCell* lc;
  foreach (lc, q->rtable) {
    auto* rte = static_cast<RangeTblEntry*>(lfirst(lc));
    if (rte->rtekind == RTE_RELATION) t->visit(rte, q, t->ctx);
  }
  return query_tree_walker(q, PGT_WALKER(visit_tables_walker), t, 0);
}

// At the top level: only what is below a SubLink.
bool find_sublinks_walker(Node* node, SublinkTables* t) {
  if (node == nullptr) return false;
  if (IsA(node, SubLink)) return visit_query_tables(reinterpret_cast<Query*>(castNode(SubLink, node)->subselect), t);
  return expression_tree_walker(node, PGT_WALKER(find_sublinks_walker), t);
}

}  // namespace

void for_each_table_in_sublinks(Query* q, void (*visit)(RangeTblEntry*, Query*, void*), void* ctx) {
  if (!q->hasSubLinks) return;
  SublinkTables t{visit, ctx};
  find_sublinks_walker(reinterpret_cast<Node*>(q->targetList), &t);
  find_sublinks_walker(reinterpret_cast<Node*>(q->jointree), &t);
  find_sublinks_walker(q->havingQual, &t);
}

OuterJoinExpansion expand_outer_joins(Query* q, Query* (*parse)(const char*)) {
  Expansion found{};
  pg::guard([&] {
    if (find_join(reinterpret_cast<Node*>(q->jointree), 0, true) == nullptr && !q->hasSubLinks) return;
    expand(copy_query(q), 1, parse, &found);
  });
  // Converted outside guard(): no C++ container grows while PostgreSQL can
  // raise an error.
  OuterJoinExpansion out;
  out.not_supported = found.not_supported;
  out.nullable_rtis = found.nullable_rtis;
  if (out.not_supported != nullptr) return out;
  ListCell* lc;
  foreach (lc, found.variants) out.variants.push_back(*static_cast<OuterJoinVariant*>(lfirst(lc)));
  foreach (lc, found.distinct_keys) {
    const auto* leaf = static_cast<const KeysLeaf*>(lfirst(lc));
    DistinctKeys keys;
    keys.relid = leaf->relid;
    keys.inherit = leaf->inherit;
    ListCell* ac;
    foreach (ac, leaf->attnos) keys.key_attnums.push_back(static_cast<AttrNumber>(lfirst_int(ac)));
    if (leaf->filter_sql != nullptr) keys.filter_sql = leaf->filter_sql;
    int member = -1;
    while ((member = bms_next_member(leaf->filter_attnos, member)) >= 0)
      keys.filter_attnums.push_back(static_cast<AttrNumber>(member + FirstLowInvalidHeapAttributeNumber));
    out.distinct_keys.push_back(std::move(keys));
  }
  return out;
}

}  // namespace pgt::frontend
