// Cycles of a directed graph: its strongly connected components that hold a
// cycle (two nodes or more, or one node reading itself). Pure C++17: the
// scheduler's graph and the create / alter check use the same function.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

namespace pgt {

// upstream[n]: the nodes n reads (edges to unknown nodes are ignored). Each
// component is sorted ascending; the components are sorted by their first
// node. Nodes on no cycle belong to no component.
std::vector<std::vector<int64_t>> cyclic_components(const std::map<int64_t, std::vector<int64_t>>& upstream);

}  // namespace pgt
