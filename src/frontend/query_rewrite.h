// A defining query rewritten into an equivalent one that the delta rules
// maintain (frontend/grouping_sets.h, frontend/target_srfs.h): its text,
// planned in its place, or why it cannot be.
#pragma once

#include <string>

namespace pgt::frontend {

struct QueryRewrite {
  std::string sql;              // the rewritten query (empty when refused)
  std::string refused_because;  // why it is not rewritten

  // From what a guarded rewrite left (C strings in PostgreSQL memory).
  static QueryRewrite from(const char* refused, const char* sql) {
    QueryRewrite r;
    if (refused != nullptr) r.refused_because = refused;
    else if (sql != nullptr) r.sql = sql;
    return r;
  }
};

}  // namespace pgt::frontend
