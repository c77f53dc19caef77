// The C++ / PostgreSQL boundary: see boundary.h for the rules.
#include "pg/boundary.h"

#include <new>

#include "common/user_error.h"

extern "C" {
#include "access/xact.h"
#include "utils/resowner.h"
}

namespace pgt::pg {

namespace {

// Copied errors live in their own context, not the caller's: the caller's
// context may be SPI's procedure context, which SPI_finish deletes while the
// exception is still unwinding towards run_entry(). The context is reset at
// the end of every top-level transaction (an error re-raised by run_entry has
// been copied into ErrorContext by then), which bounds what a PgError that
// was never destroyed could keep; the generation tells a Holder whether its
// memory still exists. (PostgreSQL 15's FreeErrorData does not free every
// string CopyErrorData makes -- filename, funcname, domain -- so even freed
// copies leave a little behind until that reset.)
MemoryContext error_copy_context = nullptr;
uint64_t error_copy_generation = 0;

void reset_error_copies_at_xact_end(XactEvent event, void*) {
  if (error_copy_context == nullptr) return;
  if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
      event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT ||
      event == XACT_EVENT_PREPARE) {
    MemoryContextReset(error_copy_context);
    error_copy_generation++;
  }
}

}  // namespace

PgError::PgError(ErrorData* edata) : holder_(std::make_shared<Holder>()) {
  holder_->edata = edata;
  holder_->generation = error_copy_generation;
}

PgError::Holder::~Holder() {
  // pfree of memory we allocated cannot fail; nothing here longjmps.
  if (edata != nullptr && generation == error_copy_generation) FreeErrorData(edata);
}

void register_boundary_callbacks() {
  RegisterXactCallback(reset_error_copies_at_xact_end, nullptr);
}

const char* PgError::what() const noexcept {
  const ErrorData* e = holder_->edata;
  return e != nullptr && e->message != nullptr ? e->message : "PostgreSQL error";
}

int PgError::sqlerrcode() const noexcept {
  return holder_->edata != nullptr ? holder_->edata->sqlerrcode : 0;
}

void PgError::set_hint(const std::string& hint, bool only_if_missing) const {
  ErrorData* e = holder_->edata;
  if (e == nullptr || (only_if_missing && e->hint != nullptr)) return;
  const char* text = hint.c_str();
  guard([&] { e->hint = MemoryContextStrdup(e->assoc_context, text); });
}

void PgError::clear_context() const {
  ErrorData* e = holder_->edata;
  if (e == nullptr) return;
  // The strings stay allocated in assoc_context (reset at transaction end).
  e->context = nullptr;
  e->internalquery = nullptr;
  e->internalpos = 0;
}

ErrorData* PgError::release() const noexcept {
  ErrorData* e = holder_->edata;
  holder_->edata = nullptr;
  return e;
}

namespace detail {

ErrorData* call_catching_pg_error(void (*fn)(void*), void* arg) noexcept {
  MemoryContext caller_context = CurrentMemoryContext;
  ErrorData* volatile edata = nullptr;
  PG_TRY();
  {
    fn(arg);
  }
  PG_CATCH();
  {
    // CopyErrorData must not run in ErrorContext, which FlushErrorState resets.
    if (error_copy_context == nullptr)
      error_copy_context =
          AllocSetContextCreate(TopMemoryContext, "pg_trickle error copies", ALLOCSET_SMALL_SIZES);
    MemoryContextSwitchTo(error_copy_context);
    edata = CopyErrorData();
    MemoryContextSwitchTo(caller_context);
    FlushErrorState();
  }
  PG_END_TRY();
  return edata;
}

namespace {

// The error waiting to be raised by run_entry. Fixed-size static storage: it is
// filled while a C++ exception is being handled, where allocating (palloc can
// itself longjmp; new can throw) is not safe. Longer texts are truncated.
struct PendingError {
  ErrorData* pg_error;  // re-raise as is when set
  char sqlstate[6];
  char message[8192];
  char detail[8192];
  char hint[2048];
};
PendingError pending;

void copy_text(char* dst, size_t size, const char* src) noexcept {
  if (src == nullptr) src = "";
  size_t n = strlen(src);
  if (n >= size) n = size - 1;
  memcpy(dst, src, n);
  dst[n] = '\0';
}

void set_pending(const char* sqlstate, const char* message, const char* detail,
                 const char* hint) noexcept {
  pending.pg_error = nullptr;
  copy_text(pending.sqlstate, sizeof pending.sqlstate, sqlstate);
  copy_text(pending.message, sizeof pending.message, message);
  copy_text(pending.detail, sizeof pending.detail, detail);
  copy_text(pending.hint, sizeof pending.hint, hint);
}

}  // namespace

void set_pending_from_current_exception() noexcept {
  try {
    throw;
  } catch (const PgError& e) {
    set_pending("", "", "", "");
    pending.pg_error = e.release();
  } catch (const pgt::Error& e) {
    set_pending(e.sqlstate(), e.what(), e.detail().c_str(), e.hint().c_str());
  } catch (const std::bad_alloc&) {
    set_pending("53200", "out of memory in pg_trickle", "", "");
  } catch (const std::exception& e) {
    set_pending(pgt::sqlstate::kInternalError, e.what(), "",
                "This is a bug in pg_trickle: please report it with the statement that caused it.");
  } catch (...) {
    set_pending(pgt::sqlstate::kInternalError, "unknown C++ exception in pg_trickle", "",
                "This is a bug in pg_trickle: please report it with the statement that caused it.");
  }
}

void raise_pending_error() {
  if (pending.pg_error != nullptr) {
    ErrorData* edata = pending.pg_error;
    pending.pg_error = nullptr;
    ReThrowError(edata);
  }
  const char* s = pending.sqlstate;
  int code = strlen(s) == 5 ? MAKE_SQLSTATE(s[0], s[1], s[2], s[3], s[4]) : ERRCODE_INTERNAL_ERROR;
  ereport(ERROR, (errcode(code), errmsg_internal("%s", pending.message),
                  pending.detail[0] ? errdetail_internal("%s", pending.detail) : 0,
                  pending.hint[0] ? errhint("%s", pending.hint) : 0));
  pg_unreachable();
}

}  // namespace detail

void guard_subtransaction(const std::function<void()>& f) {
  MemoryContext caller_context = CurrentMemoryContext;
  ResourceOwner caller_owner = CurrentResourceOwner;
  guard([] { BeginInternalSubTransaction(nullptr); });
  MemoryContextSwitchTo(caller_context);
  try {
    f();
  } catch (...) {
    // Roll back whatever the failed work did; errors here are fatal to the
    // outer transaction anyway, so they are allowed to escape as PgError.
    guard([] { RollbackAndReleaseCurrentSubTransaction(); });
    MemoryContextSwitchTo(caller_context);
    CurrentResourceOwner = caller_owner;
    throw;
  }
  guard([] { ReleaseCurrentSubTransaction(); });
  MemoryContextSwitchTo(caller_context);
  CurrentResourceOwner = caller_owner;
}

}  // namespace pgt::pg
