// Resolving the names users pass to the API.
#pragma once

#include <string>

#include "catalog/stream_table_catalog.h"

namespace pgt::api {

struct NewTableName {
  std::string schema;
  std::string name;
};

// Resolves a possibly schema-qualified name for a new stream table (creation
// schema: the first existing schema on search_path). Errors if it exists.
NewTableName resolve_new_stream_table_name(const std::string& name);

// Resolves an existing stream table by (possibly qualified) name; errors with a
// HINT if there is no such relation or it is not a stream table.
catalog::StreamTable lookup_stream_table(const std::string& name);

// Errors (42501) unless the current role owns the stream table.
void require_owner(const catalog::StreamTable& st, const char* action);

}  // namespace pgt::api
