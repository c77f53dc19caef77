// Dependency graph of stream tables: see dag.h.
#include "scheduler/dag.h"

#include <algorithm>
#include <functional>
#include <numeric>
#include <queue>

namespace pgt::scheduler {

namespace {
const std::vector<int64_t> kNone;
}

Dag::Dag(std::vector<DagNode> nodes) {
  for (auto& n : nodes) nodes_.emplace(n.id, std::move(n));
  // Edges to relations that are not (or no longer) stream tables are dropped.
  for (auto& [id, n] : nodes_) {
    std::vector<int64_t> kept;
    for (int64_t u : n.upstream) {
      // A self-loop is a cycle: kept, so that cycle() reports it.
      bool known = u == id || nodes_.count(u) != 0;
      if (known && std::find(kept.begin(), kept.end(), u) == kept.end()) kept.push_back(u);
    }
    n.upstream = kept;
    for (int64_t u : n.upstream) readers_[u].push_back(id);
  }
  // Kahn's algorithm with a min-heap: deterministic order.
  std::map<int64_t, size_t> missing;
  std::priority_queue<int64_t, std::vector<int64_t>, std::greater<int64_t>> ready;
  for (const auto& [id, n] : nodes_) {
    missing[id] = n.upstream.size();
    if (n.upstream.empty()) ready.push(id);
  }
  while (!ready.empty()) {
    int64_t id = ready.top();
    ready.pop();
    order_.push_back(id);
    for (int64_t r : readers(id))
      if (--missing[r] == 0) ready.push(r);
  }
}

const std::vector<int64_t>& Dag::upstream(int64_t id) const {
  auto it = nodes_.find(id);
  return it == nodes_.end() ? kNone : it->second.upstream;
}

const std::vector<int64_t>& Dag::readers(int64_t id) const {
  auto it = readers_.find(id);
  return it == readers_.end() ? kNone : it->second;
}

std::set<int64_t> Dag::ancestors(int64_t id) const {
  std::set<int64_t> seen;
  std::vector<int64_t> stack(upstream(id));
  while (!stack.empty()) {
    int64_t u = stack.back();
    stack.pop_back();
    if (!seen.insert(u).second) continue;
    for (int64_t v : upstream(u)) stack.push_back(v);
  }
  return seen;
}

std::optional<std::string> Dag::cycle() const {
  if (order_.size() == nodes_.size()) return std::nullopt;
  // Depth-first search over the nodes left out of the order.
  std::map<int64_t, int> state;  // 0 new, 1 on stack, 2 done
  std::vector<int64_t> path;
  std::optional<std::string> found;
  std::function<void(int64_t)> visit = [&](int64_t id) {
    if (found) return;
    state[id] = 1;
    path.push_back(id);
    for (int64_t r : readers(id)) {
      if (found) return;
      if (state[r] == 1) {
        auto start = std::find(path.begin(), path.end(), r);
        // path runs upstream -> downstream; print "each reads the next".
        std::string text;
        std::vector<int64_t> loop(start, path.end());
        std::reverse(loop.begin(), loop.end());
        std::rotate(loop.begin(), std::min_element(loop.begin(), loop.end()), loop.end());
        for (int64_t n : loop) text += node(n).name + " -> ";
        found = text + node(loop.front()).name;
        return;
      }
      if (state[r] == 0) visit(r);
    }
    path.pop_back();
    state[id] = 2;
  };
  for (const auto& [id, n] : nodes_)
    if (!found && state[id] == 0) visit(id);
  return found;
}

std::vector<std::vector<int64_t>> Dag::consistency_groups() const {
  // Union-find over the members of every diamond.
  std::map<int64_t, int64_t> parent;
  std::function<int64_t(int64_t)> find = [&](int64_t x) {
    auto it = parent.find(x);
    if (it == parent.end() || it->second == x) return parent[x] = x;
    return it->second = find(it->second);
  };
  auto unite = [&](int64_t a, int64_t b) { parent[find(a)] = find(b); };

  std::set<int64_t> in_order(order_.begin(), order_.end());
  for (int64_t d : order_) {
    const auto& ups = upstream(d);
    if (!node(d).atomic_diamonds || ups.size() < 2) continue;
    std::set<int64_t> apexes;
    for (size_t i = 0; i < ups.size(); i++) {
      std::set<int64_t> a = ancestors(ups[i]);
      a.insert(ups[i]);
      for (size_t j = i + 1; j < ups.size(); j++) {
        std::set<int64_t> b = ancestors(ups[j]);
        b.insert(ups[j]);
        for (int64_t x : a)
          if (b.count(x)) apexes.insert(x);
      }
    }
    if (apexes.empty()) continue;
    // Members: D, the apexes, and every ancestor of D downstream of an apex.
    unite(d, d);
    for (int64_t x : ancestors(d)) {
      bool member = apexes.count(x) != 0;
      if (!member)
        for (int64_t a : ancestors(x))
          if (apexes.count(a)) {
            member = true;
            break;
          }
      if (member) unite(x, d);
    }
  }
  std::map<int64_t, std::vector<int64_t>> groups;
  for (int64_t id : order_)  // topological order within each group
    if (parent.count(id)) groups[find(id)].push_back(id);
  std::vector<std::vector<int64_t>> out;
  for (auto& [root, members] : groups) out.push_back(members);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::vector<int64_t>> refresh_units(const Dag& dag) {
  std::vector<std::vector<int64_t>> units = dag.consistency_groups();
  std::map<int64_t, size_t> unit_of;
  for (size_t u = 0; u < units.size(); u++)
    for (int64_t id : units[u]) unit_of[id] = u;
  std::map<int64_t, size_t> position;
  for (int64_t id : dag.order()) {
    position[id] = position.size();
    if (!unit_of.count(id)) {
      unit_of[id] = units.size();
      units.push_back({id});
    }
  }
  // Kahn's algorithm over units, smallest first member position first.
  std::vector<std::set<size_t>> readers(units.size());
  std::vector<size_t> missing(units.size(), 0);
  for (size_t u = 0; u < units.size(); u++)
    for (int64_t id : units[u])
      for (int64_t up : dag.upstream(id)) {
        auto it = unit_of.find(up);
        if (it == unit_of.end() || it->second == u) continue;
        if (readers[it->second].insert(u).second) missing[u]++;
      }
  using Entry = std::pair<size_t, size_t>;  // (position of first member, unit)
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> ready;
  for (size_t u = 0; u < units.size(); u++)
    if (missing[u] == 0) ready.push({position[units[u].front()], u});
  std::vector<std::vector<int64_t>> out;
  while (!ready.empty()) {
    size_t u = ready.top().second;
    ready.pop();
    out.push_back(units[u]);
    for (size_t r : readers[u])
      if (--missing[r] == 0) ready.push({position[units[r].front()], r});
  }
  return out;
}

std::map<int64_t, int64_t> resolve_periods(const Dag& dag,
                                           const std::map<int64_t, std::optional<int64_t>>& own,
                                           int64_t default_seconds) {
  std::map<int64_t, int64_t> period;
  // Readers come after their sources in order(): walk it backwards.
  const auto& order = dag.order();
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    int64_t id = *it;
    auto o = own.find(id);
    if (o != own.end() && o->second) {
      period[id] = *o->second;
      continue;
    }
    int64_t tightest = 0;
    for (int64_t r : dag.readers(id)) {
      auto p = period.find(r);
      if (p != period.end() && (tightest == 0 || p->second < tightest)) tightest = p->second;
    }
    period[id] = tightest > 0 ? tightest : default_seconds;
  }
  return period;
}

}  // namespace pgt::scheduler
