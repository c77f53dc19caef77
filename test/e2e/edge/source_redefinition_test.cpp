// A stream table follows what its maintenance was derived from: a view it
// reads (directly or through other views) redefined with CREATE OR REPLACE
// VIEW, and a source column's type changed with ALTER TABLE ... ALTER COLUMN
// ... TYPE. Its plan is derived again and it is reinitialized (history action
// REINITIALIZE, the reason naming what changed) in every mode, or, when a
// DIFFERENTIAL table could no longer be maintained, the DDL is refused with a
// HINT; AUTO falls back to FULL with a WARNING. Before this, a DIFFERENTIAL
// table over a redefined view kept applying deltas of the old view body and
// served its rows forever.
//
// Every stream table is checked against its query after every refresh, and a
// delta refresh after the reinitialization proves the new plan's capture (a
// table the new view body reads) works.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "adversarial_support.h"
#include "edge_test_db.h"
#include "oracle.h"
#include "refresh_history.h"
#include "stream_table.h"

namespace pgt_e2e {
namespace {

class SourceRedefinition : public EdgeTestDb {
 protected:
  SourceRedefinition() : EdgeTestDb("sr_") {}

  void create(const std::string& st, const std::string& query, const std::string& mode) {
    conn().exec(create_stream_table_sql(st, query, mode));
  }

  // Refreshes st: it matches its query, and the refresh took `action`.
  void refresh_expecting(const std::string& st, const std::string& query, const std::string& action) {
    SCOPED_TRACE(st);
    refresh_stream_table(conn(), st);
    EXPECT_TRUE(st_matches_query_exactly(conn(), st, query));
    EXPECT_EQ(last_refresh(conn(), st).action, action) << describe(last_refresh(conn(), st));
  }

  std::string reason_of_last_refresh(const std::string& st) {
    return last_refresh(conn(), st).reason.value_or("");
  }

  std::string effective_mode(const std::string& st) {
    return conn().scalar("SELECT effective_refresh_mode FROM pgtrickle.pgt_stream_tables WHERE pgt_relid = " +
                         quote_literal(st) + "::regclass");
  }
};

// The repro, in every mode: the stream tables follow the new body.
TEST_F(SourceRedefinition, RedefinedViewIsFollowedInEveryMode) {
  conn().exec("CREATE TABLE t (id int PRIMARY KEY, v int)");
  conn().exec("INSERT INTO t SELECT i, i FROM generate_series(1, 20) i");
  conn().exec("CREATE VIEW va AS SELECT id, v FROM t WHERE v > 2");
  const std::string q = "SELECT id, v FROM va";
  create("sv_diff", q, "DIFFERENTIAL");
  create("sv_auto", q, "AUTO");
  create("sv_full", q, "FULL");

  conn().clear_notices();
  conn().exec("CREATE OR REPLACE VIEW va AS SELECT id, v FROM t WHERE v > 10");
  EXPECT_TRUE(conn().has_notice("NOTICE", "will be reinitialized at its next refresh"));
  for (const char* st : {"sv_diff", "sv_auto"}) {
    refresh_expecting(st, q, "REINITIALIZE");
    EXPECT_NE(reason_of_last_refresh(st).find("view"), std::string::npos) << reason_of_last_refresh(st);
    EXPECT_NE(reason_of_last_refresh(st).find("va"), std::string::npos) << reason_of_last_refresh(st);
  }
  refresh_expecting("sv_full", q, "FULL");

  conn().exec("INSERT INTO t VALUES (100, 5), (101, 50)");
  refresh_expecting("sv_diff", q, "DIFFERENTIAL");
  refresh_expecting("sv_auto", q, "DIFFERENTIAL");
  refresh_expecting("sv_full", q, "FULL");
  EXPECT_EQ(text_of("SELECT count(*) FROM sv_diff"), "11");
}

// A view under a view, and a view over a join: redefining the inner one is
// followed too.
TEST_F(SourceRedefinition, NestedViewAndViewOverJoin) {
  conn().exec("CREATE TABLE t (id int PRIMARY KEY, g int, v int)");
  conn().exec("CREATE TABLE d (g int PRIMARY KEY, name text)");
  conn().exec("INSERT INTO t SELECT i, i % 3, i FROM generate_series(1, 30) i");
  conn().exec("INSERT INTO d VALUES (0, 'zero'), (1, 'one'), (2, 'two')");
  conn().exec("CREATE VIEW inner_v AS SELECT id, g, v FROM t WHERE v > 5");
  conn().exec("CREATE VIEW outer_v AS SELECT i.id, i.v, d.name FROM inner_v i JOIN d ON d.g = i.g");
  const std::string q = "SELECT name, count(*) AS n, sum(v) AS s FROM outer_v GROUP BY name";
  create("nested", q, "DIFFERENTIAL");

  conn().exec("CREATE OR REPLACE VIEW inner_v AS SELECT id, g, v FROM t WHERE v > 20");
  refresh_expecting("nested", q, "REINITIALIZE");
  conn().exec("CREATE OR REPLACE VIEW outer_v AS SELECT i.id, i.v, d.name FROM inner_v i JOIN d ON d.g = i.g + 1");
  refresh_expecting("nested", q, "REINITIALIZE");
  conn().exec("INSERT INTO t VALUES (100, 1, 100), (101, 2, 3)");
  conn().exec("UPDATE d SET name = 'ONE' WHERE g = 1");
  refresh_expecting("nested", q, "DIFFERENTIAL");
}

// The new body reads a table nothing captured before: its changes are
// captured from then on and applied by delta.
TEST_F(SourceRedefinition, RedefinedViewReadingANewTableIsCaptured) {
  conn().exec("CREATE TABLE t (id int PRIMARY KEY, v int)");
  conn().exec("CREATE TABLE t2 (id int PRIMARY KEY, v int)");
  conn().exec("INSERT INTO t SELECT i, i FROM generate_series(1, 10) i");
  conn().exec("INSERT INTO t2 VALUES (1, 1000)");
  conn().exec("CREATE VIEW va AS SELECT id, v FROM t");
  const std::string q = "SELECT id, v FROM va";
  create("sv", q, "DIFFERENTIAL");

  conn().exec("CREATE OR REPLACE VIEW va AS SELECT id, v FROM t UNION ALL SELECT id, v FROM t2");
  conn().exec("INSERT INTO t2 VALUES (2, 2000)");
  refresh_expecting("sv", q, "REINITIALIZE");
  conn().exec("INSERT INTO t2 VALUES (3, 3000)");
  conn().exec("DELETE FROM t WHERE id = 1");
  refresh_expecting("sv", q, "DIFFERENTIAL");
  EXPECT_EQ(text_of("SELECT string_agg(source_relid::regclass::text, ',' ORDER BY source_relid::regclass::text) "
                    "FROM pgtrickle.pgt_dependencies d JOIN pgtrickle.pgt_stream_tables s USING (pgt_id) "
                    "WHERE s.pgt_name = 'sv'"),
            "t,t2,va");

  // Back to one table: the other's capture is no longer needed.
  conn().exec("CREATE OR REPLACE VIEW va AS SELECT id, v FROM t WHERE v > 0 UNION ALL SELECT id, v FROM t WHERE false");
  refresh_expecting("sv", q, "REINITIALIZE");
  EXPECT_EQ(text_of("SELECT count(*) FROM pg_catalog.pg_trigger WHERE tgrelid = 't2'::regclass "
                    "AND tgname LIKE 'pgt_cdc%'"),
            "0");
}

// A body DIFFERENTIAL cannot maintain: refused with a HINT naming the
// stream table (the view keeps its old body); AUTO falls back to FULL with
// a WARNING and the reason, and stays right.
TEST_F(SourceRedefinition, UnmaintainableRedefinitionIsRefusedOrFallsBack) {
  conn().exec("CREATE TABLE t (id int PRIMARY KEY, v int)");
  conn().exec("INSERT INTO t SELECT i, i FROM generate_series(1, 10) i");
  conn().exec("CREATE VIEW va AS SELECT id, v FROM t");
  const std::string q = "SELECT id, v FROM va";
  create("sv_diff", q, "DIFFERENTIAL");

  const std::string volatile_body = "CREATE OR REPLACE VIEW va AS SELECT id, v FROM t WHERE v > random() * 0";
  ExecOutcome refused = conn().try_exec(volatile_body);
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.sqlstate, "2BP01") << refused.message;
  EXPECT_NE(refused.message.find("sv_diff"), std::string::npos) << refused.message;
  EXPECT_NE(refused.hint.find("alter_stream_table"), std::string::npos) << refused.hint;
  EXPECT_EQ(text_of("SELECT pg_get_viewdef('va') LIKE '%random%'"), "f");

  conn().exec("SELECT pgtrickle.alter_stream_table('sv_diff', refresh_mode => 'AUTO')");
  conn().clear_notices();
  conn().exec(volatile_body);
  EXPECT_TRUE(conn().has_notice("WARNING", "sv_diff"));
  EXPECT_EQ(effective_mode("sv_diff"), "FULL");
  refresh_expecting("sv_diff", q, "REINITIALIZE");
  conn().exec("INSERT INTO t VALUES (11, 11)");
  refresh_expecting("sv_diff", q, "FULL");

  // And back: maintainable again, DIFFERENTIAL again.
  conn().exec("CREATE OR REPLACE VIEW va AS SELECT id, v FROM t WHERE v > 3");
  EXPECT_EQ(effective_mode("sv_diff"), "DIFFERENTIAL");
  refresh_expecting("sv_diff", q, "REINITIALIZE");
  conn().exec("DELETE FROM t WHERE id = 5");
  refresh_expecting("sv_diff", q, "DIFFERENTIAL");
}

// Replacing a view by the same body, or altering an unrelated column of a
// source, leaves the stream table as it is: no reinitialization.
TEST_F(SourceRedefinition, ChangesThatDoNotAlterTheMaintenanceLeaveItAlone) {
  conn().exec("CREATE TABLE t (id int PRIMARY KEY, v int, other text)");
  conn().exec("INSERT INTO t SELECT i, i, 'x' FROM generate_series(1, 10) i");
  conn().exec("CREATE VIEW va AS SELECT id, v FROM t WHERE v > 2");
  const std::string q = "SELECT id, v FROM va";
  create("sv", q, "DIFFERENTIAL");
  conn().clear_notices();
  conn().exec("CREATE OR REPLACE VIEW va AS SELECT id, v FROM t WHERE v > 2");
  conn().exec("ALTER TABLE t ALTER COLUMN other SET DEFAULT 'y'");
  conn().exec("ALTER TABLE t ADD COLUMN extra int");
  EXPECT_FALSE(conn().has_notice("NOTICE", "reinitialized"));
  refresh_expecting("sv", q, "NO_DATA");
  conn().exec("INSERT INTO t (id, v) VALUES (11, 11)");
  refresh_expecting("sv", q, "DIFFERENTIAL");
}

// DROP VIEW of a source is refused like for any dependent object; CASCADE
// drops the stream table with it, catalog rows included.
TEST_F(SourceRedefinition, DropViewIsRefusedOrCascades) {
  conn().exec("CREATE TABLE t (id int PRIMARY KEY, v int)");
  conn().exec("CREATE VIEW va AS SELECT id, v FROM t");
  create("sv_dropped", "SELECT id, v FROM va", "DIFFERENTIAL");
  ExecOutcome refused = conn().try_exec("DROP VIEW va");
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.sqlstate, "2BP01") << refused.message;
  EXPECT_FALSE(refused.hint.empty());
  conn().exec("DROP VIEW va CASCADE");
  EXPECT_EQ(catalog_rows_named(conn(), "sv_dropped"), 0);
  EXPECT_FALSE(relation_exists(conn(), "sv_dropped"));
}

// ALTER COLUMN ... TYPE of a column a stream table reads: the storage takes
// the new type and the table is recomputed at once (2.5 is not stored as 3),
// in every mode; later refreshes are deltas again.
TEST_F(SourceRedefinition, AlteredColumnTypeReinitializesAtOnce) {
  conn().exec("CREATE TABLE n (id int PRIMARY KEY, g int, a int)");
  conn().exec("INSERT INTO n SELECT i, i % 2, i FROM generate_series(1, 6) i");
  const std::string scan = "SELECT id, a FROM n";
  const std::string grouped = "SELECT g, sum(a) AS s, max(a) AS m FROM n GROUP BY g";
  create("sn_diff", scan, "DIFFERENTIAL");
  create("sn_auto", scan, "AUTO");
  create("sn_full", scan, "FULL");
  create("sg_diff", grouped, "DIFFERENTIAL");

  conn().exec("ALTER TABLE n ALTER COLUMN a TYPE numeric(10,2)");
  for (const char* st : {"sn_diff", "sn_auto", "sn_full", "sg_diff"}) {
    SCOPED_TRACE(st);
    RefreshRecord r = last_refresh(conn(), st);
    EXPECT_EQ(r.action, "REINITIALIZE") << describe(r);
    EXPECT_EQ(r.initiated_by, "DDL") << describe(r);
  }
  EXPECT_EQ(text_of("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'sn_diff'::regclass "
                    "AND attname = 'a'"),
            "numeric(10,2)");

  conn().exec("UPDATE n SET a = 2.5 WHERE id = 2");
  conn().exec("INSERT INTO n VALUES (7, 1, 7.25)");
  refresh_expecting("sn_diff", scan, "DIFFERENTIAL");
  refresh_expecting("sn_auto", scan, "DIFFERENTIAL");
  refresh_expecting("sn_full", scan, "FULL");
  refresh_expecting("sg_diff", grouped, "DIFFERENTIAL");
  EXPECT_EQ(text_of("SELECT a FROM sn_diff WHERE id = 2"), "2.50");

  // To text: refused while a query would break (sum(text)), then followed
  // (no failing refreshes).
  ExecOutcome refused = conn().try_exec("ALTER TABLE n ALTER COLUMN a TYPE text");
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.sqlstate, "2BP01") << refused.message;
  EXPECT_NE(refused.message.find("sg_diff"), std::string::npos) << refused.message;
  conn().exec("SELECT pgtrickle.drop_stream_table('sg_diff')");
  conn().exec("ALTER TABLE n ALTER COLUMN a TYPE text");
  conn().exec("INSERT INTO n VALUES (8, 0, 'eight')");
  refresh_expecting("sn_diff", scan, "DIFFERENTIAL");
  refresh_expecting("sn_full", scan, "FULL");
}

// A materialized view as a source: DIFFERENTIAL refuses it (nothing
// captures a REFRESH MATERIALIZED VIEW), AUTO maintains the stream table FULL
// with a WARNING and the reason, and its next refresh sees the matview's.
TEST_F(SourceRedefinition, MaterializedViewSourceIsFullAndSeesItsRefresh) {
  conn().exec("CREATE TABLE mt (id int PRIMARY KEY, v int)");
  conn().exec("INSERT INTO mt SELECT i, i FROM generate_series(1, 10) i");
  conn().exec("CREATE MATERIALIZED VIEW mv AS SELECT id, v * 2 AS v2 FROM mt");
  const std::string q = "SELECT id, v2 FROM mv WHERE v2 > 4";
  ExecOutcome refused = conn().try_exec(create_stream_table_sql("mv_diff", q, "DIFFERENTIAL"));
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.sqlstate, "0A000") << refused.message;
  EXPECT_NE(refused.message.find("materialized view"), std::string::npos) << refused.message;
  conn().clear_notices();
  create("mv_auto", q, "AUTO");
  EXPECT_TRUE(conn().has_notice("WARNING", "mv_auto"));
  EXPECT_EQ(effective_mode("mv_auto"), "FULL");
  conn().exec("INSERT INTO mt VALUES (11, 11)");
  conn().exec("REFRESH MATERIALIZED VIEW mv");
  refresh_expecting("mv_auto", q, "FULL");
  EXPECT_EQ(text_of("SELECT count(*) FROM mv_auto"), "9");
}

}  // namespace
}  // namespace pgt_e2e
