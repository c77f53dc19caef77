// Adversarial DIFFERENTIAL probes: values. Numbers that compare equal but
// print differently, special floats, collations, json/jsonb, arrays,
// composites, domains, enums, bytea, empty strings versus NULL, TOASTed text.
#include <gtest/gtest.h>

#include "adversarial_support.h"

namespace pgt_e2e {
namespace {

class AdversarialTypes : public AdversarialFixture {};

// Values that "=" cannot tell apart (1 = 1.00, 0 = -0, '1 day' = '24 hours',
// jsonb 1 = 1.0) still change what the stream table shows; json has no "=".
TEST_F(AdversarialTypes, EqualButDistinctValuesInKeyedSourceFollowUpdates) {
  conn().exec("CREATE TYPE pair AS (x numeric, y text)");
  conn().exec("CREATE DOMAIN nonneg AS numeric CHECK (VALUE >= 0)");
  conn().exec("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')");
  conn().exec("CREATE TABLE tv (id int PRIMARY KEY, n numeric, f float8, r real, j json, jb jsonb, p pair, "
              "dm nonneg, e mood, b bytea, iv interval, t text, tc text COLLATE \"C\")");
  conn().exec("INSERT INTO tv VALUES "
              "(1, 1, 0, 0, '{\"a\":1}', '{\"a\":1}', ROW(1, 'a'), 1, 'ok', '\\x00', '1 day', 'x', 'x'), "
              "(2, NULL, 'NaN', 'Infinity', NULL, 'null', NULL, NULL, NULL, '', '24 hours', '', ''), "
              "(3, 2.50, '-Infinity', '-0', '[]', '[]', ROW(NULL, NULL), 0, 'sad', NULL, NULL, NULL, NULL)");
  const std::string q = "SELECT id, n, f, r, j, jb, p, dm, e, b, iv, t, tc FROM tv";
  ASSERT_TRUE(create_differential(conn(), "tv_st", q));
  EXPECT_TRUE(change_refresh_matches(conn(), "tv_st", q,
                                     {"UPDATE tv SET n = 1.0, f = '-0', r = '-0', j = '{\"a\": 1}', "
                                      "jb = '{\"a\": 1.0}', p = ROW(1.0, 'a'), dm = 1.00, iv = '24 hours' "
                                      "WHERE id = 1"}));
  EXPECT_TRUE(change_refresh_matches(conn(), "tv_st", q,
                                     {"UPDATE tv SET r = '0', f = 'NaN', t = NULL, tc = NULL, jb = NULL, "
                                      "e = 'happy', b = NULL, n = 2.5 WHERE id IN (2, 3)",
                                      "UPDATE tv SET t = '', tc = '', b = '', j = '\"\"' WHERE id = 3",
                                      "UPDATE tv SET t = NULL, tc = NULL, b = NULL WHERE id = 2"}));
  EXPECT_TRUE(change_refresh_matches(conn(), "tv_st", q,
                                     {"UPDATE tv SET n = n", "UPDATE tv SET j = j, jb = jb, p = p",
                                      "DELETE FROM tv WHERE id = 2", "INSERT INTO tv SELECT 2, n, f, r, j, jb, "
                                      "p, dm, e, b, iv, t, tc FROM tv WHERE id = 1"}));
}

// The same values in a keyless source, with duplicates: the row identity is
// the values themselves, so equal-but-distinct values must stay distinct.
TEST_F(AdversarialTypes, EqualButDistinctValuesInKeylessSourceKeepMultiplicities) {
  conn().exec("CREATE TABLE kv (n numeric, f float8, j json, jb jsonb, iv interval, t text)");
  conn().exec("INSERT INTO kv VALUES (1, 0, '{}', '{\"a\":1}', '1 day', ''), (1.0, -0, '{ }', '{\"a\":1.0}', "
              "'24 hours', NULL), (1, 0, '{}', '{\"a\":1}', '1 day', ''), (NULL, 'NaN', NULL, NULL, NULL, NULL)");
  const std::string q = "SELECT n, f, j, jb, iv, t FROM kv";
  ASSERT_TRUE(create_differential(conn(), "kv_st", q));
  EXPECT_TRUE(change_refresh_matches(conn(), "kv_st", q,
                                     {"UPDATE kv SET n = 1.00 WHERE n = 1 AND t IS NULL",
                                      "DELETE FROM kv WHERE ctid = (SELECT min(ctid) FROM kv WHERE t = '')",
                                      "UPDATE kv SET f = '-0' WHERE f = 0 AND t = ''"}));
  EXPECT_TRUE(change_refresh_matches(conn(), "kv_st", q,
                                     {"UPDATE kv SET t = NULL WHERE t = ''", "UPDATE kv SET t = '' WHERE t IS NULL",
                                      "INSERT INTO kv SELECT * FROM kv"}));
}

// Everyday column types in a keyed source: boolean, uuid, bytea, jsonb,
// inet, macaddr, a range, tsvector.
TEST_F(AdversarialTypes, EverydayColumnTypesInKeyedSource) {
  conn().exec("CREATE TABLE et (id int PRIMARY KEY, ok boolean, u uuid, b bytea, jb jsonb, ip inet, mac macaddr, "
              "r int4range, ts tsvector)");
  conn().exec("INSERT INTO et VALUES (1, true, '00000000-0000-0000-0000-000000000001', '\\x01', '{\"a\": 1}', "
              "'10.0.0.1', '08:00:2b:01:02:03', '[1,5)', 'a b'), (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)");
  const std::string q = "SELECT id, ok, u, b, jb, ip, mac, r, ts FROM et";
  ASSERT_TRUE(create_differential(conn(), "et_st", q));
  EXPECT_TRUE(change_refresh_matches(conn(), "et_st", q,
                                     {"UPDATE et SET ok = NOT ok, jb = '{\"a\": 2}', r = '[2,3]' WHERE id = 1",
                                      "UPDATE et SET ok = false, u = gen_random_uuid() WHERE id = 2",
                                      "INSERT INTO et VALUES (3, true, NULL, '\\x', '[]', '::1', NULL, 'empty', '')"}));
}

// Array-typed output columns.
TEST_F(AdversarialTypes, ArrayColumnsAreMaintained) {
  conn().exec("CREATE TABLE av (id int PRIMARY KEY, a int[], tags text[])");
  conn().exec("INSERT INTO av VALUES (1, '{1,2}', '{x}'), (2, '{}', NULL), (3, NULL, '{NULL,\"\"}')");
  const std::string q = "SELECT id, a, tags FROM av";
  ASSERT_TRUE(create_differential(conn(), "av_st", q));
  EXPECT_TRUE(change_refresh_matches(conn(), "av_st", q,
                                     {"UPDATE av SET a = a || 3 WHERE id = 1", "INSERT INTO av VALUES (4, '{4}', '{}')",
                                      "DELETE FROM av WHERE id = 2"}));
}

// Under a nondeterministic (case-insensitive) collation 'abc' = 'ABC', yet an
// update from one to the other changes what the stream table shows.
TEST_F(AdversarialTypes, CaseOnlyUpdateUnderNondeterministicCollationIsApplied) {
  if (!icu_available(conn())) GTEST_SKIP() << "server built without ICU";
  conn().exec("CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false)");
  conn().exec("CREATE TABLE cn (id int PRIMARY KEY, name text COLLATE ci)");
  conn().exec("INSERT INTO cn VALUES (1, 'abc'), (2, 'Def')");
  const std::string q = "SELECT id, name FROM cn";
  ASSERT_TRUE(create_differential(conn(), "cn_st", q));
  EXPECT_TRUE(change_refresh_matches(conn(), "cn_st", q, {"UPDATE cn SET name = 'ABC' WHERE id = 1"}));
}

// A filter on a column whose collation is not the database default: rows
// arriving through the change buffer are compared like rows in the table.
TEST_F(AdversarialTypes, FilterOnColumnWithNonDefaultCollation) {
  // 'B' >= 'b' is false under "C" and true under ICU's root collation: take
  // whichever of the two the database default is not.
  const bool default_is_c = conn().scalar("SELECT (datcollate IN ('C', 'POSIX') OR datcollate ILIKE 'C.%')::text "
                                          "FROM pg_database WHERE datname = current_database()") == "true";
  if (default_is_c && !icu_available(conn())) GTEST_SKIP() << "server built without ICU";
  const std::string collation = default_is_c ? "\"und-x-icu\"" : "\"C\"";
  conn().exec("CREATE TABLE cf (id int PRIMARY KEY, name text COLLATE " + collation + ")");
  conn().exec("INSERT INTO cf VALUES (1, 'a'), (2, 'Z')");
  const std::string q = "SELECT id, name FROM cf WHERE name >= 'b'";
  ASSERT_TRUE(create_differential(conn(), "cf_st", q));
  EXPECT_TRUE(change_refresh_matches(conn(), "cf_st", q,
                                     {"INSERT INTO cf VALUES (3, 'B'), (4, 'c'), (5, 'A')", "UPDATE cf SET name = 'z' "
                                      "WHERE id = 2"}));
}

// A join on a case-insensitive key: partners match across case, and a
// case-only change of either side must show.
TEST_F(AdversarialTypes, JoinOnNondeterministicCollationFollowsCaseOnlyUpdates) {
  if (!icu_available(conn())) GTEST_SKIP() << "server built without ICU";
  conn().exec("CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false)");
  conn().exec("CREATE TABLE cja (id int PRIMARY KEY, k text COLLATE ci)");
  conn().exec("CREATE TABLE cjb (k text COLLATE ci, v int)");  // keyless
  conn().exec("INSERT INTO cja VALUES (1, 'abc'), (2, 'DEF')");
  conn().exec("INSERT INTO cjb VALUES ('ABC', 1), ('def', 2), ('xyz', 3), ('Abc', 4)");
  const std::string q = "SELECT a.id, a.k, b.k AS bk, b.v FROM cja a JOIN cjb b ON a.k = b.k";
  ASSERT_TRUE(create_differential(conn(), "cj_st", q));
  EXPECT_TRUE(change_refresh_matches(conn(), "cj_st", q,
                                     {"UPDATE cjb SET k = 'xYZ' WHERE v = 3", "UPDATE cja SET k = 'XYZ' WHERE id = 2",
                                      "INSERT INTO cjb VALUES ('aBC', 5)"}));
  EXPECT_TRUE(change_refresh_matches(conn(), "cj_st", q, {"UPDATE cja SET k = 'ABC' WHERE id = 1"}));
}

// citext-like: case-insensitive matching through lower() keeps the original
// spelling in the output.
TEST_F(AdversarialTypes, CaseInsensitiveMatchingThroughLowerKeepsSpelling) {
  conn().exec("CREATE TABLE cu (id int PRIMARY KEY, email text)");
  conn().exec("CREATE TABLE cl (email text PRIMARY KEY, plan text)");
  conn().exec("INSERT INTO cu VALUES (1, 'Ann@X.org'), (2, 'bob@y.org'), (3, NULL)");
  conn().exec("INSERT INTO cl VALUES ('ann@x.org', 'gold'), ('BOB@Y.ORG', 'free')");
  const std::string q = "SELECT u.id, u.email, l.email AS l_email, l.plan FROM cu u JOIN cl l "
                        "ON lower(u.email) = lower(l.email)";
  ASSERT_TRUE(create_differential(conn(), "cu_st", q));
  EXPECT_TRUE(change_refresh_matches(conn(), "cu_st", q,
                                     {"UPDATE cu SET email = 'ANN@x.org' WHERE id = 1",
                                      "UPDATE cl SET email = 'Bob@Y.org' WHERE plan = 'free'",
                                      "INSERT INTO cu VALUES (4, 'bob@Y.ORG')"}));
}

// citext (where the extension is installed): case-insensitive keys and joins.
TEST_F(AdversarialTypes, CitextKeysAndJoins) {
  if (conn().scalar("SELECT count(*) FROM pg_available_extensions WHERE name = 'citext'") == "0")
    GTEST_SKIP() << "citext is not installed";
  conn().exec("CREATE EXTENSION IF NOT EXISTS citext SCHEMA public");
  conn().exec("CREATE TABLE ct (email citext PRIMARY KEY, n int)");
  conn().exec("CREATE TABLE ct2 (email citext, plan text)");
  conn().exec("INSERT INTO ct VALUES ('Ann@x', 1), ('bob@y', 2)");
  conn().exec("INSERT INTO ct2 VALUES ('ann@X', 'gold'), ('BOB@Y', 'free')");
  const std::string q = "SELECT c.email, c.n, d.email AS e2, d.plan FROM ct c JOIN ct2 d ON c.email = d.email";
  ASSERT_TRUE(create_differential(conn(), "ct_st", q));
  EXPECT_TRUE(change_refresh_matches(conn(), "ct_st", q,
                                     {"UPDATE ct SET email = 'ANN@X' WHERE n = 1",
                                      "UPDATE ct2 SET email = 'Bob@y' WHERE plan = 'free'",
                                      "INSERT INTO ct2 VALUES ('aNN@x', 'x')"}));
  EXPECT_TRUE(change_refresh_matches(conn(), "ct_st", q, {"UPDATE ct2 SET email = upper(email)"}));
}

// A value long enough to be TOASTed, in a keyed and in a keyless source.
TEST_F(AdversarialTypes, LongTextInKeyedSourceIsMaintained) {
  conn().exec("CREATE TABLE lk (id int PRIMARY KEY, body text)");
  conn().exec("INSERT INTO lk VALUES (1, 'short')");
  const std::string q = "SELECT id, body, length(body) AS len FROM lk";
  ASSERT_TRUE(create_differential(conn(), "lk_st", q));
  const std::string big = "(SELECT pg_catalog.string_agg(pg_catalog.md5(g::text), '') FROM generate_series(1, 300) g)";
  EXPECT_TRUE(change_refresh_matches(conn(), "lk_st", q,
                                     {"INSERT INTO lk VALUES (2, " + big + ")",
                                      "UPDATE lk SET body = body || " + big + " WHERE id = 1"}));
  EXPECT_TRUE(change_refresh_matches(conn(), "lk_st", q, {"UPDATE lk SET body = body || 'x'"}));
}

TEST_F(AdversarialTypes, LongTextInKeylessSourceIsMaintained) {
  conn().exec("CREATE TABLE ll (title text, body text)");
  conn().exec("INSERT INTO ll VALUES ('a', 'short')");
  const std::string q = "SELECT title, body FROM ll";
  ASSERT_TRUE(create_differential(conn(), "ll_st", q));
  // 9600 characters of hex digits: incompressible enough to stay large.
  EXPECT_TRUE(change_refresh_matches(
      conn(), "ll_st", q,
      {"INSERT INTO ll SELECT 'big', pg_catalog.string_agg(pg_catalog.md5(g::text), '') FROM generate_series(1, 300) g"}));
}

}  // namespace
}  // namespace pgt_e2e
