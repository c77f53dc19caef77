// What create_stream_table and alter_stream_table(query => ...) share: turning
// a query text and a requested mode into a checked definition, and recording
// what the stream table reads.
#pragma once

#include <string>

#include "catalog/stream_table_catalog.h"
#include "dvm/maintenance_plan.h"
#include "frontend/query_analysis.h"
#include "common/refresh_mode.h"

namespace pgt::api {

struct Definition {
  frontend::AnalyzedQuery analysis;
  dvm::MaintenancePlan plan;  // built (without SQL) unless FULL was requested
  ModeDecision mode;
};

// Analyzes the query, decides the effective mode and refuses cycles.
// self_relid: the stream table being altered (InvalidOid when creating).
// check_privileges: whether DIFFERENTIAL needs the current role to read the
// columns the delta reads (off when following a source's DDL: an owner who
// lost a privilege finds out at the next refresh, not the source's owner).
Definition prepare_definition(const std::string& query, RefreshMode requested,
                              const std::string& display_name, Oid self_relid, bool check_privileges = true);

// Writes the definition's query/mode (and, for DIFFERENTIAL, the generated
// delta SQL for the storage table) into the record.
void apply_definition(const Definition& def, const std::string& original_query,
                      catalog::StreamTable* st);

// pgt_dependencies rows and pg_depend entries for the definition's sources.
void record_sources(const catalog::StreamTable& st, const Definition& def, bool replacing);

// The storage table's row identity column and index for the effective mode.
void prepare_row_identity(const catalog::StreamTable& st);

// For DIFFERENTIAL: change capture on every scanned table (its buffer
// readable by the stream table's owner), then the delta SQL, which reads the
// change buffers, into the record.
void install_change_capture(const Definition& def, catalog::StreamTable* st);

// After apply_definition of a stream table that exists: its sources recorded
// again, its frontier cleared (the next refresh recomputes it), its row
// identity and, for DIFFERENTIAL, change capture set up for the definition.
void reinstall_maintenance(const Definition& def, catalog::StreamTable* st);

// WARNING when AUTO fell back to FULL, naming the reason.
void warn_if_fallback(const Definition& def, const std::string& display_name);

// Errors (42501) unless the current role can read everything the query reads.
void check_can_read_sources(const Definition& def);

}  // namespace pgt::api
