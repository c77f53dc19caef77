// MERGE row counts from the executor: see merge_counts.h.
#include "pg/merge_counts.h"

extern "C" {
#include "executor/executor.h"
#include "nodes/execnodes.h"
#include "utils/rel.h"
}

namespace pgt::pg {

namespace {

// Plain data only: the hook runs in PostgreSQL's frames.
struct Capture {
  bool armed = false;
  bool seen = false;
  Oid target = InvalidOid;
  MergeCounts counts;
};
Capture capture;

ExecutorEnd_hook_type previous_executor_end = nullptr;

extern "C" void merge_count_executor_end(QueryDesc* query) {
  if (capture.armed && query->operation == CMD_MERGE && query->planstate != nullptr &&
      IsA(query->planstate, ModifyTableState)) {
    auto* mt = reinterpret_cast<ModifyTableState*>(query->planstate);
    if (mt->resultRelInfo != nullptr && RelationGetRelid(mt->resultRelInfo->ri_RelationDesc) == capture.target) {
      capture.seen = true;
      capture.counts.inserted = static_cast<int64_t>(mt->mt_merge_inserted);
      capture.counts.updated = static_cast<int64_t>(mt->mt_merge_updated);
      capture.counts.deleted = static_cast<int64_t>(mt->mt_merge_deleted);
    }
  }
  if (previous_executor_end != nullptr)
    previous_executor_end(query);
  else
    standard_ExecutorEnd(query);
}

}  // namespace

MergeCountCapture::MergeCountCapture(Oid target)
    : outer_armed_(capture.armed),
      outer_seen_(capture.seen),
      outer_target_(capture.target),
      outer_counts_(capture.counts) {
  capture = Capture{true, false, target, {}};
}

MergeCountCapture::~MergeCountCapture() {
  capture = Capture{outer_armed_, outer_seen_, outer_target_, outer_counts_};
}

bool MergeCountCapture::seen() const { return capture.seen; }

MergeCounts MergeCountCapture::counts() const { return capture.counts; }

void install_merge_count_hook() {
  previous_executor_end = ExecutorEnd_hook;
  ExecutorEnd_hook = merge_count_executor_end;
}

}  // namespace pgt::pg
