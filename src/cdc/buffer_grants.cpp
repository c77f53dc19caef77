// Buffer privileges: see buffer_grants.h.
#include "cdc/buffer_grants.h"

#include <string>
#include <vector>

#include "catalog/immediate_timing.h"
#include "common/scoped_flag.h"
#include "common/sql_quote.h"
#include "pg/boundary.h"
#include "pg/spi.h"
#include "pg/user_context.h"

namespace pgt::cdc {

namespace {

// Per (buffer, role) that must change: the buffer (regclass text), the role's
// name, whether the role holds a privilege it must lose (then everything is
// revoked first), and the columns it must be granted.
constexpr const char* kGrantChanges = R"sql(
WITH tracked AS (
  SELECT t.source_relid, t.buffer_relid FROM pgtrickle.pgt_change_tracking t
   WHERE ($1::oid = 0 OR t.source_relid = $1::oid)
     AND EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = t.buffer_relid)),
readers AS (
  SELECT DISTINCT t.source_relid, t.buffer_relid, c.relowner AS role
    FROM tracked t
    JOIN pgtrickle.pgt_dependencies d ON d.source_relid = t.source_relid
    JOIN pgtrickle.pgt_stream_tables st ON st.pgt_id = d.pgt_id AND @READS_BUFFERS@
    JOIN pg_catalog.pg_class c ON c.oid = st.pgt_relid),
desired AS (
  SELECT r.buffer_relid, r.role, a.attname::text AS col
    FROM readers r JOIN pg_catalog.pg_attribute a ON a.attrelid = r.buffer_relid AND NOT a.attisdropped
   WHERE a.attname IN ('xid', 'cmin', '__pgt_w')
      OR (a.attname ~ '^c[0-9]+$'
          AND pg_catalog.has_column_privilege(r.role, r.source_relid, pg_catalog.substr(a.attname, 2)::int2, 'SELECT'))),
actual AS (
  SELECT a.attrelid AS buffer_relid, x.grantee AS role, a.attname::text AS col
    FROM tracked t JOIN pg_catalog.pg_attribute a ON a.attrelid = t.buffer_relid,
         LATERAL pg_catalog.aclexplode(a.attacl) x
  UNION ALL
  SELECT c.oid, x.grantee, NULL
    FROM tracked t JOIN pg_catalog.pg_class c ON c.oid = t.buffer_relid,
         LATERAL pg_catalog.aclexplode(c.relacl) x
   WHERE x.grantee <> c.relowner),
changes AS (
  SELECT COALESCE(d.buffer_relid, a.buffer_relid) AS buffer_relid, COALESCE(d.role, a.role) AS role,
         pg_catalog.bool_or(d.col IS NULL) AS revoke,
         pg_catalog.array_agg(d.col ORDER BY d.col) FILTER (WHERE d.col IS NOT NULL) AS cols,
         pg_catalog.bool_or(a.role IS NULL) AS missing
    FROM desired d FULL JOIN (SELECT DISTINCT * FROM actual) a
      ON a.buffer_relid = d.buffer_relid AND a.role = d.role AND a.col = d.col
   GROUP BY 1, 2)
SELECT c.buffer_relid::pg_catalog.regclass::text, r.rolname::text, c.revoke, c.cols
  FROM changes c JOIN pg_catalog.pg_roles r ON r.oid = c.role
 WHERE c.revoke OR c.missing
)sql";

std::vector<std::string> parse_name_array(const std::string& text) {
  // {a,b,c}: buffer column names are plain (xid, cmin, __pgt_w, c<n>).
  std::vector<std::string> out;
  std::string current;
  for (size_t i = 1; i + 1 < text.size(); i++) {
    if (text[i] == ',') {
      out.push_back(current);
      current.clear();
    } else {
      current += text[i];
    }
  }
  if (!current.empty()) out.push_back(current);
  return out;
}

}  // namespace

void sync_buffer_grants(Oid source) {
  // Its own GRANTs and REVOKEs fire the DDL event trigger, which asks again.
  static bool running = false;
  if (running) return;
  ScopedFlag mark(running);
  pg::AsRole as_owner(pg::catalog_owner(), false);
  // (The readers: DIFFERENTIAL and ON COMMIT IMMEDIATE stream tables.)
  std::string grant_changes = kGrantChanges;
  grant_changes.replace(grant_changes.find("@READS_BUFFERS@"), 15, catalog::reads_change_buffers_sql("st"));
  auto changes = pg::spi::run(grant_changes, {std::to_string(source)});
  for (const auto& row : changes.rows) {
    const std::string& buffer = *row[0];
    std::string role = quote_ident(*row[1]);
    if (*row[2] == "t") pg::spi::exec("REVOKE ALL ON " + buffer + " FROM " + role);
    if (!row[3]) continue;
    std::string cols;
    for (const std::string& c : parse_name_array(*row[3])) cols += (cols.empty() ? "" : ", ") + quote_ident(c);
    pg::spi::exec("GRANT SELECT (" + cols + ") ON " + buffer + " TO " + role);
  }
}

}  // namespace pgt::cdc

PGT_SQL_FUNCTION(pgt_sync_buffer_grants) {
  pgt::pg::spi::Connection spi;
  pgt::cdc::sync_buffer_grants(PG_ARGISNULL(0) ? InvalidOid : PG_GETARG_OID(0));
  PG_RETURN_VOID();
}
