// The owner's privileges on what the maintenance reads: see source_privileges.h.
#include "refresh/source_privileges.h"

#include "common/sql_quote.h"
#include "common/user_error.h"
#include "pg/boundary.h"
#include "pg/privileges.h"
#include "pg/user_context.h"

extern "C" {
#include "utils/lsyscache.h"
}

namespace pgt::refresh {

void check_owner_can_read_sources(const catalog::StreamTable& st, Oid owner, const std::vector<Oid>& sources,
                                  const std::vector<std::vector<std::string>>& read_columns) {
  for (size_t i = 0; i < sources.size(); i++) {
    auto denied = pg::first_unreadable_column(owner, sources[i], read_columns[i]);
    if (!denied) continue;
    const char* schema = nullptr;
    const char* name = nullptr;
    pg::guard([&] {
      name = get_rel_name(sources[i]);
      if (name) schema = get_namespace_name(get_rel_namespace(sources[i]));
    });
    std::string table = name && schema ? std::string(schema) + "." + name : "?";
    throw Error(sqlstate::kInsufficientPrivilege, "permission denied for table " + table,
                "Stream table \"" + st.display_name() + "\" is maintained with the privileges of its owner, role \"" +
                    pg::role_name(owner) + "\", who may not read column " + quote_ident(*denied) + " of it.",
                "Grant that role SELECT on the table again, or drop the stream table.");
  }
}

}  // namespace pgt::refresh
