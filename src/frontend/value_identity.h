// When does "=" mean "the same value"? For numeric 1 = 1.00, for floats
// 0 = -0, for interval '1 day' = '24 hours', for a nondeterministic collation
// 'a' = 'A': equal, yet a query shows them differently. Change capture and
// delta consolidation must not cancel such a change, so they compare those
// types by their text form.
#pragma once

#include "pg/pg_headers.h"

extern "C" {
#include "access/attnum.h"
}

namespace pgt::frontend {

// True when two values of the type (and collation) that compare equal are
// indistinguishable to a query.
bool equality_means_identical(Oid type, Oid collation);

// True when the type has an equality usable for grouping (btree or hash).
bool type_has_equality(Oid type);

// True when the type has a btree ordering (max()/min() work on it).
bool type_has_ordering(Oid type);

// True when the table's column is declared NOT NULL (never holds NULL).
bool column_not_null(Oid relid, AttrNumber attnum);

}  // namespace pgt::frontend
