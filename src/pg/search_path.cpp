// Pinned search_path: see search_path.h.
#include "pg/search_path.h"

#include "pg/boundary.h"

extern "C" {
#include "utils/guc.h"
}

namespace pgt::pg {

PinnedSearchPath::PinnedSearchPath() {
  int level = -1;
  guard([&] {
    level = NewGUCNestLevel();
    // Output formats too (as pg_dump pins them): generated SQL and row
    // identities are text, and must read the same in every session.
    static const char* const settings[][2] = {{"search_path", "pg_catalog, pg_temp"},
                                              {"DateStyle", "ISO, MDY"},
                                              {"IntervalStyle", "postgres"},
                                              {"extra_float_digits", "3"},
                                              {"bytea_output", "hex"},
                                              // Delta statements are large but read few rows:
                                              // JIT would compile for seconds to save microseconds.
                                              {"jit", "off"}};
    // A setting that already has its value is left alone (setting it parses
    // and checks the value, and search_path's recomputes the path): the new
    // nest level still undoes whatever changes it until the destructor.
    for (const auto& setting : settings) {
      const char* current = GetConfigOption(setting[0], false, false);
      if (current != NULL && strcmp(current, setting[1]) == 0) continue;
      set_config_option(setting[0], setting[1], PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
                        false);
    }
  });
  nest_level_ = level;
}

PinnedSearchPath::~PinnedSearchPath() {
  // Popping a GUC level only restores saved values; if it failed anyway, the
  // transaction's abort restores every level.
  try {
    int level = nest_level_;
    guard([level] { AtEOXact_GUC(true, level); });
  } catch (...) {
  }
}

}  // namespace pgt::pg
