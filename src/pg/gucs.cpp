// pg_trickle.* configuration variables: see gucs.h.
#include "pg/gucs.h"

#include "pg/pg_headers.h"

extern "C" {
#include "utils/guc.h"
}

namespace pgt::guc {

int min_schedule_seconds = 1;
double differential_max_change_ratio = 0.15;

void define_gucs() {
  DefineCustomIntVariable(
      "pg_trickle.min_schedule_seconds",
      "Shortest refresh schedule (in seconds) a stream table may be given.",
      "Duration and cron schedules that would refresh more often are refused at "
      "create_stream_table / alter_stream_table time.",
      &min_schedule_seconds, 1, 1, 86400 * 7, PGC_SUSET, GUC_UNIT_S, nullptr, nullptr, nullptr);
  DefineCustomRealVariable(
      "pg_trickle.differential_max_change_ratio",
      "Fraction of pending changes (relative to the size of the sources) above which a "
      "DIFFERENTIAL refresh recomputes the stream table in FULL instead.",
      "Recomputing is cheaper than applying a delta that touches most of the table. "
      "The history records which was done and why.",
      &differential_max_change_ratio, 0.15, 0.0, 1000.0, PGC_USERSET, 0, nullptr, nullptr,
      nullptr);
  MarkGUCPrefixReserved("pg_trickle");
}

}  // namespace pgt::guc
