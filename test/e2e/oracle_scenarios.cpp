#include "oracle_scenarios.h"

namespace pgt_e2e {
namespace {

// Key columns draw unique values from [1, hi]: dimension tables use a small
// range so deleted keys come back and join partners appear and disappear.
ColumnSpec key(std::int64_t hi) { return ColumnSpec::integer("id", 1, hi); }

const std::vector<std::string> kWords{"alpha", "beta", "gamma", "o'brien", ""};
const std::vector<std::string> kGroups{"north", "south", "east", "west"};

OracleScenario filter_project() {
  TableSpec src{"fp_src", key(100000),
                {ColumnSpec::integer("a", -5, 20, 0.1), ColumnSpec::numeric("b", 0, 50, 0.1),
                 ColumnSpec::text("t", kWords, 0.15)},
                200};
  return {"filter_project", {src}, {},
          "SELECT id, a * 2 + 1 AS a2, "
          "CASE WHEN b IS NULL THEN 'none' WHEN b > 25 THEN 'high' ELSE 'low' END AS b_class, "
          "coalesce(upper(t), '?') AS ut, b * a AS ba "
          "FROM fp_src WHERE a > 3 OR t IS NULL OR b BETWEEN 10 AND 20"};
}

OracleScenario join3() {
  TableSpec customers{"j3_customers", key(30),
                      {ColumnSpec::text("name", kWords), ColumnSpec::text("region", kGroups, 0.1)}, 20};
  TableSpec products{"j3_products", key(25),
                     {ColumnSpec::text("title", kWords), ColumnSpec::numeric("price", 1, 100)}, 15};
  // Foreign-key-like columns range a little past the dimension keys: some
  // orders have no partner, and NULLs never join.
  TableSpec orders{"j3_orders", key(100000),
                   {ColumnSpec::integer("cust_id", 1, 32, 0.05), ColumnSpec::integer("prod_id", 1, 27, 0.05),
                    ColumnSpec::integer("qty", 0, 10)},
                   250};
  return {"join3", {customers, products, orders}, {{0, "id", 2, "cust_id"}, {1, "id", 2, "prod_id"}},
          "SELECT o.id AS order_id, c.name, c.region, p.title, o.qty * p.price AS total "
          "FROM j3_orders o JOIN j3_customers c ON o.cust_id = c.id "
          "JOIN j3_products p ON o.prod_id = p.id WHERE o.qty > 1"};
}

OracleScenario group_aggregate() {
  TableSpec src{"ga_src", key(100000),
                {ColumnSpec::text("grp", kGroups, 0.15), ColumnSpec::integer("sub", 1, 3, 0.1),
                 ColumnSpec::integer("v", -10, 100, 0.15), ColumnSpec::numeric("w", 0, 20, 0.1)},
                200};
  return {"group_aggregate", {src}, {},
          "SELECT grp, sub, count(*) AS n, count(v) AS nv, sum(v) AS sv, avg(v) AS av, sum(w) AS sw "
          "FROM ga_src GROUP BY grp, sub"};
}

OracleScenario distinct() {
  TableSpec src{"ds_src", std::nullopt,
                {ColumnSpec::integer("a", 1, 5, 0.1), ColumnSpec::text("b", {"x", "y", "z"}, 0.1),
                 ColumnSpec::integer("c", 0, 3)},
                150};
  return {"distinct", {src}, {}, "SELECT DISTINCT a, b FROM ds_src"};
}

OracleScenario union_all() {
  TableSpec left{"ua_left", key(100000),
                 {ColumnSpec::text("g", kGroups, 0.1), ColumnSpec::integer("v", 0, 9, 0.1)}, 120};
  TableSpec right{"ua_right", std::nullopt,
                  {ColumnSpec::text("g", kGroups, 0.1), ColumnSpec::integer("v", 0, 9, 0.1)}, 120};
  return {"union_all", {left, right}, {},
          "SELECT g, v, 'L' AS side FROM ua_left WHERE v > 2 "
          "UNION ALL SELECT g, v, 'R' AS side FROM ua_right"};
}

OracleScenario left_join() {
  TableSpec left{"lj_left", key(100000),
                 {ColumnSpec::integer("k", 1, 15, 0.1), ColumnSpec::text("x", kWords)}, 150};
  TableSpec right{"lj_right", std::nullopt,
                  {ColumnSpec::integer("k", 1, 12, 0.1), ColumnSpec::integer("v", 0, 9, 0.1)}, 80};
  return {"left_join", {left, right}, {{0, "k", 1, "k"}},
          "SELECT l.id, l.k, l.x, r.v FROM lj_left l LEFT JOIN lj_right r ON l.k = r.k"};
}

OracleScenario keyless_duplicates() {
  // Tiny domains: most rows have several exact duplicates.
  TableSpec src{"kl_src", std::nullopt,
                {ColumnSpec::integer("a", 1, 3), ColumnSpec::text("b", {"p", "q"}, 0.2),
                 ColumnSpec::numeric("c", 0, 1)},
                200};
  return {"keyless_duplicates", {src}, {}, "SELECT a, b, c FROM kl_src WHERE a <> 2 OR b IS NULL"};
}

OracleScenario subquery_in_from() {
  TableSpec src{"sq_src", key(100000),
                {ColumnSpec::text("g", kGroups, 0.1), ColumnSpec::integer("v", 0, 50, 0.1)}, 150};
  return {"subquery_in_from", {src}, {},
          "SELECT s.g, s.total, s.n FROM "
          "(SELECT g, sum(v) AS total, count(*) AS n FROM sq_src GROUP BY g) s WHERE s.n > 1"};
}

}  // namespace

std::vector<OracleScenario> basic_oracle_scenarios() {
  return {filter_project(), join3(),     group_aggregate(),    distinct(),
          union_all(),      left_join(), keyless_duplicates(), subquery_in_from()};
}

void PrintTo(const OracleScenario& scenario, std::ostream* os) { *os << scenario.name; }

}  // namespace pgt_e2e
