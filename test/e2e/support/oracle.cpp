#include "oracle.h"

namespace pgt_e2e {
namespace {

constexpr int kRowsShown = 10;

void append_rows(std::string& out, const char* title, const Rows& rows) {
  out += "\n  ";
  out += title;
  out += rows.empty() ? " none" : "";
  for (const Row& r : rows) out += "\n    " + format_row(r);
  if (static_cast<int>(rows.size()) == kRowsShown) out += "\n    ... (first " + std::to_string(kRowsShown) + ")";
}

}  // namespace

std::string st_user_columns(PgConn& conn, const std::string& st_name) {
  // to_regclass resolves a possibly schema-qualified name like the API does.
  Value cols = conn.scalar_or_null(
      "SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum) "
      "FROM pg_catalog.pg_attribute a "
      "WHERE a.attrelid = pg_catalog.to_regclass(" + quote_literal(st_name) + ") "
      "AND a.attnum > 0 AND NOT a.attisdropped AND a.attname NOT LIKE '\\_\\_pgt\\_%'");
  if (!cols) throw std::runtime_error("stream table '" + st_name + "' does not exist or has no user columns");
  return *cols;
}

::testing::AssertionResult st_matches_query(PgConn& conn, const std::string& st_name,
                                            const std::string& query) {
  const std::string st = "SELECT " + st_user_columns(conn, st_name) + " FROM " + st_name;
  const std::string q = "SELECT * FROM (" + query + ") q";
  const std::string only_st = "(" + st + " EXCEPT ALL " + q + ")";
  const std::string only_q = "(" + q + " EXCEPT ALL " + st + ")";

  const std::string diff_count =
      conn.scalar("SELECT pg_catalog.count(*) FROM (" + only_st + " UNION ALL " + only_q + ") d");
  if (diff_count == "0") return ::testing::AssertionSuccess();

  const std::string limit = " LIMIT " + std::to_string(kRowsShown);
  std::string msg = "stream table " + st_name + " differs from its query in " + diff_count +
                    " row(s)\n  query: " + query;
  append_rows(msg, "only in the stream table:", conn.query("SELECT * FROM " + only_st + " d" + limit));
  append_rows(msg, "only in the query:", conn.query("SELECT * FROM " + only_q + " d" + limit));
  return ::testing::AssertionFailure() << msg;
}

void expect_st_matches_query(PgConn& conn, const std::string& st_name, const std::string& query) {
  EXPECT_TRUE(st_matches_query(conn, st_name, query));
}

}  // namespace pgt_e2e
