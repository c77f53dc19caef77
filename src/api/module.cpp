// Module entry: PG_MODULE_MAGIC and _PG_init.
#include "cdc/buffer_estimates.h"
#include "cdc/change_capture.h"
#include "cdc/merge_row_movement.h"
#include "pg/boundary.h"
#include "pg/gucs.h"
#include "pg/merge_counts.h"
#include "refresh/dml_guard.h"
#include "refresh/immediate_conflicts.h"
#include "refresh/commit_maintenance.h"
#include "refresh/immediate_maintenance.h"
#include "scheduler/commit_signals.h"
#include "scheduler/database_ddl_hook.h"
#include "scheduler/launcher.h"
#include "scheduler/shared_state.h"

extern "C" {
#include "miscadmin.h"
}

extern "C" {
PGT_MODULE_MAGIC;

PGDLLEXPORT void _PG_init(void);
}

extern "C" void _PG_init(void) {
  // Nothing here throws: GUC definition and callback registration are plain
  // PostgreSQL calls, whose errors abort the load as they should.
  pgt::guc::define_gucs();
  pgt::pg::register_boundary_callbacks();
  pgt::pg::install_merge_count_hook();
  pgt::cdc::install_buffer_estimate_hook();
  pgt::cdc::install_member_drop_hook();
  pgt::cdc::install_merge_row_movement_hooks();
  pgt::refresh::register_dml_guard_callbacks();
  pgt::refresh::register_immediate_callbacks();
  pgt::refresh::register_immediate_conflict_callbacks();
  pgt::refresh::register_commit_callbacks();
  pgt::scheduler::register_commit_signals();
  pgt::scheduler::install_database_ddl_hook();
  // The scheduler needs shared memory and the launcher: preloading only.
  // (Loaded later, commits simply have no scheduler to wake.)
  if (process_shared_preload_libraries_in_progress) {
    pgt::scheduler::install_shared_state_hooks();
    pgt::refresh::install_immediate_conflict_hooks();
    pgt::scheduler::register_launcher();
  }
}
