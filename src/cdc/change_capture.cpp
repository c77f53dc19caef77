// Trigger-based change capture: see change_capture.h.
#include "cdc/change_capture.h"

#include <algorithm>
#include <iterator>

#include "catalog/consumed_horizon.h"
#include "catalog/immediate_timing.h"
#include "cdc/buffer_grants.h"
#include "cdc/capture_triggers.h"
#include "cdc/immediate_triggers.h"
#include "catalog/object_dependencies.h"
#include "common/scoped_flag.h"
#include "common/sql_quote.h"
#include "common/user_error.h"
#include "dvm/delta_sql.h"
#include "frontend/value_identity.h"
#include "pg/gucs.h"
#include "pg/index_lookup.h"
#include "pg/spi.h"
#include "pg/user_context.h"

extern "C" {
#include "access/htup_details.h"
#include "utils/xid8.h"
#include "utils/snapmgr.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/genam.h"
#include "access/relation.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_trigger.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/typcache.h"
}

namespace pgt::cdc {

namespace {

void insert_sentinel(const std::string& buffer) {
  pg::spi::exec("INSERT INTO " + buffer + " (xid, __pgt_w) VALUES ('" + dvm::kBufferSentinelXid +
                "'::pg_catalog.xid8, 0)");
}

struct SourceColumn {
  int attnum = 0;
  std::string name;
  std::string type_sql;
  Oid type = InvalidOid;
  Oid collation = InvalidOid;
};

// Buffer columns are named by the source column's attribute number, so that
// renaming a source column only changes the capture function.
std::string buffer_column(int attnum) { return quote_ident("c" + std::to_string(attnum)); }

// The columns of a source, each with the type its buffer column gets: the
// column's type, or for a domain its base type (a buffer stores plain
// values: a domain's constraints, which may call functions its owner wrote,
// are never evaluated by capture, which runs as the extension owner).
std::vector<SourceColumn> source_columns(Oid relid) {
  auto result = pg::spi::run(
      "WITH RECURSIVE base(attnum, typ, typmod) AS ("
      " SELECT a.attnum, a.atttypid, a.atttypmod FROM pg_catalog.pg_attribute a"
      " WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped"
      " UNION ALL SELECT b.attnum, d.typbasetype, d.typtypmod FROM base b"
      " JOIN pg_catalog.pg_type d ON d.oid = b.typ AND d.typtype = 'd') "
      "SELECT a.attnum, a.attname, pg_catalog.format_type(b.typ, b.typmod) || "
      "CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN ' COLLATE ' || "
      "pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(c.collname) ELSE '' END, "
      "a.atttypid::int8, a.attcollation::int8 FROM pg_catalog.pg_attribute a "
      "JOIN base b ON b.attnum = a.attnum "
      "JOIN pg_catalog.pg_type t ON t.oid = b.typ AND t.typtype <> 'd' "
      "LEFT JOIN pg_catalog.pg_collation c ON c.oid = a.attcollation "
      "LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = c.collnamespace "
      "WHERE a.attrelid = $1::oid ORDER BY a.attnum",
      {std::to_string(relid)});
  std::vector<SourceColumn> out;
  for (const auto& r : result.rows)
    out.push_back({std::stoi(*r[0]), *r[1], *r[2], static_cast<Oid>(std::stoul(*r[3])),
                   static_cast<Oid>(std::stoul(*r[4]))});
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


// CREATE FUNCTION of a source's capture trigger function with this PL/pgSQL
// body. The body holds the source's column names: it is one string literal
// (quote_literal), which no name can end, never a dollar-quoted text (a
// column named "$x$; ALTER ROLE ..." would close one, and what follows would
// run as the extension owner).
std::string capture_function_definition(Oid relid, const std::string& body) {
  return "CREATE OR REPLACE FUNCTION " + capture_function_name(relid) +
         "() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER "
         "SET search_path = pg_catalog, pg_temp AS " + quote_literal(body);
}

// The PL/pgSQL body of the capture trigger function for the given columns.
// A captured column whose source column was dropped has an empty name and is
// recorded as NULL.
std::string capture_function_sql(Oid relid, const std::vector<SourceColumn>& columns) {
  std::string buffer = dvm::change_buffer_name(relid);
  std::string cols, targets, images;
  bool comparable = true;
  for (size_t i = 0; i < columns.size(); i++) {
    const SourceColumn& c = columns[i];
    if (i) {
      cols += ", ";
      targets += ", ";
    }
    cols += c.name.empty() ? "NULL::" + c.type_sql : quote_ident(c.name);
    targets += buffer_column(c.attnum);
    if (c.name.empty()) continue;
    if (!frontend::type_has_equality(c.type))
      comparable = false;
    else if (!frontend::equality_means_identical(c.type, c.collation))
      images += std::string(images.empty() ? "" : ", ") + quote_ident(c.name);
  }
  if (columns.empty()) {
    // The query reads no column of this table (SELECT 1 FROM t): only row
    // counts matter, and an UPDATE changes none.
    std::string insert = "INSERT INTO " + buffer + " (__pgt_w) ";
    return capture_function_definition(relid,
           "BEGIN\n"
           "  IF TG_OP = 'INSERT' THEN\n    " + insert + "SELECT 1 FROM __pgt_new;\n"
           "  ELSIF TG_OP = 'DELETE' THEN\n    " + insert + "SELECT -1 FROM __pgt_old;\n"
           "  ELSIF TG_OP = 'TRUNCATE' THEN\n    " + insert + "VALUES (0);\n"
           "  END IF;\n"
           "  PERFORM pgtrickle._signal_scheduler(" + std::to_string(relid) + "::pg_catalog.oid);\n"  // wakes the scheduler at commit
           "  RETURN NULL;\n"
           "END\n");
  }
  std::string insert = "INSERT INTO " + buffer + " (__pgt_w, " + targets + ") ";
  // An UPDATE records only rows whose captured columns changed: the multiset
  // difference old - new (as -1) and new - old (as +1). Columns whose equal
  // values can still differ (numeric 1 and 1.0) also compare by text image.
  // Without equality on some column type every old and new row is recorded
  // (still exact).
  // One pass: old rows count -1, new rows +1, grouped by their values (and
  // the text image of columns whose equal values can differ); what does not
  // cancel is the change, with its net multiplicity.
  std::string labelled, grouped;
  for (size_t i = 0; i < columns.size(); i++) {
    std::string alias = "__pgt_c" + std::to_string(i);
    const SourceColumn& c = columns[i];
    labelled += ", " + (c.name.empty() ? "NULL::" + c.type_sql : quote_ident(c.name)) + " AS " + alias;
    grouped += std::string(i ? ", " : "") + alias;
  }
  if (!images.empty()) labelled += ", ROW(" + images + ")::pg_catalog.text AS __pgt_img";
  std::string group_by = images.empty() ? grouped : grouped + ", __pgt_img";
  std::string update =
      comparable ? insert + "SELECT pg_catalog.sum(__pgt_s)::pg_catalog.int4, " + grouped +
                       " FROM (SELECT 1 AS __pgt_s" + labelled + " FROM __pgt_new UNION ALL SELECT -1" +
                       labelled + " FROM __pgt_old) d GROUP BY " + group_by +
                       " HAVING pg_catalog.sum(__pgt_s) <> 0"
                 : insert + "SELECT -1, " + cols + " FROM __pgt_old UNION ALL SELECT 1, " + cols +
                       " FROM __pgt_new";
  return capture_function_definition(relid,
         // A source column may be named like a trigger variable (old, new,
         // found, tg_op, ...): in the statements it is the column.
         "#variable_conflict use_column\n"
         "BEGIN\n"
         "  IF TG_OP = 'INSERT' THEN\n    " + insert + "SELECT 1, " + cols + " FROM __pgt_new;\n"
         "  ELSIF TG_OP = 'UPDATE' THEN\n    " + update + ";\n"
         "  ELSIF TG_OP = 'DELETE' THEN\n    " + insert + "SELECT -1, " + cols + " FROM __pgt_old;\n"
         "  ELSE\n    INSERT INTO " + buffer + " (__pgt_w) VALUES (0);\n"
         "  END IF;\n"
         "  PERFORM pgtrickle._signal_scheduler(" + std::to_string(relid) + "::pg_catalog.oid);\n"  // wakes the scheduler at commit
         "  RETURN NULL;\n"
         "END\n");
}

// The PL/pgSQL body of a row-level capture trigger function (a source that
// is a member of a hierarchy: see capture_triggers.h): one buffer row per
// inserted or deleted row, two per updated row whose captured columns
// changed (their values, or their text where equal values can differ).
std::string row_capture_function_sql(Oid relid, const std::vector<SourceColumn>& columns) {
  std::string buffer = dvm::change_buffer_name(relid);
  std::string targets = "__pgt_w", old_values = "-1", new_values = "1", changed;
  for (const SourceColumn& c : columns) {
    targets += ", " + buffer_column(c.attnum);
    std::string col = c.name.empty() ? "" : quote_ident(c.name);
    old_values += ", " + (col.empty() ? "NULL::" + c.type_sql : "OLD." + col);
    new_values += ", " + (col.empty() ? "NULL::" + c.type_sql : "NEW." + col);
    if (col.empty()) continue;
    std::string by_value = "OLD." + col + " IS DISTINCT FROM NEW." + col;
    std::string by_text = "OLD." + col + "::pg_catalog.text IS DISTINCT FROM NEW." + col + "::pg_catalog.text";
    std::string test = !frontend::type_has_equality(c.type) ? by_text
                       : frontend::equality_means_identical(c.type, c.collation) ? by_value
                                                                                  : "(" + by_value + " OR " + by_text + ")";
    changed += (changed.empty() ? "" : " OR ") + test;
  }
  std::string insert = "INSERT INTO " + buffer + " (" + targets + ") VALUES ";
  return capture_function_definition(relid,
         "BEGIN\n"
         "  IF TG_OP = 'INSERT' THEN\n    " + insert + "(" + new_values + ");\n"
         "  ELSIF TG_OP = 'DELETE' THEN\n    " + insert + "(" + old_values + ");\n"
         "  ELSIF TG_OP = 'UPDATE' THEN\n" +
         (changed.empty() ? "    NULL;\n"
                          : "    IF " + changed + " THEN\n      " + insert + "(" + old_values + "), (" + new_values +
                                ");\n    END IF;\n") +
         "  ELSE\n    INSERT INTO " + buffer + " (__pgt_w) VALUES (0);\n"
         "  END IF;\n"
         "  PERFORM pgtrickle._signal_scheduler(" + std::to_string(relid) + "::pg_catalog.oid);\n"
         "  RETURN NULL;\n"
         "END\n");
}

Oid oid_of(const std::string& sql, const pg::spi::Params& params) {
  auto v = pg::spi::scalar(sql, params);
  return v ? static_cast<Oid>(std::stoul(*v)) : InvalidOid;
}

bool source_is_unlogged(Oid relid) {
  char persistence = 0;
  pg::guard([&] { persistence = get_rel_persistence(relid); });
  return persistence == RELPERSISTENCE_UNLOGGED;
}

}  // namespace

namespace {

std::vector<Oid> parse_oid_array(const std::optional<std::string>& text) {
  std::vector<Oid> out;
  if (text)
    for (const auto& item : parse_text_array(*text)) out.push_back(static_cast<Oid>(std::stoul(item)));
  return out;
}

// The members whose capture triggers write into root's buffer, as recorded.
std::vector<Oid> recorded_members(Oid root) {
  return parse_oid_array(pg::spi::scalar(
      "SELECT member_relids::text FROM pgtrickle.pgt_change_tracking WHERE source_relid = $1::oid",
      {std::to_string(root)}));
}

void record_members(Oid root, const std::vector<Oid>& members) {
  std::vector<std::string> items;
  for (Oid m : members) items.push_back(std::to_string(m));
  pg::spi::exec("UPDATE pgtrickle.pgt_change_tracking SET member_relids = $2::oid[] WHERE source_relid = $1::oid",
                {std::to_string(root), text_array(items)});
}

// Whether root is captured row by row (see capture_triggers.h).
bool recorded_row_level(Oid root) {
  return pg::spi::scalar("SELECT row_level::text FROM pgtrickle.pgt_change_tracking WHERE source_relid = $1::oid",
                         {std::to_string(root)}) == std::optional<std::string>("true");
}

void record_row_level(Oid root, bool row_level) {
  pg::spi::exec("UPDATE pgtrickle.pgt_change_tracking SET row_level = $2::boolean WHERE source_relid = $1::oid",
                {std::to_string(root), row_level ? "true" : "false"});
}

bool relation_exists(Oid relid) {
  return pg::spi::scalar("SELECT 1 FROM pg_catalog.pg_class WHERE oid = $1::oid", {std::to_string(relid)})
      .has_value();
}

bool contains(const std::vector<Oid>& list, Oid relid) {
  return std::find(list.begin(), list.end(), relid) != list.end();
}

}  // namespace

void check_capture_triggers(Oid relid) {
  bool row_level = recorded_row_level(relid);
  bool intact = capture_triggers_intact(relid, relid, row_level);
  for (Oid member : recorded_members(relid))
    if (intact && relation_exists(member)) intact = capture_triggers_intact(relid, member, row_level);
  if (intact) return;
  // Read again now: another session that stopped capturing the table
  // (its last stream table dropped or altered) may have committed since
  // the caller listed it; its triggers are gone with good reason.
  if (!pg::spi::scalar("SELECT 1 FROM pgtrickle.pgt_change_tracking WHERE source_relid = $1::oid",
                       {std::to_string(relid)}))
    return;
  auto state = pg::spi::run(
      "SELECT (SELECT pg_catalog.string_agg(DISTINCT pg_catalog.format('%I.%I', st.pgt_schema, st.pgt_name), ', ') "
      "FROM pgtrickle.pgt_dependencies d JOIN pgtrickle.pgt_stream_tables st USING (pgt_id) "
      "WHERE d.source_relid = $1::oid AND " + catalog::reads_change_buffers_sql("st") + "), "
      "$1::oid::pg_catalog.regclass::text",
      {std::to_string(relid)});
  const pg::spi::Row& row = state.rows.at(0);
  throw Error(sqlstate::kDependentObjectsStillExist,
              "the change capture of table " + row[1].value_or("?") + " cannot be dropped or disabled",
              "Stream tables maintained from its changes: " + row[0].value_or("none") +
                  ". Their refreshes would miss every change made meanwhile (the capture triggers are on the "
                  "table and on each of its partitions or inheritance children).",
              "Drop those stream tables or alter them to refresh_mode => 'FULL' first; "
              "pg_trickle removes its triggers itself when no stream table needs them.");
}

namespace {

std::vector<int> captured_attnums(Oid relid, bool* tracked) {
  auto existing = pg::spi::scalar(
      "SELECT captured_attnums::text FROM pgtrickle.pgt_change_tracking WHERE source_relid = $1::oid",
      {std::to_string(relid)});
  *tracked = existing.has_value();
  std::vector<int> out;
  if (existing)
    for (const auto& a : parse_text_array(*existing)) out.push_back(std::stoi(a));
  return out;
}

// The captured columns as the source has them now (dropped ones: empty name).
std::vector<SourceColumn> current_capture(Oid relid, const std::vector<int>& attnums,
                                          const std::vector<SourceColumn>& source) {
  auto types = pg::spi::run(
      "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a "
      "WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
      {dvm::change_buffer_name(relid)});
  std::vector<SourceColumn> out;
  for (int attnum : attnums) {
    auto it = std::find_if(source.begin(), source.end(),
                           [&](const SourceColumn& c) { return c.attnum == attnum; });
    if (it != source.end()) {
      out.push_back(*it);
      continue;
    }
    SourceColumn dropped{attnum, "", "pg_catalog.text", InvalidOid, InvalidOid};
    for (const auto& row : types.rows)
      if (*row[0] == "c" + std::to_string(attnum)) dropped.type_sql = *row[1];
    out.push_back(dropped);
  }
  return out;
}

void record_tracking(const std::string& relid, const std::string& schema, const std::string& name,
                     const std::string& buffer, const std::vector<SourceColumn>& columns,
                     const std::vector<std::string>& keys) {
  std::vector<std::string> names, attnums;
  for (const auto& c : columns) {
    names.push_back(c.name);
    attnums.push_back(std::to_string(c.attnum));
  }
  pg::spi::exec(
      "INSERT INTO pgtrickle.pgt_change_tracking (source_relid, source_schema, source_name, "
      "buffer_relid, captured_columns, captured_attnums, key_columns) VALUES ($1::oid, $2, $3, "
      "$4::regclass, $5::text[], $6::int2[], $7::text[]) ON CONFLICT (source_relid) DO UPDATE SET "
      "source_schema = EXCLUDED.source_schema, source_name = EXCLUDED.source_name, "
      "captured_columns = EXCLUDED.captured_columns, captured_attnums = EXCLUDED.captured_attnums, "
      "key_columns = EXCLUDED.key_columns",
      {relid, schema, name, buffer, text_array(names), text_array(attnums), text_array(keys)});
}

}  // namespace

namespace {
// CREATE OR REPLACE FUNCTION drops the function's dependencies, the one on the
// extension included: record it again each time.
void install_capture_function(Oid relid, const std::vector<SourceColumn>& columns, bool row_level) {
  pg::spi::exec(row_level ? row_capture_function_sql(relid, columns) : capture_function_sql(relid, columns));
  Oid fn = oid_of("SELECT $1::regprocedure::oid::int8", {capture_function_name(relid) + "()"});
  bool linked = pg::spi::scalar(
                    "SELECT 1 FROM pg_catalog.pg_depend WHERE classid = 'pg_catalog.pg_proc'::regclass "
                    "AND objid = $1::oid AND refclassid = 'pg_catalog.pg_extension'::regclass",
                    {std::to_string(fn)})
                    .has_value();
  if (!linked) catalog::record_extension_dependency(ProcedureRelationId, fn);
}
}  // namespace

namespace {

// One member's own rows (ONLY: not its members') into root's buffer with
// weight w: rows that joined (+1) or left (-1) root's hierarchy.
void emit_member_rows(Oid root, Oid member, const std::vector<SourceColumn>& columns, int weight) {
  std::string targets = "__pgt_w", values = std::to_string(weight);
  for (const SourceColumn& c : columns) {
    targets += ", " + buffer_column(c.attnum);
    values += ", " + (c.name.empty() ? "NULL::" + c.type_sql : quote_ident(c.name));
  }
  pg::spi::exec("INSERT INTO " + dvm::change_buffer_name(root) + " (" + targets + ") SELECT " + values +
                " FROM ONLY " + qualified_table_name(member));
}

// Follows root's hierarchy: a partition or child that joined (created,
// attached, INHERIT) gets the capture triggers and, with emit_rows, its rows
// enter the buffer as inserts; one that left (detached, NO INHERIT) loses
// them and its rows leave as deletes; one that was dropped took its rows
// with it unseen: a TRUNCATE marker makes the readers' next refresh FULL.
void sync_members(Oid root, const std::vector<SourceColumn>& columns, bool emit_rows, bool row_level) {
  std::vector<Oid> recorded = recorded_members(root);
  std::vector<Oid> now = hierarchy_members(root);
  if (recorded == now) return;
  OwnCaptureDdl own_ddl;
  for (Oid member : now) {
    if (contains(recorded, member)) continue;
    auto kind = pg::spi::scalar("SELECT relkind::text FROM pg_catalog.pg_class WHERE oid = $1::oid",
                                {std::to_string(member)});
    if (kind == std::optional<std::string>("f"))
      throw Error(sqlstate::kFeatureNotSupported,
                  "a foreign table cannot join the hierarchy of " + qualified_table_name(root) +
                      ", whose changes are captured",
                  "Changes to a foreign table cannot be captured by triggers.",
                  "Alter the stream tables reading " + qualified_table_name(root) +
                      " to refresh_mode => 'FULL' first.");
    create_capture_triggers(root, member, row_level);
    if (emit_rows) emit_member_rows(root, member, columns, 1);
  }
  for (Oid member : recorded) {
    if (contains(now, member)) continue;
    if (relation_exists(member)) {
      drop_capture_triggers(root, member);
      if (emit_rows) emit_member_rows(root, member, columns, -1);
    } else if (emit_rows) {
      pg::spi::exec("INSERT INTO " + dvm::change_buffer_name(root) + " (__pgt_w) VALUES (0)");
    }
  }
  record_members(root, now);
}

}  // namespace

void ensure_capture(const dvm::SourceTable& table) {
  pg::AsRole as_owner(pg::catalog_owner(), false);
  std::string relid = std::to_string(table.relid);
  std::string source = quote_qualified(table.schema, table.name);
  std::string buffer = dvm::change_buffer_name(table.relid);

  bool tracked = false;
  std::vector<int> attnums = captured_attnums(table.relid, &tracked);
  size_t before = attnums.size();
  std::vector<SourceColumn> all = source_columns(table.relid);
  for (const auto* list : {&table.key_columns, &table.used_columns})
    for (const auto& name : *list) {
      auto it = std::find_if(all.begin(), all.end(), [&](const SourceColumn& c) { return c.name == name; });
      if (it != all.end() && std::find(attnums.begin(), attnums.end(), it->attnum) == attnums.end())
        attnums.push_back(it->attnum);
    }

  if (!tracked) {
    // Unlogged: no WAL for capture and cleanup; a crash empties the buffer,
    // which the missing sentinel tells (see recover_reset_buffers). The
    // buffer of an unlogged source is always unlogged: a crash empties the
    // source too, and only an emptied buffer makes its readers follow.
    bool unlogged = guc::unlogged_change_buffers || source_is_unlogged(table.relid);
    pg::spi::exec(std::string(unlogged ? "CREATE UNLOGGED TABLE " : "CREATE TABLE ") + buffer +
                  " (xid pg_catalog.xid8 NOT NULL DEFAULT pg_catalog.pg_current_xact_id(), "
                  "__pgt_w pg_catalog.int4 NOT NULL)");
    insert_sentinel(buffer);
    // TRUNCATE markers are rare: a refresh looks for one through this index
    // instead of reading every change (the sentinel is in it too).
    pg::spi::exec("CREATE INDEX ON " + buffer + " (xid) WHERE __pgt_w = 0");
    pg::spi::exec("REVOKE ALL ON " + buffer + " FROM PUBLIC");
    catalog::record_extension_dependency(oid_of("SELECT $1::regclass::oid::int8", {buffer}));
  }
  for (size_t i = before; i < attnums.size(); i++) {
    auto it = std::find_if(all.begin(), all.end(), [&](const SourceColumn& c) { return c.attnum == attnums[i]; });
    pg::spi::exec("ALTER TABLE " + buffer + " ADD COLUMN " + buffer_column(it->attnum) + " " + it->type_sql);
  }
  if (!tracked || attnums.size() != before) {
    std::vector<SourceColumn> columns = current_capture(table.relid, attnums, all);
    // A partition or inheritance child is captured row by row.
    bool row_level = tracked ? recorded_row_level(table.relid) : hierarchy_member(table.relid);
    install_capture_function(table.relid, columns, row_level);
    if (!tracked) {
      OwnCaptureDdl own_ddl;
      create_capture_triggers(table.relid, table.relid, row_level);
    }
    record_tracking(relid, table.schema, table.name, buffer, columns, table.key_columns);
    if (!tracked) {
      record_row_level(table.relid, row_level);
      // Its partitions / children: capture from now on (their rows are in
      // the stream table's first, FULL refresh).
      sync_members(table.relid, columns, false, row_level);
    }
  }
  sync_buffer_grants(table.relid);
}

bool hierarchy_captured(Oid root) {
  bool children = false, member = false;
  pg::guard([&] {
    children = has_subclass(root);
    member = get_rel_relispartition(root) || has_superclass(root);
  });
  if (!children && !member) return true;
  pg::AsRole as_owner(pg::catalog_owner(), false);
  if (member && !recorded_row_level(root)) return false;
  std::vector<Oid> recorded = recorded_members(root);
  for (Oid member : hierarchy_members(root))
    if (!contains(recorded, member)) return false;
  return true;
}

namespace {

// A captured table that became a partition or inheritance child: statements
// on its new ancestors would change its rows without firing its statement
// triggers. It is captured row by row from now on (its members too).
void switch_to_row_level(Oid relid, const std::vector<SourceColumn>& columns) {
  OwnCaptureDdl own_ddl;
  for (Oid member : recorded_members(relid))
    if (relation_exists(member)) drop_capture_triggers(relid, member);
  drop_capture_triggers(relid, relid);
  install_capture_function(relid, columns, true);
  create_capture_triggers(relid, relid, true);
  std::vector<Oid> members = hierarchy_members(relid);
  for (Oid member : members) create_capture_triggers(relid, member, true);
  record_members(relid, members);
  record_row_level(relid, true);
}

void sync_captured_table(Oid relid) {
  bool tracked = false;
  std::vector<int> attnums = captured_attnums(relid, &tracked);
  if (!tracked) return;
  auto names = pg::spi::run(
      "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c "
      "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1::oid",
      {std::to_string(relid)});
  if (names.rows.empty()) return;
  std::string buffer = dvm::change_buffer_name(relid);
  std::vector<SourceColumn> all = source_columns(relid);
  std::vector<SourceColumn> columns = current_capture(relid, attnums, all);
  // A captured column whose type changed: the buffer column follows, and its
  // pending values are void, so the next refresh of every reader is FULL.
  auto buffer_types = pg::spi::run(
      "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) || "
      "CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN ' COLLATE ' || "
      "pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(c.collname) ELSE '' END "
      "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
      "LEFT JOIN pg_catalog.pg_collation c ON c.oid = a.attcollation "
      "LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = c.collnamespace "
      "WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped",
      {buffer});
  bool retyped = false;
  for (const auto& c : columns) {
    if (c.name.empty()) continue;
    for (const auto& row : buffer_types.rows)
      if (*row[0] == "c" + std::to_string(c.attnum) && *row[1] != c.type_sql) {
        pg::spi::exec("ALTER TABLE " + buffer + " ALTER COLUMN " + buffer_column(c.attnum) + " TYPE " +
                      c.type_sql + " USING NULL");
        retyped = true;
      }
  }
  // A primary key added, dropped or changed changes every row's identity:
  // capture the new key columns and make the next refreshes FULL.
  auto old_keys = pg::spi::scalar(
      "SELECT key_columns::text FROM pgtrickle.pgt_change_tracking WHERE source_relid = $1::oid",
      {std::to_string(relid)});
  auto key_rows = pg::spi::run(
      "SELECT a.attname, a.attnum FROM pg_catalog.pg_index i JOIN pg_catalog.pg_attribute a "
      "ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) "
      "WHERE i.indrelid = $1::oid AND i.indisprimary ORDER BY a.attnum",
      {std::to_string(relid)});
  std::vector<std::string> keys;
  for (const auto& row : key_rows.rows) {
    keys.push_back(*row[0]);
    int attnum = std::stoi(*row[1]);
    if (std::find(attnums.begin(), attnums.end(), attnum) == attnums.end()) {
      auto it = std::find_if(all.begin(), all.end(), [&](const SourceColumn& c) { return c.attnum == attnum; });
      pg::spi::exec("ALTER TABLE " + buffer + " ADD COLUMN " + buffer_column(attnum) + " " + it->type_sql);
      attnums.push_back(attnum);
      columns.push_back(*it);
    }
  }
  bool rekeyed = keys != (old_keys ? parse_text_array(*old_keys) : std::vector<std::string>{});
  if (retyped || rekeyed) pg::spi::exec("INSERT INTO " + buffer + " (__pgt_w) VALUES (0)");
  // ALTER TABLE ... SET UNLOGGED of a source: its buffer must be emptied by
  // a crash with it (see ensure_capture).
  if (source_is_unlogged(relid) && !source_is_unlogged(change_buffer_oid(relid)))
    pg::spi::exec("ALTER TABLE " + buffer + " SET UNLOGGED");
  bool row_level = recorded_row_level(relid);
  if (!row_level && hierarchy_member(relid)) {
    switch_to_row_level(relid, columns);
    row_level = true;
  }
  install_capture_function(relid, columns, row_level);
  record_tracking(std::to_string(relid), *names.rows[0][0], *names.rows[0][1], buffer, columns, keys);
  sync_members(relid, columns, true, row_level);
  check_capture_triggers(relid);
  // The readers' delta SQL is derived from the table as it is now: make
  // every session rebuild its plans.
  pg::spi::exec(
      "UPDATE pgtrickle.pgt_stream_tables SET updated_at = pg_catalog.clock_timestamp() "
      "WHERE pgt_id IN (SELECT pgt_id FROM pgtrickle.pgt_dependencies WHERE source_relid = $1::oid)",
      {std::to_string(relid)});
}

}  // namespace

void sync_capture_with_source(Oid relid) {
  pg::AsRole as_owner(pg::catalog_owner(), false);
  // The captured tables this relation is, or is (or was, until this DDL) a
  // partition, child, ancestor of: each follows.
  std::vector<std::string> related{std::to_string(relid)};
  for (Oid a : hierarchy_ancestors(relid)) related.push_back(std::to_string(a));
  for (Oid m : hierarchy_members(relid)) related.push_back(std::to_string(m));
  auto roots = pg::spi::run(
      "SELECT source_relid::int8 FROM pgtrickle.pgt_change_tracking "
      "WHERE source_relid = ANY ($1::oid[]) OR $2::oid = ANY (member_relids) ORDER BY 1",
      {text_array(related), std::to_string(relid)});
  for (const auto& row : roots.rows) sync_captured_table(static_cast<Oid>(std::stoul(*row[0])));
}

void capture_rows_leaving_by_drop(Oid relid) {
  pg::AsRole as_owner(pg::catalog_owner(), false);
  std::vector<Oid> dropped{relid};
  for (Oid m : hierarchy_members(relid)) dropped.push_back(m);
  std::vector<std::string> items;
  for (Oid d : dropped) items.push_back(std::to_string(d));
  auto roots = pg::spi::run(
      "SELECT source_relid::int8 FROM pgtrickle.pgt_change_tracking WHERE member_relids && $1::oid[] ORDER BY 1",
      {text_array(items)});
  for (const auto& row : roots.rows) {
    Oid root = static_cast<Oid>(std::stoul(*row[0]));
    bool tracked = false;
    std::vector<int> attnums = captured_attnums(root, &tracked);
    std::vector<SourceColumn> columns = current_capture(root, attnums, source_columns(root));
    std::vector<Oid> recorded = recorded_members(root), kept;
    for (Oid member : recorded) {
      if (!contains(dropped, member)) {
        kept.push_back(member);
        continue;
      }
      emit_member_rows(root, member, columns, -1);
    }
    // No longer members: the sql_drop event trigger finds nothing unseen.
    record_members(root, kept);
  }
}

void drop_unused_capture() {
  // The DROPs below fire the sql_drop event trigger, which calls this again.
  static bool running = false;
  if (running) return;
  ScopedFlag mark(running);
  pg::AsRole as_owner(pg::catalog_owner(), false);
  auto unused = pg::spi::run(
      "SELECT t.source_relid::int8, c.oid IS NOT NULL, "
      "pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) "
      "FROM pgtrickle.pgt_change_tracking t "
      "LEFT JOIN pg_catalog.pg_class c ON c.oid = t.source_relid "
      "LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "WHERE NOT EXISTS (SELECT 1 FROM pgtrickle.pgt_dependencies d "
      "JOIN pgtrickle.pgt_stream_tables st USING (pgt_id) "
      "WHERE d.source_relid = t.source_relid AND " + catalog::reads_change_buffers_sql("st") + ")");
  for (const auto& row : unused.rows) {
    Oid relid = static_cast<Oid>(std::stoul(*row[0]));
    for (Oid member : recorded_members(relid))
      if (relation_exists(member)) drop_capture_triggers(relid, member);
    if (*row[1] == "t") drop_capture_triggers(relid, relid);
    pg::spi::exec("DROP FUNCTION IF EXISTS " + capture_function_name(relid) + "()");
    pg::spi::exec("DROP TABLE IF EXISTS " + dvm::change_buffer_name(relid));
    pg::spi::exec("DELETE FROM pgtrickle.pgt_change_tracking WHERE source_relid = $1::oid",
                  {std::to_string(relid)});
  }
  // A DROP TRIGGER of a capture trigger on a source still in use ends here.
  auto in_use = pg::spi::run(
      "SELECT t.source_relid::int8 FROM pgtrickle.pgt_change_tracking t "
      "WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = t.source_relid)");
  for (const auto& row : in_use.rows) check_capture_triggers(static_cast<Oid>(std::stoul(*row[0])));
  sync_buffer_grants(InvalidOid);
  sync_immediate_triggers();
}

Oid change_buffer_oid(Oid relid) {
  Oid buffer = InvalidOid;
  const std::string name = "changes_" + std::to_string(relid);  // (no C++ temporaries under guard)
  pg::guard([&] { buffer = get_relname_relid(name.c_str(), get_namespace_oid("pgtrickle_changes", false)); });
  return buffer;
}

namespace {

// The size of `buffer` in blocks.
int64_t relation_blocks(Oid buffer) {
  int64_t blocks = 0;
  pg::guard([&] {
    Relation rel = relation_open(buffer, AccessShareLock);
    blocks = RelationGetNumberOfBlocks(rel);
    relation_close(rel, AccessShareLock);
  });
  return blocks;
}

}  // namespace

int64_t change_buffer_blocks(Oid relid) {
  Oid buffer = change_buffer_oid(relid);
  return OidIsValid(buffer) ? relation_blocks(buffer) : 0;
}

int64_t change_buffer_row_bound(Oid relid) {
  // xid (xid8) and __pgt_w (int4) are NOT NULL in every row; the data starts
  // MAXALIGNed after the header, and each row has its line pointer.
  constexpr int64_t smallest_row =
      MAXALIGN(MAXALIGN(SizeofHeapTupleHeader) + sizeof(int64) + sizeof(int32)) + sizeof(ItemIdData);
  constexpr int64_t rows_per_block = (BLCKSZ - SizeOfPageHeaderData) / smallest_row;
  static_assert(rows_per_block <= MaxHeapTuplesPerPage, "a block holds at most MaxHeapTuplesPerPage rows");
  return change_buffer_blocks(relid) * rows_per_block;
}

namespace {

// One pass over `buffer` in C (no statement to plan after each ANALYZE of
// the buffer), as a statement starting now would see it (a fresh snapshot
// under READ COMMITTED): with `remove`, deletes the rows (the sentinel aside)
// of transactions below `horizon` (rows another transaction deleted first
// are skipped, as DELETE skips them); without, stops at the first row of a
// transaction at or above it. Returns whether there is such a row.
bool scan_buffer(Oid buffer, uint64 horizon, bool remove) {
  uint64 sentinel = std::stoull(dvm::kBufferSentinelXid);
  bool newer = false;
  pg::guard([&] {
    Relation rel = table_open(buffer, remove ? RowExclusiveLock : AccessShareLock);
    AttrNumber xid_att = get_attnum(buffer, "xid");
    Snapshot snapshot = pg::push_statement_snapshot();
    CommandId cid = remove ? GetCurrentCommandId(true) : InvalidCommandId;
    SysScanDesc scan = systable_beginscan(rel, InvalidOid, false, snapshot, 0, nullptr);
    HeapTuple tup;
    while (HeapTupleIsValid(tup = systable_getnext(scan))) {
      bool isnull;
      uint64 xid = U64FromFullTransactionId(
          DatumGetFullTransactionId(heap_getattr(tup, xid_att, RelationGetDescr(rel), &isnull)));
      if (xid == sentinel) continue;
      if (xid >= horizon) {
        newer = true;
        if (!remove) break;
        continue;
      }
      if (!remove) continue;
      TM_FailureData failure;
      TM_Result result = table_tuple_delete(rel, &tup->t_self, cid, snapshot, InvalidSnapshot, true, &failure, false);
      if (result != TM_Ok && result != TM_SelfModified && result != TM_Updated && result != TM_Deleted)
        elog(ERROR, "pg_trickle: unexpected result %d deleting a consumed change", static_cast<int>(result));
    }
    systable_endscan(scan);
    PopActiveSnapshot();
    table_close(rel, NoLock);
    if (remove) CommandCounterIncrement();
  });
  return newer;
}

}  // namespace

void clean_consumed_changes(Oid relid) {
  // Every reader's frontier makes visible all transactions below its xmin;
  // their rows are consumed by all (rows of aborted ones are dead anyway).
  // No horizon while some reader has no frontier.
  auto horizon = catalog::consumed_horizon(relid);
  if (!horizon) return;
  Oid buffer = change_buffer_oid(relid);
  if (!OidIsValid(buffer)) return;
  uint64 below = std::stoull(*horizon);
  // A large buffer holding nothing unconsumed is truncated (see
  // kTruncateCleanupBlocks); otherwise its consumed rows are deleted.
  if (guc::cleanup_use_truncate && !IsolationUsesXactSnapshot() && relation_blocks(buffer) >= kTruncateCleanupBlocks &&
      !scan_buffer(buffer, below, false)) {
    // TRUNCATE needs the buffer to itself: never wait for writers for it.
    bool locked = false;
    pg::guard([&] { locked = ConditionalLockRelationOid(buffer, AccessExclusiveLock); });
    // Re-check with a fresh snapshot: a writer may have committed since ours.
    if (locked && !scan_buffer(buffer, below, false)) {
      pg::AsRole as_owner(pg::catalog_owner(), false);
      std::string name = dvm::change_buffer_name(relid);
      pg::spi::exec("TRUNCATE " + name);
      insert_sentinel(name);
      return;
    }
  }
  scan_buffer(buffer, below, true);
}

int recover_reset_buffers(const std::vector<Oid>& sources) {
  pg::AsRole as_owner(pg::catalog_owner(), false);
  std::string ids = "{";
  for (size_t i = 0; i < sources.size(); i++) ids += (i ? "," : "") + std::to_string(sources[i]);
  ids += "}";
  auto tracked = pg::spi::run(
      "SELECT source_relid::text, buffer_relid::pg_catalog.regclass::text FROM pgtrickle.pgt_change_tracking "
      "WHERE pg_catalog.cardinality($1::pg_catalog.oid[]) = 0 OR source_relid = ANY ($1::pg_catalog.oid[])",
      {ids});
  int reset = 0;
  for (const auto& row : tracked.rows) {
    const std::string& buffer = *row[1];
    if (pg::spi::scalar("SELECT 1 FROM " + buffer + " WHERE xid = '" + dvm::kBufferSentinelXid +
                        "'::pg_catalog.xid8 LIMIT 1"))
      continue;
    // Its changes are gone: every reader recomputes from the sources.
    pg::spi::exec("UPDATE pgtrickle.pgt_stream_tables st SET frontier = NULL, frontier_own_xid = NULL, "
                  "frontier_own_cid = NULL FROM pgtrickle.pgt_dependencies d WHERE d.pgt_id = st.pgt_id "
                  "AND d.source_relid = $1::oid AND st.frontier IS NOT NULL",
                  {*row[0]});
    insert_sentinel(buffer);
    reset++;
  }
  return reset;
}

}  // namespace pgt::cdc

PGT_SQL_FUNCTION(pgt_sync_change_capture) {
  // Capture's own DDL (its triggers on a source and its members) fires the
  // event triggers again: nothing to follow then.
  if (pgt::cdc::running_capture_ddl()) PG_RETURN_VOID();
  pgt::pg::spi::Connection spi;
  pgt::cdc::sync_capture_with_source(PG_GETARG_OID(0));
  PG_RETURN_VOID();
}

PGT_SQL_FUNCTION(pgt_drop_unused_change_capture) {
  if (pgt::cdc::running_capture_ddl()) PG_RETURN_VOID();
  pgt::pg::spi::Connection spi;
  pgt::cdc::drop_unused_capture();
  PG_RETURN_VOID();
}
