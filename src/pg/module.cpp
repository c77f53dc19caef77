// Module entry: PG_MODULE_MAGIC and _PG_init.
#include "pg/boundary.h"
#include "pg/gucs.h"
#include "refresh/dml_guard.h"

extern "C" {
PGT_MODULE_MAGIC;

PGDLLEXPORT void _PG_init(void);
}

extern "C" void _PG_init(void) {
  // Nothing here throws: GUC definition and callback registration are plain
  // PostgreSQL calls, whose errors abort the load as they should.
  pgt::guc::define_gucs();
  pgt::pg::register_boundary_callbacks();
  pgt::refresh::register_dml_guard_callbacks();
}
