#include "concurrent_workload.h"

#include "oracle.h"
#include "stream_table.h"
#include "test_db.h"

namespace pgt_e2e {

bool is_retryable_write_error(const std::string& sqlstate) {
  return sqlstate == "40P01" || sqlstate == "40001" || sqlstate == "23505";
}

WriterThread::WriterThread(std::vector<TableSpec> tables, std::vector<JoinLink> links, std::uint64_t seed,
                           int max_statements)
    : rng_(seed), links_(std::move(links)), max_statements_(max_statements) {
  tables_.reserve(tables.size());
  for (TableSpec& spec : tables) tables_.emplace_back(std::move(spec), rng_);
}

void WriterThread::insert_initial_rows() {
  auto session = TestDb::connect();
  for (DmlGenerator& t : tables_)
    for (const std::string& sql : t.initial_rows_sql()) session->exec(sql);
}

void WriterThread::start() { thread_ = std::thread([this] { run(); }); }

void WriterThread::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void WriterThread::run() {
  try {
    auto session = TestDb::connect();
    while (!stop_) {
      const std::vector<std::string> batch = random_batch(tables_, links_, rng_, 1, max_statements_);
      try {
        run_in_transaction(*session, batch);
        ++committed_;
      } catch (const PgQueryError& e) {
        if (!is_retryable_write_error(e.sqlstate())) throw;
        ++rolled_back_;
      }
    }
  } catch (const std::exception& e) {
    error_ = e.what();
  }
}

RefresherThread::RefresherThread(std::vector<RefreshTarget> targets, bool check_in_snapshot)
    : targets_(std::move(targets)), check_in_snapshot_(check_in_snapshot) {}

void RefresherThread::start() { thread_ = std::thread([this] { run(); }); }

void RefresherThread::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void RefresherThread::run() {
  try {
    auto session = TestDb::connect();
    session->exec("SET pg_trickle.differential_max_change_ratio = 1000");
    for (int round = 0; !stop_; ++round) {
      for (const RefreshTarget& t : targets_) {
        if (check_in_snapshot_ && round % 2 == 1) {
          // The refresh and the oracle read one snapshot: the transaction's.
          session->exec("BEGIN ISOLATION LEVEL REPEATABLE READ");
          refresh_stream_table(*session, t.st);
          ::testing::AssertionResult same = st_matches_query(*session, t.st, t.query);
          session->exec("COMMIT");
          ++snapshot_checks_;
          if (!same && mismatches_.size() < 3)
            mismatches_.push_back("round " + std::to_string(round) + ": " + same.message());
        } else {
          refresh_stream_table(*session, t.st);
        }
        ++refreshes_;
      }
    }
  } catch (const std::exception& e) {
    error_ = e.what();
  }
}

}  // namespace pgt_e2e
