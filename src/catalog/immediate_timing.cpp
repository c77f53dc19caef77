// IMMEDIATE timing in the catalog: see immediate_timing.h.
#include "catalog/immediate_timing.h"

#include "common/text_case.h"
#include "common/user_error.h"
#include "pg/boundary.h"
#include "pg/spi.h"
#include "pg/user_context.h"

extern "C" {
#include "catalog/namespace.h"
#include "utils/lsyscache.h"
}

namespace pgt::catalog {

ImmediateTiming parse_immediate_timing(const std::string& text) {
  std::string t = trimmed_lower(text);
  if (t == "statement") return ImmediateTiming::Statement;
  if (t == "commit") return ImmediateTiming::Commit;
  throw Error(sqlstate::kInvalidParameterValue, "invalid immediate_timing \"" + text + "\"", "",
              "Valid values are 'statement' (maintained after every statement) and 'commit' (once, when the "
              "writing transaction commits).");
}

const char* immediate_timing_name(ImmediateTiming timing) {
  return timing == ImmediateTiming::Commit ? "commit" : "statement";
}

ImmediateTiming immediate_timing(const StreamTable& st) {
  if (!st.immediate()) return ImmediateTiming::Statement;
  // As the catalog owner: the writer whose commit maintains the table may
  // not see its catalog row (row-level security).
  pg::AsRole as_owner(pg::catalog_owner(), false);
  auto timing = pg::spi::scalar_kept("SELECT immediate_timing FROM pgtrickle.pgt_stream_tables WHERE pgt_id = $1::bigint",
                                {std::to_string(st.pgt_id)});
  return timing == std::optional<std::string>("commit") ? ImmediateTiming::Commit : ImmediateTiming::Statement;
}

void set_immediate_timing(int64_t pgt_id, ImmediateTiming timing) {
  pg::AsRole as_owner(pg::catalog_owner(), false);
  pg::spi::exec("UPDATE pgtrickle.pgt_stream_tables SET immediate_timing = $2 WHERE pgt_id = $1::bigint",
                {std::to_string(pgt_id), immediate_timing_name(timing)});
}

bool has_immediate_timing_column() {
  bool present = false;
  pg::guard([&] {
    Oid ns = get_namespace_oid("pgtrickle", true);
    Oid rel = OidIsValid(ns) ? get_relname_relid("pgt_stream_tables", ns) : InvalidOid;
    present = OidIsValid(rel) && get_attnum(rel, "immediate_timing") != InvalidAttrNumber;
  });
  return present;
}

std::string reads_change_buffers_sql(const std::string& alias) {
  std::string differential = alias + ".effective_refresh_mode OPERATOR(pg_catalog.=) 'DIFFERENTIAL'";
  if (!has_immediate_timing_column()) return differential;
  return "(" + differential + " OR " + alias + ".immediate_timing OPERATOR(pg_catalog.=) 'commit')";
}

}  // namespace pgt::catalog
