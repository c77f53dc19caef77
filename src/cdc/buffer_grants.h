// Who may read a change buffer: exactly the owners of the DIFFERENTIAL stream
// tables that read its source (their refreshes read it), and of the buffer's
// columns only those whose source column the owner may SELECT (a buffer is
// shared by every reader of a source: one reader must not see another's
// columns through it), plus its bookkeeping columns (xid, cmin, __pgt_w).
// Derived from the catalog and the sources' privileges, and made so after
// every change to either: creating, altering and dropping stream tables, a
// stream table changing owner, GRANT and REVOKE.
#pragma once

#include "pg/pg_headers.h"

namespace pgt::cdc {

// Brings the grants on the buffers of `source` (InvalidOid: of every
// captured source) in line with the rule above, issuing only the GRANTs and
// REVOKEs that change something.
void sync_buffer_grants(Oid source);

}  // namespace pgt::cdc
