// SQL for stream tables whose query groups: GROUP BY (with aggregates, HAVING,
// or a scalar aggregate without GROUP BY) and SELECT DISTINCT. Pure C++.
//
// The frontend splits such a query Q into its input I, a select-project-join
// query with one column per grouping key (__pgt_g<i>), per aggregate argument
// (__pgt_a<j>) and per FILTER clause (__pgt_f<j>), and the grouping on top.
// I is multilinear, so its delta comes from the usual terms (delta_sql.h).
// Each group of Q is one row of the stream table, identified by the text of
// its key values (__pgt_row_id); a change to I touches only its groups.
//
// Two strategies:
//  * algebraic: every output is a key or a bare COUNT / SUM / AVG / MIN / MAX
//    and there is no HAVING. The table keeps per-group state in hidden
//    columns (row count, non-NULL counts, sums) and a refresh adds the
//    delta's per-group sums to it. MIN / MAX follow inserted values and
//    rescan a group only when a deleted value could have been its extremum.
//  * group rescan: anything else (other aggregates, DISTINCT / ORDER BY in an
//    aggregate, HAVING, expressions over aggregates). The groups the delta
//    touches are recomputed from I with the query's own grouping on top, and
//    the result replaces those groups' rows.
#pragma once

#include <string>
#include <vector>

#include "dvm/delta_sql.h"

namespace pgt::dvm {

// How a grouping key's value becomes text for the group's identity: so that
// values the grouping treats as equal get the same identity.
enum class KeyText {
  Plain,    // equal values are identical: the text form
  Utc,      // timestamptz: in UTC, independent of the session's TimeZone
  Numeric,  // 1 = 1.0: trailing zeros removed
  Float,    // -0 = 0: normalized by adding zero, as float8
  Padded,   // char(n): 'c ' = 'c   '; the text form drops the blanks
};

// Whether a group always shows its key the same way (else, when rows leave,
// only a recomputation knows which form, 1 or 1.0, 'c ' or 'c   ', is left).
bool key_has_one_form(KeyText kind);

enum class AggregateKind { CountStar, Count, Sum, Avg, Min, Max };

struct AggregateOutput {
  AggregateKind kind = AggregateKind::CountStar;
  std::string arg;     // column of I (none for COUNT(*))
  std::string filter;  // column of I holding FILTER (WHERE ...), or empty
  // Type of the running sum (SUM: the result type; AVG: numeric) and the
  // expression type of one weighted value: "w * arg" in it cannot overflow.
  std::string sum_type;
  std::string weighted_type;
};

struct GroupedOutput {
  std::string name;
  std::string type_sql;
  bool comparable = true;   // see OutputColumn
  int key = -1;             // index into keys, or -1
  int aggregate = -1;       // index into aggregates (algebraic only), or -1
};

struct GroupedShape {
  bool algebraic = false;
  bool scalar = false;  // aggregate without GROUP BY: always exactly one row
  std::vector<std::string> keys;     // columns of I: __pgt_g<i>
  std::vector<KeyText> key_texts;
  std::vector<AggregateOutput> aggregates;
  std::vector<GroupedOutput> outputs;  // the stream table's visible columns
  // Group rescan only: the query's grouping over the CTE __pgt_input (I),
  // returning its columns and then the keys as __pgt_g<i>.
  std::string grouping_sql;
  // Group rescan only: the grouping also returns __pgt_m, the number of
  // copies of its row (INTERSECT ALL / EXCEPT ALL). Copy n of a group has
  // identity <group identity>#n; the hidden column __pgt_group (indexed)
  // holds the group identity.
  bool multiplicity = false;
  // Algebraic only: I reads one table, whose btree indexes lead with the
  // grouping keys (plain NOT NULL columns, or the one key) and then each MIN /
  // MAX argument. A group whose extremum was removed then gets it back from
  // one index probe (PostgreSQL's min/max-by-index plan) instead of a rescan
  // of its rows.
  bool extremum_probes = false;
};

struct HiddenColumn {
  std::string name;
  std::string type_sql;
  bool indexed = false;
};

// The state columns an algebraic stream table keeps besides its outputs.
std::vector<HiddenColumn> grouped_hidden_columns(const GroupedShape& shape);

// The identity of a group, over columns named like I's keys under `alias`.
std::string group_identity_sql(const GroupedShape& shape, const std::string& alias);

// The identity of one value of a key of that kind (a one-key group's identity).
std::string value_identity_sql(KeyText kind, const std::string& ref);

// INSERT of every group, computed from I (input_full_sql).
std::string grouped_full_insert_sql(const std::string& table, const GroupedShape& shape,
                                    const std::string& input_full_sql);

// The statement that applies a delta of I (input_delta_sql: its signed
// terms, not consolidated; sums and counts are linear in them, MIN / MAX
// rescan where a deleted value may matter, the group rescan needs only their
// keys). It either returns (inserted, updated, deleted) or is a MERGE into
// the table (SUM / COUNT / AVG / MIN / MAX), whose counts the executor keeps
// (pg/merge_counts.h).
std::string grouped_apply_sql(const std::string& table, const GroupedShape& shape,
                              const std::string& input_delta_sql, const std::string& input_full_sql);

}  // namespace pgt::dvm
