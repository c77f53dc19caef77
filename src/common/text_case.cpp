// Keyword folding: see text_case.h.
#include "common/text_case.h"

#include <algorithm>
#include <cctype>

namespace pgt {

namespace {

std::string trimmed(const std::string& text) {
  size_t b = text.find_first_not_of(" \t\r\n");
  size_t e = text.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : text.substr(b, e - b + 1);
}

}  // namespace

std::string trimmed_lower(const std::string& text) {
  std::string out = trimmed(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string trimmed_upper(const std::string& text) {
  std::string out = trimmed(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

}  // namespace pgt
