// Seeds for randomized e2e tests. Each run explores a new seed unless
// PGT_SEED is set; the seed is shown with every failure so a failing run can
// be replayed exactly:  PGT_SEED=<seed> make e2e  (add --gtest_filter=... by
// running test/e2e/pgt_e2e_tests directly).
#pragma once

#include <cstdint>
#include <string>

namespace pgt_e2e {

// PGT_SEED if set (decimal), else a fresh random seed.
std::uint64_t test_seed();

// "seed 123 (replay: PGT_SEED=123)", for SCOPED_TRACE.
std::string seed_note(std::uint64_t seed);

}  // namespace pgt_e2e
