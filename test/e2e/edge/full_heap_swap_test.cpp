// A FULL refresh writes the query into a new heap that replaces the stream
// table's storage, as REFRESH MATERIALIZED VIEW does (refresh/heap_swap.h):
// no row is inserted into the table itself (its transaction statistics count
// none) and every index is rebuilt. Where row-level work must happen it
// takes the TRUNCATE + INSERT path instead: a user's trigger on the stream table, a stream table
// reading it (capture triggers), a publication, a dropped column, a reader
// holding the table, a small table. Each case: the table equals its query afterwards.
#include <gtest/gtest.h>

#include <string>

#include "adversarial_support.h"
#include "edge_test_db.h"
#include "oracle.h"
#include "refresh_history.h"
#include "stream_table.h"

namespace pgt_e2e {
namespace {

class FullHeapSwap : public EdgeTestDb {
 protected:
  FullHeapSwap() : EdgeTestDb("fhs_") {}

  void SetUp() override {
    EdgeTestDb::SetUp();
    conn().exec("CREATE TABLE \"Src Tab\" (id int PRIMARY KEY, g text, v int)");
    // Enough rows for the heap swap (a table of 64 pages or more).
    conn().exec("INSERT INTO \"Src Tab\" SELECT i, 'g' || (i % 7), i FROM generate_series(1, 30000) i");
  }

  static constexpr const char* kQuery = "SELECT id, g, v * 2 AS w FROM \"Src Tab\" WHERE v % 5 <> 0";

  int round_ = 0;
  bool last_swapped_ = false;

  // Changes the source, refreshes st in a transaction, and notes whether the
  // refresh inserted rows into the table itself (TRUNCATE + INSERT) or none
  // (the heap swap).
  void change_and_refresh(const std::string& st, const std::string& query = kQuery) {
    int base = 100000 + 100 * round_++;
    conn().exec("UPDATE \"Src Tab\" SET v = v + 1 WHERE id % 9 = 0");
    conn().exec("DELETE FROM \"Src Tab\" WHERE id % 31 = " + std::to_string(round_));
    conn().exec("INSERT INTO \"Src Tab\" SELECT i, 'new', i FROM generate_series(" + std::to_string(base) + ", " +
                std::to_string(base + 10) + ") i");
    // A session of its own: its pending table statistics are this
    // transaction's alone (a session's are flushed at most once a second).
    const std::string qualified = conn().scalar("SELECT quote_ident(current_schema())") + "." + st;
    std::unique_ptr<PgConn> session = connect();
    session->exec("BEGIN");
    refresh_stream_table(*session, qualified);
    last_swapped_ = session->scalar("SELECT n_tup_ins FROM pg_stat_xact_user_tables WHERE relid = '" + qualified +
                                    "'::regclass") == "0";
    session->exec("COMMIT");
    EXPECT_TRUE(st_matches_query_exactly(conn(), st, query));
    EXPECT_EQ(last_refresh(conn(), st).action, "FULL");
  }
  bool swapped(const std::string&) const { return last_swapped_; }
};

TEST_F(FullHeapSwap, ReplacesTheHeapAndRebuildsEveryIndex) {
  create_stream_table(conn(), "\"Full \"\"St\"\"\"", kQuery, "FULL");
  const std::string st = "\"Full \"\"St\"\"\"";
  conn().exec("CREATE INDEX fhs_g ON " + st + " (g)");
  const std::string before = conn().scalar("SELECT pg_relation_filenode('" + std::string("\"Full \"\"St\"\"\"") + "')");
  change_and_refresh(st);
  EXPECT_TRUE(swapped(st));
  EXPECT_NE(conn().scalar("SELECT pg_relation_filenode('\"Full \"\"St\"\"\"')"), before);
  // The user's index holds exactly the new rows (read through it alone).
  conn().exec("SET enable_seqscan = off");
  conn().exec("SET enable_bitmapscan = off");
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM " + st + " WHERE g = 'new'"),
            conn().scalar("SELECT count(*) FROM (" + std::string(kQuery) + ") q WHERE g = 'new'"));
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM " + st + " WHERE g = 'g3'"),
            conn().scalar("SELECT count(*) FROM (" + std::string(kQuery) + ") q WHERE g = 'g3'"));
  conn().exec("RESET enable_seqscan");
  conn().exec("RESET enable_bitmapscan");
  // History counts the replaced and the loaded rows.
  RefreshRecord r = last_refresh(conn(), st);
  EXPECT_EQ(std::to_string(r.rows_inserted), conn().scalar("SELECT count(*) FROM " + st));
}

TEST_F(FullHeapSwap, ASmallTableKeepsTheRowPath) {
  // (A new heap and index builds cost more than a few pages of inserts.)
  const std::string q = "SELECT id, g FROM \"Src Tab\" WHERE id <= 50";
  create_stream_table(conn(), "fs_small", q, "FULL");
  change_and_refresh("fs_small", q);
  EXPECT_FALSE(swapped("fs_small"));
}

TEST_F(FullHeapSwap, AUserTriggerGetsItsRows) {
  create_stream_table(conn(), "ft", kQuery, "FULL");
  conn().exec("CREATE TABLE fhs_seen (n int)");
  const std::string schema = conn().scalar("SELECT quote_ident(current_schema())");
  conn().exec("CREATE FUNCTION fhs_count() RETURNS trigger LANGUAGE plpgsql AS "
              "$$BEGIN INSERT INTO " + schema + ".fhs_seen VALUES (1); RETURN NULL; END$$");
  conn().exec("CREATE TRIGGER fhs_t AFTER INSERT ON ft FOR EACH ROW EXECUTE FUNCTION fhs_count()");
  change_and_refresh("ft");
  EXPECT_FALSE(swapped("ft"));
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM fhs_seen"), conn().scalar("SELECT count(*) FROM ft"));
}

TEST_F(FullHeapSwap, AStreamTableReadingItStillSeesItsChanges) {
  create_stream_table(conn(), "fu", kQuery, "FULL");
  create_stream_table(conn(), "fu_reader", "SELECT g, count(*) AS n FROM fu GROUP BY g", "DIFFERENTIAL");
  change_and_refresh("fu");
  EXPECT_FALSE(swapped("fu"));
  refresh_stream_table(conn(), "fu_reader");
  EXPECT_TRUE(st_matches_query_exactly(conn(), "fu_reader", "SELECT g, count(*) AS n FROM fu GROUP BY g"));
}

TEST_F(FullHeapSwap, APublishedOrAlteredTableTakesTheRowPath) {
  create_stream_table(conn(), "fp", kQuery, "FULL");
  conn().exec("CREATE PUBLICATION fhs_pub FOR TABLE fp");
  change_and_refresh("fp");
  EXPECT_FALSE(swapped("fp"));
  conn().exec("DROP PUBLICATION fhs_pub");
  change_and_refresh("fp");
  EXPECT_TRUE(swapped("fp"));
}

TEST_F(FullHeapSwap, AReaderHoldingTheTableIsNotWaitedFor) {
  create_stream_table(conn(), "fr", kQuery, "FULL");
  const std::string fr = conn().scalar("SELECT quote_ident(current_schema())") + ".fr";
  std::unique_ptr<PgConn> reader = connect();
  reader->exec("BEGIN ISOLATION LEVEL REPEATABLE READ");
  const std::string seen = reader->scalar("SELECT count(*) FROM " + fr);
  change_and_refresh("fr");  // does not wait: deletes and inserts instead
  EXPECT_FALSE(swapped("fr"));
  EXPECT_EQ(reader->scalar("SELECT count(*) FROM " + fr), seen);  // (its snapshot)
  reader->exec("COMMIT");
  change_and_refresh("fr");
  EXPECT_TRUE(swapped("fr"));
}

}  // namespace
}  // namespace pgt_e2e
