// A stream table belongs to the extension: direct INSERT / UPDATE / DELETE /
// TRUNCATE by a user would silently diverge it from its query, so each is
// refused with an error that names the stream table, the contents stay as
// they were, and the extension's own refresh still works afterwards.
#include <gtest/gtest.h>

#include "oracle.h"
#include "stream_table.h"
#include "test_db.h"
#include "test_names.h"

namespace pgt_e2e {
namespace {

class DirectDmlOnStreamTable : public TestDb {
 protected:
  void SetUp() override {
    TestDb::SetUp();
    src_ = name_for_test("src_");
    st_ = name_for_test("st_");
    query_ = "SELECT id, v FROM " + src_ + " WHERE id % 2 = 0";
    conn().exec("CREATE TABLE " + src_ + " (id int PRIMARY KEY, v text)");
    conn().exec("INSERT INTO " + src_ + " SELECT g, 'v' || g FROM generate_series(1, 50) g");
    create_stream_table(conn(), st_, query_);
  }

  // The statement fails cleanly, names the stream table, changes nothing,
  // and a refresh afterwards still produces the query's result.
  void expect_refused(const std::string& sql) {
    SCOPED_TRACE(sql);
    ExecOutcome out = conn().try_exec(sql);
    ASSERT_FALSE(out.ok) << "direct DML on a stream table succeeded";
    EXPECT_FALSE(out.sqlstate.empty());
    EXPECT_NE(out.sqlstate.substr(0, 2), "XX") << "an internal error is not a clear refusal: " << out.message;
    EXPECT_NE(out.message.find(st_), std::string::npos) << "message does not name the stream table: " << out.message;
    expect_st_matches_query(conn(), st_, query_);

    conn().exec("INSERT INTO " + src_ + " VALUES (1000, 'new')");
    refresh_stream_table(conn(), st_);
    expect_st_matches_query(conn(), st_, query_);
  }

  std::string src_, st_, query_;
};

TEST_F(DirectDmlOnStreamTable, InsertIsRefused) { expect_refused("INSERT INTO " + st_ + " (id, v) VALUES (2000, 'x')"); }

TEST_F(DirectDmlOnStreamTable, UpdateIsRefused) { expect_refused("UPDATE " + st_ + " SET v = 'changed'"); }

TEST_F(DirectDmlOnStreamTable, DeleteIsRefused) { expect_refused("DELETE FROM " + st_ + " WHERE id = 2"); }

TEST_F(DirectDmlOnStreamTable, TruncateIsRefused) { expect_refused("TRUNCATE " + st_); }

}  // namespace
}  // namespace pgt_e2e
