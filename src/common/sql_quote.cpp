// Quoting for generated SQL: see sql_quote.h.
#include "common/sql_quote.h"

namespace pgt {

std::string quote_ident(const std::string& name) {
  std::string out;
  out.reserve(name.size() + 2);
  out += '"';
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string quote_qualified(const std::string& schema, const std::string& name) {
  return quote_ident(schema) + "." + quote_ident(name);
}

std::string quote_literal(const std::string& text) {
  bool has_backslash = text.find('\\') != std::string::npos;
  std::string out;
  out.reserve(text.size() + 3);
  if (has_backslash) out += 'E';
  out += '\'';
  for (char c : text) {
    if (c == '\'' || (c == '\\' && has_backslash)) out += c;
    out += c;
  }
  out += '\'';
  return out;
}

}  // namespace pgt
