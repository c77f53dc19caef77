// The catalog an installation of pg_trickle leaves in a database, as text, to
// compare two installations (a fresh CREATE EXTENSION against one reached by
// ALTER EXTENSION ... UPDATE): the extension row and its configuration tables
// (pg_extension_config_dump), its member objects, and for every object in
// schemas pgtrickle and pgtrickle_changes its definition, owner, ACL and
// comment: functions (pg_get_functiondef, identity arguments, result,
// volatility, strictness, parallel safety, SECURITY DEFINER, SET options),
// relations (columns in order with type, default, NOT NULL, collation,
// column ACLs; indexes, views, sequences), constraints, triggers, RLS
// policies, types, event triggers, comments, and the initial privileges
// pg_dump reads (pg_init_privs). No OID appears in the text.
#pragma once

#include <string>
#include <vector>

#include "pg_conn.h"

namespace pgt_e2e {

// One line per object or property: "kind | object | detail", sorted.
std::vector<std::string> extension_catalog(PgConn& conn);

// Lines of `a` missing from `b`, as a readable list (empty if none).
std::string catalog_lines_missing(const std::vector<std::string>& a, const std::vector<std::string>& b);

}  // namespace pgt_e2e
