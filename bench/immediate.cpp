// pg_trickle IMMEDIATE benchmark driver: write overhead of a stream table kept
// fresh inside the writing statement (see bench/README.md; run via bench/immediate.sh).
//
// For every scenario of bench.cpp, four identical copies of the workload's
// tables are created, one per schema, and the same writes are timed on each:
//   plain  no stream table                                    (a)
//   imm    a pg_trickle stream table, refresh_mode IMMEDIATE  (b)
//   ivm    a pg_ivm IMMV of the same query (if pg_ivm is there) (c)
//   diff   a pg_trickle DIFFERENTIAL stream table: the write
//          (with its CDC triggers) plus one refresh after it   (d)
// The writes of one cycle: K single-row UPDATE transactions (autocommit, one
// prepared statement per copy, interleaved across the copies), then one UPDATE,
// one DELETE and one INSERT statement of rate x N rows each. Medians over the
// cycles, ratios against plain; at the end of a scenario the IMMEDIATE stream
// table, the IMMV and the (refreshed) DIFFERENTIAL stream table are compared
// with their query (multiset). Exit status 1 if one of them differs.
#include "common.h"

#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <thread>

namespace {

using namespace pgtbench;

// ---------------------------------------------------------------------------
// Options

constexpr const char* kUnindexedJoin = "join_unindexed";

struct Options {
  int rows = 100000;
  int cycles = 7;
  int singles = 1000;  // single-row UPDATE transactions per cycle
  double rate = 0.01;  // size of a batch statement, as a fraction of rows
  std::vector<std::string> scenarios = {"scan",     "filter",        "join",  "join_unindexed", "aggregate",
                                        "join_agg", "left_join_agg", "minmax"};
  bool ivm = true;  // measure pg_ivm (the script passes --no-ivm if it is not installed)
  unsigned seed = 20240601;
  std::string out_dir = "bench/results";
};

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error("missing value for " + a);
      return argv[++i];
    };
    if (a == "--rows") o.rows = std::stoi(value());
    else if (a == "--cycles") o.cycles = std::stoi(value());
    else if (a == "--singles") o.singles = std::stoi(value());
    else if (a == "--rate") o.rate = std::stod(value());
    else if (a == "--scenarios") o.scenarios = parse_list<std::string>(value(), to_str);
    else if (a == "--no-ivm") o.ivm = false;
    else if (a == "--seed") o.seed = static_cast<unsigned>(std::stoul(value()));
    else if (a == "--out") o.out_dir = value();
    else throw std::runtime_error("unknown option " + a);
  }
  if (o.rows < 100 || o.cycles < 1 || o.singles < 1 || o.rate <= 0 || o.rate > 0.3)
    throw std::runtime_error("need --rows >= 100, --cycles >= 1, --singles >= 1, 0 < --rate <= 0.3");
  return o;
}

// ---------------------------------------------------------------------------
// Results

// The four copies, each a schema holding src, dim and the object `st`.
enum Cfg { kPlain, kImm, kIvm, kDiff };
const char* const kSchema[] = {"plain", "imm", "ivm", "diff"};

// The writes of a cycle.
const std::vector<std::string> kOps = {"single", "update", "delete", "insert"};

struct OpResult {
  // metric -> per-cycle ms: plain, imm, ivm, diff_dml, diff_refresh, diff_total
  std::map<std::string, std::vector<double>> samples;
  double med(const std::string& m) const {
    auto it = samples.find(m);
    return it == samples.end() ? NAN : median(it->second);
  }
};

struct ScenarioResult {
  std::string name;
  int rows = 0;          // stream table rows at the start
  int statement_rows = 0;  // rows per batch statement
  std::map<std::string, OpResult> ops;
  bool imm_available = false, ivm_available = false, diff_available = false;
  std::string imm_error, ivm_error, diff_error;
  std::string ivm_index;  // the index added to the IMMV ("" = pg_ivm made its own or none)
  std::optional<bool> imm_matches, ivm_matches, diff_matches;
  std::vector<std::string> diff_actions;
};

std::string first_line(const std::string& s) {
  auto p = s.find('\n');
  std::string line = p == std::string::npos ? s : s.substr(0, p);
  auto in = line.find("  [in: ");  // SqlError's statement suffix
  return in == std::string::npos ? line : line.substr(0, in);
}

// ---------------------------------------------------------------------------
// The benchmark

class Bench {
 public:
  Bench(Db& db, Options opt) : db_(db), opt_(std::move(opt)) {}

  void run() {
    db_.exec("SET pg_trickle.differential_max_change_ratio = 1.0");  // (d) stays differential
    // pg_ivm >= 1.10 has its functions in schema pgivm, older versions in public.
    if (opt_.ivm)
      ivm_create_ = db_.scalar("SELECT CASE WHEN pg_catalog.to_regproc('pgivm.create_immv') IS NOT NULL "
                               "THEN 'pgivm.create_immv' ELSE 'public.create_immv' END");
    for (const auto& name : opt_.scenarios) {
      // join_unindexed: the join as pg_ivm makes it, without the index a
      // user would add to its IMMV (pg_trickle indexes its row identity).
      bool unindexed = name == kUnindexedJoin;
      const Scenario* sc = nullptr;
      for (const auto& s : kScenarios)
        if (s.name == (unindexed ? std::string("join") : name)) sc = &s;
      if (!sc) throw std::runtime_error("unknown scenario " + name);
      Scenario scenario = *sc;
      if (unindexed) scenario.name = kUnindexedJoin;
      results_.push_back(run_scenario(scenario));
    }
  }

  const std::vector<ScenarioResult>& results() const { return results_; }

 private:
  // ---- setup -------------------------------------------------------------
  void drop_all() {
    db_.exec("DEALLOCATE ALL");
    for (const char* st : {"imm", "diff"})
      if (db_.scalar("SELECT 1 FROM pgtrickle.pgt_stream_tables WHERE pgt_schema = $1 AND "
                     "pgt_name = 'st'",
                     {st}) == "1")
        db_.exec(std::string("SELECT pgtrickle.drop_stream_table('") + st + ".st')");
    for (const char* s : kSchema) db_.exec(std::string("DROP SCHEMA IF EXISTS ") + s + " CASCADE");
  }

  void create_sources(const Scenario& sc, const std::string& s) {
    db_.exec("CREATE SCHEMA " + s);
    db_.exec("CREATE TABLE " + s +
             ".src (id int PRIMARY KEY, region text, category text, amount int, score int)");
    db_.exec("INSERT INTO " + s + ".src SELECT " + kRowExpr + " FROM generate_series(1, " +
             std::to_string(opt_.rows) + ") i");
    db_.exec("CREATE TABLE " + s + ".dim (region text PRIMARY KEY, region_name text, multiplier int)");
    db_.exec("INSERT INTO " + s + ".dim VALUES ('north','North',1), ('south','South',2), "
             "('east','East',3), ('west','West',4), ('central','Central',5)");
    std::string sql = sc.setup;
    for (size_t at; (at = sql.find("{src}")) != std::string::npos;) sql.replace(at, 5, s + ".src");
    if (!sql.empty()) db_.exec(sql);
  }

  // Runs `sql` with the scenario's unqualified `src` and `dim` resolving to schema s.
  std::optional<std::string> try_in_schema(const std::string& s, const std::string& sql) {
    db_.exec("SET search_path = " + s);
    auto err = db_.try_exec(sql);
    db_.exec("RESET search_path");
    return err;
  }

  void create_objects(const Scenario& sc, ScenarioResult& r) {
    std::string q = lit(sc.query);
    if (auto err = try_in_schema("imm", "SELECT pgtrickle.create_stream_table('imm.st', " + q +
                                            ", refresh_mode => 'IMMEDIATE')")) {
      r.imm_error = first_line(*err);
    } else {
      std::string mode = db_.scalar(
          "SELECT effective_refresh_mode FROM pgtrickle.pgt_stream_tables "
          "WHERE pgt_schema = 'imm' AND pgt_name = 'st'");
      if (mode == "IMMEDIATE") r.imm_available = true;
      else r.imm_error = "created with effective_refresh_mode " + mode;
    }
    if (!opt_.ivm) {
      r.ivm_error = "pg_ivm not measured";
    } else if (auto err = try_in_schema("ivm", "SELECT " + ivm_create_ + "('ivm.st', " + q + ")")) {
      r.ivm_error = first_line(*err);
    } else {
      r.ivm_available = true;
      // pg_ivm indexes the IMMV only when it can make the index unique (GROUP BY,
      // DISTINCT, or every source's primary key in the target list) and otherwise
      // advises to create one: a user would index the row key, as pg_trickle does.
      bool indexed = db_.scalar("SELECT count(*) FROM pg_index WHERE indrelid = 'ivm.st'::regclass") != "0";
      if (!indexed && sc.name != kUnindexedJoin &&
          std::find(sc.columns.begin(), sc.columns.end(), "id") != sc.columns.end()) {
        r.ivm_index = "CREATE INDEX ON ivm.st (id)";
        db_.exec(r.ivm_index);
      }
    }
    if (auto err = try_in_schema("diff", "SELECT pgtrickle.create_stream_table('diff.st', " + q +
                                             ", refresh_mode => 'DIFFERENTIAL')"))
      r.diff_error = first_line(*err);
    else
      r.diff_available = true;
  }

  bool available(const ScenarioResult& r, Cfg c) const {
    switch (c) {
      case kPlain: return true;
      case kImm: return r.imm_available;
      case kIvm: return r.ivm_available;
      case kDiff: return r.diff_available;
    }
    return false;
  }

  // The query's rows (in schema s) as a multiset against s.st.
  bool matches_query(const Scenario& sc, const std::string& s) {
    std::string cols = join_cols(sc.columns);
    db_.exec("SET search_path = " + s);
    std::string n = db_.scalar("SELECT count(*) FROM ((SELECT " + cols + " FROM " + s +
                               ".st EXCEPT ALL SELECT " + cols + " FROM (" + sc.query +
                               ") q) UNION ALL (SELECT " + cols + " FROM (" + sc.query +
                               ") q EXCEPT ALL SELECT " + cols + " FROM " + s + ".st)) z");
    db_.exec("RESET search_path");
    return n == "0";
  }

  ScenarioResult run_scenario(const Scenario& sc) {
    std::cerr << "== " << sc.name << " N=" << opt_.rows << ": setting up\n";
    ScenarioResult r;
    r.name = sc.name;
    r.statement_rows = static_cast<int>(std::lround(opt_.rate * opt_.rows));
    drop_all();
    for (const char* s : kSchema) create_sources(sc, s);
    db_.exec("VACUUM ANALYZE");
    create_objects(sc, r);
    for (auto [c, err] : {std::pair{kImm, &r.imm_error}, {kIvm, &r.ivm_error}, {kDiff, &r.diff_error}})
      if (!err->empty()) std::cerr << "   " << kSchema[c] << ": n/a: " << *err << "\n";
    r.rows = std::stoi(count_in_schema(sc));
    for (int c = kPlain; c <= kDiff; c++)
      if (available(r, static_cast<Cfg>(c)))
        db_.prepare(std::string("upd_") + kSchema[c],
                    std::string("UPDATE ") + kSchema[c] + ".src SET amount = amount + 1 WHERE id = $1");

    live_.clear();
    for (int i = 1; i <= opt_.rows; i++) live_.push_back(i);
    next_id_ = opt_.rows + 1;
    rng_.seed(opt_.seed + static_cast<unsigned>(opt_.rows));

    // One unrecorded warm-up cycle (plan caches, first use of every statement).
    run_cycle(r, 0, false);
    for (int k = 1; k <= opt_.cycles; k++) run_cycle(r, k, true);

    if (r.imm_available) r.imm_matches = matches_query(sc, "imm");
    if (r.ivm_available) r.ivm_matches = matches_query(sc, "ivm");
    if (r.diff_available) {
      db_.exec("SELECT pgtrickle.refresh_stream_table('diff.st')");
      r.diff_matches = matches_query(sc, "diff");
    }
    auto yes = [](const std::optional<bool>& b) { return !b ? "n/a" : *b ? "ok" : "DIFFERS"; };
    const OpResult& u = r.ops["update"];
    std::cerr << "   update " << fmt_rate(opt_.rate) << ": plain " << fmt_ms(u.med("plain"))
              << " ms, IMMEDIATE " << fmt_ms(u.med("imm")) << ", pg_ivm " << fmt_ms(u.med("ivm"))
              << ", DIFF+refresh " << fmt_ms(u.med("diff_total")) << "; check: IMMEDIATE "
              << yes(r.imm_matches) << ", pg_ivm " << yes(r.ivm_matches) << ", DIFF "
              << yes(r.diff_matches) << "\n";
    drop_all();
    return r;
  }

  std::string count_in_schema(const Scenario& sc) {
    db_.exec("SET search_path = plain");
    std::string n = db_.scalar("SELECT count(*) FROM (" + sc.query + ") q");
    db_.exec("RESET search_path");
    return n;
  }

  // ---- the writes --------------------------------------------------------
  // n distinct random live ids (partial Fisher-Yates); `remove` takes them out.
  std::vector<int> pick(size_t n, bool remove) {
    n = std::min(n, live_.size());
    for (size_t i = 0; i < n; i++) {
      std::uniform_int_distribution<size_t> d(i, live_.size() - 1);
      std::swap(live_[i], live_[d(rng_)]);
    }
    std::vector<int> ids(live_.begin(), live_.begin() + static_cast<long>(n));
    if (remove) live_.erase(live_.begin(), live_.begin() + static_cast<long>(n));
    return ids;
  }

  double refresh_diff(ScenarioResult& r, bool record) {
    double ms = db_.timed("SELECT pgtrickle.refresh_stream_table('diff.st')");
    if (record)
      r.diff_actions.push_back(db_.scalar(
          "SELECT h.action FROM pgtrickle.pgt_refresh_history h JOIN pgtrickle.pgt_stream_tables s "
          "USING (pgt_id) WHERE s.pgt_schema = 'diff' AND s.pgt_name = 'st' "
          "ORDER BY h.refresh_id DESC LIMIT 1"));
    return ms;
  }

  // The copies in the order of this round (rotated, so none is always first).
  std::vector<Cfg> order(const ScenarioResult& r, int round) const {
    std::vector<Cfg> all;
    for (int i = 0; i < 4; i++) {
      Cfg c = static_cast<Cfg>((i + round) % 4);
      if (available(r, c)) all.push_back(c);
    }
    return all;
  }

  void run_cycle(ScenarioResult& r, int k, bool record) {
    // Same starting state for every cycle (autovacuum is off in the benchmark
    // cluster): everything vacuumed and analyzed, which also invalidates the
    // cached plans, so each cycle starts cold.
    db_.exec("VACUUM ANALYZE");
    auto metric = [](Cfg c) { return c == kDiff ? std::string("diff_dml") : kSchema[c]; };

    // K single-row UPDATE transactions per copy, the same rows on each, in
    // chunks of kChunk transactions per copy taking turns (so that load from
    // elsewhere on the machine spreads over all copies, while a transaction
    // seldom follows one of another copy: a plain UPDATE right after a
    // maintained one runs measurably slower, caches being cold).
    const size_t kChunk = 50;
    int singles = record ? opt_.singles : std::max(20, opt_.singles / 10);
    std::vector<int> ids = pick(static_cast<size_t>(singles), false);
    std::map<Cfg, double> total;
    for (size_t from = 0; from < ids.size(); from += kChunk) {
      size_t to = std::min(ids.size(), from + kChunk);
      for (Cfg c : order(r, k + static_cast<int>(from / kChunk)))
        for (size_t i = from; i < to; i++)
          total[c] += db_.timed_prepared(std::string("upd_") + kSchema[c], {std::to_string(ids[i])});
    }
    OpResult& single = r.ops["single"];
    for (auto [c, ms] : total)
      if (record) single.samples[metric(c)].push_back(ms);
    if (r.diff_available) {
      double ref = refresh_diff(r, record);
      if (record) {
        single.samples["diff_refresh"].push_back(ref);
        single.samples["diff_total"].push_back(total[kDiff] + ref);
      }
    }

    // One statement of rate x N rows per kind; the DIFFERENTIAL copy is
    // refreshed right after its statement.
    size_t n = static_cast<size_t>(r.statement_rows);
    std::vector<int> upd = pick(n, false);
    std::vector<int> del = pick(n, true);
    int ins_from = next_id_, ins_to = next_id_ + static_cast<int>(n) - 1;
    next_id_ += static_cast<int>(n);
    for (int i = ins_from; i <= ins_to; i++) live_.push_back(i);

    for (const std::string op : {"update", "delete", "insert"}) {
      OpResult& res = r.ops[op];
      for (Cfg c : order(r, k)) {
        std::string t = std::string(kSchema[c]) + ".src";
        double ms;
        if (op == "update")
          ms = db_.timed("UPDATE " + t + " SET amount = amount + 1 WHERE id = ANY($1::int[])",
                         {int_array(upd, 0, upd.size())});
        else if (op == "delete")
          ms = db_.timed("DELETE FROM " + t + " WHERE id = ANY($1::int[])",
                         {int_array(del, 0, del.size())});
        else
          ms = db_.timed("INSERT INTO " + t + " SELECT " + kRowExpr +
                             " FROM generate_series($1::int, $2::int) i",
                         {std::to_string(ins_from), std::to_string(ins_to)});
        if (!record) continue;
        res.samples[metric(c)].push_back(ms);
        if (c == kDiff) {
          double ref = refresh_diff(r, true);
          res.samples["diff_refresh"].push_back(ref);
          res.samples["diff_total"].push_back(ms + ref);
        }
      }
      if (!record && r.diff_available) refresh_diff(r, false);
    }
  }

  Db& db_;
  Options opt_;
  std::vector<ScenarioResult> results_;
  std::string ivm_create_;  // pg_ivm's create_immv, schema-qualified
  std::vector<int> live_;
  int next_id_ = 1;
  std::mt19937_64 rng_;
};

// ---------------------------------------------------------------------------
// Reports

std::string op_label(const std::string& op, const Options& o) {
  if (op == "single") return std::to_string(o.singles) + " tx";
  return op + " " + fmt_rate(o.rate);
}

void print_table(const std::vector<ScenarioResult>& results, const Options& opt, std::ostream& out) {
  struct Col {
    const char* head;
    size_t w;
    bool left;
  };
  const std::vector<Col> cols = {
      {"scenario", 13, true}, {"write", 11, true},   {"plain", 7, false},
      {"IMMEDIATE", 9, false}, {"pg_ivm", 7, false}, {"DIFF+ref", 8, false},
      {"(ref)", 7, false},    {"IMM x", 7, false},   {"ivm x", 7, false},
      {"DIFF x", 7, false},   {"IMM/ivm", 7, false},
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
  for (const auto& r : results) {
    for (const auto& op : kOps) {
      auto it = r.ops.find(op);
      if (it == r.ops.end()) continue;
      const OpResult& o = it->second;
      double plain = o.med("plain"), imm = o.med("imm"), ivm = o.med("ivm");
      double diff = o.med("diff_total"), ref = o.med("diff_refresh");
      auto cells = [&](double div, const std::string& label) {
        row({op == "single" && div > 1 ? "" : r.name, label, fmt_ms(plain / div), fmt_ms(imm / div),
             fmt_ms(ivm / div), fmt_ms(diff / div), fmt_ms(ref / div), fmt_ratio(imm / plain),
             fmt_ratio(ivm / plain), fmt_ratio(diff / plain), fmt_ratio(imm / ivm)});
      };
      cells(1, op_label(op, opt));
      if (op == "single") cells(opt.singles, "  per tx");
    }
  }
  out << "(median ms over " << opt.cycles << " cycles, N = " << opt.rows
      << ", wall time seen by a libpq client. plain: no stream table; IMMEDIATE: pg_trickle\n"
         " IMMEDIATE stream table; pg_ivm: IMMV; DIFF+ref: the write on a source of a\n"
         " DIFFERENTIAL stream table + one refresh_stream_table after it, (ref) that refresh\n"
         " alone (after all " << opt.singles << " transactions for the tx rows); x: over plain)\n";
}

std::string opt_bool(const std::optional<bool>& b) { return b ? (*b ? "true" : "false") : "null"; }

std::string null_or_str(const std::string& s) { return s.empty() ? "null" : json_str(s); }

void write_json(const std::vector<ScenarioResult>& results, const Options& opt,
                const std::string& ivm_version, double load_start, double load_end,
                const std::string& path) {
  std::ofstream f(path);
  if (!f) throw std::runtime_error("cannot write " + path);
  const char* ver = std::getenv("BENCH_SERVER_VERSION");
  f << "{\n  \"benchmark\": \"pg_trickle IMMEDIATE write overhead\",\n  \"N\": " << opt.rows
    << ",\n  \"cycles\": " << opt.cycles << ",\n  \"single_row_transactions\": " << opt.singles
    << ",\n  \"batch_rate\": " << json_num(opt.rate, 4) << ",\n  \"seed\": " << opt.seed
    << ",\n  \"server_version\": " << json_str(ver ? ver : "")
    << ",\n  \"pg_ivm_version\": " << null_or_str(ivm_version)
    << ",\n  \"load_average_start\": " << json_num(load_start, 2)
    << ",\n  \"load_average_end\": " << json_num(load_end, 2) << ",\n  \"scenarios\": [\n";
  for (size_t i = 0; i < results.size(); i++) {
    const ScenarioResult& r = results[i];
    f << "    {\"scenario\": " << json_str(r.name) << ", \"stream_table_rows\": " << r.rows
      << ", \"batch_rows\": " << r.statement_rows
      << ",\n     \"immediate_error\": " << null_or_str(r.imm_error)
      << ", \"ivm_error\": " << null_or_str(r.ivm_error)
      << ", \"diff_error\": " << null_or_str(r.diff_error)
      << ", \"ivm_index_added\": " << null_or_str(r.ivm_index)
      << ",\n     \"immediate_matches_query\": " << opt_bool(r.imm_matches)
      << ", \"ivm_matches_query\": " << opt_bool(r.ivm_matches)
      << ", \"diff_matches_query\": " << opt_bool(r.diff_matches);
    std::map<std::string, int> acts;
    for (const auto& a : r.diff_actions) acts[a]++;
    f << ", \"diff_refresh_actions\": {";
    bool first = true;
    for (const auto& [a, n] : acts) {
      f << (first ? "" : ", ") << json_str(a) << ": " << n;
      first = false;
    }
    f << "},\n     \"writes\": {";
    first = true;
    for (const auto& op : kOps) {
      auto it = r.ops.find(op);
      if (it == r.ops.end()) continue;
      const OpResult& o = it->second;
      double plain = o.med("plain"), imm = o.med("imm"), ivm = o.med("ivm"),
             diff = o.med("diff_total");
      f << (first ? "" : ",") << "\n       " << json_str(op) << ": {\"rows_per_statement\": "
        << (op == "single" ? 1 : r.statement_rows)
        << ", \"statements\": " << (op == "single" ? opt.singles : 1)
        << ", \"plain_ms\": " << json_num(plain) << ", \"immediate_ms\": " << json_num(imm)
        << ", \"ivm_ms\": " << json_num(ivm) << ", \"diff_dml_ms\": " << json_num(o.med("diff_dml"))
        << ", \"diff_refresh_ms\": " << json_num(o.med("diff_refresh"))
        << ", \"diff_total_ms\": " << json_num(diff);
      if (op == "single")
        f << ", \"per_tx_ms\": {\"plain\": " << json_num(plain / opt.singles, 4)
          << ", \"immediate\": " << json_num(imm / opt.singles, 4)
          << ", \"ivm\": " << json_num(ivm / opt.singles, 4)
          << ", \"diff_total\": " << json_num(diff / opt.singles, 4) << "}";
      f << ", \"immediate_over_plain\": " << json_num(imm / plain, 4)
        << ", \"ivm_over_plain\": " << json_num(ivm / plain, 4)
        << ", \"diff_over_plain\": " << json_num(diff / plain, 4)
        << ", \"immediate_over_ivm\": " << json_num(imm / ivm, 4) << ", \"samples_ms\": {";
      bool f2 = true;
      for (const auto& [m, v] : o.samples) {
        f << (f2 ? "" : ", ") << json_str(m) << ": [";
        for (size_t j = 0; j < v.size(); j++) f << (j ? ", " : "") << json_num(v[j]);
        f << "]";
        f2 = false;
      }
      f << "}}";
      first = false;
    }
    f << "}}" << (i + 1 < results.size() ? "," : "") << "\n";
  }
  f << "  ]\n}\n";
}

}  // namespace

int main(int argc, char** argv) {
  try {
    Options opt = parse_options(argc, argv);
    Db db;
    std::string ivm_version;
    if (opt.ivm) {
      if (auto err = db.try_exec("CREATE EXTENSION IF NOT EXISTS pg_ivm")) {
        std::cout << "pg_ivm not usable: " << first_line(*err) << "\n";
        opt.ivm = false;
      } else {
        ivm_version = db.scalar("SELECT extversion FROM pg_extension WHERE extname = 'pg_ivm'");
      }
    }
    Bench bench(db, opt);
    double load_start = load_average();
    bench.run();
    double load_end = load_average();
    std::cout << "\n";
    print_table(bench.results(), opt, std::cout);
    bool ok = true;
    for (const auto& r : bench.results()) {
      auto na = [&](const char* what, const std::string& err) {
        if (!err.empty()) std::cout << r.name << ": " << what << " n/a: " << err << "\n";
      };
      na("IMMEDIATE", r.imm_error);
      if (opt.ivm) na("pg_ivm", r.ivm_error);
      na("DIFFERENTIAL", r.diff_error);
      if (!r.ivm_index.empty()) std::cout << r.name << ": pg_ivm made no index; added: " << r.ivm_index << "\n";
      for (auto [what, m] : {std::pair{"IMMEDIATE stream table", &r.imm_matches},
                             {"pg_ivm IMMV", &r.ivm_matches},
                             {"DIFFERENTIAL stream table", &r.diff_matches}})
        if (*m && !**m) {
          std::cout << "FAILED " << r.name << ": the " << what << " differs from its query\n";
          ok = false;
        }
      for (const auto& a : r.diff_actions)
        if (a != "DIFFERENTIAL") {
          std::cout << "WARNING " << r.name << ": a DIFF refresh ran as " << a << "\n";
          break;
        }
    }
    if (!opt.ivm) std::cout << "pg_ivm not measured: its column is n/a (bench/build_pg_ivm.sh builds it)\n";
    else std::cout << "pg_ivm " << ivm_version << "\n";
    std::cout << "load average (1 min) at start " << json_num(load_start, 2) << ", at end "
              << json_num(load_end, 2) << " on " << std::thread::hardware_concurrency() << " cores\n";
    write_json(bench.results(), opt, ivm_version, load_start, load_end,
               opt.out_dir + "/immediate.json");
    if (ok) std::cout << "checks: every IMMEDIATE stream table and IMMV equals its query\n";
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "immediate: " << e.what() << "\n";
    return 1;
  }
}
