// Shared pieces of the adversarial DIFFERENTIAL tests (adversarial_*_test.cpp):
// acceptance-style probes of values, keys, query shapes, change kinds and
// API behaviour that the seeded oracle scenarios do not reach.
//
// Every test runs in a schema of its own (named after the test, first on
// search_path) with pg_trickle.differential_max_change_ratio raised, so a
// FULL fallback never hides a wrong delta. After each refresh two oracles
// run: the multiset one of oracle.h (values compared with "=") and one over
// the rows' text forms, which also tells 1 from 1.00, -0 from 0, 'a' from 'A'
// under a case-insensitive collation, and compares json (no "=").
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pg_conn.h"
#include "test_db.h"

namespace pgt_e2e {

class AdversarialFixture : public TestDb {
 protected:
  void SetUp() override;
  // This test's schema (unquoted name; first on search_path).
  const std::string& schema() const { return schema_; }

 private:
  std::string schema_;
};

// The stream table's rows equal the query's as multisets of their text forms
// (ROW(...)::text), ignoring the __pgt_* columns.
::testing::AssertionResult st_matches_query_as_text(PgConn& conn, const std::string& st_name,
                                                    const std::string& query);

// Both oracles.
::testing::AssertionResult st_matches_query_exactly(PgConn& conn, const std::string& st_name,
                                                    const std::string& query);

// What the latest refresh must have been.
enum class Expect { Delta, Full, Any };

// create_stream_table(..., 'DIFFERENTIAL'), then both oracles; a failure
// carries the server's message and hint.
::testing::AssertionResult create_differential(PgConn& conn, const std::string& st_name,
                                               const std::string& query);

// refresh_stream_table, then: the refresh succeeded, took the expected path
// (Delta: DIFFERENTIAL or NO_DATA) and both oracles hold.
::testing::AssertionResult refresh_matches(PgConn& conn, const std::string& st_name, const std::string& query,
                                           Expect expect = Expect::Delta);

// The statements in one transaction, then refresh_matches.
::testing::AssertionResult change_refresh_matches(PgConn& conn, const std::string& st_name,
                                                  const std::string& query,
                                                  const std::vector<std::string>& statements,
                                                  Expect expect = Expect::Delta);

// True if a collation can be created with ICU (the server was built with it).
bool icu_available(PgConn& conn);

}  // namespace pgt_e2e
