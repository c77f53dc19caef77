// An expression of the defining query that fails on some row (60 / 0): the
// refresh fails exactly while the query itself fails. A failing row that is
// deleted again before the next refresh (its changes cancel out) must not
// keep the stream table from refreshing.
#include <gtest/gtest.h>

#include "oracle.h"
#include "refresh_history.h"
#include "stream_table.h"
#include "test_db.h"

namespace pgt_e2e {
namespace {

class DifferentialFailure : public TestDb {};

TEST_F(DifferentialFailure, FailingRowDeletedAgainNoLongerBlocksRefresh) {
  conn().exec("SET pg_trickle.differential_max_change_ratio = 1000");
  conn().exec("CREATE TABLE df_src (id int PRIMARY KEY, d int)");
  conn().exec("INSERT INTO df_src SELECT i, i FROM generate_series(1, 20) i");
  const std::string query = "SELECT id, 60 / d AS q FROM df_src";
  create_stream_table(conn(), "df_st", query, "DIFFERENTIAL");

  // While the row is there the query fails, and so does the refresh.
  conn().exec("INSERT INTO df_src VALUES (21, 0)");
  ExecOutcome failed = conn().try_exec("SELECT pgtrickle.refresh_stream_table('df_st')");
  EXPECT_FALSE(failed.ok);
  EXPECT_EQ(failed.sqlstate, "22012") << failed.message;
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM df_st"), "20");

  // Deleted again (with another change): the query works, so does the refresh.
  conn().exec("DELETE FROM df_src WHERE id = 21");
  conn().exec("UPDATE df_src SET d = d + 1 WHERE id = 3");
  refresh_stream_table(conn(), "df_st");
  RefreshRecord r = last_refresh(conn(), "df_st");
  EXPECT_EQ(r.action, "FULL");
  EXPECT_NE(r.reason.value_or("").find("division by zero"), std::string::npos) << r.reason.value_or("");
  EXPECT_TRUE(st_matches_query(conn(), "df_st", query));

  // And the refreshes after it apply deltas again.
  conn().exec("UPDATE df_src SET d = d + 1 WHERE id = 4");
  refresh_stream_table(conn(), "df_st");
  EXPECT_EQ(last_refresh(conn(), "df_st").action, "DIFFERENTIAL");
  EXPECT_TRUE(st_matches_query(conn(), "df_st", query));

  // A failing row that stays: the refresh fails, the table keeps its rows.
  conn().exec("UPDATE df_src SET d = 0 WHERE id = 5");
  failed = conn().try_exec("SELECT pgtrickle.refresh_stream_table('df_st')");
  EXPECT_FALSE(failed.ok);
  EXPECT_EQ(failed.sqlstate, "22012") << failed.message;
  EXPECT_EQ(conn().scalar("SELECT q FROM df_st WHERE id = 5"), "12");
}

}  // namespace
}  // namespace pgt_e2e
