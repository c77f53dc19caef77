// Generated refresh SQL: see delta_plan.h.
#include "refresh/delta_plan.h"

#include <algorithm>
#include <memory>

#include "common/user_error.h"
#include "dvm/delta_sql.h"
#include "dvm/grouped_sql.h"
#include "dvm/partition_sql.h"
#include "frontend/delta_derivation.h"

namespace pgt::refresh {

namespace {

// The apply statement over the given terms (empty: no term).
std::string apply_sql(const frontend::DeltaDerivation& delta, const std::string& table,
                      const std::vector<dvm::DeltaTerm>& terms) {
  if (terms.empty()) return "";
  if (delta.grouped) {
    std::string input_delta = "SELECT * FROM (" + dvm::signed_terms_sql(delta.columns, terms) + ") s";
    return dvm::grouped_apply_sql(table, *delta.grouped, input_delta, delta.full_sql);
  }
  return dvm::apply_delta_sql(table, delta.columns, dvm::consolidated_delta_sql(delta.columns, terms),
                              delta.unique_ids);
}

}  // namespace

DeltaSql build_delta_sql(const std::string& normalized_sql, const std::string& table) {
  auto derived = std::make_shared<const frontend::DeltaDerivation>(frontend::derive_delta(normalized_sql, true));
  const frontend::DeltaDerivation& delta = *derived;
  // Source DDL that makes the query unmaintainable is refused (see
  // source_ddl_check.cpp); this guards what that check cannot see.
  if (!delta.not_differentiable_because.empty())
    throw Error(sqlstate::kFeatureNotSupported,
                "stream table can no longer be maintained in DIFFERENTIAL mode: " + delta.not_differentiable_because,
                "", "Alter it to refresh_mode => 'FULL' (pgtrickle.alter_stream_table), or change its query.");
  std::vector<std::string> buffers;
  for (const auto& t : delta.tables) buffers.push_back(dvm::change_buffer_name(t.relid));
  DeltaSql sql;
  sql.unique_index = delta.unique_ids && delta.bounded_ids;
  if (delta.partitioned) {
    sql.full_insert = dvm::partition_full_insert_sql(table, *delta.partitioned);
    sql.touched_partitions = dvm::partition_touched_sql(*delta.partitioned);
    sql.apply = dvm::partition_apply_sql(table, *delta.partitioned);
  } else {
    sql.full_insert = delta.grouped ? dvm::grouped_full_insert_sql(table, *delta.grouped, delta.full_sql)
                                    : dvm::full_insert_sql(table, delta.columns, delta.full_sql);
    if (delta.grouped) sql.hidden_columns = dvm::grouped_hidden_columns(*delta.grouped);
    sql.apply = apply_sql(delta, table, delta.terms);
    // Terms reading the changes of a table that has none are empty: the
    // statement for a refresh leaves them out (fewer to plan and run).
    sql.apply_for_changed = [derived, table](const std::vector<Oid>& changed) {
      std::vector<dvm::DeltaTerm> terms;
      for (const auto& term : derived->terms)
        if (std::all_of(term.delta_tables.begin(), term.delta_tables.end(), [&](unsigned relid) {
              return std::find(changed.begin(), changed.end(), relid) != changed.end();
            }))
          terms.push_back(term);
      return apply_sql(*derived, table, terms);
    };
  }
  std::vector<std::string> full_refresh_buffers;
  for (Oid relid : delta.full_refresh_sources) full_refresh_buffers.push_back(dvm::change_buffer_name(relid));
  sql.pending = dvm::pending_changes_sql(buffers, full_refresh_buffers);
  sql.pending_count = dvm::pending_count_sql(buffers);
  for (const auto& t : delta.tables) {
    sql.sources.push_back(t.relid);
    std::vector<std::string> columns = t.key_columns;
    columns.insert(columns.end(), t.used_columns.begin(), t.used_columns.end());
    sql.read_columns.push_back(columns);
  }
  sql.full_refresh_sources = delta.full_refresh_sources;
  sql.scanned_with_children = delta.scanned_with_children;
  sql.probe_indexes = delta.probe_indexes;
  return sql;
}

void store_delta_sql(const DeltaSql& sql, catalog::StreamTable* st) {
  st->unique_row_ids = sql.unique_index;
  st->full_refresh_sql = sql.full_insert;
  st->delta_apply_sql = sql.touched_partitions.empty()
                            ? sql.apply
                            : "-- touched partitions ($4, $5, $6):\n" + sql.touched_partitions + ";\n" + sql.apply;
  st->pending_changes_sql = sql.pending;
}

}  // namespace pgt::refresh
