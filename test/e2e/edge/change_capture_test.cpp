// Change capture seen from outside: what the statement-level triggers write
// to a source's change buffer, when buffers are emptied, when triggers and
// buffers exist, and the refresh paths that do not apply a delta (TRUNCATE,
// too many changes, unsupported queries).
#include <gtest/gtest.h>

#include "change_buffer.h"
#include "drop_objects.h"
#include "oracle.h"
#include "refresh_history.h"
#include "stream_table.h"
#include "test_db.h"

namespace pgt_e2e {
namespace {

class ChangeCapture : public TestDb {
 protected:
  // A keyed source with a column no stream table reads (`extra`), 100 rows.
  void create_source(const std::string& name) {
    drop_stream_tables_and_tables(conn(), {}, {name});
    conn().exec("CREATE TABLE " + name + " (id int PRIMARY KEY, a int, b int, extra text)");
    conn().exec("INSERT INTO " + name + " SELECT g, g % 10, g % 3, 'x' FROM generate_series(1, 100) g");
  }
};

TEST_F(ChangeCapture, UpdateThatChangesNoCapturedColumnWritesNothing) {
  create_source("cc_noop");
  const std::string q = "SELECT id, a FROM cc_noop WHERE b > 0";
  create_stream_table(conn(), "cc_noop_st", q, "DIFFERENTIAL");
  ASSERT_EQ(change_buffer_rows(conn(), "cc_noop"), 0);

  conn().exec("UPDATE cc_noop SET extra = 'y'");  // not read by the query
  EXPECT_EQ(change_buffer_rows(conn(), "cc_noop"), 0) << "an update of an uncaptured column was captured";
  conn().exec("UPDATE cc_noop SET a = a, b = b WHERE id <= 50");  // same values
  EXPECT_EQ(change_buffer_rows(conn(), "cc_noop"), 0) << "an update to the same values was captured";
  conn().exec("UPDATE cc_noop SET a = a + 0, extra = extra || 'z' WHERE id > 90");
  EXPECT_EQ(change_buffer_rows(conn(), "cc_noop"), 0);
  refresh_stream_table(conn(), "cc_noop_st");
  EXPECT_EQ(last_refresh(conn(), "cc_noop_st").action, "NO_DATA");

  // One real change: the old row out, the new row in.
  conn().exec("UPDATE cc_noop SET a = a + 1, extra = 'w' WHERE id = 7");
  EXPECT_EQ(change_buffer_rows(conn(), "cc_noop"), 2);
  conn().exec("SET pg_trickle.differential_max_change_ratio = 1000");
  refresh_stream_table(conn(), "cc_noop_st");
  const RefreshRecord r = last_refresh(conn(), "cc_noop_st");
  EXPECT_EQ(r.action, "DIFFERENTIAL") << describe(r);
  EXPECT_EQ(r.rows_updated, 1) << describe(r);
  EXPECT_EQ(r.rows_inserted + r.rows_deleted, 0) << describe(r);
  EXPECT_TRUE(st_matches_query(conn(), "cc_noop_st", q));
}

TEST_F(ChangeCapture, BufferIsEmptiedOnceEveryReaderConsumedIt) {
  create_source("cc_empty");
  const std::string q1 = "SELECT id, a FROM cc_empty";
  const std::string q2 = "SELECT id, b FROM cc_empty WHERE a > 2";
  create_stream_table(conn(), "cc_empty_one", q1, "DIFFERENTIAL");
  conn().exec("SET pg_trickle.differential_max_change_ratio = 1000");

  conn().exec("INSERT INTO cc_empty VALUES (1001, 1, 1, 'n')");
  conn().exec("UPDATE cc_empty SET a = a + 1 WHERE id <= 5");
  conn().exec("DELETE FROM cc_empty WHERE id BETWEEN 10 AND 12");
  EXPECT_EQ(change_buffer_rows(conn(), "cc_empty"), 1 + 2 * 5 + 3);
  refresh_stream_table(conn(), "cc_empty_one");
  EXPECT_EQ(change_buffer_rows(conn(), "cc_empty"), 0) << "consumed changes stayed in the buffer";
  EXPECT_TRUE(st_matches_query(conn(), "cc_empty_one", q1));

  // Two readers: the buffer keeps what the second has not consumed yet.
  create_stream_table(conn(), "cc_empty_two", q2, "DIFFERENTIAL");
  conn().exec("UPDATE cc_empty SET a = a + 1 WHERE id BETWEEN 20 AND 24");
  refresh_stream_table(conn(), "cc_empty_one");
  EXPECT_GT(change_buffer_rows(conn(), "cc_empty"), 0) << "changes the second stream table needs were removed";
  refresh_stream_table(conn(), "cc_empty_two");
  EXPECT_EQ(change_buffer_rows(conn(), "cc_empty"), 0);
  EXPECT_TRUE(st_matches_query(conn(), "cc_empty_one", q1));
  EXPECT_TRUE(st_matches_query(conn(), "cc_empty_two", q2));
}

// Many consumed changes: the cleanup deletes the first 5,000 and truncates
// the buffer for the rest, unless a writer holds it (its uncommitted
// changes must survive), then it deletes them all.
TEST_F(ChangeCapture, LargeConsumedBufferIsEmptiedWithoutLosingLaterChanges) {
  create_source("cc_large");
  const std::string q = "SELECT id, a FROM cc_large";
  create_stream_table(conn(), "cc_large_st", q, "DIFFERENTIAL");
  conn().exec("SET pg_trickle.differential_max_change_ratio = 1000");

  conn().exec("INSERT INTO cc_large SELECT g, g % 7, 0, 'l' FROM generate_series(1001, 13000) g");
  EXPECT_EQ(change_buffer_rows(conn(), "cc_large"), 12000);
  refresh_stream_table(conn(), "cc_large_st");
  EXPECT_EQ(change_buffer_rows(conn(), "cc_large"), 0) << "consumed changes stayed in the buffer";
  EXPECT_TRUE(st_matches_query(conn(), "cc_large_st", q));

  // Consumed changes, then a writer holding the buffer with a change of its
  // own, not yet committed: no TRUNCATE, the rest is deleted, the writer's
  // change stays.
  conn().exec("UPDATE cc_large SET a = a + 1 WHERE id BETWEEN 1001 AND 8000");
  PgConn writer(ConnTarget{db_name(), ""});
  writer.exec("BEGIN");
  writer.exec("INSERT INTO cc_large VALUES (20001, 1, 1, 'w')");
  refresh_stream_table(conn(), "cc_large_st");
  EXPECT_EQ(change_buffer_rows(conn(), "cc_large"), 0) << "consumed changes stayed in the buffer";
  EXPECT_TRUE(st_matches_query(conn(), "cc_large_st", q));
  writer.exec("COMMIT");
  EXPECT_EQ(change_buffer_rows(conn(), "cc_large"), 1) << "the writer's change was lost";
  refresh_stream_table(conn(), "cc_large_st");
  EXPECT_EQ(change_buffer_rows(conn(), "cc_large"), 0);
  EXPECT_TRUE(st_matches_query(conn(), "cc_large_st", q));

  // An open transaction older than the changes keeps them (its own may come
  // before them in the frontier's order): deleted once it is over.
  PgConn old_writer(ConnTarget{db_name(), ""});
  old_writer.exec("BEGIN");
  old_writer.exec("INSERT INTO cc_large VALUES (20002, 2, 2, 'o')");
  conn().exec("DELETE FROM cc_large WHERE id BETWEEN 1001 AND 7000");
  refresh_stream_table(conn(), "cc_large_st");
  EXPECT_EQ(change_buffer_rows(conn(), "cc_large"), 6000) << "changes after an open transaction were removed";
  EXPECT_TRUE(st_matches_query(conn(), "cc_large_st", q));
  old_writer.exec("COMMIT");
  refresh_stream_table(conn(), "cc_large_st");
  EXPECT_EQ(change_buffer_rows(conn(), "cc_large"), 0);
  EXPECT_TRUE(st_matches_query(conn(), "cc_large_st", q));
  EXPECT_EQ(last_refresh(conn(), "cc_large_st").action, "DIFFERENTIAL");
}

// A large buffer read by two stream tables: the refresh of the first one
// neither truncates it nor deletes what the second has not consumed; the
// refresh of the second, its last reader, empties it (by TRUNCATE: a new file).
TEST_F(ChangeCapture, LargeBufferKeepsWhatALaggingReaderNeeds) {
  create_source("cc_lag");
  const std::string q1 = "SELECT id, a FROM cc_lag";
  const std::string q2 = "SELECT a, count(*) AS n FROM cc_lag GROUP BY a";
  create_stream_table(conn(), "cc_lag_one", q1, "DIFFERENTIAL");
  create_stream_table(conn(), "cc_lag_two", q2, "DIFFERENTIAL");
  conn().exec("SET pg_trickle.differential_max_change_ratio = 1000");
  const std::string buffer = *change_buffer_of(conn(), "cc_lag");
  auto file = [&] { return conn().scalar("SELECT pg_catalog.pg_relation_filenode('" + buffer + "'::regclass)"); };
  const std::string before = file();

  conn().exec("INSERT INTO cc_lag SELECT g, g % 7, 0, 'l' FROM generate_series(1001, 13000) g");
  ASSERT_GE(std::stoll(conn().scalar("SELECT pg_catalog.pg_relation_size('" + buffer + "'::regclass) / 8192")), 64)
      << "the buffer is too small to be truncated: the test tests nothing";
  refresh_stream_table(conn(), "cc_lag_one");
  EXPECT_EQ(change_buffer_rows(conn(), "cc_lag"), 12000) << "changes the second stream table needs were removed";
  EXPECT_EQ(file(), before) << "the buffer was truncated while a reader still needed its changes";
  EXPECT_TRUE(st_matches_query(conn(), "cc_lag_one", q1));

  refresh_stream_table(conn(), "cc_lag_two");
  EXPECT_EQ(change_buffer_rows(conn(), "cc_lag"), 0) << "consumed changes stayed in the buffer";
  EXPECT_NE(file(), before) << "a large buffer whose changes were all consumed was not truncated";
  EXPECT_TRUE(st_matches_query(conn(), "cc_lag_two", q2));
  EXPECT_EQ(last_refresh(conn(), "cc_lag_two").action, "DIFFERENTIAL");

  // And the buffer goes on capturing after it.
  conn().exec("UPDATE cc_lag SET a = a + 1 WHERE id <= 10");
  EXPECT_EQ(change_buffer_rows(conn(), "cc_lag"), 20);
  refresh_stream_table(conn(), "cc_lag_one");
  refresh_stream_table(conn(), "cc_lag_two");
  EXPECT_EQ(change_buffer_rows(conn(), "cc_lag"), 0);
  EXPECT_TRUE(st_matches_query(conn(), "cc_lag_one", q1));
  EXPECT_TRUE(st_matches_query(conn(), "cc_lag_two", q2));
}

// The statistics of a buffer analyzed right after a refresh emptied it
// describe one row (its sentinel) in one page; the planner must not scale that
// to a buffer of a thousand changes as twenty rows (see cdc/buffer_estimates.h).
TEST_F(ChangeCapture, PlannerEstimatesABufferFilledSinceItsLastAnalyzeFromItsSize) {
  create_source("cc_est");
  create_stream_table(conn(), "cc_est_st", "SELECT id, a FROM cc_est", "DIFFERENTIAL");
  const std::string buffer = *change_buffer_of(conn(), "cc_est");
  conn().exec("ANALYZE " + buffer);
  ASSERT_EQ(conn().scalar("SELECT reltuples::int FROM pg_class WHERE oid = '" + buffer + "'::regclass"), "1");
  conn().exec("INSERT INTO cc_est SELECT g, g % 7, 0, 'e' FROM generate_series(1001, 3000) g");
  ASSERT_EQ(change_buffer_rows(conn(), "cc_est"), 2000);
  const std::string plan = conn().scalar("EXPLAIN (FORMAT JSON) SELECT * FROM " + buffer);
  const std::string key = "\"Plan Rows\": ";
  const size_t at = plan.find(key);
  ASSERT_NE(at, std::string::npos) << plan;
  const long long estimated = std::stoll(plan.substr(at + key.size()));
  EXPECT_GE(estimated, 1000) << "rows estimated for 2000 changes: " << estimated;
  EXPECT_LE(estimated, 4000) << "rows estimated for 2000 changes: " << estimated;
}

TEST_F(ChangeCapture, TriggersAndBufferLiveExactlyAsLongAsADifferentialReader) {
  create_source("cc_life");
  create_source("cc_life_full");
  const std::vector<std::string> all_triggers{"pgt_cdc_del", "pgt_cdc_ins", "pgt_cdc_trunc", "pgt_cdc_upd"};

  // FULL stream tables need no capture.
  create_stream_table(conn(), "cc_life_full_st", "SELECT id, a FROM cc_life_full", "FULL");
  EXPECT_TRUE(capture_triggers(conn(), "cc_life_full").empty());
  EXPECT_FALSE(change_buffer_of(conn(), "cc_life_full"));

  const std::string count_functions =
      "SELECT count(*) FROM pg_proc WHERE pronamespace = 'pgtrickle_changes'::regnamespace";
  const std::string functions_before = conn().scalar(count_functions);
  create_stream_table(conn(), "cc_life_one", "SELECT id, a FROM cc_life", "DIFFERENTIAL");
  create_stream_table(conn(), "cc_life_two", "SELECT id, b FROM cc_life", "DIFFERENTIAL");
  EXPECT_EQ(capture_triggers(conn(), "cc_life"), all_triggers);
  const std::optional<std::string> buffer = change_buffer_of(conn(), "cc_life");
  ASSERT_TRUE(buffer);
  EXPECT_TRUE(relation_exists(conn(), *buffer));

  conn().exec("SELECT pgtrickle.drop_stream_table('cc_life_one')");
  EXPECT_EQ(capture_triggers(conn(), "cc_life"), all_triggers) << "capture removed while a reader remains";
  EXPECT_TRUE(relation_exists(conn(), *buffer));

  conn().exec("SELECT pgtrickle.drop_stream_table('cc_life_two')");
  EXPECT_TRUE(capture_triggers(conn(), "cc_life").empty()) << "capture triggers left behind";
  EXPECT_FALSE(relation_exists(conn(), *buffer)) << "change buffer left behind";
  EXPECT_FALSE(change_buffer_of(conn(), "cc_life")) << "pgt_change_tracking row left behind";
  EXPECT_EQ(conn().scalar(count_functions), functions_before) << "capture function left behind";
  conn().exec("INSERT INTO cc_life VALUES (1001, 1, 1, 'after')");  // plain DML works again
}

TEST_F(ChangeCapture, TruncatedSourceIsRecomputedInFull) {
  create_source("cc_trunc");
  drop_stream_tables_and_tables(conn(), {}, {"cc_trunc_dim"});
  conn().exec("CREATE TABLE cc_trunc_dim (a int PRIMARY KEY, label text)");
  conn().exec("INSERT INTO cc_trunc_dim SELECT g, 'L' || g FROM generate_series(0, 9) g");
  const std::string q_scan = "SELECT id, a, b FROM cc_trunc WHERE b <> 1";
  const std::string q_join = "SELECT t.id, d.label FROM cc_trunc t JOIN cc_trunc_dim d ON t.a = d.a";
  create_stream_table(conn(), "cc_trunc_scan", q_scan, "DIFFERENTIAL");
  create_stream_table(conn(), "cc_trunc_join", q_join, "DIFFERENTIAL");
  conn().exec("SET pg_trickle.differential_max_change_ratio = 1000");

  conn().exec("BEGIN");
  conn().exec("TRUNCATE cc_trunc");
  conn().exec("INSERT INTO cc_trunc SELECT g, g % 4, g % 3, 'x' FROM generate_series(500, 520) g");
  conn().exec("COMMIT");
  for (const auto& [st, q] : {std::pair{std::string("cc_trunc_scan"), q_scan}, std::pair{std::string("cc_trunc_join"), q_join}}) {
    SCOPED_TRACE(st);
    refresh_stream_table(conn(), st);
    const RefreshRecord r = last_refresh(conn(), st);
    EXPECT_EQ(r.action, "FULL") << describe(r);
    EXPECT_TRUE(r.reason && !r.reason->empty()) << describe(r);
    EXPECT_TRUE(st_matches_query(conn(), st, q));
  }
  EXPECT_EQ(change_buffer_rows(conn(), "cc_trunc"), 0);

  // Afterwards, deltas again.
  conn().exec("UPDATE cc_trunc SET a = 9 WHERE id = 505");
  conn().exec("TRUNCATE cc_trunc_dim");  // and now the other side of the join
  conn().exec("INSERT INTO cc_trunc_dim VALUES (9, 'nine')");
  refresh_stream_table(conn(), "cc_trunc_scan");
  EXPECT_EQ(last_refresh(conn(), "cc_trunc_scan").action, "DIFFERENTIAL");
  EXPECT_TRUE(st_matches_query(conn(), "cc_trunc_scan", q_scan));
  refresh_stream_table(conn(), "cc_trunc_join");
  EXPECT_EQ(last_refresh(conn(), "cc_trunc_join").action, "FULL");
  EXPECT_TRUE(st_matches_query(conn(), "cc_trunc_join", q_join));
}

TEST_F(ChangeCapture, TruncateAndRefreshInOneTransaction) {
  create_source("cc_trunc_tx");
  const std::string q = "SELECT id, a FROM cc_trunc_tx";
  create_stream_table(conn(), "cc_trunc_tx_st", q, "DIFFERENTIAL");
  conn().exec("SET pg_trickle.differential_max_change_ratio = 1000");
  conn().exec("BEGIN");
  conn().exec("TRUNCATE cc_trunc_tx");
  conn().exec("INSERT INTO cc_trunc_tx VALUES (1, 1, 1, 'a'), (2, 2, 2, 'b')");
  refresh_stream_table(conn(), "cc_trunc_tx_st");
  EXPECT_EQ(last_refresh(conn(), "cc_trunc_tx_st").action, "FULL");
  EXPECT_TRUE(st_matches_query(conn(), "cc_trunc_tx_st", q));
  conn().exec("INSERT INTO cc_trunc_tx VALUES (3, 3, 3, 'c')");
  conn().exec("COMMIT");
  refresh_stream_table(conn(), "cc_trunc_tx_st");
  EXPECT_EQ(last_refresh(conn(), "cc_trunc_tx_st").action, "DIFFERENTIAL")
      << "the truncate consumed inside the transaction was seen again";
  EXPECT_TRUE(st_matches_query(conn(), "cc_trunc_tx_st", q));
}

// Rows of an inheritance child created after the stream table reach the
// source's scan (SELECT ... FROM parent reads children): the child gets the
// capture triggers of the parent, so they reach its buffer too, whether
// written into the child or through the parent.
TEST_F(ChangeCapture, InheritanceChildAddedLaterIsCaptured) {
  create_source("cc_parent");
  const std::string q = "SELECT id, a FROM cc_parent";
  create_stream_table(conn(), "cc_parent_st", q, "DIFFERENTIAL");
  conn().exec("CREATE TABLE cc_parent_child (more int) INHERITS (cc_parent)");
  conn().exec("INSERT INTO cc_parent_child (id, a, b, more) VALUES (1001, 7, 7, 7), (1002, 8, 8, 8)");
  conn().exec("UPDATE cc_parent SET a = a + 1 WHERE id IN (1, 1001)");
  refresh_stream_table(conn(), "cc_parent_st");
  RefreshRecord r = last_refresh(conn(), "cc_parent_st");
  EXPECT_EQ(r.action, "DIFFERENTIAL") << describe(r);
  EXPECT_TRUE(st_matches_query(conn(), "cc_parent_st", q)) << describe(r);
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'cc_parent_child'::regclass "
                          "AND tgname LIKE 'pgt_cdc_%' AND tgenabled = 'A'"),
            "4");
}

TEST_F(ChangeCapture, TooManyPendingChangesFallBackToFullAndSaySo) {
  create_source("cc_ratio");
  const std::string q = "SELECT id, a, b FROM cc_ratio WHERE a <> 5";
  create_stream_table(conn(), "cc_ratio_st", q, "DIFFERENTIAL");
  conn().exec("RESET pg_trickle.differential_max_change_ratio");
  ASSERT_EQ(conn().scalar("SHOW pg_trickle.differential_max_change_ratio"), "0.15");

  // 40 of 100 rows: 80 change rows, far above 15%.
  conn().exec("UPDATE cc_ratio SET b = b + 1 WHERE id <= 40");
  refresh_stream_table(conn(), "cc_ratio_st");
  RefreshRecord r = last_refresh(conn(), "cc_ratio_st");
  EXPECT_EQ(r.action, "FULL") << describe(r);
  ASSERT_TRUE(r.reason) << describe(r);
  EXPECT_NE(r.reason->find("differential_max_change_ratio"), std::string::npos) << describe(r);
  EXPECT_EQ(r.status, "COMPLETED");
  EXPECT_TRUE(st_matches_query(conn(), "cc_ratio_st", q));
  EXPECT_EQ(change_buffer_rows(conn(), "cc_ratio"), 0) << "changes consumed by the FULL refresh stayed";

  // A few changes: a delta.
  conn().exec("UPDATE cc_ratio SET b = b + 1 WHERE id <= 3");
  refresh_stream_table(conn(), "cc_ratio_st");
  r = last_refresh(conn(), "cc_ratio_st");
  EXPECT_EQ(r.action, "DIFFERENTIAL") << describe(r);
  EXPECT_TRUE(st_matches_query(conn(), "cc_ratio_st", q));

  // The same large change with the ratio raised: a delta too.
  conn().exec("SET pg_trickle.differential_max_change_ratio = 1000");
  conn().exec("UPDATE cc_ratio SET b = b + 1 WHERE id <= 40");
  refresh_stream_table(conn(), "cc_ratio_st");
  r = last_refresh(conn(), "cc_ratio_st");
  EXPECT_EQ(r.action, "DIFFERENTIAL") << describe(r);
  EXPECT_TRUE(st_matches_query(conn(), "cc_ratio_st", q));
}

// Equal is not identical: numeric 1.0 = 1.00, but the query can tell them
// apart (::text shows the scale). An update from one to the other changes the
// query's result, so the stream table must follow.
TEST_F(ChangeCapture, UpdateToAnEqualButDistinguishableValueReachesTheStreamTable) {
  drop_stream_tables_and_tables(conn(), {}, {"cc_scale"});
  conn().exec("CREATE TABLE cc_scale (id int PRIMARY KEY, n numeric)");
  conn().exec("INSERT INTO cc_scale SELECT g, g FROM generate_series(1, 20) g");
  const std::string q = "SELECT id, n::text AS n_text FROM cc_scale";
  create_stream_table(conn(), "cc_scale_st", q, "DIFFERENTIAL");
  conn().exec("SET pg_trickle.differential_max_change_ratio = 1000");
  conn().exec("UPDATE cc_scale SET n = 1.0 WHERE id = 1");
  refresh_stream_table(conn(), "cc_scale_st");
  EXPECT_TRUE(st_matches_query(conn(), "cc_scale_st", q)) << "after 1 -> 1.0";
  conn().exec("UPDATE cc_scale SET n = 1.00 WHERE id = 1");
  refresh_stream_table(conn(), "cc_scale_st");
  EXPECT_TRUE(st_matches_query(conn(), "cc_scale_st", q)) << "after 1.0 -> 1.00";
}

// Shapes DIFFERENTIAL does not maintain yet: refused with 0A000 and a HINT;
// AUTO creates them in FULL mode with a WARNING and records why.
struct UnsupportedShape {
  std::string name;
  std::string query;
};

class UnsupportedInDifferential : public TestDb, public ::testing::WithParamInterface<UnsupportedShape> {
 public:
  static void SetUpTestSuite() {
    TestDb::SetUpTestSuite();
    auto c = connect();
    c->exec("CREATE TABLE un_a (id int PRIMARY KEY, g int, v int)");
    c->exec("INSERT INTO un_a SELECT x, x % 4, x FROM generate_series(1, 30) x");
    c->exec("CREATE TABLE un_b (id int PRIMARY KEY, g int)");
    c->exec("INSERT INTO un_b SELECT x, x % 5 FROM generate_series(1, 10) x");
  }
};

TEST_P(UnsupportedInDifferential, RefusedWithHintAndAutoFallsBackToFull) {
  const std::string st = "un_" + GetParam().name;
  const ExecOutcome out = conn().try_exec(create_stream_table_sql(st, GetParam().query, "DIFFERENTIAL"));
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(out.sqlstate, "0A000") << out.message;
  EXPECT_FALSE(out.hint.empty()) << out.message;
  EXPECT_FALSE(relation_exists(conn(), st));
  EXPECT_EQ(catalog_rows_named(conn(), st), 0);

  conn().clear_notices();
  create_stream_table(conn(), st, GetParam().query, "AUTO");
  EXPECT_TRUE(conn().has_notice("WARNING")) << "AUTO fell back to FULL silently";
  Rows mode = conn().query(
      "SELECT effective_refresh_mode, effective_mode_reason FROM pgtrickle.pgt_stream_tables WHERE pgt_name = " +
      quote_literal(st));
  ASSERT_EQ(mode.size(), 1u);
  EXPECT_EQ(mode[0][0], Value("FULL"));
  EXPECT_TRUE(mode[0][1] && !mode[0][1]->empty());
  EXPECT_TRUE(capture_triggers(conn(), "un_a").empty());
  conn().exec("INSERT INTO un_a VALUES (1000 + (SELECT count(*) FROM un_a), 1, 1)");
  refresh_stream_table(conn(), st);
  EXPECT_EQ(last_refresh(conn(), st).action, "FULL");
  EXPECT_TRUE(st_matches_query(conn(), st, GetParam().query));
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, UnsupportedInDifferential,
    ::testing::Values(UnsupportedShape{"lateral_subquery", "SELECT a.id, l.n FROM un_a a, LATERAL (SELECT count(*) AS n FROM un_b b WHERE b.g = a.g) l"},
                      UnsupportedShape{"non_equi_left_join", "SELECT a.id, b.id AS b_id FROM un_a a LEFT JOIN un_b b ON a.g < b.g"},
                      UnsupportedShape{"with_recursive", "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) "
                                                         "SELECT un_a.g FROM un_a JOIN r ON r.n = un_a.g"},
                      UnsupportedShape{"srf_over_grouping", "SELECT g, generate_series(1, count(*)::int) AS n FROM un_a GROUP BY g"},
                      UnsupportedShape{"limit_without_order", "SELECT id FROM un_a LIMIT 5"}),
    [](const ::testing::TestParamInfo<UnsupportedShape>& info) { return info.param.name; });

}  // namespace
}  // namespace pgt_e2e
