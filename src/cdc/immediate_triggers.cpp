// Triggers of IMMEDIATE stream tables: see immediate_triggers.h.
#include "cdc/immediate_triggers.h"

#include <set>
#include <string>
#include <utility>

#include "catalog/immediate_timing.h"
#include "catalog/object_dependencies.h"
#include "cdc/capture_triggers.h"
#include "common/sql_quote.h"
#include "pg/spi.h"
#include "pg/user_context.h"

extern "C" {
#include "catalog/pg_trigger.h"
#include "storage/lmgr.h"
}

namespace pgt::cdc {

namespace {

// Stream tables to recompute (see take_tables_to_recompute()).
std::set<Oid>& to_recompute() {
  static auto* tables = new std::set<Oid>();  // never destroyed
  return *tables;
}

std::string prefix(int64_t pgt_id) { return "pgt_ivm_" + std::to_string(pgt_id) + "_"; }

// As the extension's owner: only it may attach _immediate_maintenance to a
// table (EXECUTE is revoked from PUBLIC), since whoever could would choose
// which stream table the rows of a table of theirs are applied to.
void create_on(int64_t pgt_id, Oid st_relid, Oid root, Oid on) {
  pg::AsRole as_owner(pg::catalog_owner(), false);
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
  pg::AsRole as_owner(pg::catalog_owner(), false);
  auto existing = pg::spi::run(
      "SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname), "
      "pg_catalog.quote_ident(t.tgname) FROM pg_catalog.pg_trigger t "
      "JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "WHERE pg_catalog.starts_with(t.tgname, $1) AND NOT t.tgisinternal",
      {prefix(pgt_id)});
  OwnCaptureDdl own_ddl;
  for (const auto& row : existing.rows) pg::spi::exec("DROP TRIGGER " + *row[1] + " ON " + *row[0]);
}

namespace {

// Another session working on the table's triggers (creating, dropping or
// altering a stream table over it) holds it: that session's own sync puts
// things right; waiting for it here could deadlock.
bool lock_at_once(Oid relid, LOCKMODE mode) {
  bool locked = false;
  pg::guard([&] { locked = ConditionalLockRelationOid(relid, mode); });
  return locked;
}

}  // namespace

void sync_immediate_triggers() {
  pg::AsRole as_owner(pg::catalog_owner(), false);
  std::set<Oid>& changed = to_recompute();
  auto holds_rows = [](Oid relid) {
    std::string table = qualified_table_name(relid);
    return !table.empty() && pg::spi::scalar("SELECT 1 FROM ONLY " + table + " LIMIT 1").has_value();
  };
  // Where they are, read first: a trigger seen here was committed with its
  // stream table's catalog row, which the (later) reading of where they
  // must be then sees too. Read the other way round, the triggers of a
  // stream table another session committed in between would look unwanted
  // and be dropped.
  auto existing = pg::spi::run(
      "SELECT pg_catalog.substring(t.tgname, '^pgt_ivm_([0-9]+)_'), t.tgrelid::int8::text, "
      "pg_catalog.split_part(pg_catalog.encode(t.tgargs, 'escape'), '\\000', 1), "
      "pg_catalog.split_part(pg_catalog.encode(t.tgargs, 'escape'), '\\000', 2), "
      "pg_catalog.quote_ident(t.tgname), pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname), "
      "t.tgname LIKE '%\\_before' "
      "FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid "
      "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "WHERE t.tgname ~ '^pgt_ivm_[0-9]+_(before|ins|upd|del|trunc)$' AND NOT t.tgisinternal");
  // Where they must be: every IMMEDIATE stream table's table sources, and
  // their members (not an ON COMMIT one's: cdc/commit_triggers.h).
  auto readers = pg::spi::run(
      "SELECT st.pgt_id::text, st.pgt_relid::int8::text, d.source_relid::int8::text "
      "FROM pgtrickle.pgt_stream_tables st JOIN pgtrickle.pgt_dependencies d ON d.pgt_id = st.pgt_id "
      "JOIN pg_catalog.pg_class c ON c.oid = d.source_relid AND c.relkind IN ('r', 'p') "
      "WHERE st.effective_refresh_mode = 'IMMEDIATE'" +
      std::string(catalog::has_immediate_timing_column() ? " AND st.immediate_timing = 'statement'" : ""));
  std::set<std::pair<int64_t, Oid>> wanted;  // (pgt_id, table)
  std::set<int64_t> maintained;              // pgt_ids still maintained by these triggers
  for (const auto& row : readers.rows) {
    int64_t pgt_id = std::stoll(*row[0]);
    Oid st_relid = static_cast<Oid>(std::stoul(*row[1]));
    Oid source = static_cast<Oid>(std::stoul(*row[2]));
    // How many of the five triggers of this stream table a table has.
    auto triggers_on = [&](Oid on) {
      return std::stoi(pg::spi::scalar("SELECT count(*) FROM pg_catalog.pg_trigger WHERE tgrelid = $1::oid AND "
                                       "tgname = ANY ($2::text[]) AND NOT tgisinternal",
                                       {std::to_string(on), "{" + prefix(pgt_id) + "before," + prefix(pgt_id) +
                                                                "ins," + prefix(pgt_id) + "upd," + prefix(pgt_id) +
                                                                "del," + prefix(pgt_id) + "trunc}"})
                           .value_or("0"));
    };
    std::vector<Oid> tables = hierarchy_members(source);
    tables.insert(tables.begin(), source);
    for (Oid on : tables) wanted.insert({pgt_id, on});
    maintained.insert(pgt_id);
    // Not installed yet (the stream table is being created or altered):
    // install_change_capture puts them on every member.
    if (triggers_on(source) == 0) continue;
    for (Oid on : tables) {
      // A new member has none; a DROP TRIGGER of one of them (its owner may)
      // left four: put back in the same statement, before any write could
      // go unmaintained.
      if (triggers_on(on) == 5 || !lock_at_once(on, ShareRowExclusiveLock)) continue;  // (CREATE TRIGGER's lock)
      create_on(pgt_id, st_relid, source, on);
      if (holds_rows(on)) changed.insert(st_relid);
    }
  }
  OwnCaptureDdl own_ddl;
  for (const auto& row : existing.rows) {
    Oid on = static_cast<Oid>(std::stoul(*row[1]));
    if (wanted.count({std::stoll(*row[0]), on}) || !lock_at_once(on, AccessExclusiveLock)) continue;  // (DROP TRIGGER's)
    // (IF EXISTS: the session dropping the stream table may have done it.)
    pg::spi::exec("DROP TRIGGER IF EXISTS " + *row[4] + " ON " + *row[5]);
    // A member that left its source's hierarchy (DETACH, NO INHERIT) took its rows along.
    Oid st_relid = static_cast<Oid>(std::stoul(*row[2]));
    Oid source = static_cast<Oid>(std::stoul(*row[3]));
    // (Not for a stream table that left statement timing: its new
    // maintenance, being installed, starts from a recomputation.)
    if (maintained.count(std::stoll(*row[0])) && on != source && *row[6] == "t" && holds_rows(on))
      changed.insert(st_relid);
  }
}

void note_member_drop(Oid relid) {
  pg::AsRole as_owner(pg::catalog_owner(), false);
  std::vector<Oid> ancestors = hierarchy_ancestors(relid);
  if (ancestors.empty()) return;
  std::string table = qualified_table_name(relid);
  if (table.empty() || !pg::spi::scalar("SELECT 1 FROM ONLY " + table + " LIMIT 1")) return;
  std::string ids = "{";
  for (size_t i = 0; i < ancestors.size(); i++) ids += (i ? "," : "") + std::to_string(ancestors[i]);
  auto readers = pg::spi::run(
      "SELECT DISTINCT st.pgt_relid::int8::text FROM pgtrickle.pgt_stream_tables st "
      "JOIN pgtrickle.pgt_dependencies d ON d.pgt_id = st.pgt_id "
      "WHERE st.effective_refresh_mode = 'IMMEDIATE' AND d.source_relid = ANY ($1::pg_catalog.oid[])",
      {ids + "}"});
  for (const auto& row : readers.rows) to_recompute().insert(static_cast<Oid>(std::stoul(*row[0])));
}

std::vector<Oid> take_tables_to_recompute() {
  std::vector<Oid> out(to_recompute().begin(), to_recompute().end());
  to_recompute().clear();
  return out;
}

}  // namespace pgt::cdc
