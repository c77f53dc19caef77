// Adversarial probes of the SQL API around DIFFERENTIAL stream tables: bad
// input always gets a SQLSTATE and a HINT that fits the problem, and a
// create that fails leaves no change capture behind (buffer, triggers,
// capture function, tracking row), also on a source another stream table
// already captures.
#include <gtest/gtest.h>

#include "adversarial_support.h"
#include "stream_table.h"

namespace pgt_e2e {
namespace {

class AdversarialApi : public AdversarialFixture {
 protected:
  // The capture state of the database: tracked sources and their captured
  // columns, capture triggers, buffers and capture functions.
  std::string capture_state() {
    return conn().scalar(
        "SELECT concat_ws(' | ', "
        "(SELECT string_agg(source_name || captured_columns::text, ',' ORDER BY source_name) "
        "FROM pgtrickle.pgt_change_tracking), "
        "(SELECT string_agg(tgrelid::regclass::text || '.' || tgname, ',' ORDER BY tgrelid::regclass::text, tgname) FROM pg_trigger "
        "WHERE tgname LIKE 'pgt\\_cdc\\_%'), "
        "(SELECT string_agg(relname || ':' || (SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute "
        "WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped), ',' ORDER BY relname) FROM pg_class c "
        "WHERE relnamespace = 'pgtrickle_changes'::regnamespace AND relkind = 'r'), "
        "(SELECT string_agg(proname, ',' ORDER BY proname) FROM pg_proc "
        "WHERE pronamespace = 'pgtrickle_changes'::regnamespace), "
        "(SELECT count(*)::text FROM pgtrickle.pgt_stream_tables))");
  }
};

TEST_F(AdversarialApi, BadInputGetsSqlstateAndHint) {
  conn().exec("CREATE TABLE e1 (id int PRIMARY KEY, v int, j json)");
  conn().exec("INSERT INTO e1 VALUES (1, 1, '{}')");
  const std::string create = "SELECT pgtrickle.create_stream_table(";
  const std::vector<std::string> calls{
      create + "NULL, 'SELECT 1')",
      create + "'bad_q_null', NULL)",
      create + "'bad_empty', '')",
      create + "'bad_comment', '-- nothing')",
      create + "'bad_two', 'SELECT id FROM e1; SELECT 1')",
      create + "'bad_mode', 'SELECT id FROM e1', refresh_mode => 'bogus')",
      create + "'bad_schedule', 'SELECT id FROM e1', schedule => '')",
      create + "'a.b.c', 'SELECT id FROM e1')",
      create + "'nosuchschema.x', 'SELECT id FROM e1')",
      create + "'bad_agg', 'SELECT e.v, x.c FROM e1 e, LATERAL (SELECT count(*) AS c FROM e1 f WHERE f.v < e.v) x', refresh_mode => 'DIFFERENTIAL')",
      create + "'bad_outer', 'SELECT a.id FROM e1 a LEFT JOIN e1 b ON true', refresh_mode => 'DIFFERENTIAL')",
      create + "'bad_volatile', 'SELECT id, random() AS r FROM e1', refresh_mode => 'DIFFERENTIAL')",
      create + "'bad_div', 'SELECT id, v / 0 AS boom FROM e1', refresh_mode => 'DIFFERENTIAL')",
      create + "'bad_wholerow', 'SELECT e1 FROM e1', refresh_mode => 'DIFFERENTIAL')",
      create + "'bad_lock', 'SELECT id FROM e1 FOR UPDATE', refresh_mode => 'DIFFERENTIAL')",
      create + "'bad_reserved', 'SELECT id AS __pgt_x FROM e1', refresh_mode => 'DIFFERENTIAL')",
      create + "'bad_param', 'SELECT id FROM e1 WHERE v = $1', refresh_mode => 'DIFFERENTIAL')",
      create + "'bad_ambiguous', 'SELECT v FROM e1, e1 x', refresh_mode => 'DIFFERENTIAL')",
      create + "'bad_dup', 'SELECT id, v AS id FROM e1', refresh_mode => 'DIFFERENTIAL')",
      create + "'bad_sample', 'SELECT id FROM e1 TABLESAMPLE SYSTEM (50)', refresh_mode => 'DIFFERENTIAL')",
      create + "'bad_syscol', 'SELECT id AS ctid FROM e1', refresh_mode => 'DIFFERENTIAL')",
      create + "'e1', 'SELECT id FROM e1', refresh_mode => 'DIFFERENTIAL')",
      "SELECT pgtrickle.refresh_stream_table('nosuch')",
      "SELECT pgtrickle.refresh_stream_table(NULL)",
      "SELECT pgtrickle.refresh_stream_table('e1')",
      "SELECT pgtrickle.drop_stream_table('e1')",
      "SELECT pgtrickle.alter_stream_table('nosuch', schedule => '5m')",
  };
  for (const std::string& sql : calls) {
    SCOPED_TRACE(sql);
    const ExecOutcome o = conn().try_exec(sql);
    ASSERT_FALSE(o.ok) << "accepted";
    EXPECT_EQ(o.sqlstate.size(), 5u) << o.message;
    EXPECT_NE(o.sqlstate.substr(0, 2), "XX") << "internal error: " << o.message;
    EXPECT_FALSE(o.hint.empty()) << "no HINT for: " << o.message;
  }
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM pgtrickle.pgt_stream_tables"), "0");
}

// The HINT must fit the error: an output column named like a system column
// is not a missing privilege.
TEST_F(AdversarialApi, SystemColumnNameAsOutputColumnGetsAFittingHint) {
  conn().exec("CREATE TABLE e2 (id int PRIMARY KEY)");
  for (const char* column : {"ctid", "xmin", "tableoid"}) {
    SCOPED_TRACE(column);
    const ExecOutcome o = conn().try_exec(
        create_stream_table_sql(std::string("sys_") + column, std::string("SELECT id AS ") + column + " FROM e2",
                                "DIFFERENTIAL"));
    ASSERT_FALSE(o.ok);
    EXPECT_EQ(o.sqlstate, "42701") << o.message;
    EXPECT_EQ(o.hint.find("privilege"), std::string::npos) << "misleading HINT: " << o.hint;
  }
}

TEST_F(AdversarialApi, FailedCreateLeavesNoCaptureBehind) {
  conn().exec("CREATE TABLE f1 (id int PRIMARY KEY, v int, w int)");
  conn().exec("CREATE TABLE f2 (k int, label text)");
  conn().exec("INSERT INTO f1 VALUES (1, 0, 1)");
  conn().exec("INSERT INTO f2 VALUES (1, 'x')");
  const std::string empty = capture_state();

  // Fails in the initial refresh, after capture was installed on both sources.
  ExecOutcome o = conn().try_exec(create_stream_table_sql(
      "fail_one", "SELECT f1.id, f2.label, 1 / f1.v AS boom FROM f1 JOIN f2 ON f1.id = f2.k", "DIFFERENTIAL"));
  ASSERT_FALSE(o.ok);
  EXPECT_EQ(capture_state(), empty) << "after a failed create on untracked sources";

  // A source already captured for another stream table: the failed create
  // must not leave its extra column in the shared capture.
  ASSERT_TRUE(create_differential(conn(), "ok_one", "SELECT id FROM f1"));
  const std::string one = capture_state();
  o = conn().try_exec(create_stream_table_sql("fail_two", "SELECT id, w, 1 / v AS boom FROM f1", "DIFFERENTIAL"));
  ASSERT_FALSE(o.ok);
  EXPECT_EQ(capture_state(), one) << "after a failed create on a shared source";

  // A create refused before any capture (not differentiable) also leaves none.
  o = conn().try_exec(create_stream_table_sql("fail_three", "SELECT f.label, x.c FROM f2 f, LATERAL (SELECT count(*) AS c FROM f2 g WHERE g.k < f.k) x", "DIFFERENTIAL"));
  ASSERT_FALSE(o.ok);
  EXPECT_EQ(capture_state(), one);

  // And the surviving stream table still works.
  EXPECT_TRUE(change_refresh_matches(conn(), "ok_one", "SELECT id FROM f1", {"INSERT INTO f1 VALUES (2, 1, 1)"}));
}

}  // namespace
}  // namespace pgt_e2e
