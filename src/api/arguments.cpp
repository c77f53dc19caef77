// SQL argument reading: see arguments.h.
#include "api/arguments.h"

#include "common/user_error.h"
#include "pg/boundary.h"

extern "C" {
#include "utils/builtins.h"
}

namespace pgt::api {

std::optional<std::string> text_arg(FunctionCallInfo fcinfo, int index) {
  if (PG_NARGS() <= index || PG_ARGISNULL(index)) return std::nullopt;
  const char* value = nullptr;
  pg::guard([&] { value = text_to_cstring(PG_GETARG_TEXT_PP(index)); });
  return std::string(value);
}

std::string required_text_arg(FunctionCallInfo fcinfo, int index, const char* parameter) {
  auto value = text_arg(fcinfo, index);
  if (!value)
    throw Error(sqlstate::kNullValueNotAllowed,
                std::string("parameter \"") + parameter + "\" must not be NULL", "",
                std::string("Pass a value for ") + parameter + ".");
  return *value;
}

std::optional<bool> bool_arg(FunctionCallInfo fcinfo, int index) {
  if (PG_NARGS() <= index || PG_ARGISNULL(index)) return std::nullopt;
  return PG_GETARG_BOOL(index);
}

}  // namespace pgt::api
