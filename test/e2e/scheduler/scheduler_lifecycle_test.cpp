// The scheduler processes: one per database with the extension, none
// elsewhere; restarted after being killed; out of the way of DROP EXTENSION,
// DROP DATABASE and ALTER DATABASE RENAME; stopped by pg_trickle.enabled.
#include <gtest/gtest.h>

#include <thread>

#include "scheduler_support.h"
#include "test_names.h"

namespace pgt_e2e {
namespace {

class SchedulerLifecycle : public SchedulerDb {
 protected:
  // A database of its own (dropped by the test), with or without the extension.
  std::string make_database(const std::string& name, bool extension) {
    auto admin = connect_maintenance();
    admin->exec("DROP DATABASE IF EXISTS " + quote_ident(name) + " WITH (FORCE)");
    admin->exec("CREATE DATABASE " + quote_ident(name));
    if (extension) {
      PgConn db(ConnTarget{name, ""});
      db.exec("CREATE EXTENSION pg_trickle");
    }
    return name;
  }
  // Tables named after the test: tests share the suite database.
  std::string src() { return name_for_test("src_"); }
  std::string st() { return name_for_test("st_"); }
  void make_stream_table(PgConn& db) {
    db.exec("CREATE TABLE " + src() + " (id int PRIMARY KEY)");
    db.exec("SELECT pgtrickle.create_stream_table('" + st() + "', 'SELECT id FROM " + src() +
            "', schedule => '1s')");
  }
  // Inserts a row and waits until the stream table shows it.
  bool refreshes(PgConn& db, int id) {
    db.exec("INSERT INTO " + src() + " VALUES (" + std::to_string(id) + ")");
    return wait_until([&] {
      return db.scalar("SELECT count(*) FROM " + st() + " WHERE id = " + std::to_string(id)) == "1";
    });
  }
};

TEST_F(SchedulerLifecycle, OneSchedulerPerDatabaseWithTheExtensionAndNoneElsewhere) {
  EXPECT_NE(wait_for_scheduler(conn(), db_name()), 0);
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pg_trickle scheduler' "
                          "AND datname = current_database()"),
            "1");
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pg_trickle launcher'"), "1");
  // The maintenance database has no pg_trickle: its probe exited.
  auto admin = connect_maintenance();
  std::string maintenance = admin->scalar("SELECT current_database()");
  EXPECT_TRUE(wait_until([&] { return scheduler_pid(*admin, maintenance) == 0; }));
}

TEST_F(SchedulerLifecycle, TerminatedSchedulerIsRestartedAndGoesOnRefreshing) {
  make_stream_table(conn());
  int pid = wait_for_scheduler(conn(), db_name());
  ASSERT_NE(pid, 0);
  conn().exec("SELECT pg_terminate_backend(" + std::to_string(pid) + ")");
  int next = wait_for_scheduler(conn(), db_name(), pid);
  EXPECT_NE(next, 0);
  EXPECT_NE(next, pid);
  EXPECT_TRUE(refreshes(conn(), 1));
}

TEST_F(SchedulerLifecycle, TerminatedLauncherComesBackWithoutDisturbingSchedulers) {
  make_stream_table(conn());
  int scheduler = wait_for_scheduler(conn(), db_name());
  ASSERT_NE(scheduler, 0);
  const std::string launcher_pid =
      "SELECT coalesce(max(pid), 0) FROM pg_stat_activity WHERE backend_type = 'pg_trickle launcher'";
  std::string launcher = conn().scalar(launcher_pid);
  ASSERT_NE(launcher, "0");
  conn().exec("SELECT pg_terminate_backend(" + launcher + ")");
  EXPECT_TRUE(wait_until([&] {
    std::string now = conn().scalar(launcher_pid);
    return now != "0" && now != launcher;
  }));
  EXPECT_EQ(scheduler_pid(conn(), db_name()), scheduler);
  EXPECT_TRUE(refreshes(conn(), 1));
}

TEST_F(SchedulerLifecycle, DropAndCreateExtensionWhileTheSchedulerRuns) {
  std::string name = make_database("pgt_e2e_sched_dropext", true);
  {
    PgConn db(ConnTarget{name, ""});
    make_stream_table(db);
    int pid = wait_for_scheduler(conn(), name);
    ASSERT_NE(pid, 0);
    EXPECT_TRUE(refreshes(db, 1));
    db.exec("DROP EXTENSION pg_trickle");
    EXPECT_TRUE(wait_until([&] { return scheduler_pid(conn(), name) == 0; }));
    // Installed again: a scheduler comes back and refreshes the new tables.
    db.exec("CREATE EXTENSION pg_trickle");
    db.exec("DROP TABLE " + src());
    make_stream_table(db);
    EXPECT_NE(wait_for_scheduler(conn(), name, pid), 0);
    EXPECT_TRUE(refreshes(db, 2));
  }
  connect_maintenance()->exec("DROP DATABASE " + quote_ident(name));
}

TEST_F(SchedulerLifecycle, DropRenameAndCopyDatabaseWithoutForceWhileTheSchedulerRuns) {
  std::string name = make_database("pgt_e2e_sched_dropdb", true);
  {
    PgConn db(ConnTarget{name, ""});
    make_stream_table(db);
    EXPECT_TRUE(refreshes(db, 1));
  }
  ASSERT_NE(wait_for_scheduler(conn(), name), 0);
  auto admin = connect_maintenance();
  // Both need the database to themselves: the scheduler steps aside.
  admin->exec("ALTER DATABASE " + quote_ident(name) + " RENAME TO pgt_e2e_sched_renamed");
  ASSERT_NE(wait_for_scheduler(conn(), "pgt_e2e_sched_renamed"), 0);
  {
    PgConn db(ConnTarget{"pgt_e2e_sched_renamed", ""});
    EXPECT_TRUE(refreshes(db, 2));
  }
  // Copying it needs it alone too; the copy has pg_trickle, and is found.
  admin->exec("DROP DATABASE IF EXISTS pgt_e2e_sched_copy WITH (FORCE)");
  admin->exec("CREATE DATABASE pgt_e2e_sched_copy TEMPLATE pgt_e2e_sched_renamed");
  EXPECT_NE(wait_for_scheduler(conn(), "pgt_e2e_sched_copy"), 0);
  admin->exec("DROP DATABASE pgt_e2e_sched_copy");
  admin->exec("DROP DATABASE pgt_e2e_sched_renamed");
  EXPECT_EQ(admin->scalar("SELECT count(*) FROM pg_database WHERE datname IN ('pgt_e2e_sched_copy', 'pgt_e2e_sched_renamed')"), "0");
}

TEST_F(SchedulerLifecycle, EnabledOffForTheDatabaseStopsScheduling) {
  std::string name = make_database("pgt_e2e_sched_off", true);
  {
    PgConn db(ConnTarget{name, ""});
    make_stream_table(db);
    EXPECT_TRUE(refreshes(db, 1));
    auto admin = connect_maintenance();
    admin->exec("ALTER DATABASE " + quote_ident(name) + " SET pg_trickle.enabled = off");
    EXPECT_TRUE(wait_until([&] { return scheduler_pid(conn(), name) == 0; }));
    db.exec("INSERT INTO " + src() + " VALUES (2)");
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    EXPECT_EQ(db.scalar("SELECT count(*) FROM " + st()), "1");
    admin->exec("ALTER DATABASE " + quote_ident(name) + " RESET pg_trickle.enabled");
    EXPECT_TRUE(wait_until([&] { return db.scalar("SELECT count(*) FROM " + st()) == "2"; }));
  }
  connect_maintenance()->exec("DROP DATABASE " + quote_ident(name));
}

TEST_F(SchedulerLifecycle, EnabledOffClusterWideStopsEveryScheduler) {
  make_stream_table(conn());
  ASSERT_NE(wait_for_scheduler(conn(), db_name()), 0);
  auto admin = connect_maintenance();
  admin->exec("ALTER SYSTEM SET pg_trickle.enabled = off");
  admin->exec("SELECT pg_reload_conf()");
  bool stopped = wait_until([&] {
    return conn().scalar("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pg_trickle scheduler'") == "0";
  });
  admin->exec("ALTER SYSTEM RESET pg_trickle.enabled");
  admin->exec("SELECT pg_reload_conf()");
  EXPECT_TRUE(stopped);
  EXPECT_NE(wait_for_scheduler(conn(), db_name()), 0);
  EXPECT_TRUE(refreshes(conn(), 7));
}

}  // namespace
}  // namespace pgt_e2e
