// Names derived from the running test, so tests sharing a suite database
// never collide on table or role names.
#pragma once

#include <gtest/gtest.h>

#include <cctype>
#include <string>

namespace pgt_e2e {

// prefix + the current test's name, lower-cased, [a-z0-9_] only.
inline std::string name_for_test(const std::string& prefix) {
  std::string name = prefix;
  for (char c : std::string(::testing::UnitTest::GetInstance()->current_test_info()->name())) {
    unsigned char u = static_cast<unsigned char>(c);
    name += std::isalnum(u) ? static_cast<char>(std::tolower(u)) : '_';
  }
  return name.substr(0, 63);
}

}  // namespace pgt_e2e
