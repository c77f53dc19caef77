// User code never runs as a role other than the one it is meant to
// (docs/SQL_REFERENCE.md, "Privileges": refreshes run as the stream table's
// owner whoever triggers them; capture runs as the extension's owner and
// evaluates nothing of the source owner's; docs/ARCHITECTURE.md, "Roles").
//
// The writer (role A) owns a source table with code of its own, each piece
// logging current_user into A's log table (writable by everyone, so a run as
// a wrong role is recorded instead of failing):
//  * a column DEFAULT calling A's function,
//  * BEFORE and AFTER row triggers and BEFORE and AFTER statement triggers
//    (INSERT, UPDATE, DELETE, TRUNCATE),
//  * a domain whose CHECK calls A's function.
// The stream tables' owner (role B, SELECT on A's table) creates DIFFERENTIAL,
// AUTO and FULL stream tables whose queries call B's own functions: a STABLE
// SQL function returning current_user (column `who`), and, in FULL mode and in
// AUTO (maintained FULL: volatile), a VOLATILE function that also logs
// current_user into B's log; B's row and statement triggers on its stream
// tables' storage log there too.
//
// A writes; a superuser (the test's session, which also ran CREATE
// EXTENSION: the extension's owner) refreshes B's stream tables; B refreshes
// them; A's DDL recomputes them at once (ALTER COLUMN TYPE); in a second suite
// the background scheduler refreshes them. Always: A's log holds only A
// (never the extension's owner, never B), B's log and every `who` value only
// B (never the superuser who triggered the refresh, never A whose DDL did).
// Roles are cluster-wide: created and dropped around each suite.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "adversarial_support.h"
#include "oracle.h"
#include "pg_conn.h"
#include "refresh_history.h"
#include "scheduler_support.h"
#include "stream_table.h"
#include "test_db.h"
#include "test_names.h"

namespace pgt_e2e {
namespace {

// The roles of one suite.
struct Roles {
  std::string writer;  // A: owns the source table and its default / trigger / domain code
  std::string owner;   // B: owns the stream tables and the functions their queries call
};

const Roles kManualRoles{"pgt_e2e_uc_writer", "pgt_e2e_uc_st_owner"};
const Roles kScheduledRoles{"pgt_e2e_uc_sched_writer", "pgt_e2e_uc_sched_st_owner"};

void create_roles(const Roles& roles) {
  auto admin = connect_maintenance();
  for (const std::string& role : {roles.writer, roles.owner}) {
    admin->exec("DROP ROLE IF EXISTS " + role);
    admin->exec("CREATE ROLE " + role + " LOGIN");
  }
}

void drop_roles(const Roles& roles) {
  auto admin = connect_maintenance();
  for (const std::string& role : {roles.writer, roles.owner}) admin->exec("DROP ROLE IF EXISTS " + role);
}

// One stream table of the world.
struct UcSt {
  std::string name;   // qualified
  std::string mode;
  std::string query;
};

// The objects of one test, in a schema of its own (named after the test).
class UserCodeWorld {
 public:
  UserCodeWorld(PgConn& super, const Roles& roles, const std::string& schema) : super_(super), roles_(roles) {
    s_ = quote_ident(schema);
    super_.exec("DROP SCHEMA IF EXISTS " + s_ + " CASCADE");
    super_.exec("CREATE SCHEMA " + s_);
    super_.exec("GRANT USAGE, CREATE ON SCHEMA " + s_ + " TO " + roles_.writer + ", " + roles_.owner);
    ext_owner_ = super_.scalar("SELECT extowner::regrole::text FROM pg_extension WHERE extname = 'pg_trickle'");
    writer_ = TestDb::connect(roles_.writer);
    owner_ = TestDb::connect(roles_.owner);
    for (PgConn* c : {writer_.get(), owner_.get()}) c->exec("SET search_path = " + s_);
    owner_->exec("SET pg_trickle.differential_max_change_ratio = 1000");
    super_.exec("SET search_path = " + s_);
    super_.exec("SET pg_trickle.differential_max_change_ratio = 1000");
  }

  PgConn& writer() { return *writer_; }
  PgConn& owner() { return *owner_; }
  const std::string& ext_owner() const { return ext_owner_; }
  const std::vector<UcSt>& sts() const { return sts_; }

  // A's table and code. Every body names its objects qualified: it must log,
  // not fail, whatever search_path it would run under.
  void install_writer_code() {
    PgConn& a = writer();
    a.exec("CREATE TABLE " + s_ + ".uc_log (what text, who text)");
    a.exec("GRANT INSERT ON " + s_ + ".uc_log TO PUBLIC");
    a.exec("CREATE FUNCTION " + s_ + ".uc_default() RETURNS int LANGUAGE plpgsql VOLATILE AS $f$BEGIN "
           "INSERT INTO " + s_ + ".uc_log VALUES ('default', current_user); RETURN 7; END$f$");
    a.exec("CREATE FUNCTION " + s_ + ".uc_check(int) RETURNS boolean LANGUAGE plpgsql AS $f$BEGIN "
           "INSERT INTO " + s_ + ".uc_log VALUES ('domain', current_user); RETURN true; END$f$");
    a.exec("CREATE FUNCTION " + s_ + ".uc_trig() RETURNS trigger LANGUAGE plpgsql AS $f$BEGIN "
           "INSERT INTO " + s_ + ".uc_log VALUES (lower(TG_WHEN || ' ' || TG_LEVEL || ' ' || TG_OP), current_user); "
           "IF TG_LEVEL = 'ROW' THEN IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END IF; "
           "RETURN NULL; END$f$");
    a.exec("CREATE DOMAIN " + s_ + ".uc_dom AS int CHECK (" + s_ + ".uc_check(VALUE))");
    a.exec("CREATE TABLE " + s_ + ".uc_src (id int PRIMARY KEY, d " + s_ + ".uc_dom, x int DEFAULT " + s_ +
           ".uc_default(), v int)");
    for (const char* when : {"BEFORE", "AFTER"}) {
      a.exec(std::string("CREATE TRIGGER uc_row_") + when + " " + when + " INSERT OR UPDATE OR DELETE ON " + s_ +
             ".uc_src FOR EACH ROW EXECUTE FUNCTION " + s_ + ".uc_trig()");
      a.exec(std::string("CREATE TRIGGER uc_stmt_") + when + " " + when +
             " INSERT OR UPDATE OR DELETE OR TRUNCATE ON " + s_ + ".uc_src FOR EACH STATEMENT EXECUTE FUNCTION " +
             s_ + ".uc_trig()");
    }
    a.exec("INSERT INTO " + s_ + ".uc_src (id, d, v) SELECT g, g, g FROM generate_series(1, 20) g");
    a.exec("GRANT SELECT ON " + s_ + ".uc_src TO " + roles_.owner);
  }

  // B's functions and log.
  void install_owner_code() {
    PgConn& b = owner();
    b.exec("CREATE TABLE " + s_ + ".uc_st_log (what text, who text)");
    b.exec("GRANT INSERT ON " + s_ + ".uc_st_log TO PUBLIC");
    b.exec("CREATE FUNCTION " + s_ + ".pgt_uc_who() RETURNS text LANGUAGE sql STABLE AS 'SELECT current_user::text'");
    b.exec("CREATE FUNCTION " + s_ + ".pgt_uc_log_who() RETURNS text LANGUAGE plpgsql VOLATILE AS $f$BEGIN "
           "INSERT INTO " + s_ + ".uc_st_log VALUES ('query', current_user); RETURN current_user::text; END$f$");
  }

  // B's stream tables: DIFFERENTIAL and AUTO with the STABLE `who`, FULL and
  // AUTO (FULL: volatile) with the logging one. extra: more arguments of
  // create_stream_table (a schedule).
  void create_stream_tables(const std::string& extra = "") {
    const std::string cols = "id, d::int AS d, x, v, ";
    const std::string from = " AS who FROM " + s_ + ".uc_src";
    sts_ = {{s_ + ".uc_diff", "DIFFERENTIAL", "SELECT " + cols + s_ + ".pgt_uc_who()" + from},
            {s_ + ".uc_auto", "AUTO", "SELECT " + cols + s_ + ".pgt_uc_who()" + from},
            {s_ + ".uc_full", "FULL", "SELECT " + cols + s_ + ".pgt_uc_log_who()" + from},
            {s_ + ".uc_full_stable", "FULL", "SELECT " + cols + s_ + ".pgt_uc_who()" + from},
            {s_ + ".uc_auto_volatile", "AUTO", "SELECT " + cols + s_ + ".pgt_uc_log_who()" + from}};
    for (const UcSt& st : sts_)
      owner().exec("SELECT pgtrickle.create_stream_table(" + quote_literal(st.name) + ", " + quote_literal(st.query) +
                   ", refresh_mode => " + quote_literal(st.mode) + (extra.empty() ? "" : ", " + extra) + ")");
    EXPECT_EQ(effective_mode(sts_[0]), "DIFFERENTIAL");
    EXPECT_EQ(effective_mode(sts_[1]), "DIFFERENTIAL");
    EXPECT_EQ(effective_mode(sts_[4]), "FULL");
  }

  // B's own row and statement triggers on its stream tables' storage, logging
  // into B's log: a refresh writing the storage fires them, as B.
  void install_owner_triggers() {
    PgConn& b = owner();
    b.exec("CREATE FUNCTION " + s_ + ".uc_st_trig() RETURNS trigger LANGUAGE plpgsql AS $f$BEGIN "
           "INSERT INTO " + s_ + ".uc_st_log VALUES (lower('st ' || TG_LEVEL || ' ' || TG_OP), current_user); "
           "IF TG_LEVEL = 'ROW' THEN IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END IF; "
           "RETURN NULL; END$f$");
    for (const UcSt& st : sts_) {
      b.exec("CREATE TRIGGER uc_st_row AFTER INSERT OR UPDATE OR DELETE ON " + st.name +
             " FOR EACH ROW EXECUTE FUNCTION " + s_ + ".uc_st_trig()");
      b.exec("CREATE TRIGGER uc_st_stmt AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON " + st.name +
             " FOR EACH STATEMENT EXECUTE FUNCTION " + s_ + ".uc_st_trig()");
    }
  }
  bool owner_code_ran(const std::string& what) {
    return super_.scalar("SELECT count(*) FROM " + s_ + ".uc_st_log WHERE what = " + quote_literal(what)) != "0";
  }

  std::string effective_mode(const UcSt& st) {
    return super_.scalar("SELECT effective_refresh_mode FROM pgtrickle.pgt_stream_tables WHERE pgt_relid = " +
                         quote_literal(st.name) + "::regclass");
  }

  // A's writes: every kind of statement its code fires on.
  void writer_dml(int k) {
    const std::string n = std::to_string(k);
    run_in_transaction(writer(), {"INSERT INTO " + s_ + ".uc_src (id, d, v) VALUES (100 + " + n + ", " + n + ", " + n +
                                      ")",
                                  "UPDATE " + s_ + ".uc_src SET d = d + 1, v = v * 2 WHERE id = " + n,
                                  "DELETE FROM " + s_ + ".uc_src WHERE id = 10 + " + n});
  }
  void writer_truncate_and_refill() {
    run_in_transaction(writer(), {"TRUNCATE " + s_ + ".uc_src",
                                  "INSERT INTO " + s_ + ".uc_src (id, d, v) SELECT g, g, -g FROM generate_series(1, 15) g"});
  }

  // Refreshes every stream table on `session`; each succeeds.
  void refresh_all(PgConn& session) {
    for (const UcSt& st : sts_) {
      const ExecOutcome out = session.try_exec(refresh_stream_table_sql(st.name));
      EXPECT_TRUE(out.ok) << st.name << ": [" << out.sqlstate << "] " << out.message << " / HINT: " << out.hint;
    }
  }

  // Who ran A's code, and what: "what:who" pairs, distinct, sorted.
  std::string writer_log() {
    return super_.scalar("SELECT coalesce(string_agg(DISTINCT what || ':' || who, ', ' ORDER BY what || ':' || who), "
                         "'') FROM " + s_ + ".uc_log");
  }
  std::string distinct_who(const std::string& table) {
    return super_.scalar("SELECT coalesce(string_agg(DISTINCT coalesce(who, 'NULL'), ','), '') FROM " + table);
  }

  // The invariant, after any number of writes and refreshes.
  void expect_every_role_ran_its_own_code(const std::string& when) {
    SCOPED_TRACE(when);
    // A's code ran only as A.
    EXPECT_EQ(super_.scalar("SELECT count(*) FROM " + s_ + ".uc_log WHERE who IS DISTINCT FROM " +
                            quote_literal(roles_.writer)),
              "0")
        << writer_log();
    EXPECT_EQ(super_.scalar("SELECT count(*) FROM " + s_ + ".uc_log WHERE who = " + quote_literal(ext_owner_)), "0")
        << "A's code ran as the extension's owner: " << writer_log();
    EXPECT_EQ(super_.scalar("SELECT count(*) FROM " + s_ + ".uc_log WHERE who = " + quote_literal(roles_.owner)), "0")
        << "A's code ran as the stream tables' owner: " << writer_log();
    // B's logging function ran only as B.
    EXPECT_EQ(super_.scalar("SELECT count(*) FROM " + s_ + ".uc_st_log WHERE who IS DISTINCT FROM " +
                            quote_literal(roles_.owner)),
              "0")
        << distinct_who(s_ + ".uc_st_log");
    // Every row of every stream table was computed as B.
    for (const UcSt& st : sts_) {
      EXPECT_EQ(distinct_who(st.name), roles_.owner) << st.name << " (" << st.mode << ")";
      EXPECT_NE(super_.scalar("SELECT count(*) FROM " + st.name), "0") << st.name;
    }
  }

  // Each stream table equals its query evaluated as B (its `who` is B's).
  // The FULL queries log as B while doing so.
  void expect_oracles() {
    for (const UcSt& st : sts_) EXPECT_TRUE(st_matches_query_exactly(owner(), st.name, st.query)) << st.name;
  }

  void clear_logs() {
    super_.exec("TRUNCATE " + s_ + ".uc_log, " + s_ + ".uc_st_log");
  }

  // The kinds of A's code that have run (to prove the logging works).
  bool writer_code_ran(const std::string& what) {
    return super_.scalar("SELECT count(*) FROM " + s_ + ".uc_log WHERE what = " + quote_literal(what)) != "0";
  }

  const std::string& schema_sql() const { return s_; }

  // A further stream table of B's (created as B).
  void add_stream_table(const UcSt& st) {
    owner().exec("SELECT pgtrickle.create_stream_table(" + quote_literal(st.name) + ", " + quote_literal(st.query) +
                 ", refresh_mode => " + quote_literal(st.mode) + ")");
    sts_.push_back(st);
  }
  void forget_stream_tables() { sts_.clear(); }

  // Rows of A's log: "what:who" for `what` LIKE pattern, distinct, sorted.
  std::string writer_log_of(const std::string& like) {
    return super_.scalar("SELECT coalesce(string_agg(DISTINCT what || ':' || who, ', ' ORDER BY what || ':' || who), "
                         "'') FROM " + s_ + ".uc_log WHERE what LIKE " + quote_literal(like));
  }
  std::string count_in_writer_log(const std::string& condition) {
    return super_.scalar("SELECT count(*) FROM " + s_ + ".uc_log WHERE " + condition);
  }

 private:
  PgConn& super_;
  Roles roles_;
  std::string s_;
  std::string ext_owner_;
  std::unique_ptr<PgConn> writer_, owner_;
  std::vector<UcSt> sts_;
};

class UserCodeRoles : public TestDb {
 public:
  static void SetUpTestSuite() {
    TestDb::SetUpTestSuite();
    create_roles(kManualRoles);
  }
  static void TearDownTestSuite() {
    TestDb::TearDownTestSuite();
    drop_roles(kManualRoles);
  }

 protected:
  std::unique_ptr<UserCodeWorld> make_world() {
    auto w = std::make_unique<UserCodeWorld>(conn(), kManualRoles, name_for_test("uc_"));
    w->install_writer_code();
    w->install_owner_code();
    w->create_stream_tables();
    w->install_owner_triggers();
    return w;
  }
};

TEST_F(UserCodeRoles, TheExtensionOwnerIsTheTestsSuperuser) {
  // The premise of the suite: the session that runs CREATE EXTENSION (and
  // triggers refreshes below) is the extension's owner and a superuser.
  EXPECT_EQ(conn().scalar("SELECT extowner::regrole::text FROM pg_extension WHERE extname = 'pg_trickle'"),
            conn().scalar("SELECT session_user::text"));
  EXPECT_EQ(conn().scalar("SELECT rolsuper FROM pg_roles WHERE rolname = session_user"), "t");
}

// Creation (the initial FULL refreshes) and A's seed rows.
TEST_F(UserCodeRoles, CreationRunsTheQueriesAsTheOwner) {
  auto w = make_world();
  EXPECT_TRUE(w->writer_code_ran("default"));
  EXPECT_TRUE(w->writer_code_ran("domain"));
  EXPECT_TRUE(w->writer_code_ran("before row insert"));
  EXPECT_TRUE(w->writer_code_ran("after statement insert"));
  w->expect_every_role_ran_its_own_code("after create_stream_table");
  w->expect_oracles();
}

// A writes; the superuser refreshes B's stream tables (allowed: superuser);
// B refreshes them; A truncates. Nobody's code runs as anybody else.
TEST_F(UserCodeRoles, WritesAndRefreshesByEveryRole) {
  auto w = make_world();
  w->clear_logs();

  w->writer_dml(1);
  EXPECT_TRUE(w->writer_code_ran("default"));
  EXPECT_TRUE(w->writer_code_ran("domain"));
  for (const char* what : {"before row insert", "after row update", "before row delete", "after statement delete"})
    EXPECT_TRUE(w->writer_code_ran(what)) << what;
  w->refresh_all(conn());  // the superuser (extension owner) triggers them
  for (const char* what : {"query", "st row insert", "st row update", "st row delete", "st statement insert",
                           "st statement truncate"})
    EXPECT_TRUE(w->owner_code_ran(what)) << what;
  w->expect_every_role_ran_its_own_code("after A's writes and the superuser's refreshes");
  EXPECT_EQ(last_refresh(conn(), w->sts()[0].name).action, "DIFFERENTIAL");
  EXPECT_EQ(last_refresh(conn(), w->sts()[1].name).action, "DIFFERENTIAL");
  w->expect_oracles();

  w->writer_dml(2);
  w->refresh_all(w->owner());  // B triggers them
  w->expect_every_role_ran_its_own_code("after B's refreshes");
  EXPECT_EQ(last_refresh(conn(), w->sts()[0].name).action, "DIFFERENTIAL");
  w->expect_oracles();

  w->writer_truncate_and_refill();
  EXPECT_TRUE(w->writer_code_ran("before statement truncate"));
  EXPECT_TRUE(w->writer_code_ran("after statement truncate"));
  w->refresh_all(conn());
  w->expect_every_role_ran_its_own_code("after A's TRUNCATE and the superuser's refreshes");
  EXPECT_EQ(last_refresh(conn(), w->sts()[0].name).action, "FULL");
  w->expect_oracles();

  w->writer_dml(3);
  w->refresh_all(w->owner());
  w->writer_dml(4);
  w->refresh_all(conn());
  w->expect_every_role_ran_its_own_code("after more writes and refreshes");
  w->expect_oracles();
}

// A retypes a column the stream tables output: they are recomputed at once,
// in A's DDL transaction (history REINITIALIZE, initiated by DDL) — still as
// B, not as A (whose statement it is) nor as the extension's owner (whose
// event trigger does it).
TEST_F(UserCodeRoles, RecomputationInTheWritersDdlRunsAsTheOwner) {
  auto w = make_world();
  w->writer_dml(1);
  w->clear_logs();
  w->writer().exec("ALTER TABLE " + w->schema_sql() + ".uc_src ALTER COLUMN v TYPE bigint");
  for (const UcSt& st : w->sts()) {
    const RefreshRecord r = last_refresh(conn(), st.name);
    EXPECT_EQ(r.action, "REINITIALIZE") << st.name << ": " << describe(r);
    EXPECT_EQ(r.initiated_by, "DDL") << st.name << ": " << describe(r);
  }
  // The FULL queries ran (and logged) during A's DDL, B's triggers on the
  // storage fired.
  EXPECT_TRUE(w->owner_code_ran("query"));
  EXPECT_TRUE(w->owner_code_ran("st row insert"));
  EXPECT_EQ(conn().scalar("SELECT count(*) FROM " + w->schema_sql() + ".uc_log"), "0")
      << "A's code ran during the recomputation: " << w->writer_log();
  w->expect_every_role_ran_its_own_code("after A's ALTER COLUMN TYPE");
  w->expect_oracles();

  w->writer_dml(2);
  w->refresh_all(conn());
  w->expect_every_role_ran_its_own_code("after the next refreshes");
  w->expect_oracles();
}

// B's stream tables output A's domain type (their storage columns are of
// that type): storing a row checks it, as B, whose table it is (as for a
// materialized view); never as the extension's owner — also when A's DDL
// retypes a column into a domain and the stream tables are retyped and
// recomputed at once by pg_trickle's event trigger.
TEST_F(UserCodeRoles, ADomainTypedOutputIsCheckedAsTheOwnerNeverAsTheExtensionOwner) {
  auto w = make_world();
  w->forget_stream_tables();
  const std::string s = w->schema_sql();
  w->add_stream_table({s + ".uc_dom_diff", "DIFFERENTIAL", "SELECT id, d, v FROM " + s + ".uc_src"});
  w->add_stream_table({s + ".uc_dom_full", "FULL", "SELECT id, d, v FROM " + s + ".uc_src"});
  EXPECT_EQ(conn().scalar("SELECT atttypid = " + quote_literal(s + ".uc_dom") + "::regtype FROM pg_attribute "
                          "WHERE attrelid = " + quote_literal(s + ".uc_dom_diff") + "::regclass AND attname = 'd'"),
            "t");
  auto checked_by_others = [&] {
    return w->count_in_writer_log("what = 'domain' AND who NOT IN (" + quote_literal(kManualRoles.writer) + ", " +
                                  quote_literal(kManualRoles.owner) + ")");
  };
  EXPECT_EQ(checked_by_others(), "0") << w->writer_log_of("domain");
  w->clear_logs();

  w->writer_dml(1);
  w->refresh_all(conn());  // the superuser triggers them
  EXPECT_EQ(last_refresh(conn(), s + ".uc_dom_diff").action, "DIFFERENTIAL");
  w->writer_truncate_and_refill();
  w->refresh_all(w->owner());
  EXPECT_EQ(w->writer_log_of("domain"), "domain:" + kManualRoles.owner + ", domain:" + kManualRoles.writer);
  EXPECT_EQ(checked_by_others(), "0") << w->writer_log_of("domain");
  EXPECT_EQ(w->count_in_writer_log("what <> 'domain' AND who <> " + quote_literal(kManualRoles.writer)), "0")
      << w->writer_log();
  w->expect_oracles();

  // A retypes v into a domain of its own: the stream tables' v follows, at
  // once, in A's transaction; their rows are checked as B.
  w->writer().exec("CREATE DOMAIN " + s + ".uc_dom2 AS bigint CHECK (" + s + ".uc_check(VALUE::int))");
  w->clear_logs();
  w->writer().exec("ALTER TABLE " + s + ".uc_src ALTER COLUMN v TYPE " + s + ".uc_dom2 USING v::" + s + ".uc_dom2");
  for (const UcSt& st : w->sts()) {
    const RefreshRecord r = last_refresh(conn(), st.name);
    EXPECT_EQ(r.action, "REINITIALIZE") << st.name << ": " << describe(r);
    EXPECT_EQ(r.initiated_by, "DDL") << st.name << ": " << describe(r);
  }
  EXPECT_EQ(w->writer_log_of("domain"), "domain:" + kManualRoles.owner + ", domain:" + kManualRoles.writer);
  EXPECT_EQ(checked_by_others(), "0") << w->writer_log_of("domain");
  w->writer_dml(2);
  w->refresh_all(conn());
  EXPECT_EQ(checked_by_others(), "0") << w->writer_log_of("domain");
  w->expect_oracles();
}

// Functions in A's view run as the role whose query reads the view (as in
// PostgreSQL): B's stream tables over it run them as B, whoever triggers the
// refresh; A's CREATE OR REPLACE VIEW (derived again by pg_trickle's event
// trigger, as the extension's owner and then as B) runs none of them; never
// the extension's owner. IMMUTABLE and STABLE functions (the planner may
// evaluate those early, while planning).
TEST_F(UserCodeRoles, FunctionsInTheWritersViewRunAsTheReaderNeverAsTheExtensionOwner) {
  auto w = make_world();
  w->forget_stream_tables();
  const std::string s = w->schema_sql();
  PgConn& a = w->writer();
  a.exec("CREATE FUNCTION " + s + ".uc_log_it(text) RETURNS void LANGUAGE plpgsql VOLATILE AS $f$BEGIN "
         "INSERT INTO " + s + ".uc_log VALUES ($1, current_user); END$f$");
  a.exec("CREATE FUNCTION " + s + ".uc_imm(int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $f$BEGIN "
         "PERFORM " + s + ".uc_log_it('view immutable'); RETURN $1; END$f$");
  a.exec("CREATE FUNCTION " + s + ".uc_stab(int) RETURNS int LANGUAGE plpgsql STABLE AS $f$BEGIN "
         "PERFORM " + s + ".uc_log_it('view stable'); RETURN $1; END$f$");
  a.exec("CREATE VIEW " + s + ".uc_v AS SELECT id, v FROM " + s + ".uc_src WHERE id > " + s + ".uc_imm(0) AND v > " +
         s + ".uc_stab(0)");
  a.exec("GRANT SELECT ON " + s + ".uc_v TO " + kManualRoles.owner);
  const std::string q = "SELECT id, v FROM " + s + ".uc_v";
  w->add_stream_table({s + ".uc_v_diff", "DIFFERENTIAL", q});
  w->add_stream_table({s + ".uc_v_auto", "AUTO", q});
  w->add_stream_table({s + ".uc_v_full", "FULL", q});
  const std::string view_code_by_others =
      "what LIKE 'view %' AND who <> " + quote_literal(kManualRoles.owner);
  EXPECT_EQ(w->count_in_writer_log(view_code_by_others), "0") << w->writer_log_of("view %");
  w->clear_logs();

  a.exec("CREATE OR REPLACE VIEW " + s + ".uc_v AS SELECT id, v FROM " + s + ".uc_src WHERE id > " + s +
         ".uc_imm(1) AND v > " + s + ".uc_stab(0)");
  a.exec("ALTER TABLE " + s + ".uc_src ADD COLUMN extra int");
  EXPECT_EQ(w->count_in_writer_log("what LIKE 'view %'"), "0")
      << "A's DDL ran the view's functions: " << w->writer_log_of("view %");
  w->writer_dml(1);
  w->refresh_all(conn());  // the superuser triggers them
  EXPECT_EQ(last_refresh(conn(), s + ".uc_v_diff").action, "REINITIALIZE");
  w->writer_dml(2);
  w->refresh_all(conn());
  EXPECT_EQ(last_refresh(conn(), s + ".uc_v_diff").action, "DIFFERENTIAL");
  w->writer_dml(3);
  w->refresh_all(w->owner());
  EXPECT_NE(w->count_in_writer_log("what LIKE 'view %'"), "0");
  EXPECT_EQ(w->count_in_writer_log(view_code_by_others), "0") << w->writer_log_of("view %");
  EXPECT_EQ(w->count_in_writer_log("what NOT LIKE 'view %' AND who <> " + quote_literal(kManualRoles.writer)), "0")
      << w->writer_log();
  w->expect_oracles();
}

// The background scheduler (a bootstrap-superuser process) refreshes B's
// stream tables: as B.
class UserCodeRolesScheduled : public SchedulerDb {
 public:
  static void SetUpTestSuite() {
    SchedulerDb::SetUpTestSuite();
    create_roles(kScheduledRoles);
  }
  static void TearDownTestSuite() {
    SchedulerDb::TearDownTestSuite();
    drop_roles(kScheduledRoles);
  }
};

TEST_F(UserCodeRolesScheduled, ScheduledRefreshesRunAsTheOwner) {
  UserCodeWorld w(conn(), kScheduledRoles, name_for_test("ucs_"));
  w.install_writer_code();
  w.install_owner_code();
  w.create_stream_tables("schedule => '1s'");
  w.install_owner_triggers();
  ASSERT_NE(wait_for_scheduler(conn(), db_name()), 0);
  w.clear_logs();

  w.writer_dml(1);
  w.writer_truncate_and_refill();
  w.writer_dml(2);
  // Every stream table shows A's last insert (id 102), and each was refreshed
  // by the scheduler since.
  for (const UcSt& st : w.sts()) {
    EXPECT_TRUE(wait_until([&] {
      return conn().scalar("SELECT count(*) FROM " + st.name + " WHERE id = 102") == "1" &&
             scheduler_refreshes(conn(), st.name) > 0;
    })) << st.name << " was not refreshed by the scheduler";
  }
  // The FULL tables are recomputed every second: their queries ran as the
  // scheduler's refreshes; B's triggers on the storage fired.
  EXPECT_TRUE(w.owner_code_ran("query"));
  EXPECT_TRUE(w.owner_code_ran("st row insert"));
  w.expect_every_role_ran_its_own_code("after scheduled refreshes");
  // Stop the scheduler's refreshes before the oracle reads (FULL tables keep
  // being recomputed: harmless, but the oracle wants quiet tables).
  for (const UcSt& st : w.sts())
    w.owner().exec("SELECT pgtrickle.alter_stream_table(" + quote_literal(st.name) + ", status => 'SUSPENDED')");
  w.expect_oracles();
  w.expect_every_role_ran_its_own_code("after the oracles");
}

}  // namespace
}  // namespace pgt_e2e
