#include "edge_test_db.h"

#include "pg_conn.h"
#include "test_names.h"

namespace pgt_e2e {

void EdgeTestDb::SetUp() {
  TestDb::SetUp();
  schema_ = name_for_test(prefix_);
  conn().exec("DROP SCHEMA IF EXISTS " + quote_ident(schema_) + " CASCADE");
  conn().exec("CREATE SCHEMA " + quote_ident(schema_));
  conn().exec("SET search_path = " + quote_ident(schema_) + ", public");
  conn().exec("SET pg_trickle.differential_max_change_ratio = 1000");
}

std::string EdgeTestDb::text_of(const std::string& sql) {
  std::string out;
  for (const Row& r : conn().query(sql)) {
    if (!out.empty()) out += ";";
    for (std::size_t i = 0; i < r.size(); ++i) out += (i ? "," : "") + r[i].value_or("NULL");
  }
  return out;
}

}  // namespace pgt_e2e
