// Non-error messages to the client (WARNING, NOTICE) from C++.
#pragma once

#include <string>

namespace pgt::pg {

void warning(const std::string& message, const std::string& detail = {},
             const std::string& hint = {});
void notice(const std::string& message, const std::string& detail = {});

}  // namespace pgt::pg
