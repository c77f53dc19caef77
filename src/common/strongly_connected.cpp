// Cycles of a directed graph: see strongly_connected.h.
//
// Tarjan's algorithm, iterative (a chain of thousands of stream tables must
// not exhaust the stack).
#include "common/strongly_connected.h"

#include <algorithm>
#include <utility>

namespace pgt {

std::vector<std::vector<int64_t>> cyclic_components(const std::map<int64_t, std::vector<int64_t>>& upstream) {
  std::map<int64_t, int> index, low;
  std::map<int64_t, bool> on_stack;
  std::vector<int64_t> stack;
  std::vector<std::vector<int64_t>> out;
  int next = 0;
  static const std::vector<int64_t> kNone;
  auto edges = [&](int64_t n) -> const std::vector<int64_t>& {
    auto it = upstream.find(n);
    return it == upstream.end() ? kNone : it->second;
  };
  for (const auto& [root, unused] : upstream) {
    (void)unused;
    if (index.count(root)) continue;
    // (node, position of the next edge to follow)
    std::vector<std::pair<int64_t, size_t>> work{{root, 0}};
    index[root] = low[root] = next++;
    stack.push_back(root);
    on_stack[root] = true;
    while (!work.empty()) {
      auto& [n, pos] = work.back();
      const auto& ups = edges(n);
      if (pos < ups.size()) {
        int64_t u = ups[pos++];
        if (!upstream.count(u)) continue;
        if (!index.count(u)) {
          index[u] = low[u] = next++;
          stack.push_back(u);
          on_stack[u] = true;
          work.push_back({u, 0});
        } else if (on_stack[u]) {
          low[n] = std::min(low[n], index[u]);
        }
        continue;
      }
      int64_t done = n;
      work.pop_back();
      if (!work.empty()) low[work.back().first] = std::min(low[work.back().first], low[done]);
      if (low[done] != index[done]) continue;
      std::vector<int64_t> component;
      int64_t member;
      do {
        member = stack.back();
        stack.pop_back();
        on_stack[member] = false;
        component.push_back(member);
      } while (member != done);
      bool self_loop = std::find(edges(done).begin(), edges(done).end(), done) != edges(done).end();
      if (component.size() > 1 || self_loop) {
        std::sort(component.begin(), component.end());
        out.push_back(std::move(component));
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace pgt
