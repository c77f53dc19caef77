#include "oracle_setop_scenarios.h"
#include "scenario_domains.h"

namespace pgt_e2e {
namespace {

const std::vector<std::string> kTags{"x", "y", "o'k", ""};
const std::vector<std::string> kGroups{"north", "south", "east"};

// Keyed and keyless branches drawing from the same small domains: equal rows
// across the branches (and within the keyless one) are kept as duplicates.
OracleScenario ua_keyed_keyless() {
  TableSpec keyed{"uakk_a", key(100000),
                  {ColumnSpec::text("g", kGroups, 0.1), ColumnSpec::integer("v", 0, 4, 0.15)}, 120};
  TableSpec keyless{"uakk_b", std::nullopt,
                    {ColumnSpec::text("g", kGroups, 0.1), ColumnSpec::integer("v", 0, 4, 0.15),
                     ColumnSpec::integer("unused", 0, 2)},
                    120};
  return {"setop_ua_keyed_keyless", {keyed, keyless}, {{0, "v", 1, "v"}},
          "SELECT g, v FROM uakk_a UNION ALL SELECT g, v FROM uakk_b"};
}

// Two overlapping filters over one table: a row may be in both branches, and
// one update can move it into, out of, or between them.
OracleScenario ua_same_table() {
  TableSpec src{"uas_src", key(100000),
                {ColumnSpec::integer("a", 0, 6, 0.1), ColumnSpec::text("t", kTags, 0.15)}, 150};
  return {"setop_ua_same_table", {src}, {},
          "SELECT a, t, 'low' AS branch FROM uas_src WHERE a < 4 "
          "UNION ALL SELECT a + 0, upper(t), 'high' FROM uas_src WHERE a >= 2 OR t IS NULL"};
}

// Keyless self-union without a distinguishing column: every source row shows
// up once or twice, duplicates multiply.
OracleScenario ua_self_keyless() {
  TableSpec src{"uask_src", std::nullopt,
                {ColumnSpec::integer("a", 1, 3, 0.2), ColumnSpec::text("b", {"p", "q"}, 0.2)}, 100};
  return {"setop_ua_self_keyless", {src}, {},
          "SELECT a, b FROM uask_src UNION ALL SELECT a, b FROM uask_src WHERE a IS DISTINCT FROM 2"};
}

// Three branches, nested on the right (parenthesised) and on the left.
OracleScenario ua_three_way() {
  TableSpec a{"ua3_a", key(100000), {ColumnSpec::integer("k", 1, 5, 0.1), ColumnSpec::integer("v", 0, 3)}, 80};
  TableSpec b{"ua3_b", std::nullopt, {ColumnSpec::integer("k", 1, 5, 0.1), ColumnSpec::integer("v", 0, 3)}, 80};
  TableSpec c{"ua3_c", key(60), {ColumnSpec::integer("k", 1, 5, 0.1), ColumnSpec::integer("v", 0, 3, 0.2)}, 40};
  return {"setop_ua_three_way", {a, b, c}, {{0, "k", 1, "k"}},
          "SELECT k, v FROM ua3_a UNION ALL (SELECT k, v * 2 FROM ua3_b WHERE v > 0 "
          "UNION ALL (SELECT k, v FROM ua3_c UNION ALL SELECT v, k FROM ua3_a WHERE k > 3))"};
}

// One branch is a two-way inner join; the link deletes both partners.
OracleScenario ua_join_branch() {
  TableSpec cust{"uaj_cust", key(20), {ColumnSpec::text("name", kTags, 0.1)}, 15};
  TableSpec orders{"uaj_orders", key(100000),
                   {ColumnSpec::integer("cust_id", 1, 22, 0.05), ColumnSpec::integer("qty", 0, 5, 0.1)}, 120};
  TableSpec extra{"uaj_extra", std::nullopt,
                  {ColumnSpec::text("name", kTags, 0.1), ColumnSpec::integer("qty", 0, 5, 0.1)}, 60};
  return {"setop_ua_join_branch", {cust, orders, extra}, {{0, "id", 1, "cust_id"}},
          "SELECT c.name, o.qty FROM uaj_orders o JOIN uaj_cust c ON o.cust_id = c.id WHERE o.qty > 0 "
          "UNION ALL SELECT name, qty FROM uaj_extra"};
}

// GROUP BY over a UNION ALL subquery: a group fed by both branches, by one,
// or by none (it vanishes and comes back).
OracleScenario agg_over_ua() {
  TableSpec a{"agu_a", key(100000), {ColumnSpec::text("g", kGroups, 0.1), ColumnSpec::integer("v", -3, 9, 0.15)}, 120};
  TableSpec b{"agu_b", std::nullopt, {ColumnSpec::text("g", kGroups, 0.1), ColumnSpec::integer("v", -3, 9, 0.15)}, 100};
  return {"setop_agg_over_ua", {a, b}, {},
          "SELECT u.g, count(*) AS n, count(u.v) AS nv, sum(u.v) AS sv FROM "
          "(SELECT g, v FROM agu_a UNION ALL SELECT g, v FROM agu_b WHERE v IS DISTINCT FROM 0) u GROUP BY u.g"};
}

// A table joined with a UNION ALL subquery (two branches, one keyless).
OracleScenario join_with_ua() {
  TableSpec dim{"jua_dim", key(12), {ColumnSpec::text("label", kTags, 0.1)}, 10};
  TableSpec a{"jua_a", key(100000), {ColumnSpec::integer("k", 1, 14, 0.05), ColumnSpec::integer("v", 0, 5)}, 100};
  TableSpec b{"jua_b", std::nullopt, {ColumnSpec::integer("k", 1, 14, 0.05), ColumnSpec::integer("v", 0, 5)}, 80};
  return {"setop_join_with_ua", {dim, a, b}, {{0, "id", 1, "k"}, {0, "id", 2, "k"}},
          "SELECT d.id, d.label, u.v, u.src FROM jua_dim d JOIN "
          "(SELECT k, v, 'A' AS src FROM jua_a WHERE v > 0 UNION ALL SELECT k, v, 'B' FROM jua_b) u ON u.k = d.id"};
}

// UNION (distinct): duplicates within and across branches, NULLs equal.
OracleScenario union_distinct() {
  TableSpec a{"und_a", std::nullopt,
              {ColumnSpec::integer("a", 1, 4, 0.2), ColumnSpec::text("b", {"p", "q"}, 0.2)}, 80};
  TableSpec b{"und_b", key(100000),
              {ColumnSpec::integer("a", 1, 4, 0.2), ColumnSpec::text("b", {"p", "q"}, 0.2)}, 80};
  return {"setop_union_distinct", {a, b}, {{0, "a", 1, "a"}},
          "SELECT a, b FROM und_a UNION SELECT a, b FROM und_b WHERE a IS DISTINCT FROM 4"};
}

// A UNION ALL B UNION C: a tree whose root is UNION (distinct).
OracleScenario union_tree() {
  TableSpec a{"unt_a", key(100000), {ColumnSpec::integer("x", 0, 6, 0.1)}, 40};
  TableSpec b{"unt_b", std::nullopt, {ColumnSpec::integer("x", 0, 6, 0.1)}, 40};
  TableSpec c{"unt_c", std::nullopt, {ColumnSpec::integer("x", 3, 9, 0.1), ColumnSpec::integer("y", 0, 1)}, 40};
  return {"setop_union_tree", {a, b, c}, {},
          "SELECT x FROM unt_a UNION ALL SELECT x FROM unt_b UNION SELECT x FROM unt_c WHERE y = 1"};
}

// INTERSECT (distinct) of two tables; NULLs compare equal.
OracleScenario intersect_nulls() {
  TableSpec a{"int_a", key(100000),
              {ColumnSpec::integer("a", 1, 4, 0.2), ColumnSpec::text("b", {"p", "q"}, 0.2)}, 60};
  TableSpec b{"int_b", std::nullopt,
              {ColumnSpec::integer("a", 1, 4, 0.2), ColumnSpec::text("b", {"p", "q"}, 0.2)}, 40};
  return {"setop_intersect_nulls", {a, b}, {{0, "a", 1, "a"}},
          "SELECT a, b FROM int_a INTERSECT SELECT a, b FROM int_b"};
}

// INTERSECT where one input is a join.
OracleScenario intersect_join() {
  TableSpec dim{"inj_dim", key(8), {ColumnSpec::integer("w", 0, 3, 0.2)}, 6};
  TableSpec fact{"inj_fact", key(100000), {ColumnSpec::integer("k", 1, 9, 0.1), ColumnSpec::integer("w", 0, 3, 0.2)}, 60};
  return {"setop_intersect_join", {dim, fact}, {{0, "id", 1, "k"}},
          "SELECT f.k, d.w FROM inj_fact f JOIN inj_dim d ON d.id = f.k INTERSECT SELECT k, w FROM inj_fact"};
}

// EXCEPT (distinct) within one table: an update of `side` moves a row
// between the two inputs.
OracleScenario except_move() {
  TableSpec src{"exm_src", key(100000),
                {ColumnSpec::integer("a", 1, 4, 0.2), ColumnSpec::text("b", {"p", "q"}, 0.2),
                 ColumnSpec::integer("side", 0, 1)},
                60};
  return {"setop_except_move", {src}, {},
          "SELECT a, b FROM exm_src WHERE side = 0 EXCEPT SELECT a, b FROM exm_src WHERE side = 1"};
}

// EXCEPT (distinct) of two tables, NULLs equal.
OracleScenario except_two_tables() {
  TableSpec a{"ext_a", std::nullopt,
              {ColumnSpec::integer("a", 1, 4, 0.2), ColumnSpec::text("b", {"p", "q"}, 0.2)}, 50};
  TableSpec b{"ext_b", key(100000),
              {ColumnSpec::integer("a", 1, 4, 0.2), ColumnSpec::text("b", {"p", "q"}, 0.2)}, 30};
  return {"setop_except_two_tables", {a, b}, {{0, "a", 1, "a"}},
          "SELECT a, b FROM ext_a EXCEPT SELECT a, b FROM ext_b WHERE b IS DISTINCT FROM 'q' OR a = 1"};
}

// INTERSECT ALL of a keyed and a keyless table with duplicates on both sides:
// min(left, right) copies of each row.
OracleScenario intersect_all() {
  TableSpec a{"ia_a", key(100000),
              {ColumnSpec::integer("a", 1, 3, 0.2), ColumnSpec::text("b", {"p", "q"}, 0.2)}, 60};
  TableSpec b{"ia_b", std::nullopt,
              {ColumnSpec::integer("a", 1, 3, 0.2), ColumnSpec::text("b", {"p", "q"}, 0.2)}, 50};
  return {"setop_intersect_all", {a, b}, {{0, "a", 1, "a"}},
          "SELECT a, b FROM ia_a INTERSECT ALL SELECT a, b FROM ia_b"};
}

// EXCEPT ALL: left - right copies of each row, within one table (updates
// move rows between the inputs) and NULLs equal.
OracleScenario except_all() {
  TableSpec src{"ea_src", std::nullopt,
                {ColumnSpec::integer("a", 1, 3, 0.2), ColumnSpec::text("b", {"p", "q"}, 0.2),
                 ColumnSpec::integer("side", 0, 1)},
                80};
  return {"setop_except_all", {src}, {},
          "SELECT a, b FROM ea_src WHERE side = 0 EXCEPT ALL SELECT a, b FROM ea_src WHERE side = 1"};
}

}  // namespace

std::vector<OracleScenario> setop_oracle_scenarios() {
  return {ua_keyed_keyless(), ua_same_table(),   ua_self_keyless(),  ua_three_way(),   ua_join_branch(),
          agg_over_ua(),      join_with_ua(),    union_distinct(),   union_tree(),     intersect_nulls(),
          intersect_join(),   except_move(),     except_two_tables(), intersect_all(), except_all()};
}

}  // namespace pgt_e2e
