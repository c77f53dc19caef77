// The 22 TPC-H queries with the specification's validation parameters
// (clause 2.4, "Query Validation"), written for PostgreSQL.
//
// ORDER BY is kept where the query has a LIMIT (Q2, Q3, Q10, Q18, Q21) and
// dropped elsewhere (a stream table is a multiset). Where the specification's
// ORDER BY leaves ties among the first LIMIT rows undecided (Q3, Q10, Q18),
// it is extended by the output column that is the group's key, so the top-K
// rows are one multiset and the oracle can compare exactly; Q2 and Q21 are
// already total orders. Q15's view is a WITH.
#pragma once

#include <string>
#include <vector>

namespace pgt_e2e {

struct TpchQuery {
  int number = 0;       // 1..22
  std::string name;     // "q01".."q22"
  std::string sql;
};

// fraction: Q11's FRACTION, 0.0001 / SF in the specification.
std::vector<TpchQuery> tpch_queries(double q11_fraction);

}  // namespace pgt_e2e
