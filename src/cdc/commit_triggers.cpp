// Triggers of ON COMMIT stream tables: see commit_triggers.h.
#include "cdc/commit_triggers.h"

#include <set>
#include <string>
#include <utility>

#include "catalog/immediate_timing.h"
#include "catalog/object_dependencies.h"
#include "cdc/capture_triggers.h"
#include "common/sql_quote.h"
#include "pg/boundary.h"
#include "pg/spi.h"
#include "pg/user_context.h"

extern "C" {
#include "catalog/dependency.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_trigger.h"
#include "commands/trigger.h"
#include "storage/lmgr.h"
}

namespace pgt::cdc {

namespace {

std::string prefix(int64_t pgt_id) { return "pgt_ivc_" + std::to_string(pgt_id) + "_"; }

// The trigger goes with the stream table (DROP TABLE of it, even RESTRICT)
// and with the extension; pg_dump leaves it out (the restore puts it back).
void own_trigger(Oid trigger, Oid st_relid) {
  catalog::record_extension_dependency(TriggerRelationId, trigger);
  pg::guard([&] {
    ObjectAddress dependent, referenced;
    ObjectAddressSet(dependent, TriggerRelationId, trigger);
    ObjectAddressSet(referenced, RelationRelationId, st_relid);
    recordDependencyOn(&dependent, &referenced, DEPENDENCY_AUTO);
  });
}

// As the extension's owner: only it may attach _commit_maintenance to a
// table (EXECUTE is revoked from PUBLIC).
void create_on(int64_t pgt_id, Oid st_relid, Oid on, bool row_trigger) {
  pg::AsRole as_owner(pg::catalog_owner(), false);
  std::string table = qualified_table_name(on);
  if (table.empty()) return;
  OwnCaptureDdl own_ddl;
  std::string st = quote_literal(std::to_string(st_relid));
  // CREATE <kind> <name> <definition>
  auto create = [&](const std::string& suffix, const std::string& kind, const std::string& definition) {
    std::string name = prefix(pgt_id) + suffix;
    if (pg::spi::scalar("SELECT 1 FROM pg_catalog.pg_trigger WHERE tgrelid = $1::oid AND tgname = $2",
                        {std::to_string(on), name}))
      pg::spi::exec("DROP TRIGGER " + quote_ident(name) + " ON " + table);
    pg::spi::exec("CREATE " + kind + " " + quote_ident(name) + " " + definition);
    pg::spi::exec("ALTER TABLE " + table + " ENABLE ALWAYS TRIGGER " + quote_ident(name));
    auto oid = pg::spi::scalar("SELECT oid::int8 FROM pg_catalog.pg_trigger WHERE tgrelid = $1::oid AND tgname = $2",
                               {std::to_string(on), name});
    own_trigger(static_cast<Oid>(std::stoul(*oid)), st_relid);
  };
  if (row_trigger)
    create("row", "CONSTRAINT TRIGGER", "AFTER INSERT OR UPDATE OR DELETE ON " + table +
                      " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (pgtrickle._commit_event_wanted(" + st +
                      "::pg_catalog.oid)) EXECUTE FUNCTION pgtrickle._commit_maintenance(" + st + ")");
  create("trunc", "TRIGGER", "AFTER TRUNCATE ON " + table +
                      " FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle._commit_maintenance(" + st + ")");
}

bool is_partition(Oid relid) {
  return pg::spi::scalar("SELECT 1 FROM pg_catalog.pg_class WHERE oid = $1::oid AND relispartition",
                         {std::to_string(relid)})
      .has_value();
}

}  // namespace

void create_commit_triggers(int64_t pgt_id, Oid st_relid, Oid source) {
  create_on(pgt_id, st_relid, source, true);
  // A partition has the row trigger already: PostgreSQL clones its
  // parent's (and onto partitions created or attached later).
  for (Oid member : hierarchy_members(source)) create_on(pgt_id, st_relid, member, !is_partition(member));
}

void drop_commit_triggers(int64_t pgt_id) {
  pg::AsRole as_owner(pg::catalog_owner(), false);
  // Not the clones on partitions: they go with their parent.
  auto existing = pg::spi::run(
      "SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname), "
      "pg_catalog.quote_ident(t.tgname) FROM pg_catalog.pg_trigger t "
      "JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "WHERE pg_catalog.starts_with(t.tgname, $1) AND NOT t.tgisinternal AND t.tgparentid = 0",
      {prefix(pgt_id)});
  OwnCaptureDdl own_ddl;
  for (const auto& row : existing.rows) pg::spi::exec("DROP TRIGGER IF EXISTS " + *row[1] + " ON " + *row[0]);
}

std::vector<Oid> sync_commit_triggers() {
  std::vector<Oid> changed;
  if (!catalog::has_immediate_timing_column()) return changed;
  pg::AsRole as_owner(pg::catalog_owner(), false);
  // Where they are (read first, as sync_immediate_triggers does): ours, not
  // PostgreSQL's clones on partitions.
  auto existing = pg::spi::run(
      "SELECT pg_catalog.substring(t.tgname, '^pgt_ivc_([0-9]+)_'), t.tgrelid::int8::text, "
      "pg_catalog.encode(t.tgargs, 'escape'), pg_catalog.quote_ident(t.tgname), "
      "pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname), t.tgname LIKE '%\\_trunc' "
      "FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid "
      "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "WHERE t.tgname ~ '^pgt_ivc_[0-9]+_(row|trunc)$' AND NOT t.tgisinternal AND t.tgparentid = 0");
  std::set<std::pair<int64_t, Oid>> wanted;
  std::set<int64_t> at_commit;
  auto readers = pg::spi::run(
      "SELECT st.pgt_id::text, st.pgt_relid::int8::text, d.source_relid::int8::text "
      "FROM pgtrickle.pgt_stream_tables st JOIN pgtrickle.pgt_dependencies d ON d.pgt_id = st.pgt_id "
      "JOIN pg_catalog.pg_class c ON c.oid = d.source_relid AND c.relkind IN ('r', 'p') "
      "WHERE st.effective_refresh_mode = 'IMMEDIATE' AND st.immediate_timing = 'commit'");
  for (const auto& row : readers.rows) {
    int64_t pgt_id = std::stoll(*row[0]);
    Oid st_relid = static_cast<Oid>(std::stoul(*row[1]));
    Oid source = static_cast<Oid>(std::stoul(*row[2]));
    auto has = [&](Oid on, const char* suffix) {
      return pg::spi::scalar("SELECT 1 FROM pg_catalog.pg_trigger WHERE tgrelid = $1::oid AND tgname = $2",
                             {std::to_string(on), prefix(pgt_id) + suffix})
          .has_value();
    };
    // Not installed yet (being created or altered): install_change_capture does it.
    if (!has(source, "trunc")) continue;
    std::vector<Oid> tables = hierarchy_members(source);
    tables.insert(tables.begin(), source);
    for (Oid on : tables) wanted.insert({pgt_id, on});
    at_commit.insert(pgt_id);
    for (Oid on : tables) {
      bool row_trigger = on == source || !is_partition(on);
      if (has(on, "trunc") && (!row_trigger || has(on, "row"))) continue;
      // (CREATE TRIGGER's lock; another session working on it puts it right.)
      bool locked = false;
      pg::guard([&] { locked = ConditionalLockRelationOid(on, ShareRowExclusiveLock); });
      if (!locked) continue;
      create_on(pgt_id, st_relid, on, row_trigger);
      std::string table = qualified_table_name(on);
      if (on != source && !table.empty() && pg::spi::scalar("SELECT 1 FROM ONLY " + table + " LIMIT 1"))
        changed.push_back(st_relid);
    }
  }
  // A member that left its source's hierarchy (DETACH, NO INHERIT) took its
  // rows along without a write; its triggers go. (So do those of a table no
  // longer ON COMMIT: install_change_capture drops them anyway.)
  OwnCaptureDdl own_ddl;
  for (const auto& row : existing.rows) {
    Oid on = static_cast<Oid>(std::stoul(*row[1]));
    if (wanted.count({std::stoll(*row[0]), on})) continue;
    bool locked = false;
    pg::guard([&] { locked = ConditionalLockRelationOid(on, AccessExclusiveLock); });  // (DROP TRIGGER's)
    if (!locked) continue;
    pg::spi::exec("DROP TRIGGER IF EXISTS " + *row[3] + " ON " + *row[4]);
    Oid st_relid = static_cast<Oid>(std::stoul(row[2]->substr(0, row[2]->find('\\'))));
    if (at_commit.count(std::stoll(*row[0])) && *row[5] == "t" && pg::spi::scalar("SELECT 1 FROM ONLY " + *row[4] + " LIMIT 1")) changed.push_back(st_relid);
  }
  return changed;
}

void fire_commit_events_before_truncate(Oid relid) {
  bool pending = false;
  List* rels = NIL;  // (PostgreSQL memory: no C++ allocation inside guard())
  pg::guard([&] {
    rels = find_all_inheritors(relid, NoLock, nullptr);
    ListCell* lc;
    foreach (lc, rels) pending = pending || AfterTriggerPendingOnRel(lfirst_oid(lc));
  });
  if (!pending) return;
  std::string members = "{";
  ListCell* lc;
  foreach (lc, rels) members += (members.size() > 1 ? "," : "") + std::to_string(lfirst_oid(lc));
  auto constraints = pg::spi::run(
      "SELECT DISTINCT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.conname) "
      "FROM pg_catalog.pg_constraint c JOIN pg_catalog.pg_namespace n ON n.oid = c.connamespace "
      "WHERE c.contype = 't' AND c.conname ~ '^pgt_ivc_[0-9]+_row$' AND c.conrelid = ANY ($1::pg_catalog.oid[])",
      {members + "}"});
  for (const auto& row : constraints.rows) {
    pg::spi::exec("SET CONSTRAINTS " + *row[0] + " IMMEDIATE");
    pg::spi::exec("SET CONSTRAINTS " + *row[0] + " DEFERRED");
  }
}

}  // namespace pgt::cdc
