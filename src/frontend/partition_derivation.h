// Queries with a grouping or window functions below another operator, or
// window functions at the top (see dvm/partition_sql.h): finding the column
// that partitions their result, and the select-project-join leaves whose changes touch the partitions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dvm/grouped_sql.h"
#include "dvm/partition_sql.h"
#include "pg/pg_headers.h"

extern "C" {
#include "nodes/parsenodes.h"
}

namespace pgt::frontend {

struct PartitionDerivation {
  // Empty when the query can be maintained by partition rescan (its leaves
  // still have to be select-project-join); otherwise the construct that
  // prevents it.
  std::string not_differentiable_because;
  // The partitioning output column (0-based among the visible columns), or
  // -1: the result is one partition.
  int column = -1;
  std::string type_sql;  // its type, without modifier
  dvm::KeyText key_text = dvm::KeyText::Plain;
  // Each leaf, deparsed: select-project-join with one column __pgt_p, the
  // partition value of its rows (true when there is no partition column).
  std::vector<std::string> leaf_sql;
  // The largest LIMIT + OFFSET anywhere in the query (INT64_MAX: one that is
  // not a constant, or an OFFSET without LIMIT); -1 without LIMIT / OFFSET.
  int64_t largest_limit = -1;
  // With a partition column: the query with each leaf restricted to the
  // touched partitions ($5, $6 of the apply statement; see dvm/partition_sql.h).
  std::string restricted_sql;
};

// Whether the query is maintained by partition rescan: it groups below its
// top (a grouping, or a set operation other than UNION ALL, under a
// grouping, set operation, join or select), or is a DISTINCT over a
// grouping, or a set operation of set operations, or has window functions
// (at its top or below), or ORDER BY ... LIMIT / OFFSET or DISTINCT ON
// (likewise).
bool needs_partition_rescan(Query* q);

// q: the analyzed and rewritten defining query. Call with search_path pinned.
PartitionDerivation derive_partition(Query* q);

}  // namespace pgt::frontend
