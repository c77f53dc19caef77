// Scheduler catalog access: see scheduler_catalog.h.
//
// The scheduler runs as the bootstrap superuser, which owns nothing of the
// user's but may write the catalog; refreshes switch to each table's owner.
#include "scheduler/scheduler_catalog.h"

#include "cdc/change_capture.h"
#include "cdc/pending_changes.h"
#include "dvm/delta_sql.h"
#include "common/json_text.h"
#include "pg/alerts.h"
#include "pg/spi.h"

extern "C" {
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
}

namespace pgt::scheduler {

namespace {

template <typename T>
std::vector<T> parse_array(const std::optional<std::string>& text) {
  std::vector<T> out;
  if (!text || text->size() < 2) return out;
  std::string body = text->substr(1, text->size() - 2);
  size_t start = 0;
  while (start < body.size()) {
    size_t comma = body.find(',', start);
    if (comma == std::string::npos) comma = body.size();
    out.push_back(static_cast<T>(std::stoll(body.substr(start, comma - start))));
    start = comma + 1;
  }
  return out;
}

std::string id_array(const std::vector<int64_t>& ids) {
  std::string out = "{";
  for (size_t i = 0; i < ids.size(); i++) out += (i ? "," : "") + std::to_string(ids[i]);
  return out + "}";
}

}  // namespace

bool tier_columns_present() {
  bool present = false;
  pg::guard([&] {
    Oid nsp = get_namespace_oid("pgtrickle", true);
    Oid rel = OidIsValid(nsp) ? get_relname_relid("pgt_stream_tables", nsp) : InvalidOid;
    present = OidIsValid(rel) && get_attnum(rel, "refresh_tier") != InvalidAttrNumber;
  });
  return present;
}

std::vector<ScheduledTable> load_scheduled_tables() {
  // Read every tick (at least once per pg_trickle.scheduler_interval_ms):
  // planned once per scheduler (run_kept). A catalog of 0.1.0 (the library
  // updated, the extension not yet) has no tier columns: every table is hot.
  const bool tiers = tier_columns_present();
  const std::string sql =
      "WITH d AS (SELECT d.pgt_id, pg_catalog.array_agg(d.source_relid) AS sources, "
      "pg_catalog.array_agg(d.source_relid) FILTER (WHERE t.source_relid IS NOT NULL) AS captured, "
      "pg_catalog.array_agg(u.pgt_id) FILTER (WHERE u.pgt_id IS NOT NULL) AS upstream "
      "FROM pgtrickle.pgt_dependencies d "
      "LEFT JOIN pgtrickle.pgt_change_tracking t ON t.source_relid = d.source_relid "
      "LEFT JOIN pgtrickle.pgt_stream_tables u ON u.pgt_relid = d.source_relid "
      "AND u.effective_refresh_mode <> 'IMMEDIATE' GROUP BY d.pgt_id) "
      "SELECT st.pgt_id, st.pgt_relid, st.pgt_schema, st.pgt_name, st.schedule, "
      "st.effective_refresh_mode = 'DIFFERENTIAL', st.status, st.is_populated, "
      "COALESCE((extract(epoch FROM st.data_timestamp) * 1000)::int8, 0), "
      "COALESCE(st.diamond_consistency, 'atomic') <> 'none', "
      "COALESCE(st.diamond_schedule_policy, 'fastest') = 'slowest', "
      "st.frontier::text, st.frontier_own_xid::text, st.frontier_own_cid::text, "
      "d.sources::text, d.captured::text, d.upstream::text, " +
      std::string(tiers ? "st.refresh_tier, st.sched_tier, st.sched_backoff, st.sched_base_period_ms, "
                          "st.sched_period_ms "
                        : "'hot', NULL, NULL, NULL, NULL ") +
      "FROM pgtrickle.pgt_stream_tables st LEFT JOIN d ON d.pgt_id = st.pgt_id "
      "WHERE st.effective_refresh_mode <> 'IMMEDIATE' ORDER BY st.pgt_id";
  auto result = pg::spi::run_kept(sql);
  std::vector<ScheduledTable> out;
  for (const auto& r : result.rows) {
    ScheduledTable t;
    t.id = std::stoll(*r[0]);
    t.relid = static_cast<Oid>(std::stoul(*r[1]));
    t.schema = *r[2];
    t.name = *r[3];
    t.schedule = *r[4];
    t.differential = *r[5] == "t";
    t.status = parse_stream_table_status(*r[6]);
    t.populated = *r[7] == "t";
    t.last_refresh_ms = std::stoll(*r[8]);
    t.atomic_diamonds = *r[9] == "t";
    t.slowest = *r[10] == "t";
    t.frontier = r[11];
    t.frontier_own_xid = r[12];
    t.frontier_own_cid = r[13];
    t.sources = parse_array<Oid>(r[14]);
    t.captured_sources = parse_array<Oid>(r[15]);
    t.upstream = parse_array<int64_t>(r[16]);
    t.tiers_in_catalog = tiers;
    t.refresh_tier = *r[17];
    t.saved.tier = r[18];
    if (r[19]) t.saved.backoff = std::stoi(*r[19]);
    if (r[20]) t.saved.base_period_ms = std::stoll(*r[20]);
    if (r[21]) t.saved.period_ms = std::stoll(*r[21]);
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<Oid> load_gated_sources() {
  // A database whose extension was created before gates existed has no table.
  bool present = false;
  pg::guard([&] {
    Oid nsp = get_namespace_oid("pgtrickle", true);
    present = OidIsValid(nsp) && OidIsValid(get_relname_relid("pgt_source_gates", nsp));
  });
  std::vector<Oid> out;
  if (!present) return out;
  // With the stream tables reading them, recursively: IMMEDIATE ones too
  // (not scheduled, but a scheduled table reading one reads the source).
  for (const auto& r : pg::spi::run_kept(
                           "WITH RECURSIVE g(relid) AS (SELECT source_relid FROM pgtrickle.pgt_source_gates WHERE gated "
                           "UNION SELECT st.pgt_relid FROM g JOIN pgtrickle.pgt_dependencies d ON d.source_relid = g.relid "
                           "JOIN pgtrickle.pgt_stream_tables st ON st.pgt_id = d.pgt_id) SELECT relid FROM g")
                           .rows)
    out.push_back(static_cast<Oid>(std::stoul(*r[0])));
  return out;
}

std::optional<int64_t> buffer_rows_over(Oid source, int64_t threshold) {
  // A buffer too small to hold more is not counted.
  if (cdc::change_buffer_row_bound(source) <= threshold) return std::nullopt;
  auto n = pg::spi::scalar("SELECT count(*) FROM (SELECT 1 FROM " + dvm::change_buffer_name(source) +
                           " LIMIT $1::int8 + 1) x",
                           {std::to_string(threshold)});
  int64_t rows = n ? std::stoll(*n) : 0;
  if (rows <= threshold) return std::nullopt;
  return rows;
}

std::vector<Oid> sources_with_disabled_capture() {
  std::vector<Oid> out;
  auto rows = pg::spi::run(
      "SELECT DISTINCT pg_catalog.substr(p.proname, 9)::pg_catalog.oid FROM pg_catalog.pg_trigger t "
      "JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid "
      "WHERE p.pronamespace = 'pgtrickle_changes'::pg_catalog.regnamespace AND p.proname ~ '^capture_[0-9]+$' "
      "AND t.tgenabled = 'D'");
  for (const auto& r : rows.rows) out.push_back(static_cast<Oid>(std::stoul(*r[0])));
  return out;
}

bool has_pending_changes(const ScheduledTable& t) {
  if (!t.frontier) return true;
  if (t.captured_sources.empty()) return false;
  // The refresh's own reader (cdc), so the two cannot disagree: a change, a
  // TRUNCATE marker, or a buffer a crash emptied (its readers recompute).
  Snapshot snapshot = nullptr;
  pg::guard([&] { snapshot = GetActiveSnapshot(); });
  for (const cdc::BufferPending& b :
       cdc::read_pending_changes(t.captured_sources, {t.frontier, t.frontier_own_xid, t.frontier_own_cid}, snapshot))
    if (b.changes || b.marker || !b.sentinel) return true;
  return false;
}

ReadCounts read_counts(const std::vector<int64_t>& pgt_ids) {
  ReadCounts out;
  std::vector<int64_t> ids = pgt_ids;
  // Cumulative (flushed) scans of the storage table and of its indexes:
  // pg_stat_user_tables' seq_scan + idx_scan. The database's reset time
  // changes with any reset of its counters (pg_stat_reset*), and after a
  // crash, which discards them.
  auto rows = pg::spi::run_kept(
      "SELECT st.pgt_id, pg_catalog.pg_stat_get_numscans(st.pgt_relid) + COALESCE((SELECT "
      "pg_catalog.sum(pg_catalog.pg_stat_get_numscans(i.indexrelid)) FROM pg_catalog.pg_index i "
      "WHERE i.indrelid = st.pgt_relid), 0)::int8, "
      "pg_catalog.pg_stat_get_db_stat_reset_time(d.oid)::text "
      "FROM pgtrickle.pgt_stream_tables st, pg_catalog.pg_database d "
      "WHERE d.datname = pg_catalog.current_database() AND st.pgt_id = ANY ($1::int8[])",
      {id_array(ids)});
  for (const auto& r : rows.rows) {
    out.scans[std::stoll(*r[0])] = std::stoll(*r[1]);
    out.reset_at = r[2].value_or("");
  }
  return out;
}

int64_t pending_scans(Oid relid) {
  // This backend's scans not yet flushed to the cumulative counters (the
  // "xact" functions read them): what a refresh did is the difference
  // between two readings in its transaction (no flush happens inside one).
  auto n = pg::spi::scalar_kept(
      "SELECT pg_catalog.pg_stat_get_xact_numscans($1::oid) + COALESCE((SELECT "
      "pg_catalog.sum(pg_catalog.pg_stat_get_xact_numscans(i.indexrelid)) FROM pg_catalog.pg_index i "
      "WHERE i.indrelid = $1::oid), 0)::int8",
      {std::to_string(relid)});
  return n ? std::stoll(*n) : 0;
}

void save_schedule_state(const std::vector<std::pair<int64_t, ScheduleState>>& states) {
  if (states.empty()) return;
  std::string ids = "{", tiers = "{", backoffs = "{", bases = "{", periods = "{";
  for (size_t i = 0; i < states.size(); i++) {
    const ScheduleState& s = states[i].second;
    const char* sep = i ? "," : "";
    ids += sep + std::to_string(states[i].first);
    tiers += sep + s.tier.value_or("NULL");
    backoffs += sep + (s.backoff ? std::to_string(*s.backoff) : "NULL");
    bases += sep + (s.base_period_ms ? std::to_string(*s.base_period_ms) : "NULL");
    periods += sep + (s.period_ms ? std::to_string(*s.period_ms) : "NULL");
  }
  pg::spi::exec(
      "UPDATE pgtrickle.pgt_stream_tables st SET sched_tier = v.tier, sched_backoff = v.backoff, "
      "sched_base_period_ms = v.base, sched_period_ms = v.period "
      "FROM ROWS FROM (pg_catalog.unnest($1::int8[]), pg_catalog.unnest($2::text[]), "
      "pg_catalog.unnest($3::int4[]), pg_catalog.unnest($4::int8[]), pg_catalog.unnest($5::int8[])) "
      "AS v(id, tier, backoff, base, period) WHERE st.pgt_id = v.id",
      {ids + "}", tiers + "}", backoffs + "}", bases + "}", periods + "}"});
}

void note_stretched_refresh(int64_t pgt_id, const std::string& note) {
  // The row the refresh just recorded (this transaction holds the table's
  // lock: nobody else records one meanwhile). Kept: a stretched table
  // notes every refresh.
  pg::spi::run_kept(
      "UPDATE pgtrickle.pgt_refresh_history SET schedule_note = $2 WHERE refresh_id = "
      "(SELECT refresh_id FROM pgtrickle.pgt_refresh_history WHERE pgt_id = $1::int8 "
      "AND status = 'COMPLETED' ORDER BY start_time DESC, refresh_id DESC LIMIT 1)",
      {std::to_string(pgt_id), note});
}

int64_t fail_interrupted_refreshes() {
  return static_cast<int64_t>(pg::spi::exec(
      "UPDATE pgtrickle.pgt_refresh_history SET status = 'FAILED', "
      "end_time = pg_catalog.clock_timestamp(), "
      "error_message = 'interrupted: the scheduler stopped during this refresh (crash, "
      "termination or shutdown); nothing of it was applied' "
      "WHERE refresh_id IN (SELECT refresh_id FROM pgtrickle.pgt_refresh_history "
      "WHERE status = 'RUNNING' FOR UPDATE SKIP LOCKED)"));
}

// The RUNNING rows are written and removed around every scheduled refresh:
// their statements are kept (planned once per scheduler).

int64_t insert_running_row(int64_t pgt_id, RefreshAction action) {
  auto id = pg::spi::scalar_kept(
      "INSERT INTO pgtrickle.pgt_refresh_history (pgt_id, action, status, initiated_by) "
      "VALUES ($1::int8, $2, 'RUNNING', 'SCHEDULER') RETURNING refresh_id",
      {std::to_string(pgt_id), std::string(refresh_action_name(action))});
  return std::stoll(*id);
}

void insert_skipped_row(int64_t pgt_id, const std::string& reason) {
  pg::spi::exec(
      "INSERT INTO pgtrickle.pgt_refresh_history (pgt_id, action, status, initiated_by, end_time, reason) "
      "VALUES ($1::int8, 'NO_DATA', 'SKIPPED', 'SCHEDULER', pg_catalog.clock_timestamp(), $2)",
      {std::to_string(pgt_id), reason});
}

void lock_running_rows(const std::vector<int64_t>& ids) {
  pg::spi::run_kept("SELECT 1 FROM pgtrickle.pgt_refresh_history WHERE refresh_id = ANY ($1::int8[]) "
                "FOR UPDATE",
                {id_array(ids)});
}

void delete_running_rows(const std::vector<int64_t>& ids) {
  pg::spi::run_kept("DELETE FROM pgtrickle.pgt_refresh_history WHERE refresh_id = ANY ($1::int8[])",
                {id_array(ids)});
}

void fail_running_rows(const std::vector<int64_t>& ids, const std::string& error) {
  pg::spi::exec(
      "UPDATE pgtrickle.pgt_refresh_history SET status = 'FAILED', "
      "end_time = pg_catalog.clock_timestamp(), error_message = $2 "
      "WHERE refresh_id = ANY ($1::int8[])",
      {id_array(ids), error});
}

bool record_refresh_failure(int64_t pgt_id, const std::string& error, const std::string& sqlstate,
                            bool counted, int max_errors) {
  auto row = pg::spi::run(
      "UPDATE pgtrickle.pgt_stream_tables SET last_error_message = $2, "
      "consecutive_errors = consecutive_errors + CASE WHEN $3::bool THEN 1 ELSE 0 END, "
      "status = CASE WHEN $3::bool AND consecutive_errors + 1 >= $4::int4 THEN 'SUSPENDED' "
      "ELSE status END, updated_at = pg_catalog.now() "
      "WHERE pgt_id = $1::int8 RETURNING status, consecutive_errors, pgt_schema, pgt_name",
      {std::to_string(pgt_id), error, counted ? "true" : "false", std::to_string(max_errors)});
  if (row.rows.empty()) return false;
  const std::string& schema = *row.rows[0][2];
  const std::string& name = *row.rows[0][3];
  int errors = std::stoi(*row.rows[0][1]);
  JsonObject fields;
  fields.add("error", truncate_utf8(error, 2000)).add("sqlstate", sqlstate).add("consecutive_errors", errors)
      .add("retryable", !counted);
  pg::send_alert("refresh_failed", schema, name, error, fields);
  if (parse_stream_table_status(*row.rows[0][0]) != StreamTableStatus::Suspended || !counted) return false;
  pg::send_alert("auto_suspended", schema, name,
                 "suspended after " + std::to_string(errors) + " consecutive failed refreshes: " + error,
                 JsonObject().add("consecutive_errors", errors).add("sqlstate", sqlstate));
  // Delivered when the transaction commits, with the status change.
  pg::spi::exec(
      "SELECT pg_catalog.pg_notify('pg_trickle_alert', pg_catalog.json_build_object("
      "'event', 'suspended', 'pgt_schema', $1, 'pgt_name', $2, 'error', $3, 'sqlstate', $4, "
      "'consecutive_errors', $5::int4, 'at', pg_catalog.now())::text)",
      {row.rows[0][2], row.rows[0][3], error, sqlstate, row.rows[0][1]});
  return true;
}

void record_cycle_failure(const std::vector<int64_t>& ids, const std::string& error, const std::string& sqlstate) {
  for (int64_t id : ids) {
    auto row = pg::spi::run(
        "UPDATE pgtrickle.pgt_stream_tables SET last_error_message = $2, consecutive_errors = consecutive_errors + 1, "
        "status = 'ERROR', updated_at = pg_catalog.now() WHERE pgt_id = $1::int8 "
        "RETURNING pgt_schema, pgt_name, consecutive_errors",
        {std::to_string(id), error});
    if (row.rows.empty()) continue;
    pg::send_alert("refresh_failed", *row.rows[0][0], *row.rows[0][1], error,
                   JsonObject()
                       .add("error", truncate_utf8(error, 2000))
                       .add("sqlstate", sqlstate)
                       .add("consecutive_errors", std::stoi(*row.rows[0][2]))
                       .add("retryable", false)
                       .add("status", "ERROR"));
  }
}

}  // namespace pgt::scheduler
