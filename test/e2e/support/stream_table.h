// Thin helpers over the pgtrickle SQL API, so every test calls it the same way
// (and a change of the API touches one file).
#pragma once

#include <string>
#include <vector>

#include "pg_conn.h"

namespace pgt_e2e {

// pgtrickle.create_stream_table(name, query, refresh_mode => mode).
void create_stream_table(PgConn& conn, const std::string& name, const std::string& query,
                         const std::string& refresh_mode = "FULL");
std::string create_stream_table_sql(const std::string& name, const std::string& query,
                                    const std::string& refresh_mode = "FULL");

void refresh_stream_table(PgConn& conn, const std::string& name);
std::string refresh_stream_table_sql(const std::string& name);

// Rows of pgtrickle.pgt_stream_tables whose pgt_name is `name` (unqualified).
int catalog_rows_named(PgConn& conn, const std::string& name);
// True if a relation of that (possibly qualified) name exists.
bool relation_exists(PgConn& conn, const std::string& name);

// BEGIN; statements...; COMMIT — one transaction. On a failure the
// transaction is rolled back and the error rethrown.
void run_in_transaction(PgConn& conn, const std::vector<std::string>& statements);

}  // namespace pgt_e2e
