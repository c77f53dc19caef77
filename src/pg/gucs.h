// pg_trickle.* configuration variables.
#pragma once

namespace pgt::guc {

// pg_trickle.min_schedule_seconds: the shortest duration schedule accepted.
extern int min_schedule_seconds;

void define_gucs();

}  // namespace pgt::guc
