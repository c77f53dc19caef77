// Cleanup for tests that share their suite's database and reuse names.
#pragma once

#include <string>
#include <vector>

#include "pg_conn.h"

namespace pgt_e2e {

// Drops these stream tables (those that exist, through
// pgtrickle.drop_stream_table) and then these tables (IF EXISTS, CASCADE).
void drop_stream_tables_and_tables(PgConn& conn, const std::vector<std::string>& stream_tables,
                                   const std::vector<std::string>& tables);

}  // namespace pgt_e2e
