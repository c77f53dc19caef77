// Text helpers for generated SQL: see sql_text.h.
#include "dvm/sql_text.h"

#include "common/sql_quote.h"

namespace pgt::dvm {

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); i++) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

std::string text_form(const std::string& ref, const std::string& type_sql) {
  bool padded = type_sql == "bpchar" ||
                (type_sql.rfind("character", 0) == 0 && type_sql.rfind("character varying", 0) != 0);
  if (padded)
    return "pg_catalog.textin(pg_catalog.bpcharout(" + ref + ")) COLLATE \"C\"";
  return "(" + ref + ")::pg_catalog.text COLLATE \"C\"";
}

std::string comparable_expr(const std::string& qualifier, const OutputColumn& c) {
  std::string ref = qualifier.empty() ? quote_ident(c.name) : qualifier + "." + quote_ident(c.name);
  return c.comparable ? ref : text_form(ref, c.type_sql);
}

std::vector<std::string> column_refs(const std::string& qualifier, const std::vector<OutputColumn>& columns) {
  std::vector<std::string> out;
  for (const auto& c : columns)
    out.push_back(qualifier.empty() ? quote_ident(c.name) : qualifier + "." + quote_ident(c.name));
  return out;
}

}  // namespace pgt::dvm
