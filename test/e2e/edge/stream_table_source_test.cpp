// A stream table read by another stream table's `SELECT *`: the hidden
// bookkeeping columns (__pgt_row_id, the grouping state) are not part of its
// result, so the star leaves them out; naming one is still refused.
#include <gtest/gtest.h>

#include "oracle.h"
#include "refresh_history.h"
#include "stream_table.h"
#include "test_db.h"

namespace pgt_e2e {
namespace {

class StreamTableSource : public TestDb {};

TEST_F(StreamTableSource, SelectStarLeavesOutHiddenColumns) {
  conn().exec("SET pg_trickle.differential_max_change_ratio = 1000");
  conn().exec("CREATE TABLE sts_src (id int PRIMARY KEY, g int, v int)");
  conn().exec("INSERT INTO sts_src SELECT i, i % 4, i FROM generate_series(1, 40) i");
  create_stream_table(conn(), "sts_agg", "SELECT g, sum(v) AS s, count(*) AS n FROM sts_src GROUP BY g", "DIFFERENTIAL");
  create_stream_table(conn(), "sts_star", "SELECT * FROM sts_agg", "DIFFERENTIAL");
  create_stream_table(conn(), "sts_star_join", "SELECT a.*, b.v FROM sts_agg a JOIN sts_src b ON b.id = a.g",
                      "FULL");
  Rows columns = conn().query(
      "SELECT attname FROM pg_attribute WHERE attrelid = 'sts_star'::regclass AND attnum > 0 AND NOT attisdropped "
      "AND attname NOT LIKE '\\_\\_pgt\\_row\\_id' ORDER BY attnum");
  ASSERT_EQ(columns.size(), 3u);
  EXPECT_EQ(columns[0][0], Value("g"));
  EXPECT_EQ(columns[1][0], Value("s"));
  EXPECT_EQ(columns[2][0], Value("n"));
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM pg_attribute WHERE attrelid = 'sts_star_join'::regclass "
                          "AND attname LIKE '\\_\\_pgt\\_%' AND attname <> '__pgt_row_id' AND NOT attisdropped"),
            "0");

  conn().exec("UPDATE sts_src SET g = 5 WHERE id % 7 = 0");
  conn().exec("DELETE FROM sts_src WHERE id % 9 = 0");
  for (const char* st : {"sts_agg", "sts_star", "sts_star_join"}) refresh_stream_table(conn(), st);
  EXPECT_EQ(last_refresh(conn(), "sts_star").action, "DIFFERENTIAL");
  EXPECT_TRUE(st_matches_query(conn(), "sts_star", "SELECT g, sum(v) AS s, count(*) AS n FROM sts_src GROUP BY g"));
  EXPECT_TRUE(st_matches_query(conn(), "sts_star_join",
                               "SELECT a.g, a.s, a.n, b.v FROM (SELECT g, sum(v) AS s, count(*) AS n FROM sts_src "
                               "GROUP BY g) a JOIN sts_src b ON b.id = a.g"));

  // Named, a hidden column is still a reserved name.
  ExecOutcome named = conn().try_exec(create_stream_table_sql("sts_named", "SELECT g, __pgt_count FROM sts_agg", "FULL"));
  EXPECT_FALSE(named.ok);
  EXPECT_NE(named.message.find("reserved"), std::string::npos) << named.message;
  EXPECT_FALSE(named.hint.empty());
}

}  // namespace
}  // namespace pgt_e2e
