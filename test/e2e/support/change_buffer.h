// Probes of pg_trickle's change capture for one source table: its change
// buffer (found through pgtrickle.pgt_change_tracking, never by guessing the
// name), the rows waiting there, and the capture triggers on the source.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pg_conn.h"

namespace pgt_e2e {

// The buffer relation (as regclass text) of `source` (a possibly qualified
// table name); nullopt when the table is not tracked.
std::optional<std::string> change_buffer_of(PgConn& conn, const std::string& source);

// Rows in the buffer of `source`; throws when the table is not tracked.
long long change_buffer_rows(PgConn& conn, const std::string& source);

// Names of the triggers pgt_cdc_% on `source`, sorted.
std::vector<std::string> capture_triggers(PgConn& conn, const std::string& source);

}  // namespace pgt_e2e
