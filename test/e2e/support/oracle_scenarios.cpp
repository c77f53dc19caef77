#include "oracle_scenarios.h"
#include "scenario_domains.h"

namespace pgt_e2e {
namespace {

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

// --- Select-project-join shapes (DIFFERENTIAL) ------------------------------

OracleScenario scan_keyed() {
  TableSpec src{"sk_src", key(100000),
                {ColumnSpec::integer("a", -5, 20, 0.1), ColumnSpec::numeric("b", 0, 50, 0.1),
                 ColumnSpec::text("t", kWords, 0.15)},
                200};
  return {"scan_keyed", {src}, {}, "SELECT id, a, b, t FROM sk_src"};
}

OracleScenario scan_keyless() {
  // Column d is never read: updates of d alone change nothing downstream, and
  // the row identity of a keyless table must not depend on it.
  TableSpec src{"skl_src", std::nullopt,
                {ColumnSpec::integer("a", 1, 4, 0.1), ColumnSpec::text("b", {"p", "q", "r"}, 0.2),
                 ColumnSpec::numeric("c", 0, 1), ColumnSpec::integer("d", 0, 3, 0.3)},
                200};
  return {"scan_keyless", {src}, {}, "SELECT a, b, c FROM skl_src"};
}

OracleScenario scan_keyless_one_column() {
  // The query reads one nullable column of a keyless table: row identity is
  // that one value, NULL included.
  TableSpec src{"sk1_src", std::nullopt,
                {ColumnSpec::integer("a", 1, 6, 0.25), ColumnSpec::text("unused", {"p", "q"})}, 120};
  return {"scan_keyless_one_column", {src}, {},
          "SELECT a, a * 10 AS a10 FROM sk1_src WHERE a IS DISTINCT FROM 3"};
}

OracleScenario project_casts() {
  // Casts, CASE, NULL constants, immutable and stable functions (concat,
  // format and to_char are STABLE), NULL-producing expressions.
  TableSpec src{"pc_src", key(100000),
                {ColumnSpec::integer("a", -5, 12, 0.15), ColumnSpec::numeric("b", -20, 50, 0.15),
                 ColumnSpec::text("t", kWords, 0.15)},
                200};
  return {"project_casts", {src}, {},
          "SELECT id, a::text AS a_txt, b::int AS b_int, CAST(t AS varchar(3)) AS t3, (a > 5)::int AS big, "
          "nullif(a, 0) AS a_nz, greatest(a, 2) AS g, concat(t, '/', a) AS c, format('%s:%s', t, b) AS f, "
          "to_char(b, 'FM9990.00') AS ch, NULL::text AS nothing, "
          "CASE WHEN a IS NULL THEN NULL WHEN a % 2 = 0 THEN 'even' ELSE 'odd' END AS parity, "
          "length(t) AS len, b / 4 AS quarter "
          "FROM pc_src WHERE coalesce(a, 0) <> 3 AND t IS DISTINCT FROM 'beta'"};
}

OracleScenario join2() {
  TableSpec customers{"j2_customers", key(30),
                      {ColumnSpec::text("name", kWords, 0.1), ColumnSpec::integer("tier", 1, 3, 0.1)}, 20};
  TableSpec orders{"j2_orders", key(100000),
                   {ColumnSpec::integer("cust_id", 1, 33, 0.05), ColumnSpec::integer("qty", 0, 10, 0.1)}, 200};
  return {"join2", {customers, orders}, {{0, "id", 1, "cust_id"}},
          "SELECT o.id AS order_id, o.qty, c.id AS cust_id, c.name, c.tier "
          "FROM j2_orders o JOIN j2_customers c ON o.cust_id = c.id"};
}

OracleScenario join3_filtered() {
  // A filter over the result of a three-way join (a subquery in FROM), and
  // filters on each side inside it.
  TableSpec customers{"j3f_customers", key(30),
                      {ColumnSpec::text("name", kWords), ColumnSpec::text("region", kGroups, 0.1)}, 20};
  TableSpec products{"j3f_products", key(25),
                     {ColumnSpec::text("title", kWords), ColumnSpec::numeric("price", 1, 100)}, 15};
  TableSpec orders{"j3f_orders", key(100000),
                   {ColumnSpec::integer("cust_id", 1, 32, 0.05), ColumnSpec::integer("prod_id", 1, 27, 0.05),
                    ColumnSpec::integer("qty", 0, 10)},
                   200};
  return {"join3_filtered", {customers, products, orders}, {{0, "id", 2, "cust_id"}, {1, "id", 2, "prod_id"}},
          "SELECT j.order_id, j.name, j.region, j.total FROM ("
          "SELECT o.id AS order_id, c.name, c.region, o.qty * p.price AS total "
          "FROM j3f_orders o JOIN j3f_customers c ON o.cust_id = c.id "
          "JOIN j3f_products p ON p.id = o.prod_id "
          "WHERE c.region IS DISTINCT FROM 'west' AND p.price > 10) j "
          "WHERE j.total > 100 OR j.region IS NULL"};
}

OracleScenario non_equi_join() {
  // Each point joins every band whose [lo, lo + width] contains it: zero,
  // one or several. The link deletes points at x = v and bands starting at v.
  TableSpec points{"ne_points", key(100000),
                   {ColumnSpec::integer("x", 0, 60, 0.05), ColumnSpec::text("tag", kWords)}, 150};
  TableSpec bands{"ne_bands", key(40),
                  {ColumnSpec::integer("lo", 0, 55, 0.05), ColumnSpec::integer("width", 0, 8),
                   ColumnSpec::text("label", kGroups)},
                  25};
  return {"non_equi_join", {points, bands}, {{0, "x", 1, "lo"}},
          "SELECT p.id AS point_id, p.x, p.tag, b.id AS band_id, b.label "
          "FROM ne_points p JOIN ne_bands b ON p.x BETWEEN b.lo AND b.lo + b.width"};
}

OracleScenario join_subquery() {
  TableSpec customers{"jsq_customers", key(30),
                      {ColumnSpec::text("name", kWords), ColumnSpec::text("region", kGroups, 0.2)}, 20};
  TableSpec orders{"jsq_orders", key(100000),
                   {ColumnSpec::integer("cust_id", 1, 33, 0.05), ColumnSpec::integer("qty", 0, 10, 0.1)}, 200};
  return {"join_subquery", {customers, orders}, {{0, "id", 1, "cust_id"}},
          "SELECT o.id AS order_id, o.qty, s.cname, s.region "
          "FROM jsq_orders o JOIN (SELECT id, upper(name) AS cname, region FROM jsq_customers "
          "WHERE region IS NOT NULL) s ON o.cust_id = s.id WHERE o.qty IS DISTINCT FROM 0"};
}

OracleScenario self_join() {
  // Employees and their managers: one table scanned twice, so one change
  // feeds both sides of the join (and the link deletes a manager together
  // with the employees reporting to them).
  TableSpec emp{"sj_emp", key(80),
                {ColumnSpec::text("name", kWords), ColumnSpec::integer("mgr", 1, 85, 0.1)}, 60};
  return {"self_join", {emp}, {{0, "mgr", 0, "id"}},
          "SELECT e.id AS emp_id, e.name, m.id AS mgr_id, m.name AS mgr_name "
          "FROM sj_emp e JOIN sj_emp m ON e.mgr = m.id"};
}

OracleScenario self_join_keyless() {
  // Keyless self-join with a non-equi condition: duplicates multiply.
  TableSpec src{"sjk_src", std::nullopt,
                {ColumnSpec::integer("k", 1, 6, 0.05), ColumnSpec::integer("v", 0, 4, 0.1),
                 ColumnSpec::text("w", {"x", "y"})},
                60};
  return {"self_join_keyless", {src}, {{0, "k", 0, "k"}},
          "SELECT a.k, a.v AS v1, b.v AS v2, b.w FROM sjk_src a JOIN sjk_src b ON a.k = b.k AND a.v < b.v"};
}

OracleScenario keyed_keyless_join() {
  TableSpec keyed{"kk_keyed", key(100000),
                  {ColumnSpec::integer("k", 1, 15, 0.1), ColumnSpec::text("x", kWords)}, 120};
  TableSpec keyless{"kk_keyless", std::nullopt,
                    {ColumnSpec::integer("k", 1, 12, 0.1), ColumnSpec::integer("v", 0, 3, 0.1)}, 80};
  return {"keyed_keyless_join", {keyed, keyless}, {{0, "k", 1, "k"}},
          "SELECT e.id, e.k, e.x, l.v FROM kk_keyed e JOIN kk_keyless l ON e.k = l.k"};
}

OracleScenario view_source() {
  // A view over a view (both inlined) joined with a table.
  TableSpec src{"vw_src", key(100000),
                {ColumnSpec::integer("grp", 1, 13, 0.05), ColumnSpec::integer("amount", -10, 50, 0.1),
                 ColumnSpec::integer("flag", 0, 2)},
                200};
  TableSpec dim{"vw_dim", key(12), {ColumnSpec::text("label", kWords, 0.1)}, 10};
  return {"view_source",
          {src, dim},
          {{1, "id", 0, "grp"}},
          "SELECT v.id, v.grp, v.dbl, d.label FROM vw_big v JOIN vw_dim d ON v.grp = d.id",
          {"CREATE VIEW vw_flagged AS SELECT id, grp, amount * 2 AS dbl FROM vw_src WHERE flag <> 0",
           "CREATE VIEW vw_big AS SELECT * FROM vw_flagged WHERE dbl > 0 OR dbl IS NULL"}};
}

}  // namespace

std::vector<OracleScenario> basic_oracle_scenarios() {
  return {filter_project(), join3(),     group_aggregate(),    distinct(),
          union_all(),      left_join(), keyless_duplicates(), subquery_in_from()};
}

// WITH: common table expressions are inlined where they are read.
OracleScenario with_cte_join() {
  // Two CTEs, the second reading the first; one read twice (a self-join).
  TableSpec customers{"wc_customers", key(30),
                      {ColumnSpec::text("name", kWords, 0.1), ColumnSpec::integer("tier", 1, 3, 0.1)}, 20};
  TableSpec orders{"wc_orders", key(100000),
                   {ColumnSpec::integer("cust_id", 1, 33, 0.05), ColumnSpec::integer("qty", 0, 10, 0.1)}, 200};
  return {"with_cte_join", {customers, orders}, {{0, "id", 1, "cust_id"}},
          "WITH big AS (SELECT id, cust_id, qty FROM wc_orders WHERE qty > 2), "
          "named AS MATERIALIZED (SELECT b.id, b.qty, c.name, c.tier FROM big b JOIN wc_customers c ON c.id = b.cust_id) "
          "SELECT n1.id, n1.name, n1.qty, n2.tier FROM named n1 JOIN named n2 ON n2.id = n1.id"};
}

OracleScenario with_cte_grouped() {
  // A grouping over a CTE, and a CTE in a FROM subquery.
  TableSpec src{"wg_src", key(100000),
                {ColumnSpec::integer("g", 1, 8, 0.1), ColumnSpec::integer("v", -5, 40, 0.15)}, 200};
  return {"with_cte_grouped", {src}, {},
          "WITH pos AS (SELECT g, v FROM wg_src WHERE v > 0) "
          "SELECT s.g, count(*) AS n, sum(s.v) AS total, max(s.v) AS top "
          "FROM (WITH doubled AS (SELECT g, v * 2 AS v FROM pos) SELECT * FROM doubled) s GROUP BY s.g"};
}

std::vector<OracleScenario> differential_oracle_scenarios() {
  return {scan_keyed(),     scan_keyless(),       scan_keyless_one_column(), keyless_duplicates(), filter_project(),
          project_casts(),  join2(),              join3(),              join3_filtered(),
          non_equi_join(),  join_subquery(),      self_join(),          self_join_keyless(),
          keyed_keyless_join(), view_source(),  with_cte_join(),      with_cte_grouped()};
}

void PrintTo(const OracleScenario& scenario, std::ostream* os) { *os << scenario.name; }

}  // namespace pgt_e2e
