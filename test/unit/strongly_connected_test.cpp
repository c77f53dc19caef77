// Unit tests for src/common/strongly_connected.{h,cpp}.
#include "common/strongly_connected.h"

#include <gtest/gtest.h>

namespace {

using Ids = std::vector<int64_t>;

TEST(CyclicComponents, AcyclicGraphHasNone) {
  EXPECT_TRUE(pgt::cyclic_components({{1, {}}, {2, {1}}, {3, {1, 2}}}).empty());
}

TEST(CyclicComponents, FindsEachCycleSortedAndIgnoresUnknownNodes) {
  auto c = pgt::cyclic_components({{1, {2}}, {2, {3, 99}}, {3, {1}}, {4, {3}}, {7, {8}}, {8, {7}}, {9, {9}}});
  EXPECT_EQ(c, (std::vector<Ids>{{1, 2, 3}, {7, 8}, {9}}));
}

TEST(CyclicComponents, LongChainDoesNotRecurse) {
  std::map<int64_t, std::vector<int64_t>> g;
  for (int64_t i = 1; i <= 100000; i++) g[i] = {i - 1};
  g[0] = {100000};  // closes one cycle through every node
  auto c = pgt::cyclic_components(g);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].size(), 100001u);
}

}  // namespace
