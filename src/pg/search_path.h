// Pins search_path to "pg_catalog, pg_temp" for the scope's lifetime, so that
// generated and normalized SQL (which schema-qualifies everything) cannot be
// redirected by objects a user put on their own search_path; and the output
// formats (DateStyle ISO, IntervalStyle postgres, extra_float_digits 3,
// bytea_output hex), so that constants in deparsed SQL and text row
// identities do not depend on the session.
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
