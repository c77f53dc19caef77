// Batches of inserts only take the append path: when every unconsumed change
// of a select-project-join stream table's sources is an insert and its result
// only grows with inserts (no outer join, EXISTS / IN), the delta's rows are
// inserted and nothing is looked up, updated or deleted (history reason
// "append-only: ..."). A batch with a delete or an update takes the general
// path; so does every batch of a query whose result can lose rows on inserts
// (LEFT JOIN: a padded row goes when its first match comes; NOT EXISTS).
// append_only => true is accepted (not with FULL): a refresh that meets a
// delete says so with a WARNING, applies it in full, and withdraws the flag.
#include <gtest/gtest.h>

#include <string>

#include "adversarial_support.h"
#include "edge_test_db.h"
#include "oracle.h"
#include "refresh_history.h"
#include "stream_table.h"

namespace pgt_e2e {
namespace {

constexpr const char* kAppended = "append-only";

class AppendOnly : public EdgeTestDb {
 protected:
  AppendOnly() : EdgeTestDb("ao_") {}

  void SetUp() override {
    EdgeTestDb::SetUp();
    conn().exec("CREATE TABLE ev (id int PRIMARY KEY, k int, v int)");
    conn().exec("CREATE TABLE dim (k int PRIMARY KEY, name text)");
    conn().exec("CREATE TABLE kl (k int, v int)");  // keyless, duplicates
    conn().exec("INSERT INTO dim SELECT i, 'n' || i FROM generate_series(0, 9) i");
    conn().exec("INSERT INTO ev SELECT i, i % 12, i FROM generate_series(1, 60) i");
    conn().exec("INSERT INTO kl SELECT i % 3, i % 2 FROM generate_series(1, 20) i");
  }

  // Refreshes st: it matches its query exactly, the refresh was DIFFERENTIAL,
  // and it took the append path or not.
  void refresh_expecting(const std::string& st, const std::string& query, bool appended) {
    SCOPED_TRACE(st);
    refresh_stream_table(conn(), st);
    EXPECT_TRUE(st_matches_query_exactly(conn(), st, query));
    RefreshRecord r = last_refresh(conn(), st);
    EXPECT_EQ(r.action, "DIFFERENTIAL") << describe(r);
    EXPECT_EQ(r.reason.value_or("").find(kAppended) != std::string::npos, appended) << describe(r);
  }
};

TEST_F(AppendOnly, InsertsIntoScansFiltersJoinsAndUnionsAreAppended) {
  const StList sts = {
      {"a_scan", "SELECT id, v FROM ev"},
      {"a_filter", "SELECT id, v * 2 AS w FROM ev WHERE v % 3 <> 0"},
      {"a_join", "SELECT e.id, d.name FROM ev e JOIN dim d ON d.k = e.k"},
      {"a_keyless", "SELECT k, v FROM kl"},
      {"a_union", "SELECT k FROM kl UNION ALL SELECT k FROM ev WHERE v > 50"},
  };
  create_all(sts);
  // Inserts into one table, then into both sides of the join at once (the
  // two-delta term subtracts what the one-delta terms both counted), then
  // duplicates into the keyless table.
  conn().exec("INSERT INTO ev SELECT i, i % 12, i FROM generate_series(61, 90) i");
  conn().exec("INSERT INTO kl SELECT i % 4, i % 3 FROM generate_series(1, 6) i");
  for (const auto& [st, q] : sts) refresh_expecting(st, q, true);
  conn().exec("INSERT INTO dim VALUES (10, 'ten'), (11, 'eleven')");
  conn().exec("INSERT INTO ev VALUES (91, 10, 91), (92, 11, 92), (93, 3, 93)");
  conn().exec("INSERT INTO kl VALUES (1, 1), (1, 1), (7, 7)");
  for (const auto& [st, q] : sts) refresh_expecting(st, q, true);
  // A delete or an update: the general path, and the result is right.
  conn().exec("DELETE FROM ev WHERE id = 5");
  conn().exec("UPDATE kl SET v = v + 1 WHERE k = 7");
  conn().exec("INSERT INTO ev VALUES (94, 1, 94)");
  for (const auto& [st, q] : sts) refresh_expecting(st, q, false);
  // Inserts alone again: appended again.
  conn().exec("INSERT INTO ev VALUES (95, 2, 95)");
  conn().exec("INSERT INTO kl VALUES (2, 2)");
  for (const auto& [st, q] : sts) refresh_expecting(st, q, true);
}

// Queries whose result can lose rows on an insert never take it.
TEST_F(AppendOnly, OuterAndAntiJoinsNeverAppend) {
  const StList sts = {
      {"n_left", "SELECT d.k, e.id FROM dim d LEFT JOIN ev e ON e.k = d.k"},
      {"n_anti", "SELECT d.k FROM dim d WHERE NOT EXISTS (SELECT 1 FROM ev e WHERE e.k = d.k)"},
      {"n_semi", "SELECT d.k FROM dim d WHERE EXISTS (SELECT 1 FROM ev e WHERE e.k = d.k)"},
  };
  conn().exec("INSERT INTO dim VALUES (20, 'twenty'), (21, 'twenty-one')");  // no match in ev yet
  create_all(sts);
  // Each insert gives a padded / anti-joined dim row its first match.
  conn().exec("INSERT INTO ev VALUES (100, 20, 100), (101, 21, 101), (102, 9, 102)");
  for (const auto& [st, q] : sts) refresh_expecting(st, q, false);
  for (const auto& [st, q] : sts)
    EXPECT_EQ(conn().scalar("SELECT pgtrickle.maintenance_plan(" + quote_literal(st) +
                            ") LIKE '%inserts appended%'"),
              "f")
        << st;
}

TEST_F(AppendOnly, DeclaredAppendOnlyWarnsAndIsWithdrawnAtTheFirstDelete) {
  const std::string q = "SELECT id, v FROM ev WHERE v > 10";
  conn().exec("SELECT pgtrickle.create_stream_table('d_scan', " + quote_literal(q) +
              ", refresh_mode => 'DIFFERENTIAL', append_only => true)");
  EXPECT_EQ(conn().scalar("SELECT append_only FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'd_scan'"), "t");
  conn().exec("INSERT INTO ev VALUES (200, 1, 200)");
  refresh_expecting("d_scan", q, true);
  conn().exec("DELETE FROM ev WHERE id = 200");
  conn().clear_notices();
  refresh_expecting("d_scan", q, false);
  EXPECT_TRUE(conn().has_notice("WARNING", "no longer append-only"));
  EXPECT_EQ(conn().scalar("SELECT append_only FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'd_scan'"), "f");
  // Inserts are still appended, without a declaration.
  conn().exec("INSERT INTO ev VALUES (201, 1, 201)");
  conn().clear_notices();
  refresh_expecting("d_scan", q, true);
  EXPECT_FALSE(conn().has_notice("WARNING", "append-only"));
  // Declared on an aggregate (no append path): only the WARNING.
  const std::string agg = "SELECT k, count(*) AS n FROM ev GROUP BY k";
  conn().exec("SELECT pgtrickle.create_stream_table('d_agg', " + quote_literal(agg) +
              ", refresh_mode => 'DIFFERENTIAL', append_only => true)");
  conn().exec("UPDATE ev SET k = k + 1 WHERE id = 201");
  conn().clear_notices();
  refresh_stream_table(conn(), "d_agg");
  EXPECT_TRUE(st_matches_query_exactly(conn(), "d_agg", agg));
  EXPECT_TRUE(conn().has_notice("WARNING", "no longer append-only"));
  // FULL has no append path: refused with a HINT.
  ExecOutcome full = conn().try_exec(
      "SELECT pgtrickle.create_stream_table('d_full', 'SELECT id FROM ev', refresh_mode => 'FULL', append_only => true)");
  EXPECT_FALSE(full.ok);
  EXPECT_EQ(full.sqlstate, "22023") << full.message;
  EXPECT_FALSE(full.hint.empty());
}

}  // namespace
}  // namespace pgt_e2e
