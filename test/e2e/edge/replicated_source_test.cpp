// A table logical replication writes into (a subscription's table) as a
// source: its apply worker fires row triggers only, never statement
// triggers, so the changes it applies would not be captured. DIFFERENTIAL
// and IMMEDIATE refuse it with 0A000 and a HINT; AUTO takes FULL.
//
// The subscription is made without connecting (no publisher is needed) and
// its table registered the way a refresh of the subscription would register
// it (a superuser writing pg_subscription_rel under allow_system_table_mods).
#include <gtest/gtest.h>

#include "oracle.h"
#include "stream_table.h"
#include "test_db.h"

namespace pgt_e2e {
namespace {

class ReplicatedSource : public TestDb {};

TEST_F(ReplicatedSource, RefusedInDifferentialAndImmediateFullInAuto) {
  conn().exec("CREATE TABLE rs_src (id int PRIMARY KEY, v int)");
  conn().exec("INSERT INTO rs_src SELECT g, g FROM generate_series(1, 10) g");
  conn().exec("CREATE SUBSCRIPTION rs_sub CONNECTION 'dbname=rs_nowhere' PUBLICATION rs_pub "
              "WITH (connect = false, enabled = false, create_slot = false, slot_name = NONE)");
  conn().exec("SET allow_system_table_mods = on");
  conn().exec("INSERT INTO pg_subscription_rel (srsubid, srrelid, srsubstate, srsublsn) "
              "SELECT oid, 'rs_src'::regclass, 'r', NULL FROM pg_subscription WHERE subname = 'rs_sub'");
  conn().exec("RESET allow_system_table_mods");

  const std::string q = "SELECT id, v FROM rs_src WHERE v > 3";
  for (const char* mode : {"DIFFERENTIAL", "IMMEDIATE"}) {
    ExecOutcome out = conn().try_exec(create_stream_table_sql("rs_st", q, mode));
    EXPECT_FALSE(out.ok) << mode;
    EXPECT_EQ(out.sqlstate, "0A000") << mode << ": " << out.message;
    EXPECT_NE(out.message.find("logical replication"), std::string::npos) << out.message;
    EXPECT_NE(out.hint.find("statement trigger"), std::string::npos) << out.hint;
  }
  create_stream_table(conn(), "rs_auto", q, "AUTO");
  EXPECT_EQ(conn().scalar("SELECT effective_refresh_mode FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'rs_auto'"),
            "FULL");
  conn().exec("INSERT INTO rs_src VALUES (100, 100)");
  refresh_stream_table(conn(), "rs_auto");
  expect_st_matches_query(conn(), "rs_auto", q);

  conn().exec("SELECT pgtrickle.drop_stream_table('rs_auto')");
  conn().exec("DROP SUBSCRIPTION rs_sub");
}

}  // namespace
}  // namespace pgt_e2e
