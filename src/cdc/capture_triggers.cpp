// Capture triggers on a table and its hierarchy: see capture_triggers.h.
#include "cdc/capture_triggers.h"

#include "catalog/object_dependencies.h"
#include "common/sql_quote.h"
#include "pg/boundary.h"
#include "pg/spi.h"

extern "C" {
#include "catalog/pg_inherits.h"
#include "catalog/pg_trigger.h"
#include "storage/lockdefs.h"
}

namespace pgt::cdc {

namespace {

constexpr const char* kOperations[] = {"ins", "upd", "del", "trunc"};

// pgt_cdc_<op> on the root; pgt_cdc_<op>_<root> on a member (a table may be
// a member of more than one captured hierarchy: a child of a child).
std::string trigger_name(Oid root, Oid on, const char* op) {
  std::string name = std::string("pgt_cdc_") + op;
  return on == root ? name : name + "_" + std::to_string(root);
}

std::string names_array(Oid root, Oid on) {
  std::string array = "{";
  for (const char* op : kOperations) array += (array.size() > 1 ? "," : "") + trigger_name(root, on, op);
  return array + "}";
}

bool is_partitioned(Oid relid) {
  return pg::spi::scalar("SELECT relkind::text FROM pg_catalog.pg_class WHERE oid = $1::oid", {std::to_string(relid)}) ==
         std::optional<std::string>("p");
}

// Row-level capture puts no row triggers on a partitioned table (see the header).
bool only_truncate(Oid on, bool row_level) { return row_level && is_partitioned(on); }

}  // namespace

namespace {

// Set while capture's own DDL on a source runs.
bool capture_ddl_running = false;

}  // namespace

bool running_capture_ddl() { return capture_ddl_running; }

OwnCaptureDdl::OwnCaptureDdl() : was_(capture_ddl_running) { capture_ddl_running = true; }
OwnCaptureDdl::~OwnCaptureDdl() { capture_ddl_running = was_; }

std::string qualified_table_name(Oid relid) {
  auto name = pg::spi::scalar(
      "SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) "
      "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1::oid",
      {std::to_string(relid)});
  return name.value_or("");
}

namespace {

std::vector<Oid> oids_of(List* list) {
  std::vector<Oid> out;
  ListCell* lc;
  foreach (lc, list) out.push_back(lfirst_oid(lc));
  return out;
}

}  // namespace

std::string capture_function_name(Oid root) {
  return quote_qualified("pgtrickle_changes", "capture_" + std::to_string(root));
}

void create_capture_triggers(Oid root, Oid on, bool row_level) {
  std::string table = qualified_table_name(on);
  std::string fn = capture_function_name(root) + "()";
  drop_capture_triggers(root, on);
  auto create = [&](const char* op, const std::string& event) {
    std::string name = quote_ident(trigger_name(root, on, op));
    std::string level = row_level && std::string(op) != "trunc" ? " FOR EACH ROW" : " FOR EACH STATEMENT";
    pg::spi::exec("CREATE TRIGGER " + name + " AFTER " + event + level + " EXECUTE FUNCTION " + fn);
    // ALWAYS: changes must be captured also when applied with
    // session_replication_role = replica (logical replication into a source).
    pg::spi::exec("ALTER TABLE " + table + " ENABLE ALWAYS TRIGGER " + name);
    auto oid = pg::spi::scalar("SELECT oid::int8 FROM pg_catalog.pg_trigger WHERE tgrelid = $1::oid AND tgname = $2",
                               {std::to_string(on), trigger_name(root, on, op)});
    catalog::record_extension_dependency(TriggerRelationId, static_cast<Oid>(std::stoul(*oid)));
  };
  if (row_level) {
    if (!only_truncate(on, row_level)) {
      create("ins", "INSERT ON " + table);
      create("upd", "UPDATE ON " + table);
      create("del", "DELETE ON " + table);
    }
  } else {
    create("ins", "INSERT ON " + table + " REFERENCING NEW TABLE AS __pgt_new");
    create("upd", "UPDATE ON " + table + " REFERENCING OLD TABLE AS __pgt_old NEW TABLE AS __pgt_new");
    create("del", "DELETE ON " + table + " REFERENCING OLD TABLE AS __pgt_old");
  }
  create("trunc", "TRUNCATE ON " + table);
}

void drop_capture_triggers(Oid root, Oid on) {
  auto existing = pg::spi::run(
      "SELECT pg_catalog.quote_ident(tgname) FROM pg_catalog.pg_trigger WHERE tgrelid = $1::oid "
      "AND tgname = ANY ($2::text[])",
      {std::to_string(on), names_array(root, on)});
  if (existing.rows.empty()) return;
  std::string table = qualified_table_name(on);
  for (const auto& row : existing.rows) pg::spi::exec("DROP TRIGGER " + *row[0] + " ON " + table);
}

bool capture_triggers_intact(Oid root, Oid on, bool row_level) {
  auto enabled = pg::spi::scalar(
      "SELECT pg_catalog.count(*) FROM pg_catalog.pg_trigger WHERE tgrelid = $1::oid "
      "AND tgname = ANY ($2::text[]) AND tgenabled = 'A'",
      {std::to_string(on), names_array(root, on)});
  size_t expected = only_truncate(on, row_level) ? 1 : std::size(kOperations);
  return enabled == std::optional<std::string>(std::to_string(expected));
}

bool hierarchy_member(Oid relid) {
  return pg::spi::scalar("SELECT c.relispartition OR EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i "
                         "WHERE i.inhrelid = c.oid) FROM pg_catalog.pg_class c WHERE c.oid = $1::oid",
                         {std::to_string(relid)}) == std::optional<std::string>("t");
}

std::vector<Oid> hierarchy_members(Oid root) {
  List* all = NIL;
  pg::guard([&] { all = find_all_inheritors(root, NoLock, nullptr); });
  std::vector<Oid> members = oids_of(all);
  members.erase(members.begin());  // root itself comes first
  return members;
}

std::vector<Oid> hierarchy_ancestors(Oid relid) {
  std::vector<Oid> ancestors;
  auto rows = pg::spi::run(
      "WITH RECURSIVE up(relid, depth) AS (SELECT inhparent, 1 FROM pg_catalog.pg_inherits WHERE inhrelid = $1::oid "
      "UNION SELECT i.inhparent, u.depth + 1 FROM pg_catalog.pg_inherits i JOIN up u ON i.inhrelid = u.relid "
      "WHERE u.depth < 100) SELECT relid::int8 FROM up ORDER BY depth",
      {std::to_string(relid)});
  for (const auto& row : rows.rows) ancestors.push_back(static_cast<Oid>(std::stoul(*row[0])));
  return ancestors;
}

}  // namespace pgt::cdc
