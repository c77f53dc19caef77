// The triggers that maintain an IMMEDIATE stream table inside the writing
// statement (refresh/immediate_maintenance.h): on each table it reads (and
// on every member of that table's partition tree or inheritance hierarchy),
//   pgt_ivm_<pgt_id>_before  BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE
//                            FOR EACH STATEMENT
//   pgt_ivm_<pgt_id>_ins / _upd / _del
//                            AFTER ... FOR EACH STATEMENT with transition tables
//   pgt_ivm_<pgt_id>_trunc   AFTER TRUNCATE FOR EACH STATEMENT
// all calling pgtrickle._immediate_maintenance(stream table oid, table oid),
// enabled ALWAYS (changes applied by logical replication are followed too)
// and owned by the extension.
#pragma once

#include <cstdint>
#include <vector>

#include "pg/pg_headers.h"

namespace pgt::cdc {

// Creates them on `source` and its members, replacing any there already.
void create_immediate_triggers(int64_t pgt_id, Oid st_relid, Oid source);

// Drops them from every table that has them (the sources, their members).
void drop_immediate_triggers(int64_t pgt_id);

// Makes the triggers in the database what the IMMEDIATE stream tables need:
// on members of their sources that lack them (a partition created or
// attached later), and gone from tables that no longer need them (a
// partition detached, a stream table dropped or no longer IMMEDIATE).
// The stream tables whose sources gained or lost a member holding rows
// (rows that arrived or left without a statement on them) are remembered
// for take_tables_to_recompute().
void sync_immediate_triggers();

// DROP TABLE of a member holding rows (before the drop): the IMMEDIATE
// stream tables reading one of its ancestors are remembered likewise.
void note_member_drop(Oid relid);

// The stream tables (oids) remembered since the last call, forgotten.
std::vector<Oid> take_tables_to_recompute();

}  // namespace pgt::cdc
