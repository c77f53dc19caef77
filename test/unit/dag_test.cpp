// Unit tests for src/scheduler/dag.{h,cpp}: topological order, cycles,
// consistency groups of diamonds, 'calculated' period resolution.
#include "scheduler/dag.h"

#include <algorithm>

#include <gtest/gtest.h>

namespace {

using pgt::scheduler::Dag;
using pgt::scheduler::DagNode;
using pgt::scheduler::resolve_periods;
using Ids = std::vector<int64_t>;

DagNode n(int64_t id, Ids up = {}, bool atomic = true) {
  return DagNode{id, "s.t" + std::to_string(id), std::move(up), atomic};
}

TEST(Dag, ChainIsOrderedUpstreamFirstWhateverTheIds) {
  Dag dag({n(1, {3}), n(3, {2}), n(2)});
  EXPECT_EQ(dag.order(), (Ids{2, 3, 1}));
  EXPECT_TRUE(dag.cycles().empty());
  EXPECT_EQ(dag.readers(2), (Ids{3}));
  EXPECT_EQ(dag.ancestors(1), (std::set<int64_t>{2, 3}));
}

TEST(Dag, IndependentTablesAreOrderedById) {
  Dag dag({n(5), n(4), n(9, {5})});
  EXPECT_EQ(dag.order(), (Ids{4, 5, 9}));
}

TEST(Dag, EdgesToUnknownRelationsAndDuplicatesAreIgnored) {
  Dag dag({n(1, {77, 2, 2}), n(2)});
  EXPECT_EQ(dag.upstream(1), (Ids{2}));
  EXPECT_EQ(dag.order(), (Ids{2, 1}));
}

TEST(Dag, CycleIsOneNodeOfTheOrderItsMembersById) {
  // 1 -> 3 -> 2 -> 1 (each reads the next), fed by 5, read by 4.
  Dag dag({n(1, {3, 5}), n(2, {1}), n(3, {2}), n(4, {2}), n(5)});
  EXPECT_EQ(dag.order(), (Ids{5, 1, 2, 3, 4}));
  ASSERT_EQ(dag.cycles().size(), 1u);
  EXPECT_EQ(dag.cycles()[0], (Ids{1, 2, 3}));
  EXPECT_EQ(dag.cycle_of(3), 0);
  EXPECT_EQ(dag.cycle_of(4), -1);
  EXPECT_EQ(dag.cycle_of(5), -1);
}

TEST(Dag, SelfLoopIsACycle) {
  Dag dag({n(1, {1}), n(2, {1})});
  ASSERT_EQ(dag.cycles().size(), 1u);
  EXPECT_EQ(dag.cycles()[0], (Ids{1}));
  EXPECT_EQ(dag.order(), (Ids{1, 2}));
}

TEST(Dag, TwoCyclesAreSeparateUnitsInOrder) {
  // {1, 2} reads nothing; {3, 4} reads 2; 5 reads 4.
  Dag dag({n(1, {2}), n(2, {1}), n(3, {4, 2}), n(4, {3}), n(5, {4})});
  EXPECT_EQ(dag.cycles(), (std::vector<Ids>{{1, 2}, {3, 4}}));
  EXPECT_EQ(pgt::scheduler::refresh_units(dag), (std::vector<Ids>{{1, 2}, {3, 4}, {5}}));
}

TEST(Dag, DiamondOverACycleIsMergedWithIt) {
  // Cycle {2, 3} reads 1; 4 reads 2 and 3 (a diamond whose arms are the cycle).
  Dag dag({n(1), n(2, {1, 3}), n(3, {2}), n(4, {2, 3})});
  auto units = pgt::scheduler::refresh_units(dag);
  size_t total = 0;
  for (const auto& u : units) total += u.size();
  EXPECT_EQ(total, 4u);  // every table once
  bool together = false;
  for (const auto& u : units)
    together = together || (std::find(u.begin(), u.end(), 2) != u.end() && std::find(u.begin(), u.end(), 3) != u.end());
  EXPECT_TRUE(together);
}

TEST(Dag, DiamondIsOneGroupInTopologicalOrder) {
  // A=1 -> B=2, A -> C=3, B + C -> D=4; E=5 reads D (not part of the diamond).
  Dag dag({n(4, {2, 3}), n(2, {1}), n(3, {1}), n(1), n(5, {4})});
  auto groups = dag.consistency_groups();
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0], (Ids{1, 2, 3, 4}));
}

TEST(Dag, DiamondWithLongerArmsIncludesEveryNodeBetween) {
  // 1 -> 2 -> 3 -> 6, 1 -> 4 -> 6; 5 -> 2 is upstream of the diamond, not in it.
  Dag dag({n(1), n(5), n(2, {1, 5}), n(3, {2}), n(4, {1}), n(6, {3, 4})});
  auto groups = dag.consistency_groups();
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0], (Ids{1, 4, 2, 3, 6}));  // topological order: 2 waits for 5
}

TEST(Dag, JoinOfUnrelatedUpstreamsIsNoDiamond) {
  Dag dag({n(1), n(2), n(3, {1, 2})});
  EXPECT_TRUE(dag.consistency_groups().empty());
}

TEST(Dag, DirectAndIndirectReadOfOneTableIsADiamond) {
  // 3 reads 1 directly and through 2.
  Dag dag({n(1), n(2, {1}), n(3, {1, 2})});
  auto groups = dag.consistency_groups();
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0], (Ids{1, 2, 3}));
}

TEST(Dag, DiamondConsistencyNoneFormsNoGroup) {
  Dag dag({n(1), n(2, {1}), n(3, {1}), n(4, {2, 3}, false)});
  EXPECT_TRUE(dag.consistency_groups().empty());
}

TEST(Dag, OverlappingDiamondsMerge) {
  // 1 -> {2,3} -> 4 and 3 -> {5} , {4,5} -> 6 share node 3 and 4.
  Dag dag({n(1), n(2, {1}), n(3, {1}), n(4, {2, 3}), n(5, {3}), n(6, {4, 5}), n(7), n(8, {7})});
  auto groups = dag.consistency_groups();
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0], (Ids{1, 2, 3, 4, 5, 6}));
}

TEST(Dag, TwoSeparateDiamondsAreTwoGroups) {
  Dag dag({n(1), n(2, {1}), n(3, {1}), n(4, {2, 3}), n(11), n(12, {11}), n(13, {11}),
           n(14, {12, 13})});
  auto groups = dag.consistency_groups();
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0], (Ids{1, 2, 3, 4}));
  EXPECT_EQ(groups[1], (Ids{11, 12, 13, 14}));
}

TEST(RefreshUnits, GroupIsOneUnitAfterWhatItReadsAndBeforeItsReaders) {
  // 9 -> 3 (member of the diamond 1 -> {2,3} -> 4); 5 reads 4; 6 is alone.
  Dag dag({n(1), n(2, {1}), n(3, {1, 9}), n(4, {2, 3}), n(5, {4}), n(6), n(9)});
  auto units = pgt::scheduler::refresh_units(dag);
  ASSERT_EQ(units.size(), 4u);
  EXPECT_EQ(units[0], (Ids{6}));
  EXPECT_EQ(units[1], (Ids{9}));
  EXPECT_EQ(units[2], (Ids{1, 2, 3, 4}));
  EXPECT_EQ(units[3], (Ids{5}));
}

TEST(RefreshUnits, WithoutDiamondsEveryTableIsAUnitInTopologicalOrder) {
  Dag dag({n(3, {2}), n(2, {1}), n(1)});
  auto units = pgt::scheduler::refresh_units(dag);
  EXPECT_EQ(units, (std::vector<Ids>{{1}, {2}, {3}}));
}

TEST(ResolvePeriods, CalculatedTakesTheTightestReaderRecursively) {
  // 1 (calc) read by 2 (calc) and 3 (60 s); 2 read by 4 (10 s); 5 (calc) has no reader.
  Dag dag({n(1), n(2, {1}), n(3, {1}), n(4, {2}), n(5)});
  std::map<int64_t, std::optional<int64_t>> own{
      {1, std::nullopt}, {2, std::nullopt}, {3, 60}, {4, 10}, {5, std::nullopt}};
  auto p = resolve_periods(dag, own, 7);
  EXPECT_EQ(p[4], 10);
  EXPECT_EQ(p[3], 60);
  EXPECT_EQ(p[2], 10);
  EXPECT_EQ(p[1], 10);
  EXPECT_EQ(p[5], 7);
}

TEST(ResolvePeriods, OwnPeriodWinsOverReaders) {
  Dag dag({n(1), n(2, {1})});
  auto p = resolve_periods(dag, {{1, 300}, {2, 5}}, 1);
  EXPECT_EQ(p[1], 300);
  EXPECT_EQ(p[2], 5);
}

}  // namespace
