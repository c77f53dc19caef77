// Resolving the names users pass to the API.
#pragma once

#include <string>

#include "catalog/stream_table_catalog.h"
#include "pg/pg_headers.h"

extern "C" {
#include "nodes/primnodes.h"
}

namespace pgt::api {

struct NewTableName {
  std::string schema;
  std::string name;
};

// Parses 'name', 'schema.name' and their quoted forms as PostgreSQL does;
// errors (42602) name `what` and carry `hint`, also for three-part and
// zero-length names.
RangeVar* parse_relation_name(const std::string& name, const std::string& what, const std::string& hint);

// Resolves a possibly schema-qualified name for a new stream table (creation
// schema: the first existing schema on search_path). Errors if it exists.
NewTableName resolve_new_stream_table_name(const std::string& name);

// Resolves an existing stream table by (possibly qualified) name; errors with a
// HINT if there is no such relation or it is not a stream table.
catalog::StreamTable lookup_stream_table(const std::string& name,
                                         catalog::Columns columns = catalog::Columns::All);

// Errors (42501) unless the current role owns the stream table.
void require_owner(const catalog::StreamTable& st, const char* action);

}  // namespace pgt::api
