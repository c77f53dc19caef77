// pg_trickle refresh benchmark driver (see bench/README.md; run via bench/run.sh).
//
// Connects with libpq (PGHOST/PGPORT/... from the environment) to a database
// where pg_trickle is installed, and for every (size N, scenario, change rate)
// runs a few cycles of:  DML (70% UPDATE / 15% DELETE / 15% INSERT) on `src`
// (which has the CDC triggers of the DIFFERENTIAL stream table) and the same DML
// on `src_plain` (no stream table), ANALYZE, then times, each as one statement
// from this client (wall time a user sees):
//   DIFF      refresh of the DIFFERENTIAL stream table
//   FULL      refresh of a FULL stream table of the same query
//   MATVIEW   REFRESH MATERIALIZED VIEW of the same query
//   floor     one MERGE applying the exact final diff to a copy of the stream table
//   no-change refresh of the DIFFERENTIAL stream table right after a refresh
// and reports medians. Writes results.json and refresh.dat (for gnuplot).
#include "common.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace pgtbench;

// ---------------------------------------------------------------------------
// Options

struct Options {
  std::vector<int> sizes = {10000, 100000};
  std::vector<double> rates = {0.01, 0.10, 0.50};
  std::vector<std::string> scenarios = {"scan", "filter", "join", "aggregate", "join_agg", "left_join_agg", "minmax"};
  int cycles_small = 9;   // N <= 10000
  int cycles_large = 7;   // N > 10000
  int cycles_heavy = 3;   // rate >= 0.5 (any N)
  unsigned seed = 20240601;
  // refresh_mode of the "DIFF" stream table; only for exercising the driver
  // while DIFFERENTIAL does not exist yet (the report then warns about it).
  std::string diff_mode = "DIFFERENTIAL";
  std::string out_dir = "bench/results";
  // What a batch of changes is: "mixed" (70% updates, 15% deletes, 15%
  // inserts) or "inserts" (inserts only: the append-only path).
  std::string mix = "mixed";
};

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error("missing value for " + a);
      return argv[++i];
    };
    if (a == "--sizes") o.sizes = parse_list<int>(value(), to_int);
    else if (a == "--rates") o.rates = parse_list<double>(value(), to_double);
    else if (a == "--scenarios") o.scenarios = parse_list<std::string>(value(), to_str);
    else if (a == "--cycles-small") o.cycles_small = std::stoi(value());
    else if (a == "--cycles-large") o.cycles_large = std::stoi(value());
    else if (a == "--cycles-heavy") o.cycles_heavy = std::stoi(value());
    else if (a == "--seed") o.seed = static_cast<unsigned>(std::stoul(value()));
    else if (a == "--out") o.out_dir = value();
    else if (a == "--diff-mode") o.diff_mode = value();
    else if (a == "--mix") o.mix = value();
    else throw std::runtime_error("unknown option " + a);
  }
  return o;
}

// ---------------------------------------------------------------------------
// One (scenario, N, rate) case

struct Case {
  std::string scenario;
  int n_rows = 0;
  double rate = 0;
  int cycles = 0;
  int changes = 0;  // per cycle
  std::map<std::string, std::vector<double>> samples;  // metric -> per-cycle ms (NaN = n/a)
  std::vector<std::string> diff_actions, nochange_actions;
  std::string diff_error;        // why DIFF is n/a (if it is)
  std::string floor_key;         // "__pgt_row_id" (the DIFF stream table's) or "id" (fallback)
  std::string auto_action;       // what the default threshold (0.15) does
  double auto_ms = NAN;
  std::vector<std::string> warm_actions;
  std::optional<bool> warm_diff_matches_full;
  std::string auto_reason;
  std::optional<bool> diff_matches_full;   // DIFF stream table == FULL stream table
  std::optional<bool> floor_matches;       // floor_target after MERGE == stream table
  double st_rows = NAN;

  double med(const std::string& m) const {
    auto it = samples.find(m);
    return it == samples.end() ? NAN : median(it->second);
  }
};

struct History {
  std::string action, status, reason;
  double rows_inserted = NAN, rows_deleted = NAN, server_ms = NAN;
};

class Bench {
 public:
  Bench(Db& db, Options opt) : db_(db), opt_(std::move(opt)) {}

  void run() {
    guc_ok_ = !db_.try_exec("SET pg_trickle.differential_max_change_ratio = 1.0");
    if (!guc_ok_)
      std::cerr << "note: pg_trickle.differential_max_change_ratio is not settable; DIFF "
                   "refreshes run with the extension's default threshold\n";
    for (int n : opt_.sizes)
      for (const auto& sname : opt_.scenarios) {
        const Scenario* sc = nullptr;
        for (const auto& s : kScenarios)
          if (s.name == sname) sc = &s;
        if (!sc) throw std::runtime_error("unknown scenario " + sname);
        run_scenario(*sc, n);
      }
    scheduler_refreshes_ = std::stoi(db_.scalar(
        "SELECT count(*) FROM pgtrickle.pgt_refresh_history WHERE initiated_by = 'SCHEDULER'"));
  }

  const std::vector<Case>& cases() const { return cases_; }
  bool guc_ok() const { return guc_ok_; }
  int scheduler_refreshes() const { return scheduler_refreshes_; }

 private:
  // ---- setup -------------------------------------------------------------
  void drop_all() {
    for (const char* st : {"st_full", "st_diff"})
      if (db_.scalar("SELECT 1 FROM pgtrickle.pgt_stream_tables WHERE pgt_name = $1", {st}) == "1")
        db_.exec(std::string("SELECT pgtrickle.drop_stream_table('") + st + "')");
    db_.exec("DROP MATERIALIZED VIEW IF EXISTS mv");
    db_.exec("DROP TABLE IF EXISTS floor_target, floor_target_nl, floor_diff, src, src_plain, dim "
             "CASCADE");
  }

  void create_sources(int n) {
    db_.exec("CREATE TABLE src (id serial PRIMARY KEY, region text, category text, amount int, "
             "score int)");
    db_.exec(std::string("INSERT INTO src (id, region, category, amount, score) SELECT ") +
             kRowExpr + " FROM generate_series(1, " + std::to_string(n) + ") i");
    db_.exec("SELECT setval('src_id_seq', " + std::to_string(n) + ")");
    db_.exec("CREATE TABLE src_plain (id int PRIMARY KEY, region text, category text, amount int, "
             "score int)");
    db_.exec("INSERT INTO src_plain SELECT * FROM src");
    db_.exec("CREATE TABLE dim (region text PRIMARY KEY, region_name text, multiplier int)");
    db_.exec("INSERT INTO dim VALUES ('north','North',1), ('south','South',2), ('east','East',3), "
             "('west','West',4), ('central','Central',5)");
    db_.exec("VACUUM ANALYZE src, src_plain, dim");
  }

  // Does every row of the DIFF stream table have its own __pgt_row_id (a
  // keyed query; text identities are indexed by hash, not a unique btree)?
  bool diff_has_unique_row_id() {
    return db_.scalar("SELECT (count(*) = count(DISTINCT __pgt_row_id) AND count(*) > 0)::int FROM st_diff") == "1";
  }

  void run_scenario(const Scenario& sc, int n) {
    std::cerr << "== " << sc.name << " N=" << n << ": setting up\n";
    drop_all();
    create_sources(n);
    for (const char* table : {"src", "src_plain"}) {
      std::string sql = sc.setup;
      for (size_t at; (at = sql.find("{src}")) != std::string::npos;) sql.replace(at, 5, table);
      if (!sql.empty()) db_.exec(sql);
    }
    std::string q = lit(sc.query);
    db_.exec("SELECT pgtrickle.create_stream_table('st_full', " + q + ", refresh_mode => 'FULL')");
    db_.exec("CREATE MATERIALIZED VIEW mv AS " + sc.query);
    diff_ok_ = false;
    diff_error_.clear();
    if (auto err = db_.try_exec("SELECT pgtrickle.create_stream_table('st_diff', " + q +
                                ", refresh_mode => " + lit(opt_.diff_mode) + ")")) {
      diff_error_ = first_line(*err);
      std::cerr << "   DIFFERENTIAL not available: " << diff_error_ << "\n";
    } else if (!diff_has_unique_row_id()) {
      diff_ok_ = true;
      floor_from_diff_ = false;
      std::cerr << "   note: st_diff's __pgt_row_id is not unique; floor keyed on id\n";
    } else {
      diff_ok_ = true;
      floor_from_diff_ = true;
    }
    if (!diff_ok_) floor_from_diff_ = false;

    live_.clear();
    for (int i = 1; i <= n; i++) live_.push_back(i);
    next_id_ = n + 1;
    rng_.seed(opt_.seed + static_cast<unsigned>(n));  // same DML sequence for every scenario

    // One unrecorded warm-up cycle (first-use costs: plan caches, buffer creation).
    {
      Case warm;
      warm.scenario = label(sc);
      warm.n_rows = n;
      warm.rate = 0.01;
      run_cycle(sc, warm, 0, false);
    }

    for (double rate : opt_.rates) {
      Case c;
      c.scenario = label(sc);
      c.n_rows = n;
      c.rate = rate;
      c.cycles = rate >= 0.5 ? opt_.cycles_heavy : (n <= 10000 ? opt_.cycles_small
                                                                : opt_.cycles_large);
      c.changes = static_cast<int>(std::lround(rate * n));
      for (int k = 1; k <= c.cycles; k++) run_cycle(sc, c, k, k == c.cycles);
      if (diff_ok_) run_warm_cycles(sc, c);
      if (diff_ok_) run_default_threshold_cycle(c);
      if (!diff_ok_ && c.diff_error.empty()) c.diff_error = diff_error_;
      c.st_rows = std::stod(db_.scalar("SELECT count(*) FROM st_full"));
      std::cerr << "   " << fmt_rate(rate) << ": FULL " << fmt_ms(c.med("full_ms")) << " ms, DIFF "
                << fmt_ms(c.med("diff_ms")) << " ms, floor " << fmt_ms(c.med("floor_ms"))
                << " ms\n";
      cases_.push_back(std::move(c));
    }
    drop_all();
  }

  static std::string first_line(const std::string& s) {
    auto p = s.find('\n');
    return p == std::string::npos ? s : s.substr(0, p);
  }

  History last_history(const std::string& st) {
    Rows r = db_.query(
        "SELECT h.action, h.status, h.rows_inserted, h.rows_deleted, "
        "extract(epoch FROM h.end_time - h.start_time) * 1000, coalesce(h.reason, '') "
        "FROM pgtrickle.pgt_refresh_history h JOIN pgtrickle.pgt_stream_tables s USING (pgt_id) "
        "WHERE s.pgt_name = $1 ORDER BY h.refresh_id DESC LIMIT 1",
        {st});
    History h;
    if (r.empty()) return h;
    h.action = r[0][0].value_or("");
    h.status = r[0][1].value_or("");
    if (r[0][2]) h.rows_inserted = std::stod(*r[0][2]);
    if (r[0][3]) h.rows_deleted = std::stod(*r[0][3]);
    if (r[0][4]) h.server_ms = std::stod(*r[0][4]);
    h.reason = r[0][5].value_or("");
    return h;
  }

  // ---- DML ---------------------------------------------------------------
  struct Batch {
    std::string update_ids, delete_ids;
    int insert_from = 0, insert_to = -1;
  };

  // The scenario's name in the report ("scan+ins" for insert-only batches).
  std::string label(const Scenario& sc) const { return opt_.mix == "inserts" ? sc.name + "+ins" : sc.name; }

  Batch make_batch(int changes) {
    bool inserts_only = opt_.mix == "inserts";
    int n_upd = inserts_only ? 0 : static_cast<int>(std::lround(changes * 0.70));
    int n_del = inserts_only ? 0 : static_cast<int>(std::lround(changes * 0.15));
    int n_ins = changes - n_upd - n_del;
    n_upd = std::min<int>(n_upd, static_cast<int>(live_.size()));
    n_del = std::min<int>(n_del, static_cast<int>(live_.size()) - n_upd);
    // Partial Fisher-Yates: the first n_upd + n_del entries become a random sample.
    size_t pick = static_cast<size_t>(n_upd + n_del);
    for (size_t i = 0; i < pick; i++) {
      std::uniform_int_distribution<size_t> d(i, live_.size() - 1);
      std::swap(live_[i], live_[d(rng_)]);
    }
    Batch b;
    b.update_ids = int_array(live_, 0, n_upd);
    b.delete_ids = int_array(live_, n_upd, pick);
    live_.erase(live_.begin() + n_upd, live_.begin() + static_cast<long>(pick));
    b.insert_from = next_id_;
    b.insert_to = next_id_ + n_ins - 1;
    for (int i = b.insert_from; i <= b.insert_to; i++) live_.push_back(i);
    next_id_ += n_ins;
    return b;
  }

  // The same batch on `table`, one statement per kind; returns the summed ms.
  double apply_batch(const std::string& table, const Batch& b) {
    double ms = 0;
    ms += db_.timed("UPDATE " + table + " SET amount = amount + 1 WHERE id = ANY($1::int[])",
                    {b.update_ids});
    ms += db_.timed("DELETE FROM " + table + " WHERE id = ANY($1::int[])", {b.delete_ids});
    if (b.insert_to >= b.insert_from)
      ms += db_.timed("INSERT INTO " + table + " (id, region, category, amount, score) SELECT " +
                          kRowExpr + " FROM generate_series($1::int, $2::int) i",
                      {std::to_string(b.insert_from), std::to_string(b.insert_to)});
    return ms;
  }

  // ---- floor -------------------------------------------------------------
  // The relation whose rows (user columns + __pgt_row_id) the floor copies.
  std::string floor_source(const Scenario& sc) const {
    if (floor_from_diff_) return "st_diff";
    return "(SELECT " + join_cols(sc.columns) + ", id::text AS __pgt_row_id FROM st_full)";
  }

  // Two identical copies: the floor MERGE is timed once with the planner's own
  // choice (floor_target) and once forced to an index nested loop
  // (floor_target_nl); the floor is the faster of the two. For small diffs the
  // planner tends to hash-join the whole target although probing the unique
  // index is ~3x faster, and a floor must be a lower bound.
  void prepare_floor_target(const Scenario& sc) {
    db_.exec("DROP TABLE IF EXISTS floor_target, floor_target_nl, floor_diff");
    // A copy of the stream table keeps its storage parameters (fillfactor).
    std::string options =
        floor_from_diff_ ? db_.scalar("SELECT pg_catalog.array_to_string(reloptions, ', ') "
                                      "FROM pg_catalog.pg_class WHERE oid = 'st_diff'::regclass")
                         : "";
    std::string with = options.empty() ? "" : " WITH (" + options + ")";
    for (const char* t : {"floor_target", "floor_target_nl"}) {
      db_.exec(std::string("CREATE TABLE ") + t + with + " AS SELECT * FROM " + floor_source(sc) + " x");
      db_.exec(std::string("CREATE UNIQUE INDEX ON ") + t + " (__pgt_row_id)");
      db_.exec(std::string("VACUUM ANALYZE ") + t);
    }
  }

  // floor_diff := exact difference between floor_target (= the stream table
  // before this refresh) and the stream table after it, keyed on __pgt_row_id.
  void build_floor_diff(const Scenario& sc) {
    const auto& cols = sc.columns;
    std::string after = floor_source(sc);
    db_.exec("CREATE TABLE floor_diff AS "
             "SELECT n.__pgt_row_id, CASE WHEN o.__pgt_row_id IS NULL THEN 'I' ELSE 'U' END AS op, " +
             join_cols(cols, "n.") + " FROM " + after +
             " n LEFT JOIN floor_target o ON o.__pgt_row_id = n.__pgt_row_id "
             "WHERE o.__pgt_row_id IS NULL OR ROW(" + join_cols(cols, "o.") +
             ") IS DISTINCT FROM ROW(" + join_cols(cols, "n.") + ") "
             "UNION ALL SELECT o.__pgt_row_id, 'D', " + join_cols(cols, "o.") +
             " FROM floor_target o WHERE NOT EXISTS (SELECT 1 FROM " + after +
             " n WHERE n.__pgt_row_id = o.__pgt_row_id)");
    db_.exec("ANALYZE floor_diff");
  }

  std::string floor_merge_sql(const Scenario& sc, const std::string& target) const {
    std::string set;
    for (size_t i = 0; i < sc.columns.size(); i++)
      set += (i ? ", " : "") + sc.columns[i] + " = d." + sc.columns[i];
    return "MERGE INTO " + target + " t USING floor_diff d ON t.__pgt_row_id = d.__pgt_row_id "
           "WHEN MATCHED AND d.op = 'D' THEN DELETE "
           "WHEN MATCHED THEN UPDATE SET " + set +
           " WHEN NOT MATCHED THEN INSERT (" + join_cols(sc.columns) + ", __pgt_row_id) VALUES (" +
           join_cols(sc.columns, "d.") + ", d.__pgt_row_id)";
  }

  bool same_rows(const std::string& a, const std::string& b, const std::string& cols) {
    return db_.scalar("SELECT count(*) FROM ((SELECT " + cols + " FROM " + a +
                      " x EXCEPT ALL SELECT " + cols + " FROM " + b + " y) UNION ALL (SELECT " +
                      cols + " FROM " + b + " y EXCEPT ALL SELECT " + cols + " FROM " + a +
                      " x)) z") == "0";
  }

  // ---- cycles ------------------------------------------------------------
  void add(Case& c, const std::string& metric, double v) { c.samples[metric].push_back(v); }

  void run_cycle(const Scenario& sc, Case& c, int k, bool verify) {
    // Same starting state for every cycle: everything vacuumed and analyzed
    // (autovacuum is off in the benchmark cluster), floor copy fresh.
    db_.exec("VACUUM ANALYZE");
    prepare_floor_target(sc);
    std::string key_used = floor_from_diff_ ? "__pgt_row_id" : "id";
    if (c.floor_key.empty()) c.floor_key = key_used;
    else if (c.floor_key.find(key_used) == std::string::npos) c.floor_key += "," + key_used;

    // DML: the same batch on the CDC'd source and on the plain copy; order alternates.
    Batch b = make_batch(c.changes > 0 ? c.changes : static_cast<int>(std::lround(c.rate * c.n_rows)));
    double plain_ms, cdc_ms;
    if (k % 2) {
      plain_ms = apply_batch("src_plain", b);
      cdc_ms = apply_batch("src", b);
    } else {
      cdc_ms = apply_batch("src", b);
      plain_ms = apply_batch("src_plain", b);
    }
    db_.exec("ANALYZE src");
    db_.exec("ANALYZE src_plain");

    // DIFFERENTIAL refresh.
    double diff_ms = NAN, diff_server = NAN, nochange_ms = NAN;
    std::string diff_action, nochange_action;
    if (diff_ok_) {
      try {
        diff_ms = db_.timed("SELECT pgtrickle.refresh_stream_table('st_diff')");
        History h = last_history("st_diff");
        diff_action = h.action;
        diff_server = h.server_ms;
        add(c, "diff_rows_written", h.rows_inserted + h.rows_deleted);
      } catch (const SqlError& e) {
        disable_diff(c, e.what());
      }
    }
    double full_ms = db_.timed("SELECT pgtrickle.refresh_stream_table('st_full')");
    double mv_ms = db_.timed("REFRESH MATERIALIZED VIEW mv");

    // Floor: exact diff of this cycle, applied with one MERGE.
    build_floor_diff(sc);
    double diff_rows = std::stod(db_.scalar("SELECT count(*) FROM floor_diff"));
    auto merge_planner = [&] { return db_.timed(floor_merge_sql(sc, "floor_target")); };
    auto merge_nestloop = [&] {
      db_.exec("SET enable_hashjoin = off");
      db_.exec("SET enable_mergejoin = off");
      double ms = db_.timed(floor_merge_sql(sc, "floor_target_nl"));
      db_.exec("RESET enable_hashjoin");
      db_.exec("RESET enable_mergejoin");
      return ms;
    };
    double floor_planner_ms, floor_nl_ms;
    if (k % 2) {
      floor_planner_ms = merge_planner();
      floor_nl_ms = merge_nestloop();
    } else {
      floor_nl_ms = merge_nestloop();
      floor_planner_ms = merge_planner();
    }
    double floor_ms = std::min(floor_planner_ms, floor_nl_ms);

    if (diff_ok_) {
      try {
        nochange_ms = db_.timed("SELECT pgtrickle.refresh_stream_table('st_diff')");
        nochange_action = last_history("st_diff").action;
      } catch (const SqlError& e) {
        disable_diff(c, e.what());
      }
    }

    if (verify) {
      std::string cols = join_cols(sc.columns);
      if (diff_ok_) c.diff_matches_full = same_rows("st_diff", "st_full", cols);
      c.floor_matches = same_rows("floor_target", floor_source(sc), cols + ", __pgt_row_id") &&
                        same_rows("floor_target_nl", floor_source(sc), cols + ", __pgt_row_id");
    }

    add(c, "dml_plain_ms", plain_ms);
    add(c, "dml_cdc_ms", cdc_ms);
    add(c, "full_ms", full_ms);
    add(c, "matview_ms", mv_ms);
    add(c, "diff_ms", diff_ms);
    add(c, "diff_server_ms", diff_server);
    add(c, "floor_ms", floor_ms);
    add(c, "floor_planner_ms", floor_planner_ms);
    add(c, "floor_nestloop_ms", floor_nl_ms);
    add(c, "floor_diff_rows", diff_rows);
    add(c, "nochange_ms", nochange_ms);
    if (!diff_action.empty()) c.diff_actions.push_back(diff_action);
    if (!nochange_action.empty()) c.nochange_actions.push_back(nochange_action);
  }

  void disable_diff(Case& c, const std::string& err) {
    diff_ok_ = false;
    floor_from_diff_ = false;
    diff_error_ = "refresh failed: " + first_line(err);
    c.diff_error = diff_error_;
    std::cerr << "   DIFFERENTIAL refresh failed, DIFF is n/a from here: " << first_line(err)
              << "\n";
  }

  // Cycles without the VACUUM ANALYZE before each refresh: the session's
  // cached plans stay valid, as they do between autovacuum's visits (it
  // analyzes a table after 10% of its rows changed). The cycles above show
  // the other extreme, every plan invalidated right before the refresh.
  void run_warm_cycles(const Scenario& sc, Case& c) {
    for (int k = 1; k <= c.cycles; k++) {
      Batch b = make_batch(c.changes);
      apply_batch("src_plain", b);
      apply_batch("src", b);
      try {
        add(c, "diff_warm_ms", db_.timed("SELECT pgtrickle.refresh_stream_table('st_diff')"));
        c.warm_actions.push_back(last_history("st_diff").action);
      } catch (const SqlError& e) {
        disable_diff(c, e.what());
        return;
      }
      add(c, "full_warm_ms", db_.timed("SELECT pgtrickle.refresh_stream_table('st_full')"));
    }
    c.warm_diff_matches_full = same_rows("st_diff", "st_full", join_cols(sc.columns));
  }

  // One extra cycle with the extension's default change-ratio threshold: what a
  // user gets without tuning (AUTO / DIFFERENTIAL with fallback to FULL).
  void run_default_threshold_cycle(Case& c) {
    Batch b = make_batch(c.changes);
    apply_batch("src_plain", b);
    apply_batch("src", b);
    db_.exec("ANALYZE src");
    db_.exec("ANALYZE src_plain");
    if (guc_ok_) db_.exec("RESET pg_trickle.differential_max_change_ratio");
    try {
      c.auto_ms = db_.timed("SELECT pgtrickle.refresh_stream_table('st_diff')");
      History h = last_history("st_diff");
      c.auto_action = h.action;
      c.auto_reason = h.reason;
    } catch (const SqlError& e) {
      c.auto_action = "ERROR";
      c.auto_reason = first_line(e.what());
    }
    if (guc_ok_) db_.exec("SET pg_trickle.differential_max_change_ratio = 1.0");
  }

  Db& db_;
  Options opt_;
  std::vector<Case> cases_;
  std::vector<int> live_;
  int next_id_ = 1;
  std::mt19937_64 rng_;
  bool diff_ok_ = false, floor_from_diff_ = false, guc_ok_ = false;
  std::string diff_error_;
  int scheduler_refreshes_ = 0;
};

// ---------------------------------------------------------------------------
// Reports

std::string summarize_actions(const std::vector<std::string>& actions) {
  std::map<std::string, int> count;
  for (const auto& a : actions) count[a]++;
  std::string out;
  for (const auto& [a, n] : count) {
    if (!out.empty()) out += "+";
    out += a;
    if (count.size() > 1) out += "x" + std::to_string(n);
  }
  return out;
}

void print_table(const std::vector<Case>& cases, std::ostream& out) {
  struct Col {
    const char* head;
    size_t w;
    bool left;
  };
  const std::vector<Col> cols = {
      {"scenario", 8, true}, {"N", 5, false},       {"rate", 4, false},
      {"cyc", 3, false},     {"FULL", 7, false},    {"MATVIEW", 7, false},
      {"DIFF", 7, false},    {"floor", 7, false},   {"DIFF/FULL", 9, false},
      {"DIFF/floor", 10, false}, {"no-chg", 6, false}, {"DML", 7, false},
      {"DML+CDC", 7, false}, {"CDC x", 6, false},   {"FULLwarm", 8, false},
      {"DIFFwarm", 8, false}, {"DIFF/FULLwarm", 13, false}, {"AUTO@default", 19, true},
  };
  auto row = [&](const std::vector<std::string>& v) {
    std::string line;
    for (size_t i = 0; i < cols.size(); i++)
      line += (i ? "  " : "") + pad(v[i], cols[i].w, cols[i].left);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  };
  std::vector<std::string> head;
  for (const auto& c : cols) head.push_back(c.head);
  row(head);
  std::string rule;
  for (size_t i = 0; i < cols.size(); i++) rule += (i ? "  " : "") + std::string(cols[i].w, '-');
  out << rule << "\n";
  for (const auto& c : cases) {
    double full = c.med("full_ms"), diff = c.med("diff_ms"), floor = c.med("floor_ms");
    double plain = c.med("dml_plain_ms"), cdc = c.med("dml_cdc_ms");
    std::string autos = "n/a";
    if (!c.auto_action.empty()) autos = c.auto_action + " " + fmt_ms(c.auto_ms);
    row({c.scenario, fmt_size(c.n_rows), fmt_rate(c.rate), std::to_string(c.cycles),
         fmt_ms(full), fmt_ms(c.med("matview_ms")), fmt_ms(diff), fmt_ms(floor),
         fmt_ratio(diff / full), fmt_ratio(diff / floor), fmt_ms(c.med("nochange_ms")),
         fmt_ms(plain), fmt_ms(cdc), fmt_ratio(cdc / plain), fmt_ms(c.med("full_warm_ms")),
         fmt_ms(c.med("diff_warm_ms")), fmt_ratio(c.med("diff_warm_ms") / c.med("full_warm_ms")), autos});
  }
  out << "(all times: median ms per cycle, wall time of one statement seen by a libpq client;\n"
         " FULL, DIFF: every cached plan invalidated by VACUUM ANALYZE before the refresh;\n"
         " FULLwarm, DIFFwarm: the same number of cycles without it)\n";
}

void write_json(const std::vector<Case>& cases, const Options& opt, bool guc_ok,
                int scheduler_refreshes, double load_start, double load_end,
                const std::string& path) {
  std::ofstream f(path);
  if (!f) throw std::runtime_error("cannot write " + path);
  f << "{\n  \"benchmark\": \"pg_trickle refresh\",\n  \"seed\": " << opt.seed
    << ",\n  \"server_version\": " << json_str(std::getenv("BENCH_SERVER_VERSION")
                                                   ? std::getenv("BENCH_SERVER_VERSION")
                                                   : "")
    << ",\n  \"differential_max_change_ratio_set\": " << (guc_ok ? "true" : "false")
    << ",\n  \"scheduler_refreshes_seen\": " << scheduler_refreshes
    << ",\n  \"load_average_start\": " << json_num(load_start, 2)
    << ",\n  \"load_average_end\": " << json_num(load_end, 2) << ",\n  \"cases\": [\n";
  for (size_t i = 0; i < cases.size(); i++) {
    const Case& c = cases[i];
    double full = c.med("full_ms"), diff = c.med("diff_ms"), floor = c.med("floor_ms");
    double plain = c.med("dml_plain_ms"), cdc = c.med("dml_cdc_ms");
    auto opt_bool = [](const std::optional<bool>& b) {
      return b ? (*b ? "true" : "false") : "null";
    };
    f << "    {\"scenario\": " << json_str(c.scenario) << ", \"N\": " << c.n_rows
      << ", \"rate\": " << json_num(c.rate, 4) << ", \"cycles\": " << c.cycles
      << ", \"changes_per_cycle\": " << c.changes << ", \"stream_table_rows\": "
      << json_num(c.st_rows, 0) << ",\n     \"full_ms\": " << json_num(full)
      << ", \"matview_ms\": " << json_num(c.med("matview_ms"))
      << ", \"diff_ms\": " << json_num(diff) << ", \"diff_server_ms\": "
      << json_num(c.med("diff_server_ms")) << ", \"floor_ms\": " << json_num(floor)
      << ", \"floor_planner_ms\": " << json_num(c.med("floor_planner_ms"))
      << ", \"floor_nestloop_ms\": " << json_num(c.med("floor_nestloop_ms"))
      << ", \"diff_over_full\": " << json_num(diff / full, 4)
      << ", \"diff_over_floor\": " << json_num(diff / floor, 4)
      << ",\n     \"nochange_ms\": " << json_num(c.med("nochange_ms"))
      << ", \"dml_plain_ms\": " << json_num(plain) << ", \"dml_cdc_ms\": " << json_num(cdc)
      << ", \"cdc_overhead\": " << json_num(cdc / plain, 4)
      << ",\n     \"floor_diff_rows\": " << json_num(c.med("floor_diff_rows"), 1)
      << ", \"diff_rows_written\": " << json_num(c.med("diff_rows_written"), 1)
      << ", \"floor_key\": " << json_str(c.floor_key)
      << ", \"diff_available\": " << (std::isnan(diff) ? "false" : "true")
      << ", \"diff_error\": " << (c.diff_error.empty() ? "null" : json_str(c.diff_error))
      << ",\n     \"diff_actions\": " << json_str(summarize_actions(c.diff_actions))
      << ", \"nochange_actions\": " << json_str(summarize_actions(c.nochange_actions))
      << ", \"warm_actions\": " << json_str(summarize_actions(c.warm_actions))
      << ", \"full_warm_ms\": " << json_num(c.med("full_warm_ms"))
      << ", \"diff_warm_ms\": " << json_num(c.med("diff_warm_ms"))
      << ", \"warm_diff_matches_full\": " << opt_bool(c.warm_diff_matches_full)
      << ", \"diff_matches_full\": " << opt_bool(c.diff_matches_full)
      << ", \"floor_matches\": " << opt_bool(c.floor_matches)
      << ",\n     \"default_threshold\": {\"action\": "
      << (c.auto_action.empty() ? "null" : json_str(c.auto_action))
      << ", \"ms\": " << json_num(c.auto_ms)
      << ", \"reason\": " << (c.auto_reason.empty() ? "null" : json_str(c.auto_reason)) << "}"
      << ",\n     \"samples_ms\": {";
    bool first = true;
    for (const auto& [metric, v] : c.samples) {
      if (metric.size() < 3 || metric.substr(metric.size() - 3) != "_ms") continue;
      f << (first ? "" : ", ") << json_str(metric) << ": [";
      for (size_t j = 0; j < v.size(); j++) f << (j ? ", " : "") << json_num(v[j]);
      f << "]";
      first = false;
    }
    f << "}}" << (i + 1 < cases.size() ? "," : "") << "\n";
  }
  f << "  ]\n}\n";
}

// Whitespace-separated table for gnuplot: label full matview diff floor (ms; NaN = n/a).
void write_dat(const std::vector<Case>& cases, const std::string& path) {
  std::ofstream f(path);
  f << "# case FULL MATVIEW DIFF floor (median ms)\n";
  auto v = [](double x) { return std::isnan(x) ? std::string("NaN") : json_num(x); };
  for (const auto& c : cases)
    f << "\"" << c.scenario << " " << fmt_size(c.n_rows) << " " << fmt_rate(c.rate) << "\" "
      << v(c.med("full_ms")) << " " << v(c.med("matview_ms")) << " " << v(c.med("diff_ms")) << " "
      << v(c.med("floor_ms")) << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  try {
    Options opt = parse_options(argc, argv);
    Db db;
    Bench bench(db, opt);
    double load_start = load_average();
    bench.run();
    double load_end = load_average();
    std::cout << "\n";
    print_table(bench.cases(), std::cout);
    for (const auto& c : bench.cases())
      if (!c.diff_error.empty()) {
        std::cout << "DIFF n/a (first case affected: " << c.scenario << " " << fmt_size(c.n_rows)
                  << " " << fmt_rate(c.rate) << "): " << c.diff_error << "\n";
        break;
      }
    for (const auto& c : bench.cases()) {
      std::string where = c.scenario + " " + fmt_size(c.n_rows) + " " + fmt_rate(c.rate);
      std::string acts = summarize_actions(c.diff_actions);
      if (!acts.empty() && acts != "DIFFERENTIAL")
        std::cout << "WARNING " << where << ": DIFF refreshes ran as " << acts << "\n";
      if (c.diff_matches_full && !*c.diff_matches_full)
        std::cout << "WARNING " << where << ": DIFF stream table differs from FULL\n";
      if (c.warm_diff_matches_full && !*c.warm_diff_matches_full)
        std::cout << "WARNING " << where << ": DIFF stream table differs from FULL after the warm cycles\n";
      std::string warm = summarize_actions(c.warm_actions);
      if (!warm.empty() && warm != "DIFFERENTIAL")
        std::cout << "WARNING " << where << ": warm DIFF refreshes ran as " << warm << "\n";
      if (c.floor_matches && !*c.floor_matches)
        std::cout << "WARNING " << where << ": floor MERGE result differs from stream table\n";
    }
    if (!bench.guc_ok())
      std::cout << "note: pg_trickle.differential_max_change_ratio could not be set to 1.0\n";
    if (bench.scheduler_refreshes() > 0)
      std::cout << "WARNING: the background scheduler refreshed stream tables "
                << bench.scheduler_refreshes() << " times during the run\n";
    std::cout << "load average (1 min) at start " << json_num(load_start, 2) << ", at end "
              << json_num(load_end, 2) << " on " << std::thread::hardware_concurrency()
              << " cores\n";
    write_json(bench.cases(), opt, bench.guc_ok(), bench.scheduler_refreshes(), load_start,
               load_end, opt.out_dir + "/results.json");
    write_dat(bench.cases(), opt.out_dir + "/refresh.dat");
  } catch (const std::exception& e) {
    std::cerr << "bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
