// Reading rows of the extension's own tables through their indexes, in C.
//
// For the reads every refresh makes: a query is analyzed and planned again
// whenever the statistics of a table it reads changed (each VACUUM or ANALYZE
// that visits the catalog tables after they were written), which costs more
// than the read itself.
#pragma once

#include "pg/spi.h"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_index.h"
#include "utils/rel.h"
#include "utils/snapshot.h"
#include "utils/syscache.h"
}

namespace pgt::pg {

// The first valid index of `rel` for whose pg_index row `fits(row, form)`
// holds (InvalidOid if none). Plain PostgreSQL calls: for use under guard().
template <typename Fits>
Oid first_index(Relation rel, Fits fits) {
  List* indexes = RelationGetIndexList(rel);
  Oid found = InvalidOid;
  ListCell* lc;
  foreach (lc, indexes) {
    HeapTuple row = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(lfirst_oid(lc)));
    if (!HeapTupleIsValid(row)) continue;
    auto* form = reinterpret_cast<Form_pg_index>(GETSTRUCT(row));
    bool chosen = form->indisvalid && fits(row, form);
    ReleaseSysCache(row);
    if (chosen) {
      found = lfirst_oid(lc);
      break;
    }
  }
  list_free(indexes);
  return found;
}

// An index of `rel` whose first column is `attnum` (InvalidOid if none).
// For use under guard().
Oid index_leading_with(Relation rel, AttrNumber attnum);

// Pushes the snapshot a statement would run with now (after a
// CommandCounterIncrement: it sees this transaction's earlier writes) and
// returns it; pop with PopActiveSnapshot(). For use under guard().
Snapshot push_statement_snapshot();

// pgtrickle.<table>'s oid (under guard()).
Oid extension_table(const char* table);

// The row of `rel` visible to `snapshot` whose column `attnum` (an oid or a
// bigint column) equals `key`, read through an index leading with that
// column when there is one: a copy in the current memory context, or NULL.
// For use under guard().
HeapTuple fetch_row_by_key(Relation rel, AttrNumber attnum, Datum key, Snapshot snapshot);

// The row of pgtrickle.<table> whose `key_column` (an oid column) equals
// `key`, as the text of `columns` (a NULL column, or an empty name, gives
// nullopt); nullopt when there is no such row. The text is the column
// type's output, as `column::text` gives it.
std::optional<spi::Row> extension_row_by_oid(const char* table, const char* key_column, Oid key,
                                             const std::vector<std::string>& columns);

// The same row, locked as SELECT ... FOR UPDATE locks it: waits for a
// transaction that is changing or locking it; under READ COMMITTED then reads
// its newest version (nullopt if that transaction deleted it), under
// REPEATABLE READ or SERIALIZABLE fails with a serialization error when a
// transaction the snapshot does not see changed it.
// Here the key is a bigint column.
std::optional<spi::Row> lock_extension_row_by_id(const char* table, const char* key_column, int64_t key,
                                                 const std::vector<std::string>& columns);

}  // namespace pgt::pg
