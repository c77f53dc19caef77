// A JSON object built as text, with every string escaped (RFC 8259): names
// and messages that come from users (stream table names, error messages)
// cannot break the document. Pure C++.
#pragma once

#include <cstdint>
#include <string>

namespace pgt {

// "text" as a JSON string literal: quotes, backslashes and control
// characters escaped; other bytes (UTF-8) as they are.
std::string json_string(const std::string& text);

// An ISO 8601 instant in UTC with microseconds, from microseconds since the
// Unix epoch: "2026-11-25T14:25:01.989301+00:00".
std::string iso8601_utc(int64_t unix_micros);

// At most max_bytes of text, cut at a UTF-8 character boundary, with "..."
// when cut.
std::string truncate_utf8(const std::string& text, size_t max_bytes);

class JsonObject {
 public:
  JsonObject& add(const std::string& key, const std::string& value);
  JsonObject& add(const std::string& key, const char* value) { return add(key, std::string(value)); }
  JsonObject& add(const std::string& key, int64_t value);
  JsonObject& add(const std::string& key, int value) { return add(key, static_cast<int64_t>(value)); }
  JsonObject& add(const std::string& key, double value);
  JsonObject& add(const std::string& key, bool value);
  // Appends the other object's members.
  JsonObject& merge(const JsonObject& other);
  std::string text() const { return "{" + body_ + "}"; }

 private:
  JsonObject& add_raw(const std::string& key, const std::string& json);
  std::string body_;
};

}  // namespace pgt
