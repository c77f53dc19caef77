// SPI wrappers: see spi.h.
#include "pg/spi.h"

#include <memory>
#include <unordered_map>

#include "common/user_error.h"

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
}

namespace pgt::pg::spi {

Connection::Connection() {
  guard([] {
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "pg_trickle: SPI_connect failed");
  });
}

Connection::~Connection() {
  // SPI_finish only fails when not connected, which our pairing rules out;
  // an error from it during unwinding is swallowed rather than terminating.
  try {
    guard([] { SPI_finish(); });
  } catch (...) {
  }
}

namespace {

// Copies the current SPI_tuptable into `out` (called inside guard()).
void copy_tuptable(Result* out) {
  SPITupleTable* table = SPI_tuptable;
  if (table == nullptr) return;
  TupleDesc desc = table->tupdesc;
  for (int c = 1; c <= desc->natts; c++) out->columns.emplace_back(SPI_fname(desc, c));
  out->rows.reserve(SPI_processed);
  for (uint64 r = 0; r < SPI_processed; r++) {
    out->rows.emplace_back();
    for (int c = 1; c <= desc->natts; c++) {
      char* text = SPI_getvalue(table->vals[r], desc, c);
      if (text == nullptr)
        out->rows.back().emplace_back(std::nullopt);
      else
        out->rows.back().emplace_back(std::string(text));
    }
  }
  SPI_freetuptable(table);
}

}  // namespace

Result run(const std::string& sql, const Params& params, bool read_only) {
  Result result;
  int nargs = static_cast<int>(params.size());
  std::vector<Oid> types(params.size(), TEXTOID);
  std::vector<const char*> texts(params.size(), nullptr);
  std::vector<char> nulls(params.size(), ' ');
  for (size_t i = 0; i < params.size(); i++) {
    if (params[i])
      texts[i] = params[i]->c_str();
    else
      nulls[i] = 'n';
  }
  guard([&] {
    Datum* values = nargs > 0 ? static_cast<Datum*>(palloc(sizeof(Datum) * nargs)) : nullptr;
    for (int i = 0; i < nargs; i++)
      values[i] = texts[i] != nullptr ? PointerGetDatum(cstring_to_text(texts[i])) : (Datum)0;
    int rc = nargs > 0 ? SPI_execute_with_args(sql.c_str(), nargs, types.data(), values,
                                               nulls.data(), read_only, 0)
                       : SPI_execute(sql.c_str(), read_only, 0);
    if (rc < 0) elog(ERROR, "pg_trickle: SPI failed (%d) for: %s", rc, sql.c_str());
    result.processed = SPI_processed;
    copy_tuptable(&result);
  });
  return result;
}

uint64_t exec(const std::string& sql, const Params& params) { return run(sql, params).processed; }

Value scalar(const std::string& sql, const Params& params) {
  Result r = run(sql, params);
  if (r.rows.empty() || r.rows[0].empty()) return std::nullopt;
  return r.rows[0][0];
}

Result run_kept(const std::string& sql, const Params& params) {
  // Never destroyed: see the plan cache of differential_refresh.cpp.
  static auto* plans = new std::unordered_map<std::string, std::unique_ptr<KeptPlan>>();
  std::string key = std::to_string(params.size()) + ":" + sql;
  auto it = plans->find(key);
  if (it == plans->end())
    it = plans->emplace(key, std::make_unique<KeptPlan>(sql, std::vector<Oid>(params.size(), TEXTOID))).first;
  return it->second->run(params);
}

Value scalar_kept(const std::string& sql, const Params& params) {
  Result r = run_kept(sql, params);
  if (r.rows.empty() || r.rows[0].empty()) return std::nullopt;
  return r.rows[0][0];
}

KeptPlan::KeptPlan(const std::string& sql, std::vector<Oid> param_types)
    : types_(std::move(param_types)) {
  void* plan = nullptr;
  Oid* types = types_.empty() ? nullptr : types_.data();
  int nargs = static_cast<int>(types_.size());
  guard([&] {
    // Generic from the start: the parameters (snapshots, ids) never change
    // the best plan, and a custom plan would be re-planned on every run.
    SPIPlanPtr p = SPI_prepare_cursor(sql.c_str(), nargs, types, CURSOR_OPT_GENERIC_PLAN);
    if (p == nullptr) elog(ERROR, "pg_trickle: SPI_prepare failed (%d) for: %s", SPI_result, sql.c_str());
    SPI_keepplan(p);
    plan = p;
  });
  plan_ = plan;
}

KeptPlan::~KeptPlan() {
  try {
    void* plan = plan_;
    if (plan != nullptr) guard([plan] { SPI_freeplan(static_cast<SPIPlanPtr>(plan)); });
  } catch (...) {
  }
}

Result KeptPlan::run(const Params& params, Snapshot snapshot) const {
  Result result;
  int nargs = static_cast<int>(types_.size());
  std::vector<const char*> texts(types_.size(), nullptr);
  std::vector<char> nulls(types_.size(), 'n');
  for (size_t i = 0; i < types_.size() && i < params.size(); i++) {
    if (params[i]) {
      texts[i] = params[i]->c_str();
      nulls[i] = ' ';
    }
  }
  const Oid* types = types_.data();
  void* plan = plan_;
  guard([&] {
    Datum* values = nargs > 0 ? static_cast<Datum*>(palloc0(sizeof(Datum) * nargs)) : nullptr;
    for (int i = 0; i < nargs; i++) {
      if (texts[i] == nullptr) continue;
      Oid input, ioparam;
      getTypeInputInfo(types[i], &input, &ioparam);
      values[i] = OidInputFunctionCall(input, const_cast<char*>(texts[i]), ioparam, -1);
    }
    int rc = snapshot != nullptr
                 ? SPI_execute_snapshot(static_cast<SPIPlanPtr>(plan), values, nulls.data(), snapshot,
                                        InvalidSnapshot, false, true, 0)
                 : SPI_execute_plan(static_cast<SPIPlanPtr>(plan), values, nulls.data(), false, 0);
    if (rc < 0) elog(ERROR, "pg_trickle: SPI execution failed (%d)", rc);
    result.processed = SPI_processed;
    copy_tuptable(&result);
  });
  return result;
}

RegisteredSnapshot::RegisteredSnapshot() {
  Snapshot snap = nullptr;
  guard([&] { snap = RegisterSnapshot(GetTransactionSnapshot()); });
  snapshot_ = snap;
}

RegisteredSnapshot::~RegisteredSnapshot() {
  try {
    Snapshot snap = snapshot_;
    guard([snap] { UnregisterSnapshot(snap); });
  } catch (...) {
  }
}

}  // namespace pgt::pg::spi
