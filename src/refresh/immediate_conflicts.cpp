// Serialization failures of IMMEDIATE maintenance: see immediate_conflicts.h.
#include "refresh/immediate_conflicts.h"

#include <vector>

#include "pg/boundary.h"

extern "C" {
#include "access/transam.h"
#include "access/xact.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/snapmgr.h"
}

namespace pgt::refresh {

namespace {

// One slot per stream table oid modulo the size: tables sharing a slot only
// make a serialization failure more likely, never a wrong result.
constexpr int kSlots = 4096;

struct LastMaintainers {
  pg_atomic_uint64 xid[kSlots];  // FullTransactionId, 0: none
};

LastMaintainers* shared = nullptr;
shmem_request_hook_type previous_request_hook = nullptr;
shmem_startup_hook_type previous_startup_hook = nullptr;

// Plain C state: stream tables this transaction maintained (TopMemoryContext
// would do too, but a fixed list never allocates in a callback).
constexpr int kNotedMax = 64;
Oid noted[kNotedMax];
int noted_count = 0;
bool noted_overflow = false;

void request_shmem() {
  if (previous_request_hook) previous_request_hook();
  RequestAddinShmemSpace(sizeof(LastMaintainers));
}

void start_shmem() {
  if (previous_startup_hook) previous_startup_hook();
  LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
  bool found = false;
  shared = static_cast<LastMaintainers*>(ShmemInitStruct("pg_trickle immediate", sizeof(LastMaintainers), &found));
  if (!found)
    for (auto& slot : shared->xid) pg_atomic_init_u64(&slot, 0);
  LWLockRelease(AddinShmemInitLock);
}

void at_transaction_end(XactEvent event, void*) {
  if (event == XACT_EVENT_COMMIT && shared != nullptr && (noted_count > 0 || noted_overflow)) {
    // After the commit record, before the locks are released: whoever gets
    // a stream table's lock next sees this transaction's id.
    FullTransactionId me = GetTopFullTransactionIdIfAny();
    if (FullTransactionIdIsValid(me)) {
      if (noted_overflow) {
        for (auto& slot : shared->xid) pg_atomic_write_u64(&slot, U64FromFullTransactionId(me));
      } else {
        for (int i = 0; i < noted_count; i++)
          pg_atomic_write_u64(&shared->xid[noted[i] % kSlots], U64FromFullTransactionId(me));
      }
    }
  }
  if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_COMMIT ||
      event == XACT_EVENT_PARALLEL_ABORT || event == XACT_EVENT_PREPARE) {
    noted_count = 0;
    noted_overflow = false;
  }
}

}  // namespace

void install_immediate_conflict_hooks() {
  previous_request_hook = shmem_request_hook;
  shmem_request_hook = request_shmem;
  previous_startup_hook = shmem_startup_hook;
  shmem_startup_hook = start_shmem;
}

void register_immediate_conflict_callbacks() { RegisterXactCallback(at_transaction_end, nullptr); }

void note_maintained(Oid st_relid) {
  for (int i = 0; i < noted_count; i++)
    if (noted[i] == st_relid) return;
  if (noted_count < kNotedMax)
    noted[noted_count++] = st_relid;
  else
    noted_overflow = true;
}

void check_no_concurrent_maintenance(Oid st_relid, const char* st_name) {
  pg::guard([&] {
    if (!IsolationUsesXactSnapshot()) return;
    if (shared == nullptr)
      ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                      errmsg("IMMEDIATE stream table \"%s\" cannot be maintained under REPEATABLE READ or "
                             "SERIALIZABLE without pg_trickle in shared_preload_libraries",
                             st_name),
                      errhint("Add pg_trickle to shared_preload_libraries, or write in READ COMMITTED.")));
    uint64 last = pg_atomic_read_u64(&shared->xid[st_relid % kSlots]);
    if (last == 0) return;
    FullTransactionId last_xid = FullTransactionIdFromU64(last);
    TransactionId xid = XidFromFullTransactionId(last_xid);
    if (TransactionIdIsCurrentTransactionId(xid)) return;
    // Committed (it wrote the slot at its commit) but in progress for this
    // transaction's snapshot: its rows are invisible to the delta.
    if (XidInMVCCSnapshot(xid, GetTransactionSnapshot()))
      ereport(ERROR, (errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
                      errmsg("could not serialize access due to concurrent maintenance of stream table \"%s\"",
                             st_name),
                      errdetail("Another transaction changed a table the IMMEDIATE stream table reads and "
                                "committed after this transaction's snapshot was taken."),
                      errhint("Retry the transaction.")));
  });
}

}  // namespace pgt::refresh
