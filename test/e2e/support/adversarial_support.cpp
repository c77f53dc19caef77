#include "adversarial_support.h"

#include "oracle.h"
#include "refresh_history.h"
#include "stream_table.h"
#include "test_names.h"

namespace pgt_e2e {
namespace {

constexpr int kRowsShown = 10;

std::string describe_failure(const ExecOutcome& o) {
  std::string text = "[" + o.sqlstate + "] " + o.message;
  if (!o.detail.empty()) text += "\n  DETAIL: " + o.detail;
  if (!o.hint.empty()) text += "\n  HINT: " + o.hint;
  return text;
}

std::string rows_text(const Rows& rows) {
  std::string out;
  for (const Row& r : rows) out += "\n    " + r.at(0).value_or("NULL");
  return out.empty() ? " none" : out;
}

}  // namespace

void AdversarialFixture::SetUp() {
  TestDb::SetUp();
  schema_ = name_for_test("adv_");
  conn().exec("DROP SCHEMA IF EXISTS " + quote_ident(schema_) + " CASCADE");
  conn().exec("CREATE SCHEMA " + quote_ident(schema_));
  conn().exec("SET search_path = " + quote_ident(schema_) + ", public");
  conn().exec("SET pg_trickle.differential_max_change_ratio = 1000");
}

::testing::AssertionResult st_matches_query_as_text(PgConn& conn, const std::string& st_name,
                                                    const std::string& query) {
  const std::string st = "SELECT (s.*)::text AS r FROM (SELECT " + st_user_columns(conn, st_name) + " FROM " +
                         st_name + ") s";
  const std::string q = "SELECT (q.*)::text AS r FROM (" + query + ") q";
  const std::string only_st = "(" + st + " EXCEPT ALL " + q + ")";
  const std::string only_q = "(" + q + " EXCEPT ALL " + st + ")";
  const std::string n = conn.scalar("SELECT pg_catalog.count(*) FROM (" + only_st + " UNION ALL " + only_q + ") d");
  if (n == "0") return ::testing::AssertionSuccess();
  const std::string limit = " LIMIT " + std::to_string(kRowsShown);
  return ::testing::AssertionFailure()
         << "stream table " << st_name << " differs from its query in " << n << " row(s) (text forms)\n  query: "
         << query << "\n  only in the stream table:" << rows_text(conn.query("SELECT r FROM " + only_st + " d" + limit))
         << "\n  only in the query:" << rows_text(conn.query("SELECT r FROM " + only_q + " d" + limit));
}

::testing::AssertionResult st_matches_query_exactly(PgConn& conn, const std::string& st_name,
                                                    const std::string& query) {
  // Columns without "=" (json) make EXCEPT ALL fail (42883): the text oracle
  // still compares them.
  try {
    ::testing::AssertionResult by_value = st_matches_query(conn, st_name, query);
    if (!by_value) return by_value;
  } catch (const PgQueryError& e) {
    if (e.sqlstate() != "42883") throw;
  }
  return st_matches_query_as_text(conn, st_name, query);
}

::testing::AssertionResult create_differential(PgConn& conn, const std::string& st_name,
                                               const std::string& query) {
  const ExecOutcome created = conn.try_exec(create_stream_table_sql(st_name, query, "DIFFERENTIAL"));
  if (!created.ok)
    return ::testing::AssertionFailure() << "create_stream_table(" << st_name << ") failed: "
                                         << describe_failure(created) << "\n  query: " << query;
  return st_matches_query_exactly(conn, st_name, query);
}

::testing::AssertionResult refresh_matches(PgConn& conn, const std::string& st_name, const std::string& query,
                                           Expect expect) {
  const ExecOutcome refreshed = conn.try_exec(refresh_stream_table_sql(st_name));
  if (!refreshed.ok)
    return ::testing::AssertionFailure() << "refresh_stream_table(" << st_name << ") failed: "
                                         << describe_failure(refreshed);
  const RefreshRecord last = last_refresh(conn, st_name);
  const bool delta = last.action == "DIFFERENTIAL" || last.action == "NO_DATA";
  if ((expect == Expect::Delta && !delta) || (expect == Expect::Full && last.action != "FULL"))
    return ::testing::AssertionFailure() << "refresh of " << st_name << " took an unexpected path: " << describe(last);
  ::testing::AssertionResult same = st_matches_query_exactly(conn, st_name, query);
  if (!same) same << "\n  refresh: " << describe(last);
  return same;
}

::testing::AssertionResult change_refresh_matches(PgConn& conn, const std::string& st_name,
                                                  const std::string& query,
                                                  const std::vector<std::string>& statements, Expect expect) {
  run_in_transaction(conn, statements);
  ::testing::AssertionResult result = refresh_matches(conn, st_name, query, expect);
  if (!result) {
    result << "\n  after (one transaction):";
    for (const std::string& s : statements) result << "\n    " << s << ";";
  }
  return result;
}

bool icu_available(PgConn& conn) {
  return conn.scalar("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_collation WHERE collprovider = 'i')::text") ==
         "true";
}

}  // namespace pgt_e2e
