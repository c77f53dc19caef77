// The dependency graph of the stream tables of one database, as the scheduler
// sees it: which stream table reads which (edges from the pgt_dependencies
// rows whose source is itself a stream table). Pure C++17, unit-tested.
//
// Cycles exist only where create / alter accepted them (pg_trickle.allow_circular,
// monotone DIFFERENTIAL queries): each strongly connected component holding a
// cycle is refreshed as one unit, iterated to its fixed point
// (refresh/cycle_refresh.h). The order treats such a component as one node.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pgt::scheduler {

struct DagNode {
  int64_t id = 0;                 // pgt_id
  std::string name;               // schema.name, for messages
  std::vector<int64_t> upstream;  // stream tables this one reads directly
  bool atomic_diamonds = true;    // diamond_consistency is not 'none'
};

class Dag {
 public:
  explicit Dag(std::vector<DagNode> nodes);

  // Upstream before downstream; ties broken by id (deterministic ticks). The
  // members of a cycle come together, by id, after everything they read from
  // outside it.
  const std::vector<int64_t>& order() const { return order_; }
  // The cycles (strongly connected components with a cycle), each by id.
  const std::vector<std::vector<int64_t>>& cycles() const { return cycles_; }
  // The index in cycles() of the cycle `id` is on, or -1.
  int cycle_of(int64_t id) const;

  const std::vector<int64_t>& upstream(int64_t id) const;
  const std::vector<int64_t>& readers(int64_t id) const;
  bool contains(int64_t id) const { return nodes_.count(id) != 0; }
  const DagNode& node(int64_t id) const { return nodes_.at(id); }
  // Every stream table `id` reads, directly or through others.
  std::set<int64_t> ancestors(int64_t id) const;

  // Diamonds: a stream table D that reads two stream tables which share an
  // upstream A (A -> B -> D, A -> C -> D) would, refreshed one by one, mix
  // generations of A whenever B and C were refreshed from different states of
  // A. Each consistency group is A, D and every stream table on a path between
  // them (overlapping diamonds merged), in topological order; they are
  // refreshed together, all or nothing. D with diamond_consistency 'none'
  // forms no group.
  std::vector<std::vector<int64_t>> consistency_groups() const;

 private:
  std::map<int64_t, DagNode> nodes_;
  std::map<int64_t, std::vector<int64_t>> readers_;
  std::vector<int64_t> order_;
  std::vector<std::vector<int64_t>> cycles_;
  std::map<int64_t, int> cycle_of_;
};

// What one tick refreshes, unit by unit: each consistency group and each cycle
// is one unit (a group overlapping a cycle is merged with it), every other
// stream table a unit of its own. Units come in an order that
// puts every unit after the units it reads from (a group's members are in
// topological order); independent units are ordered by their first member.
std::vector<std::vector<int64_t>> refresh_units(const Dag& dag);

// Effective refresh period (seconds) of every node for duration and
// 'calculated' schedules. own[id]: the node's own period (a duration, or the
// smallest gap between two firings of its cron), or nullopt for 'calculated':
// the tightest period of the stream tables that read it (recursively), or
// default_seconds when none reads it.
std::map<int64_t, int64_t> resolve_periods(const Dag& dag,
                                           const std::map<int64_t, std::optional<int64_t>>& own,
                                           int64_t default_seconds);

}  // namespace pgt::scheduler
