// Planner estimates for change buffers: see buffer_estimates.h.
#include "cdc/buffer_estimates.h"

#include <cmath>

#include "pg/pg_headers.h"

extern "C" {
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "nodes/pathnodes.h"
#include "optimizer/plancat.h"
#include "storage/bufpage.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
}

namespace pgt::cdc {

namespace {

get_relation_info_hook_type previous_get_relation_info = nullptr;

// Called by the planner for every table it plans a scan of, in every
// statement of the session: plain PostgreSQL calls (their errors propagate
// as the planner's), a cache lookup for tables that are not change buffers.
void estimate_change_buffer(PlannerInfo* root, Oid relid, bool inhparent, RelOptInfo* rel) {
  if (previous_get_relation_info != nullptr) previous_get_relation_info(root, relid, inhparent, rel);
  if (rel->pages == 0 || get_rel_namespace(relid) != get_namespace_oid("pgtrickle_changes", true)) return;
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

}  // namespace

void install_buffer_estimate_hook() {
  previous_get_relation_info = get_relation_info_hook;
  get_relation_info_hook = estimate_change_buffer;
}

}  // namespace pgt::cdc
