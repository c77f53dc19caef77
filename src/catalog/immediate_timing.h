// When an IMMEDIATE stream table is maintained (pgt_stream_tables.
// immediate_timing): after every statement that changes a source
// ('statement', refresh/immediate_maintenance.h), or once when the writing
// transaction commits ('commit', refresh/commit_maintenance.h). Only
// IMMEDIATE tables are ever 'commit'.
#pragma once

#include <optional>
#include <string>

#include "catalog/stream_table_catalog.h"

namespace pgt::catalog {

enum class ImmediateTiming { Statement, Commit };

// 'statement' / 'commit' (any case); 22023 otherwise.
ImmediateTiming parse_immediate_timing(const std::string& text);
const char* immediate_timing_name(ImmediateTiming timing);

// The stored timing (Statement for a table that is not IMMEDIATE). Only
// IMMEDIATE tables read the column: a library newer than the SQL objects
// (before ALTER EXTENSION UPDATE) has no IMMEDIATE table.
ImmediateTiming immediate_timing(const StreamTable& st);

// Whether st is maintained at commit (IMMEDIATE with timing 'commit').
inline bool maintained_at_commit(const StreamTable& st) {
  return st.immediate() && immediate_timing(st) == ImmediateTiming::Commit;
}

void set_immediate_timing(int64_t pgt_id, ImmediateTiming timing);

// The SQL condition (on pgtrickle.pgt_stream_tables aliased `alias`) of the
// stream tables maintained from the change buffers: DIFFERENTIAL, and
// IMMEDIATE ON COMMIT. (Before ALTER EXTENSION UPDATE the catalog has no
// immediate_timing column, and no IMMEDIATE table.)
std::string reads_change_buffers_sql(const std::string& alias);

// Whether the catalog has the immediate_timing column.
bool has_immediate_timing_column();

}  // namespace pgt::catalog
