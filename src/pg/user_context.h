// Running a piece of work as another role, restored on scope exit (also when a
// C++ exception unwinds; on a PostgreSQL abort the transaction machinery
// restores it).
#pragma once

#include "pg/pg_headers.h"

namespace pgt::pg {

class AsRole {
 public:
  // restricted: add SECURITY_RESTRICTED_OPERATION, as REFRESH MATERIALIZED VIEW
  // does while running a view's query as its owner.
  AsRole(Oid role, bool restricted);
  ~AsRole();
  AsRole(const AsRole&) = delete;
  AsRole& operator=(const AsRole&) = delete;

 private:
  Oid saved_role_;
  int saved_sec_context_;
};

// The role that owns a relation (InvalidOid when there is no such relation).
Oid relation_owner(Oid relid);

// The role that owns the extension's catalog (who ran CREATE EXTENSION).
Oid catalog_owner();

// Current effective role (GetUserId()).
Oid current_role();

// Role name for messages.
std::string role_name(Oid role);

}  // namespace pgt::pg
