// Privilege checks: see privileges.h.
#include "pg/privileges.h"

#include "pg/boundary.h"

extern "C" {
#include "utils/acl.h"
#include "utils/lsyscache.h"
}

namespace pgt::pg {

std::optional<std::string> first_unreadable_column(Oid role, Oid relid, const std::vector<std::string>& columns) {
  bool whole_table = false;
  guard([&] { whole_table = pg_class_aclcheck(relid, role, ACL_SELECT) == ACLCHECK_OK; });
  if (whole_table) return std::nullopt;
  for (const std::string& column : columns) {
    bool readable = false;
    const char* name = column.c_str();
    guard([&] {
      AttrNumber attnum = get_attnum(relid, name);
      readable = attnum != InvalidAttrNumber && pg_attribute_aclcheck(relid, attnum, role, ACL_SELECT) == ACLCHECK_OK;
    });
    if (!readable) return column;
  }
  return std::nullopt;
}

}  // namespace pgt::pg
