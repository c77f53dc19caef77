#include "seed.h"

#include <cstdlib>
#include <random>
#include <stdexcept>

namespace pgt_e2e {

std::uint64_t test_seed() {
  if (const char* env = std::getenv("PGT_SEED"); env && *env) {
    char* end = nullptr;
    unsigned long long v = std::strtoull(env, &end, 10);
    if (*end != '\0') throw std::invalid_argument(std::string("PGT_SEED is not a decimal number: ") + env);
    return v;
  }
  std::random_device rd;
  return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

std::string seed_note(std::uint64_t seed) {
  return "seed " + std::to_string(seed) + " (replay: PGT_SEED=" + std::to_string(seed) + ")";
}

}  // namespace pgt_e2e
