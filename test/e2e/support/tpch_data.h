// TPC-H data for e2e tests: the 8 tables of the TPC-H specification with its
// column types and primary keys, filled by a generator of our own (SQL run
// through libpq, no dbgen) that follows dbgen's value domains and is
// deterministic from a seed, plus refresh-function-style changes (RF1 new
// orders with their lines, RF2 deleted orders, updates to every table).
//
// Values come from tpch_rand(tag, key, lo, hi): an md5 of the seed, a tag
// naming the column and the row's key, so the same seed gives the same rows
// whatever the plan, and the changes of round r are the same on every run.
//
// The distributions are dbgen's (uniform over the specification's domains),
// except where a tiny scale would leave a query with no row; those are tuned,
// and each tuning names the query it feeds (see tpch_data.cpp):
//   * suppliers: at least 30; suppliers 1..25 in nations 0..24 (every nation
//     has one: Q7, Q11, Q20, Q21), the others in random nations;
//   * parts by class, tpch_rand('p_class', partkey, 0, 19) (a hash, not
//     partkey % 20, which can align with the supplier formula and leave
//     Q20's parts without a Canadian supplier): 1 Brand#23 MED BOX size 1..10 (Q17, Q19),
//     2 size 15 type *BRASS (Q2), 3 ECONOMY ANODIZED STEEL (Q8), 4 name
//     'forest ...' (Q20), 5 Brand#12 SM containers size 1..5 (Q19), 6 Brand#34
//     LG containers size 1..15 (Q19), 7 partsupp rows of the highest
//     available quantity and supply cost (Q11);
//   * orders with orderkey % 100 = 0 have 7 lines of quantity 44..50 (Q18);
//   * a partsupp's supplier is ((partkey + i * (S / 4)) % S) + 1, i = 0..3
//     (the specification's formula without its second term, which repeats a
//     supplier when S is this small).
#pragma once

#include <string>
#include <vector>

#include "pg_conn.h"

namespace pgt_e2e {

struct TpchScale {
  double sf = 0.002;
  long long suppliers = 0;  // derived by tpch_scale()
  long long parts = 0;
  long long customers = 0;
  long long orders = 0;
};

// Row counts for a scale factor (the specification's, suppliers at least 30).
TpchScale tpch_scale(double sf);

// Creates the 8 tables (and the generator's helper functions, seeded) in the
// current schema and fills them. One transaction.
void tpch_create_and_load(PgConn& conn, const TpchScale& scale, long long seed);

// The changes of round `round` (1-based): RF1 inserts about 0.5% new orders
// with their lines, RF2 deletes about 0.5% of the orders with their lines,
// updates change every table. Each part is a list of statements; the caller
// chooses which parts a round runs and in which transaction.
std::vector<std::string> tpch_rf1(const TpchScale& scale, int round);
std::vector<std::string> tpch_rf2(int round);
std::vector<std::string> tpch_updates(const TpchScale& scale, int round);
// Beyond the refresh functions, in one transaction: RF1's rows updated and
// partly deleted again, primary keys changed (line numbers; orders moved to
// new keys with their lines), parts updated twice, a partsupp row deleted and
// inserted again.
std::vector<std::string> tpch_churn(const TpchScale& scale, int round);

}  // namespace pgt_e2e
