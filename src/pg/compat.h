// Every PostgreSQL version difference the extension cares about, in one place.
// Target: PostgreSQL 15; kept portable to 16-18.
#pragma once

// PostgreSQL 15 defines PGDLLEXPORT as nothing on ELF platforms, and we build
// with -fvisibility=hidden (16+ does too): make exported symbols visible.
#if PG_VERSION_NUM < 160000 && defined(__GNUC__)
#undef PGDLLEXPORT
#define PGDLLEXPORT __attribute__((visibility("default")))
#endif

// PostgreSQL 18 replaced PG_MODULE_MAGIC's plain form with PG_MODULE_MAGIC_EXT.
#if PG_VERSION_NUM >= 180000
#define PGT_MODULE_MAGIC PG_MODULE_MAGIC_EXT(.name = "pg_trickle", .version = "0.1.0")
#else
#define PGT_MODULE_MAGIC PG_MODULE_MAGIC
#endif

// PostgreSQL 16 moved permission info out of RangeTblEntry (RTEPermissionInfo);
// code that reads requiredPerms goes through these.
#if PG_VERSION_NUM >= 160000
#define PGT_RTE_HAS_PERMINFO 1
#else
#define PGT_RTE_HAS_PERMINFO 0
#endif

// Ownership check: PostgreSQL 16 generalized pg_class_ownercheck into object_ownercheck.
#if PG_VERSION_NUM >= 160000
#define pgt_relation_ownercheck(relid, roleid) object_ownercheck(RelationRelationId, (relid), (roleid))
#else
#define pgt_relation_ownercheck(relid, roleid) pg_class_ownercheck((relid), (roleid))
#endif

// PostgreSQL 16 added a soft-error context argument to stringToQualifiedNameList.
#if PG_VERSION_NUM >= 160000
#define pgt_string_to_qualified_name_list(s) stringToQualifiedNameList((s), NULL)
#else
#define pgt_string_to_qualified_name_list(s) stringToQualifiedNameList(s)
#endif

// Columns a range table entry reads: PostgreSQL 16 moved selectedCols into
// RTEPermissionInfo (reached through the query's rteperminfos list).
#if PG_VERSION_NUM >= 160000
#define pgt_rte_selected_cols(query, rte) \
  ((rte)->perminfoindex != 0 ? getRTEPermissionInfo((query)->rteperminfos, (rte))->selectedCols : NULL)
#else
#define pgt_rte_selected_cols(query, rte) ((rte)->selectedCols)
#endif

// Tree walkers: PostgreSQL 15 declares the callback as `bool (*)()`, which C++
// reads as "no arguments"; 16+ casts through tree_walker_callback itself.
#if PG_VERSION_NUM >= 160000
#define PGT_WALKER(fn) (fn)
#else
#define PGT_WALKER(fn) reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(fn))
#endif

// Tree mutators: the same, for `Node *(*)()`.
#if PG_VERSION_NUM >= 160000
#define PGT_MUTATOR(fn) (fn)
#else
#define PGT_MUTATOR(fn) reinterpret_cast<Node* (*)()>(reinterpret_cast<void (*)()>(fn))
#endif

// Turning a relation range-table entry into a subquery entry: clear what only
// relation entries carry (PostgreSQL 16 moved the permission fields out).
#if PG_VERSION_NUM >= 160000
#define PGT_CLEAR_RTE_RELATION_FIELDS(rte) \
  do {                                     \
    (rte)->perminfoindex = 0;              \
    (rte)->securityQuals = NIL;            \
  } while (0)
#else
#define PGT_CLEAR_RTE_RELATION_FIELDS(rte) \
  do {                                     \
    (rte)->requiredPerms = 0;              \
    (rte)->checkAsUser = InvalidOid;       \
    (rte)->selectedCols = NULL;            \
    (rte)->insertedCols = NULL;            \
    (rte)->updatedCols = NULL;             \
    (rte)->extraUpdatedCols = NULL;        \
    (rte)->securityQuals = NIL;            \
  } while (0)
#endif

// Executor state for a single-row write in C (pg/row_write.cpp): PostgreSQL
// 16 added the permission-info list to ExecInitRangeTable and the result
// relations to EvalPlanQualInit; 18 added the unpruned relations.
#if PG_VERSION_NUM >= 180000
#define pgt_exec_init_range_table(estate, rtable) \
  ExecInitRangeTable((estate), (rtable), NIL, bms_make_singleton(1))
#elif PG_VERSION_NUM >= 160000
#define pgt_exec_init_range_table(estate, rtable) ExecInitRangeTable((estate), (rtable), NIL)
#else
#define pgt_exec_init_range_table(estate, rtable) ExecInitRangeTable((estate), (rtable))
#endif
#if PG_VERSION_NUM >= 160000
#define pgt_eval_plan_qual_init(epq, estate) EvalPlanQualInit((epq), (estate), NULL, NIL, -1, NIL)
#else
#define pgt_eval_plan_qual_init(epq, estate) EvalPlanQualInit((epq), (estate), NULL, NIL, -1)
#endif

// PostgreSQL 18 dropped ExecutorRun's execute_once argument.
#if PG_VERSION_NUM >= 180000
#define pgt_executor_run(qd, count) ExecutorRun((qd), ForwardScanDirection, (count))
#else
#define pgt_executor_run(qd, count) ExecutorRun((qd), ForwardScanDirection, (count), true)
#endif
