// Adversarial DIFFERENTIAL probes: session settings that change how values
// print (TimeZone, DateStyle, bytea_output, extra_float_digits) differ
// between the refresh that stored a row and a later one. Nothing about the
// data changes with them, so neither may the stream table's correctness: the
// scheduler's worker and a client session (JDBC sets TimeZone from the JVM)
// routinely run with different settings.
#include <gtest/gtest.h>

#include "adversarial_support.h"
#include "refresh_history.h"
#include "stream_table.h"

namespace pgt_e2e {
namespace {

class AdversarialSettings : public AdversarialFixture {};

// A timestamptz primary key, the stream table created under UTC, a later
// refresh under another time zone.
TEST_F(AdversarialSettings, TimestamptzKeyRefreshedUnderAnotherTimeZone) {
  conn().exec("SET TimeZone = 'UTC'");
  conn().exec("CREATE TABLE readings (ts timestamptz PRIMARY KEY, v int)");
  conn().exec("INSERT INTO readings VALUES ('2024-01-01 00:00:00+00', 1), ('2024-01-02 00:00:00+00', 2), "
              "('2024-01-03 00:00:00+00', 3)");
  const std::string q = "SELECT ts, v FROM readings";
  ASSERT_TRUE(create_differential(conn(), "readings_st", q));
  conn().exec("SET TimeZone = 'Asia/Tokyo'");
  EXPECT_TRUE(change_refresh_matches(conn(), "readings_st", q,
                                     {"UPDATE readings SET v = 10 WHERE v = 1", "DELETE FROM readings WHERE v = 2"}));
}

// A keyless source's row identity is made of its values: a date column read
// under another DateStyle.
TEST_F(AdversarialSettings, KeylessDateRowsRefreshedUnderAnotherDateStyle) {
  conn().exec("SET DateStyle = 'ISO, MDY'");
  conn().exec("CREATE TABLE days (d date, note text)");
  conn().exec("INSERT INTO days VALUES ('2024-12-31', 'a'), ('2024-11-30', 'b')");
  const std::string q = "SELECT d, note FROM days";
  ASSERT_TRUE(create_differential(conn(), "days_st", q));
  conn().exec("SET DateStyle = 'SQL, DMY'");
  EXPECT_TRUE(change_refresh_matches(conn(), "days_st", q, {"DELETE FROM days WHERE note = 'a'"}));
}

// The same for bytea (a hash as the only column) under bytea_output = escape.
TEST_F(AdversarialSettings, KeylessByteaRowsRefreshedUnderEscapeOutput) {
  conn().exec("CREATE TABLE blobs (h bytea)");
  conn().exec("INSERT INTO blobs VALUES ('\\x01'), ('\\x02'), ('\\x02')");
  const std::string q = "SELECT h FROM blobs";
  ASSERT_TRUE(create_differential(conn(), "blobs_st", q));
  conn().exec("SET bytea_output = 'escape'");
  EXPECT_TRUE(change_refresh_matches(conn(), "blobs_st", q, {"DELETE FROM blobs WHERE h = '\\x01'"}));
}

// With extra_float_digits = 0 floats print rounded to 15 digits: 0.3 and
// 0.1 + 0.2 look alike but are different values.
TEST_F(AdversarialSettings, FloatUpdateRefreshedWithFewerFloatDigits) {
  conn().exec("CREATE TABLE fl (id int PRIMARY KEY, f float8)");
  conn().exec("INSERT INTO fl VALUES (1, 0.3), (2, 1)");
  const std::string q = "SELECT id, f FROM fl";
  ASSERT_TRUE(create_differential(conn(), "fl_st", q));
  conn().exec("UPDATE fl SET f = 0.1::float8 + 0.2::float8 WHERE id = 1");
  conn().exec("SET extra_float_digits = 0");
  conn().exec(refresh_stream_table_sql("fl_st"));
  conn().exec("RESET extra_float_digits");  // compare with every digit shown
  EXPECT_TRUE(st_matches_query_exactly(conn(), "fl_st", q)) << describe(last_refresh(conn(), "fl_st"));
}

// Settings that do not change text forms of the values involved must of
// course keep working (guards the tests above from passing for a wrong reason).
TEST_F(AdversarialSettings, TimestamptzKeyRefreshedUnderTheSameTimeZone) {
  conn().exec("SET TimeZone = 'Europe/Berlin'");
  conn().exec("CREATE TABLE readings2 (ts timestamptz PRIMARY KEY, v int)");
  conn().exec("INSERT INTO readings2 VALUES ('2024-03-31 01:30:00+01', 1), ('2024-03-31 03:30:00+02', 2)");
  const std::string q = "SELECT ts, v, ts + interval '1 day' AS next_day FROM readings2";
  ASSERT_TRUE(create_differential(conn(), "readings2_st", q));
  EXPECT_TRUE(change_refresh_matches(conn(), "readings2_st", q,
                                     {"UPDATE readings2 SET v = 10 WHERE v = 1", "DELETE FROM readings2 WHERE v = 2",
                                      "UPDATE readings2 SET ts = ts + interval '1 hour' WHERE v = 10"}));
}

}  // namespace
}  // namespace pgt_e2e
