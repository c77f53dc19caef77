#include "oracle_semi_join_scenarios.h"
#include "scenario_domains.h"

namespace pgt_e2e {
namespace {

const std::vector<std::string> kGroups{"north", "south", "east", "west"};

OracleScenario exists_one_key() {
  // The subquery table is keyless: the same k appears several times (a row
  // stays while any duplicate remains), and NULL keys on either side never
  // match. Outer keys range past the subquery's.
  TableSpec outer{"sx_orders", key(100000),
                  {ColumnSpec::integer("k", 1, 14, 0.1), ColumnSpec::integer("qty", 0, 9, 0.1),
                   ColumnSpec::text("note", kWords, 0.1)},
                  150};
  TableSpec sub{"sx_pay", std::nullopt,
                {ColumnSpec::integer("k", 1, 12, 0.15), ColumnSpec::integer("amt", 0, 5)}, 40};
  return {"exists_one_key", {outer, sub}, {{0, "k", 1, "k"}},
          "SELECT o.id, o.k, o.qty * 2 AS q2, o.note FROM sx_orders o "
          "WHERE EXISTS (SELECT 1 FROM sx_pay p WHERE p.k = o.k) AND o.qty IS DISTINCT FROM 0"};
}

OracleScenario not_exists_one_key() {
  // Anti-join against a keyed table with a small key range: deleting a key
  // makes outer rows appear, inserting it back makes them leave.
  TableSpec outer{"snx_items", key(100000),
                  {ColumnSpec::integer("cat", 1, 12, 0.1), ColumnSpec::text("label", kWords, 0.1)}, 150};
  TableSpec sub{"snx_blocked", key(12), {ColumnSpec::text("why", kWords)}, 6};
  return {"not_exists_one_key", {outer, sub}, {{0, "cat", 1, "id"}},
          "SELECT i.id, i.cat, i.label FROM snx_items i "
          "WHERE NOT EXISTS (SELECT 1 FROM snx_blocked b WHERE b.id = i.cat)"};
}

OracleScenario in_subquery() {
  // <expr> IN (SELECT col FROM t): the outer side is an expression, the
  // subquery column is nullable (NULLs are never IN-equal), duplicates.
  TableSpec outer{"sin_src", key(100000),
                  {ColumnSpec::integer("a", 0, 12, 0.1), ColumnSpec::integer("v", -5, 5, 0.1)}, 150};
  TableSpec sub{"sin_vals", std::nullopt,
                {ColumnSpec::integer("x", 1, 12, 0.2), ColumnSpec::integer("unused", 0, 3)}, 30};
  return {"in_subquery", {outer, sub}, {{0, "a", 1, "x"}},
          "SELECT s.id, s.a, s.v FROM sin_src s WHERE s.a + 1 IN (SELECT x FROM sin_vals)"};
}

OracleScenario in_subquery_correlated() {
  // IN with an extra equality correlation inside the subquery.
  TableSpec outer{"sinc_src", key(100000),
                  {ColumnSpec::integer("a", 1, 8, 0.1), ColumnSpec::text("g", kGroups, 0.1),
                   ColumnSpec::integer("v", 0, 9)},
                  150};
  TableSpec sub{"sinc_vals", std::nullopt,
                {ColumnSpec::integer("x", 1, 8, 0.1), ColumnSpec::text("g", kGroups, 0.1)}, 40};
  return {"in_subquery_correlated", {outer, sub}, {{0, "a", 1, "x"}},
          "SELECT s.id, s.a, s.g, s.v FROM sinc_src s "
          "WHERE s.a IN (SELECT t.x FROM sinc_vals t WHERE t.g = s.g) AND s.v > 1"};
}

OracleScenario not_in_not_null() {
  // NOT IN where both columns are NOT NULL (setup_sql adds the constraints;
  // the generator never writes NULL to a column with null fraction 0).
  TableSpec outer{"snin_src", key(100000),
                  {ColumnSpec::integer("a", 1, 10), ColumnSpec::integer("v", 0, 9, 0.2)}, 120};
  TableSpec sub{"snin_vals", std::nullopt, {ColumnSpec::integer("x", 1, 10), ColumnSpec::integer("w", 0, 3)}, 20};
  return {"not_in_not_null",
          {outer, sub},
          {{0, "a", 1, "x"}},
          "SELECT s.id, s.a, s.v FROM snin_src s WHERE s.a NOT IN (SELECT x FROM snin_vals)",
          {"ALTER TABLE snin_src ALTER COLUMN a SET NOT NULL", "ALTER TABLE snin_vals ALTER COLUMN x SET NOT NULL"}};
}

OracleScenario exists_two_columns() {
  // Correlated on two columns: a match needs both equal.
  TableSpec outer{"sx2_src", key(100000),
                  {ColumnSpec::integer("a", 1, 5, 0.1), ColumnSpec::text("g", {"x", "y", "z"}, 0.1),
                   ColumnSpec::integer("v", 0, 20)},
                  150};
  TableSpec sub{"sx2_ref", std::nullopt,
                {ColumnSpec::integer("a", 1, 5, 0.1), ColumnSpec::text("g", {"x", "y", "z"}, 0.1),
                 ColumnSpec::integer("w", 0, 2)},
                12};
  return {"exists_two_columns", {outer, sub}, {{0, "a", 1, "a"}},
          "SELECT s.id, s.a, s.g, s.v FROM sx2_src s "
          "WHERE EXISTS (SELECT 1 FROM sx2_ref r WHERE r.a = s.a AND r.g = s.g)"};
}

OracleScenario exists_with_join() {
  // The outer query is an inner join; the subquery correlates with the
  // joined (dimension) side.
  TableSpec customers{"sxj_customers", key(25),
                      {ColumnSpec::integer("region", 1, 6, 0.1), ColumnSpec::text("name", kWords)}, 18};
  TableSpec orders{"sxj_orders", key(100000),
                   {ColumnSpec::integer("cust_id", 1, 28, 0.05), ColumnSpec::integer("qty", 0, 10)}, 180};
  TableSpec regions{"sxj_active", std::nullopt, {ColumnSpec::integer("region", 1, 6, 0.1)}, 5};
  return {"exists_with_join",
          {customers, orders, regions},
          {{0, "id", 1, "cust_id"}, {0, "region", 2, "region"}},
          "SELECT o.id AS order_id, o.qty, c.id AS cust_id, c.name, c.region "
          "FROM sxj_orders o JOIN sxj_customers c ON o.cust_id = c.id "
          "WHERE EXISTS (SELECT 1 FROM sxj_active a WHERE a.region = c.region) AND o.qty > 2"};
}

OracleScenario grouped_exists() {
  // GROUP BY over a query filtered by EXISTS: a group's count changes when
  // matches appear and vanish, and whole groups come and go.
  TableSpec src{"sgx_src", key(100000),
                {ColumnSpec::text("grp", kGroups, 0.1), ColumnSpec::integer("k", 1, 10, 0.1),
                 ColumnSpec::integer("v", -5, 30, 0.1)},
                180};
  TableSpec sub{"sgx_ok", std::nullopt, {ColumnSpec::integer("k", 1, 10, 0.1), ColumnSpec::integer("t", 0, 2)},
                15};
  return {"grouped_exists", {src, sub}, {{0, "k", 1, "k"}},
          "SELECT grp, count(*) AS n, sum(v) AS sv, count(v) AS nv FROM sgx_src s "
          "WHERE EXISTS (SELECT 1 FROM sgx_ok k WHERE k.k = s.k) GROUP BY grp"};
}

OracleScenario distinct_in() {
  // SELECT DISTINCT over an IN-filtered keyless table with duplicates.
  TableSpec src{"sdi_src", std::nullopt,
                {ColumnSpec::integer("a", 1, 6, 0.1), ColumnSpec::text("b", {"p", "q"}, 0.1)}, 120};
  TableSpec sub{"sdi_vals", key(6), {ColumnSpec::integer("w", 0, 3)}, 3};
  return {"distinct_in", {src, sub}, {{0, "a", 1, "id"}},
          "SELECT DISTINCT b, a FROM sdi_src WHERE a IN (SELECT id FROM sdi_vals)"};
}

OracleScenario not_exists_left_join() {
  // LEFT JOIN in the outer query; NOT EXISTS correlates with the nullable
  // side: unmatched outer rows have r.k NULL, so NOT EXISTS is true for them.
  TableSpec left{"snl_left", key(100000),
                 {ColumnSpec::integer("k", 1, 12, 0.1), ColumnSpec::text("x", kWords)}, 120};
  TableSpec right{"snl_right", std::nullopt,
                  {ColumnSpec::integer("k", 1, 10, 0.1), ColumnSpec::integer("v", 1, 8, 0.1)}, 50};
  TableSpec ban{"snl_ban", std::nullopt, {ColumnSpec::integer("v", 1, 8, 0.1)}, 4};
  return {"not_exists_left_join",
          {left, right, ban},
          {{0, "k", 1, "k"}, {1, "v", 2, "v"}},
          "SELECT l.id, l.k, l.x, r.v FROM snl_left l LEFT JOIN snl_right r ON l.k = r.k "
          "WHERE NOT EXISTS (SELECT 1 FROM snl_ban b WHERE b.v = r.v)"};
}

OracleScenario exists_and_not_exists() {
  // Two subquery conditions on different tables: in an allow-list and not in
  // a deny-list; a row flips when either list changes.
  TableSpec src{"sxn_src", key(100000),
                {ColumnSpec::integer("a", 1, 10, 0.1), ColumnSpec::integer("b", 1, 10, 0.1),
                 ColumnSpec::integer("v", 0, 9)},
                160};
  TableSpec allow{"sxn_allow", std::nullopt, {ColumnSpec::integer("a", 1, 10, 0.1)}, 8};
  TableSpec deny{"sxn_deny", key(10), {ColumnSpec::text("why", kWords)}, 4};
  return {"exists_and_not_exists",
          {src, allow, deny},
          {{0, "a", 1, "a"}, {0, "b", 2, "id"}},
          "SELECT s.id, s.a, s.b, s.v FROM sxn_src s "
          "WHERE EXISTS (SELECT 1 FROM sxn_allow w WHERE w.a = s.a) "
          "AND NOT EXISTS (SELECT 1 FROM sxn_deny d WHERE d.id = s.b) AND s.v <> 4"};
}

OracleScenario self_exists() {
  // The subquery reads the outer table itself: employees who manage someone.
  // One change feeds both the outer scan and the subquery.
  TableSpec emp{"ssx_emp", key(60), {ColumnSpec::text("name", kWords), ColumnSpec::integer("mgr", 1, 62, 0.15)}, 45};
  return {"self_exists", {emp}, {{0, "mgr", 0, "id"}},
          "SELECT e.id, e.name FROM ssx_emp e WHERE EXISTS (SELECT 1 FROM ssx_emp r WHERE r.mgr = e.id)"};
}

OracleScenario keyless_outer_not_exists() {
  // Keyless outer table with exact duplicates, anti-join against a keyless
  // table; correlated through an expression of the outer row.
  TableSpec src{"skn_src", std::nullopt,
                {ColumnSpec::integer("a", 1, 5, 0.1), ColumnSpec::integer("b", 0, 2)}, 100};
  TableSpec sub{"skn_sub", std::nullopt, {ColumnSpec::integer("c", 1, 7, 0.1)}, 6};
  return {"keyless_outer_not_exists", {src, sub}, {{0, "a", 1, "c"}},
          "SELECT a, b FROM skn_src s WHERE NOT EXISTS (SELECT 1 FROM skn_sub t WHERE t.c = s.a + s.b)"};
}

OracleScenario exists_two_outer_tables() {
  // The subquery correlates with columns of both sides of an inner join.
  TableSpec orders{"sxt_orders", key(100000),
                   {ColumnSpec::integer("a", 1, 5, 0.1), ColumnSpec::integer("cust", 1, 8, 0.05)}, 150};
  TableSpec customers{"sxt_customers", key(8), {ColumnSpec::integer("y", 1, 3, 0.1)}, 6};
  TableSpec pairs{"sxt_pairs", std::nullopt,
                  {ColumnSpec::integer("a", 1, 5, 0.1), ColumnSpec::integer("y", 1, 3, 0.1)}, 10};
  return {"exists_two_outer_tables",
          {orders, customers, pairs},
          {{1, "id", 0, "cust"}, {0, "a", 2, "a"}},
          "SELECT o.id, o.a, c.y FROM sxt_orders o JOIN sxt_customers c ON o.cust = c.id "
          "WHERE EXISTS (SELECT 1 FROM sxt_pairs p WHERE p.a = o.a AND p.y = c.y)"};
}

OracleScenario same_table_exists_and_not_exists() {
  // One subquery table in two conditions: a row needs a match on a and none
  // on b; one change to the table can flip both conditions of a row.
  TableSpec src{"sst_src", key(100000),
                {ColumnSpec::integer("a", 1, 6, 0.1), ColumnSpec::integer("b", 1, 6, 0.1),
                 ColumnSpec::text("t", kWords)},
                150};
  TableSpec sub{"sst_sub", std::nullopt, {ColumnSpec::integer("k", 1, 6, 0.1)}, 8};
  return {"same_table_exists_and_not_exists", {src, sub}, {{0, "a", 1, "k"}},
          "SELECT s.id, s.a, s.b, s.t FROM sst_src s WHERE EXISTS (SELECT 1 FROM sst_sub x WHERE x.k = s.a) "
          "AND NOT EXISTS (SELECT 1 FROM sst_sub y WHERE y.k = s.b)"};
}

OracleScenario grouped_not_exists_having() {
  // Scalar-free GROUP BY with HAVING and count(DISTINCT) over an anti-join.
  TableSpec src{"sgn_src", key(100000),
                {ColumnSpec::integer("g", 1, 4, 0.1), ColumnSpec::integer("k", 1, 8, 0.1),
                 ColumnSpec::integer("v", 0, 9, 0.1)},
                150};
  TableSpec sub{"sgn_sub", key(8), {ColumnSpec::integer("w", 0, 2)}, 4};
  return {"grouped_not_exists_having", {src, sub}, {{0, "k", 1, "id"}},
          "SELECT g, count(*) AS n, count(DISTINCT v) AS dv, max(v) AS mx FROM sgn_src s "
          "WHERE NOT EXISTS (SELECT 1 FROM sgn_sub b WHERE b.id = s.k) GROUP BY g HAVING count(*) > 3"};
}

OracleScenario exists_full_join() {
  // FULL JOIN in the outer query; EXISTS on a column of one side (rows
  // without that side have NULL there and never match).
  TableSpec left{"sfj_left", key(100000),
                 {ColumnSpec::integer("k", 1, 10, 0.1), ColumnSpec::integer("a", 1, 5, 0.1)}, 80};
  TableSpec right{"sfj_right", std::nullopt,
                  {ColumnSpec::integer("k", 1, 12, 0.1), ColumnSpec::integer("v", 0, 5, 0.1)}, 50};
  TableSpec sub{"sfj_sub", std::nullopt, {ColumnSpec::integer("a", 1, 5, 0.1)}, 4};
  return {"exists_full_join",
          {left, right, sub},
          {{0, "k", 1, "k"}, {0, "a", 2, "a"}},
          "SELECT l.id, l.k, l.a, r.v FROM sfj_left l FULL JOIN sfj_right r ON l.k = r.k "
          "WHERE EXISTS (SELECT 1 FROM sfj_sub x WHERE x.a = l.a)"};
}

OracleScenario in_constant_correlated() {
  // A constant on the outer side of IN, the subquery correlated by equality:
  // "does the row's group contain the value 2".
  TableSpec src{"sic_src", key(100000),
                {ColumnSpec::integer("g", 1, 8, 0.1), ColumnSpec::integer("v", 0, 9)}, 120};
  TableSpec sub{"sic_sub", std::nullopt,
                {ColumnSpec::integer("g", 1, 8, 0.1), ColumnSpec::integer("x", 1, 3, 0.1)}, 25};
  return {"in_constant_correlated", {src, sub}, {{0, "g", 1, "g"}},
          "SELECT s.id, s.g, s.v FROM sic_src s WHERE 2 IN (SELECT t.x FROM sic_sub t WHERE t.g = s.g)"};
}

OracleScenario not_in_correlated() {
  // Correlated NOT IN over NOT NULL compared columns; the correlation
  // columns are nullable (a NULL there only filters the subquery).
  TableSpec outer{"snic_src", key(100000),
                  {ColumnSpec::integer("a", 1, 6), ColumnSpec::integer("g", 1, 4, 0.15),
                   ColumnSpec::integer("v", 0, 9)},
                  120};
  TableSpec sub{"snic_vals", std::nullopt,
                {ColumnSpec::integer("x", 1, 6), ColumnSpec::integer("g", 1, 4, 0.15)}, 20};
  return {"not_in_correlated",
          {outer, sub},
          {{0, "a", 1, "x"}},
          "SELECT s.id, s.a, s.g, s.v FROM snic_src s WHERE s.a NOT IN (SELECT t.x FROM snic_vals t WHERE t.g = s.g)",
          {"ALTER TABLE snic_src ALTER COLUMN a SET NOT NULL", "ALTER TABLE snic_vals ALTER COLUMN x SET NOT NULL"}};
}

}  // namespace

// Subqueries with their own conditions on their table: the distinct keys
// are those of the rows that pass them (TPC-H Q4, Q21 shapes); an update
// of the filtered column moves a key in or out without changing it.
OracleScenario exists_with_filter() {
  TableSpec outer{"sf_orders", key(100000),
                  {ColumnSpec::integer("k", 1, 12, 0.1), ColumnSpec::integer("qty", 0, 9, 0.1)}, 80};
  TableSpec sub{"sf_lines", std::nullopt,
                {ColumnSpec::integer("k", 1, 12, 0.15), ColumnSpec::integer("commit", 0, 9, 0.1),
                 ColumnSpec::integer("receipt", 0, 9, 0.1), ColumnSpec::text("mode", kRegions, 0.1)},
                50};
  return {"exists_with_filter", {outer, sub}, {{0, "k", 1, "k"}},
          "SELECT o.id, o.qty FROM sf_orders o WHERE EXISTS (SELECT 1 FROM sf_lines l WHERE l.k = o.k "
          "AND l.commit < l.receipt AND l.mode IN ('north', 'east'))"};
}

OracleScenario not_exists_and_in_with_filters() {
  TableSpec outer{"sg_orders", key(100000),
                  {ColumnSpec::integer("k", 1, 12, 0.1), ColumnSpec::integer("j", 1, 6, 0.1)}, 80};
  TableSpec sub{"sg_lines", key(100000),
                {ColumnSpec::integer("k", 1, 12, 0.15), ColumnSpec::integer("v", 0, 9, 0.1),
                 ColumnSpec::text("t", kWords, 0.1)},
                50};
  return {"not_exists_and_in_with_filters", {outer, sub}, {{0, "k", 1, "k"}},
          "SELECT o.id, o.j FROM sg_orders o WHERE NOT EXISTS (SELECT 1 FROM sg_lines l WHERE l.k = o.k AND l.v > 4) "
          "AND o.j IN (SELECT l2.v FROM sg_lines l2 WHERE l2.t LIKE '%a%')"};
}

std::vector<OracleScenario> semi_join_oracle_scenarios() {
  return {exists_one_key(),     not_exists_one_key(),    in_subquery(),          in_subquery_correlated(),
          not_in_not_null(),    exists_two_columns(),    exists_with_join(),     grouped_exists(),
          distinct_in(),        not_exists_left_join(),  exists_and_not_exists(), self_exists(),
          keyless_outer_not_exists(), exists_two_outer_tables(), same_table_exists_and_not_exists(),
          grouped_not_exists_having(), exists_full_join(), in_constant_correlated(), not_in_correlated(),
          exists_with_filter(), not_exists_and_in_with_filters()};
}

}  // namespace pgt_e2e
