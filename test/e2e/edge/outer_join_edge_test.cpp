// Deterministic edge cases of DIFFERENTIAL outer joins: NULL-padding
// transitions (a preserved row losing its last partner, a padded row getting
// its first one), join keys updated away and back on either side, both sides
// deleted in one transaction, partners inserted and deleted in one
// transaction, duplicate partners, NULL keys, FULL JOIN rows becoming
// unmatched on either side, RIGHT JOIN, USING, conditions on the preserved
// side, chains, grouping over an outer join, and the shapes DIFFERENTIAL
// refuses (0A000 + HINT; AUTO falls back to FULL with a WARNING and a reason).
//
// Every test runs in a schema of its own with
// pg_trickle.differential_max_change_ratio raised (a FULL fallback never
// hides a wrong delta). After each refresh the stream table must equal its
// query as a multiset of values and of text forms (visible columns only), the
// refresh must have recorded action DIFFERENTIAL (NO_DATA where the batch
// changed nothing at all), and specific rows are checked.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

#include <chrono>
#include <memory>
#include <thread>

#include "adversarial_support.h"
#include "concurrent_workload.h"
#include "oracle.h"
#include "refresh_history.h"
#include "seed.h"
#include "stream_table.h"
#include "edge_test_db.h"
#include "test_db.h"
#include "test_names.h"

namespace pgt_e2e {
namespace {

class OuterJoinEdge : public EdgeTestDb {
 protected:
  OuterJoinEdge() : EdgeTestDb("oje_") {}

  // The statements in one transaction, a refresh of each stream table, the
  // oracles, and action DIFFERENTIAL recorded for each refresh (any delta
  // action when `allow_no_data`: a batch whose changes cancel out).
  void step(const std::vector<std::pair<std::string, std::string>>& sts, const std::vector<std::string>& statements,
            bool allow_no_data = false) {
    run_in_transaction(conn(), statements);
    std::string batch;
    for (const std::string& s : statements) batch += "\n    " + s + ";";
    for (const auto& [st, q] : sts) {
      SCOPED_TRACE(st + " after:" + batch);
      EXPECT_TRUE(refresh_matches(conn(), st, q, Expect::Delta));
      const std::string action = last_refresh(conn(), st).action;
      if (!allow_no_data) {
        EXPECT_EQ(action, "DIFFERENTIAL") << st;
      }
    }
  }

  void create(const std::string& st, const std::string& q) { ASSERT_TRUE(create_differential(conn(), st, q)); }

};

// --- LEFT JOIN padding transitions ----------------------------------------------

// A preserved row whose only partner is deleted becomes NULL-padded; a padded
// row that gets a partner loses its padding row; a second partner adds a row.
TEST_F(OuterJoinEdge, LeftJoinPartnerDeletedThenInserted) {
  conn().exec("CREATE TABLE la (id int PRIMARY KEY, k int, x text)");
  conn().exec("CREATE TABLE lb (id int PRIMARY KEY, k int, v int)");
  conn().exec("INSERT INTO la VALUES (1, 1, 'p'), (2, 2, 'q'), (3, 3, 'r')");
  conn().exec("INSERT INTO lb VALUES (10, 1, 100), (20, 2, 200)");
  const std::string q = "SELECT la.id, la.k, la.x, lb.id AS b_id, lb.v FROM la LEFT JOIN lb ON la.k = lb.k";
  create("l_st", q);
  const std::string rows = "SELECT id, k, x, b_id, v FROM l_st ORDER BY id, b_id";
  EXPECT_EQ(text_of(rows), "1,1,p,10,100;2,2,q,20,200;3,3,r,NULL,NULL");

  step({{"l_st", q}}, {"DELETE FROM lb WHERE id = 10"});
  EXPECT_EQ(text_of(rows), "1,1,p,NULL,NULL;2,2,q,20,200;3,3,r,NULL,NULL");

  step({{"l_st", q}}, {"INSERT INTO lb VALUES (30, 3, 300)"});
  EXPECT_EQ(text_of(rows), "1,1,p,NULL,NULL;2,2,q,20,200;3,3,r,30,300");

  // A second partner: two matched rows, still no padding.
  step({{"l_st", q}}, {"INSERT INTO lb VALUES (31, 3, 301)"});
  EXPECT_EQ(text_of(rows), "1,1,p,NULL,NULL;2,2,q,20,200;3,3,r,30,300;3,3,r,31,301");

  // Partner values change: matched rows follow, nothing padded.
  step({{"l_st", q}}, {"UPDATE lb SET v = v + 1 WHERE k = 3"});
  EXPECT_EQ(text_of(rows), "1,1,p,NULL,NULL;2,2,q,20,200;3,3,r,30,301;3,3,r,31,302");

  // Padded preserved row's own column changes: still one padded row.
  step({{"l_st", q}}, {"UPDATE la SET x = 'pp' WHERE id = 1"});
  EXPECT_EQ(text_of(rows), "1,1,pp,NULL,NULL;2,2,q,20,200;3,3,r,30,301;3,3,r,31,302");

  // Last partners deleted together.
  step({{"l_st", q}}, {"DELETE FROM lb WHERE k = 3"});
  EXPECT_EQ(text_of(rows), "1,1,pp,NULL,NULL;2,2,q,20,200;3,3,r,NULL,NULL");

  // Every partner deleted, then all come back in one batch with the preserved rows changed.
  step({{"l_st", q}}, {"DELETE FROM lb"});
  EXPECT_EQ(text_of(rows), "1,1,pp,NULL,NULL;2,2,q,NULL,NULL;3,3,r,NULL,NULL");
  step({{"l_st", q}}, {"INSERT INTO lb VALUES (1, 1, 1), (2, 2, 2), (3, 3, 3)", "UPDATE la SET k = 3 WHERE id = 1"});
  EXPECT_EQ(text_of(rows), "1,3,pp,3,3;2,2,q,2,2;3,3,r,3,3");
}

// The partner's join key is updated away (the preserved row becomes padded)
// and back; the preserved row's key moves from one partner to another; and a
// key updated away and back in one transaction changes nothing.
TEST_F(OuterJoinEdge, JoinKeyUpdatedAwayAndBack) {
  conn().exec("CREATE TABLE ka (id int PRIMARY KEY, k int)");
  conn().exec("CREATE TABLE kb (id int PRIMARY KEY, k int, v text)");
  conn().exec("INSERT INTO ka VALUES (1, 1), (2, 2)");
  conn().exec("INSERT INTO kb VALUES (10, 1, 'one'), (20, 2, 'two')");
  const std::string q = "SELECT ka.id, ka.k, kb.id AS b_id, kb.v FROM ka LEFT JOIN kb ON ka.k = kb.k";
  create("k_st", q);
  const std::string rows = "SELECT id, k, b_id, v FROM k_st ORDER BY id, b_id";

  step({{"k_st", q}}, {"UPDATE kb SET k = 7 WHERE id = 10"});
  EXPECT_EQ(text_of(rows), "1,1,NULL,NULL;2,2,20,two");
  step({{"k_st", q}}, {"UPDATE kb SET k = 1 WHERE id = 10"});
  EXPECT_EQ(text_of(rows), "1,1,10,one;2,2,20,two");

  // Partner key moved from one preserved row to the other.
  step({{"k_st", q}}, {"UPDATE kb SET k = 2 WHERE id = 10"});
  EXPECT_EQ(text_of(rows), "1,1,NULL,NULL;2,2,10,one;2,2,20,two");

  // Preserved row's key moved: from padded to matched, and to NULL.
  step({{"k_st", q}}, {"UPDATE ka SET k = 2 WHERE id = 1"});
  EXPECT_EQ(text_of(rows), "1,2,10,one;1,2,20,two;2,2,10,one;2,2,20,two");
  step({{"k_st", q}}, {"UPDATE ka SET k = NULL WHERE id = 2"});
  EXPECT_EQ(text_of(rows), "1,2,10,one;1,2,20,two;2,NULL,NULL,NULL");

  // Away and back in one transaction (both sides): no net change.
  step({{"k_st", q}},
       {"UPDATE kb SET k = 9 WHERE id = 20", "UPDATE ka SET k = 5 WHERE id = 1", "UPDATE kb SET k = 2 WHERE id = 20",
        "UPDATE ka SET k = 2 WHERE id = 1"},
       true);
  EXPECT_EQ(text_of(rows), "1,2,10,one;1,2,20,two;2,NULL,NULL,NULL");

  // Both sides' keys changed in one transaction so that they meet elsewhere.
  step({{"k_st", q}}, {"UPDATE ka SET k = 8 WHERE id = 2", "UPDATE kb SET k = 8 WHERE id = 20"});
  EXPECT_EQ(text_of(rows), "1,2,10,one;2,8,20,two");
  // The partner's primary key changes (same join key).
  step({{"k_st", q}}, {"UPDATE kb SET id = 21 WHERE id = 20"});
  EXPECT_EQ(text_of(rows), "1,2,10,one;2,8,21,two");
}

// The preserved row and its only partner deleted in one transaction: no
// padded row is left behind; also a deleted preserved row whose partner
// stays, and a preserved row inserted together with its partner.
TEST_F(OuterJoinEdge, BothSidesDeletedInOneBatch) {
  conn().exec("CREATE TABLE da (id int PRIMARY KEY, k int)");
  conn().exec("CREATE TABLE db (k int, v int)");
  conn().exec("INSERT INTO da VALUES (1, 1), (2, 2), (3, 3)");
  conn().exec("INSERT INTO db VALUES (1, 10), (2, 20), (2, 21)");
  const std::string q = "SELECT da.id, db.v FROM da LEFT JOIN db ON da.k = db.k";
  create("d_st", q);
  const std::string rows = "SELECT id, v FROM d_st ORDER BY id, v";
  EXPECT_EQ(text_of(rows), "1,10;2,20;2,21;3,NULL");

  step({{"d_st", q}}, {"DELETE FROM da WHERE id = 1", "DELETE FROM db WHERE k = 1"});
  EXPECT_EQ(text_of(rows), "2,20;2,21;3,NULL");
  step({{"d_st", q}}, {"DELETE FROM db WHERE k = 2", "DELETE FROM da WHERE id = 2"});
  EXPECT_EQ(text_of(rows), "3,NULL");
  // Padded preserved row deleted.
  step({{"d_st", q}}, {"DELETE FROM da WHERE id = 3"});
  EXPECT_EQ(text_of(rows), "");
  // Both sides inserted together; then the preserved row alone deleted.
  step({{"d_st", q}}, {"INSERT INTO db VALUES (4, 40)", "INSERT INTO da VALUES (4, 4), (5, 5)"});
  EXPECT_EQ(text_of(rows), "4,40;5,NULL");
  step({{"d_st", q}}, {"DELETE FROM da WHERE id = 4"});
  EXPECT_EQ(text_of(rows), "5,NULL");
  // Everything deleted at once, and refilled at once.
  step({{"d_st", q}}, {"DELETE FROM da", "DELETE FROM db"});
  EXPECT_EQ(text_of(rows), "");
  step({{"d_st", q}}, {"INSERT INTO da VALUES (6, 6), (7, 7)", "INSERT INTO db VALUES (6, 60)"});
  EXPECT_EQ(text_of(rows), "6,60;7,NULL");
}

// A partner inserted and deleted in the same transaction: a padded row stays
// padded (no flicker, no duplicate padding) and a matched row keeps its one
// partner.
TEST_F(OuterJoinEdge, PartnerInsertedAndDeletedInOneBatch) {
  conn().exec("CREATE TABLE ia (id int PRIMARY KEY, k int)");
  conn().exec("CREATE TABLE ib (id int PRIMARY KEY, k int, v int)");
  conn().exec("INSERT INTO ia VALUES (1, 1), (2, 2)");
  conn().exec("INSERT INTO ib VALUES (20, 2, 200)");
  const std::string q = "SELECT ia.id, ib.id AS b_id, ib.v FROM ia LEFT JOIN ib ON ia.k = ib.k";
  create("i_st", q);
  const std::string rows = "SELECT id, b_id, v FROM i_st ORDER BY id, b_id";
  EXPECT_EQ(text_of(rows), "1,NULL,NULL;2,20,200");

  step({{"i_st", q}}, {"INSERT INTO ib VALUES (10, 1, 100)", "DELETE FROM ib WHERE id = 10"}, true);
  EXPECT_EQ(text_of(rows), "1,NULL,NULL;2,20,200");
  step({{"i_st", q}}, {"INSERT INTO ib VALUES (21, 2, 201)", "DELETE FROM ib WHERE id = 21"}, true);
  EXPECT_EQ(text_of(rows), "1,NULL,NULL;2,20,200");
  // Inserted, updated, deleted in one transaction, while the other row changes.
  step({{"i_st", q}},
       {"INSERT INTO ib VALUES (11, 1, 100)", "UPDATE ib SET v = 5 WHERE id = 11", "DELETE FROM ib WHERE id = 11",
        "UPDATE ib SET v = 202 WHERE id = 20"});
  EXPECT_EQ(text_of(rows), "1,NULL,NULL;2,20,202");
  // The only partner deleted and an equal one inserted in one transaction.
  step({{"i_st", q}}, {"DELETE FROM ib WHERE id = 20", "INSERT INTO ib VALUES (20, 2, 202)"}, true);
  EXPECT_EQ(text_of(rows), "1,NULL,NULL;2,20,202");
  // A preserved row inserted and deleted while its partner exists.
  step({{"i_st", q}}, {"INSERT INTO ia VALUES (3, 2)", "DELETE FROM ia WHERE id = 3"}, true);
  EXPECT_EQ(text_of(rows), "1,NULL,NULL;2,20,202");
}

// Keyless nullable side with exact duplicate partners: 2 -> 1 -> 0 -> 1; and
// a keyless preserved side with exact duplicates (each is padded, each
// matched).
TEST_F(OuterJoinEdge, DuplicatePartners) {
  conn().exec("CREATE TABLE pa (k int, x int)");
  conn().exec("CREATE TABLE pb (k int, v int)");
  conn().exec("INSERT INTO pa VALUES (1, 0), (2, 0), (2, 0)");
  conn().exec("INSERT INTO pb VALUES (1, 5), (1, 5)");
  const std::string q = "SELECT pa.k, pa.x, pb.v FROM pa LEFT JOIN pb ON pa.k = pb.k";
  create("p_st", q);
  const std::string rows = "SELECT k, x, v FROM p_st ORDER BY k, v";
  EXPECT_EQ(text_of(rows), "1,0,5;1,0,5;2,0,NULL;2,0,NULL");

  const std::string delete_one = "DELETE FROM pb WHERE ctid = (SELECT min(ctid) FROM pb WHERE k = 1)";
  step({{"p_st", q}}, {delete_one});
  EXPECT_EQ(text_of(rows), "1,0,5;2,0,NULL;2,0,NULL");
  step({{"p_st", q}}, {delete_one});
  EXPECT_EQ(text_of(rows), "1,0,NULL;2,0,NULL;2,0,NULL");
  step({{"p_st", q}}, {"INSERT INTO pb VALUES (1, 6)"});
  EXPECT_EQ(text_of(rows), "1,0,6;2,0,NULL;2,0,NULL");

  // The duplicated preserved rows get partners, then one of them is deleted.
  step({{"p_st", q}}, {"INSERT INTO pb VALUES (2, 7), (2, 7)"});
  EXPECT_EQ(text_of(rows), "1,0,6;2,0,7;2,0,7;2,0,7;2,0,7");
  step({{"p_st", q}}, {"DELETE FROM pa WHERE ctid = (SELECT min(ctid) FROM pa WHERE k = 2)"});
  EXPECT_EQ(text_of(rows), "1,0,6;2,0,7;2,0,7");
  step({{"p_st", q}}, {"DELETE FROM pb WHERE k = 2"});
  EXPECT_EQ(text_of(rows), "1,0,6;2,0,NULL");
  // An exact duplicate of the padded preserved row.
  step({{"p_st", q}}, {"INSERT INTO pa VALUES (2, 0)"});
  EXPECT_EQ(text_of(rows), "1,0,6;2,0,NULL;2,0,NULL");
}

// NULL keys on both sides never match (LEFT: padded; FULL: both padded), and
// a key updated from NULL to a value matches.
TEST_F(OuterJoinEdge, NullKeysNeverMatch) {
  conn().exec("CREATE TABLE na (id int PRIMARY KEY, k int)");
  conn().exec("CREATE TABLE nb (id int PRIMARY KEY, k int)");
  conn().exec("INSERT INTO na VALUES (1, NULL), (2, 1)");
  conn().exec("INSERT INTO nb VALUES (10, NULL), (20, 1)");
  const std::string ql = "SELECT na.id, nb.id AS b_id FROM na LEFT JOIN nb ON na.k = nb.k";
  const std::string qf = "SELECT na.id, nb.id AS b_id FROM na FULL JOIN nb ON na.k = nb.k";
  create("nl_st", ql);
  create("nf_st", qf);
  const std::string lrows = "SELECT id, b_id FROM nl_st ORDER BY id, b_id";
  const std::string frows = "SELECT id, b_id FROM nf_st ORDER BY id, b_id";
  EXPECT_EQ(text_of(lrows), "1,NULL;2,20");
  EXPECT_EQ(text_of(frows), "1,NULL;2,20;NULL,10");
  const std::vector<std::pair<std::string, std::string>> both{{"nl_st", ql}, {"nf_st", qf}};

  step(both, {"INSERT INTO na VALUES (3, NULL)", "INSERT INTO nb VALUES (30, NULL)"});
  EXPECT_EQ(text_of(lrows), "1,NULL;2,20;3,NULL");
  EXPECT_EQ(text_of(frows), "1,NULL;2,20;3,NULL;NULL,10;NULL,30");
  step(both, {"UPDATE na SET k = 5 WHERE id = 1", "UPDATE nb SET k = 5 WHERE id = 10"});
  EXPECT_EQ(text_of(lrows), "1,10;2,20;3,NULL");
  EXPECT_EQ(text_of(frows), "1,10;2,20;3,NULL;NULL,30");
  step(both, {"UPDATE nb SET k = NULL WHERE id = 20"});
  EXPECT_EQ(text_of(lrows), "1,10;2,NULL;3,NULL");
  EXPECT_EQ(text_of(frows), "1,10;2,NULL;3,NULL;NULL,20;NULL,30");
  step(both, {"UPDATE na SET k = NULL", "UPDATE nb SET k = NULL"});
  EXPECT_EQ(text_of(lrows), "1,NULL;2,NULL;3,NULL");
  EXPECT_EQ(text_of(frows), "1,NULL;2,NULL;3,NULL;NULL,10;NULL,20;NULL,30");
}

// --- FULL JOIN ----------------------------------------------------------------------

// Rows becoming unmatched on either side (and matched again), a row moving
// between partners, several rows on both sides of one key.
TEST_F(OuterJoinEdge, FullJoinRowsBecomeUnmatchedOnEitherSide) {
  conn().exec("CREATE TABLE fa (id int PRIMARY KEY, k int)");
  conn().exec("CREATE TABLE fb (k int, w text)");
  conn().exec("INSERT INTO fa VALUES (1, 1), (2, 2)");
  conn().exec("INSERT INTO fb VALUES (1, 'x'), (2, 'y')");
  const std::string q = "SELECT fa.id, fa.k, fb.k AS bk, fb.w FROM fa FULL JOIN fb ON fa.k = fb.k";
  create("f_st", q);
  const std::string rows = "SELECT id, k, bk, w FROM f_st ORDER BY id, bk, w";
  EXPECT_EQ(text_of(rows), "1,1,1,x;2,2,2,y");

  // Right row loses its partner: the left row padded and the right row padded.
  step({{"f_st", q}}, {"DELETE FROM fa WHERE id = 1"});
  EXPECT_EQ(text_of(rows), "2,2,2,y;NULL,NULL,1,x");
  step({{"f_st", q}}, {"DELETE FROM fb WHERE k = 2"});
  EXPECT_EQ(text_of(rows), "2,2,NULL,NULL;NULL,NULL,1,x");
  // Both padded rows get partners in one transaction.
  step({{"f_st", q}}, {"INSERT INTO fa VALUES (3, 1)", "INSERT INTO fb VALUES (2, 'z')"});
  EXPECT_EQ(text_of(rows), "2,2,2,z;3,1,1,x");
  // A left row moves from one partner to the other.
  step({{"f_st", q}}, {"UPDATE fa SET k = 2 WHERE id = 3"});
  EXPECT_EQ(text_of(rows), "2,2,2,z;3,2,2,z;NULL,NULL,1,x");
  // Two rows on both sides of one key, then one on each side deleted.
  step({{"f_st", q}}, {"INSERT INTO fb VALUES (2, 'zz')"});
  EXPECT_EQ(text_of(rows), "2,2,2,z;2,2,2,zz;3,2,2,z;3,2,2,zz;NULL,NULL,1,x");
  step({{"f_st", q}}, {"DELETE FROM fa WHERE id = 2", "DELETE FROM fb WHERE w = 'z'"});
  EXPECT_EQ(text_of(rows), "3,2,2,zz;NULL,NULL,1,x");
  // Keys swapped on the left, key updated on the right.
  step({{"f_st", q}}, {"UPDATE fb SET k = 3 WHERE w = 'x'", "UPDATE fa SET k = 3 WHERE id = 3"});
  EXPECT_EQ(text_of(rows), "3,3,3,x;NULL,NULL,2,zz");
  // Everything on one side deleted: the other side all padded.
  step({{"f_st", q}}, {"DELETE FROM fa"});
  EXPECT_EQ(text_of(rows), "NULL,NULL,2,zz;NULL,NULL,3,x");
  step({{"f_st", q}}, {"DELETE FROM fb", "INSERT INTO fa VALUES (4, 4)"});
  EXPECT_EQ(text_of(rows), "4,4,NULL,NULL");
}

// --- RIGHT JOIN, USING, ON conditions ----------------------------------------------

// The RIGHT JOIN mirror of the LEFT case: the preserved side is written on the
// right, equality written nullable-first.
TEST_F(OuterJoinEdge, RightJoinPartnerDeletedThenInserted) {
  conn().exec("CREATE TABLE rb (id int PRIMARY KEY, k int, v int)");
  conn().exec("CREATE TABLE ra (id int PRIMARY KEY, k int)");
  conn().exec("INSERT INTO ra VALUES (1, 1), (2, 2)");
  conn().exec("INSERT INTO rb VALUES (10, 1, 100)");
  const std::string q = "SELECT ra.id, rb.id AS b_id, rb.v FROM rb RIGHT JOIN ra ON rb.k = ra.k";
  const std::string qu = "SELECT k, ra.id, rb.v FROM rb RIGHT JOIN ra USING (k)";
  create("r_st", q);
  create("ru_st", qu);
  const std::string rows = "SELECT id, b_id, v FROM r_st ORDER BY id, b_id";
  const std::string urows = "SELECT k, id, v FROM ru_st ORDER BY id, v";
  const std::vector<std::pair<std::string, std::string>> both{{"r_st", q}, {"ru_st", qu}};
  EXPECT_EQ(text_of(rows), "1,10,100;2,NULL,NULL");
  EXPECT_EQ(text_of(urows), "1,1,100;2,2,NULL");

  step(both, {"DELETE FROM rb WHERE id = 10"});
  EXPECT_EQ(text_of(rows), "1,NULL,NULL;2,NULL,NULL");
  EXPECT_EQ(text_of(urows), "1,1,NULL;2,2,NULL");
  step(both, {"INSERT INTO rb VALUES (20, 2, 200), (21, 2, 201)"});
  EXPECT_EQ(text_of(rows), "1,NULL,NULL;2,20,200;2,21,201");
  EXPECT_EQ(text_of(urows), "1,1,NULL;2,2,200;2,2,201");
  step(both, {"UPDATE rb SET k = 1 WHERE id = 21"});
  EXPECT_EQ(text_of(rows), "1,21,201;2,20,200");
  EXPECT_EQ(text_of(urows), "1,1,201;2,2,200");
  step(both, {"DELETE FROM ra WHERE id = 1", "DELETE FROM rb WHERE id = 21"});
  EXPECT_EQ(text_of(rows), "2,20,200");
  EXPECT_EQ(text_of(urows), "2,2,200");
}

// ON with an expression over the preserved side and a condition reading
// only the preserved side: rows failing it are padded whatever partners exist.
TEST_F(OuterJoinEdge, PreservedSideConditionInOn) {
  conn().exec("CREATE TABLE ca (id int PRIMARY KEY, k int, v int)");
  conn().exec("CREATE TABLE cb (k int, w text)");
  conn().exec("INSERT INTO ca VALUES (1, 1, 5), (2, 1, 2), (3, 2, NULL)");
  conn().exec("INSERT INTO cb VALUES (2, 'two'), (3, 'three')");
  const std::string q =
      "SELECT ca.id, ca.v, cb.w FROM ca LEFT JOIN cb ON ca.k + 1 = cb.k AND ca.v > 3";
  create("c_st", q);
  const std::string rows = "SELECT id, v, w FROM c_st ORDER BY id";
  EXPECT_EQ(text_of(rows), "1,5,two;2,2,NULL;3,NULL,NULL");

  step({{"c_st", q}}, {"UPDATE ca SET v = 3 WHERE id = 1", "UPDATE ca SET v = 4 WHERE id = 2"});
  EXPECT_EQ(text_of(rows), "1,3,NULL;2,4,two;3,NULL,NULL");
  step({{"c_st", q}}, {"UPDATE ca SET v = 10 WHERE id = 3"});
  EXPECT_EQ(text_of(rows), "1,3,NULL;2,4,two;3,10,three");
  step({{"c_st", q}}, {"DELETE FROM cb WHERE k = 2", "UPDATE ca SET v = 9 WHERE id = 1"});
  EXPECT_EQ(text_of(rows), "1,9,NULL;2,4,NULL;3,10,three");
  step({{"c_st", q}}, {"INSERT INTO cb VALUES (2, 'deux')", "UPDATE ca SET v = NULL WHERE id = 3"});
  EXPECT_EQ(text_of(rows), "1,9,deux;2,4,deux;3,NULL,NULL");
}

// a LEFT JOIN b ON a.x = b.x LEFT JOIN c ON b.y = c.y: b vanishing pads both
// b and c; c vanishing pads c only; b's y moving changes its c partner.
TEST_F(OuterJoinEdge, LeftJoinChain) {
  conn().exec("CREATE TABLE ha (id int PRIMARY KEY, x int)");
  conn().exec("CREATE TABLE hb (id int PRIMARY KEY, x int, y int)");
  conn().exec("CREATE TABLE hc (y int, z text)");
  conn().exec("INSERT INTO ha VALUES (1, 1), (2, 2)");
  conn().exec("INSERT INTO hb VALUES (10, 1, 100), (20, 2, 200)");
  conn().exec("INSERT INTO hc VALUES (100, 'c100'), (200, 'c200')");
  const std::string q = "SELECT ha.id, hb.id AS b_id, hc.z FROM ha LEFT JOIN hb ON ha.x = hb.x "
                        "LEFT JOIN hc ON hb.y = hc.y";
  create("h_st", q);
  const std::string rows = "SELECT id, b_id, z FROM h_st ORDER BY id, b_id, z";
  EXPECT_EQ(text_of(rows), "1,10,c100;2,20,c200");

  step({{"h_st", q}}, {"DELETE FROM hb WHERE id = 10"});
  EXPECT_EQ(text_of(rows), "1,NULL,NULL;2,20,c200");
  step({{"h_st", q}}, {"DELETE FROM hc WHERE y = 200"});
  EXPECT_EQ(text_of(rows), "1,NULL,NULL;2,20,NULL");
  step({{"h_st", q}}, {"UPDATE hb SET y = 100 WHERE id = 20"});
  EXPECT_EQ(text_of(rows), "1,NULL,NULL;2,20,c100");
  step({{"h_st", q}}, {"INSERT INTO hb VALUES (11, 1, 100)", "INSERT INTO hc VALUES (100, 'again')"});
  EXPECT_EQ(text_of(rows), "1,11,again;1,11,c100;2,20,again;2,20,c100");
  step({{"h_st", q}}, {"DELETE FROM hc", "UPDATE hb SET x = 2 WHERE id = 11"});
  EXPECT_EQ(text_of(rows), "1,NULL,NULL;2,11,NULL;2,20,NULL");
}

// GROUP BY over a three-way join with one inner and one LEFT JOIN: count(*)
// keeps padded rows, count(p.col) and sum(p.col) skip them.
TEST_F(OuterJoinEdge, GroupByOverInnerAndLeftJoin) {
  conn().exec("CREATE TABLE gc (id int PRIMARY KEY, region text)");
  conn().exec("CREATE TABLE gp (id int PRIMARY KEY, price int)");
  conn().exec("CREATE TABLE go (id int PRIMARY KEY, cust_id int, prod_id int)");
  conn().exec("INSERT INTO gc VALUES (1, 'n'), (2, 's')");
  conn().exec("INSERT INTO gp VALUES (1, 10), (2, 20)");
  conn().exec("INSERT INTO go VALUES (1, 1, 1), (2, 1, 2), (3, 2, 2), (4, 2, 9)");
  const std::string q =
      "SELECT gc.region, count(*) AS n, count(gp.price) AS np, sum(gp.price) AS sp "
      "FROM go JOIN gc ON go.cust_id = gc.id LEFT JOIN gp ON go.prod_id = gp.id GROUP BY gc.region";
  create("g_st", q);
  const std::string rows = "SELECT region, n, np, sp FROM g_st ORDER BY region";
  EXPECT_EQ(text_of(rows), "n,2,2,30;s,2,1,20");

  step({{"g_st", q}}, {"DELETE FROM gp WHERE id = 2"});
  EXPECT_EQ(text_of(rows), "n,2,1,10;s,2,0,NULL");
  step({{"g_st", q}}, {"INSERT INTO gp VALUES (9, 90)"});
  EXPECT_EQ(text_of(rows), "n,2,1,10;s,2,1,90");
  step({{"g_st", q}}, {"DELETE FROM gc WHERE id = 1", "UPDATE go SET prod_id = 1 WHERE id = 3"});
  EXPECT_EQ(text_of(rows), "s,2,2,100");
  step({{"g_st", q}}, {"DELETE FROM gp"});
  EXPECT_EQ(text_of(rows), "s,2,0,NULL");
}

// WHERE on the nullable side: IS NULL (anti-join) and a comparison.
TEST_F(OuterJoinEdge, FiltersOnNullableSide) {
  conn().exec("CREATE TABLE wa (id int PRIMARY KEY, k int)");
  conn().exec("CREATE TABLE wb (k int, v int)");
  conn().exec("INSERT INTO wa VALUES (1, 1), (2, 2), (3, 3)");
  conn().exec("INSERT INTO wb VALUES (1, 5), (2, NULL)");
  const std::string qa = "SELECT wa.id FROM wa LEFT JOIN wb ON wa.k = wb.k WHERE wb.v IS NULL";
  const std::string qg = "SELECT wa.id, wb.v FROM wa LEFT JOIN wb ON wa.k = wb.k WHERE wb.v > 2";
  create("wa_st", qa);
  create("wg_st", qg);
  const std::vector<std::pair<std::string, std::string>> both{{"wa_st", qa}, {"wg_st", qg}};
  EXPECT_EQ(text_of("SELECT id FROM wa_st ORDER BY id"), "2;3");
  EXPECT_EQ(text_of("SELECT id, v FROM wg_st ORDER BY id"), "1,5");

  step(both, {"DELETE FROM wb WHERE k = 1", "UPDATE wb SET v = 7 WHERE k = 2"});
  EXPECT_EQ(text_of("SELECT id FROM wa_st ORDER BY id"), "1;3");
  EXPECT_EQ(text_of("SELECT id, v FROM wg_st ORDER BY id"), "2,7");
  step(both, {"INSERT INTO wb VALUES (3, 1), (1, 3)"});
  EXPECT_EQ(text_of("SELECT id FROM wa_st ORDER BY id"), "");
  EXPECT_EQ(text_of("SELECT id, v FROM wg_st ORDER BY id"), "1,3;2,7");
}

// TRUNCATE of the nullable side pads every preserved row (any refresh path);
// the next change is applied by delta again.
TEST_F(OuterJoinEdge, TruncateNullableSide) {
  conn().exec("CREATE TABLE ta (id int PRIMARY KEY, k int)");
  conn().exec("CREATE TABLE tb (k int, v int)");
  conn().exec("INSERT INTO ta VALUES (1, 1), (2, 2)");
  conn().exec("INSERT INTO tb VALUES (1, 10), (2, 20)");
  const std::string ql = "SELECT ta.id, tb.v FROM ta LEFT JOIN tb ON ta.k = tb.k";
  const std::string qf = "SELECT ta.id, tb.v FROM ta FULL JOIN tb ON ta.k = tb.k";
  create("t_left", ql);
  create("t_full", qf);
  conn().exec("TRUNCATE tb");
  EXPECT_TRUE(refresh_matches(conn(), "t_left", ql, Expect::Any));
  EXPECT_TRUE(refresh_matches(conn(), "t_full", qf, Expect::Any));
  EXPECT_EQ(text_of("SELECT id, v FROM t_left ORDER BY id"), "1,NULL;2,NULL");
  step({{"t_left", ql}, {"t_full", qf}}, {"INSERT INTO tb VALUES (1, 11), (5, 50)"});
  EXPECT_EQ(text_of("SELECT id, v FROM t_left ORDER BY id"), "1,11;2,NULL");
  EXPECT_EQ(text_of("SELECT id, v FROM t_full ORDER BY id, v"), "1,11;2,NULL;NULL,50");
}

// --- Refusals -----------------------------------------------------------------------

struct Refused {
  std::string name;
  std::string query;
};

// What DIFFERENTIAL does not maintain: refused with 0A000 and a HINT, no
// catalog row and no relation left; AUTO creates it with FULL maintenance,
// a WARNING and a recorded reason, and keeps it right.
TEST_F(OuterJoinEdge, UnsupportedOuterJoinShapesRefusedOrFull) {
  conn().exec("CREATE TABLE ua (id int PRIMARY KEY, k int, v int)");
  conn().exec("CREATE TABLE ub (id int PRIMARY KEY, k int, v int, flag bool)");
  conn().exec("CREATE TABLE uc (k int, w int)");
  conn().exec("CREATE TABLE ud (k int, w int)");
  conn().exec("CREATE TABLE ue (k int, w int)");
  conn().exec("INSERT INTO ua SELECT i, i % 4, i FROM generate_series(1, 10) i");
  conn().exec("INSERT INTO ub SELECT i, i % 5, i * 2, i % 2 = 0 FROM generate_series(1, 6) i");
  conn().exec("INSERT INTO uc SELECT i % 3, i FROM generate_series(1, 5) i");
  conn().exec("INSERT INTO ud SELECT i % 3, i FROM generate_series(1, 5) i");
  conn().exec("INSERT INTO ue SELECT i % 3, i FROM generate_series(1, 5) i");
  conn().exec("CREATE VIEW ubv AS SELECT k, v FROM ub");
  const std::vector<Refused> cases{
      {"u_subquery", "SELECT ua.id, s.v FROM ua LEFT JOIN (SELECT k, v FROM ub WHERE v > 2) s ON ua.k = s.k"},
      {"u_right_subquery", "SELECT ua.id, s.v FROM (SELECT k, v FROM ub) s RIGHT JOIN ua ON ua.k = s.k"},
      {"u_view", "SELECT ua.id, ubv.v FROM ua LEFT JOIN ubv ON ua.k = ubv.k"},
      {"u_nested_join", "SELECT ua.id, ub.v, uc.w FROM ua LEFT JOIN (ub JOIN uc ON ub.k = uc.k) ON ua.k = ub.k"},
      {"u_non_equi", "SELECT ua.id, ub.v FROM ua LEFT JOIN ub ON ua.k < ub.k"},
      {"u_extra_non_equi", "SELECT ua.id, ub.v FROM ua LEFT JOIN ub ON ua.k = ub.k AND ua.v < ub.v"},
      {"u_nullable_subquery", "SELECT ua.id, ub.v FROM ua LEFT JOIN ub ON ua.k = ub.k AND ub.v > (SELECT 1)"},
      {"u_or", "SELECT ua.id, ub.v FROM ua LEFT JOIN ub ON ua.k = ub.k OR ua.v = ub.v"},
      {"u_full_using", "SELECT k, ua.id, ub.v FROM ua FULL JOIN ub USING (k)"},
      {"u_four_outer", "SELECT ua.id, ub.v, uc.w, ud.w AS dw, ue.w AS ew FROM ua LEFT JOIN ub ON ua.k = ub.k "
                       "LEFT JOIN uc ON ua.k = uc.k LEFT JOIN ud ON ua.k = ud.k LEFT JOIN ue ON ua.k = ue.k"},
      {"u_in_from_subquery",
       "SELECT s.id, s.v FROM (SELECT ua.id, ub.v FROM ua LEFT JOIN ub ON ua.k = ub.k) s WHERE s.id > 2"},
  };
  for (const Refused& c : cases) refused_then_full_in_auto(c.name, c.query);
  // The AUTO (FULL) stream tables follow changes.
  run_in_transaction(conn(), {"UPDATE ua SET k = 3 WHERE id = 1", "DELETE FROM ub WHERE id = 2",
                              "INSERT INTO ub VALUES (7, 1, 1, true)", "DELETE FROM uc WHERE k = 0",
                              "INSERT INTO ua VALUES (11, NULL, 11)"});
  for (const Refused& c : cases) {
    SCOPED_TRACE(c.name);
    if (catalog_rows_named(conn(), c.name) == 0) continue;
    EXPECT_TRUE(refresh_matches(conn(), c.name, c.query, Expect::Full));
  }
}

// The supported shapes in AUTO mode stay DIFFERENTIAL (no fallback).
TEST_F(OuterJoinEdge, SupportedShapesStayDifferentialInAuto) {
  conn().exec("CREATE TABLE sa (id int PRIMARY KEY, k int, v int)");
  conn().exec("CREATE TABLE sb (id int PRIMARY KEY, k int, w int)");
  conn().exec("CREATE TABLE sc (k int, z int)");
  conn().exec("INSERT INTO sa SELECT i, i % 4, i FROM generate_series(1, 10) i");
  conn().exec("INSERT INTO sb SELECT i, i % 5, i FROM generate_series(1, 6) i");
  conn().exec("INSERT INTO sc SELECT i % 3, i FROM generate_series(1, 5) i");
  const std::vector<Refused> cases{
      {"s_left", "SELECT sa.id, sb.w FROM sa LEFT JOIN sb ON sa.k = sb.k"},
      {"s_right", "SELECT sa.id, sb.w FROM sb RIGHT JOIN sa ON sb.k = sa.k"},
      {"s_full", "SELECT sa.id, sb.id AS b_id FROM sa FULL JOIN sb ON sa.k = sb.k"},
      {"s_using", "SELECT k, sa.id, sb.w FROM sa LEFT JOIN sb USING (k)"},
      {"s_three", "SELECT sa.id, sb.w, sc.z FROM sa LEFT JOIN sb ON sa.k = sb.k LEFT JOIN sc ON sb.k = sc.k "
                  "LEFT JOIN sc sc2 ON sa.k = sc2.k"},
      {"s_group", "SELECT sa.k, count(*) AS n, count(sb.w) AS nw FROM sa LEFT JOIN sb ON sa.k = sb.k GROUP BY sa.k"},
      {"s_distinct", "SELECT DISTINCT sa.k, sb.w FROM sa LEFT JOIN sb ON sa.k = sb.k"},
  };
  for (const Refused& c : cases) {
    SCOPED_TRACE(c.name + ": " + c.query);
    conn().clear_notices();
    const ExecOutcome created = conn().try_exec(create_stream_table_sql(c.name, c.query, "AUTO"));
    ASSERT_TRUE(created.ok) << created.message << " HINT: " << created.hint;
    EXPECT_FALSE(conn().has_notice("WARNING")) << "AUTO warned about a supported shape";
    EXPECT_EQ(conn().scalar("SELECT effective_refresh_mode FROM pgtrickle.pgt_stream_tables WHERE pgt_name = " +
                            quote_literal(c.name)),
              "DIFFERENTIAL");
  }
  run_in_transaction(conn(), {"DELETE FROM sb WHERE k = 1", "UPDATE sa SET k = 4 WHERE id = 2",
                              "INSERT INTO sc VALUES (4, 40)", "INSERT INTO sb VALUES (7, 4, 70)"});
  for (const Refused& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_TRUE(refresh_matches(conn(), c.name, c.query, Expect::Delta));
    EXPECT_EQ(last_refresh(conn(), c.name).action, "DIFFERENTIAL");
  }
}

// --- Concurrency --------------------------------------------------------------------

// A transaction that deletes a preserved row's only partner (and adds others)
// before a refresh and commits after it: the refreshes before its commit
// must not pad the row (the partner is still visible), the first one after it
// must.
TEST_F(OuterJoinEdge, LongTransactionRemovingTheLastPartner) {
  conn().exec("SET search_path = public");
  conn().exec("CREATE TABLE lt_a (id int PRIMARY KEY, k int)");
  conn().exec("CREATE TABLE lt_b (k int, v int)");
  conn().exec("INSERT INTO lt_a VALUES (1, 1), (2, 2)");
  conn().exec("INSERT INTO lt_b VALUES (1, 10), (2, 20)");
  const std::string ql = "SELECT lt_a.id, lt_b.v FROM lt_a LEFT JOIN lt_b ON lt_a.k = lt_b.k";
  const std::string qf = "SELECT lt_a.id, lt_b.v FROM lt_a FULL JOIN lt_b ON lt_a.k = lt_b.k";
  create("lt_left", ql);
  create("lt_full", qf);
  const std::vector<std::pair<std::string, std::string>> both{{"lt_left", ql}, {"lt_full", qf}};
  const std::string lrows = "SELECT id, v FROM lt_left ORDER BY id, v";
  const std::string frows = "SELECT id, v FROM lt_full ORDER BY id, v";

  auto long_tx = connect();
  long_tx->exec("BEGIN");
  long_tx->exec("DELETE FROM lt_b WHERE k = 1");
  long_tx->exec("INSERT INTO lt_b VALUES (2, 21)");
  step(both, {"INSERT INTO lt_a VALUES (3, 1)"});
  EXPECT_EQ(text_of(lrows), "1,10;2,20;3,10");
  EXPECT_EQ(text_of(frows), "1,10;2,20;3,10");

  long_tx->exec("INSERT INTO lt_b VALUES (3, 30)");
  step(both, {"DELETE FROM lt_a WHERE id = 2"});
  EXPECT_EQ(text_of(lrows), "1,10;3,10");
  EXPECT_EQ(text_of(frows), "1,10;3,10;NULL,20");

  long_tx->exec("COMMIT");
  step(both, {});
  EXPECT_EQ(text_of(lrows), "1,NULL;3,NULL");
  EXPECT_EQ(text_of(frows), "1,NULL;3,NULL;NULL,20;NULL,21;NULL,30");
  step(both, {}, true);
  EXPECT_EQ(last_refresh(conn(), "lt_left").action, "NO_DATA");
}

// Writers commit random DML to both sides of LEFT / FULL joins while another
// session refreshes them (checking the oracle inside the refresh's snapshot).
TEST_F(OuterJoinEdge, WritersCommittingWhileAnotherSessionRefreshes) {
  const std::uint64_t seed = test_seed();
  SCOPED_TRACE(seed_note(seed) + " (thread interleaving is not replayable)");
  conn().exec("SET search_path = public");
  auto tables = [](int writer) {
    const std::int64_t base = 100000 * static_cast<std::int64_t>(writer);
    return std::vector<TableSpec>{
        TableSpec{"ojcw_a", ColumnSpec::integer("id", base + 1, base + 99999),
                  {ColumnSpec::integer("k", 1, 8, 0.1), ColumnSpec::integer("x", 0, 3)}, 20},
        TableSpec{"ojcw_b", std::nullopt, {ColumnSpec::integer("k", 1, 10, 0.1), ColumnSpec::integer("v", 0, 3, 0.1)},
                  5},
    };
  };
  const std::vector<JoinLink> links{{0, "k", 1, "k"}};
  const std::vector<RefreshTarget> targets{
      {"ojcw_left", "SELECT a.id, a.x, b.v FROM ojcw_a a LEFT JOIN ojcw_b b ON a.k = b.k"},
      {"ojcw_full", "SELECT a.id, b.k AS bk, b.v FROM ojcw_a a FULL JOIN ojcw_b b ON a.k = b.k"},
      {"ojcw_group", "SELECT a.k, count(*) AS n, count(b.v) AS nv, sum(b.v) AS sv FROM ojcw_a a "
                     "LEFT JOIN ojcw_b b ON a.k = b.k GROUP BY a.k"},
  };
  for (const TableSpec& spec : tables(0)) conn().exec(spec.create_sql());
  std::vector<std::unique_ptr<WriterThread>> writers;
  for (int w = 0; w < 3; ++w) {
    writers.push_back(std::make_unique<WriterThread>(tables(w), links, seed + static_cast<unsigned>(w)));
    writers.back()->insert_initial_rows();
  }
  conn().exec("ANALYZE ojcw_a, ojcw_b");
  for (const RefreshTarget& t : targets) create(t.st, t.query);
  RefresherThread refresher(targets, /*check_in_snapshot=*/true);
  refresher.start();
  for (auto& w : writers) w->start();
  std::this_thread::sleep_for(std::chrono::seconds(5));
  for (auto& w : writers) w->stop();
  refresher.stop();

  int committed = 0;
  for (auto& w : writers) {
    EXPECT_EQ(w->error(), "") << "a writer failed";
    committed += w->committed();
  }
  EXPECT_EQ(refresher.error(), "") << "the refresher failed";
  for (const std::string& m : refresher.mismatches()) ADD_FAILURE() << "oracle mismatch in a refresh's snapshot, " << m;
  EXPECT_GT(committed, 20) << "writers barely ran";
  EXPECT_GT(refresher.refreshes(), 10) << "the refresher barely ran";
  for (const RefreshTarget& t : targets) {
    SCOPED_TRACE(t.st);
    EXPECT_TRUE(refresh_matches(conn(), t.st, t.query, Expect::Delta));
    const std::map<std::string, int> actions = refresh_action_counts(conn(), t.st);
    EXPECT_EQ(actions.count("FULL"), 0u) << ::testing::PrintToString(actions);
  }
}

}  // namespace
}  // namespace pgt_e2e
