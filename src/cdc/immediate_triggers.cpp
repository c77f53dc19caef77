// Triggers of IMMEDIATE stream tables: see immediate_triggers.h.
#include "cdc/immediate_triggers.h"

#include <set>
#include <string>
#include <utility>

#include "catalog/object_dependencies.h"
#include "cdc/capture_triggers.h"
#include "common/sql_quote.h"
#include "pg/spi.h"

extern "C" {
#include "catalog/pg_trigger.h"
}

namespace pgt::cdc {

namespace {

std::string prefix(int64_t pgt_id) { return "pgt_ivm_" + std::to_string(pgt_id) + "_"; }

void create_on(int64_t pgt_id, Oid st_relid, Oid root, Oid on) {
  std::string table = qualified_table_name(on);
  if (table.empty()) return;
  OwnCaptureDdl own_ddl;
  std::string call = " EXECUTE FUNCTION pgtrickle._immediate_maintenance(" + quote_literal(std::to_string(st_relid)) +
                     ", " + quote_literal(std::to_string(root)) + ")";
  auto create = [&](const std::string& suffix, const std::string& when) {
    std::string name = prefix(pgt_id) + suffix;
    if (pg::spi::scalar("SELECT 1 FROM pg_catalog.pg_trigger WHERE tgrelid = $1::oid AND tgname = $2",
                        {std::to_string(on), name}))
      pg::spi::exec("DROP TRIGGER " + quote_ident(name) + " ON " + table);
    pg::spi::exec("CREATE TRIGGER " + quote_ident(name) + " " + when + " ON " + table + " " +
                  (suffix == "ins"   ? "REFERENCING NEW TABLE AS __pgt_new "
                   : suffix == "upd" ? "REFERENCING OLD TABLE AS __pgt_old NEW TABLE AS __pgt_new "
                   : suffix == "del" ? "REFERENCING OLD TABLE AS __pgt_old "
                                     : "") +
                  "FOR EACH STATEMENT" + call);
    pg::spi::exec("ALTER TABLE " + table + " ENABLE ALWAYS TRIGGER " + quote_ident(name));
    auto oid = pg::spi::scalar("SELECT oid::int8 FROM pg_catalog.pg_trigger WHERE tgrelid = $1::oid AND tgname = $2",
                               {std::to_string(on), name});
    catalog::record_extension_dependency(TriggerRelationId, static_cast<Oid>(std::stoul(*oid)));
  };
  create("before", "BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE");
  create("ins", "AFTER INSERT");
  create("upd", "AFTER UPDATE");
  create("del", "AFTER DELETE");
  create("trunc", "AFTER TRUNCATE");
}

}  // namespace

void create_immediate_triggers(int64_t pgt_id, Oid st_relid, Oid source) {
  create_on(pgt_id, st_relid, source, source);
  for (Oid member : hierarchy_members(source)) create_on(pgt_id, st_relid, source, member);
}

void drop_immediate_triggers(int64_t pgt_id) {
  auto existing = pg::spi::run(
      "SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname), "
      "pg_catalog.quote_ident(t.tgname) FROM pg_catalog.pg_trigger t "
      "JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "WHERE t.tgname LIKE $1 AND NOT t.tgisinternal",
      {prefix(pgt_id) + "%"});
  OwnCaptureDdl own_ddl;
  for (const auto& row : existing.rows) pg::spi::exec("DROP TRIGGER " + *row[1] + " ON " + *row[0]);
}

void sync_immediate_triggers() {
  // Where they must be: every IMMEDIATE stream table's table sources, and
  // their members.
  auto readers = pg::spi::run(
      "SELECT st.pgt_id::text, st.pgt_relid::int8::text, d.source_relid::int8::text "
      "FROM pgtrickle.pgt_stream_tables st JOIN pgtrickle.pgt_dependencies d ON d.pgt_id = st.pgt_id "
      "JOIN pg_catalog.pg_class c ON c.oid = d.source_relid AND c.relkind IN ('r', 'p') "
      "WHERE st.effective_refresh_mode = 'IMMEDIATE'");
  std::set<std::pair<int64_t, Oid>> wanted;  // (pgt_id, table)
  for (const auto& row : readers.rows) {
    int64_t pgt_id = std::stoll(*row[0]);
    Oid st_relid = static_cast<Oid>(std::stoul(*row[1]));
    Oid source = static_cast<Oid>(std::stoul(*row[2]));
    std::vector<Oid> tables = hierarchy_members(source);
    tables.insert(tables.begin(), source);
    for (Oid on : tables) {
      wanted.insert({pgt_id, on});
      auto has = pg::spi::scalar("SELECT 1 FROM pg_catalog.pg_trigger WHERE tgrelid = $1::oid AND tgname = $2",
                                 {std::to_string(on), prefix(pgt_id) + "before"});
      if (!has) create_on(pgt_id, st_relid, source, on);
    }
  }
  // Where they are.
  auto existing = pg::spi::run(
      "SELECT pg_catalog.substring(t.tgname, '^pgt_ivm_([0-9]+)_'), t.tgrelid::int8::text, "
      "pg_catalog.quote_ident(t.tgname), pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) "
      "FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid "
      "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "WHERE t.tgname ~ '^pgt_ivm_[0-9]+_(before|ins|upd|del|trunc)$' AND NOT t.tgisinternal");
  OwnCaptureDdl own_ddl;
  for (const auto& row : existing.rows)
    if (!wanted.count({std::stoll(*row[0]), static_cast<Oid>(std::stoul(*row[1]))}))
      pg::spi::exec("DROP TRIGGER " + *row[2] + " ON " + *row[3]);
}

}  // namespace pgt::cdc
