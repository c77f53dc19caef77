// Dependency graph of stream tables: see dag.h.
#include "scheduler/dag.h"

#include "common/strongly_connected.h"

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
  std::map<int64_t, std::vector<int64_t>> ups;
  for (const auto& [id, n] : nodes_) ups[id] = n.upstream;
  cycles_ = cyclic_components(ups);
  for (size_t c = 0; c < cycles_.size(); c++)
    for (int64_t id : cycles_[c]) cycle_of_[id] = static_cast<int>(c);
  // Kahn's algorithm with a min-heap over the components (a cycle is one
  // node, keyed by its smallest id): deterministic order.
  auto key = [&](int64_t id) {
    auto it = cycle_of_.find(id);
    return it == cycle_of_.end() ? id : cycles_[it->second].front();
  };
  std::map<int64_t, std::set<int64_t>> key_upstream;
  std::map<int64_t, std::set<int64_t>> key_readers;
  for (const auto& [id, n] : nodes_) {
    key_upstream[key(id)];
    for (int64_t u : n.upstream)
      if (key(u) != key(id)) {
        key_upstream[key(id)].insert(key(u));
        key_readers[key(u)].insert(key(id));
      }
  }
  std::map<int64_t, size_t> missing;
  std::priority_queue<int64_t, std::vector<int64_t>, std::greater<int64_t>> ready;
  for (const auto& [k, u] : key_upstream) {
    missing[k] = u.size();
    if (u.empty()) ready.push(k);
  }
  while (!ready.empty()) {
    int64_t k = ready.top();
    ready.pop();
    auto c = cycle_of_.find(k);
    if (c == cycle_of_.end())
      order_.push_back(k);
    else
      for (int64_t id : cycles_[c->second]) order_.push_back(id);
    for (int64_t r : key_readers[k])
      if (--missing[r] == 0) ready.push(r);
  }
}

int Dag::cycle_of(int64_t id) const {
  auto it = cycle_of_.find(id);
  return it == cycle_of_.end() ? -1 : it->second;
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
    // Arms inside d's own cycle are not a diamond: the cycle is one unit.
    std::vector<int64_t> ups;
    for (int64_t u : upstream(d))
      if (cycle_of(d) < 0 || cycle_of(u) != cycle_of(d)) ups.push_back(u);
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

namespace {

// Consistency groups and cycles, those sharing a member merged; each in the
// graph's order.
std::vector<std::vector<int64_t>> groups_and_cycles(const Dag& dag) {
  std::map<int64_t, int64_t> parent;
  std::function<int64_t(int64_t)> find = [&](int64_t x) {
    auto it = parent.find(x);
    if (it == parent.end() || it->second == x) return parent[x] = x;
    return it->second = find(it->second);
  };
  auto join = [&](const std::vector<int64_t>& members) {
    for (int64_t m : members) parent[find(m)] = find(members.front());
  };
  for (const auto& g : dag.consistency_groups()) join(g);
  for (const auto& c : dag.cycles()) join(c);
  std::map<int64_t, std::vector<int64_t>> classes;
  for (int64_t id : dag.order())
    if (parent.count(id)) classes[find(id)].push_back(id);
  std::vector<std::vector<int64_t>> out;
  for (auto& [root, members] : classes) out.push_back(std::move(members));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::vector<std::vector<int64_t>> refresh_units(const Dag& dag) {
  std::vector<std::vector<int64_t>> units = groups_and_cycles(dag);
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
  // Merging groups with cycles could in principle make units read each
  // other; such units still run (in the graph's order), never dropped.
  if (out.size() < units.size())
    for (size_t u = 0; u < units.size(); u++)
      if (missing[u] != 0) out.push_back(units[u]);
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
