// Adversarial DIFFERENTIAL probes: row identity. Composite keys whose text
// parts contain ':' and digits (the identity is a length-prefixed
// concatenation), key updates, numeric keys rescaled, keyless tables of only
// NULLs, UNIQUE NOT NULL without a primary key, wide tables, sources read
// for their row count only, and primary keys added or dropped later.
#include <gtest/gtest.h>

#include "adversarial_support.h"
#include "stream_table.h"

namespace pgt_e2e {
namespace {

class AdversarialKeys : public AdversarialFixture {};

TEST_F(AdversarialKeys, CompositeTextKeysWithColonsAndDigitsStayDistinct) {
  conn().exec("CREATE TABLE ck (a text, b text, c int, v int, PRIMARY KEY (a, b, c))");
  // ('1:', 'x') and ('1', ':x') concatenate alike without length prefixes.
  conn().exec("INSERT INTO ck VALUES ('1:', 'x', 1, 1), ('1', ':x', 1, 2), ('', '1:x', 1, 3), ('12', '', 3, 4), "
              "('1', '2', 3, 5), ('1:2', '', 3, 6), ('2:1:', '', 1, 7)");
  const std::string q = "SELECT a, b, c, v FROM ck";
  ASSERT_TRUE(create_differential(conn(), "ck_st", q));
  EXPECT_TRUE(change_refresh_matches(conn(), "ck_st", q,
                                     {"UPDATE ck SET v = v + 10", "UPDATE ck SET a = b, b = a WHERE v % 2 = 1"}));
  EXPECT_TRUE(change_refresh_matches(conn(), "ck_st", q,
                                     {"DELETE FROM ck WHERE v = 12", "UPDATE ck SET c = c + 1",
                                      "INSERT INTO ck VALUES ('1', ':x', 1, 20)"}));

  // A join of two composite-key tables on an OR condition: combined identities.
  conn().exec("CREATE TABLE ck2 (a text, b text, w int, PRIMARY KEY (a, b))");
  conn().exec("INSERT INTO ck2 SELECT a, b, v FROM ck ON CONFLICT DO NOTHING");
  const std::string qj = "SELECT x.a, x.b, x.c, x.v, y.w FROM ck x JOIN ck2 y ON x.a = y.a OR x.b = y.b";
  ASSERT_TRUE(create_differential(conn(), "ckj_st", qj));
  EXPECT_TRUE(change_refresh_matches(conn(), "ckj_st", qj,
                                     {"UPDATE ck2 SET a = a || ':' WHERE w > 12", "INSERT INTO ck2 VALUES ('1', '1:', 99)",
                                      "UPDATE ck SET b = '1:' WHERE b = ''"}));
}

TEST_F(AdversarialKeys, NumericKeyRescaledFromOneToOnePointZero) {
  conn().exec("CREATE TABLE nk (id numeric PRIMARY KEY, v int)");
  conn().exec("INSERT INTO nk VALUES (1, 1), (2.50, 2), (3, 3)");
  const std::string q = "SELECT id, v FROM nk";
  ASSERT_TRUE(create_differential(conn(), "nk_st", q));
  EXPECT_TRUE(change_refresh_matches(conn(), "nk_st", q,
                                     {"UPDATE nk SET id = 1.0 WHERE id = 1", "UPDATE nk SET id = 2.5 WHERE id = 2.5"}));
  EXPECT_TRUE(change_refresh_matches(conn(), "nk_st", q,
                                     {"UPDATE nk SET v = 7 WHERE id = 1", "UPDATE nk SET id = 3.000, v = 4 WHERE id = 3"}));
  EXPECT_TRUE(change_refresh_matches(conn(), "nk_st", q, {"DELETE FROM nk WHERE id = 1"}));
}

// A deferrable key lets one statement swap keys, and lets a transaction hold
// two rows with one key between statements.
TEST_F(AdversarialKeys, PrimaryKeyUpdatesAndSwaps) {
  conn().exec("CREATE TABLE pk (id int PRIMARY KEY DEFERRABLE INITIALLY DEFERRED, v text)");
  conn().exec("INSERT INTO pk SELECT g, 'v' || g FROM generate_series(1, 10) g");
  const std::string q = "SELECT id, v FROM pk";
  ASSERT_TRUE(create_differential(conn(), "pk_st", q));
  EXPECT_TRUE(change_refresh_matches(conn(), "pk_st", q,
                                     {"UPDATE pk SET id = 3 - id WHERE id IN (1, 2)",  // swap keys
                                      "UPDATE pk SET id = id + 100 WHERE id > 8", "UPDATE pk SET id = 9 WHERE id = 110",
                                      "UPDATE pk SET v = 'v3' WHERE id = 4", "UPDATE pk SET v = 'v4' WHERE id = 3"}));
  EXPECT_TRUE(change_refresh_matches(conn(), "pk_st", q,
                                     {"UPDATE pk SET id = 5 WHERE id = 6",  // two rows with key 5 for a moment
                                      "UPDATE pk SET id = 6 WHERE v = 'v5'", "DELETE FROM pk WHERE id = 7",
                                      "INSERT INTO pk VALUES (7, 'seven')"}));
}

TEST_F(AdversarialKeys, KeylessRowsOfOnlyNulls) {
  conn().exec("CREATE TABLE nl (a int, b text)");
  conn().exec("INSERT INTO nl VALUES (NULL, NULL), (NULL, NULL)");
  const std::string q = "SELECT a, b FROM nl";
  ASSERT_TRUE(create_differential(conn(), "nl_st", q));
  EXPECT_TRUE(change_refresh_matches(
      conn(), "nl_st", q,
      {"INSERT INTO nl VALUES (NULL, NULL), (NULL, ''), (NULL, 'NULL'), (NULL, '()'), (NULL, '(,)')",
       "DELETE FROM nl WHERE ctid IN (SELECT ctid FROM nl WHERE b IS NULL LIMIT 2)"}));
  EXPECT_TRUE(change_refresh_matches(conn(), "nl_st", q, {"UPDATE nl SET b = NULL WHERE b = ''", "UPDATE nl SET a = NULL"}));
  EXPECT_TRUE(change_refresh_matches(conn(), "nl_st", q, {"DELETE FROM nl"}));
  EXPECT_TRUE(change_refresh_matches(conn(), "nl_st", q, {"INSERT INTO nl VALUES (NULL, NULL)"}));
}

TEST_F(AdversarialKeys, UniqueNotNullWithoutPrimaryKeyCountsDuplicates) {
  conn().exec("CREATE TABLE un (id int NOT NULL UNIQUE, v int)");
  conn().exec("INSERT INTO un VALUES (1, 1), (2, 1), (3, 2)");
  const std::string q = "SELECT v FROM un";
  ASSERT_TRUE(create_differential(conn(), "un_st", q));
  EXPECT_TRUE(change_refresh_matches(conn(), "un_st", q,
                                     {"UPDATE un SET v = 2 WHERE id = 1", "DELETE FROM un WHERE id = 3",
                                      "INSERT INTO un VALUES (4, 1)"}));
}

TEST_F(AdversarialKeys, WideTableWithTwoColumnsRead) {
  std::string cols;
  for (int i = 1; i <= 28; i++) cols += ", c" + std::to_string(i) + " int DEFAULT " + std::to_string(i);
  conn().exec("CREATE TABLE wide (id int PRIMARY KEY, pick int" + cols + ")");
  conn().exec("INSERT INTO wide (id, pick) SELECT g, g % 3 FROM generate_series(1, 30) g");
  const std::string q = "SELECT id, pick FROM wide WHERE pick <> 1";
  ASSERT_TRUE(create_differential(conn(), "wide_st", q));
  EXPECT_EQ(conn().scalar("SELECT captured_columns::text FROM pgtrickle.pgt_change_tracking "
                          "WHERE source_relid = 'wide'::regclass"),
            "{id,pick}");
  EXPECT_TRUE(change_refresh_matches(conn(), "wide_st", q,
                                     {"UPDATE wide SET c7 = 0, c28 = 0", "UPDATE wide SET pick = 1 WHERE id < 5",
                                      "UPDATE wide SET c1 = -1, pick = 0 WHERE id BETWEEN 5 AND 8"}));
}

// A keyless source joined only to count rows: the query reads none of its
// columns (a cross join, or "FROM t" for a constant).
TEST_F(AdversarialKeys, KeylessSourceReadOnlyForItsRowCount) {
  conn().exec("CREATE TABLE tick (a int, b int)");
  conn().exec("INSERT INTO tick VALUES (1, 1), (2, 2), (2, 2)");
  const std::string q = "SELECT 1 AS one FROM tick";
  ASSERT_TRUE(create_differential(conn(), "tick_st", q));
  EXPECT_TRUE(change_refresh_matches(conn(), "tick_st", q,
                                     {"INSERT INTO tick VALUES (3, 3)", "DELETE FROM tick WHERE a = 2"}));
  EXPECT_TRUE(change_refresh_matches(conn(), "tick_st", q, {"UPDATE tick SET a = 5"}));
}

// The source gains a primary key after the stream table was created; a new
// session (the scheduler's worker after a restart, any client) refreshes.
// A key change changes every row's identity: the first refresh after it is
// FULL (the history says why); later ones are differential again.
void expect_full_refresh_after_key_change(PgConn& conn, const std::string& st) {
  conn.exec("SELECT pgtrickle.refresh_stream_table('" + st + "')");
  EXPECT_EQ(conn.scalar("SELECT h.action FROM pgtrickle.pgt_refresh_history h JOIN pgtrickle.pgt_stream_tables s "
                        "USING (pgt_id) WHERE s.pgt_name = '" + st + "' ORDER BY refresh_id DESC LIMIT 1"),
            "FULL");
}

TEST_F(AdversarialKeys, PrimaryKeyAddedToSourceLater) {
  conn().exec("CREATE TABLE apk (id int NOT NULL, a int)");
  conn().exec("INSERT INTO apk VALUES (1, 1), (2, 2), (3, 3)");
  const std::string q = "SELECT id, a FROM apk";
  ASSERT_TRUE(create_differential(conn(), "apk_st", q));
  conn().exec("ALTER TABLE apk ADD PRIMARY KEY (id)");
  expect_full_refresh_after_key_change(conn(), "apk_st");
  auto other = connect();
  other->exec("SET search_path = " + quote_ident(schema()) + ", public");
  other->exec("SET pg_trickle.differential_max_change_ratio = 1000");
  EXPECT_TRUE(change_refresh_matches(*other, "apk_st", q,
                                     {"UPDATE apk SET a = 10 WHERE id = 1", "DELETE FROM apk WHERE id = 2"}));
}

// The same when the key is on a column the query does not read.
TEST_F(AdversarialKeys, PrimaryKeyOnUnreadColumnAddedToSourceLater) {
  conn().exec("CREATE TABLE apu (id int NOT NULL, a int)");
  conn().exec("INSERT INTO apu VALUES (1, 1), (2, 2), (3, 3)");
  const std::string q = "SELECT a FROM apu";
  ASSERT_TRUE(create_differential(conn(), "apu_st", q));
  conn().exec("ALTER TABLE apu ADD PRIMARY KEY (id)");
  expect_full_refresh_after_key_change(conn(), "apu_st");
  auto other = connect();
  other->exec("SET search_path = " + quote_ident(schema()) + ", public");
  other->exec("SET pg_trickle.differential_max_change_ratio = 1000");
  EXPECT_TRUE(change_refresh_matches(*other, "apu_st", q, {"UPDATE apu SET a = 10 WHERE id = 1"}));
}

// The source loses its primary key after the stream table was created.
TEST_F(AdversarialKeys, PrimaryKeyDroppedFromSourceLater) {
  conn().exec("CREATE TABLE dpk (id int PRIMARY KEY, a int)");
  conn().exec("INSERT INTO dpk VALUES (1, 1), (2, 2), (3, 3)");
  const std::string q = "SELECT a FROM dpk";
  ASSERT_TRUE(create_differential(conn(), "dpk_st", q));
  conn().exec("ALTER TABLE dpk DROP CONSTRAINT dpk_pkey");
  expect_full_refresh_after_key_change(conn(), "dpk_st");
  EXPECT_TRUE(change_refresh_matches(conn(), "dpk_st", q, {"UPDATE dpk SET a = 10 WHERE id = 1"}));
  auto other = connect();
  other->exec("SET search_path = " + quote_ident(schema()) + ", public");
  other->exec("SET pg_trickle.differential_max_change_ratio = 1000");
  EXPECT_TRUE(change_refresh_matches(*other, "dpk_st", q,
                                     {"UPDATE dpk SET a = 20 WHERE id = 1", "DELETE FROM dpk WHERE id = 2",
                                      "INSERT INTO dpk VALUES (3, 3)"}));
}

}  // namespace
}  // namespace pgt_e2e
