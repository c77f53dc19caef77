// MIN / MAX per group through an index probe: when a grouping over one table
// has a btree index leading with its keys and then the MIN / MAX argument, a
// group whose extremum was deleted gets the new one from a probe of that
// index instead of a rescan of the group's rows. Deterministic tests: the
// extremum deleted, updated away and back, the last row of a group gone, NULL
// values and a NULL key group, FILTER, two keys, no suitable index (rescan),
// and the index dropped after creation (the refresh derives its statements
// again). After each refresh the stream table equals its query and took the
// delta path.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "adversarial_support.h"
#include "edge_test_db.h"
#include "test_db.h"

namespace pgt_e2e {
namespace {

class ExtremumProbeEdge : public EdgeTestDb {
 protected:
  ExtremumProbeEdge() : EdgeTestDb("xpe_") {}

  void SetUp() override {
    EdgeTestDb::SetUp();
    conn().exec("CREATE TABLE t (id int PRIMARY KEY, k int, k2 int NOT NULL, v int, w text)");
    conn().exec("INSERT INTO t SELECT i, i % 4, i % 3, (i * 37) % 101, 'w' || (i % 11) FROM generate_series(1, 60) i");
    conn().exec("INSERT INTO t VALUES (61, NULL, 0, 5, 'n1'), (62, NULL, 1, NULL, 'n2'), (63, 2, 2, NULL, NULL)");
  }

  // Whether the stream table's statement probes per group.
  bool probes(const std::string& st) {
    std::string sql =
        conn().scalar("SELECT delta_apply_sql FROM pgtrickle.pgt_stream_tables WHERE pgt_name = '" + st + "'");
    return sql.find("(SELECT pg_catalog.min(i.") != std::string::npos ||
           sql.find("(SELECT pg_catalog.max(i.") != std::string::npos;
  }

  // Extrema deleted, updated away and back, groups emptied and refilled.
  void churn(const StList& sts) {
    const std::vector<std::vector<std::string>> batches = {
        {"DELETE FROM t WHERE v = (SELECT max(v) FROM t WHERE k = 1)"},
        {"DELETE FROM t WHERE v = (SELECT min(v) FROM t WHERE k = 2)"},
        {"UPDATE t SET v = 1000 WHERE id = 7", "UPDATE t SET v = -5 WHERE id = 8"},
        {"UPDATE t SET v = (i.v) FROM (SELECT 7 AS id, 7 * 37 % 101 AS v) i WHERE t.id = i.id"},
        {"DELETE FROM t WHERE id = 61"},
        {"UPDATE t SET v = NULL WHERE k = 3 AND v > 50"},
        {"DELETE FROM t WHERE k = 0"},
        {"INSERT INTO t VALUES (100, 0, 1, 3, 'x'), (101, 0, 2, 99, 'y'), (102, NULL, 2, 200, 'z')"},
        {"UPDATE t SET k = 1 WHERE id IN (100, 62)", "DELETE FROM t WHERE id = 101"},
        {"UPDATE t SET v = v + 1 WHERE k = 1", "DELETE FROM t WHERE k = 3 AND v IS NULL"},
        {"INSERT INTO t VALUES (103, 5, 0, 1, 'a')", "DELETE FROM t WHERE id = 103"},
        {"DELETE FROM t WHERE k IS NULL"},
    };
    for (const auto& batch : batches) step(sts, batch, true);
  }
};

TEST_F(ExtremumProbeEdge, OneKeyWithIndexProbes) {
  conn().exec("CREATE INDEX ON t (k, v)");
  StList sts = {{"mm", "SELECT k, min(v) AS lo, max(v) AS hi, count(*) AS n FROM t GROUP BY k"},
                {"mmf", "SELECT k, max(v) FILTER (WHERE w > 'w5') AS hi, count(*) AS n FROM t GROUP BY k"}};
  create_all(sts);
  EXPECT_TRUE(probes("mm"));
  EXPECT_TRUE(probes("mmf"));
  churn(sts);
}

TEST_F(ExtremumProbeEdge, TwoNotNullKeysWithIndexProbe) {
  conn().exec("DELETE FROM t WHERE k IS NULL");
  conn().exec("ALTER TABLE t ALTER COLUMN k SET NOT NULL");
  conn().exec("CREATE INDEX ON t (k2, k, v)");
  StList sts = {{"mm2", "SELECT k, k2, min(v) AS lo, max(v) AS hi FROM t GROUP BY k, k2"}};
  create_all(sts);
  EXPECT_TRUE(probes("mm2"));
  for (const auto& batch : std::vector<std::vector<std::string>>{
           {"DELETE FROM t WHERE v = (SELECT max(v) FROM t WHERE k = 1 AND k2 = 1)"},
           {"UPDATE t SET v = NULL WHERE k = 2"},
           {"UPDATE t SET k2 = 2 WHERE k = 3"},
           {"DELETE FROM t WHERE k = 1"},
           {"INSERT INTO t VALUES (200, 1, 1, 4, 'q')"}})
    step(sts, batch, true);
}

TEST_F(ExtremumProbeEdge, ScalarMinMaxProbes) {
  conn().exec("CREATE INDEX ON t (v)");
  StList sts = {{"sc", "SELECT min(v) AS lo, max(v) AS hi, count(*) AS n FROM t"}};
  create_all(sts);
  EXPECT_TRUE(probes("sc"));
  step(sts, {"DELETE FROM t WHERE v = (SELECT max(v) FROM t)"});
  step(sts, {"DELETE FROM t WHERE v = (SELECT min(v) FROM t)", "UPDATE t SET v = 500 WHERE id = 2"});
  step(sts, {"DELETE FROM t"});
  step(sts, {"INSERT INTO t VALUES (1, 1, 1, 7, 'a')"});
}

// Without an index leading with the key and the argument (or with two keys
// of which one may be NULL), the groups' rows are rescanned as before.
TEST_F(ExtremumProbeEdge, NoSuitableIndexRescans) {
  conn().exec("CREATE INDEX ON t (v, k)");
  conn().exec("CREATE INDEX ON t (k, k2, v)");
  StList sts = {{"nr", "SELECT k, min(v) AS lo, max(v) AS hi FROM t GROUP BY k"},
                {"nr2", "SELECT k, k2, max(v) AS hi FROM t GROUP BY k, k2"},
                {"nrj", "SELECT t.k, max(u.v) AS hi FROM t JOIN t u ON u.id = t.id + 1 GROUP BY t.k"}};
  create_all(sts);
  EXPECT_FALSE(probes("nr"));
  EXPECT_FALSE(probes("nr2"));  // k may be NULL
  EXPECT_FALSE(probes("nrj"));
  churn(sts);
}

// The index dropped after creation: the refresh notices and derives its
// statements again, without probes (which would read the table per group).
TEST_F(ExtremumProbeEdge, IndexDroppedLater) {
  conn().exec("CREATE INDEX t_k_v ON t (k, v)");
  StList sts = {{"mmd", "SELECT k, min(v) AS lo, max(v) AS hi FROM t GROUP BY k"}};
  create_all(sts);
  EXPECT_TRUE(probes("mmd"));
  step(sts, {"DELETE FROM t WHERE v = (SELECT max(v) FROM t WHERE k = 1)"});
  conn().exec("DROP INDEX t_k_v");
  churn(sts);
}

}  // namespace
}  // namespace pgt_e2e
