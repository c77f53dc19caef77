// Privilege checks in C, for work that runs as one role on behalf of another
// (a refresh reads with its stream table owner's privileges).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pg/pg_headers.h"

namespace pgt::pg {

// The first of `columns` of `relid` that `role` may not SELECT (nullopt: it
// may read them all, or the whole table). A column that no longer exists
// counts as denied.
std::optional<std::string> first_unreadable_column(Oid role, Oid relid, const std::vector<std::string>& columns);

}  // namespace pgt::pg
