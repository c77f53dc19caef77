// The SQL a DIFFERENTIAL stream table is refreshed with, generated from its
// normalized defining query and the storage table's current name.
#pragma once

#include <string>
#include <vector>

#include "catalog/stream_table_catalog.h"
#include "dvm/grouped_sql.h"

namespace pgt::refresh {

struct DeltaSql {
  bool unique_ids = false;
  std::string full_insert;  // INSERT of the whole result (FULL / first refresh)
  std::string apply;        // the delta, consolidated and applied; returns counts
  // Partition rescan only (see dvm/partition_sql.h): the touched partitions,
  // whose three values follow the delta parameters of `apply`.
  std::string touched_partitions;
  std::string pending;      // count of unconsumed changes, truncate markers
  // Counts inheritance links that appeared since creation (a child of a
  // scanned table, or a scanned table attached as a partition): statement
  // triggers do not see statements aimed at those, so the refresh must be FULL.
  std::string hierarchy_check;
  // Rows in the sources per statistics (NULL when some were never analyzed).
  std::string source_rows;
  std::vector<Oid> sources;  // captured tables
  // State columns the storage table keeps besides the query's (grouping).
  std::vector<dvm::HiddenColumn> hidden_columns;
};

// Derives it (the change buffers must exist). Call with search_path pinned.
DeltaSql build_delta_sql(const std::string& normalized_sql, const std::string& qualified_table);

// Stores the generated SQL in the catalog record (for inspection).
void store_delta_sql(const DeltaSql& sql, catalog::StreamTable* st);

}  // namespace pgt::refresh
