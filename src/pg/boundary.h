// The C++ / PostgreSQL boundary (DESIGN.md section 3).
//
// PostgreSQL raises errors with longjmp; C++ unwinds with exceptions; neither
// may cross the other. Two tools keep them apart:
//
//  * run_entry(): every extern "C" entry point (SQL function, trigger,
//    bgworker main) runs its body through it. It catches every C++ exception
//    and, once the C++ frames that threw are gone, raises ereport(ERROR) with
//    the SQLSTATE, message, DETAIL and HINT (a PostgreSQL error caught by
//    guard() is re-raised exactly as it was).
//
//  * guard(): C++ code calls PostgreSQL functions that can ereport only inside
//    guard(). The PostgreSQL error is caught (PG_TRY), copied into a memory
//    context of the boundary's own (reset at transaction end) and thrown as
//    PgError. The lambda given to guard() must not own C++ objects with
//    destructors across the PostgreSQL call, nor grow C++ containers: keep it
//    to the call and plain values, collect into PostgreSQL lists (palloc'd
//    structs) and convert to C++ after guard() returns.
//
// After a PgError the transaction is aborted: the only legal continuation is
// to unwind to run_entry() (which re-raises it), unless the failing work ran
// inside guard_subtransaction(), which rolls the subtransaction back.
#pragma once

#include "pg/pg_headers.h"

namespace pgt::pg {

// A PostgreSQL error, copied out of the error stack into the boundary's copy
// context (boundary.cpp: not the caller's, which SPI may delete while the
// exception unwinds). Owns the copied ErrorData: freed when the last copy of
// the exception goes away, unless run_entry() took it to re-raise; whatever
// is left goes with the context's reset at transaction end.
class PgError : public std::exception {
 public:
  explicit PgError(ErrorData* edata);
  const char* what() const noexcept override;
  int sqlerrcode() const noexcept;
  const ErrorData* edata() const noexcept { return holder_->edata; }
  // For adding context (e.g. the query text a position points into) before rethrowing.
  ErrorData* mutable_edata() const noexcept { return holder_->edata; }
  // Adds a HINT (or replaces it: only_if_missing = false) before rethrowing,
  // for errors whose PostgreSQL wording lacks the advice a user needs here.
  void set_hint(const std::string& hint, bool only_if_missing = true) const;
  // Drops the CONTEXT / internal query lines that would show generated SQL.
  void clear_context() const;
  // Hands the ErrorData over (to be re-raised); the exception no longer frees it.
  ErrorData* release() const noexcept;

 private:
  struct Holder {
    ErrorData* edata = nullptr;
    uint64_t generation = 0;
    Holder() = default;
    Holder(const Holder&) = delete;
    Holder& operator=(const Holder&) = delete;
    ~Holder();
  };
  std::shared_ptr<Holder> holder_;
};

namespace detail {
// Runs fn(arg) under PG_TRY; returns the copied ErrorData or nullptr.
ErrorData* call_catching_pg_error(void (*fn)(void*), void* arg) noexcept;
// Raises the error captured by run_entry's handlers (never returns).
[[noreturn]] void raise_pending_error();
void set_pending_from_current_exception() noexcept;
}  // namespace detail

// Runs f(); a PostgreSQL error raised inside becomes a thrown PgError, a C++
// exception thrown inside propagates unchanged.
template <typename F>
void guard(F&& f) {
  struct Call {
    F* f;
    std::exception_ptr cpp_error;
    static void run(void* self) {
      auto* call = static_cast<Call*>(self);
      try {
        (*call->f)();
      } catch (...) {
        call->cpp_error = std::current_exception();
      }
    }
  } call{&f, nullptr};
  ErrorData* edata = detail::call_catching_pg_error(&Call::run, &call);
  if (edata != nullptr) throw PgError(edata);
  if (call.cpp_error) std::rethrow_exception(call.cpp_error);
}

// Registers the transaction-end cleanup of copied errors (from _PG_init).
void register_boundary_callbacks();

// Runs f() in an internal subtransaction. On any error (PostgreSQL or C++) the
// subtransaction is rolled back, leaving the outer transaction usable, and the
// error is rethrown as a C++ exception for the caller to handle.
void guard_subtransaction(const std::function<void()>& f);

// The body of every extern "C" entry point.
template <typename F>
Datum run_entry(F&& body) {
  try {
    return body();
  } catch (...) {
    detail::set_pending_from_current_exception();
  }
  // The exception object and every C++ frame below are gone: safe to longjmp.
  detail::raise_pending_error();
}

}  // namespace pgt::pg

// Defines a SQL-callable function whose body is C++ run through run_entry().
//   PGT_SQL_FUNCTION(pgt_refresh_stream_table) { ... return (Datum) 0; }
#define PGT_SQL_FUNCTION(name)                                                   \
  extern "C" {                                                                   \
  PGDLLEXPORT Datum name(PG_FUNCTION_ARGS);                                      \
  PG_FUNCTION_INFO_V1(name);                                                     \
  }                                                                              \
  static Datum name##_body([[maybe_unused]] FunctionCallInfo fcinfo);            \
  extern "C" PGDLLEXPORT Datum name(PG_FUNCTION_ARGS) {                          \
    return pgt::pg::run_entry([fcinfo]() -> Datum { return name##_body(fcinfo); }); \
  }                                                                              \
  static Datum name##_body([[maybe_unused]] FunctionCallInfo fcinfo)
