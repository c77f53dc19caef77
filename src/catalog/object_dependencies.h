// pg_depend entries that make PostgreSQL itself protect stream tables:
//  * stream table -> each source relation (NORMAL): DROP TABLE of a source is
//    refused unless CASCADE, which then drops the stream table too (as for views);
//  * stream table -> extension (AUTO): DROP EXTENSION removes every stream table.
#pragma once

#include <vector>

#include "pg/pg_headers.h"

namespace pgt::catalog {

void record_source_dependencies(Oid st_relid, const std::vector<Oid>& sources);
void remove_source_dependencies(Oid st_relid);
void record_extension_dependency(Oid st_relid);
// Any object (class id, object id): DROP EXTENSION drops it too.
void record_extension_dependency(Oid classid, Oid objid);

}  // namespace pgt::catalog
