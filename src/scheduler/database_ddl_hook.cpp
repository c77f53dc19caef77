// See database_ddl_hook.h.
//
// The hook is plain C in spirit: no C++ object lives across
// standard_ProcessUtility, which may longjmp.
#include "scheduler/database_ddl_hook.h"

#include "scheduler/commit_signals.h"
#include "scheduler/shared_state.h"

extern "C" {
#include "commands/dbcommands.h"
#include "commands/defrem.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "storage/latch.h"
#include "tcop/utility.h"
#include "utils/wait_event.h"
}

#include <csignal>

namespace pgt::scheduler {

namespace {

ProcessUtility_hook_type previous_hook = nullptr;

// The database a statement needs without other sessions, or NULL.
const char* database_needed_alone(Node* stmt) {
  switch (nodeTag(stmt)) {
    case T_DropdbStmt:
      return castNode(DropdbStmt, stmt)->dbname;
    case T_RenameStmt: {
      auto* s = castNode(RenameStmt, stmt);
      return s->renameType == OBJECT_DATABASE ? s->subname : nullptr;
    }
    case T_AlterDatabaseStmt: {
      auto* s = castNode(AlterDatabaseStmt, stmt);
      ListCell* lc;
      foreach (lc, s->options)
        if (strcmp(static_cast<DefElem*>(lfirst(lc))->defname, "tablespace") == 0) return s->dbname;
      return nullptr;
    }
    case T_CreatedbStmt: {
      auto* s = castNode(CreatedbStmt, stmt);
      ListCell* lc;
      foreach (lc, s->options) {
        auto* d = static_cast<DefElem*>(lfirst(lc));
        if (strcmp(d->defname, "template") == 0 && d->arg != nullptr) return defGetString(d);
      }
      return nullptr;
    }
    default:
      return nullptr;
  }
}

// Blocks (re)starts of the database's scheduler and asks it to exit; waits up
// to 10 s for it to go (a refresh in progress is interrupted by SIGTERM after 2 s).
void send_scheduler_away(Oid dboid) {
  SharedState* s = shared();
  if (s == nullptr) return;
  LWLockAcquire(s->lock, LW_EXCLUSIVE);
  // Claimed if absent: the launcher must not start a scheduler there now.
  DatabaseSlot* slot = claim_slot(dboid);
  pid_t pid = 0;
  Latch* latch = nullptr;
  if (slot != nullptr) {
    slot->blocked_until = GetCurrentTimestamp() + 60 * USECS_PER_SEC;  // if we die meanwhile
    slot->blocked_by = MyProcPid;
    slot->stop_requested = true;
    pid = slot->worker_pid;
    latch = slot->worker_latch;
  }
  LWLockRelease(s->lock);
  if (pid == 0) return;
  if (latch != nullptr) SetLatch(latch);
  for (int waited_ms = 0; waited_ms < 10000; waited_ms += 10) {
    LWLockAcquire(s->lock, LW_SHARED);
    bool gone = slot->dboid != dboid || slot->worker_pid != pid;
    LWLockRelease(s->lock);
    if (gone) return;
    if (waited_ms == 2000) kill(pid, SIGTERM);
    (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 10, PG_WAIT_EXTENSION);
    ResetLatch(MyLatch);
    CHECK_FOR_INTERRUPTS();
  }
}

void allow_scheduler_back(Oid dboid) {
  SharedState* s = shared();
  if (s == nullptr) return;
  LWLockAcquire(s->lock, LW_EXCLUSIVE);
  DatabaseSlot* slot = find_slot(dboid);
  if (slot != nullptr && slot->blocked_by == MyProcPid) {
    slot->blocked_until = 0;
    slot->blocked_by = 0;
  }
  LWLockRelease(s->lock);
  wake_launcher();
}

void process_utility(PlannedStmt* pstmt, const char* query, bool read_only_tree,
                     ProcessUtilityContext context, ParamListInfo params, QueryEnvironment* env,
                     DestReceiver* dest, QueryCompletion* qc) {
  Node* stmt = pstmt->utilityStmt;
  if (IsA(stmt, CreateExtensionStmt) &&
      strcmp(castNode(CreateExtensionStmt, stmt)->extname, "pg_trickle") == 0)
    note_extension_created();

  if (IsA(stmt, AlterDatabaseSetStmt)) {
    Oid target = get_database_oid(castNode(AlterDatabaseSetStmt, stmt)->dbname, true);
    if (OidIsValid(target)) note_database_settings_changed(target);
  }

  const char* dbname = database_needed_alone(stmt);
  Oid dboid = dbname != nullptr ? get_database_oid(dbname, true) : InvalidOid;

  // The wait is inside PG_TRY: a cancel while waiting unblocks the scheduler
  // at once instead of after the block's 60 s expiry.
  PG_TRY();
  {
    if (OidIsValid(dboid)) send_scheduler_away(dboid);
    if (previous_hook)
      previous_hook(pstmt, query, read_only_tree, context, params, env, dest, qc);
    else
      standard_ProcessUtility(pstmt, query, read_only_tree, context, params, env, dest, qc);
  }
  PG_FINALLY();
  {
    if (OidIsValid(dboid)) allow_scheduler_back(dboid);
  }
  PG_END_TRY();
}

}  // namespace

void install_database_ddl_hook() {
  previous_hook = ProcessUtility_hook;
  ProcessUtility_hook = process_utility;
}

}  // namespace pgt::scheduler
