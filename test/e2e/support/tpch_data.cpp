#include "tpch_data.h"

#include <algorithm>
#include <cmath>

#include "stream_table.h"

namespace pgt_e2e {
namespace {

std::string n(long long v) { return std::to_string(v); }

// The specification's word lists (clause 4.2.2.13) and a comment vocabulary
// of our own holding the words the queries search for.
const char* kColors =
    "ARRAY['almond','antique','aquamarine','azure','beige','bisque','black','blanched','blue','blush',"
    "'brown','burlywood','burnished','chartreuse','chiffon','chocolate','coral','cornflower','cornsilk',"
    "'cream','cyan','dark','deep','dim','dodger','drab','firebrick','floral','forest','frosted','gainsboro',"
    "'ghost','goldenrod','green','grey','honeydew','hot','indian','ivory','khaki','lace','lavender','lawn',"
    "'lemon','light','lime','linen','magenta','maroon','medium','metallic','midnight','mint','misty',"
    "'moccasin','navajo','navy','olive','orange','orchid','pale','papaya','peach','peru','pink','plum',"
    "'powder','puff','purple','red','rose','rosy','royal','saddle','salmon','sandy','seashell','sienna',"
    "'sky','slate','smoke','snow','spring','steel','tan','thistle','tomato','turquoise','violet','wheat',"
    "'white','yellow']";
const char* kWords =
    "ARRAY['furiously','carefully','quickly','slyly','blithely','final','regular','express','ironic',"
    "'pending','special','bold','even','silent','unusual','requests','deposits','accounts','packages',"
    "'instructions','theodolites','foxes','ideas','platelets','pinto','beans','dependencies','asymptotes',"
    "'sleep','wake','haggle','nag','use','cajole','detect','integrate','among','above','after','along']";
const char* kTypes1 = "ARRAY['STANDARD','SMALL','MEDIUM','LARGE','ECONOMY','PROMO']";
const char* kTypes2 = "ARRAY['ANODIZED','BURNISHED','PLATED','POLISHED','BRUSHED']";
const char* kTypes3 = "ARRAY['TIN','NICKEL','BRASS','STEEL','COPPER']";
const char* kCont1 = "ARRAY['SM','LG','MED','JUMBO','WRAP']";
const char* kCont2 = "ARRAY['CASE','BOX','BAG','JAR','PKG','PACK','CAN','DRUM']";
const char* kQ19Cont = "ARRAY['CASE','BOX','PACK','PKG']";
const char* kSegments = "ARRAY['AUTOMOBILE','BUILDING','FURNITURE','MACHINERY','HOUSEHOLD']";
const char* kPriorities = "ARRAY['1-URGENT','2-HIGH','3-MEDIUM','4-NOT SPECIFIED','5-LOW']";
const char* kInstructions = "ARRAY['DELIVER IN PERSON','COLLECT COD','NONE','TAKE BACK RETURN']";
const char* kModes = "ARRAY['REG AIR','AIR','RAIL','SHIP','TRUCK','MAIL','FOB']";

// The generator's functions. The seed is a literal in tpch_rand's body, so
// every later call (the changes too) draws from the same seeded stream.
std::string functions_sql(long long seed) {
  return "CREATE FUNCTION tpch_rand(tag text, k bigint, lo bigint, hi bigint) RETURNS bigint "
         "LANGUAGE sql IMMUTABLE AS $f$ SELECT lo + (('x' || substr(md5('" + n(seed) +
         ":' || tag || ':' || k), 1, 12))::bit(48)::bigint % (hi - lo + 1)) $f$;"
         "CREATE FUNCTION tpch_pick(tag text, k bigint, words text[]) RETURNS text "
         "LANGUAGE sql IMMUTABLE AS $f$ SELECT words[1 + tpch_rand(tag, k, 0, array_length(words, 1) - 1)] $f$;"
         // Four words (inlined by the planner: no FROM, so generation stays fast).
         "CREATE FUNCTION tpch_words(tag text, k bigint, words text[]) RETURNS text "
         "LANGUAGE sql IMMUTABLE AS $f$ SELECT tpch_pick(tag || '.1', k, words) || ' ' || "
         "tpch_pick(tag || '.2', k, words) || ' ' || tpch_pick(tag || '.3', k, words) || ' ' || "
         "tpch_pick(tag || '.4', k, words) $f$;"
         "CREATE FUNCTION tpch_comment(tag text, k bigint) RETURNS text "
         "LANGUAGE sql IMMUTABLE AS $f$ SELECT tpch_words(tag, k, " + std::string(kWords) + ") || "
         "CASE WHEN tpch_rand(tag || '.n', k, 0, 1) = 1 THEN ' ' || tpch_words(tag || '.x', k, " +
         std::string(kWords) + ") ELSE '' END $f$;"
         // Country code 10 + nation, as the specification's phone numbers.
         "CREATE FUNCTION tpch_phone(tag text, k bigint, nation int) RETURNS text "
         "LANGUAGE sql IMMUTABLE AS $f$ SELECT (10 + nation) || '-' || tpch_rand(tag || '.1', k, 100, 999) || '-' "
         "|| tpch_rand(tag || '.2', k, 100, 999) || '-' || tpch_rand(tag || '.3', k, 1000, 9999) $f$;"
         "CREATE FUNCTION tpch_address(tag text, k bigint) RETURNS text "
         "LANGUAGE sql IMMUTABLE AS $f$ SELECT substr(md5(tag || k) || md5(k || tag), 1, "
         "10 + tpch_rand(tag, k, 0, 30)::int) $f$;";
}

// The specification's column types and primary keys (clause 1.4).
const char* kSchema =
    "CREATE TABLE region (r_regionkey integer PRIMARY KEY, r_name char(25) NOT NULL, "
    "r_comment varchar(152));"
    "CREATE TABLE nation (n_nationkey integer PRIMARY KEY, n_name char(25) NOT NULL, "
    "n_regionkey integer NOT NULL, n_comment varchar(152));"
    "CREATE TABLE supplier (s_suppkey integer PRIMARY KEY, s_name char(25) NOT NULL, "
    "s_address varchar(40) NOT NULL, s_nationkey integer NOT NULL, s_phone char(15) NOT NULL, "
    "s_acctbal decimal(15,2) NOT NULL, s_comment varchar(101) NOT NULL);"
    "CREATE TABLE part (p_partkey integer PRIMARY KEY, p_name varchar(55) NOT NULL, "
    "p_mfgr char(25) NOT NULL, p_brand char(10) NOT NULL, p_type varchar(25) NOT NULL, "
    "p_size integer NOT NULL, p_container char(10) NOT NULL, p_retailprice decimal(15,2) NOT NULL, "
    "p_comment varchar(23) NOT NULL);"
    "CREATE TABLE partsupp (ps_partkey integer NOT NULL, ps_suppkey integer NOT NULL, "
    "ps_availqty integer NOT NULL, ps_supplycost decimal(15,2) NOT NULL, ps_comment varchar(199) NOT NULL, "
    "PRIMARY KEY (ps_partkey, ps_suppkey));"
    "CREATE TABLE customer (c_custkey integer PRIMARY KEY, c_name varchar(25) NOT NULL, "
    "c_address varchar(40) NOT NULL, c_nationkey integer NOT NULL, c_phone char(15) NOT NULL, "
    "c_acctbal decimal(15,2) NOT NULL, c_mktsegment char(10) NOT NULL, c_comment varchar(117) NOT NULL);"
    "CREATE TABLE orders (o_orderkey integer PRIMARY KEY, o_custkey integer NOT NULL, "
    "o_orderstatus char(1) NOT NULL, o_totalprice decimal(15,2) NOT NULL, o_orderdate date NOT NULL, "
    "o_orderpriority char(15) NOT NULL, o_clerk char(15) NOT NULL, o_shippriority integer NOT NULL, "
    "o_comment varchar(79) NOT NULL);"
    "CREATE TABLE lineitem (l_orderkey integer NOT NULL, l_partkey integer NOT NULL, "
    "l_suppkey integer NOT NULL, l_linenumber integer NOT NULL, l_quantity decimal(15,2) NOT NULL, "
    "l_extendedprice decimal(15,2) NOT NULL, l_discount decimal(15,2) NOT NULL, "
    "l_tax decimal(15,2) NOT NULL, l_returnflag char(1) NOT NULL, l_linestatus char(1) NOT NULL, "
    "l_shipdate date NOT NULL, l_commitdate date NOT NULL, l_receiptdate date NOT NULL, "
    "l_shipinstruct char(25) NOT NULL, l_shipmode char(10) NOT NULL, l_comment varchar(44) NOT NULL, "
    "PRIMARY KEY (l_orderkey, l_linenumber));"
    // Indexes on foreign keys (clause 1.5.7 allows them): the correlated
    // subqueries of Q2, Q17, Q20 and Q22 probe by them.
    "CREATE INDEX ON lineitem (l_partkey, l_suppkey);"
    "CREATE INDEX ON lineitem (l_suppkey);"
    "CREATE INDEX ON orders (o_custkey);"
    "CREATE INDEX ON partsupp (ps_suppkey);"
    "CREATE INDEX ON supplier (s_nationkey);"
    "CREATE INDEX ON customer (c_nationkey);";

// The specification's 25 nations and 5 regions (clause 4.2.3).
const char* kRegionsNations =
    "INSERT INTO region SELECT k, name, tpch_comment('r_comment', k) FROM (VALUES (0, 'AFRICA'), "
    "(1, 'AMERICA'), (2, 'ASIA'), (3, 'EUROPE'), (4, 'MIDDLE EAST')) v(k, name);"
    "INSERT INTO nation SELECT k, name, r, tpch_comment('n_comment', k) FROM (VALUES "
    "(0, 'ALGERIA', 0), (1, 'ARGENTINA', 1), (2, 'BRAZIL', 1), (3, 'CANADA', 1), (4, 'EGYPT', 4), "
    "(5, 'ETHIOPIA', 0), (6, 'FRANCE', 3), (7, 'GERMANY', 3), (8, 'INDIA', 2), (9, 'INDONESIA', 2), "
    "(10, 'IRAN', 4), (11, 'IRAQ', 4), (12, 'JAPAN', 2), (13, 'JORDAN', 4), (14, 'KENYA', 0), "
    "(15, 'MOROCCO', 0), (16, 'MOZAMBIQUE', 0), (17, 'PERU', 1), (18, 'CHINA', 2), (19, 'ROMANIA', 3), "
    "(20, 'SAUDI ARABIA', 4), (21, 'VIETNAM', 2), (22, 'RUSSIA', 3), (23, 'UNITED KINGDOM', 3), "
    "(24, 'UNITED STATES', 1)) v(k, name, r);";

std::string suppliers_sql(const TpchScale& s) {
  // Suppliers 1..25 in nations 0..24 (every nation has one: Q7, Q11, Q20,
  // Q21), the others anywhere; "Customer ... Complaints" (Q16) and
  // "Customer ... Recommends" comments.
  return "INSERT INTO supplier SELECT s, 'Supplier#' || lpad(s::text, 9, '0'), tpch_address('s_address', s), "
         "nat, tpch_phone('s_phone', s, nat), tpch_rand('s_acctbal', s, -99999, 999999) / 100.0, "
         "left(CASE s % 10 WHEN 7 THEN 'slyly Customer ' || tpch_comment('s_comment', s) || ' Complaints' "
         "WHEN 3 THEN 'Customer ' || tpch_comment('s_comment', s) || ' Recommends' "
         "ELSE tpch_comment('s_comment', s) END, 101) FROM (SELECT s, CASE WHEN s <= 25 THEN s - 1 "
         "ELSE tpch_rand('s_nation', s, 0, 24)::int END AS nat FROM generate_series(1, " + n(s.suppliers) + ") s) x;";
}

std::string parts_sql(const TpchScale& s) {
  return std::string("INSERT INTO part SELECT p, "
         "CASE WHEN cls = 4 THEN 'forest' ELSE tpch_pick('p_name0', p, ") + kColors + ") END || ' ' || "
         "tpch_words('p_name', p, " + kColors + "), "
         "'Manufacturer#' || CASE cls WHEN 1 THEN 2 WHEN 5 THEN 1 WHEN 6 THEN 3 ELSE m END, "
         "CASE cls WHEN 1 THEN 'Brand#23' WHEN 5 THEN 'Brand#12' WHEN 6 THEN 'Brand#34' "
         "ELSE 'Brand#' || m || tpch_rand('p_brand', p, 1, 5) END, "
         "CASE cls WHEN 2 THEN tpch_pick('p_type1', p, " + kTypes1 + ") || ' ' || tpch_pick('p_type2', p, " +
         kTypes2 + ") || ' BRASS' WHEN 3 THEN 'ECONOMY ANODIZED STEEL' "
         "ELSE tpch_pick('p_type1', p, " + kTypes1 + ") || ' ' || tpch_pick('p_type2', p, " + kTypes2 +
         ") || ' ' || tpch_pick('p_type3', p, " + kTypes3 + ") END, "
         "CASE cls WHEN 1 THEN tpch_rand('p_size', p, 1, 10) WHEN 2 THEN 15 WHEN 5 THEN tpch_rand('p_size', p, 1, 5) "
         "WHEN 6 THEN tpch_rand('p_size', p, 1, 15) ELSE tpch_rand('p_size', p, 1, 50) END, "
         "CASE cls WHEN 1 THEN 'MED BOX' WHEN 5 THEN 'SM ' || tpch_pick('p_cont', p, " + kQ19Cont + ") "
         "WHEN 6 THEN 'LG ' || tpch_pick('p_cont', p, " + kQ19Cont + ") "
         "ELSE tpch_pick('p_cont1', p, " + kCont1 + ") || ' ' || tpch_pick('p_cont2', p, " + kCont2 + ") END, "
         // The specification's retail price formula.
         "(90000 + ((p / 10) % 20001) + 100 * (p % 1000)) / 100.0, "
         "left(tpch_comment('p_comment', p), 23) "
         "FROM (SELECT p, tpch_rand('p_class', p, 0, 19) AS cls, tpch_rand('p_mfgr', p, 1, 5) AS m FROM generate_series(1, " +
         n(s.parts) + ") p) x;";
}

std::string partsupp_sql(const TpchScale& s) {
  const std::string S = n(s.suppliers);
  return "INSERT INTO partsupp SELECT p, ((p + i * (" + S + " / 4)) % " + S + ") + 1, "
         "CASE WHEN tpch_rand('p_class', p, 0, 19) = 7 THEN tpch_rand('ps_availqty', p * 4 + i, 9500, 9999) "
         "ELSE tpch_rand('ps_availqty', p * 4 + i, 1, 9999) END, "
         "CASE WHEN tpch_rand('p_class', p, 0, 19) = 7 THEN tpch_rand('ps_supplycost', p * 4 + i, 95000, 100000) "
         "ELSE tpch_rand('ps_supplycost', p * 4 + i, 100, 100000) END / 100.0, "
         "left(tpch_comment('ps_comment', p * 4 + i), 199) "
         "FROM generate_series(1, " + n(s.parts) + ") p, generate_series(0, 3) i;";
}

std::string customers_sql(const TpchScale& s) {
  return std::string("INSERT INTO customer SELECT c, 'Customer#' || lpad(c::text, 9, '0'), "
         "tpch_address('c_address', c), nat, tpch_phone('c_phone', c, nat), "
         "tpch_rand('c_acctbal', c, -99999, 999999) / 100.0, tpch_pick('c_mktsegment', c, ") + kSegments + "), "
         "left(tpch_comment('c_comment', c), 117) "
         "FROM (SELECT c, tpch_rand('c_nation', c, 0, 24)::int AS nat FROM generate_series(1, " +
         n(s.customers) + ") c) x;";
}

// Orders with keys lo..hi. As in dbgen, a customer whose key is a multiple
// of 3 places no order (Q13 and Q22 count them).
std::string orders_sql(const TpchScale& s, long long lo, long long hi) {
  const long long clerks = std::max(10LL, static_cast<long long>(std::llround(1000 * s.sf)));
  return std::string("INSERT INTO orders SELECT o, 1 + 3 * tpch_rand('o_cust3', o, 0, ") + n((s.customers - 2) / 3) +
         ") + tpch_rand('o_cust1', o, 0, 1), 'O', 0, "
         "date '1992-01-01' + tpch_rand('o_date', o, 0, date '1998-08-02' - date '1992-01-01')::int, "
         "tpch_pick('o_prio', o, " + kPriorities + "), 'Clerk#' || lpad(tpch_rand('o_clerk', o, 1, " + n(clerks) +
         ")::text, 9, '0'), 0, left(tpch_comment('o_comment', o), 79) "
         "FROM generate_series(" + n(lo) + ", " + n(hi) + ") o;";
}

// The lines of orders lo..hi: 1..7 per order (7 of quantity 44..50 when the
// key is a multiple of 100: Q18), dates and flags as the specification
// derives them (current date 1995-06-17).
std::string lineitems_sql(const TpchScale& s, long long lo, long long hi) {
  const std::string S = n(s.suppliers);
  return std::string("INSERT INTO lineitem SELECT ok, pk, ((pk + si * (") + S + " / 4)) % " + S + ") + 1, ln, q, "
         "q * ((90000 + ((pk / 10) % 20001) + 100 * (pk % 1000)) / 100.0), "
         "tpch_rand('l_discount', k, 0, 10) / 100.0, tpch_rand('l_tax', k, 0, 8) / 100.0, "
         "CASE WHEN receipt <= date '1995-06-17' THEN tpch_pick('l_returnflag', k, ARRAY['R','A']) ELSE 'N' END, "
         "CASE WHEN ship > date '1995-06-17' THEN 'O' ELSE 'F' END, ship, commitd, receipt, "
         "tpch_pick('l_shipinstruct', k, " + kInstructions + "), tpch_pick('l_shipmode', k, " + kModes + "), "
         "left(tpch_comment('l_comment', k), 44) "
         "FROM (SELECT *, ship + tpch_rand('l_receipt', k, 1, 30)::int AS receipt FROM ("
         "SELECT o_orderkey AS ok, ln, k, tpch_rand('l_part', k, 1, " + n(s.parts) + ") AS pk, "
         "tpch_rand('l_supp', k, 0, 3) AS si, "
         "CASE WHEN o_orderkey % 100 = 0 THEN tpch_rand('l_qty', k, 44, 50) ELSE tpch_rand('l_qty', k, 1, 50) END AS q, "
         "o_orderdate + tpch_rand('l_ship', k, 1, 121)::int AS ship, "
         "o_orderdate + tpch_rand('l_commit', k, 30, 90)::int AS commitd "
         "FROM (SELECT o_orderkey, o_orderdate, ln, o_orderkey::bigint * 8 + ln AS k FROM orders, "
         "generate_series(1, CASE WHEN o_orderkey % 100 = 0 THEN 7 ELSE tpch_rand('o_lines', o_orderkey, 1, 7)::int END) ln "
         "WHERE o_orderkey BETWEEN " + n(lo) + " AND " + n(hi) + ") o) l) x;";
}

// o_totalprice and o_orderstatus from the lines, as the specification.
std::string order_totals_sql(long long lo, long long hi) {
  return "UPDATE orders SET o_totalprice = t.total, o_orderstatus = t.status FROM ("
         "SELECT l_orderkey, round(sum(l_extendedprice * (1 + l_tax) * (1 - l_discount)), 2) AS total, "
         "CASE WHEN bool_and(l_linestatus = 'F') THEN 'F' WHEN bool_and(l_linestatus = 'O') THEN 'O' ELSE 'P' END "
         "AS status FROM lineitem WHERE l_orderkey BETWEEN " + n(lo) + " AND " + n(hi) +
         " GROUP BY l_orderkey) t WHERE o_orderkey = t.l_orderkey;";
}

// Keys of the orders RF1 inserts in a round: above every generated key.
long long rf1_first_key(int round) { return 100000000LL + 100000LL * round + 1; }

}  // namespace

TpchScale tpch_scale(double sf) {
  TpchScale s;
  s.sf = sf;
  s.suppliers = std::max(30LL, static_cast<long long>(std::llround(10000 * sf)));
  s.parts = std::max(100LL, static_cast<long long>(std::llround(200000 * sf)));
  s.customers = std::max(30LL, static_cast<long long>(std::llround(150000 * sf)));
  s.orders = std::max(100LL, static_cast<long long>(std::llround(1500000 * sf)));
  return s;
}

void tpch_create_and_load(PgConn& conn, const TpchScale& scale, long long seed) {
  run_in_transaction(conn, {functions_sql(seed), kSchema, kRegionsNations, suppliers_sql(scale), parts_sql(scale),
                            partsupp_sql(scale), customers_sql(scale), orders_sql(scale, 1, scale.orders),
                            lineitems_sql(scale, 1, scale.orders), order_totals_sql(1, scale.orders),
                            "ANALYZE region, nation, supplier, part, partsupp, customer, orders, lineitem"});
}

std::vector<std::string> tpch_rf1(const TpchScale& scale, int round) {
  const long long lo = rf1_first_key(round);
  const long long hi = lo + std::max(3LL, scale.orders / 200) - 1;
  return {orders_sql(scale, lo, hi), lineitems_sql(scale, lo, hi), order_totals_sql(lo, hi)};
}

std::vector<std::string> tpch_rf2(int round) {
  const std::string pick = "tpch_rand('rf2." + n(round) + "', o_orderkey, 0, 199) = 0";
  return {"DELETE FROM lineitem WHERE l_orderkey IN (SELECT o_orderkey FROM orders WHERE " + pick + ")",
          "DELETE FROM orders WHERE " + pick};
}

std::vector<std::string> tpch_updates(const TpchScale& scale, int round) {
  const std::string r = n(round);
  // Rows picked by tpch_rand(tag, key, 0, m) = 0: about 1 / (m + 1) of them.
  auto pick = [&](const std::string& tag, const std::string& key, int m) {
    return "tpch_rand('" + tag + "." + r + "', " + key + ", 0, " + n(m) + ") = 0";
  };
  const std::string lkey = "l_orderkey::bigint * 8 + l_linenumber";
  const std::string pskey = "ps_partkey::bigint * 100000 + ps_suppkey";
  std::vector<std::string> out = {
      // lineitem: quantities, prices and discounts; dates across the
      // queries' windows; return flags.
      "UPDATE lineitem SET l_quantity = tpch_rand('u_lq." + r + "', " + lkey + ", 1, 50), "
      "l_extendedprice = round(l_extendedprice / l_quantity * tpch_rand('u_lq." + r + "', " + lkey + ", 1, 50), 2), "
      "l_discount = tpch_rand('u_ld." + r + "', " + lkey + ", 0, 10) / 100.0 WHERE " + pick("u_l", lkey, 60),
      "UPDATE lineitem SET l_shipdate = l_shipdate + 45, l_receiptdate = l_receiptdate + 45, "
      "l_linestatus = CASE WHEN l_shipdate + 45 > date '1995-06-17' THEN 'O' ELSE 'F' END WHERE " +
          pick("u_ls", lkey, 80),
      "UPDATE lineitem SET l_returnflag = 'R', l_shipmode = 'MAIL' WHERE " + pick("u_lr", lkey, 120),
      // orders: priorities, dates, comments matching Q13's pattern.
      std::string("UPDATE orders SET o_orderpriority = tpch_pick('u_op.") + r + "', o_orderkey, " + kPriorities +
          "), o_orderdate = o_orderdate - 20 WHERE " + pick("u_o", "o_orderkey", 60),
      "UPDATE orders SET o_comment = left('special requests ' || o_comment, 79) WHERE " +
          pick("u_oc", "o_orderkey", 60),
      // part: type, size, price; one more part into Q17's class.
      std::string("UPDATE part SET p_type = tpch_pick('u_pt1.") + r + "', p_partkey, " + kTypes1 +
          ") || ' ' || tpch_pick('u_pt2." + r + "', p_partkey, " + kTypes2 + ") || ' ' || tpch_pick('u_pt3." + r +
          "', p_partkey, " + kTypes3 + "), p_size = tpch_rand('u_psz." + r + "', p_partkey, 1, 50) WHERE " +
          pick("u_p", "p_partkey", 30),
      "UPDATE part SET p_retailprice = p_retailprice + 1 WHERE " + pick("u_pr", "p_partkey", 20),
      "UPDATE part SET p_brand = 'Brand#23', p_container = 'MED BOX' WHERE p_partkey = (SELECT min(p_partkey) "
      "FROM part WHERE p_brand <> 'Brand#23' AND " + pick("u_pb", "p_partkey", 10) + ")",
      // partsupp: supply cost and available quantity.
      "UPDATE partsupp SET ps_supplycost = tpch_rand('u_psc." + r + "', " + pskey + ", 100, 100000) / 100.0, "
      "ps_availqty = tpch_rand('u_psa." + r + "', " + pskey + ", 1, 9999) WHERE " + pick("u_ps", pskey, 30),
      // supplier: balances; one more "Customer ... Complaints" comment.
      "UPDATE supplier SET s_acctbal = tpch_rand('u_sa." + r + "', s_suppkey, -99999, 999999) / 100.0 WHERE " +
          pick("u_s", "s_suppkey", 5),
      "UPDATE supplier SET s_comment = 'Customer ' || left(s_comment, 80) || ' Complaints' "
      "WHERE s_suppkey = (SELECT min(s_suppkey) FROM supplier WHERE s_comment NOT LIKE '%Customer%Complaints%' AND " +
          pick("u_sc", "s_suppkey", 5) + ")",
      // customer: segment, balance; a phone moved to another country code.
      std::string("UPDATE customer SET c_mktsegment = tpch_pick('u_cm.") + r + "', c_custkey, " + kSegments +
          "), c_acctbal = tpch_rand('u_ca." + r + "', c_custkey, -99999, 999999) / 100.0 WHERE " +
          pick("u_c", "c_custkey", 30),
      "UPDATE customer SET c_phone = (10 + tpch_rand('u_cpn." + r + "', c_custkey, 0, 24)) || substr(c_phone, 3) "
      "WHERE " + pick("u_cp", "c_custkey", 40),
      // nation: comments; BRAZIL renamed in odd rounds and back in even ones
      // (Q8 reads it by name).
      "UPDATE nation SET n_comment = tpch_comment('u_nc." + r + "', n_nationkey) WHERE " +
          pick("u_n", "n_nationkey", 4),
      round % 2 == 1 ? "UPDATE nation SET n_name = 'BRASIL' WHERE n_name = 'BRAZIL'"
                     : "UPDATE nation SET n_name = 'BRAZIL' WHERE n_name = 'BRASIL'",
      // Join keys: an order moved to another customer, a line to another
      // of its part's suppliers, a supplier and some customers to other
      // nations (phones follow), a new customer without orders.
      "UPDATE orders SET o_custkey = 1 + 3 * tpch_rand('u_ok3." + r + "', o_orderkey, 0, " +
          n((scale.customers - 2) / 3) + ") + tpch_rand('u_ok1." + r + "', o_orderkey, 0, 1) WHERE " +
          pick("u_ok", "o_orderkey", 100),
      "UPDATE lineitem SET l_suppkey = ((l_partkey + tpch_rand('u_lsk." + r + "', " + lkey + ", 0, 3) * (" +
          n(scale.suppliers) + " / 4)) % " + n(scale.suppliers) + ") + 1 WHERE " + pick("u_lk", lkey, 100),
      "UPDATE supplier SET s_nationkey = tpch_rand('u_sn." + r + "', s_suppkey, 0, 24), "
      "s_phone = (10 + tpch_rand('u_sn." + r + "', s_suppkey, 0, 24)) || substr(s_phone, 3) WHERE s_suppkey = " +
          n(1 + (round * 7) % scale.suppliers),
      "UPDATE customer SET c_nationkey = tpch_rand('u_cn." + r + "', c_custkey, 0, 24), "
      "c_phone = (10 + tpch_rand('u_cn." + r + "', c_custkey, 0, 24)) || substr(c_phone, 3) WHERE " +
          pick("u_cn", "c_custkey", 50),
      "INSERT INTO customer SELECT c, 'Customer#' || lpad(c::text, 9, '0'), tpch_address('c_address', c), "
      "n, tpch_phone('c_phone', c, n), tpch_rand('c_acctbal', c, 0, 999999) / 100.0, 'BUILDING', "
      "tpch_comment('c_comment', c) FROM (SELECT " + n(scale.customers + 3 * round) +
          " AS c, 3 + 10 * (" + r + " % 2) AS n) x",
      // region: comments.
      "UPDATE region SET r_comment = tpch_comment('u_rc." + r + "', r_regionkey) WHERE r_regionkey = " +
          n(round % 5),
  };
  return out;
}

std::vector<std::string> tpch_churn(const TpchScale& scale, int round) {
  const std::string r = n(round);
  const long long lo = rf1_first_key(round);
  const long long hi = lo + std::max(3LL, scale.orders / 200) - 1;
  const std::string lkey = "l_orderkey::bigint * 8 + l_linenumber";
  const std::string moved = "tpch_rand('ch_mv." + r + "', o_orderkey, 0, 299) = 0 AND o_orderkey < 100000000";
  const std::string twice = "tpch_rand('ch_p." + r + "', p_partkey, 0, 40) = 0";
  const std::string part = n(1 + (round * 13) % scale.parts);
  std::vector<std::string> out = tpch_rf1(scale, round);
  const std::vector<std::string> more = {
      // The rows just inserted, updated and partly deleted again.
      "UPDATE lineitem SET l_quantity = l_quantity + 1, l_discount = 0.06 WHERE l_orderkey BETWEEN " + n(lo) +
          " AND " + n(hi),
      "DELETE FROM lineitem WHERE l_orderkey = " + n(lo),
      "DELETE FROM orders WHERE o_orderkey = " + n(lo),
      // Primary keys changed: line numbers, and orders moved to new keys
      // with their lines.
      "UPDATE lineitem SET l_linenumber = l_linenumber + 10 WHERE tpch_rand('ch_ln." + r + "', " + lkey +
          ", 0, 99) = 0",
      "UPDATE orders SET o_orderkey = o_orderkey + 200000000 WHERE " + moved,
      "UPDATE lineitem SET l_orderkey = l_orderkey + 200000000 WHERE l_orderkey IN "
      "(SELECT o_orderkey - 200000000 FROM orders WHERE o_orderkey > 200000000)",
      // The same rows updated twice.
      "UPDATE part SET p_size = p_size % 50 + 1, p_type = 'ECONOMY ANODIZED STEEL' WHERE " + twice,
      "UPDATE part SET p_size = p_size % 50 + 1, p_brand = 'Brand#23' WHERE " + twice,
      // A partsupp row deleted and inserted again with other values.
      "DELETE FROM partsupp WHERE ps_partkey = " + part,
      "INSERT INTO partsupp SELECT " + part + ", ((" + part + " + i * (" + n(scale.suppliers) + " / 4)) % " +
          n(scale.suppliers) + ") + 1, 9999, 1000.00, 'reinserted' FROM generate_series(0, 3) i",
  };
  out.insert(out.end(), more.begin(), more.end());
  return out;
}

}  // namespace pgt_e2e
