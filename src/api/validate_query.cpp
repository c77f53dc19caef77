// pgtrickle.validate_query(query text): a dry run of create_stream_table's
// analysis, creating nothing. The mode AUTO would choose (and why FULL), then
// the maintenance plan (dvm/maintenance_plan.h) one row per node: how each
// part of the query would be maintained, or why it cannot be, with the HINT.
//
// The query is analyzed as the caller (parse analysis executes nothing);
// the plan is built without generating SQL, so no change buffer is needed.
#include "api/arguments.h"
#include "api/stream_table_definition.h"
#include "common/refresh_mode.h"
#include "common/user_error.h"
#include "dvm/maintenance_plan.h"
#include "pg/boundary.h"
#include "pg/spi.h"

extern "C" {
#include "funcapi.h"
#include "utils/builtins.h"
}

using namespace pgt;

namespace {

// Where the user finds what each mode maintains, construct by construct.
constexpr const char* kSupportMatrix =
    "What each mode maintains: docs/SQL_REFERENCE.md, section \"Support matrix\".";

}  // namespace

PGT_SQL_FUNCTION(pgt_validate_query) {
  std::string query = api::required_text_arg(fcinfo, 0, "query");
  std::vector<dvm::PlanLine> lines;
  {
    pg::spi::Connection spi;
    api::Definition def = api::prepare_definition(query, RefreshMode::Auto, "(validate_query)", InvalidOid);
    dvm::PlanLine mode;
    mode.node = "AUTO";
    mode.detail = def.mode.effective == RefreshMode::Differential
                      ? "DIFFERENTIAL"
                      : "FULL: " + def.mode.reason;
    if (def.mode.effective != RefreshMode::Differential)
      mode.hint = !def.analysis.caps.volatile_construct.empty()
                      ? "A query whose result can change without its sources changing is recomputed by FULL "
                        "refresh; replace the volatile function with a stable or immutable expression to maintain "
                        "it from its changes."
                      : def.analysis.caps.not_incremental_hint;
    else
      mode.hint = "IMMEDIATE maintains it too (refresh_mode => 'IMMEDIATE').";
    mode.hint += std::string(mode.hint.empty() ? "" : " ") + kSupportMatrix;
    lines.push_back(mode);
    // The plan is built unless the query is volatile.
    if (def.analysis.caps.volatile_construct.empty())
      for (dvm::PlanLine line : dvm::plan_lines(def.plan.root)) {
        line.depth += 1;
        lines.push_back(std::move(line));
      }
  }
  pg::guard([&] {
    InitMaterializedSRF(fcinfo, 0);
    auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    for (const dvm::PlanLine& line : lines) {
      const std::string* texts[] = {&line.node, &line.detail, &line.consumes, &line.produces, &line.cost, &line.hint};
      Datum values[7];
      bool nulls[7] = {false, false, false, false, false, false, false};
      values[0] = Int32GetDatum(line.depth);
      for (int i = 0; i < 6; i++) {
        nulls[i + 1] = texts[i]->empty();
        values[i + 1] = nulls[i + 1] ? static_cast<Datum>(0) : CStringGetTextDatum(texts[i]->c_str());
      }
      tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    }
  });
  return static_cast<Datum>(0);
}
