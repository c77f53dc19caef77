// Planner estimates for change buffers: see buffer_estimates.h.
#include "cdc/buffer_estimates.h"

#include <cmath>

#include "pg/pg_headers.h"

extern "C" {
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_statistic.h"
#include "nodes/pathnodes.h"
#include "optimizer/plancat.h"
#include "storage/bufpage.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/selfuncs.h"
#include "utils/syscache.h"
}

namespace pgt::cdc {

namespace {

get_relation_info_hook_type previous_get_relation_info = nullptr;
get_relation_stats_hook_type previous_get_relation_stats = nullptr;

bool is_change_buffer(Oid relid) {
  return get_rel_namespace(relid) == get_namespace_oid("pgtrickle_changes", true);
}

// Called by the planner for every table it plans a scan of, in every
// statement of the session: plain PostgreSQL calls (their errors propagate
// as the planner's), a cache lookup for tables that are not change buffers.
void estimate_change_buffer(PlannerInfo* root, Oid relid, bool inhparent, RelOptInfo* rel) {
  if (previous_get_relation_info != nullptr) previous_get_relation_info(root, relid, inhparent, rel);
  if (rel->pages == 0 || !is_change_buffer(relid)) return;
  Relation buffer = table_open(relid, NoLock);  // locked by the planner
  double width = get_rel_data_width(buffer, NULL) + MAXALIGN(SizeofHeapTupleHeader) + sizeof(ItemIdData);
  table_close(buffer, NoLock);
  double tuples = std::rint(static_cast<double>(rel->pages) * (BLCKSZ - SizeOfPageHeaderData) / width);
  if (tuples <= rel->tuples) return;
  rel->tuples = tuples;
  ListCell* lc;
  foreach (lc, rel->indexlist) {
    auto* index = static_cast<IndexOptInfo*>(lfirst(lc));
    if (index->indpred == NIL) index->tuples = tuples;  // a partial index keeps its own estimate
  }
}

// Column statistics of a buffer taken when it held its sentinel alone (every
// value NULL) describe no change: the planner would take every change's
// column for NULL (joins on it matching nothing, one group for all). They
// are withheld, so that the planner uses its defaults. Called for every
// column of every table the planner estimates: as cheap as the lookup
// PostgreSQL would make anyway.
bool withhold_empty_buffer_statistics(PlannerInfo* root, RangeTblEntry* rte, AttrNumber attnum,
                                      VariableStatData* vardata) {
  if (previous_get_relation_stats != nullptr && previous_get_relation_stats(root, rte, attnum, vardata)) return true;
  if (rte->rtekind != RTE_RELATION || attnum <= 0 || !is_change_buffer(rte->relid)) return false;
  HeapTuple stats = SearchSysCache3(STATRELATTINH, ObjectIdGetDatum(rte->relid), Int16GetDatum(attnum),
                                    BoolGetDatum(rte->inh));
  if (!HeapTupleIsValid(stats)) return false;
  bool all_null = reinterpret_cast<Form_pg_statistic>(GETSTRUCT(stats))->stanullfrac >= 1.0;
  ReleaseSysCache(stats);
  if (!all_null) return false;
  vardata->statsTuple = NULL;
  vardata->acl_ok = true;  // no statistics read, nothing to guard (as PostgreSQL does without any)
  return true;
}

}  // namespace

void install_buffer_estimate_hook() {
  previous_get_relation_info = get_relation_info_hook;
  get_relation_info_hook = estimate_change_buffer;
  previous_get_relation_stats = get_relation_stats_hook;
  get_relation_stats_hook = withhold_empty_buffer_statistics;
}

}  // namespace pgt::cdc
