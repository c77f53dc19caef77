#include "test_db.h"

#include <cctype>

namespace pgt_e2e {
namespace {

std::string& current_db() {
  static std::string name;
  return name;
}

std::string current_suite_name() {
  const ::testing::TestSuite* suite = ::testing::UnitTest::GetInstance()->current_test_suite();
  return suite ? suite->name() : "unknown";
}

}  // namespace

std::string database_name_for_suite(const std::string& suite) {
  std::string name = "pgt_e2e_";
  for (char c : suite) {
    unsigned char u = static_cast<unsigned char>(c);
    name += std::isalnum(u) ? static_cast<char>(std::tolower(u)) : '_';
  }
  if (name.size() > 63) name.resize(63);
  return name;
}

std::unique_ptr<PgConn> connect_maintenance() { return std::make_unique<PgConn>(); }

void TestDb::set_up_suite_database(bool scheduled) {
  current_db() = database_name_for_suite(current_suite_name());
  auto admin = connect_maintenance();
  // FORCE: a session of a killed earlier run may still be connected to a
  // leftover database of the same name.
  admin->exec("DROP DATABASE IF EXISTS " + quote_ident(current_db()) + " WITH (FORCE)");
  admin->exec("CREATE DATABASE " + quote_ident(current_db()));
  if (!scheduled)
    admin->exec("ALTER DATABASE " + quote_ident(current_db()) + " SET pg_trickle.enabled = off");
  PgConn db(ConnTarget{current_db(), ""});
  db.exec("CREATE EXTENSION pg_trickle");
}

void TestDb::TearDownTestSuite() {
  if (current_db().empty()) return;
  auto admin = connect_maintenance();
  admin->exec("DROP DATABASE IF EXISTS " + quote_ident(current_db()) + " WITH (FORCE)");
  current_db().clear();
}

const std::string& TestDb::db_name() { return current_db(); }

std::unique_ptr<PgConn> TestDb::connect(const std::string& user) {
  return std::make_unique<PgConn>(ConnTarget{current_db(), user});
}

void TestDb::SetUp() { conn_ = connect(); }

void TestDb::TearDown() { conn_.reset(); }

}  // namespace pgt_e2e
