// Parse and analyze a stream table's defining query with PostgreSQL's own
// parser, and describe it: output columns, source relations, the normalized
// (fully qualified) SQL text, and what limits its refresh modes.
#pragma once

#include <string>
#include <vector>

#include "pg/pg_headers.h"
#include "common/output_column.h"
#include "common/refresh_mode.h"

namespace pgt::frontend {

using pgt::OutputColumn;

struct SourceRelation {
  Oid relid = InvalidOid;
  std::string schema;
  std::string name;
  char relkind = 0;             // pg_class.relkind
  bool through_view = false;    // reached only by expanding a view
  std::vector<std::string> columns;  // columns the query reads (empty: whole row / none)
};

struct AnalyzedQuery {
  std::vector<OutputColumn> columns;
  std::vector<SourceRelation> sources;
  std::string normalized_sql;  // deparsed with every object schema-qualified
  QueryCapabilities caps;
};

// Throws pgt::Error (or PgError for PostgreSQL's own parse/analysis errors,
// pointing into the query text) for anything that cannot define a stream table.
AnalyzedQuery analyze_defining_query(const std::string& sql);

// "TABLE", "PARTITIONED_TABLE", "VIEW", "MATERIALIZED_VIEW", "FOREIGN_TABLE".
const char* source_type_name(char relkind);

}  // namespace pgt::frontend
