// The SQL a DIFFERENTIAL stream table is refreshed with: its normalized
// defining query -> maintenance plan (frontend/plan_builder.h) -> statements
// (dvm/plan_sql.h) for the storage table's current name.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "catalog/stream_table_catalog.h"
#include "dvm/delta_sql.h"
#include "dvm/grouped_sql.h"

namespace pgt::refresh {

struct DeltaSql {
  std::string plan_text;  // the maintenance plan's text form (dvm::plan_text)
  // The stream table's __pgt_row_id index is a unique btree (every identity
  // is unique and of bounded width); else a hash index (no size limit).
  bool unique_index = false;
  std::string full_insert;  // INSERT of the whole result (FULL / first refresh)
  std::string apply;        // the delta, consolidated and applied; returns counts
  // The same for a refresh where only the `changed` sources have changes: the
  // terms reading another source's changes left out ("" when none is left).
  // Unset for partition rescan (it runs every leaf's terms).
  std::function<std::string(const std::vector<Oid>& changed)> apply_for_changed;
  // The same for a batch of inserts only, appended (dvm::plan_append_sql);
  // unset when the query's result can lose rows on inserts.
  std::function<std::string(const std::vector<Oid>& changed)> append_for_changed;
  // Partition rescan only (see dvm/partition_sql.h): the touched partitions,
  // whose three values follow the delta parameters of `apply`.
  std::string touched_partitions;
  // Per buffer: unconsumed changes? truncate markers? sentinel? The refresh
  // reads the same in C (cdc/pending_changes.h); this is for inspection.
  std::string pending;
  std::string pending_count;  // per buffer: how many unconsumed changes
  std::vector<Oid> sources;  // captured tables (in the order of `pending`'s rows)
  // Per source (same order): the columns the refresh reads there or in its
  // buffer, which the stream table's owner must be allowed to SELECT.
  std::vector<std::vector<std::string>> read_columns;
  std::vector<Oid> full_refresh_sources;  // sources whose changes make a refresh FULL
  std::vector<Oid> probe_indexes;  // the MIN / MAX probes' indexes (see GroupedShape::extremum_probes)
  // State columns the storage table keeps besides the query's (grouping).
  std::vector<dvm::HiddenColumn> hidden_columns;
};

// Derives it. Call with search_path pinned. source: where the statements
// read the changes: the change buffers (DIFFERENTIAL; they must exist) or a
// statement's transition tables (IMMEDIATE; the statements then run where
// they are registered: see immediate_maintenance.h).
DeltaSql build_delta_sql(const std::string& normalized_sql, const std::string& qualified_table,
                         dvm::ChangeSource source = dvm::ChangeSource::ChangeBuffers);

// Stores the generated SQL in the catalog record (for inspection).
void store_delta_sql(const DeltaSql& sql, catalog::StreamTable* st);

}  // namespace pgt::refresh
