// pgt_test_boundary(kind text, iterations int): exercises the C++/PostgreSQL
// boundary from SQL, for the regression tests. Not part of the extension's SQL
// API: the test suite binds it with CREATE FUNCTION ... LANGUAGE C (superuser).
//
//   'cpp_exception'   a std::runtime_error becomes ERROR XX000
//   'user_error'      a pgt::Error keeps its SQLSTATE, DETAIL and HINT
//   'pg_error'        a PostgreSQL error under guard() is re-raised unchanged
//   'recover'         a PostgreSQL error inside guard_subtransaction() is caught
//                     in C++, and the transaction goes on (returns a query result)
//   'leak_check'      `iterations` errors caught in subtransactions (through
//                     SPI; 'leak_check_direct': a direct PostgreSQL call):
//                     reports how many were caught and the live C++ objects
//   'memory_mark' / 'memory_growth'   backend memory now, and growth since the
//                     mark (call them in transactions around the leak check)
#include <stdexcept>

#include "common/user_error.h"
#include "pg/boundary.h"
#include "pg/spi.h"

extern "C" {
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
}

namespace {

// Counts live instances, to prove unwinding ran every destructor.
struct Tracked {
  static int live;
  std::string payload = std::string(256, 'x');
  Tracked() { live++; }
  ~Tracked() { live--; }
};
int Tracked::live = 0;

void fail_in_postgres() {
  pgt::pg::guard([] { DirectFunctionCall2(int4div, Int32GetDatum(1), Int32GetDatum(0)); });
}

std::string recover() {
  std::string caught;
  try {
    pgt::pg::guard_subtransaction([] {
      Tracked t;
      pgt::pg::spi::exec("SELECT 1 / 0");
    });
  } catch (const pgt::pg::PgError& e) {
    caught = e.what();
  }
  auto after = pgt::pg::spi::scalar("SELECT 'transaction still usable'::text");
  return "caught: " + caught + "; then: " + after.value_or("?");
}

std::string leak_check(int iterations, bool through_spi) {
  int caught = 0;
  for (int i = 0; i < iterations; i++) {
    try {
      pgt::pg::guard_subtransaction([through_spi] {
        Tracked a;
        Tracked b;
        if (through_spi)
          pgt::pg::spi::exec("SELECT 1 / 0");
        else
          fail_in_postgres();
      });
    } catch (const pgt::pg::PgError&) {
      caught++;
    }
  }
  return "caught=" + std::to_string(caught) + " live_cpp_objects=" + std::to_string(Tracked::live);
}

// Backend memory is compared across transactions: what a transaction
// allocates is released at its end, so a leak shows as growth between two
// quiet points, whatever ran in between.
Size memory_mark = 0;

Size backend_memory() {
  Size total = 0;
  pgt::pg::guard([&] { total = MemoryContextMemAllocated(TopMemoryContext, true); });
  return total;
}

std::string memory_growth() {
  long growth = static_cast<long>(backend_memory()) - static_cast<long>(memory_mark);
  // A leak of even a few bytes per caught error grows with the iteration
  // count (thousands of errors: many kilobytes); block reuse does not.
  return growth < 16 * 1024 ? "bounded" : "grew by " + std::to_string(growth) + " bytes";
}

}  // namespace

PGT_SQL_FUNCTION(pgt_test_boundary) {
  const char* kind_text = nullptr;
  pgt::pg::guard([&] { kind_text = text_to_cstring(PG_GETARG_TEXT_PP(0)); });
  std::string kind(kind_text);
  int iterations = PG_NARGS() > 1 && !PG_ARGISNULL(1) ? PG_GETARG_INT32(1) : 100;
  std::string result;
  {
  // The result text is built after SPI_finish: memory allocated while SPI is
  // connected belongs to SPI's procedure context, which SPI_finish deletes.
  pgt::pg::spi::Connection spi;
  if (kind == "cpp_exception") {
    Tracked t;
    throw std::runtime_error("boom from C++");
  } else if (kind == "user_error") {
    throw pgt::Error(pgt::sqlstate::kInvalidParameterValue, "user error from C++",
                     "raised as pgt::Error", "this hint travelled across the boundary");
  } else if (kind == "pg_error") {
    Tracked t;
    fail_in_postgres();
  } else if (kind == "recover") {
    result = recover();
  } else if (kind == "leak_check") {
    result = leak_check(iterations, true);
  } else if (kind == "leak_check_direct") {
    result = leak_check(iterations, false);
  } else if (kind == "memory_mark") {
    memory_mark = backend_memory();
    result = "marked";
  } else if (kind == "memory_growth") {
    result = memory_growth();
  } else if (kind == "live_objects") {
    result = std::to_string(Tracked::live);
  } else {
    throw pgt::Error(pgt::sqlstate::kInvalidParameterValue, "unknown test kind \"" + kind + "\"");
  }
  }
  text* out = nullptr;
  pgt::pg::guard([&] { out = cstring_to_text(result.c_str()); });
  PG_RETURN_TEXT_P(out);
}
