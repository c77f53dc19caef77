#include "edge_test_db.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

#include "adversarial_support.h"
#include "pg_conn.h"
#include "refresh_history.h"
#include "stream_table.h"
#include "test_names.h"

namespace pgt_e2e {

void EdgeTestDb::SetUp() {
  TestDb::SetUp();
  schema_ = name_for_test(prefix_);
  conn().exec("DROP SCHEMA IF EXISTS " + quote_ident(schema_) + " CASCADE");
  conn().exec("CREATE SCHEMA " + quote_ident(schema_));
  conn().exec("SET search_path = " + quote_ident(schema_) + ", public");
  conn().exec("SET pg_trickle.differential_max_change_ratio = 1000");
}

std::string EdgeTestDb::text_of(const std::string& sql) {
  std::string out;
  for (const Row& r : conn().query(sql)) {
    if (!out.empty()) out += ";";
    for (std::size_t i = 0; i < r.size(); ++i) out += (i ? "," : "") + r[i].value_or("NULL");
  }
  return out;
}

void EdgeTestDb::create_all(const StList& sts) {
  for (const auto& [st, q] : sts) ASSERT_TRUE(create_differential(conn(), st, q));
}

void EdgeTestDb::step(const StList& sts, const std::vector<std::string>& statements, bool allow_no_data) {
  std::string trace = "after (one transaction):";
  for (const std::string& s : statements) trace += "\n    " + s + ";";
  SCOPED_TRACE(trace);
  if (!statements.empty()) run_in_transaction(conn(), statements);
  for (const auto& [st, q] : sts) {
    EXPECT_TRUE(refresh_matches(conn(), st, q, Expect::Delta)) << st;
    const std::string action = last_refresh(conn(), st).action;
    if (allow_no_data) {
      EXPECT_TRUE(action == "DIFFERENTIAL" || action == "NO_DATA") << st << ": " << action;
    } else {
      EXPECT_EQ(action, "DIFFERENTIAL") << st;
    }
  }
}

bool EdgeTestDb::refused_then_full_in_auto(const std::string& name, const std::string& query,
                                           const std::vector<std::string>& words) {
  SCOPED_TRACE(name + ": " + query);
  const ExecOutcome refused = conn().try_exec(create_stream_table_sql(name, query, "DIFFERENTIAL"));
  EXPECT_FALSE(refused.ok) << "DIFFERENTIAL accepted it";
  if (refused.ok) {
    conn().exec("SELECT pgtrickle.drop_stream_table(" + quote_literal(name) + ")");
    return false;
  }
  EXPECT_EQ(refused.sqlstate, "0A000") << refused.message;
  EXPECT_FALSE(refused.hint.empty()) << "no HINT: " << refused.message;
  if (!words.empty()) {
    std::string text = refused.message + " " + refused.hint;
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    EXPECT_TRUE(std::any_of(words.begin(), words.end(),
                            [&](const std::string& w) { return text.find(w) != std::string::npos; }))
        << "the construct is not named: " << refused.message << " / HINT: " << refused.hint;
  }
  EXPECT_EQ(catalog_rows_named(conn(), name), 0);
  EXPECT_FALSE(relation_exists(conn(), name));

  conn().clear_notices();
  const ExecOutcome created = conn().try_exec(create_stream_table_sql(name, query, "AUTO"));
  EXPECT_TRUE(created.ok) << "AUTO failed: [" << created.sqlstate << "] " << created.message;
  if (!created.ok) return false;
  EXPECT_TRUE(conn().has_notice("WARNING")) << "AUTO fell back to FULL without a WARNING";
  Rows mode = conn().query("SELECT effective_refresh_mode, effective_mode_reason FROM pgtrickle.pgt_stream_tables "
                           "WHERE pgt_name = " + quote_literal(name));
  EXPECT_EQ(mode.size(), 1u);
  if (mode.size() != 1u) return false;
  EXPECT_EQ(mode[0][0].value_or(""), "FULL");
  EXPECT_FALSE(mode[0][1].value_or("").empty()) << "no effective_mode_reason";
  EXPECT_TRUE(st_matches_query_as_text(conn(), name, query));
  return true;
}

}  // namespace pgt_e2e
