#include "adversarial_scenarios.h"
#include "scenario_domains.h"

namespace pgt_e2e {
namespace {

AdversarialScenario expressions_over_join() {
  TableSpec customers{"ex_customers", key(30),
                      {ColumnSpec::text("name", kCased, 0.1), ColumnSpec::integer("tier", 1, 3, 0.1),
                       ColumnSpec::numeric("balance", -50, 200, 0.1)},
                      20};
  TableSpec orders{"ex_orders", key(100000),
                   {ColumnSpec::integer("cust_id", 1, 32, 0.05), ColumnSpec::integer("qty", 0, 10, 0.1),
                    ColumnSpec::text("note", kWords, 0.2), ColumnSpec::integer("day", 0, 400)},
                   150};
  return {{"expressions_over_join", {customers, orders}, {{0, "id", 1, "cust_id"}},
           "SELECT o.id, c.id AS cid, "
           "CASE WHEN c.tier IS NULL THEN 'none' WHEN c.tier >= 2 AND o.qty > 5 THEN 'big:' || c.tier "
           "ELSE 'small' END AS klass, "
           "COALESCE(o.note, c.name, '?') AS label, (o.qty * c.balance)::numeric(14,1) AS value, "
           "upper(substr(c.name, 1, 2)) || '-' || lpad(o.qty::text, 3, '0') AS code, "
           "DATE '2024-01-01' + o.day::int AS order_date, "
           "(DATE '2024-01-31' + make_interval(months => coalesce(c.tier, 0)::int))::date AS due, "
           "extract(dow FROM DATE '2024-01-01' + o.day::int)::int AS dow, "
           "length(replace(coalesce(o.note, ''), 'a', '')) AS len "
           "FROM ex_orders o JOIN ex_customers c ON c.id = o.cust_id "
           "WHERE o.qty IS DISTINCT FROM 0 AND (c.balance > 0 OR c.tier IS NULL)"}};
}

AdversarialScenario join_on_expressions() {
  TableSpec left{"je_left", key(100000), {ColumnSpec::text("name", kCased, 0.1), ColumnSpec::integer("x", 0, 9)}, 60};
  TableSpec right{"je_right", std::nullopt,
                  {ColumnSpec::text("name", kCased, 0.1), ColumnSpec::integer("y", 0, 5, 0.1)}, 40};
  return {{"join_on_expressions", {left, right}, {{0, "name", 1, "name"}},
           "SELECT a.id, a.name, b.name AS bname, b.y FROM je_left a JOIN je_right b "
           "ON lower(a.name) = lower(b.name) AND a.x + 1 > b.y * 2"}};
}

AdversarialScenario cross_join_where() {
  TableSpec p{"cj_p", key(40), {ColumnSpec::integer("x", 0, 10, 0.1)}, 30};
  TableSpec q{"cj_q", std::nullopt, {ColumnSpec::integer("z", 0, 10, 0.1), ColumnSpec::text("w", kWords, 0.2)}, 30};
  return {{"cross_join_where", {p, q}, {{0, "x", 1, "z"}},
           "SELECT p.id, p.x, q.z, q.w FROM cj_p p, cj_q q WHERE (p.x <= q.z AND q.w IS NOT NULL) "
           "OR (p.x > 8 AND q.z < 2)",
           kAnalyze}};
}

AdversarialScenario join_with_or() {
  TableSpec orders{"oj_orders", key(100000),
                   {ColumnSpec::integer("k1", 1, 14, 0.1), ColumnSpec::integer("k2", 1, 14, 0.1)}, 100};
  TableSpec dim{"oj_dim", key(12), {ColumnSpec::text("label", kWords)}, 10};
  return {{"join_with_or", {orders, dim}, {{1, "id", 0, "k1"}, {1, "id", 0, "k2"}},
           "SELECT o.id, d.id AS did, d.label FROM oj_orders o JOIN oj_dim d ON o.k1 = d.id OR o.k2 = d.id"}};
}

AdversarialScenario five_way_join() {
  TableSpec fact{"fw_fact", key(100000),
                 {ColumnSpec::integer("d1", 1, 9, 0.05), ColumnSpec::integer("d2", 1, 9, 0.05),
                  ColumnSpec::integer("d4", 1, 9, 0.05), ColumnSpec::integer("amt", 0, 20)},
                 120};
  TableSpec d1{"fw_d1", key(8), {ColumnSpec::text("label", kWords)}, 6};
  TableSpec d2{"fw_d2", key(8), {ColumnSpec::text("label", kRegions), ColumnSpec::integer("parent", 1, 6)}, 6};
  TableSpec d3{"fw_d3", key(6), {ColumnSpec::text("label", kCased)}, 5};
  TableSpec d4{"fw_d4", key(8), {ColumnSpec::integer("v", 0, 3)}, 6};
  return {{"five_way_join", {fact, d1, d2, d3, d4}, {{1, "id", 0, "d1"}, {2, "id", 0, "d2"}, {3, "id", 2, "parent"}},
           "SELECT f.id, d1.label AS l1, d2.label AS l2, d3.label AS l3, d4.v AS v4, f.amt "
           "FROM fw_fact f JOIN fw_d1 d1 ON f.d1 = d1.id JOIN fw_d2 d2 ON f.d2 = d2.id "
           "JOIN fw_d3 d3 ON d3.id = d2.parent JOIN fw_d4 d4 ON d4.id = f.d4 AND d4.v >= f.amt % 3",
           kAnalyze}};
}

AdversarialScenario same_table_three_times() {
  TableSpec emp{"t3_emp", key(60), {ColumnSpec::text("name", kWords), ColumnSpec::integer("mgr", 1, 65, 0.1)}, 45};
  return {{"same_table_three_times", {emp}, {{0, "mgr", 0, "id"}},
           "SELECT e.id, e.name, m.name AS mgr_name, g.id AS grand_id, g.name AS grand_name "
           "FROM t3_emp e JOIN t3_emp m ON e.mgr = m.id JOIN t3_emp g ON m.mgr = g.id"}};
}

AdversarialScenario keyless_three_times() {
  TableSpec src{"k3_src", std::nullopt, {ColumnSpec::integer("k", 1, 4, 0.05), ColumnSpec::integer("v", 0, 3)}, 22};
  return {{"keyless_three_times", {src}, {{0, "k", 0, "v"}},
           "SELECT a.k, a.v AS v1, b.v AS v2, c.k AS k3 FROM k3_src a JOIN k3_src b ON a.k = b.k "
           "JOIN k3_src c ON b.v = c.v WHERE a.v <= c.k",
           kAnalyze}};
}

AdversarialScenario nested_subqueries() {
  TableSpec src{"ns_src", key(100000),
                {ColumnSpec::text("g", kRegions, 0.1), ColumnSpec::integer("v", 0, 50, 0.1),
                 ColumnSpec::numeric("w", 0, 5, 0.2)},
                120};
  TableSpec dim{"ns_dim", key(12), {ColumnSpec::text("label", kWords)}, 10};
  return {{"nested_subqueries", {src, dim}, {},
           "SELECT y.id, y.score, y.tag, z.label FROM "
           "(SELECT x.id, x.score * 2 AS score, x.tag, x.g2 FROM "
           "(SELECT id, v + coalesce(w, 0) AS score, upper(g) AS tag, length(g) AS g2 FROM ns_src "
           "WHERE v IS NOT NULL) x WHERE x.score > 5) y "
           "JOIN (SELECT d0.id, d0.label FROM (SELECT id, label FROM ns_dim WHERE label <> '') d0) z "
           "ON z.id = y.g2 + (y.score::int % 3)"}};
}

AdversarialScenario views_over_join() {
  TableSpec customers{"vj_customers", key(30),
                      {ColumnSpec::text("name", kWords), ColumnSpec::text("region", kRegions, 0.1)}, 20};
  TableSpec orders{"vj_orders", key(100000),
                   {ColumnSpec::integer("cust_id", 1, 32, 0.05), ColumnSpec::integer("qty", 0, 10)}, 150};
  TableSpec regions{"vj_regions", key(10),
                    {ColumnSpec::text("region", kRegions), ColumnSpec::text("manager", kWords, 0.1)}, 6};
  return {{"views_over_join",
           {customers, orders, regions},
           {{0, "id", 1, "cust_id"}, {2, "region", 0, "region"}},
           "SELECT v.id, v.qty, v.name, r.manager FROM vj_view2 v JOIN vj_regions r ON r.region = v.region",
           {"CREATE VIEW vj_view AS SELECT o.id, o.qty, c.name, c.region FROM vj_orders o "
            "JOIN vj_customers c ON c.id = o.cust_id WHERE o.qty > 2",
            "CREATE VIEW vj_view2 AS SELECT * FROM vj_view WHERE region IS DISTINCT FROM 'west'"}}};
}

AdversarialScenario quoted_and_keyword_names() {
  TableSpec items{"Other Schema.Order Items", ColumnSpec::integer("Item Id", 1, 100000),
                  {ColumnSpec::integer("Order", 1, 25, 0.05), ColumnSpec::numeric("Unit Price", 0, 30, 0.1),
                   ColumnSpec::text("select", kWords, 0.1)},
                  120};
  TableSpec orders{"order", ColumnSpec::integer("from", 1, 22),
                   {ColumnSpec::text("Customer Name", kCased), ColumnSpec::integer("where", 0, 3)}, 15};
  return {{"quoted_and_keyword_names",
           {items, orders},
           {{1, "from", 0, "Order"}},
           "SELECT i.\"Item Id\" AS \"order\", o.\"from\" AS \"Item Id\", o.\"Customer Name\" AS \"select\", "
           "i.\"Unit Price\" * 2 AS \"Unit Price\", i.\"select\" AS \"from\", o.\"where\" "
           "FROM \"Other Schema\".\"Order Items\" i JOIN \"order\" o ON o.\"from\" = i.\"Order\" "
           "WHERE o.\"where\" <> 2"},
          {"CREATE SCHEMA IF NOT EXISTS \"Other Schema\""}};
}

AdversarialScenario select_star_shadowing_aliases() {
  TableSpec src{"ss_src", key(100000),
                {ColumnSpec::integer("a", 0, 6, 0.1), ColumnSpec::text("b", kWords, 0.1), ColumnSpec::numeric("c", 0, 9)},
                100};
  return {{"select_star_shadowing_aliases", {src}, {},
           "SELECT * FROM (SELECT id AS a_id, b AS a, a AS b, c * 2 AS c FROM ss_src WHERE a IS NOT NULL) s "
           "WHERE s.b > 2"}};
}

}  // namespace

std::vector<AdversarialScenario> adversarial_oracle_scenarios() {
  return {expressions_over_join(), join_on_expressions(),  cross_join_where(),       join_with_or(),
          five_way_join(),         same_table_three_times(), keyless_three_times(),  nested_subqueries(),
          views_over_join(),       quoted_and_keyword_names(), select_star_shadowing_aliases()};
}

void PrintTo(const AdversarialScenario& s, std::ostream* os) { *os << s.scenario.name; }

}  // namespace pgt_e2e
