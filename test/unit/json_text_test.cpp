// JSON text of the alerts (common/json_text): hostile names stay strings.
#include <gtest/gtest.h>

#include "common/json_text.h"

using namespace pgt;

TEST(JsonText, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(json_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(json_string("x\ny\tz\x01"), "\"x\\ny\\tz\\u0001\"");
  EXPECT_EQ(json_string("\"}, \"event\": \"forged"), "\"\\\"}, \\\"event\\\": \\\"forged\"");
  EXPECT_EQ(json_string("ünïcødé"), "\"ünïcødé\"");
}

TEST(JsonText, ObjectWithTypedValues) {
  JsonObject o;
  o.add("event", "refresh_failed").add("n", 3).add("ratio", 0.5).add("ok", false);
  EXPECT_EQ(o.text(), "{\"event\":\"refresh_failed\",\"n\":3,\"ratio\":0.500,\"ok\":false}");
}

TEST(JsonText, Iso8601Utc) {
  EXPECT_EQ(iso8601_utc(0), "1970-01-01T00:00:00.000000+00:00");
  EXPECT_EQ(iso8601_utc(1764080701989301LL), "2025-11-25T14:25:01.989301+00:00");
}

TEST(JsonText, TruncatesAtACharacterBoundary) {
  EXPECT_EQ(truncate_utf8("abcdef", 10), "abcdef");
  EXPECT_EQ(truncate_utf8("abcdef", 3), "abc...");
  EXPECT_EQ(truncate_utf8("aé", 2), "a...");  // é is two bytes: not cut in half
}
