// SPI wrappers: see spi.h.
#include "pg/spi.h"

#include "common/user_error.h"

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
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

}  // namespace pgt::pg::spi
