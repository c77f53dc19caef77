// Generated refresh SQL: see delta_plan.h.
#include "refresh/delta_plan.h"

#include "common/user_error.h"
#include "dvm/delta_sql.h"
#include "dvm/grouped_sql.h"
#include "dvm/partition_sql.h"
#include "frontend/delta_derivation.h"

namespace pgt::refresh {

DeltaSql build_delta_sql(const std::string& normalized_sql, const std::string& table) {
  frontend::DeltaDerivation delta = frontend::derive_delta(normalized_sql, true);
  // Source DDL that makes the query unmaintainable is refused (see
  // source_ddl_check.cpp); this guards what that check cannot see.
  if (!delta.not_differentiable_because.empty())
    throw Error(sqlstate::kFeatureNotSupported,
                "stream table can no longer be maintained in DIFFERENTIAL mode: " + delta.not_differentiable_because,
                "", "Alter it to refresh_mode => 'FULL' (pgtrickle.alter_stream_table), or change its query.");
  std::vector<std::string> buffers;
  for (const auto& t : delta.tables) buffers.push_back(frontend::change_buffer_name(t.relid));
  DeltaSql sql;
  sql.unique_ids = delta.unique_ids;
  if (delta.partitioned) {
    sql.full_insert = dvm::partition_full_insert_sql(table, *delta.partitioned);
    sql.touched_partitions = dvm::partition_touched_sql(*delta.partitioned);
    sql.apply = dvm::partition_apply_sql(table, *delta.partitioned);
  } else if (delta.grouped) {
    sql.full_insert = dvm::grouped_full_insert_sql(table, *delta.grouped, delta.full_sql);
    std::string input_delta = "SELECT * FROM (" + dvm::signed_terms_sql(delta.columns, delta.terms) + ") s";
    sql.apply = dvm::grouped_apply_sql(table, *delta.grouped, input_delta, delta.full_sql);
    sql.hidden_columns = dvm::grouped_hidden_columns(*delta.grouped);
  } else {
    sql.full_insert = dvm::full_insert_sql(table, delta.columns, delta.full_sql);
    sql.apply = dvm::apply_delta_sql(table, delta.columns, dvm::consolidated_delta_sql(delta.columns, delta.terms),
                                     delta.unique_ids);
  }
  std::vector<std::string> full_refresh_buffers;
  for (Oid relid : delta.full_refresh_sources) full_refresh_buffers.push_back(frontend::change_buffer_name(relid));
  sql.pending = dvm::pending_changes_sql(buffers, full_refresh_buffers);
  auto oid_array = [](const std::vector<Oid>& relids) {
    std::string out = "'{";
    for (size_t i = 0; i < relids.size(); i++) out += (i ? "," : "") + std::to_string(relids[i]);
    return out + "}'::pg_catalog.oid[]";
  };
  std::vector<Oid> all;
  for (const auto& t : delta.tables) all.push_back(t.relid);
  sql.sources = all;
  sql.source_rows = "SELECT CASE WHEN pg_catalog.bool_and(reltuples >= 0) THEN pg_catalog.sum(reltuples) END "
                    "FROM pg_catalog.pg_class WHERE oid = ANY (" + oid_array(all) + ")";
  sql.hierarchy_check = "SELECT pg_catalog.count(*) FROM pg_catalog.pg_inherits WHERE inhparent = ANY (" +
                        oid_array(delta.scanned_with_children) + ") OR inhrelid = ANY (" +
                        oid_array(all) + ")";
  return sql;
}

void store_delta_sql(const DeltaSql& sql, catalog::StreamTable* st) {
  st->unique_row_ids = sql.unique_ids;
  st->full_refresh_sql = sql.full_insert;
  st->delta_apply_sql = sql.touched_partitions.empty()
                            ? sql.apply
                            : "-- touched partitions ($4, $5, $6):\n" + sql.touched_partitions + ";\n" + sql.apply;
  st->pending_changes_sql = sql.pending;
}

}  // namespace pgt::refresh
