// The launcher: one background worker per cluster (registered from _PG_init)
// that keeps one scheduler worker running in every database that has
// pg_trickle installed and scheduling enabled.
//
// It connects to no database and reads one shared catalog, pg_database (the
// databases that accept connections, templates excluded). Whether a database
// has the extension, and whether scheduling is turned off there (ALTER
// DATABASE ... SET pg_trickle.enabled = off, applied when a worker connects),
// is learnt by starting its scheduler, which exits at once and says why in
// shared memory. It is not started there again until CREATE EXTENSION
// pg_trickle or ALTER DATABASE ... SET/RESET commits for that database (the
// DDL hook wakes the launcher), pg_trickle.enabled is turned on again, or the
// cluster restarts. A
// scheduler that stops for any other reason (crash, pg_terminate_backend, a
// dropped-and-recreated extension) is started again within a second.
#pragma once

namespace pgt::scheduler {

// From _PG_init, under shared_preload_libraries.
void register_launcher();

}  // namespace pgt::scheduler
