// Change capture runs as the extension owner (its trigger function is
// SECURITY DEFINER: writers need no rights on the buffers), so nothing a
// source's owner controls may reach it as code:
//  * column names end up in the generated capture function: a name holding a
//    dollar quote, a quote, a backslash or a semicolon must stay a name (the
//    function body is one string literal; a name that closed a dollar-quoted
//    body ran "ALTER ROLE ... SUPERUSER" as the extension owner);
//  * a domain's CHECK may call its owner's function: buffers store the
//    domain's base type, so neither the buffer's sentinel row, nor capture,
//    nor a TRUNCATE marker evaluates it as the extension owner.
// The source belongs to a non-superuser (mallory); a superuser (the test's
// session) creates the DIFFERENTIAL stream tables over it.
#include <gtest/gtest.h>

#include <iterator>
#include <string>

#include "adversarial_support.h"
#include "refresh_history.h"
#include "stream_table.h"
#include "test_db.h"

namespace pgt_e2e {
namespace {

const char* const kMallory = "pgt_e2e_mallory";

class CaptureSecurity : public TestDb {
 public:
  static void SetUpTestSuite() {
    TestDb::SetUpTestSuite();
    auto admin = connect_maintenance();
    admin->exec(std::string("DROP ROLE IF EXISTS ") + kMallory);
    admin->exec(std::string("CREATE ROLE ") + kMallory + " LOGIN");
    connect()->exec(std::string("GRANT CREATE ON SCHEMA public TO ") + kMallory);
  }
  static void TearDownTestSuite() {
    TestDb::TearDownTestSuite();
    connect_maintenance()->exec(std::string("DROP ROLE IF EXISTS ") + kMallory);
  }

 protected:
  bool mallory_is_superuser() {
    return conn().scalar(std::string("SELECT rolsuper FROM pg_roles WHERE rolname = ") + quote_literal(kMallory)) ==
           "t";
  }
};

TEST_F(CaptureSecurity, HostileColumnNamesStayNames) {
  auto mallory = connect(kMallory);
  const std::string dollar = "$pgt$;ALTER ROLE " + std::string(kMallory) + " SUPERUSER;SELECT $pgt$";
  const std::string names[] = {dollar, "it's", "back\\slash", "semi;colon", "$$", "new", "ünïcödé"};
  std::string columns = "id int PRIMARY KEY", select = "id";
  for (size_t i = 0; i < std::size(names); i++) {
    columns += ", " + quote_ident(names[i]) + (i % 2 ? " text" : " int");
    select += ", " + quote_ident(names[i]);
  }
  mallory->exec("CREATE TABLE hostile_cols (" + columns + ")");
  mallory->exec("INSERT INTO hostile_cols SELECT g, g, 'a''b', g, 'x;y', g, 'n', g FROM generate_series(1, 20) g");

  conn().exec("SET check_function_bodies = off");
  conn().exec("SET pg_trickle.differential_max_change_ratio = 1000");
  const std::string query = "SELECT " + select + " FROM hostile_cols";
  ASSERT_TRUE(create_differential(conn(), "hostile_cols_st", query));
  EXPECT_FALSE(mallory_is_superuser());

  mallory->exec("INSERT INTO hostile_cols VALUES (100, 1, '$pgt$', 2, '\\', 3, ''';', 4)");
  mallory->exec("UPDATE hostile_cols SET " + quote_ident(names[1]) + " = 'changed' WHERE id < 5");
  mallory->exec("DELETE FROM hostile_cols WHERE id = 7");
  EXPECT_TRUE(refresh_matches(conn(), "hostile_cols_st", query));
  EXPECT_EQ(last_refresh(conn(), "hostile_cols_st").action, "DIFFERENTIAL");
  EXPECT_FALSE(mallory_is_superuser());

  // A column added later is captured through the same path (the function is
  // generated again).
  mallory->exec("ALTER TABLE hostile_cols ADD COLUMN " + quote_ident(dollar + "2") + " int");
  const std::string query2 = "SELECT id, " + quote_ident(dollar + "2") + " FROM hostile_cols";
  ASSERT_TRUE(create_differential(conn(), "hostile_cols_st2", query2));
  mallory->exec("UPDATE hostile_cols SET " + quote_ident(dollar + "2") + " = id");
  EXPECT_TRUE(refresh_matches(conn(), "hostile_cols_st2", query2));
  EXPECT_FALSE(mallory_is_superuser());
}

TEST_F(CaptureSecurity, DomainChecksNeverRunAsTheExtensionOwner) {
  auto mallory = connect(kMallory);
  // The check records who evaluates it.
  mallory->exec("CREATE TABLE check_log (who text)");
  mallory->exec("GRANT INSERT ON check_log TO PUBLIC");
  mallory->exec(
      "CREATE FUNCTION public.who_checks(int) RETURNS boolean LANGUAGE plpgsql AS "
      "'BEGIN INSERT INTO public.check_log VALUES (current_user); RETURN true; END'");
  mallory->exec("CREATE DOMAIN public.logged_int AS int CHECK (public.who_checks(VALUE))");
  mallory->exec("CREATE DOMAIN public.logged_int2 AS public.logged_int NOT NULL");
  mallory->exec("CREATE TABLE dom_src (id int PRIMARY KEY, d public.logged_int, e public.logged_int2)");
  mallory->exec("INSERT INTO dom_src SELECT g, g, g FROM generate_series(1, 10) g");
  mallory->exec("TRUNCATE check_log");

  conn().exec("SET pg_trickle.differential_max_change_ratio = 1000");
  // The outputs are plain int: no refresh stores (and checks) a domain value.
  const std::string query = "SELECT id, d::int AS d, e::int AS e FROM dom_src";
  ASSERT_TRUE(create_differential(conn(), "dom_st", query));
  mallory->exec("INSERT INTO dom_src VALUES (11, 11, 11)");
  mallory->exec("UPDATE dom_src SET d = d + 1 WHERE id < 4");
  mallory->exec("DELETE FROM dom_src WHERE id = 5");
  mallory->exec("TRUNCATE dom_src");
  mallory->exec("INSERT INTO dom_src VALUES (1, 1, 1)");
  EXPECT_TRUE(refresh_matches(conn(), "dom_st", query, Expect::Any));
  mallory->exec("INSERT INTO dom_src VALUES (2, 2, 2)");
  EXPECT_TRUE(refresh_matches(conn(), "dom_st", query));

  // Only mallory's own writes evaluated the check.
  EXPECT_EQ(conn().scalar("SELECT string_agg(DISTINCT who, ',') FROM check_log"), kMallory);
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
                          "WHERE a.attrelid IN (SELECT buffer_relid FROM pgtrickle.pgt_change_tracking) "
                          "AND t.typtype = 'd'"),
            "0");
}

}  // namespace
}  // namespace pgt_e2e
