// Splits a grouping query (GROUP BY / aggregates / SELECT DISTINCT at its top
// level) into its select-project-join input I and the grouping on top, and
// chooses how the groups are maintained (see dvm/grouped_sql.h).
#pragma once

#include <string>
#include <vector>

#include "dvm/grouped_sql.h"
#include "pg/pg_headers.h"

extern "C" {
#include "nodes/parsenodes.h"
}

namespace pgt::frontend {

struct GroupedDerivation {
  // Empty when the grouping can be maintained (its input still has to be
  // select-project-join); otherwise the construct that prevents it.
  std::string not_differentiable_because;
  dvm::GroupedShape shape;
  std::string input_sql;  // I, deparsed (fully qualified)
  // The indexes the shape's MIN / MAX probes rely on (shape.extremum_probes).
  std::vector<Oid> probe_indexes;
  bool bounded_keys = true;  // every grouping key has a fixed-width type
};

// A copy of q without its grouping (GROUP BY, HAVING, aggregates, DISTINCT,
// ORDER BY) and with the given target list: the rows the grouping reads.
// Palloc'd; call inside guard().
Query* grouping_input(Query* q, List* targets);

// The text a grouping key's identity is built from (*out), or, when equal
// values of the type can look different in ways no text form undoes, the
// type's name.
const char* key_text_of(Oid type, Oid collation, dvm::KeyText* out);

// Whether the query groups at its top level.
bool is_grouping_query(Query* q);

// q: the analyzed and rewritten defining query. Call with search_path pinned.
GroupedDerivation derive_grouping(Query* q);

}  // namespace pgt::frontend
