// Every DDL on a source table of stream tables, in every mode (FULL,
// DIFFERENTIAL, AUTO): each mode gets a source table and a stream table of its
// own (so a DDL refused because of one mode never hides what another mode
// does), and after every step the stream table equals its query (both oracles
// of adversarial_support.h) and its history says which path the refresh took.
// The documented outcomes (docs/SQL_REFERENCE.md, "Sources and DDL" and
// "DIFFERENTIAL refresh"):
//
// | DDL on the source                          | FULL           | DIFFERENTIAL               | AUTO                       |
// |--------------------------------------------|----------------|----------------------------|----------------------------|
// | ADD COLUMN                                 | nothing        | nothing (NO_DATA, deltas)  | as DIFFERENTIAL            |
// | DROP COLUMN not read                       | allowed        | allowed, deltas go on      | as DIFFERENTIAL            |
// | DROP COLUMN read (output or WHERE)         | 2BP01 + HINT   | 2BP01 + HINT               | 2BP01 + HINT               |
// | RENAME COLUMN read                         | 2BP01 + HINT   | 2BP01 + HINT               | 2BP01 + HINT               |
// | RENAME COLUMN not read                     | allowed        | allowed, capture goes on   | as DIFFERENTIAL            |
// | ALTER COLUMN TYPE of an output column      | REINITIALIZE by DDL at once, the stream table's column retyped    ||
// | ALTER COLUMN TYPE of a WHERE-only column   | FULL           | next refresh FULL          | next refresh FULL          |
// | SET NOT NULL / DROP NOT NULL               | nothing        | nothing, deltas go on      | as DIFFERENTIAL            |
// | ENABLE ROW LEVEL SECURITY                  | allowed        | 2BP01 + HINT               | FULL, WARNING              |
// | SET UNLOGGED / SET LOGGED                  | refreshes go on, deltas too (buffer stays unlogged)         ||
// | OWNER TO                                   | refreshes go on, the new owner's writes are captured        ||
// | RENAME of the table (and SET SCHEMA)       | 2BP01 + HINT   | 2BP01 + HINT               | 2BP01 + HINT               |
// | DROP TABLE                                 | 2BP01 + HINT; CASCADE drops the stream table and its catalog rows ||
// | TRUNCATE                                   | FULL           | next refresh FULL          | next refresh FULL          |
// | ATTACH PARTITION (the source becomes one)  | FULL           | followed: captured row by row from then on, deltas      ||
// | DETACH PARTITION                           | FULL           | still captured row by row, deltas go on                 ||
// | CREATE TABLE ... INHERITS (the source)     | FULL           | followed: deltas go on (the child captured too)         ||
// | ALTER TABLE (the source) INHERIT           | FULL           | followed: captured row by row from then on, deltas      ||
// | ALTER TABLE (the source) NO INHERIT        | FULL           | still captured row by row, deltas go on                 ||
// | DROP TABLE of that child                   | FULL           | its rows leave by delta                                 ||
// | ADD PRIMARY KEY / DROP CONSTRAINT pkey     | FULL           | next refresh FULL, then deltas                          ||
//
// Each test runs twice: refreshing in the test's own session (which created
// the stream tables and ran the DDL) and refreshing each time in a new session
// (which derives the maintenance afresh, as the scheduler does).
#include <gtest/gtest.h>

#include <cctype>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "adversarial_support.h"
#include "edge_test_db.h"
#include "oracle.h"
#include "refresh_history.h"
#include "stream_table.h"
#include "test_db.h"

namespace pgt_e2e {
namespace {

const char* const kNewOwner = "pgt_e2e_sdm_new_owner";  // takes a source over (OWNER TO)

const char* const kModes[] = {"FULL", "DIFFERENTIAL", "AUTO"};

// One mode's stream table over one source table of its own.
struct Case {
  std::string mode;   // FULL, DIFFERENTIAL or AUTO
  std::string src;    // the source table (unqualified; the test's schema is first on search_path)
  std::string st;     // the stream table
  std::string query;  // its defining query
  bool full() const { return mode == "FULL"; }
  // A refresh with changes pending, while the table is maintained by delta.
  std::string delta_action() const { return full() ? "FULL" : "DIFFERENTIAL"; }
  // A refresh with nothing pending.
  std::string idle_action() const { return full() ? "FULL" : "NO_DATA"; }
};

std::string lower(const std::string& s) {
  std::string out;
  for (char c : s) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// tpl with every "{t}" replaced by table.
std::string fill(std::string tpl, const std::string& table) {
  for (std::size_t at = tpl.find("{t}"); at != std::string::npos; at = tpl.find("{t}", at + table.size()))
    tpl.replace(at, 3, table);
  return tpl;
}

// The common source: id (key), a (output), b (WHERE only), c and d (not read).
const char* const kTable = "CREATE TABLE {t} (id int PRIMARY KEY, a int, b int, c text, d int)";
const char* const kSeed = "INSERT INTO {t} SELECT i, i, i % 5, 'c' || i, i * 2 FROM generate_series(1, 40) i";
const char* const kQuery = "SELECT id, a FROM {t} WHERE b <> 3";

// The parameter: refresh in the test's session (which created the stream
// tables and ran the DDL: its derived plans are cached), or each refresh in a
// new session (as the scheduler or any other client does: it derives them
// afresh).
enum class RefreshSession { Same, New };

void PrintTo(RefreshSession s, std::ostream* os) { *os << (s == RefreshSession::Same ? "Same" : "New"); }

class SourceDdlMatrix : public EdgeTestDb, public ::testing::WithParamInterface<RefreshSession> {
 public:
  static void SetUpTestSuite() {
    EdgeTestDb::SetUpTestSuite();
    auto admin = connect_maintenance();
    admin->exec(std::string("DROP ROLE IF EXISTS ") + kNewOwner);
    admin->exec(std::string("CREATE ROLE ") + kNewOwner + " LOGIN");
  }
  static void TearDownTestSuite() {
    EdgeTestDb::TearDownTestSuite();
    connect_maintenance()->exec(std::string("DROP ROLE IF EXISTS ") + kNewOwner);
  }

 protected:
  SourceDdlMatrix() : EdgeTestDb("sdm_") {}

  // For each mode: table <base>_<mode> created by `table_def` and filled by
  // `seed` ({t} = the table), and stream table <base>_st_<mode> over
  // `query_tpl`, created in that mode; its first refresh matches the query.
  std::vector<Case> make_cases(const std::string& base, const std::string& table_def = kTable,
                               const std::string& seed = kSeed, const std::string& query_tpl = kQuery) {
    std::vector<Case> cases;
    for (const char* mode : kModes) {
      Case c{mode, base + "_" + lower(mode), base + "_st_" + lower(mode), ""};
      c.query = fill(query_tpl, c.src);
      conn().exec(fill(table_def, c.src));
      conn().exec(fill(seed, c.src));
      conn().exec(create_stream_table_sql(c.st, c.query, c.mode));
      EXPECT_TRUE(st_matches_query_exactly(conn(), c.st, c.query)) << c.st;
      EXPECT_EQ(effective_mode(c), c.full() ? "FULL" : "DIFFERENTIAL") << c.st;
      cases.push_back(c);
    }
    return cases;
  }

  // The statement with {t} = the case's source table, on the test's session.
  void run(const Case& c, const std::string& tpl) { conn().exec(fill(tpl, c.src)); }
  ExecOutcome try_run(const Case& c, const std::string& tpl) { return conn().try_exec(fill(tpl, c.src)); }

  // Inserts a row, updates one, moves one out of the WHERE and deletes one,
  // in one transaction (a new batch of rows each call); columns id, a, b only.
  void write(const Case& c, PgConn* session = nullptr) {
    ++batch_;
    const std::string k = std::to_string(batch_);
    const std::vector<std::string> statements = {
        fill("INSERT INTO {t} (id, a, b) VALUES (1000 + " + k + ", " + k + ", " + k + " % 5)", c.src),
        fill("UPDATE {t} SET a = a + 100 WHERE id = " + k, c.src),
        fill("UPDATE {t} SET b = 3 WHERE id = 10 + " + k, c.src),
        fill("DELETE FROM {t} WHERE id = 20 + " + k, c.src)};
    run_in_transaction(session ? *session : conn(), statements);
  }

  // Refreshes c.st (in the test's session or a new one, per the parameter):
  // it succeeds, equals its query and took `action` (any when empty).
  // warned() then says whether the refresh raised a WARNING naming c.st.
  void refresh_expect(const Case& c, const std::string& action) {
    SCOPED_TRACE(c.st + " (" + c.mode + (GetParam() == RefreshSession::New ? ", new session)" : ")"));
    std::unique_ptr<PgConn> fresh;
    if (GetParam() == RefreshSession::New) fresh = new_session();
    PgConn& s = fresh ? *fresh : conn();
    s.clear_notices();
    const ExecOutcome refreshed = s.try_exec(refresh_stream_table_sql(c.st));
    warned_ = s.has_notice("WARNING", c.st);
    ASSERT_TRUE(refreshed.ok) << "refresh failed: [" << refreshed.sqlstate << "] " << refreshed.message
                              << "\n  DETAIL: " << refreshed.detail << "\n  HINT: " << refreshed.hint;
    const RefreshRecord last = last_refresh(conn(), c.st);
    EXPECT_TRUE(st_matches_query_exactly(conn(), c.st, c.query)) << describe(last);
    if (!action.empty()) {
      EXPECT_EQ(last.action, action) << describe(last);
    }
    EXPECT_EQ(last.status, "COMPLETED") << describe(last);
  }

  // The DDL is refused with 2BP01, naming the stream table, with a HINT.
  void expect_refused(const Case& c, const std::string& ddl_tpl) {
    const std::string ddl = fill(ddl_tpl, c.src);
    SCOPED_TRACE(ddl);
    const ExecOutcome out = conn().try_exec(ddl);
    EXPECT_FALSE(out.ok) << "accepted";
    EXPECT_EQ(out.sqlstate, "2BP01") << out.message;
    EXPECT_NE((out.message + " " + out.detail).find(c.st), std::string::npos)
        << "the stream table is not named: " << out.message << " / DETAIL: " << out.detail;
    EXPECT_FALSE(out.hint.empty()) << "no HINT: " << out.message;
  }

  bool warned() const { return warned_; }

  std::string effective_mode(const Case& c) {
    return conn().scalar("SELECT effective_refresh_mode FROM pgtrickle.pgt_stream_tables WHERE pgt_relid = " +
                         quote_literal(c.st) + "::regclass");
  }
  Value reinitialize_reason(const Case& c) {
    return conn().scalar_or_null("SELECT reinitialize_reason FROM pgtrickle.pgt_stream_tables WHERE pgt_relid = " +
                                 quote_literal(c.st) + "::regclass");
  }
  bool has_column(const std::string& table, const std::string& column) {
    return conn().scalar("SELECT count(*) FROM pg_catalog.pg_attribute WHERE attrelid = " + quote_literal(table) +
                         "::regclass AND attname = " + quote_literal(column) + " AND NOT attisdropped") == "1";
  }
  std::string column_type(const std::string& table, const std::string& column) {
    return conn().scalar("SELECT format_type(atttypid, atttypmod) FROM pg_catalog.pg_attribute WHERE attrelid = " +
                         quote_literal(table) + "::regclass AND attname = " + quote_literal(column));
  }
  // Capture triggers on the table, enabled ALWAYS.
  int capture_triggers(const std::string& table) {
    return std::stoi(conn().scalar("SELECT count(*) FROM pg_catalog.pg_trigger WHERE tgrelid = " +
                                   quote_literal(table) + "::regclass AND tgname LIKE 'pgt\\_cdc\\_%' "
                                   "AND tgenabled = 'A'"));
  }
  // Of those, the FOR EACH ROW ones.
  int row_capture_triggers(const std::string& table) {
    return std::stoi(conn().scalar("SELECT count(*) FROM pg_catalog.pg_trigger WHERE tgrelid = " +
                                   quote_literal(table) + "::regclass AND tgname LIKE 'pgt\\_cdc\\_%' "
                                   "AND tgenabled = 'A' AND tgtype & 1 = 1"));
  }
  // pgtrickle.pgt_change_tracking.row_level of the case's source.
  std::string row_level(const Case& c) {
    return conn().scalar("SELECT row_level::text FROM pgtrickle.pgt_change_tracking WHERE source_relid = " +
                         quote_literal(c.src) + "::regclass");
  }
  // A DIFFERENTIAL / AUTO source captured row by row: its own three row
  // triggers and the TRUNCATE one.
  void expect_row_capture(const Case& c) {
    if (c.full()) return;
    EXPECT_EQ(row_level(c), "true");
    EXPECT_EQ(capture_triggers(c.src), 4);
    EXPECT_EQ(row_capture_triggers(c.src), 3);
  }
  // A new session of the superuser on this test's schema, with the same settings.
  std::unique_ptr<PgConn> new_session() {
    auto s = connect();
    s->exec("SET search_path = " + quote_ident(schema_) + ", public");
    s->exec("SET pg_trickle.differential_max_change_ratio = 1000");
    return s;
  }

 private:
  int batch_ = 0;
  bool warned_ = false;
};

// ADD COLUMN: nothing to do; a stream table reading the new column is
// captured too (the capture function is generated again).
TEST_P(SourceDdlMatrix, AddColumnChangesNothing) {
  for (const Case& c : make_cases("addcol")) {
    SCOPED_TRACE(c.mode);
    conn().clear_notices();
    run(c, "ALTER TABLE {t} ADD COLUMN e int DEFAULT 5");
    EXPECT_FALSE(conn().has_notice("NOTICE", "reinitialized"));
    EXPECT_FALSE(reinitialize_reason(c).has_value());
    refresh_expect(c, c.idle_action());
    write(c);
    run(c, "UPDATE {t} SET e = id WHERE id < 4");
    refresh_expect(c, c.delta_action());

    Case reader{c.mode, c.src, c.st + "_e", fill("SELECT id, a, e FROM {t} WHERE e > 2", c.src)};
    conn().exec(create_stream_table_sql(reader.st, reader.query, reader.mode));
    run(c, "UPDATE {t} SET e = e + 10 WHERE id BETWEEN 5 AND 8");
    write(c);
    refresh_expect(reader, reader.delta_action());
    refresh_expect(c, c.delta_action());
  }
}

TEST_P(SourceDdlMatrix, DropColumnTheQueryDoesNotReadIsAllowed) {
  for (const Case& c : make_cases("dropunread")) {
    SCOPED_TRACE(c.mode);
    write(c);
    run(c, "ALTER TABLE {t} DROP COLUMN c");
    EXPECT_FALSE(has_column(c.src, "c"));
    refresh_expect(c, c.delta_action());
    run(c, "ALTER TABLE {t} DROP COLUMN d");
    refresh_expect(c, c.idle_action());
    write(c);
    refresh_expect(c, c.delta_action());
  }
}

TEST_P(SourceDdlMatrix, DropColumnTheQueryReadsIsRefused) {
  for (const Case& c : make_cases("dropread")) {
    SCOPED_TRACE(c.mode);
    expect_refused(c, "ALTER TABLE {t} DROP COLUMN a");  // an output column
    expect_refused(c, "ALTER TABLE {t} DROP COLUMN b");  // read by the WHERE only
    expect_refused(c, "ALTER TABLE {t} DROP COLUMN b CASCADE");
    EXPECT_TRUE(has_column(c.src, "a"));
    EXPECT_TRUE(has_column(c.src, "b"));
    write(c);
    refresh_expect(c, c.delta_action());
  }
}

TEST_P(SourceDdlMatrix, RenameColumnTheQueryReadsIsRefused) {
  for (const Case& c : make_cases("renread")) {
    SCOPED_TRACE(c.mode);
    expect_refused(c, "ALTER TABLE {t} RENAME COLUMN a TO a2");
    expect_refused(c, "ALTER TABLE {t} RENAME COLUMN b TO b2");
    expect_refused(c, "ALTER TABLE {t} RENAME id TO id2");
    EXPECT_TRUE(has_column(c.src, "a"));
    EXPECT_TRUE(has_column(c.src, "b"));
    write(c);
    refresh_expect(c, c.delta_action());
  }
}

// Renaming a column no stream table reads is allowed; capture goes on (the
// capture function names the columns it reads, never this one).
TEST_P(SourceDdlMatrix, RenameColumnTheQueryDoesNotReadIsFollowed) {
  for (const Case& c : make_cases("renunread")) {
    SCOPED_TRACE(c.mode);
    run(c, "ALTER TABLE {t} RENAME COLUMN c TO c_renamed");
    EXPECT_TRUE(has_column(c.src, "c_renamed"));
    refresh_expect(c, c.idle_action());
    write(c);
    run(c, "UPDATE {t} SET c_renamed = 'x', a = a * 2 WHERE id IN (2, 3)");
    run(c, "INSERT INTO {t} (id, a, b, c_renamed) VALUES (2000, 1, 1, 'new')");
    refresh_expect(c, c.delta_action());
    // An update of the renamed column only: nothing captured, nothing to do.
    run(c, "UPDATE {t} SET c_renamed = 'y'");
    refresh_expect(c, c.idle_action());
  }
}

// ALTER COLUMN TYPE of a column the stream table outputs: its own column
// follows, and it is recomputed at once, in the DDL's transaction.
TEST_P(SourceDdlMatrix, AlterTypeOfAnOutputColumnReinitializesAtOnce) {
  for (const Case& c : make_cases("typeout")) {
    SCOPED_TRACE(c.mode);
    write(c);  // pending: the recomputation includes it
    run(c, "ALTER TABLE {t} ALTER COLUMN a TYPE bigint");
    const RefreshRecord r = last_refresh(conn(), c.st);
    EXPECT_EQ(r.action, "REINITIALIZE") << describe(r);
    EXPECT_EQ(r.initiated_by, "DDL") << describe(r);
    EXPECT_EQ(column_type(c.st, "a"), "bigint");
    EXPECT_TRUE(st_matches_query_exactly(conn(), c.st, c.query));
    refresh_expect(c, c.idle_action());
    write(c);
    run(c, "UPDATE {t} SET a = 5000000000 WHERE id = 1");
    refresh_expect(c, c.delta_action());
  }
}

// ALTER COLUMN TYPE of a column read only by the WHERE: the stream table's
// columns are unchanged (no recomputation at the DDL); the next refresh of a
// DIFFERENTIAL (and AUTO) table is FULL.
TEST_P(SourceDdlMatrix, AlterTypeOfAWhereColumnMakesTheNextRefreshFull) {
  for (const Case& c : make_cases("typewhere")) {
    SCOPED_TRACE(c.mode);
    refresh_expect(c, c.idle_action());
    run(c, "ALTER TABLE {t} ALTER COLUMN b TYPE bigint");
    EXPECT_EQ(last_refresh(conn(), c.st).initiated_by, "MANUAL") << describe(last_refresh(conn(), c.st));
    EXPECT_EQ(column_type(c.st, "a"), "integer");
    refresh_expect(c, "FULL");
    if (!c.full()) {
      EXPECT_TRUE(last_refresh(conn(), c.st).reason.has_value());
    }
    write(c);
    refresh_expect(c, c.delta_action());

    // Again, with changes pending from before the retype.
    write(c);
    run(c, "ALTER TABLE {t} ALTER COLUMN b TYPE numeric");
    write(c);
    refresh_expect(c, "FULL");
    write(c);
    refresh_expect(c, c.delta_action());
  }
}

TEST_P(SourceDdlMatrix, SetAndDropNotNullChangeNothing) {
  for (const Case& c : make_cases("notnull")) {
    SCOPED_TRACE(c.mode);
    conn().clear_notices();
    run(c, "ALTER TABLE {t} ALTER COLUMN a SET NOT NULL");
    run(c, "ALTER TABLE {t} ALTER COLUMN b SET NOT NULL");
    EXPECT_FALSE(conn().has_notice("NOTICE", "reinitialized"));
    EXPECT_FALSE(reinitialize_reason(c).has_value());
    refresh_expect(c, c.idle_action());
    write(c);
    refresh_expect(c, c.delta_action());
    run(c, "ALTER TABLE {t} ALTER COLUMN a DROP NOT NULL");
    run(c, "ALTER TABLE {t} ALTER COLUMN b DROP NOT NULL");
    EXPECT_FALSE(conn().has_notice("NOTICE", "reinitialized"));
    EXPECT_FALSE(reinitialize_reason(c).has_value());
    refresh_expect(c, c.idle_action());
    write(c);
    run(c, "INSERT INTO {t} (id, a, b) VALUES (3000, NULL, NULL), (3001, NULL, 1)");
    refresh_expect(c, c.delta_action());
    EXPECT_EQ(effective_mode(c), c.full() ? "FULL" : "DIFFERENTIAL");
  }
}

// ENABLE ROW LEVEL SECURITY: refused under a DIFFERENTIAL table (the buffer
// holds every row), AUTO falls back to FULL with a WARNING, FULL is fine.
// DISABLE brings AUTO back to DIFFERENTIAL (not documented for tables; as
// for a view whose new body DIFFERENTIAL can maintain again).
TEST_P(SourceDdlMatrix, EnableRowLevelSecurity) {
  for (const Case& c : make_cases("rls")) {
    SCOPED_TRACE(c.mode);
    conn().clear_notices();
    if (c.mode == "DIFFERENTIAL") {
      expect_refused(c, "ALTER TABLE {t} ENABLE ROW LEVEL SECURITY");
      EXPECT_EQ(conn().scalar("SELECT relrowsecurity FROM pg_class WHERE oid = " + quote_literal(c.src) +
                              "::regclass"),
                "f");
      write(c);
      refresh_expect(c, "DIFFERENTIAL");
      continue;
    }
    run(c, "ALTER TABLE {t} ENABLE ROW LEVEL SECURITY");
    EXPECT_EQ(conn().scalar("SELECT relrowsecurity FROM pg_class WHERE oid = " + quote_literal(c.src) + "::regclass"),
              "t");
    if (c.mode == "AUTO") {
      EXPECT_TRUE(conn().has_notice("WARNING", c.st)) << "AUTO fell back to FULL without a WARNING";
      EXPECT_EQ(effective_mode(c), "FULL");
      write(c);
      // The table's maintenance was derived again: recomputed as
      // REINITIALIZE (reason: the table changed), then FULL from then on.
      refresh_expect(c, "REINITIALIZE");
      write(c);
      refresh_expect(c, "FULL");

      run(c, "ALTER TABLE {t} DISABLE ROW LEVEL SECURITY");
      EXPECT_EQ(effective_mode(c), "DIFFERENTIAL");
      write(c);
      refresh_expect(c, "REINITIALIZE");
      write(c);
      refresh_expect(c, "DIFFERENTIAL");
    } else {
      EXPECT_FALSE(conn().has_notice("WARNING", c.st));
      EXPECT_EQ(effective_mode(c), "FULL");
      write(c);
      refresh_expect(c, "FULL");
      run(c, "ALTER TABLE {t} FORCE ROW LEVEL SECURITY");
      write(c);
      refresh_expect(c, "FULL");
    }
  }
}

// SET UNLOGGED / SET LOGGED rewrite the table (same oid): capture and
// refreshes go on; an unlogged source has an unlogged buffer.
TEST_P(SourceDdlMatrix, SetUnloggedAndSetLogged) {
  for (const Case& c : make_cases("unlogged")) {
    SCOPED_TRACE(c.mode);
    write(c);
    run(c, "ALTER TABLE {t} SET UNLOGGED");
    refresh_expect(c, c.delta_action());
    write(c);
    refresh_expect(c, c.delta_action());
    if (!c.full()) {
      EXPECT_EQ(capture_triggers(c.src), 4);
      EXPECT_EQ(conn().scalar("SELECT b.relpersistence FROM pgtrickle.pgt_change_tracking t JOIN pg_class b "
                              "ON b.oid = t.buffer_relid WHERE t.source_relid = " + quote_literal(c.src) +
                              "::regclass"),
                "u");
    }
    write(c);
    run(c, "ALTER TABLE {t} SET LOGGED");
    refresh_expect(c, c.delta_action());
    write(c);
    refresh_expect(c, c.delta_action());
    if (!c.full()) {
      EXPECT_EQ(capture_triggers(c.src), 4);
    }
  }
}

// OWNER TO of the source: the stream tables (owned by the test's superuser)
// go on; the new owner's writes are captured.
TEST_P(SourceDdlMatrix, OwnerToOfTheSource) {
  conn().exec("GRANT USAGE ON SCHEMA " + quote_ident(schema_) + " TO " + kNewOwner);
  auto owner = connect(kNewOwner);
  owner->exec("SET search_path = " + quote_ident(schema_));
  for (const Case& c : make_cases("ownerto")) {
    SCOPED_TRACE(c.mode);
    write(c);
    run(c, std::string("ALTER TABLE {t} OWNER TO ") + kNewOwner);
    refresh_expect(c, c.delta_action());
    write(c, owner.get());
    refresh_expect(c, c.delta_action());
    if (!c.full()) {
      EXPECT_EQ(capture_triggers(c.src), 4);
    }
    // The new owner's own DDL is checked like anyone's.
    const ExecOutcome refused = owner->try_exec(fill("ALTER TABLE {t} DROP COLUMN a", c.src));
    EXPECT_FALSE(refused.ok);
    EXPECT_EQ(refused.sqlstate, "2BP01") << refused.message;
    run(c, "ALTER TABLE {t} OWNER TO CURRENT_USER");
    write(c);
    refresh_expect(c, c.delta_action());
  }
}

// RENAME of the source (and SET SCHEMA, which would break the stored,
// schema-qualified query the same way): refused while a stream table reads it.
TEST_P(SourceDdlMatrix, RenameOfTheSourceIsRefused) {
  conn().exec("CREATE SCHEMA " + quote_ident(schema_ + "_other"));
  for (const Case& c : make_cases("rentab")) {
    SCOPED_TRACE(c.mode);
    expect_refused(c, "ALTER TABLE {t} RENAME TO {t}_renamed");
    expect_refused(c, "ALTER TABLE {t} SET SCHEMA " + quote_ident(schema_ + "_other"));
    EXPECT_TRUE(relation_exists(conn(), c.src));
    write(c);
    refresh_expect(c, c.delta_action());
  }
  conn().exec("DROP SCHEMA " + quote_ident(schema_ + "_other"));
}

// DROP TABLE: refused (PostgreSQL's dependency error, naming the stream
// table); DROP ... CASCADE drops the stream table with its catalog rows, and
// the source's capture (buffer, tracking row) goes with the source.
TEST_P(SourceDdlMatrix, DropTableIsRefusedAndCascadeDropsTheStreamTables) {
  for (const Case& c : make_cases("droptab")) {
    SCOPED_TRACE(c.mode);
    expect_refused(c, "DROP TABLE {t}");
    EXPECT_TRUE(relation_exists(conn(), c.src));
    write(c);
    refresh_expect(c, c.delta_action());

    const std::string id = conn().scalar("SELECT pgt_id FROM pgtrickle.pgt_stream_tables WHERE pgt_relid = " +
                                         quote_literal(c.st) + "::regclass");
    const Value buffer = conn().scalar_or_null(
        "SELECT (SELECT buffer_relid::regclass::text FROM pgtrickle.pgt_change_tracking WHERE source_relid = " +
        quote_literal(c.src) + "::regclass)");
    EXPECT_EQ(buffer.has_value(), !c.full());
    write(c);  // pending changes do not stop the drop
    run(c, "DROP TABLE {t} CASCADE");
    EXPECT_FALSE(relation_exists(conn(), c.src));
    EXPECT_FALSE(relation_exists(conn(), c.st));
    EXPECT_EQ(catalog_rows_named(conn(), c.st), 0);
    for (const char* catalog : {"pgt_refresh_history", "pgt_dependencies"})
      EXPECT_EQ(conn().scalar(std::string("SELECT count(*) FROM pgtrickle.") + catalog + " WHERE pgt_id = " + id),
                "0")
          << catalog;
    EXPECT_EQ(conn().scalar("SELECT count(*) FROM pgtrickle.pgt_change_tracking WHERE source_name = " +
                            quote_literal(c.src)),
              "0");
    if (buffer) {
      EXPECT_FALSE(relation_exists(conn(), *buffer)) << *buffer;
    }
  }
}

TEST_P(SourceDdlMatrix, TruncateRecomputes) {
  for (const Case& c : make_cases("trunc")) {
    SCOPED_TRACE(c.mode);
    write(c);
    run(c, "TRUNCATE {t}");
    refresh_expect(c, "FULL");
    EXPECT_EQ(conn().scalar("SELECT count(*) FROM " + c.st), "0");
    if (!c.full()) {
      EXPECT_TRUE(last_refresh(conn(), c.st).reason.has_value());
    }
    run(c, "INSERT INTO {t} SELECT i, i, i % 5, 'c' || i, i FROM generate_series(1, 30) i");
    refresh_expect(c, c.delta_action());
    // TRUNCATE and new rows in one transaction.
    run_in_transaction(conn(), {fill("TRUNCATE {t}", c.src),
                                fill("INSERT INTO {t} SELECT i, -i, i % 5, 'n', i FROM generate_series(5, 35) i",
                                     c.src)});
    refresh_expect(c, "FULL");
    write(c);
    refresh_expect(c, c.delta_action());
  }
}

// DDL between writes of one transaction: the writes before the DDL and after
// it (captured by the capture function generated again for the new shape of
// the table) all reach the stream table.
TEST_P(SourceDdlMatrix, DdlBetweenWritesInOneTransaction) {
  for (const Case& c : make_cases("intx")) {
    SCOPED_TRACE(c.mode);
    run_in_transaction(conn(), {fill("INSERT INTO {t} (id, a, b) VALUES (100, 1, 1)", c.src),
                                fill("ALTER TABLE {t} ADD COLUMN e int", c.src),
                                fill("INSERT INTO {t} (id, a, b, e) VALUES (101, 1, 1, 1)", c.src),
                                fill("UPDATE {t} SET a = a + 50 WHERE id = 2", c.src),
                                fill("ALTER TABLE {t} DROP COLUMN c", c.src),
                                fill("INSERT INTO {t} (id, a, b, e) VALUES (102, 1, 1, 1)", c.src),
                                fill("ALTER TABLE {t} RENAME COLUMN d TO d2", c.src),
                                fill("DELETE FROM {t} WHERE id = 4", c.src)});
    refresh_expect(c, c.delta_action());

    // A WHERE-only column retyped between writes: the next refresh is FULL.
    run_in_transaction(conn(), {fill("INSERT INTO {t} (id, a, b) VALUES (200, 1, 1)", c.src),
                                fill("UPDATE {t} SET b = 3 WHERE id = 6", c.src),
                                fill("ALTER TABLE {t} ALTER COLUMN b TYPE bigint", c.src),
                                fill("INSERT INTO {t} (id, a, b) VALUES (201, 1, 1)", c.src),
                                fill("UPDATE {t} SET b = 3 WHERE id = 7", c.src)});
    refresh_expect(c, "FULL");

    // An output column retyped between writes: recomputed at the DDL (with
    // the writes before it), the writes after it applied by the next refresh.
    run_in_transaction(conn(), {fill("INSERT INTO {t} (id, a, b) VALUES (300, 1, 1)", c.src),
                                fill("ALTER TABLE {t} ALTER COLUMN a TYPE bigint", c.src),
                                fill("INSERT INTO {t} (id, a, b) VALUES (301, 1, 1)", c.src),
                                fill("UPDATE {t} SET a = 77 WHERE id = 8", c.src)});
    const RefreshRecord r = last_refresh(conn(), c.st);
    EXPECT_EQ(r.action, "REINITIALIZE") << describe(r);
    EXPECT_EQ(r.initiated_by, "DDL") << describe(r);
    refresh_expect(c, c.delta_action());
  }
}

// The partition tests: a plain table (the source) and a partitioned table it
// is attached to.
const char* const kPartTable = "CREATE TABLE {t} (id int, g int NOT NULL DEFAULT 1, a int, b int)";
const char* const kPartSeed = "INSERT INTO {t} SELECT i, 1, i, i % 5 FROM generate_series(1, 40) i";
const char* const kPartParent = "CREATE TABLE {t}_parent (id int, g int NOT NULL DEFAULT 1, a int, b int) "
                                "PARTITION BY LIST (g)";
const char* const kAttach = "ALTER TABLE {t}_parent ATTACH PARTITION {t} FOR VALUES IN (1)";

// Another partition of that parent, holding rows with g = 2.
const char* const kOtherPartition = "CREATE TABLE {t}_other PARTITION OF {t}_parent FOR VALUES IN (2)";

// Writes through the partitioned parent (reaching the source partition):
// statement-level triggers of the partition do not fire for them.
void write_through_parent(PgConn& conn, const Case& c, int k) {
  const std::string n = std::to_string(k);
  run_in_transaction(conn, {fill("INSERT INTO {t}_parent (id, g, a, b) VALUES (5000 + " + n + ", 1, " + n + ", 1)",
                                 c.src),
                            fill("UPDATE {t}_parent SET a = a + 7000 WHERE id = 30 + " + n, c.src),
                            fill("DELETE FROM {t}_parent WHERE id = 35 + " + n, c.src)});
}

// A source joining a hierarchy (ATTACH PARTITION, ALTER TABLE ... INHERIT):
// statements aimed at the other end of the hierarchy change its rows without
// firing its statement triggers. Its capture switches to row level at the
// DDL (FOR EACH ROW triggers fire whichever table a statement names), so a
// DIFFERENTIAL or AUTO stream table goes on by delta (no WARNING, no
// fallback), FULL goes on; after DETACH / NO INHERIT the capture stays row
// level. (Before, DIFFERENTIAL refused the DDL and AUTO fell back to FULL.)
// ATTACH PARTITION with changes pending; then writes directly, through the
// parent, rows moved out of and into the source by updates of the parent's
// partition key; then DETACH.
TEST_P(SourceDdlMatrix, AttachPartitionIsFollowed) {
  for (const Case& c : make_cases("attach", kPartTable, kPartSeed)) {
    SCOPED_TRACE(c.mode);
    run(c, kPartParent);
    run(c, kOtherPartition);
    run(c, "INSERT INTO {t}_parent SELECT i, 2, i, i % 5 FROM generate_series(100, 109) i");
    write(c);
    conn().clear_notices();
    run(c, kAttach);
    EXPECT_FALSE(conn().has_notice("WARNING", c.st));
    EXPECT_EQ(effective_mode(c), c.full() ? "FULL" : "DIFFERENTIAL");
    expect_row_capture(c);
    refresh_expect(c, c.delta_action());
    write(c);
    write_through_parent(conn(), c, 1);
    refresh_expect(c, c.delta_action());
    run(c, "UPDATE {t}_parent SET g = 2 WHERE id IN (2, 3, 4)");  // out of the source
    refresh_expect(c, c.delta_action());
    run_in_transaction(conn(), {fill("UPDATE {t}_parent SET g = 1, a = a + 1 WHERE id IN (100, 101, 104)", c.src),
                                fill("UPDATE {t}_parent SET g = 1 WHERE id = 3", c.src),
                                fill("UPDATE {t}_parent SET g = 2, a = a - 1 WHERE id IN (5, 6)", c.src)});
    refresh_expect(c, c.delta_action());
    write_through_parent(conn(), c, 2);
    write(c);
    refresh_expect(c, c.delta_action());
    EXPECT_EQ(effective_mode(c), c.full() ? "FULL" : "DIFFERENTIAL");
    // Detached, written to through the parent just before: a plain table
    // again, still captured row by row.
    write_through_parent(conn(), c, 3);
    run(c, "ALTER TABLE {t}_parent DETACH PARTITION {t}");
    refresh_expect(c, c.delta_action());
    expect_row_capture(c);
    write(c);
    refresh_expect(c, c.delta_action());
    run(c, "UPDATE {t}_parent SET a = 0");  // reaches the source no more
    refresh_expect(c, c.idle_action());
  }
}

// CREATE TABLE ... INHERITS (source); the query reads the source with its
// children (no ONLY). The child gets capture triggers writing into the
// source's buffer: rows written into it and through the parent are deltas.
// Dropping the child takes its rows unseen: the next refresh is FULL.
TEST_P(SourceDdlMatrix, GainingAnInheritanceChildIsFollowed) {
  for (const Case& c : make_cases("inherit")) {
    SCOPED_TRACE(c.mode);
    run(c, "CREATE TABLE {t}_child (extra int) INHERITS ({t})");
    EXPECT_EQ(effective_mode(c), c.full() ? "FULL" : "DIFFERENTIAL");
    run(c, "INSERT INTO {t}_child (id, a, b, extra) VALUES (9001, 1, 1, 1), (9002, 2, 3, 2)");
    write(c);
    refresh_expect(c, c.delta_action());
    run(c, "UPDATE {t} SET a = a + 1 WHERE id IN (9001, 1)");  // reaches the child's row too
    run(c, "DELETE FROM {t}_child WHERE id = 9002");
    refresh_expect(c, c.delta_action());
    run(c, "DROP TABLE {t}_child");  // its rows leave by delta (read before the drop)
    refresh_expect(c, c.delta_action());
    write(c);
    refresh_expect(c, c.delta_action());
  }
}

// A plain table that becomes an inheritance child (ALTER TABLE ... INHERIT),
// written to before and after in that transaction: statements on the parent
// reach its rows; followed likewise. Then NO INHERIT.
TEST_P(SourceDdlMatrix, BecomingAnInheritanceChildIsFollowed) {
  for (const Case& c : make_cases("inherits")) {
    SCOPED_TRACE(c.mode);
    run(c, "CREATE TABLE {t}_base (id int, a int, b int)");
    run(c, "INSERT INTO {t}_base VALUES (500, 1, 1), (501, 2, 2)");
    conn().clear_notices();
    run_in_transaction(conn(), {fill("UPDATE {t} SET a = a - 1 WHERE id = 1", c.src),
                                fill("ALTER TABLE {t} INHERIT {t}_base", c.src),
                                fill("UPDATE {t}_base SET a = a + 500 WHERE id < 5", c.src)});
    EXPECT_FALSE(conn().has_notice("WARNING", c.st));
    EXPECT_EQ(effective_mode(c), c.full() ? "FULL" : "DIFFERENTIAL");
    expect_row_capture(c);
    refresh_expect(c, c.delta_action());
    run(c, "UPDATE {t}_base SET b = 3 WHERE id IN (6, 7)");  // out of the WHERE
    run(c, "DELETE FROM {t}_base WHERE id IN (8, 500)");
    write(c);
    refresh_expect(c, c.delta_action());
    run(c, "UPDATE ONLY {t}_base SET a = 0");  // the parent's own row only
    refresh_expect(c, c.idle_action());
    EXPECT_EQ(effective_mode(c), c.full() ? "FULL" : "DIFFERENTIAL");
    // NO INHERIT, written to through the parent just before: a plain table
    // again, still captured row by row.
    run_in_transaction(conn(), {fill("UPDATE {t}_base SET a = a + 1 WHERE id IN (9, 501)", c.src),
                                fill("ALTER TABLE {t} NO INHERIT {t}_base", c.src)});
    refresh_expect(c, c.delta_action());
    expect_row_capture(c);
    run(c, "UPDATE {t}_base SET a = 0");  // reaches the source no more
    refresh_expect(c, c.idle_action());
    write(c);
    refresh_expect(c, c.delta_action());
  }
}

// A keyless source (duplicate output rows) gains a primary key and loses it
// again: row identities change, so the next refresh is FULL; deltas go on
// before and after, duplicates kept exactly.
TEST_P(SourceDdlMatrix, AddAndDropPrimaryKeyOfAKeylessSource) {
  const char* table = "CREATE TABLE {t} (id int NOT NULL, a int, b int)";
  const char* seed = "INSERT INTO {t} SELECT i, i % 4, i % 5 FROM generate_series(1, 40) i";
  const char* query = "SELECT a, b FROM {t} WHERE b <> 3";
  for (const Case& c : make_cases("pkey", table, seed, query)) {
    SCOPED_TRACE(c.mode);
    write(c);
    refresh_expect(c, c.delta_action());
    run(c, "ALTER TABLE {t} ADD PRIMARY KEY (id)");
    refresh_expect(c, "FULL");
    write(c);
    refresh_expect(c, c.delta_action());
    write(c);
    run(c, "ALTER TABLE {t} DROP CONSTRAINT {t}_pkey");
    refresh_expect(c, "FULL");
    // Keyless again: a duplicate of an existing row, then one of the two deleted.
    run(c, "INSERT INTO {t} SELECT id, a, b FROM {t} WHERE id = 2");
    write(c);
    refresh_expect(c, c.delta_action());
    run(c, "DELETE FROM {t} WHERE ctid = (SELECT min(ctid) FROM {t} WHERE id = 2)");
    refresh_expect(c, c.delta_action());
  }
}

INSTANTIATE_TEST_SUITE_P(, SourceDdlMatrix, ::testing::Values(RefreshSession::Same, RefreshSession::New),
                         [](const ::testing::TestParamInfo<RefreshSession>& info) {
                           return std::string(info.param == RefreshSession::Same ? "SameSession" : "NewSession");
                         });

}  // namespace
}  // namespace pgt_e2e
