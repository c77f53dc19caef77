// Diamonds: A feeds B and C, D joins B and C. Refreshed one by one, D could
// join a B computed from one state of A with a C computed from another. The
// scheduler refreshes A, B, C, D as one consistency group (one transaction,
// one snapshot): while a writer keeps changing A's source and a session
// refreshes A by hand in between, D never mixes generations.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "oracle.h"
#include "scheduler_support.h"

namespace pgt_e2e {
namespace {

class SchedulerDiamond : public SchedulerDb {};

TEST_F(SchedulerDiamond, JoinOfTwoReadersOfOneTableNeverMixesItsGenerations) {
  conn().exec("CREATE TABLE sd_src (k int PRIMARY KEY, gen int NOT NULL)");
  conn().exec("INSERT INTO sd_src SELECT g, 0 FROM generate_series(1, 20) g");
  create_scheduled(conn(), "sd_a", "SELECT k, gen FROM sd_src", "1s");
  create_scheduled(conn(), "sd_b", "SELECT k, gen FROM sd_a", "calculated");
  create_scheduled(conn(), "sd_c", "SELECT k, gen AS gen2 FROM sd_a WHERE k > 0", "calculated");
  create_scheduled(conn(), "sd_d", "SELECT b.k, b.gen, c.gen2 FROM sd_b b JOIN sd_c c ON c.k = b.k", "1s");

  std::atomic<bool> stop{false};
  std::atomic<int> generations{0};
  std::string writer_error;
  std::thread writer([&] {
    try {
      auto w = connect();
      for (int gen = 1; !stop; gen++) {
        w->exec("UPDATE sd_src SET gen = " + std::to_string(gen));
        // Refreshing A by hand between the scheduler's refreshes of B and C
        // is what would split a diamond refreshed table by table.
        if (gen % 3 == 0) w->exec("SELECT pgtrickle.refresh_stream_table('sd_a')");
        generations = gen;
        std::this_thread::sleep_for(std::chrono::milliseconds(15));
      }
    } catch (const std::exception& e) {
      writer_error = e.what();
    }
  });

  int observations = 0, mixed = 0, incomplete = 0;
  std::string example;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(6);
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = conn().query("SELECT count(*) FILTER (WHERE gen <> gen2), count(*), count(DISTINCT gen) FROM sd_d");
    observations++;
    if (*r[0][0] != "0") mixed++;
    if (*r[0][1] != "20" || *r[0][2] != "1") {
      if (incomplete++ == 0) example = format_row(r[0]);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop = true;
  writer.join();
  EXPECT_EQ(writer_error, "");
  EXPECT_EQ(mixed, 0) << "of " << observations << " observations";
  EXPECT_EQ(incomplete, 0) << "of " << observations << " observations, e.g. " << example;
  EXPECT_GT(generations.load(), 10);

  // The group catches up to the last generation, and D was refreshed by the
  // scheduler along the way.
  EXPECT_TRUE(wait_until([&] {
    return conn().scalar("SELECT (SELECT max(gen) FROM sd_src) = ALL (SELECT gen FROM sd_d)") == "t";
  }));
  expect_st_matches_query(conn(), "sd_d", "SELECT k, gen, gen AS gen2 FROM sd_src");
  EXPECT_GT(scheduler_refreshes(conn(), "sd_d"), 1);
  EXPECT_EQ(scheduler_refreshes(conn(), "sd_d", "FAILED"), 0);
}

}  // namespace
}  // namespace pgt_e2e
