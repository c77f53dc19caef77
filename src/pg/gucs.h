// pg_trickle.* configuration variables.
#pragma once

namespace pgt::guc {

// pg_trickle.min_schedule_seconds: the shortest duration schedule accepted.
extern int min_schedule_seconds;

// pg_trickle.differential_max_change_ratio: above this fraction of pending
// changes (relative to the sources' size) a DIFFERENTIAL refresh runs FULL.
extern double differential_max_change_ratio;

void define_gucs();

}  // namespace pgt::guc
