// Who may hold back the stream tables reading a source: gating it, advancing
// its watermark, putting it in a watermark group. Only a role that owns the
// source or may write it (INSERT, UPDATE or DELETE), as only such a role can
// load it; any other role gets 42501 with a HINT.
#pragma once

#include <functional>
#include <string>

#include "pg/pg_headers.h"

namespace pgt::api {

struct WrittenSource {
  Oid relid = InvalidOid;
  std::string schema, name;
  std::string display() const { return schema + "." + name; }
  std::string quoted() const;  // schema.name, each part quoted as needed
};

// `action` completes "permission denied to ... source X" (e.g. "gate");
// `allowed_action` completes "... may <allowed_action>" in the DETAIL;
// `owner_call` gives the HINT's call for the owner, from the source's name as
// a quoted SQL literal.
WrittenSource check_source_writer(Oid relid, const std::string& action, const std::string& allowed_action,
                                  const std::function<std::string(const std::string&)>& owner_call);

// The relation a source argument names, resolved as the caller would (search
// path, quoting): 42602 / 42P01 with a HINT if it names none, 42809 if it is
// not a relation stream tables can read (table, view, materialized view,
// foreign table).
Oid resolve_source(const std::string& text, const std::string& function);

}  // namespace pgt::api
