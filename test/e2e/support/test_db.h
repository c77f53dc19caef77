// TestDb — the GoogleTest fixture base for e2e suites.
//
// Each test suite gets a database of its own, pgt_e2e_<suite> (recreated from
// scratch, so a run killed half-way leaves nothing that changes the next run),
// with pg_trickle installed. Suites therefore never see each other's tables,
// stream tables or catalog rows, and the catalog starts empty. The database is
// dropped after the suite. Each test gets a fresh session in conn().
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "pg_conn.h"

namespace pgt_e2e {

class TestDb : public ::testing::Test {
 public:
  // The database has the background scheduler turned off (ALTER DATABASE ...
  // SET pg_trickle.enabled = off): tests refresh by hand, deterministically.
  static void SetUpTestSuite() { set_up_suite_database(false); }
  // scheduled: leave the scheduler on (scheduler suites).
  static void set_up_suite_database(bool scheduled);
  static void TearDownTestSuite();

  // The current suite's database.
  static const std::string& db_name();
  // A new session in the suite's database, optionally as another role.
  static std::unique_ptr<PgConn> connect(const std::string& user = "");

 protected:
  void SetUp() override;
  void TearDown() override;

  // This test's session (superuser, the suite's database).
  PgConn& conn() { return *conn_; }

 private:
  std::unique_ptr<PgConn> conn_;
};

// "pgt_e2e_" + the suite name lower-cased, reduced to [a-z0-9_], within
// PostgreSQL's 63-byte identifier limit.
std::string database_name_for_suite(const std::string& suite);

// A session on the maintenance database (PGDATABASE), for CREATE/DROP DATABASE
// and cluster-wide objects such as roles.
std::unique_ptr<PgConn> connect_maintenance();

}  // namespace pgt_e2e
