// Refresh dispatch: see refresh_runner.h.
#include "refresh/refresh_runner.h"

#include "catalog/immediate_timing.h"
#include "refresh/commit_maintenance.h"
#include "refresh/differential_refresh.h"
#include "refresh/full_refresh.h"
#include "refresh/immediate_maintenance.h"

namespace pgt::refresh {

void refresh_now(const catalog::StreamTable& st, const char* initiated_by,
                 const std::string& reason) {
  // The ON COMMIT tables reading it follow in this transaction.
  maintain_readers_after(st.relid, [&] {
    // An ON COMMIT IMMEDIATE table is refreshed from its change buffers.
    if (st.differential() || catalog::maintained_at_commit(st))
      refresh_differential(st, initiated_by, reason);
    else if (st.immediate())
      recompute_immediate(st, initiated_by, reason);
    else
      refresh_full(st, initiated_by, reason);
  });
}

}  // namespace pgt::refresh
