// Concurrent writers and refreshers, each in its own thread and session, for
// the exact-frontier tests (DESIGN.md section 4): writers commit random DML
// batches in any order while refreshers refresh stream tables in a loop.
//
// Each writer keeps its own DmlGenerator model over its own key range of the
// shared tables, so writers never collide on primary keys by construction;
// by-value updates and deletes still reach every writer's rows, so models
// drift (statements then hit nothing) and writers may deadlock on each other:
// such a batch is rolled back, counted and the writer goes on. Everything a
// thread observes is read by the test thread only after stop().
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "random_dml.h"
#include "table_spec.h"

namespace pgt_e2e {

// A failure a concurrent writer may meet and survive (its batch is rolled
// back): deadlock, serialization failure, a unique violation after its model
// drifted.
bool is_retryable_write_error(const std::string& sqlstate);

class WriterThread {
 public:
  // `tables` must already exist; the writer's initial rows are inserted by
  // insert_initial_rows() (call it before creating the stream tables or not).
  WriterThread(std::vector<TableSpec> tables, std::vector<JoinLink> links, std::uint64_t seed,
               int max_statements = 10);
  ~WriterThread() { stop(); }
  WriterThread(const WriterThread&) = delete;
  WriterThread& operator=(const WriterThread&) = delete;

  void insert_initial_rows();
  void start();
  void stop();

  int committed() const { return committed_; }
  int rolled_back() const { return rolled_back_; }
  const std::string& error() const { return error_; }

 private:
  void run();

  std::mt19937_64 rng_;
  std::vector<DmlGenerator> tables_;
  std::vector<JoinLink> links_;
  int max_statements_;
  std::atomic<bool> stop_{false};
  std::atomic<int> committed_{0};
  std::atomic<int> rolled_back_{0};
  std::string error_;
  std::thread thread_;
};

// Refreshes stream tables in a loop in its own session (with
// differential_max_change_ratio raised, so every refresh is a delta). With
// check_in_snapshot, every other round refreshes inside a REPEATABLE READ
// transaction and checks the oracle in that same snapshot: the stream table
// must equal its query at the refresh's snapshot even while writers go on.
struct RefreshTarget {
  std::string st;
  std::string query;
};

class RefresherThread {
 public:
  RefresherThread(std::vector<RefreshTarget> targets, bool check_in_snapshot);
  ~RefresherThread() { stop(); }
  RefresherThread(const RefresherThread&) = delete;
  RefresherThread& operator=(const RefresherThread&) = delete;

  void start();
  void stop();

  int refreshes() const { return refreshes_; }
  int snapshot_checks() const { return snapshot_checks_; }
  // Oracle mismatches seen in a refresh's snapshot (at most a few).
  const std::vector<std::string>& mismatches() const { return mismatches_; }
  const std::string& error() const { return error_; }

 private:
  void run();

  std::vector<RefreshTarget> targets_;
  bool check_in_snapshot_;
  std::atomic<bool> stop_{false};
  std::atomic<int> refreshes_{0};
  std::atomic<int> snapshot_checks_{0};
  std::vector<std::string> mismatches_;
  std::string error_;
  std::thread thread_;
};

}  // namespace pgt_e2e
