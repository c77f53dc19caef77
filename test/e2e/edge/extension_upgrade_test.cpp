// ALTER EXTENSION pg_trickle UPDATE: from every older version the control
// file's directory offers, the update reaches the default version, and the
// catalog it leaves is the one a fresh CREATE EXTENSION creates (functions,
// tables, columns, indexes, constraints, triggers, event triggers, policies,
// grants, configuration dumped by pg_dump, comments: extension_catalog.h).
// Stream tables created under 0.1.0 (FULL, DIFFERENTIAL, scheduled) keep
// being maintained by delta after the update, and the new version's
// functions (IMMEDIATE, diagnostics) work on them. The shared library is the
// new one throughout: until the update runs it serves the old SQL.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "extension_catalog.h"
#include "oracle.h"
#include "refresh_history.h"
#include "scheduler_support.h"
#include "stream_table.h"
#include "test_db.h"

namespace pgt_e2e {
namespace {

const char* const kOrders = "SELECT o.id, c.region, o.amount FROM up_orders o JOIN up_custs c ON c.id = o.cust";
const char* const kTotals = "SELECT kind, count(*) AS n, sum(v) AS total FROM up_events GROUP BY kind";
const char* const kFull = "SELECT cust, max(amount) AS top FROM up_orders GROUP BY cust";

std::string installed_version(PgConn& conn) {
  return conn.scalar("SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'pg_trickle'");
}

std::string default_version(PgConn& conn) {
  return conn.scalar("SELECT default_version FROM pg_catalog.pg_available_extensions WHERE name = 'pg_trickle'");
}

// Reinstalls the extension at `version` (dropping whatever it maintained).
void install_version(PgConn& conn, const std::string& version) {
  conn.exec("DROP EXTENSION IF EXISTS pg_trickle");
  conn.exec("CREATE EXTENSION pg_trickle VERSION " + quote_literal(version));
}

class ExtensionUpgrade : public TestDb {
 protected:
  void make_sources() {
    conn().exec("DROP TABLE IF EXISTS up_orders, up_custs, up_events");
    conn().exec("CREATE TABLE up_custs (id int PRIMARY KEY, region text)");
    conn().exec("CREATE TABLE up_orders (id int PRIMARY KEY, cust int, amount numeric(10,2))");
    conn().exec("CREATE TABLE up_events (kind text, v int)");  // no key
    conn().exec("INSERT INTO up_custs SELECT g, 'r' || g % 3 FROM generate_series(1, 10) g");
    conn().exec("INSERT INTO up_orders SELECT g, 1 + g % 10, g * 1.25 FROM generate_series(1, 300) g");
    conn().exec("INSERT INTO up_events SELECT 'k' || g % 4, g FROM generate_series(1, 200) g");
  }
  // Inserts, updates and deletes in every source; `round` keeps keys apart.
  void change_sources(int round) {
    std::string base = std::to_string(1000 * round);
    conn().exec("INSERT INTO up_orders SELECT " + base + " + g, 1 + g % 10, g FROM generate_series(1, 20) g");
    conn().exec("UPDATE up_orders SET amount = amount + 1, cust = 1 + (cust + 3) % 10 WHERE id % 17 = " +
                std::to_string(round % 17));
    conn().exec("DELETE FROM up_orders WHERE id % 23 = " + std::to_string(round % 23));
    conn().exec("UPDATE up_custs SET region = region || 'x' WHERE id = " + std::to_string(1 + round % 10));
    conn().exec("INSERT INTO up_events SELECT 'k' || g % 5, g FROM generate_series(1, 30) g");
    conn().exec("DELETE FROM up_events WHERE v % 13 = " + std::to_string(round % 13));
  }
  void refresh_and_check(const std::string& name, const std::string& query, const std::string& action) {
    refresh_stream_table(conn(), name);
    RefreshRecord last = last_refresh(conn(), name);
    EXPECT_EQ(last.action, action) << name << ": " << describe(last);
    EXPECT_EQ(last.status, "COMPLETED") << name << ": " << describe(last);
    expect_st_matches_query(conn(), name, query);
  }
};

TEST_F(ExtensionUpgrade, EveryOlderVersionHasAnUpdatePathToTheDefault) {
  const std::string target = default_version(conn());
  EXPECT_EQ(target, "0.2.0");
  Rows stranded = conn().query(
      "SELECT v.version FROM pg_catalog.pg_available_extension_versions v WHERE v.name = 'pg_trickle' "
      "AND v.version <> " + quote_literal(target) + " AND NOT EXISTS (SELECT 1 FROM "
      "pg_catalog.pg_extension_update_paths('pg_trickle') p WHERE p.source = v.version AND p.target = " +
      quote_literal(target) + " AND p.path IS NOT NULL)");
  EXPECT_TRUE(stranded.empty()) << "no ALTER EXTENSION UPDATE path from " << format_row(stranded.at(0));
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM pg_catalog.pg_available_extension_versions "
                          "WHERE name = 'pg_trickle' AND version = '0.1.0'"),
            "1");
}

TEST_F(ExtensionUpgrade, UpdatedCatalogEqualsFreshInstall) {
  const std::string target = default_version(conn());
  install_version(conn(), target);
  const std::vector<std::string> fresh = extension_catalog(conn());
  ASSERT_GT(fresh.size(), 100u);

  Rows older = conn().query("SELECT version FROM pg_catalog.pg_available_extension_versions "
                            "WHERE name = 'pg_trickle' AND version <> " + quote_literal(target) + " ORDER BY 1");
  ASSERT_FALSE(older.empty());
  for (const Row& row : older) {
    const std::string from = *row[0];
    SCOPED_TRACE("updated from " + from);
    install_version(conn(), from);
    ASSERT_EQ(installed_version(conn()), from);
    conn().exec("ALTER EXTENSION pg_trickle UPDATE");
    ASSERT_EQ(installed_version(conn()), target);
    const std::vector<std::string> updated = extension_catalog(conn());
    EXPECT_EQ(catalog_lines_missing(fresh, updated), "")
        << "created by CREATE EXTENSION pg_trickle, missing or different after ALTER EXTENSION UPDATE from " << from;
    EXPECT_EQ(catalog_lines_missing(updated, fresh), "")
        << "after ALTER EXTENSION UPDATE from " << from << ", not so in a fresh CREATE EXTENSION pg_trickle";
  }
  install_version(conn(), target);
}

TEST_F(ExtensionUpgrade, StreamTablesOf010KeepBeingMaintainedAfterUpdate) {
  install_version(conn(), "0.1.0");
  conn().exec("SET pg_trickle.differential_max_change_ratio = 1000");  // every batch by delta
  make_sources();
  create_stream_table(conn(), "up_full", kFull, "FULL");
  create_stream_table(conn(), "up_orders_st", kOrders, "DIFFERENTIAL");
  create_stream_table(conn(), "up_totals", kTotals, "DIFFERENTIAL");
  change_sources(1);
  refresh_and_check("up_orders_st", kOrders, "DIFFERENTIAL");
  refresh_and_check("up_totals", kTotals, "DIFFERENTIAL");
  refresh_and_check("up_full", kFull, "FULL");

  // The new library under the old SQL: IMMEDIATE needs the new functions, and
  // says so with an error (the session and the catalog stay as they were).
  ExecOutcome imm = conn().try_exec(create_stream_table_sql("up_imm_early", kOrders, "IMMEDIATE"));
  EXPECT_FALSE(imm.ok);
  EXPECT_EQ(imm.sqlstate, "55000") << imm.message;
  EXPECT_EQ(imm.hint, "Run ALTER EXTENSION pg_trickle UPDATE.") << imm.message;
  EXPECT_EQ(catalog_rows_named(conn(), "up_imm_early"), 0);
  EXPECT_FALSE(relation_exists(conn(), "up_imm_early"));

  change_sources(2);  // pending across the update
  conn().exec("ALTER EXTENSION pg_trickle UPDATE");
  EXPECT_EQ(installed_version(conn()), default_version(conn()));

  refresh_and_check("up_orders_st", kOrders, "DIFFERENTIAL");
  refresh_and_check("up_totals", kTotals, "DIFFERENTIAL");
  refresh_and_check("up_full", kFull, "FULL");
  change_sources(3);
  refresh_and_check("up_orders_st", kOrders, "DIFFERENTIAL");
  refresh_and_check("up_totals", kTotals, "DIFFERENTIAL");
  refresh_and_check("up_full", kFull, "FULL");

  // The new version's functions read the old stream tables.
  EXPECT_EQ(conn().scalar("SELECT count(*) > 0 FROM pgtrickle.list_auxiliary_columns('up_totals')"), "t");
  EXPECT_NE(conn().scalar("SELECT pgtrickle.export_definition('up_orders_st')").find("'DIFFERENTIAL'"),
            std::string::npos);
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM pgtrickle.health_check() WHERE severity = 'ERROR' "
                          "AND check_name <> 'scheduler_running'"),
            "0");
  EXPECT_EQ(conn().scalar("SELECT staleness IS NOT NULL FROM pgtrickle.pgt_status() WHERE name = 'public.up_totals'"), "t");

  // New stream tables, IMMEDIATE included; an old one switched to IMMEDIATE.
  create_stream_table(conn(), "up_imm", kTotals, "IMMEDIATE");
  create_stream_table(conn(), "up_orders_new", kOrders, "DIFFERENTIAL");
  conn().exec("SELECT pgtrickle.alter_stream_table('up_orders_st', refresh_mode => 'IMMEDIATE')");
  change_sources(4);
  expect_st_matches_query(conn(), "up_imm", kTotals);
  expect_st_matches_query(conn(), "up_orders_st", kOrders);
  EXPECT_EQ(conn().scalar("SELECT staleness FROM pgtrickle.pgt_status() WHERE name = 'public.up_imm'"), "00:00:00");
  refresh_and_check("up_orders_new", kOrders, "DIFFERENTIAL");
  refresh_and_check("up_totals", kTotals, "DIFFERENTIAL");

  // And they go away as before.
  conn().exec("SELECT pgtrickle.drop_stream_table('up_full')");
  conn().exec("SELECT pgtrickle.drop_stream_table('up_orders_st')");
  EXPECT_EQ(catalog_rows_named(conn(), "up_full"), 0);
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM pg_catalog.pg_trigger WHERE tgname LIKE 'pgt\\_ivm\\_%' "
                          "AND tgrelid = 'up_orders'::regclass"),
            "0");
}

// The scheduler goes on refreshing a stream table of 0.1.0 by delta while
// and after the extension is updated under it. The database starts with the
// scheduler off, turned on once 0.1.0 is installed: DROP EXTENSION while a
// scheduler reads the catalog can deadlock with it (40P01).
class ExtensionUpgradeScheduled : public TestDb {};

TEST_F(ExtensionUpgradeScheduled, ScheduledStreamTableOf010KeepsRefreshing) {
  const std::string query = "SELECT id % 7 AS k, count(*) AS n, sum(v) AS total FROM ups_src GROUP BY id % 7";
  install_version(conn(), "0.1.0");
  connect_maintenance()->exec("ALTER DATABASE " + quote_ident(db_name()) + " RESET pg_trickle.enabled");
  ASSERT_NE(wait_for_scheduler(conn(), db_name()), 0);
  conn().exec("CREATE TABLE ups_src (id int PRIMARY KEY, v int)");
  conn().exec("INSERT INTO ups_src SELECT g, g FROM generate_series(1, 500) g");
  create_scheduled(conn(), "ups_st", query, "1s", "refresh_mode => 'DIFFERENTIAL'");
  auto caught_up = [&] { return st_matches_query(conn(), "ups_st", query); };
  auto differential_by_scheduler = [&] {
    return conn().scalar("SELECT count(*) FROM pgtrickle.pgt_refresh_history h JOIN pgtrickle.pgt_stream_tables st "
                         "USING (pgt_id) WHERE st.pgt_name = 'ups_st' AND h.initiated_by = 'SCHEDULER' "
                         "AND h.action = 'DIFFERENTIAL' AND h.status = 'COMPLETED'");
  };
  // Small batches: a change above pg_trickle.differential_max_change_ratio
  // of the source would be refreshed FULL.
  conn().exec("INSERT INTO ups_src SELECT g, g FROM generate_series(501, 510) g");
  ASSERT_TRUE(wait_until([&] { return differential_by_scheduler() != "0" && bool(caught_up()); }))
      << caught_up().message();

  conn().exec("ALTER EXTENSION pg_trickle UPDATE");
  const std::string before = differential_by_scheduler();
  conn().exec("UPDATE ups_src SET v = v + 1 WHERE id % 50 = 0");
  conn().exec("DELETE FROM ups_src WHERE id % 110 = 0");
  ASSERT_TRUE(wait_until([&] { return differential_by_scheduler() != before && bool(caught_up()); }))
      << caught_up().message();
  EXPECT_EQ(st_status(conn(), "ups_st"), "ACTIVE");
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM pgtrickle.pgt_refresh_history WHERE status = 'FAILED'"), "0");
  // A stream table created after the update is scheduled as well.
  create_scheduled(conn(), "ups_new", query, "1s", "refresh_mode => 'DIFFERENTIAL'");
  conn().exec("INSERT INTO ups_src SELECT g, g FROM generate_series(601, 610) g");
  EXPECT_TRUE(wait_until([&] { return bool(st_matches_query(conn(), "ups_new", query)) && bool(caught_up()); }));
}

}  // namespace
}  // namespace pgt_e2e
