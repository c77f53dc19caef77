// Small text helpers shared by the SQL generators of src/dvm. Pure C++.
#pragma once

#include <string>
#include <vector>

#include "dvm/delta_sql.h"

namespace pgt::dvm {

std::string join(const std::vector<std::string>& parts, const std::string& sep);

// (ref)::text COLLATE "C": a case-only change under a nondeterministic
// collation is a change. For char(n) (type_sql "character..." or "bpchar"), whose cast
// to text drops trailing blanks, its output function's text: 'c ' and 'c   '
// are equal values of different forms.
std::string text_form(const std::string& ref, const std::string& type_sql = "");

// How a column is compared for "did it change": the value, or its text form.
std::string comparable_expr(const std::string& qualifier, const OutputColumn& c);

// qualifier."name" (or "name" with an empty qualifier) for each column.
std::vector<std::string> column_refs(const std::string& qualifier, const std::vector<OutputColumn>& columns);

}  // namespace pgt::dvm
