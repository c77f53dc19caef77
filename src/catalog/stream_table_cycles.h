// Cycles of stream tables in the catalog: which stream table reads which,
// and the cycle (strongly connected component) a stream table is on. Read
// as the catalog owner: a cycle is found whole whoever asks (what the
// caller may see of it is decided where it is shown).
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "pg/pg_headers.h"

namespace pgt::catalog {

struct StreamTableGraph {
  std::map<int64_t, std::vector<int64_t>> upstream;  // pgt_id -> pgt_ids of the stream tables it reads
  std::map<int64_t, Oid> relid;                      // pgt_id -> storage table
  std::map<Oid, int64_t> pgt_id;                     // storage table -> pgt_id
};

StreamTableGraph stream_table_graph();

// Whether stream table `pgt_id` reads a stream table directly: only such a
// table can be on a cycle. Read in C through the catalog's indexes (no
// statement to plan: every manual refresh asks).
bool reads_stream_table(int64_t pgt_id);

// Whether some stream table reads this relation (an index probe of the
// dependencies): only then can a refresh of it have readers to follow.
bool read_by_stream_table(Oid relid);

// The members of the cycle stream table `pgt_id` (storage table `relid`) is
// on (storage tables, by pgt_id: the order they are refreshed in, as the
// scheduler's), or empty.
std::vector<Oid> cycle_members(int64_t pgt_id, Oid relid);

}  // namespace pgt::catalog

namespace pgt::catalog {

// The last fixed point a cycle member reached: rounds, and whether the
// cycle started from empty (pgtrickle.pgt_fixpoint_state; nothing before
// ALTER EXTENSION pg_trickle UPDATE created it).
void record_fixpoint(int64_t pgt_id, int iterations, bool recomputed);

}  // namespace pgt::catalog
