// SQL for stream tables whose query has a grouping below another operator
// (HAVING over a DISTINCT subquery, EXCEPT of two aggregates, an aggregate
// over a grouped subquery, a join of aggregated subqueries...). Pure C++.
//
// Such a query is not a sum of its inputs' changes, so no term-wise delta
// applies. It is maintained by partition rescan instead: the frontend finds a
// result column p such that a change to a source row can only change result
// rows whose p equals a value that row carries (p is a key of every grouping
// on the way down, the same position in every set-operation branch, and
// linked by join equalities across joined items). Each "leaf" below the
// groupings is select-project-join, with its p value as column __pgt_p; the
// touched p values are read from the leaves' deltas, and the result rows
// with those values are recomputed: deleted, and the query, restricted to
// them, inserted again. The restriction is a plain condition on p over the
// query as a subquery, which PostgreSQL pushes down through the groupings and
// set operations into the leaves' scans (an index on the key serves it).
//
// When no column partitions the result (a scalar aggregate over a DISTINCT
// subquery), the result is one partition: recomputed whole when a leaf has
// changes.
#pragma once

#include <string>
#include <vector>

#include "dvm/delta_sql.h"
#include "dvm/grouped_sql.h"

namespace pgt::dvm {

struct PartitionShape {
  // The partitioning output column (a name among `columns`); empty: the
  // result is one partition.
  std::string column;
  std::string type_sql;  // its type, without modifier (for an array of values)
  KeyText key_text = KeyText::Plain;
  std::vector<OutputColumn> columns;  // the stream table's visible columns
  std::string query_sql;              // the defining query
  // The query with its leaves restricted to the touched partitions, by the
  // parameters $5 and $6 below (with a partition column).
  std::string restricted_sql;
  // Each leaf's signed delta terms (signed_terms_sql), with column __pgt_p.
  std::vector<std::string> leaf_deltas;
  // The largest LIMIT + OFFSET in the query (frontend::PartitionDerivation).
  int64_t largest_limit = -1;
};

// Extra parameters of the apply statement, after the delta parameters: the
// touched partitions' identities (text[] as text), their values (the
// column's type[] as text) and whether NULL is among them (bool).
constexpr int kPartitionFirstParam = 4;

// One row (identities, values, has_null) of the partitions the leaves'
// deltas touch; identities NULL when none.
std::string partition_touched_sql(const PartitionShape& shape);

// The statement that recomputes the touched partitions and returns
// (inserted, updated, deleted). Parameters $1..$3: the delta's; $4..$6 as above.
std::string partition_apply_sql(const std::string& table, const PartitionShape& shape);

// INSERT of the whole result (each row with its partition's identity).
std::string partition_full_insert_sql(const std::string& table, const PartitionShape& shape);

}  // namespace pgt::dvm
