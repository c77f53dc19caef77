// Reading SQL function arguments into C++ values.
#pragma once

#include <optional>
#include <string>

#include "pg/pg_headers.h"

namespace pgt::api {

std::optional<std::string> text_arg(FunctionCallInfo fcinfo, int index);
// Throws 22004 naming the parameter when NULL.
std::string required_text_arg(FunctionCallInfo fcinfo, int index, const char* parameter);
std::optional<bool> bool_arg(FunctionCallInfo fcinfo, int index);

}  // namespace pgt::api
