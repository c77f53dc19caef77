// FULL refresh by heap swap: see heap_swap.h.
#include "refresh/heap_swap.h"

#include <algorithm>

#include "catalog/storage_table.h"
#include "common/sql_quote.h"
#include "pg/boundary.h"
#include "pg/spi.h"

extern "C" {
#include "access/multixact.h"
#include "access/table.h"
#include "access/xact.h"
#include "commands/cluster.h"
#include "commands/matview.h"
#include "executor/executor.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "tcop/tcopprot.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
}

namespace pgt::refresh {

namespace {

constexpr BlockNumber kHeapSwapMinBlocks = 64;  // 512 kB

// Whether skipping row-level work on the table loses nothing (see heap_swap.h).
bool qualifies(Oid relid) {
  auto ok = pg::spi::scalar_kept(
      "SELECT (c.relkind = 'r' "
      "AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t WHERE t.tgrelid = c.oid "
      "                AND t.tgname NOT IN ('pgt_guard_dml', 'pgt_guard_truncate')) "
      "AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 "
      "                AND a.attisdropped) "
      "AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_publication_tables p JOIN pg_catalog.pg_namespace n "
      "                ON n.nspname = p.schemaname WHERE n.oid = c.relnamespace AND p.tablename = c.relname))::text "
      "FROM pg_catalog.pg_class c WHERE c.oid = $1::pg_catalog.oid",
      {std::to_string(relid)});
  return ok && *ok == "true";
}

// The query producing the table's rows exactly (its columns in order, of
// its types); "" when a column is not one the defining query fills.
std::string table_rows_sql(const catalog::StreamTable& st) {
  std::vector<std::string> visible;
  for (const auto& c : catalog::storage_columns(st.relid)) visible.push_back(c.name);
  auto attributes = pg::spi::run_kept(
      "SELECT a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a "
      "WHERE a.attrelid = $1::pg_catalog.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
      {std::to_string(st.relid)});
  std::string select;
  for (const auto& row : attributes.rows) {
    const std::string& name = *row[0];
    std::string value;
    if (name == catalog::kRowIdColumn)
      value = "pg_catalog.row_number() OVER ()";
    else if (std::find(visible.begin(), visible.end(), name) != visible.end())
      value = "q." + quote_ident(name);
    else
      return "";
    select += (select.empty() ? "" : ", ") + value + "::" + *row[1];
  }
  return "SELECT " + select + " FROM (" + st.defining_query + ") q";
}

}  // namespace

std::optional<int64_t> load_full_by_heap_swap(const catalog::StreamTable& st) {
  // A new heap and its indexes cost more than a few pages of inserts: small
  // tables (by their last contents) keep TRUNCATE + INSERT.
  BlockNumber blocks = 0;
  pg::guard([&] {
    Relation rel = table_open(st.relid, NoLock);
    blocks = RelationGetNumberOfBlocks(rel);
    table_close(rel, NoLock);
  });
  if (blocks < kHeapSwapMinBlocks) return std::nullopt;
  if (!qualifies(st.relid)) return std::nullopt;
  std::string sql = table_rows_sql(st);
  if (sql.empty()) return std::nullopt;
  uint64 rows = 0;
  const char* text = sql.c_str();
  Oid relid = st.relid;
  pg::guard([&] {
    Relation rel = table_open(relid, NoLock);  // (ACCESS EXCLUSIVE held)
    Oid tablespace = rel->rd_rel->reltablespace;
    Oid access_method = rel->rd_rel->relam;
    char persistence = rel->rd_rel->relpersistence;
    table_close(rel, NoLock);
    Oid new_heap = make_new_heap(relid, tablespace, access_method, persistence, ExclusiveLock);
    LockRelationOid(new_heap, AccessExclusiveLock);
    DestReceiver* dest = CreateTransientRelDestReceiver(new_heap);

    RawStmt* raw = linitial_node(RawStmt, pg_parse_query(text));
    Query* query = linitial_node(Query, pg_analyze_and_rewrite_fixedparams(raw, text, nullptr, 0, nullptr));
    PlannedStmt* plan = pg_plan_query(query, text, CURSOR_OPT_PARALLEL_OK, nullptr);
    CommandCounterIncrement();  // (as SPI does: this transaction's earlier writes are seen)
    PushActiveSnapshot(GetTransactionSnapshot());
    QueryDesc* desc = CreateQueryDesc(plan, text, GetActiveSnapshot(), InvalidSnapshot, dest, nullptr, nullptr, 0);
    ExecutorStart(desc, 0);
    pgt_executor_run(desc, 0);
    rows = desc->estate->es_processed;
    ExecutorFinish(desc);
    ExecutorEnd(desc);
    FreeQueryDesc(desc);
    PopActiveSnapshot();
    dest->rDestroy(dest);
    // The new heap takes the table's place; its indexes are rebuilt.
    finish_heap_swap(relid, new_heap, false, false, true, true, RecentXmin, ReadNextMultiXactId(), persistence);
  });
  return static_cast<int64_t>(rows);
}

}  // namespace pgt::refresh
