// pgt::Error — the one C++ exception type the extension's layers throw for
// errors a user (or the environment) can cause. Pure C++: no PostgreSQL headers.
// The entry wrapper (src/pg/boundary.h) turns it into ereport(ERROR) with the
// same SQLSTATE, message, DETAIL and HINT once the C++ frames are gone.
#pragma once

#include <stdexcept>
#include <string>

namespace pgt {

// SQLSTATE codes we raise, as their five-character text (see PostgreSQL's
// errcodes.txt). Kept as text so pure C++ code needs no PostgreSQL header.
namespace sqlstate {
inline constexpr const char* kSyntaxError = "42601";
inline constexpr const char* kUndefinedTable = "42P01";
inline constexpr const char* kUndefinedObject = "42704";
inline constexpr const char* kDuplicateTable = "42P07";
inline constexpr const char* kDuplicateObject = "42710";
inline constexpr const char* kDuplicateColumn = "42701";
inline constexpr const char* kInvalidName = "42602";
inline constexpr const char* kWrongObjectType = "42809";
inline constexpr const char* kInvalidParameterValue = "22023";
inline constexpr const char* kNullValueNotAllowed = "22004";
inline constexpr const char* kFeatureNotSupported = "0A000";
inline constexpr const char* kInvalidObjectDefinition = "42P17";
inline constexpr const char* kInvalidRecursion = "42P19";
inline constexpr const char* kObjectNotInPrerequisiteState = "55000";
inline constexpr const char* kInsufficientPrivilege = "42501";
inline constexpr const char* kDependentObjectsStillExist = "2BP01";
inline constexpr const char* kInternalError = "XX000";
}  // namespace sqlstate

class Error : public std::runtime_error {
 public:
  Error(const char* sqlstate, std::string message, std::string detail = {}, std::string hint = {})
      : std::runtime_error(std::move(message)),
        sqlstate_(sqlstate),
        detail_(std::move(detail)),
        hint_(std::move(hint)) {}

  const char* sqlstate() const noexcept { return sqlstate_; }
  const std::string& detail() const noexcept { return detail_; }
  const std::string& hint() const noexcept { return hint_; }

 private:
  const char* sqlstate_;
  std::string detail_;
  std::string hint_;
};

}  // namespace pgt
