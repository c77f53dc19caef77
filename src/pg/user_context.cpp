// Role switching: see user_context.h.
#include "pg/user_context.h"

#include "common/user_error.h"
#include "pg/boundary.h"

extern "C" {
#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
}

namespace pgt::pg {

AsRole::AsRole(Oid role, bool restricted) {
  GetUserIdAndSecContext(&saved_role_, &saved_sec_context_);
  int context = saved_sec_context_ | SECURITY_LOCAL_USERID_CHANGE;
  if (restricted) context |= SECURITY_RESTRICTED_OPERATION;
  SetUserIdAndSecContext(role, context);
}

AsRole::~AsRole() { SetUserIdAndSecContext(saved_role_, saved_sec_context_); }

Oid relation_owner(Oid relid) {
  Oid owner = InvalidOid;
  guard([&] {
    HeapTuple tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
    if (!HeapTupleIsValid(tup)) return;
    owner = reinterpret_cast<Form_pg_class>(GETSTRUCT(tup))->relowner;
    ReleaseSysCache(tup);
  });
  return owner;
}

Oid catalog_owner() {
  Oid relid = InvalidOid;
  guard([&] { relid = get_relname_relid("pgt_stream_tables", get_namespace_oid("pgtrickle", false)); });
  Oid owner = relation_owner(relid);
  if (!OidIsValid(owner)) throw Error(sqlstate::kInternalError, "pg_trickle catalog table is missing");
  return owner;
}

Oid current_role() { return GetUserId(); }

std::string role_name(Oid role) {
  const char* name = nullptr;
  guard([&] { name = GetUserNameFromId(role, true); });
  return name != nullptr ? name : "?";
}

}  // namespace pgt::pg
