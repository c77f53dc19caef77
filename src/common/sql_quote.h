// Quoting for generated SQL. Every identifier and literal the extension splices
// into SQL text goes through these functions. Pure C++.
#pragma once

#include <string>

namespace pgt {

// "name" with embedded quotes doubled. Always quotes: generated SQL never
// depends on whether a name happens to be a keyword or lower case.
std::string quote_ident(const std::string& name);

// "schema"."name"
std::string quote_qualified(const std::string& schema, const std::string& name);

// 'text' with quotes doubled; E'...' with backslashes doubled when the text has
// a backslash, so the result means the same under any standard_conforming_strings.
std::string quote_literal(const std::string& text);

}  // namespace pgt
