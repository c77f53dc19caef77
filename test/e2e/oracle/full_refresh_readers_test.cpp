// A FULL refresh replaces a stream table's contents; concurrent readers must
// see either the old or the new contents, never an empty or half-filled table
// (the swap must be atomic, as in REFRESH MATERIALIZED VIEW). A second
// session counts rows in READ COMMITTED while the first refreshes 50 times;
// the source never changes, so every count must be the full count.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "oracle.h"
#include "stream_table.h"
#include "test_db.h"

namespace pgt_e2e {
namespace {

class FullRefreshReaders : public TestDb {};

// Counts rows of `table` in its own session until told to stop. Everything it
// observes is read by the test thread only after join().
class CountingReader {
 public:
  CountingReader(const std::string& table, const std::string& expected) : table_(table), expected_(expected) {
    thread_ = std::thread([this] { run(); });
    started_.get_future().wait();  // the first read is done: refreshes now overlap reads
  }
  ~CountingReader() { stop(); }

  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int reads() const { return reads_; }
  const std::vector<std::string>& wrong_counts() const { return wrong_counts_; }
  const std::string& error() const { return error_; }

 private:
  void run() {
    bool signalled = false;
    try {
      auto session = TestDb::connect();
      session->exec("SET default_transaction_isolation = 'read committed'");
      while (!stop_) {
        const std::string n = session->scalar("SELECT count(*) FROM " + table_);
        if (n != expected_ && wrong_counts_.size() < 20) wrong_counts_.push_back(n);
        ++reads_;
        if (!signalled) {
          signalled = true;
          started_.set_value();
        }
      }
    } catch (const std::exception& e) {
      error_ = e.what();
    }
    if (!signalled) started_.set_value();
  }

  std::string table_;
  std::string expected_;
  std::promise<void> started_;
  std::atomic<bool> stop_{false};
  std::atomic<int> reads_{0};
  std::vector<std::string> wrong_counts_;
  std::string error_;
  std::thread thread_;
};

TEST_F(FullRefreshReaders, ReadersNeverSeeAnEmptyOrPartialTable) {
  conn().exec("CREATE TABLE rd_src (id int PRIMARY KEY, k int)");
  conn().exec("INSERT INTO rd_src SELECT g, g % 7 FROM generate_series(1, 300) g");
  create_stream_table(conn(), "rd_st", "SELECT id, k FROM rd_src WHERE k <> 3");
  const std::string expected = conn().scalar("SELECT count(*) FROM rd_src WHERE k <> 3");
  ASSERT_NE(expected, "0");

  CountingReader reader("rd_st", expected);
  for (int i = 0; i < 50; ++i) refresh_stream_table(conn(), "rd_st");
  reader.stop();

  EXPECT_EQ(reader.error(), "") << "the reader's query failed during a refresh";
  EXPECT_TRUE(reader.wrong_counts().empty())
      << "a reader saw " << ::testing::PrintToString(reader.wrong_counts()) << " rows instead of " << expected;
  EXPECT_GT(reader.reads(), 0);
  RecordProperty("reader_counts", reader.reads());
  expect_st_matches_query(conn(), "rd_st", "SELECT id, k FROM rd_src WHERE k <> 3");
}

}  // namespace
}  // namespace pgt_e2e
