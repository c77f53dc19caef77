// HierarchyTestDb: see hierarchy_test_db.h.
#include "hierarchy_test_db.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "adversarial_support.h"
#include "refresh_history.h"
#include "stream_table.h"

namespace pgt_e2e {

std::string HierarchyTestDb::oid_of(const std::string& table) {
  return text_of("SELECT " + quote_literal(table) + "::regclass::oid");
}

std::string HierarchyTestDb::effective_mode(const std::string& st) {
  return text_of("SELECT effective_refresh_mode FROM pgtrickle.pgt_stream_tables WHERE pgt_name = " + quote_literal(st));
}

std::string HierarchyTestDb::row_level_of(const std::string& source) {
  return text_of("SELECT row_level FROM pgtrickle.pgt_change_tracking WHERE source_relid = " + quote_literal(source) +
                 "::regclass");
}

std::string HierarchyTestDb::capture_levels(const std::string& table, const std::string& suffix) {
  return text_of("SELECT string_agg(tgname || ':' || CASE WHEN tgtype & 1 = 1 THEN 'ROW' ELSE 'STATEMENT' END, ',' "
                 "ORDER BY tgname COLLATE \"C\") FROM pg_trigger WHERE tgrelid = " + quote_literal(table) +
                 "::regclass AND tgname ~ ('^pgt_cdc_[a-z]+' || " + quote_literal(suffix) + " || '$')");
}

std::string HierarchyTestDb::row_capture(const std::string& suffix, bool partitioned) {
  if (partitioned) return "pgt_cdc_trunc" + suffix + ":STATEMENT";
  return "pgt_cdc_del" + suffix + ":ROW,pgt_cdc_ins" + suffix + ":ROW,pgt_cdc_trunc" + suffix + ":STATEMENT,pgt_cdc_upd" +
         suffix + ":ROW";
}

std::string HierarchyTestDb::statement_capture(const std::string& suffix) {
  return "pgt_cdc_del" + suffix + ":STATEMENT,pgt_cdc_ins" + suffix + ":STATEMENT,pgt_cdc_trunc" + suffix +
         ":STATEMENT,pgt_cdc_upd" + suffix + ":STATEMENT";
}

void HierarchyTestDb::expect_full_where_truncated(const StList& sts, const std::vector<std::string>& statements,
                                                  const std::vector<std::string>& truncated) {
  std::string trace = "after (one transaction):";
  for (const std::string& s : statements) trace += "\n    " + s + ";";
  SCOPED_TRACE(trace);
  run_in_transaction(conn(), statements);
  for (const auto& [st, q] : sts) {
    SCOPED_TRACE(st);
    const bool full = std::find(truncated.begin(), truncated.end(), st) != truncated.end();
    EXPECT_TRUE(refresh_matches(conn(), st, q, full ? Expect::Full : Expect::Delta));
    if (full) {
      const RefreshRecord r = last_refresh(conn(), st);
      EXPECT_NE(r.reason.value_or("").find("truncated"), std::string::npos) << describe(r);
    }
  }
}

void HierarchyTestDb::expect_refused_2bp01(const std::string& sql, const std::string& names, bool message_only) {
  SCOPED_TRACE(sql);
  const ExecOutcome o = conn().try_exec(sql);
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.sqlstate, "2BP01") << o.message;
  EXPECT_FALSE(o.hint.empty()) << "no HINT: " << o.message;
  if (!names.empty()) {
    const std::string where = message_only ? o.message : o.message + " " + o.detail;
    EXPECT_NE(where.find(names), std::string::npos) << o.message;
  }
}

}  // namespace pgt_e2e
