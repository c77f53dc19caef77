// Row identities longer than a btree entry may be (about 2.7 kB): a grouping
// key, a DISTINCT row, a UNION row or a text primary key of several
// kilobytes. Such identities are indexed by hash (no size limit), so
// DIFFERENTIAL maintains them wherever FULL does; a unique btree is kept for
// identities made of fixed-width values only.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "adversarial_support.h"
#include "edge_test_db.h"
#include "refresh_history.h"

namespace pgt_e2e {
namespace {

class WideIdentity : public EdgeTestDb {
 protected:
  WideIdentity() : EdgeTestDb("wi_") {}

  std::string index_method(const std::string& st) {
    return text_of("SELECT am.amname FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid "
                   "JOIN pg_am am ON am.oid = ic.relam WHERE i.indrelid = '" + st + "'::regclass");
  }
};

TEST_F(WideIdentity, KilobyteKeysAreMaintainedByDelta) {
  conn().exec("CREATE TABLE w (id int PRIMARY KEY, k text, v int)");
  conn().exec("CREATE TABLE wk (k text PRIMARY KEY, v int)");
  // 9.6 kB of incompressible text per key (md5 digests), and short ones.
  const std::string wide = "(SELECT string_agg(md5(i::text || g::text), '') FROM generate_series(1, 300) i)";
  conn().exec("INSERT INTO w SELECT g, CASE WHEN g % 2 = 0 THEN " + wide + " ELSE 'k' || g % 3 END, g "
              "FROM generate_series(1, 12) g");
  conn().exec("INSERT INTO wk SELECT string_agg(md5(i::text || g::text), ''), g FROM generate_series(1, 75) i, "
              "generate_series(1, 5) g GROUP BY g");
  const StList sts{{"wide_group", "SELECT k, count(*) AS n, sum(v) AS s FROM w GROUP BY k"},
                   {"wide_distinct", "SELECT DISTINCT k FROM w"},
                   {"wide_union", "SELECT k FROM w UNION SELECT k FROM wk"},
                   // Two 2.4 kB primary keys (each fits the table's own btree): 4.8 kB together.
                   {"wide_key_join", "SELECT a.v, b.k FROM wk a JOIN wk b ON b.v = a.v + 1"}};
  create_all(sts);
  step(sts, {"INSERT INTO w SELECT 100 + g, " + wide + ", g FROM generate_series(1, 3) g",
             "INSERT INTO wk SELECT string_agg(md5(i::text || g::text), ''), g FROM generate_series(1, 75) i, "
             "generate_series(6, 8) g GROUP BY g", "UPDATE w SET v = v + 1 WHERE id % 4 = 0",
             "DELETE FROM w WHERE id = 2"});
  step(sts, {"DELETE FROM w WHERE id > 100", "UPDATE wk SET v = v + 10 WHERE v = 7", "DELETE FROM wk WHERE v = 2"});
  for (const auto& [st, q] : sts) EXPECT_EQ(index_method(st), "hash") << st;

  // Fixed-width identities keep their unique btree.
  conn().exec("CREATE TABLE n (id int PRIMARY KEY, g int, v int)");
  const StList narrow{{"narrow_group", "SELECT g, count(*) AS n FROM n GROUP BY g"},
                      {"narrow_scan", "SELECT id, v FROM n"}};
  create_all(narrow);
  for (const auto& [st, q] : narrow) EXPECT_EQ(index_method(st), "btree") << st;
}

}  // namespace
}  // namespace pgt_e2e
