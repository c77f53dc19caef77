// A column a query outputs (the stream table's visible columns): what the
// storage table is created with and what the delta SQL compares. Pure C++.
#pragma once

#include <string>

namespace pgt {

struct OutputColumn {
  std::string name;
  std::string type_sql;       // format_type_with_typemod: "integer", "numeric(10,2)"
  std::string collation_sql;  // "COLLATE \"de_DE\"" when not the type's default, else empty
  // Whether equal values of the type are identical to a query (int, text with
  // a deterministic collation, ...). Others (numeric 1 = 1.0, floats -0 = 0,
  // nondeterministic collations, types without equality) are grouped and
  // compared through their text form too.
  bool comparable = true;
  // Whether the type has an equality usable for grouping (json, point and xml
  // do not): values of such a type are carried through their text form.
  bool has_equality = true;
};

}  // namespace pgt
