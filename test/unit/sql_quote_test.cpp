// Quoting of identifiers and literals spliced into generated SQL.
#include <gtest/gtest.h>

#include "common/sql_quote.h"

namespace {

TEST(QuoteIdent, AlwaysQuotes) {
  EXPECT_EQ(pgt::quote_ident("orders"), "\"orders\"");
  EXPECT_EQ(pgt::quote_ident("Order Items"), "\"Order Items\"");
  EXPECT_EQ(pgt::quote_ident("select"), "\"select\"");
  EXPECT_EQ(pgt::quote_ident(""), "\"\"");
}

TEST(QuoteIdent, DoublesEmbeddedQuotes) {
  EXPECT_EQ(pgt::quote_ident("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(pgt::quote_ident("\"; DROP TABLE x; --"), "\"\"\"; DROP TABLE x; --\"");
}

TEST(QuoteQualified, JoinsQuotedParts) {
  EXPECT_EQ(pgt::quote_qualified("public", "t"), "\"public\".\"t\"");
  EXPECT_EQ(pgt::quote_qualified("My.Schema", "x\"y"), "\"My.Schema\".\"x\"\"y\"");
}

TEST(QuoteLiteral, DoublesQuotes) {
  EXPECT_EQ(pgt::quote_literal("abc"), "'abc'");
  EXPECT_EQ(pgt::quote_literal("it's"), "'it''s'");
  EXPECT_EQ(pgt::quote_literal(""), "''");
}

TEST(QuoteLiteral, BackslashesUseEscapeSyntax) {
  // Means the same whatever standard_conforming_strings is.
  EXPECT_EQ(pgt::quote_literal("a\\b"), "E'a\\\\b'");
  EXPECT_EQ(pgt::quote_literal("\\'"), "E'\\\\'''");
}

TEST(QuoteLiteral, KeepsMultibyteText) {
  EXPECT_EQ(pgt::quote_literal("grüße"), "'grüße'");
  EXPECT_EQ(pgt::quote_ident("naïve"), "\"naïve\"");
}

}  // namespace
