// Window functions and top-k queries, which DIFFERENTIAL and IMMEDIATE maintain by partition
// rescan (dvm/partition_sql.h): the window partitions the changes touch are
// recomputed, or the whole result when no output column is in the PARTITION
// BY of every window. Ranking (row_number, rank, dense_rank, ntile,
// percent_rank, cume_dist), offsets (lag, lead, first_value, last_value,
// nth_value), aggregates over the partition and running ones (default RANGE
// frame with peers, ROWS / RANGE / GROUPS frames, EXCLUDE), FILTER; several
// windows per query (sharing a partition column or not), a named WINDOW;
// partition columns of type int (NULL often), text (values an array's text
// form must quote) and numeric (1, 1.0, 1.00 are one partition); windows over
// a join and over a grouping; the top rows per partition (a window in a
// subquery filtered above it); keyless sources with duplicate rows; updates
// that move rows between partitions; DISTINCT ON (the first row of each
// group, a window-like operator). Every ORDER BY inside a window either
// ends on a unique key or feeds only functions that give peers equal
// values, so the query's result is one multiset.
#pragma once

#include <vector>

#include "oracle_scenarios.h"

namespace pgt_e2e {

std::vector<OracleScenario> window_oracle_scenarios();

// ORDER BY ... LIMIT / OFFSET / FETCH FIRST ... WITH TIES, at the top and in a
// subquery below a join and a grouping: the whole result is recomputed when
// a source changes (its rows are replaced only where they differ). Every
// ORDER BY ends on a unique key, or keeps ties.
std::vector<OracleScenario> top_k_oracle_scenarios();

}  // namespace pgt_e2e
