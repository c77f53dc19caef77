// DROP EXTENSION pg_trickle must remove everything the extension made (stream
// tables, catalog, schemas pgtrickle and pgtrickle_changes, triggers on the
// sources) and nothing the user made: source tables keep their rows and stay
// writable. CREATE EXTENSION afterwards starts clean.
#include <gtest/gtest.h>

#include "oracle.h"
#include "stream_table.h"
#include "test_db.h"

namespace pgt_e2e {
namespace {

class DropExtension : public TestDb {
 protected:
  // An order-independent fingerprint of a table's rows.
  std::string fingerprint(const std::string& table) {
    return conn().scalar("SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '') FROM " +
                         table + " t");
  }
};

TEST_F(DropExtension, RemovesItsObjectsAndKeepsSourceData) {
  conn().exec("CREATE TABLE de_orders (id int PRIMARY KEY, cust int, amount numeric)");
  conn().exec("CREATE TABLE de_customers (id int PRIMARY KEY, name text)");
  conn().exec("CREATE TABLE de_events (kind text, n int)");  // keyless
  conn().exec("INSERT INTO de_orders SELECT g, g % 10, g * 1.5 FROM generate_series(1, 100) g");
  conn().exec("INSERT INTO de_customers SELECT g, 'c' || g FROM generate_series(0, 9) g");
  conn().exec("INSERT INTO de_events SELECT 'k' || (g % 3), g % 4 FROM generate_series(1, 60) g");
  create_stream_table(conn(), "de_join_st",
                      "SELECT o.id, c.name, o.amount FROM de_orders o JOIN de_customers c ON c.id = o.cust");
  create_stream_table(conn(), "de_agg_st", "SELECT kind, count(*) AS n FROM de_events GROUP BY kind");
  const std::string orders = fingerprint("de_orders");
  const std::string customers = fingerprint("de_customers");
  const std::string events = fingerprint("de_events");

  conn().exec("DROP EXTENSION pg_trickle");

  EXPECT_FALSE(relation_exists(conn(), "de_join_st"));
  EXPECT_FALSE(relation_exists(conn(), "de_agg_st"));
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM pg_namespace WHERE nspname IN ('pgtrickle', 'pgtrickle_changes')"), "0");
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN "
                          "('de_orders'::regclass, 'de_customers'::regclass, 'de_events'::regclass)"),
            "0")
      << "triggers left on source tables";
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM pg_event_trigger"), "0") << "event triggers left behind";
  EXPECT_EQ(fingerprint("de_orders"), orders);
  EXPECT_EQ(fingerprint("de_customers"), customers);
  EXPECT_EQ(fingerprint("de_events"), events);
  // Sources are still writable (no trigger calls a dropped function).
  conn().exec("INSERT INTO de_orders VALUES (1000, 1, 1)");
  conn().exec("UPDATE de_events SET n = n + 1");
  conn().exec("DELETE FROM de_customers WHERE id = 9");
  conn().exec("TRUNCATE de_events");

  conn().exec("CREATE EXTENSION pg_trickle");
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM pgtrickle.pgt_stream_tables"), "0");
  create_stream_table(conn(), "de_join_st",
                      "SELECT o.id, c.name, o.amount FROM de_orders o JOIN de_customers c ON c.id = o.cust");
  expect_st_matches_query(conn(), "de_join_st",
                          "SELECT o.id, c.name, o.amount FROM de_orders o JOIN de_customers c ON c.id = o.cust");
}

}  // namespace
}  // namespace pgt_e2e
