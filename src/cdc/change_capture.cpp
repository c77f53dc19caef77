// Trigger-based change capture: see change_capture.h.
#include "cdc/change_capture.h"

#include <algorithm>

#include "catalog/object_dependencies.h"
#include "common/sql_quote.h"
#include "common/user_error.h"
#include "pg/spi.h"
#include "pg/user_context.h"

extern "C" {
#include "access/xact.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_trigger.h"
#include "storage/lmgr.h"
#include "utils/typcache.h"
}

namespace pgt::cdc {

namespace {

constexpr const char* kTriggerNames[] = {"pgt_cdc_ins", "pgt_cdc_upd", "pgt_cdc_del",
                                         "pgt_cdc_trunc"};

struct SourceColumn {
  std::string name;
  std::string type_sql;
  Oid type = InvalidOid;
};

std::string capture_function_name(Oid relid) {
  return quote_qualified("pgtrickle_changes", "capture_" + std::to_string(relid));
}

std::vector<SourceColumn> source_columns(Oid relid) {
  auto result = pg::spi::run(
      "SELECT attname, pg_catalog.format_type(atttypid, atttypmod), atttypid::int8 "
      "FROM pg_catalog.pg_attribute WHERE attrelid = $1::oid AND attnum > 0 AND NOT attisdropped "
      "ORDER BY attnum",
      {std::to_string(relid)});
  std::vector<SourceColumn> out;
  for (const auto& r : result.rows)
    out.push_back({*r[0], *r[1], static_cast<Oid>(std::stoul(*r[2]))});
  return out;
}

std::vector<std::string> parse_text_array(const std::string& text) {
  // {a,"b c"} as produced by text[] output.
  std::vector<std::string> out;
  std::string current;
  bool quoted = false, in_item = false;
  for (size_t i = 1; i + 1 < text.size(); i++) {
    char c = text[i];
    if (quoted) {
      if (c == '\\' && i + 2 < text.size()) {
        current += text[++i];
      } else if (c == '"') {
        quoted = false;
      } else {
        current += c;
      }
    } else if (c == '"') {
      quoted = in_item = true;
    } else if (c == ',') {
      out.push_back(current);
      current.clear();
      in_item = false;
    } else {
      current += c;
      in_item = true;
    }
  }
  if (in_item || !current.empty()) out.push_back(current);
  return out;
}

std::string text_array(const std::vector<std::string>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); i++) {
    if (i) out += ",";
    out += "\"";
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += "\"";
  }
  return out + "}";
}

bool type_is_comparable(Oid type) {
  bool comparable = false;
  pg::guard([&] {
    TypeCacheEntry* tc = lookup_type_cache(type, TYPECACHE_EQ_OPR | TYPECACHE_LT_OPR | TYPECACHE_HASH_PROC);
    comparable = OidIsValid(tc->eq_opr) && (OidIsValid(tc->lt_opr) || OidIsValid(tc->hash_proc));
  });
  return comparable;
}

// The PL/pgSQL body of the capture trigger function for the given columns.
std::string capture_function_sql(Oid relid, const std::vector<SourceColumn>& columns) {
  std::string buffer = frontend::change_buffer_name(relid);
  std::string cols;
  bool comparable = true;
  for (size_t i = 0; i < columns.size(); i++) {
    if (i) cols += ", ";
    cols += quote_ident(columns[i].name);
    if (!type_is_comparable(columns[i].type)) comparable = false;
  }
  std::string insert = "INSERT INTO " + buffer + " (__pgt_w, " + cols + ") ";
  // An UPDATE records only rows whose captured columns changed: the multiset
  // difference old - new (as -1) and new - old (as +1). Without equality on
  // some column type every old and new row is recorded (still exact).
  std::string update =
      comparable ? insert + "SELECT -1, " + cols + " FROM (SELECT " + cols +
                       " FROM __pgt_old EXCEPT ALL SELECT " + cols + " FROM __pgt_new) o " +
                       "UNION ALL SELECT 1, " + cols + " FROM (SELECT " + cols +
                       " FROM __pgt_new EXCEPT ALL SELECT " + cols + " FROM __pgt_old) n"
                 : insert + "SELECT -1, " + cols + " FROM __pgt_old UNION ALL SELECT 1, " + cols +
                       " FROM __pgt_new";
  return "CREATE OR REPLACE FUNCTION " + capture_function_name(relid) +
         "() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER "
         "SET search_path = pg_catalog, pg_temp AS $pgt$\n"
         "BEGIN\n"
         "  IF TG_OP = 'INSERT' THEN\n    " + insert + "SELECT 1, " + cols + " FROM __pgt_new;\n"
         "  ELSIF TG_OP = 'UPDATE' THEN\n    " + update + ";\n"
         "  ELSIF TG_OP = 'DELETE' THEN\n    " + insert + "SELECT -1, " + cols + " FROM __pgt_old;\n"
         "  ELSE\n    INSERT INTO " + buffer + " (__pgt_w) VALUES (0);\n"
         "  END IF;\n"
         "  RETURN NULL;\n"
         "END\n$pgt$";
}

Oid oid_of(const std::string& sql, const pg::spi::Params& params) {
  auto v = pg::spi::scalar(sql, params);
  return v ? static_cast<Oid>(std::stoul(*v)) : InvalidOid;
}

void create_triggers(Oid relid, const std::string& source) {
  std::string fn = capture_function_name(relid);
  pg::spi::exec("CREATE TRIGGER pgt_cdc_ins AFTER INSERT ON " + source +
                " REFERENCING NEW TABLE AS __pgt_new FOR EACH STATEMENT EXECUTE FUNCTION " + fn + "()");
  pg::spi::exec("CREATE TRIGGER pgt_cdc_upd AFTER UPDATE ON " + source +
                " REFERENCING OLD TABLE AS __pgt_old NEW TABLE AS __pgt_new "
                "FOR EACH STATEMENT EXECUTE FUNCTION " + fn + "()");
  pg::spi::exec("CREATE TRIGGER pgt_cdc_del AFTER DELETE ON " + source +
                " REFERENCING OLD TABLE AS __pgt_old FOR EACH STATEMENT EXECUTE FUNCTION " + fn + "()");
  pg::spi::exec("CREATE TRIGGER pgt_cdc_trunc AFTER TRUNCATE ON " + source +
                " FOR EACH STATEMENT EXECUTE FUNCTION " + fn + "()");
  for (const char* name : kTriggerNames) {
    // ALWAYS: changes must be captured also when applied with
    // session_replication_role = replica (logical replication into a source).
    pg::spi::exec("ALTER TABLE " + source + " ENABLE ALWAYS TRIGGER " + name);
    Oid trigger = oid_of("SELECT oid::int8 FROM pg_catalog.pg_trigger WHERE tgrelid = $1::oid AND tgname = $2",
                         {std::to_string(relid), std::string(name)});
    catalog::record_extension_dependency(TriggerRelationId, trigger);
  }
}

}  // namespace

void ensure_capture(const frontend::ScannedTable& table, Oid reader) {
  pg::AsRole as_owner(pg::catalog_owner(), false);
  std::string relid = std::to_string(table.relid);
  std::string source = quote_qualified(table.schema, table.name);
  std::string buffer = frontend::change_buffer_name(table.relid);

  auto existing = pg::spi::scalar(
      "SELECT captured_columns::text FROM pgtrickle.pgt_change_tracking WHERE source_relid = $1::oid",
      {relid});
  std::vector<std::string> captured = existing ? parse_text_array(*existing) : std::vector<std::string>{};
  std::vector<std::string> wanted = captured;
  for (const auto* list : {&table.key_columns, &table.used_columns})
    for (const auto& c : *list)
      if (std::find(wanted.begin(), wanted.end(), c) == wanted.end()) wanted.push_back(c);

  std::vector<SourceColumn> all = source_columns(table.relid);
  std::vector<SourceColumn> columns;
  for (const auto& name : wanted) {
    auto it = std::find_if(all.begin(), all.end(), [&](const SourceColumn& c) { return c.name == name; });
    if (it != all.end()) columns.push_back(*it);
  }

  bool changed = !existing || wanted.size() != captured.size();
  if (!existing) {
    std::string sql = "CREATE TABLE " + buffer +
                      " (xid pg_catalog.xid8 NOT NULL DEFAULT pg_catalog.pg_current_xact_id(), "
                      "__pgt_w pg_catalog.int2 NOT NULL";
    for (const auto& c : columns) sql += ", " + quote_ident(c.name) + " " + c.type_sql;
    pg::spi::exec(sql + ")");
    pg::spi::exec("REVOKE ALL ON " + buffer + " FROM PUBLIC");
    catalog::record_extension_dependency(oid_of("SELECT $1::regclass::oid::int8", {buffer}));
  } else {
    for (const auto& c : columns)
      if (std::find(captured.begin(), captured.end(), c.name) == captured.end())
        pg::spi::exec("ALTER TABLE " + buffer + " ADD COLUMN " + quote_ident(c.name) + " " + c.type_sql);
  }
  if (changed) {
    pg::spi::exec(capture_function_sql(table.relid, columns));
    if (!existing) {
      catalog::record_extension_dependency(
          ProcedureRelationId,
          oid_of("SELECT $1::regprocedure::oid::int8", {capture_function_name(table.relid) + "()"}));
      create_triggers(table.relid, source);
    }
    std::vector<std::string> names;
    for (const auto& c : columns) names.push_back(c.name);
    pg::spi::exec(
        "INSERT INTO pgtrickle.pgt_change_tracking (source_relid, source_schema, source_name, "
        "buffer_relid, captured_columns, key_columns) VALUES ($1::oid, $2, $3, $4::regclass, "
        "$5::text[], $6::text[]) ON CONFLICT (source_relid) DO UPDATE SET "
        "captured_columns = EXCLUDED.captured_columns, key_columns = EXCLUDED.key_columns",
        {relid, table.schema, table.name, buffer, text_array(names), text_array(table.key_columns)});
  }
  pg::spi::exec("GRANT SELECT ON " + buffer + " TO " + quote_ident(pg::role_name(reader)));
}

void drop_unused_capture() {
  // The DROPs below fire the sql_drop event trigger, which calls this again.
  static bool running = false;
  if (running) return;
  struct Running {
    Running() { running = true; }
    ~Running() { running = false; }
  } mark;
  pg::AsRole as_owner(pg::catalog_owner(), false);
  auto unused = pg::spi::run(
      "SELECT t.source_relid::int8, c.oid IS NOT NULL, "
      "pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) "
      "FROM pgtrickle.pgt_change_tracking t "
      "LEFT JOIN pg_catalog.pg_class c ON c.oid = t.source_relid "
      "LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "WHERE NOT EXISTS (SELECT 1 FROM pgtrickle.pgt_dependencies d "
      "JOIN pgtrickle.pgt_stream_tables st USING (pgt_id) "
      "WHERE d.source_relid = t.source_relid AND st.effective_refresh_mode = 'DIFFERENTIAL')");
  for (const auto& row : unused.rows) {
    Oid relid = static_cast<Oid>(std::stoul(*row[0]));
    if (*row[1] == "t")
      for (const char* name : kTriggerNames)
        pg::spi::exec(std::string("DROP TRIGGER IF EXISTS ") + name + " ON " + *row[2]);
    pg::spi::exec("DROP FUNCTION IF EXISTS " + capture_function_name(relid) + "()");
    pg::spi::exec("DROP TABLE IF EXISTS " + frontend::change_buffer_name(relid));
    pg::spi::exec("DELETE FROM pgtrickle.pgt_change_tracking WHERE source_relid = $1::oid",
                  {std::to_string(relid)});
  }
}

void clean_consumed_changes(Oid relid) {
  pg::AsRole as_owner(pg::catalog_owner(), false);
  std::string buffer = frontend::change_buffer_name(relid);
  // Every reader's frontier makes visible all transactions below its xmin;
  // their rows are consumed by all (rows of aborted ones are dead anyway).
  auto horizon = pg::spi::scalar(
      "SELECT pg_catalog.min(pg_catalog.pg_snapshot_xmin(st.frontier))::text "
      "FROM pgtrickle.pgt_dependencies d JOIN pgtrickle.pgt_stream_tables st USING (pgt_id) "
      "WHERE d.source_relid = $1::oid AND st.effective_refresh_mode = 'DIFFERENTIAL' "
      "HAVING pg_catalog.bool_and(st.frontier IS NOT NULL)",
      {std::to_string(relid)});
  if (!horizon) return;
  bool remaining = pg::spi::scalar("SELECT 1 FROM " + buffer + " WHERE xid >= $1::pg_catalog.xid8 LIMIT 1",
                                   {*horizon})
                       .has_value();
  bool truncated = false;
  if (!remaining && !IsolationUsesXactSnapshot()) {
    // TRUNCATE needs the buffer to itself: never wait for writers for it.
    bool locked = false;
    pg::guard([&] { locked = ConditionalLockRelationOid(static_cast<Oid>(std::stoul(*pg::spi::scalar(
                                                             "SELECT $1::regclass::oid::text", {buffer}))),
                                                         AccessExclusiveLock); });
    // Re-check with a fresh snapshot: a writer may have committed since ours.
    if (locked && !pg::spi::scalar("SELECT 1 FROM " + buffer + " WHERE xid >= $1::pg_catalog.xid8 LIMIT 1",
                                   {*horizon})) {
      pg::spi::exec("TRUNCATE " + buffer);
      truncated = true;
    }
  }
  if (!truncated) pg::spi::exec("DELETE FROM " + buffer + " WHERE xid < $1::pg_catalog.xid8", {*horizon});
}

}  // namespace pgt::cdc

PGT_SQL_FUNCTION(pgt_drop_unused_change_capture) {
  pgt::pg::spi::Connection spi;
  pgt::cdc::drop_unused_capture();
  PG_RETURN_VOID();
}
