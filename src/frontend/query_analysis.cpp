// Analysis of a defining query: see query_analysis.h.
//
// The PostgreSQL-facing steps (parse, analyze, rewrite, deparse, tree walks)
// run inside guard() and leave their findings in plain C structures; the C++
// description is built from those afterwards, outside any PG_TRY.
#include "frontend/query_analysis.h"

#include <algorithm>

#include "common/user_error.h"
#include "pg/boundary.h"
#include "pg/search_path.h"
#include "pg/spi.h"

extern "C" {
#include "access/htup_details.h"
#include "access/sysattr.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "nodes/bitmapset.h"
#include "nodes/nodeFuncs.h"
#include "nodes/parsenodes.h"
#include "parser/analyze.h"
#include "parser/parser.h"
#include "parser/parsetree.h"
#include "rewrite/rewriteHandler.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"
}

namespace pgt::frontend {

const char* source_type_name(char relkind) {
  switch (relkind) {
    case RELKIND_RELATION: return "TABLE";
    case RELKIND_PARTITIONED_TABLE: return "PARTITIONED_TABLE";
    case RELKIND_VIEW: return "VIEW";
    case RELKIND_MATVIEW: return "MATERIALIZED_VIEW";
    case RELKIND_FOREIGN_TABLE: return "FOREIGN_TABLE";
    default: return "OTHER";
  }
}

namespace {

constexpr const char* kSingleSelectHint =
    "A stream table is defined by one SELECT statement (WITH, UNION, VALUES and subqueries "
    "are fine).";

// A PostgreSQL parse/analysis error points at a position in the statement the
// user ran, which is the create_stream_table() call, not the query text. Move
// the position into the query text so that psql shows the right place.
[[noreturn]] void rethrow_in_query_text(const pg::PgError& error, const std::string& sql) {
  ErrorData* edata = error.mutable_edata();
  if (edata != nullptr && edata->cursorpos > 0 && edata->internalquery == nullptr) {
    pg::guard([&] {
      edata->internalpos = edata->cursorpos;
      edata->cursorpos = 0;
      edata->internalquery = MemoryContextStrdup(edata->assoc_context, sql.c_str());
    });
  }
  error.set_hint("The error is in the stream table's defining query (shown after QUERY).");
  throw error;
}

// ---------------------------------------------------------------------------
// Relation collection (C-style walker over Query trees).

struct RelationRef {
  Query* query;  // the Query whose range table holds rte (for column sets on PG 16+)
  RangeTblEntry* rte;
};

struct RelationCollector {
  List* refs;  // of RelationRef*
  bool has_tablesample;
};

bool collect_relations_walker(Node* node, void* context) {
  if (node == nullptr) return false;
  auto* collector = static_cast<RelationCollector*>(context);
  if (IsA(node, Query)) {
    Query* query = castNode(Query, node);
    ListCell* lc;
    foreach (lc, query->rtable) {
      RangeTblEntry* rte = static_cast<RangeTblEntry*>(lfirst(lc));
      if (rte->rtekind != RTE_RELATION) continue;
      if (rte->tablesample != nullptr) collector->has_tablesample = true;
      RelationRef* ref = static_cast<RelationRef*>(palloc(sizeof(RelationRef)));
      ref->query = query;
      ref->rte = rte;
      collector->refs = lappend(collector->refs, ref);
    }
    return query_tree_walker(query, PGT_WALKER(collect_relations_walker), context, 0);
  }
  return expression_tree_walker(node, PGT_WALKER(collect_relations_walker), context);
}

// ---------------------------------------------------------------------------
// Volatility: the first volatile function anywhere in the (rewritten) query.

bool is_volatile_function(Oid func_id, void* context) {
  if (func_volatile(func_id) != PROVOLATILE_VOLATILE) return false;
  *static_cast<Oid*>(context) = func_id;
  return true;
}

bool find_volatile_walker(Node* node, void* context) {
  if (node == nullptr) return false;
  if (check_functions_in_node(node, is_volatile_function, context)) return true;
  if (IsA(node, Query))
    return query_tree_walker(castNode(Query, node), PGT_WALKER(find_volatile_walker),
                             context, 0);
  return expression_tree_walker(node, PGT_WALKER(find_volatile_walker), context);
}

// ---------------------------------------------------------------------------

void check_statement_kind(RawStmt* raw) {
  Node* stmt = raw->stmt;
  if (!IsA(stmt, SelectStmt)) {
    const char* tag = "";
    pg::guard([&] { tag = CreateCommandName(stmt); });
    throw Error(sqlstate::kWrongObjectType,
                std::string("defining query must be a SELECT statement, not ") + tag, "",
                kSingleSelectHint);
  }
  auto* select = castNode(SelectStmt, stmt);
  if (select->intoClause != nullptr)
    throw Error(sqlstate::kFeatureNotSupported, "defining query must not use SELECT ... INTO", "",
                "Remove the INTO clause: the stream table itself receives the rows.");
  if (select->lockingClause != nullptr)
    throw Error(sqlstate::kFeatureNotSupported,
                "defining query must not use FOR UPDATE / FOR SHARE", "",
                "Remove the locking clause; refreshes only read the sources.");
}

void check_query_shape(Query* query) {
  if (query->commandType != CMD_SELECT || query->utilityStmt != nullptr)
    throw Error(sqlstate::kWrongObjectType, "defining query must be a SELECT statement", "",
                kSingleSelectHint);
  if (query->hasModifyingCTE)
    throw Error(sqlstate::kFeatureNotSupported,
                "defining query must not contain data-modifying statements in WITH", "",
                kSingleSelectHint);
  if (query->rowMarks != nullptr)
    throw Error(sqlstate::kFeatureNotSupported,
                "defining query must not use FOR UPDATE / FOR SHARE", "",
                "Remove the locking clause; refreshes only read the sources.");
}

// Output columns from the target list, validated for use as table columns.
std::vector<OutputColumn> describe_columns(Query* query) {
  std::vector<OutputColumn> columns;
  ListCell* lc;
  foreach (lc, query->targetList) {
    TargetEntry* tle = static_cast<TargetEntry*>(lfirst(lc));
    if (tle->resjunk) continue;
    const char* name = tle->resname != nullptr ? tle->resname : "?column?";
    const char* type_text = nullptr;
    const char* collation_name = nullptr;
    const char* collation_schema = nullptr;
    char typtype = 0;
    pg::guard([&] {
      Oid type = exprType(reinterpret_cast<Node*>(tle->expr));
      int32 typmod = exprTypmod(reinterpret_cast<Node*>(tle->expr));
      Oid collation = exprCollation(reinterpret_cast<Node*>(tle->expr));
      typtype = get_typtype(type);
      type_text = format_type_with_typemod(type, typmod);
      if (OidIsValid(collation) && collation != get_typcollation(type)) {
        collation_name = get_collation_name(collation);
        HeapTuple tup = SearchSysCache1(COLLOID, ObjectIdGetDatum(collation));
        if (HeapTupleIsValid(tup)) {
          Oid nsp = reinterpret_cast<Form_pg_collation>(GETSTRUCT(tup))->collnamespace;
          collation_schema = get_namespace_name(nsp);
          ReleaseSysCache(tup);
        }
      }
    });
    std::string column_name(name);
    if (column_name.rfind("__pgt_", 0) == 0)
      throw Error(sqlstate::kInvalidName,
                  "column name \"" + column_name + "\" is reserved for pg_trickle", "",
                  "Column names starting with __pgt_ are used for hidden bookkeeping columns; "
                  "rename the column with AS.");
    if (typtype == TYPTYPE_PSEUDO)
      throw Error(sqlstate::kInvalidObjectDefinition,
                  "column \"" + column_name + "\" has pseudo-type " + type_text, "",
                  "Cast the expression to a concrete type, e.g. (expr)::text.");
    for (const OutputColumn& c : columns)
      if (c.name == column_name)
        throw Error(sqlstate::kDuplicateColumn,
                    "column \"" + column_name + "\" specified more than once in the defining query",
                    "", "Give every output column a distinct name with AS.");
    OutputColumn column{column_name, type_text, ""};
    if (collation_name != nullptr)
      column.collation_sql = std::string("COLLATE ") +
                             (collation_schema ? quote_identifier(collation_schema) + std::string(".") : "") +
                             quote_identifier(collation_name);
    columns.push_back(std::move(column));
  }
  if (columns.empty())
    throw Error(sqlstate::kInvalidObjectDefinition, "defining query returns no columns", "",
                "Select at least one column.");
  return columns;
}

// Adds the relations of one RelationCollector to `sources` (deduplicated).
void add_sources(const RelationCollector& collector, bool through_view,
                 std::vector<SourceRelation>* sources) {
  ListCell* lc;
  foreach (lc, collector.refs) {
    RelationRef* ref = static_cast<RelationRef*>(lfirst(lc));
    RangeTblEntry* rte = ref->rte;
    auto existing = std::find_if(sources->begin(), sources->end(),
                                 [&](const SourceRelation& s) { return s.relid == rte->relid; });
    SourceRelation* source = nullptr;
    if (existing == sources->end()) {
      const char* schema = nullptr;
      const char* name = nullptr;
      char persistence = 0;
      pg::guard([&] {
        name = get_rel_name(rte->relid);
        schema = get_namespace_name(get_rel_namespace(rte->relid));
        persistence = get_rel_persistence(rte->relid);
      });
      if (name == nullptr || schema == nullptr) continue;  // dropped concurrently: analysis locked it
      if (persistence == RELPERSISTENCE_TEMP)
        throw Error(sqlstate::kFeatureNotSupported,
                    std::string("defining query reads temporary table \"") + name + "\"",
                    "A stream table outlives the session that owns a temporary table.",
                    "Use a regular (or UNLOGGED) table as the source.");
      sources->push_back(SourceRelation{rte->relid, schema, name, rte->relkind, through_view, {}});
      source = &sources->back();
    } else {
      source = &*existing;
      if (!through_view) source->through_view = false;
    }
    // Columns read (for permission checks PostgreSQL records them per RTE).
    Bitmapset* cols = pgt_rte_selected_cols(ref->query, rte);
    int member = -1;
    while ((member = bms_next_member(cols, member)) >= 0) {
      AttrNumber attno = member + FirstLowInvalidHeapAttributeNumber;
      if (attno <= 0) continue;  // whole-row or system column
      const char* attname = nullptr;
      pg::guard([&] { attname = get_attname(rte->relid, attno, true); });
      if (attname == nullptr) continue;
      if (std::find(source->columns.begin(), source->columns.end(), attname) ==
          source->columns.end())
        source->columns.emplace_back(attname);
    }
  }
}

// Deparses `query` with every object schema-qualified: ruleutils qualifies a
// name only when it is not visible on search_path, so deparse under
// search_path = pg_catalog, pg_temp.
std::string deparse_qualified(Query* query) {
  pg::PinnedSearchPath pinned;
  const char* text = nullptr;
  pg::guard([&] { text = pg_get_querydef(query, false); });
  return text;
}

// Whether the top-level select list has a `*` (t.* or *).
bool selects_star(RawStmt* raw) {
  if (!IsA(raw->stmt, SelectStmt)) return false;
  auto* select = castNode(SelectStmt, raw->stmt);
  if (select->op != SETOP_NONE) return false;
  ListCell* lc;
  foreach (lc, select->targetList) {
    auto* target = static_cast<ResTarget*>(lfirst(lc));
    if (target->val != nullptr && IsA(target->val, ColumnRef) &&
        IsA(llast(reinterpret_cast<ColumnRef*>(target->val)->fields), A_Star))
      return true;
  }
  return false;
}

// The table a select-list column reads directly when it is named like a
// hidden bookkeeping column (__pgt_*), else InvalidOid.
Oid hidden_column_table(Query* query, TargetEntry* tle) {
  if (tle->resjunk || tle->ressortgroupref != 0 || tle->resname == nullptr ||
      strncmp(tle->resname, "__pgt_", 6) != 0 || !IsA(tle->expr, Var))
    return InvalidOid;
  auto* var = castNode(Var, tle->expr);
  if (var->varlevelsup != 0) return InvalidOid;
  RangeTblEntry* rte = rt_fetch(var->varno, query->rtable);
  return rte->rtekind == RTE_RELATION ? rte->relid : InvalidOid;
}

// `SELECT *` over a stream table leaves out its hidden bookkeeping columns:
// they are not part of its result (and a stream table cannot have them).
void drop_hidden_stream_table_columns(RawStmt* raw, Query* query) {
  bool star = false;
  List* tables = NIL;
  pg::guard([&] {
    star = selects_star(raw);
    if (!star) return;
    ListCell* lc;
    foreach (lc, query->targetList) {
      Oid relid = hidden_column_table(query, static_cast<TargetEntry*>(lfirst(lc)));
      if (OidIsValid(relid)) tables = list_append_unique_oid(tables, relid);
    }
  });
  if (!star || tables == NIL) return;
  List* stream_tables = NIL;
  for (int i = 0; i < list_length(tables); i++) {
    Oid relid = list_nth_oid(tables, i);
    if (pg::spi::scalar_kept("SELECT 1 FROM pgtrickle.pgt_stream_tables WHERE pgt_relid = $1::oid",
                             {std::to_string(relid)}))
      pg::guard([&] { stream_tables = lappend_oid(stream_tables, relid); });
  }
  if (stream_tables == NIL) return;
  pg::guard([&] {
    List* kept = NIL;
    ListCell* lc;
    foreach (lc, query->targetList) {
      auto* tle = static_cast<TargetEntry*>(lfirst(lc));
      if (list_member_oid(stream_tables, hidden_column_table(query, tle))) continue;
      tle->resno = static_cast<AttrNumber>(list_length(kept) + 1);
      kept = lappend(kept, tle);
    }
    query->targetList = kept;
  });
}

}  // namespace

AnalyzedQuery analyze_defining_query(const std::string& sql) {
  // 1. Parse: exactly one SELECT.
  RawStmt* raw = nullptr;
  int statement_count = 0;
  try {
    pg::guard([&] {
      List* statements = raw_parser(sql.c_str(), RAW_PARSE_DEFAULT);
      statement_count = list_length(statements);
      if (statement_count == 1) raw = linitial_node(RawStmt, statements);
    });
  } catch (const pg::PgError& e) {
    rethrow_in_query_text(e, sql);
  }
  if (statement_count == 0)
    throw Error(sqlstate::kSyntaxError, "defining query is empty", "", kSingleSelectHint);
  if (statement_count > 1)
    throw Error(sqlstate::kSyntaxError,
                "defining query must be a single statement, found " +
                    std::to_string(statement_count),
                "", kSingleSelectHint);
  check_statement_kind(raw);

  // 2. Analyze (resolves names on the caller's search_path, locks the sources).
  Query* query = nullptr;
  try {
    pg::guard([&] { query = parse_analyze_fixedparams(raw, sql.c_str(), nullptr, 0, nullptr); });
  } catch (const pg::PgError& e) {
    rethrow_in_query_text(e, sql);
  }
  check_query_shape(query);
  drop_hidden_stream_table_columns(raw, query);

  AnalyzedQuery result;
  result.columns = describe_columns(query);

  // 3. Sources: as written, then what views expand to (the rewriter).
  RelationCollector direct{nullptr, false};
  RelationCollector expanded{nullptr, false};
  Oid volatile_func = InvalidOid;
  pg::guard([&] {
    collect_relations_walker(reinterpret_cast<Node*>(query), &direct);
    List* rewritten = QueryRewrite(static_cast<Query*>(copyObjectImpl(query)));
    ListCell* lc;
    foreach (lc, rewritten) {
      Node* q = static_cast<Node*>(lfirst(lc));
      collect_relations_walker(q, &expanded);
      if (!OidIsValid(volatile_func)) find_volatile_walker(q, &volatile_func);
    }
  });
  add_sources(direct, false, &result.sources);
  add_sources(expanded, true, &result.sources);

  if (OidIsValid(volatile_func)) {
    const char* fname = nullptr;
    pg::guard([&] { fname = get_func_name(volatile_func); });
    result.caps.volatile_construct =
        std::string("volatile function ") + (fname ? fname : "?") + "()";
  } else if (direct.has_tablesample || expanded.has_tablesample) {
    result.caps.volatile_construct = "TABLESAMPLE";
  }

  // The incremental engine does not exist yet in this version: every query is
  // maintained by FULL refresh.
  result.caps.not_incremental_because =
      "incremental (DIFFERENTIAL) maintenance is not available in this version of pg_trickle";

  // 4. Normalized text: the query as PostgreSQL understood it, fully qualified.
  result.normalized_sql = deparse_qualified(query);
  return result;
}

}  // namespace pgt::frontend
