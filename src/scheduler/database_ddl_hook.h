// DDL that needs a database to itself (DROP DATABASE, ALTER DATABASE RENAME /
// SET TABLESPACE, CREATE DATABASE ... TEMPLATE it) would fail with "database is
// being accessed by other users" while our scheduler is connected to it.
// A ProcessUtility hook asks that scheduler to leave first and keeps the
// launcher from starting it again until the statement is over. The same hook
// notes CREATE EXTENSION pg_trickle, so the launcher starts a scheduler when
// that commits, and ALTER DATABASE ... SET / RESET, after which the
// database's scheduler restarts to read its settings (pg_trickle.enabled).
#pragma once

namespace pgt::scheduler {

// From _PG_init.
void install_database_ddl_hook();

}  // namespace pgt::scheduler
