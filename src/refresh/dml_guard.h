// Stream tables refuse direct INSERT / UPDATE / DELETE / TRUNCATE: a statement
// trigger (pgtrickle._guard_stream_table_dml) raises an error unless the
// extension itself is writing that table, which it declares with ApplyPermit.
#pragma once

#include <string>
#include <vector>

#include "pg/pg_headers.h"

namespace pgt::refresh {

// While alive, writes to `relid` by this backend pass the guard.
class ApplyPermit {
 public:
  explicit ApplyPermit(Oid relid);
  ~ApplyPermit();
  ApplyPermit(const ApplyPermit&) = delete;
  ApplyPermit& operator=(const ApplyPermit&) = delete;

 private:
  Oid relid_;
};

// The statements (one per execution) that install the guard triggers on a
// new stream table.
std::vector<std::string> guard_trigger_sql(const std::string& qualified_table);

// Clears all permits at transaction end (registered from _PG_init).
void register_dml_guard_callbacks();

}  // namespace pgt::refresh
