// Pins search_path to "pg_catalog, pg_temp" for the scope's lifetime, so that
// generated and normalized SQL (which schema-qualifies everything) cannot be
// redirected by objects a user put on their own search_path.
#pragma once

#include "pg/pg_headers.h"

namespace pgt::pg {

class PinnedSearchPath {
 public:
  PinnedSearchPath();
  ~PinnedSearchPath();
  PinnedSearchPath(const PinnedSearchPath&) = delete;
  PinnedSearchPath& operator=(const PinnedSearchPath&) = delete;

 private:
  int nest_level_ = -1;
};

}  // namespace pgt::pg
