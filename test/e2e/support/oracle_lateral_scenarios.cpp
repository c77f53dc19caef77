#include "oracle_lateral_scenarios.h"
#include "scenario_domains.h"

namespace pgt_e2e {
namespace {

const std::vector<std::string> kArrays{"'{}'", "'{1}'", "'{1,2}'", "'{3,3,1}'", "'{2,NULL}'", "'{4,5,6,7}'"};
const std::vector<std::string> kJsonArrays{"'[]'", "'[1]'", "'[1, 2]'", "'[\"a\", {\"b\": 1}]'", "'[null, 1, 1]'"};

OracleScenario unnest_array() {
  TableSpec src{"lun_src", key(100000),
                {ColumnSpec::from_literals("arr", ColType::IntArray, kArrays, 0.1), ColumnSpec::integer("v", 0, 9)}, 40};
  return {"unnest_array", {src}, {}, "SELECT s.id, u.x, s.v FROM lun_src s, unnest(s.arr) AS u(x)"};
}

OracleScenario jsonb_elements_keyless() {
  TableSpec src{"lje_src", std::nullopt,
                {ColumnSpec::from_literals("j", ColType::Jsonb, kJsonArrays, 0.1), ColumnSpec::integer("g", 1, 3)}, 30};
  return {"jsonb_elements_keyless", {src}, {},
          "SELECT s.g, e.value::text AS element FROM lje_src s CROSS JOIN LATERAL jsonb_array_elements(s.j) AS e"};
}

OracleScenario series_per_row_grouped() {
  TableSpec src{"lsg_src", key(100000),
                {ColumnSpec::integer("k", 0, 4, 0.1), ColumnSpec::integer("v", 0, 9, 0.1)}, 40};
  return {"series_per_row_grouped", {src}, {},
          "SELECT g.i, count(*) AS n, sum(s.v) AS sv FROM lsg_src s, generate_series(1, s.k) AS g(i) GROUP BY g.i"};
}

OracleScenario ordinality_next_to_join() {
  TableSpec fact{"lnj_fact", std::nullopt,
                 {ColumnSpec::integer("g", 1, 6, 0.1), ColumnSpec::from_literals("arr", ColType::IntArray, kArrays, 0.1)},
                 40};
  TableSpec dim{"lnj_dim", key(8), {ColumnSpec::text("label", kWords, 0.1)}, 6};
  return {"ordinality_next_to_join", {fact, dim}, {{0, "g", 1, "id"}},
          "SELECT d.label, u.x, u.pos FROM lnj_fact f JOIN lnj_dim d ON d.id = f.g, "
          "unnest(f.arr) WITH ORDINALITY AS u(x, pos)",
          kAnalyze};
}

OracleScenario rows_from_two_functions() {
  TableSpec src{"lrf_src", key(100000),
                {ColumnSpec::from_literals("arr", ColType::IntArray, kArrays, 0.1), ColumnSpec::integer("k", 0, 3, 0.1)},
                40};
  return {"rows_from_two_functions", {src}, {},
          "SELECT s.id, r.x, r.y FROM lrf_src s, ROWS FROM (unnest(s.arr), generate_series(1, s.k)) AS r(x, y)"};
}

OracleScenario constant_series_in_condition() {
  TableSpec src{"lcs_src", std::nullopt, {ColumnSpec::integer("v", 0, 5, 0.1)}, 30};
  return {"constant_series_in_condition", {src}, {},
          "SELECT s.v, c.m FROM lcs_src s, generate_series(1, 3) AS c(m) WHERE s.v > c.m"};
}

OracleScenario values_joined() {
  // A VALUES list with duplicate rows joined to a table, and grouped.
  TableSpec src{"lvj_src", key(100000), {ColumnSpec::integer("n", 0, 3, 0.1), ColumnSpec::integer("v", 0, 9)}, 40};
  return {"values_joined", {src}, {},
          "SELECT s.id, m.label, m.w * s.v AS weighted FROM lvj_src s "
          "JOIN (VALUES (0, 'zero', 1), (1, 'one', 2), (1, 'one', 2), (2, 'two', NULL)) AS m(n, label, w) ON m.n = s.n"};
}

OracleScenario values_grouped_keyless() {
  TableSpec src{"lvg_src", std::nullopt, {ColumnSpec::integer("n", 0, 4, 0.1)}, 30};
  return {"values_grouped_keyless", {src}, {},
          "SELECT t.k, count(s.n) AS n FROM (VALUES (1), (2), (3)) AS t(k) JOIN lvg_src s ON s.n >= t.k GROUP BY t.k"};
}

OracleScenario select_list_unnest() {
  // A set-returning function in the select list (rewritten into FROM).
  TableSpec src{"lsu_src", key(100000),
                {ColumnSpec::from_literals("arr", ColType::IntArray, kArrays, 0.1), ColumnSpec::integer("v", 0, 9)}, 40};
  return {"select_list_unnest", {src}, {}, "SELECT id, unnest(arr) AS x, v FROM lsu_src WHERE v <> 3"};
}

OracleScenario select_list_functions_in_lockstep() {
  // Two of different lengths run in lockstep (the shorter padded with
  // NULLs), one inside an expression; keyless.
  TableSpec src{"lsl_src", std::nullopt,
                {ColumnSpec::from_literals("arr", ColType::IntArray, kArrays, 0.1), ColumnSpec::integer("k", 0, 3, 0.1)},
                30};
  return {"select_list_functions_in_lockstep", {src}, {},
          "SELECT k, unnest(arr) AS x, generate_series(1, k) * 10 AS y FROM lsl_src"};
}

OracleScenario lateral_join_subquery() {
  // A LATERAL subquery that is select-project-join: a join whose condition
  // reads the row beside it (equality and a range), keyless on one side.
  TableSpec a{"llj_a", key(100000), {ColumnSpec::integer("g", 1, 5, 0.1), ColumnSpec::integer("lim", 0, 4, 0.1)}, 30};
  TableSpec b{"llj_b", std::nullopt, {ColumnSpec::integer("g", 1, 5, 0.1), ColumnSpec::integer("v", 0, 6, 0.1)}, 30};
  return {"lateral_join_subquery", {a, b}, {{0, "g", 1, "g"}},
          "SELECT a.id, x.v, x.w FROM llj_a a, LATERAL (SELECT b.v, b.v * a.lim AS w FROM llj_b b "
          "WHERE b.g = a.g AND b.v <= a.lim) x",
          kAnalyze};
}

}  // namespace

std::vector<OracleScenario> lateral_oracle_scenarios() {
  return {unnest_array(),           jsonb_elements_keyless(),  series_per_row_grouped(),
          ordinality_next_to_join(), rows_from_two_functions(), constant_series_in_condition(),
          values_joined(),          values_grouped_keyless(),   select_list_unnest(),
          select_list_functions_in_lockstep(), lateral_join_subquery()};
}

}  // namespace pgt_e2e
