// The oracle (DESIGN.md section 4): after a refresh, a stream table equals its
// defining query evaluated now, as multisets, ignoring the __pgt_* columns.
//
//   (ST EXCEPT ALL Q) UNION ALL (Q EXCEPT ALL ST)  must be empty.
//
// The comparison runs in the server, so types, NULLs and duplicates follow SQL
// semantics exactly. Call it only while no write to the sources is pending
// between the refresh and the check (the oracle reads the sources now).
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "pg_conn.h"

namespace pgt_e2e {

// The stream table's user columns, quoted and comma-separated, in column
// order (attnum > 0, not dropped, name not starting with "__pgt_").
std::string st_user_columns(PgConn& conn, const std::string& st_name);

// Success, or a failure message listing up to 10 rows only in the stream
// table and up to 10 rows only in the query.
::testing::AssertionResult st_matches_query(PgConn& conn, const std::string& st_name,
                                            const std::string& query);

// EXPECT-style: records a non-fatal failure when they differ.
void expect_st_matches_query(PgConn& conn, const std::string& st_name, const std::string& query);

}  // namespace pgt_e2e
