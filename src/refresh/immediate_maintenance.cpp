// IMMEDIATE maintenance inside the writing statement: see immediate_maintenance.h.
#include "refresh/immediate_maintenance.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>
#include <vector>

#include "catalog/storage_table.h"
#include "cdc/immediate_triggers.h"
#include "cdc/merge_row_movement.h"
#include "common/user_error.h"
#include "frontend/query_tree.h"
#include "pg/boundary.h"
#include "pg/search_path.h"
#include "pg/spi.h"
#include "pg/user_context.h"
#include "refresh/delta_plan.h"
#include "refresh/dml_guard.h"
#include "refresh/immediate_conflicts.h"
#include "refresh/source_privileges.h"

extern "C" {
#include "access/tupconvert.h"
#include "access/xact.h"
#include "miscadmin.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/acl.h"
#include "executor/tuptable.h"
#include "storage/lmgr.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/queryenvironment.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"
}

namespace pgt::refresh {

namespace {

// ---- what the open statements captured ----------------------------------

// Rows in the row type of the table the stream table reads (the "root" of a
// hierarchy whose member the statement named), and the subtransaction level
// that captured them (an aborted one takes its rows with it).
struct CapturedRows {
  Tuplestorestate* rows;
  int level;
};

struct SourceChanges {
  std::vector<CapturedRows> new_rows, old_rows;
  int truncated_level = 0;  // > 0: a TRUNCATE at that level
};

// One stream table while statements on its sources run.
struct OpenStreamTable {
  std::vector<int> open_levels;            // one per BEFORE not yet matched by its AFTER
  std::map<Oid, SourceChanges> sources;    // by the source's oid
};

// Backend-local, for the current transaction only (cleared at its end). The
// copies live in a child of TopTransactionContext.
std::map<Oid, OpenStreamTable>& open_tables() {
  static auto* tables = new std::map<Oid, OpenStreamTable>();  // never destroyed (see plan_cache)
  return *tables;
}
MemoryContext copies_context = nullptr;

MemoryContext copies() {
  if (copies_context == nullptr)
    pg::guard([] {
      copies_context = AllocSetContextCreate(TopTransactionContext, "pg_trickle IMMEDIATE", ALLOCSET_DEFAULT_SIZES);
    });
  return copies_context;
}

void at_transaction_end(XactEvent event, void*) {
  if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_COMMIT ||
      event == XACT_EVENT_PARALLEL_ABORT || event == XACT_EVENT_PREPARE) {
    open_tables().clear();
    copies_context = nullptr;  // deleted with TopTransactionContext
    cdc::take_tables_to_recompute();  // (only left over by an aborted DDL)
    cdc::forget_running_merges();     // (only left over by an aborted MERGE)
  }
}

void at_subtransaction_abort(SubXactEvent event, SubTransactionId, SubTransactionId, void*) {
  if (event != SUBXACT_EVENT_ABORT_SUB) return;
  int level = GetCurrentTransactionNestLevel();
  auto aborted = [level](const CapturedRows& c) { return c.level >= level; };
  for (auto it = open_tables().begin(); it != open_tables().end();) {
    OpenStreamTable& t = it->second;
    while (!t.open_levels.empty() && t.open_levels.back() >= level) t.open_levels.pop_back();
    for (auto& [relid, changes] : t.sources) {
      changes.new_rows.erase(std::remove_if(changes.new_rows.begin(), changes.new_rows.end(), aborted),
                             changes.new_rows.end());
      changes.old_rows.erase(std::remove_if(changes.old_rows.begin(), changes.old_rows.end(), aborted),
                             changes.old_rows.end());
      if (changes.truncated_level >= level) changes.truncated_level = 0;
    }
    it = t.open_levels.empty() ? open_tables().erase(it) : std::next(it);
  }
}

// Appends src's rows (of row type src_desc) to dst (of row type dst_desc),
// converted by column name where the types differ (a partition or child
// whose columns are laid out differently from its root's). Runs in guard().
void append_rows(Tuplestorestate* dst, Tuplestorestate* src, TupleDesc src_desc, TupleDesc dst_desc) {
  TupleConversionMap* map = convert_tuples_by_name(src_desc, dst_desc);
  TupleTableSlot* in = MakeSingleTupleTableSlot(src_desc, &TTSOpsMinimalTuple);
  TupleTableSlot* out = map != nullptr ? MakeSingleTupleTableSlot(dst_desc, &TTSOpsVirtual) : nullptr;
  tuplestore_rescan(src);
  while (tuplestore_gettupleslot(src, true, false, in))
    tuplestore_puttupleslot(dst, map != nullptr ? execute_attr_map_slot(map->attrMap, in, out) : in);
  tuplestore_rescan(src);
  ExecDropSingleTupleTableSlot(in);
  if (out != nullptr) ExecDropSingleTupleTableSlot(out);
}

// A tuplestore of the transaction's copies context.
Tuplestorestate* new_copy() {
  MemoryContext old = MemoryContextSwitchTo(copies());
  Tuplestorestate* rows = tuplestore_begin_heap(false, false, work_mem);
  MemoryContextSwitchTo(old);
  return rows;
}

// ---- the statements, prepared once per stream table definition ----------

struct ImmediatePlans {
  std::string version;
  DeltaSql sql;
  std::vector<bool> forces_full;     // per source: its changes recompute the table
  std::vector<TupleDesc> row_types;  // per source, as the statements were derived (TopMemoryContext)
  std::unordered_map<uint64_t, std::unique_ptr<pg::spi::KeptPlan>> apply;  // by changed sources (bit i)
  std::unordered_map<uint64_t, std::unique_ptr<pg::spi::KeptPlan>> append;  // the same, for inserts only
  std::unique_ptr<pg::spi::KeptPlan> touched_partitions;
  std::unique_ptr<pg::spi::KeptPlan> full_insert;
  int64_t pgt_id = 0;
};

std::unordered_map<Oid, ImmediatePlans>& plan_cache() {
  // Never destroyed: at backend exit, static destructors would free SPI plans
  // while PostgreSQL is shutting down.
  static auto* cache = new std::unordered_map<Oid, ImmediatePlans>();
  return *cache;
}

// The delta statements' parameters ($1..$3: a refresh's frontier) are NULL
// here: transition tables hold exactly the statement's changes.
std::vector<Oid> delta_param_types() {
  return {frontend::kDeltaParamTypes, frontend::kDeltaParamTypes + frontend::kDeltaParamCount};
}

// Whether the sources still have the row types the statements were derived
// for (an ALTER TABLE of a source changes what its transition tables hold).
bool same_row_types(const ImmediatePlans& plans) {
  bool same = true;
  pg::guard([&] {
    for (size_t i = 0; i < plans.sql.sources.size() && same; i++) {
      Relation rel = RelationIdGetRelation(plans.sql.sources[i]);
      if (rel == nullptr) {
        same = false;
        break;
      }
      same = equalTupleDescs(RelationGetDescr(rel), plans.row_types[i]);
      RelationClose(rel);
    }
  });
  return same;
}

// The plans of stream tables dropped since they were cached go (see the
// DIFFERENTIAL plan cache); the maintenance in progress up the stack is of
// stream tables that exist.
void forget_dropped_stream_tables(Oid building) {
  std::unordered_map<Oid, ImmediatePlans>& cache = plan_cache();
  std::vector<int64_t> ids;
  for (const auto& [relid, plans] : cache)
    if (relid != building) ids.push_back(plans.pgt_id);
  std::set<int64_t> live = catalog::existing_stream_tables(ids);
  for (auto it = cache.begin(); it != cache.end();) {
    if (it->first != building && !live.count(it->second.pgt_id)) {
      for (TupleDesc desc : it->second.row_types) pg::guard([&] { FreeTupleDesc(desc); });
      it = cache.erase(it);
    } else {
      ++it;
    }
  }
}

ImmediatePlans& plans_for(const catalog::StreamTable& st) {
  if (!plan_cache().count(st.relid)) forget_dropped_stream_tables(st.relid);
  ImmediatePlans& plans = plan_cache()[st.relid];
  if (plans.version == st.version && plans.full_insert && same_row_types(plans)) return plans;
  DeltaSql sql;
  {
    pg::PinnedSearchPath pinned;
    sql = build_delta_sql(st.defining_query, st.qualified_name(), dvm::ChangeSource::TransitionTables);
  }
  for (TupleDesc desc : plans.row_types) pg::guard([&] { FreeTupleDesc(desc); });
  plans = ImmediatePlans{};
  plans.full_insert = std::make_unique<pg::spi::KeptPlan>(sql.full_insert, delta_param_types());
  for (Oid relid : sql.sources) {
    plans.forces_full.push_back(std::find(sql.full_refresh_sources.begin(), sql.full_refresh_sources.end(), relid) !=
                                sql.full_refresh_sources.end());
    TupleDesc copy = nullptr;
    pg::guard([&] {
      Relation rel = RelationIdGetRelation(relid);
      if (rel == nullptr) elog(ERROR, "pg_trickle: source %u of a stream table vanished", relid);
      MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
      copy = CreateTupleDescCopyConstr(RelationGetDescr(rel));
      MemoryContextSwitchTo(old);
      RelationClose(rel);
    });
    plans.row_types.push_back(copy);
  }
  plans.sql = std::move(sql);
  plans.version = st.version;
  plans.pgt_id = st.pgt_id;
  return plans;
}

// The statement applying the delta of these changed sources (prepared on
// first use); nullptr when no term reads them. append: the changes are
// inserts only, into a query whose result only grows with them (appended
// without looking anything up, as a refresh does: dvm::plan_append_sql).
const pg::spi::KeptPlan* apply_plan(ImmediatePlans& plans, const std::vector<bool>& changed, bool append) {
  uint64_t mask = 0;
  std::vector<Oid> relids;
  for (size_t i = 0; i < changed.size(); i++)
    if (changed[i]) {
      mask |= uint64_t{1} << i;
      relids.push_back(plans.sql.sources[i]);
    }
  auto& kept = append ? plans.append : plans.apply;
  auto it = kept.find(mask);
  if (it != kept.end()) return it->second.get();
  std::string text = append ? plans.sql.append_for_changed(relids)
                     : plans.sql.apply_for_changed && changed.size() <= 64 ? plans.sql.apply_for_changed(relids)
                                                                          : plans.sql.apply;
  // Without parameters the plan is generic from its first run: a statement
  // pays no planning (a partition rescan's apply takes the touched
  // partitions as $4..$6, after the delta's unused ones).
  std::vector<Oid> types;
  if (!plans.sql.touched_partitions.empty()) {
    types = delta_param_types();
    types.insert(types.end(), {TEXTOID, TEXTOID, BOOLOID});
  }
  auto plan = text.empty() ? nullptr : std::make_unique<pg::spi::KeptPlan>(text, types);
  return kept.emplace(mask, std::move(plan)).first->second.get();
}

// The changes the statements of the maintenance running now read through
// pgtrickle._statement_changes (nested: a maintenance's own writes can
// maintain another stream table).
struct CurrentChanges {
  const std::map<Oid, SourceChanges>* sources;
};
std::vector<CurrentChanges>& current_changes() {
  static auto* stack = new std::vector<CurrentChanges>();  // never destroyed
  return *stack;
}

class ReadableChanges {
 public:
  explicit ReadableChanges(const std::map<Oid, SourceChanges>& sources) { current_changes().push_back({&sources}); }
  ~ReadableChanges() { current_changes().pop_back(); }
  ReadableChanges(const ReadableChanges&) = delete;
  ReadableChanges& operator=(const ReadableChanges&) = delete;
};

// The whole result in place of the rows (as the owner, with the permit;
// readers are never waited for: replace_rows).
RefreshResult recompute_rows(const catalog::StreamTable& st, ImmediatePlans& plans) {
  return replace_rows(st, [&] { return static_cast<int64_t>(plans.full_insert->run({}).processed); }, true,
                      plans.sql.unique_index);
}

bool has_rows(const std::vector<CapturedRows>& captured) {
  for (const CapturedRows& c : captured)
    if (tuplestore_tuple_count(c.rows) > 0) return true;
  return false;
}

// Applies what the statement changed in the sources to the stream table.
void maintain(Oid st_relid, const std::map<Oid, SourceChanges>& sources) {
  bool any = false;
  for (const auto& [relid, changes] : sources)
    any = any || changes.truncated_level > 0 || has_rows(changes.new_rows) || has_rows(changes.old_rows);
  if (!any) return;
  std::optional<catalog::StreamTable> found = catalog::find_by_relid(st_relid);
  // Dropped, or no longer IMMEDIATE (its triggers go with the transaction that did it).
  if (!found || found->effective_refresh_mode != RefreshMode::Immediate) return;
  const catalog::StreamTable& st = *found;
  Oid owner = lock_storage_table(st, ExclusiveLock);
  ImmediatePlans& plans = plans_for(st);

  std::vector<bool> changed(plans.sql.sources.size(), false);
  bool recompute = false;
  bool inserts_only = true;
  for (size_t i = 0; i < plans.sql.sources.size(); i++) {
    auto it = sources.find(plans.sql.sources[i]);
    if (it == sources.end()) continue;
    const SourceChanges& c = it->second;
    bool truncated = c.truncated_level > 0;
    changed[i] = truncated || has_rows(c.new_rows) || has_rows(c.old_rows);
    inserts_only = inserts_only && !has_rows(c.old_rows);
    recompute = recompute || truncated || (changed[i] && plans.forces_full[i]);
  }
  if (std::find(changed.begin(), changed.end(), true) == changed.end()) return;
  check_owner_can_read_sources(st, owner, plans.sql.sources, plans.sql.read_columns);

  pg::AsRole as_owner(owner, true);
  pg::PinnedSearchPath pinned;
  ApplyPermit permit(st.relid);
  if (!recompute) {
    ReadableChanges readable(sources);
    bool append = inserts_only && plans.sql.append_for_changed && changed.size() <= 64;
    const pg::spi::KeptPlan* apply = apply_plan(plans, changed, append);
    if (apply == nullptr) {
      note_maintained(st.relid);
      return;
    }
    try {
      pg::guard_subtransaction([&] {
        pg::spi::Params params;
        if (plans.sql.touched_partitions.empty()) {
          apply->run(params);
          return;
        }
        if (!plans.touched_partitions)
          plans.touched_partitions =
              std::make_unique<pg::spi::KeptPlan>(plans.sql.touched_partitions, delta_param_types());
        const pg::spi::Row touched = plans.touched_partitions->run(params).rows.at(0);
        if (!touched.at(0)) return;  // the changes cancelled out before reaching a partition
        params = {std::nullopt, std::nullopt, std::nullopt};
        params.insert(params.end(), touched.begin(), touched.end());
        apply->run(params);
      });
    } catch (const pg::PgError& e) {
      // An expression can fail (60 / 0) on rows whose changes cancel out:
      // the query itself may be fine. Recompute it; when the query fails
      // too, its error is the answer.
      if (ERRCODE_TO_CATEGORY(e.sqlerrcode()) != ERRCODE_DATA_EXCEPTION) throw;
      recompute = true;
    }
  }
  if (recompute) recompute_rows(st, plans);
  note_maintained(st.relid);
}

// ---- the trigger ---------------------------------------------------------

struct TriggerCall {
  bool before = false;
  bool truncate = false;
  Oid st_relid = InvalidOid;
  Oid source = InvalidOid;  // the table the stream table reads (the root, when `on` is a member)
  Oid on = InvalidOid;      // the table whose trigger fired
  TupleDesc on_desc = nullptr;
  Tuplestorestate* new_rows = nullptr;
  Tuplestorestate* old_rows = nullptr;
};

TriggerCall read_trigger_call(FunctionCallInfo fcinfo) {
  TriggerCall call;
  pg::guard([&] {
    if (!CALLED_AS_TRIGGER(fcinfo)) elog(ERROR, "pg_trickle: _immediate_maintenance() is a trigger function");
    auto* data = reinterpret_cast<TriggerData*>(fcinfo->context);
    if (!TRIGGER_FIRED_FOR_STATEMENT(data->tg_event) || data->tg_trigger->tgnargs != 2)
      elog(ERROR, "pg_trickle: _immediate_maintenance() fired by an unexpected trigger");
    call.before = TRIGGER_FIRED_BEFORE(data->tg_event);
    call.truncate = TRIGGER_FIRED_BY_TRUNCATE(data->tg_event);
    call.st_relid = static_cast<Oid>(strtoul(data->tg_trigger->tgargs[0], nullptr, 10));
    call.source = static_cast<Oid>(strtoul(data->tg_trigger->tgargs[1], nullptr, 10));
    call.on = RelationGetRelid(data->tg_relation);
    call.on_desc = RelationGetDescr(data->tg_relation);
    call.new_rows = data->tg_newtable;
    call.old_rows = data->tg_oldtable;
  });
  return call;
}

void before_statement(const TriggerCall& call) {
  // Writers of the sources serialize on the stream table (readers go on):
  // each computes its delta with the committed rows of the one before.
  pg::guard([&] { LockRelationOid(call.st_relid, ExclusiveLock); });
  const char* name = nullptr;
  pg::guard([&] { name = get_rel_name(call.st_relid); });
  check_no_concurrent_maintenance(call.st_relid, name != nullptr ? name : "?");
  int level = GetCurrentTransactionNestLevel();
  open_tables()[call.st_relid].open_levels.push_back(level);
}

void after_statement(const TriggerCall& call) {
  OpenStreamTable& open = open_tables()[call.st_relid];
  if (!open.open_levels.empty()) open.open_levels.pop_back();
  bool last = open.open_levels.empty();
  int level = GetCurrentTransactionNestLevel();
  SourceChanges& changes = open.sources[call.source];
  // A MERGE moving rows between partitions reports none of them (see
  // merge_row_movement.h): recompute, as after a TRUNCATE.
  if (call.truncate || cdc::merge_may_move_rows(call.on)) changes.truncated_level = level;
  // Rows kept past this trigger are copied: the statement's transition
  // tables go when its triggers have fired. A member's rows are converted
  // to the source's row type.
  bool member = call.on != call.source;
  for (bool new_rows : {true, false}) {
    Tuplestorestate* rows = new_rows ? call.new_rows : call.old_rows;
    if (rows == nullptr) continue;
    std::vector<CapturedRows>& kept = new_rows ? changes.new_rows : changes.old_rows;
    if (last && !member) {
      kept.push_back({rows, level});
      continue;
    }
    pg::guard([&] {
      if (tuplestore_tuple_count(rows) == 0) return;
      Tuplestorestate* copy = new_copy();
      Relation source = RelationIdGetRelation(call.source);
      append_rows(copy, rows, call.on_desc, RelationGetDescr(source));
      RelationClose(source);
      kept.push_back({copy, level});
    });
  }
  if (!last) return;
  std::map<Oid, SourceChanges> sources = std::move(open.sources);
  open_tables().erase(call.st_relid);
  maintain(call.st_relid, sources);
}

}  // namespace

RefreshResult recompute_immediate(const catalog::StreamTable& stale, const char* initiated_by,
                                  const std::string& reason) {
  Oid owner = lock_storage_table(stale, ExclusiveLock);
  const catalog::StreamTable st = catalog::reload_for_refresh(stale.pgt_id);
  int64_t started = catalog::now_unix_micros();
  ImmediatePlans& plans = plans_for(st);
  RefreshResult rows;
  try {
    pg::AsRole as_owner(owner, true);
    pg::PinnedSearchPath pinned;
    ApplyPermit permit(st.relid);
    rows = recompute_rows(st, plans);
  } catch (const pg::PgError& e) {
    explain_refresh_error(e, st, owner);
    throw;
  }
  note_maintained(st.relid);
  record_recompute(st, initiated_by, reason, started, rows);
  return rows;
}

void register_immediate_callbacks() {
  RegisterXactCallback(at_transaction_end, nullptr);
  RegisterSubXactCallback(at_subtransaction_abort, nullptr);
}

namespace {

// The changes of `relid` that the running maintenance reads (none for a
// table the statement did not change: a partition rescan reads every
// leaf's delta); nullptr when no maintenance runs.
const SourceChanges* readable_changes_of(Oid relid) {
  static const SourceChanges kNone;
  if (current_changes().empty()) return nullptr;
  const auto* sources = current_changes().back().sources;
  auto it = sources->find(relid);
  return it == sources->end() ? &kNone : &it->second;
}

// Materializes them for pgtrickle._statement_changes (runs in guard()): the
// columns the call's column definition list names (__pgt_w, c<attnum>...),
// each checked against the table's column and the current role's SELECT
// privilege (the maintenance runs as the stream table's owner).
void materialize_changes(FunctionCallInfo fcinfo, Oid relid, const SourceChanges& changes) {
  InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
  auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  TupleDesc out = rsinfo->setDesc;
  Relation rel = RelationIdGetRelation(relid);
  TupleDesc in = RelationGetDescr(rel);
  AttrNumber* source_att = static_cast<AttrNumber*>(palloc0(sizeof(AttrNumber) * out->natts));
  bool whole_table = pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) == ACLCHECK_OK;
  for (int i = 1; i < out->natts; i++) {
    Form_pg_attribute o = TupleDescAttr(out, i);
    const char* name = NameStr(o->attname);
    AttrNumber attnum = name[0] == 'c' ? static_cast<AttrNumber>(atoi(name + 1)) : 0;
    if (attnum < 1 || attnum > in->natts || TupleDescAttr(in, attnum - 1)->attisdropped ||
        TupleDescAttr(in, attnum - 1)->atttypid != o->atttypid)
      elog(ERROR, "pg_trickle: _statement_changes(%u) has no column \"%s\" of type %u", relid, name, o->atttypid);
    if (!whole_table && pg_attribute_aclcheck(relid, attnum, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
      ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                      errmsg("permission denied for column %s of relation %s",
                             NameStr(TupleDescAttr(in, attnum - 1)->attname), RelationGetRelationName(rel))));
    source_att[i] = attnum;
  }
  Datum* values = static_cast<Datum*>(palloc(sizeof(Datum) * out->natts));
  bool* nulls = static_cast<bool*>(palloc(sizeof(bool) * out->natts));
  TupleTableSlot* slot = MakeSingleTupleTableSlot(in, &TTSOpsMinimalTuple);
  for (int weight : {1, -1}) {
    for (const CapturedRows& c : weight > 0 ? changes.new_rows : changes.old_rows) {
      tuplestore_rescan(c.rows);
      while (tuplestore_gettupleslot(c.rows, true, false, slot)) {
        values[0] = Int32GetDatum(weight);
        nulls[0] = false;
        for (int i = 1; i < out->natts; i++) values[i] = slot_getattr(slot, source_att[i], &nulls[i]);
        tuplestore_putvalues(rsinfo->setResult, out, values, nulls);
      }
      tuplestore_rescan(c.rows);
    }
  }
  ExecDropSingleTupleTableSlot(slot);
  RelationClose(rel);
}

}  // namespace

}  // namespace pgt::refresh

PGT_SQL_FUNCTION(pgt_statement_changes) {
  Oid relid = PG_GETARG_OID(0);
  const pgt::refresh::SourceChanges* changes = pgt::refresh::readable_changes_of(relid);
  if (changes == nullptr)
    throw pgt::Error(pgt::sqlstate::kObjectNotInPrerequisiteState,
                     "pgtrickle._statement_changes() reads the changes of a statement being maintained", "",
                     "Only the maintenance of an IMMEDIATE stream table calls it.");
  pgt::pg::guard([&] { pgt::refresh::materialize_changes(fcinfo, relid, *changes); });
  return static_cast<Datum>(0);
}

PGT_SQL_FUNCTION(pgt_immediate_maintenance) {
  pgt::refresh::TriggerCall call = pgt::refresh::read_trigger_call(fcinfo);
  if (call.before) {
    pgt::refresh::before_statement(call);
  } else {
    pgt::pg::spi::Connection spi;
    pgt::refresh::after_statement(call);
  }
  return PointerGetDatum(nullptr);
}
