// What a backend tells the schedulers when its transaction commits (never
// before: a scheduler woken earlier would find nothing committed, and miss the
// changes when they do commit).
#pragma once

#include "pg/pg_headers.h"

namespace pgt::scheduler {

// From _PG_init: registers the transaction callback.
void register_commit_signals();

// The current transaction captured changes of this source table.
void note_captured_changes(Oid source_relid);

// The current transaction created the extension in this database.
void note_extension_created();

// The current transaction changed the settings of a database.
void note_database_settings_changed(Oid dboid);

}  // namespace pgt::scheduler
