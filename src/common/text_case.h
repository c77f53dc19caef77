// Case-insensitive keyword arguments: trimmed and case-folded (ASCII).
#pragma once

#include <string>

namespace pgt {

std::string trimmed_lower(const std::string& text);
std::string trimmed_upper(const std::string& text);

}  // namespace pgt
