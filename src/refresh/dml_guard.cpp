// The stream-table DML guard: see dml_guard.h.
#include "refresh/dml_guard.h"

#include <algorithm>

#include "common/user_error.h"
#include "pg/boundary.h"

extern "C" {
#include "access/xact.h"
#include "commands/trigger.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
}

namespace pgt::refresh {

namespace {

// Relations this backend is currently allowed to write (nested refreshes of
// stream tables over stream tables can hold several).
constexpr int kMaxPermits = 64;
Oid permits[kMaxPermits];
int permit_count = 0;

bool is_permitted(Oid relid) {
  return std::find(permits, permits + permit_count, relid) != permits + permit_count;
}

void clear_permits_at_xact_end(XactEvent event, void*) {
  if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT ||
      event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT)
    permit_count = 0;
}

}  // namespace

ApplyPermit::ApplyPermit(Oid relid) : relid_(relid) {
  if (permit_count >= kMaxPermits)
    throw Error(sqlstate::kInternalError, "too many nested stream table refreshes");
  permits[permit_count++] = relid;
}

ApplyPermit::~ApplyPermit() {
  // Remove the most recent permit for relid_ (permits nest).
  for (int i = permit_count - 1; i >= 0; i--) {
    if (permits[i] == relid_) {
      std::copy(permits + i + 1, permits + permit_count, permits + i);
      permit_count--;
      break;
    }
  }
}

std::vector<std::string> guard_trigger_sql(const std::string& qualified_table) {
  return {"CREATE TRIGGER pgt_guard_dml BEFORE INSERT OR UPDATE OR DELETE ON " + qualified_table +
              " FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle._guard_stream_table_dml()",
          "CREATE TRIGGER pgt_guard_truncate BEFORE TRUNCATE ON " + qualified_table +
              " FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle._guard_stream_table_dml()"};
}

void register_dml_guard_callbacks() { RegisterXactCallback(clear_permits_at_xact_end, nullptr); }

}  // namespace pgt::refresh

PGT_SQL_FUNCTION(pgt_guard_stream_table_dml) {
  if (!CALLED_AS_TRIGGER(fcinfo))
    throw pgt::Error(pgt::sqlstate::kObjectNotInPrerequisiteState,
                     "pgtrickle._guard_stream_table_dml() must be called as a trigger");
  auto* trigdata = reinterpret_cast<TriggerData*>(fcinfo->context);
  Oid relid = RelationGetRelid(trigdata->tg_relation);
  if (pgt::refresh::is_permitted(relid)) return PointerGetDatum(nullptr);

  const char* relname = RelationGetRelationName(trigdata->tg_relation);
  const char* nspname = nullptr;
  pgt::pg::guard([&] { nspname = get_namespace_name(RelationGetNamespace(trigdata->tg_relation)); });
  const char* op = TRIGGER_FIRED_BY_INSERT(trigdata->tg_event)   ? "INSERT into"
                   : TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ? "UPDATE"
                   : TRIGGER_FIRED_BY_DELETE(trigdata->tg_event) ? "DELETE from"
                                                                 : "TRUNCATE";
  throw pgt::Error(pgt::sqlstate::kWrongObjectType,
                   std::string("cannot ") + op + " stream table \"" + (nspname ? nspname : "") +
                       "." + relname + "\"",
                   "A stream table's contents are maintained by pg_trickle from its defining query.",
                   "Change the source tables and let the stream table refresh (or call "
                   "pgtrickle.refresh_stream_table()); to change the query, use "
                   "pgtrickle.alter_stream_table().");
}
