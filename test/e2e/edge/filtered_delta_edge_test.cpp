// Changes that reach the buffers but not the result: every apply statement
// of a DIFFERENTIAL refresh (select-project-join terms, keyless rows, joins,
// algebraic groupings with and without MIN / MAX and their index probes,
// group rescan, HAVING, DISTINCT, set operations, outer and semi joins,
// partition rescan with and without a partition column, a view's WHERE),
// fed batches whose every change a WHERE rejects (inserts, updates and
// deletes of rejected rows, alone and together), whose changes cancel out
// (a row inserted and deleted again, rows updated away and back), or that
// update accepted rows to the values they had.
//
// Such a refresh takes the delta path (the buffers hold changes: the history
// says DIFFERENTIAL, not NO_DATA) and must write nothing: 0 rows inserted,
// updated and deleted, and the table still equals its query. A scalar
// aggregate recomputed from the rows of no group once replaced its one row
// by the aggregate over nothing (NULL) in exactly this situation.
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "adversarial_support.h"
#include "edge_test_db.h"
#include "refresh_history.h"

namespace pgt_e2e {
namespace {

struct FilteredShape {
  std::string name;   // the stream table; a gtest name
  std::string query;  // rejects the rows of f / fk with v >= 50
};

void PrintTo(const FilteredShape& shape, std::ostream* os) { *os << shape.name; }

// The sources: f (keyed) and fk (the same rows, keyless) with v in 0..99 and
// the rows with v >= 50 rejected by every shape's WHERE; u joins on g
// (values 0..2, so f's g = 3 rows have no partner).
const std::vector<std::string> kSetup{
    "CREATE TABLE f (id int PRIMARY KEY, g int, v int, n numeric, t text)",
    "INSERT INTO f SELECT i, i % 4, (i * 7) % 100, ((i * 7) % 100) / 4.0, 'w' || (i % 5) "
    "FROM generate_series(1, 60) i",
    "CREATE TABLE fk (id int, g int, v int, n numeric, t text)",
    "INSERT INTO fk SELECT * FROM f",
    "INSERT INTO fk SELECT * FROM f WHERE id % 7 = 0",  // duplicates
    "CREATE TABLE u (id int PRIMARY KEY, g int, w int)",
    "INSERT INTO u SELECT i, i % 3, i FROM generate_series(1, 6) i",
    "CREATE TABLE fp (id int PRIMARY KEY, g int NOT NULL, v int, n numeric, t text)",
    "INSERT INTO fp SELECT * FROM f",
    "CREATE INDEX ON fp (g, v)",
    "CREATE TABLE fs (id int PRIMARY KEY, g int, v int, n numeric, t text)",
    "INSERT INTO fs SELECT * FROM f",
    "CREATE INDEX ON fs (v)",
    "CREATE VIEW fv AS SELECT * FROM f WHERE v < 50",
    "ANALYZE"};

// The tables every batch writes to, alike.
const std::vector<std::string> kWritten{"f", "fk", "fp", "fs"};

const std::vector<FilteredShape> kShapes{
    {"spj_keyed", "SELECT id, g, v FROM f WHERE v < 50"},
    {"spj_keyless", "SELECT g, v, t FROM fk WHERE v < 50"},
    {"spj_join", "SELECT f.id, u.w FROM f JOIN u ON u.g = f.g WHERE f.v < 50"},
    {"algebraic_scalar", "SELECT count(*) AS c, count(v) AS cv, sum(v) AS s, avg(v) AS a FROM f WHERE v < 50"},
    {"algebraic_scalar_keyless", "SELECT count(*) AS c, sum(v) AS s FROM fk WHERE v < 50"},
    {"algebraic_grouped", "SELECT g, count(*) AS c, sum(v) AS s, avg(v) AS a FROM f WHERE v < 50 GROUP BY g"},
    {"algebraic_filter",
     "SELECT count(*) FILTER (WHERE g = 1) AS c1, sum(v) FILTER (WHERE g = 2) AS s2 FROM f WHERE v < 50"},
    {"extremum_scalar", "SELECT min(n) AS mn, max(t) AS mx, count(*) AS c FROM f WHERE v < 50"},
    {"extremum_grouped", "SELECT g, min(n) AS mn, max(t) AS mx FROM f WHERE v < 50 GROUP BY g"},
    {"extremum_probe_grouped", "SELECT g, min(v) AS mn, max(v) AS mx, count(*) AS c FROM fp WHERE v < 50 GROUP BY g"},
    {"extremum_probe_scalar", "SELECT min(v) AS mn, max(v) AS mx FROM fs WHERE v < 50"},
    {"rescan_scalar",
     "SELECT sum(n) AS s, string_agg(t, ',' ORDER BY id) AS ts, bool_and(v > 10) AS b, count(DISTINCT g) AS dg "
     "FROM f WHERE v < 50"},
    {"rescan_scalar_keyless", "SELECT sum(n) AS s, count(DISTINCT t) AS dt FROM fk WHERE v < 50"},
    {"rescan_grouped", "SELECT g, sum(n) AS s, string_agg(t, ',' ORDER BY id) AS ts FROM f WHERE v < 50 GROUP BY g"},
    {"having_scalar", "SELECT sum(v) AS s FROM f WHERE v < 50 HAVING count(*) > 0"},
    {"having_grouped", "SELECT g, sum(v) AS s FROM f WHERE v < 50 GROUP BY g HAVING count(*) > 1"},
    {"distinct_rows", "SELECT DISTINCT g, t FROM f WHERE v < 50"},
    {"union_rows", "SELECT g FROM f WHERE v < 50 UNION SELECT g FROM u"},
    {"intersect_all", "SELECT g FROM fk WHERE v < 50 INTERSECT ALL SELECT g FROM u"},
    {"except_rows", "SELECT g, t FROM f WHERE v < 50 EXCEPT SELECT g, 'w1' FROM u"},
    {"left_join", "SELECT f.id, u.w FROM f LEFT JOIN u ON u.g = f.g WHERE f.v < 50"},
    {"exists_semi", "SELECT f.id, f.t FROM f WHERE f.v < 50 AND EXISTS (SELECT 1 FROM u WHERE u.g = f.g)"},
    {"not_exists_anti", "SELECT f.id, f.n FROM f WHERE f.v < 50 AND NOT EXISTS (SELECT 1 FROM u WHERE u.g = f.g)"},
    {"partition_keyed", "SELECT g, count(*) AS c FROM (SELECT DISTINCT g, t FROM f WHERE v < 50) s GROUP BY g"},
    {"partition_whole", "SELECT count(*) AS c FROM (SELECT DISTINCT t FROM f WHERE v < 50) s"},
    {"view_scalar", "SELECT sum(n) AS s, count(*) AS c FROM fv"},
    {"join_scalar", "SELECT sum(f.v * u.w) AS s, string_agg(f.t, ',' ORDER BY f.id, u.id) AS ts "
                    "FROM f JOIN u ON u.g = f.g WHERE f.v < 50"},
};

// A batch's statements for every written table ("{t}" stands for it).
std::vector<std::string> for_each_table(const std::vector<std::string>& templates) {
  std::vector<std::string> out;
  for (const std::string& table : kWritten)
    for (std::string s : templates) {
      for (std::size_t at = s.find("{t}"); at != std::string::npos; at = s.find("{t}", at + table.size()))
        s.replace(at, 3, table);
      out.push_back(s);
    }
  return out;
}

class FilteredDeltaEdge : public EdgeTestDb, public ::testing::WithParamInterface<FilteredShape> {
 protected:
  FilteredDeltaEdge() : EdgeTestDb("fd_") {}

  // The batch, then a refresh that took the delta path (or found nothing
  // captured, when allowed: capture skips updates that change no value),
  // wrote no row and left the table equal to its query.
  void nothing_written(const std::string& what, const std::vector<std::string>& templates,
                       bool allow_no_data = false) {
    SCOPED_TRACE(what);
    const FilteredShape& shape = GetParam();
    ASSERT_TRUE(change_refresh_matches(conn(), shape.name, shape.query, for_each_table(templates)));
    const RefreshRecord r = last_refresh(conn(), shape.name);
    EXPECT_TRUE(r.action == "DIFFERENTIAL" || (allow_no_data && r.action == "NO_DATA")) << describe(r);
    EXPECT_EQ(r.rows_inserted + r.rows_updated + r.rows_deleted, 0) << describe(r);
  }
};

TEST_P(FilteredDeltaEdge, ChangesThatDoNotReachTheResultWriteNothing) {
  for (const std::string& sql : kSetup) conn().exec(sql);
  const FilteredShape& shape = GetParam();
  ASSERT_TRUE(create_differential(conn(), shape.name, shape.query));
  const std::string before = text_of("SELECT * FROM " + shape.name + " ORDER BY 1");

  nothing_written("rejected inserts", {"INSERT INTO {t} VALUES (1001, 1, 77, 3.5, 'w1'), (1002, 3, 50, 1, 'zz')"});
  nothing_written("rejected updates",
                  {"UPDATE {t} SET g = g + 1, n = n + 1, t = 'q' WHERE v >= 50 AND id % 2 = 0",
                   "UPDATE {t} SET v = v + 1 WHERE v BETWEEN 50 AND 90"});
  nothing_written("rejected deletes", {"DELETE FROM {t} WHERE v >= 80"});
  nothing_written("rejected inserts, updates and deletes",
                  {"INSERT INTO {t} VALUES (1003, 0, 99, NULL, NULL)", "UPDATE {t} SET v = 60 WHERE id = 1001",
                   "DELETE FROM {t} WHERE id = 1002"});
  nothing_written("an accepted row inserted and deleted again",
                  {"INSERT INTO {t} VALUES (2001, 1, 5, 1, 'w1'), (2002, 3, 0, -4, 'new')",
                   "DELETE FROM {t} WHERE id IN (2001, 2002)"});
  nothing_written("accepted rows updated away and back",
                  {"UPDATE {t} SET v = v + 100 WHERE v < 50 AND id % 5 = 0", "UPDATE {t} SET v = v - 100 WHERE v >= 100"});
  nothing_written("accepted rows updated to their own values",
                  {"UPDATE {t} SET v = v, n = n, t = t WHERE v < 50 AND id % 3 = 0"}, true);
  EXPECT_EQ(text_of("SELECT * FROM " + shape.name + " ORDER BY 1"), before);

  // The same kinds of change mixed with ones that do reach the result.
  ASSERT_TRUE(change_refresh_matches(
      conn(), shape.name, shape.query,
      for_each_table({"INSERT INTO {t} VALUES (3001, 2, 10, 2.25, 'w2'), (3002, 2, 88, 1, 'w3')",
                      "UPDATE {t} SET v = 40 WHERE id = 3002", "DELETE FROM {t} WHERE v >= 50 AND id % 3 = 0",
                      "UPDATE {t} SET t = 'w4', n = n * 2 WHERE v < 50 AND id % 4 = 1"})));
  EXPECT_EQ(last_refresh(conn(), shape.name).action, "DIFFERENTIAL");
}

INSTANTIATE_TEST_SUITE_P(Shapes, FilteredDeltaEdge, ::testing::ValuesIn(kShapes),
                         [](const ::testing::TestParamInfo<FilteredShape>& info) { return info.param.name; });

}  // namespace
}  // namespace pgt_e2e
