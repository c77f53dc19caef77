// SQL for applying a stream table's delta. Pure C++: no PostgreSQL headers.
//
// A delta is a Z-set: rows (__pgt_id, columns..., __pgt_w) where __pgt_w is a
// signed multiplicity. The frontend derives one SQL term per nonempty subset S
// of the query's scanned relations (the query with those relations replaced by
// their change buffers); for an SPJ query, which is multilinear in its inputs,
//
//     delta(Q) = sum over S != {} of (-1)^(|S|+1) * Q[S <- delta]
//
// with every relation outside S read at its new state. This file turns those
// terms into one consolidated delta and into the statement that applies it.
#pragma once

#include <string>
#include <vector>

#include "common/output_column.h"

namespace pgt::dvm {

using pgt::OutputColumn;

struct DeltaTerm {
  unsigned leaf_mask = 0;  // which relations read their delta
  std::string sql;         // SELECT <columns>, __pgt_id, __pgt_w FROM ...
  bool negated = false;    // subtracted once more (a variant of an outer join's expansion)
  // The tables whose changes the term reads: it is empty (multilinear in
  // each) when one of them has no unconsumed change.
  std::vector<unsigned> delta_tables = {};  // relids
};

// Sign of a term: + for an odd number of delta relations, - for even
// (times -1 for a negated term).
int term_sign(const DeltaTerm& term);

// All terms, each row with its term's sign applied to __pgt_w, not
// consolidated: enough for consumers that are linear in the weights (sums).
std::string signed_terms_sql(const std::vector<OutputColumn>& columns, const std::vector<DeltaTerm>& terms);

// All terms combined, consolidated per (id, values): rows whose multiplicities
// cancel (insert then delete, update then update back) disappear.
std::string consolidated_delta_sql(const std::vector<OutputColumn>& columns,
                                   const std::vector<DeltaTerm>& terms);

// The statement that applies a consolidated delta to the storage table and
// returns one row (inserted, updated, deleted) (with report_counts = false:
// returns nothing, for callers that do not record them).
//  unique_ids: every row of the stream table has a distinct __pgt_row_id
//  (all sources keyed): deletes, updates of rows whose values changed, inserts.
//  Otherwise rows are counted copies: delete k copies, insert k copies.
std::string apply_delta_sql(const std::string& qualified_table,
                            const std::vector<OutputColumn>& columns,
                            const std::string& consolidated_sql, bool unique_ids, bool report_counts = true);

// The statement that applies a delta of inserts only, to a query whose result
// only grows with inserts (no outer or anti join): its rows are inserted (as
// many copies as their weight where ids are not unique), nothing is deleted
// or updated, and no id is looked up in the table. Terms that each read one
// table's inserts (every term positive) are not even consolidated. Returns
// one row (inserted, 0, 0) (report_counts = false: nothing).
std::string append_delta_sql(const std::string& qualified_table, const std::vector<OutputColumn>& columns,
                             const std::vector<DeltaTerm>& terms, bool unique_ids, bool report_counts = true);

// INSERT ... SELECT of the full query (the term with no delta relation) into
// the storage table.
std::string full_insert_sql(const std::string& qualified_table,
                            const std::vector<OutputColumn>& columns,
                            const std::string& full_query_sql);

// WHERE condition (over a change buffer aliased `alias`) of the changes a
// refresh consumes: visible to its snapshot (MVCC does that), not visible to the
// previous refresh's snapshot ($1), and not among the changes of the previous
// refresh's own transaction that it already saw (transaction $2, commands < $3).
std::string unconsumed_changes_predicate(const std::string& alias);

// Where the delta terms read a table's changes from.
enum class ChangeSource {
  None,              // nowhere: no SQL is generated (decisions and tables only)
  ChangeBuffers,     // its change buffer, the changes not consumed yet (DIFFERENTIAL)
  TransitionTables,  // the statement's transition tables (IMMEDIATE)
};

// One column of a table's changes: its attribute number and its type (with
// " COLLATE ..." where the column's collation is not its type's default).
struct ChangeColumn {
  int attnum;
  std::string type_sql;
};

// "<changes> b" for a table's changes in the current statement, as rows
// (__pgt_w, c<attnum>...) like a change buffer's: +1 for each new row, -1
// for each old one. They are read with pgtrickle._statement_changes(oid),
// which only IMMEDIATE maintenance can call (refresh/immediate_maintenance.h).
std::string statement_changes_sql(unsigned relid, const std::vector<ChangeColumn>& columns);

// The change buffer of the table with this oid:
// "pgtrickle_changes"."changes_<relid>". Every layer that names a buffer
// (capture, the delta's scans, the scheduler's pending check) asks here.
std::string change_buffer_name(unsigned relid);

// Transaction id of the sentinel row every change buffer holds: 2, the
// frozen one, visible to every snapshot (so never a change to consume). A
// buffer without it was emptied by a crash or failover (UNLOGGED buffers).
constexpr const char* kBufferSentinelXid = "2";

// One row per buffer (i: its position in `buffers`): whether it holds
// unconsumed changes (c), whether one of them is a TRUNCATE marker (t),
// whether it has either and is one of the buffers whose changes need a FULL
// refresh (f; tables read by subqueries in expressions: listed in both), and
// whether it lost its sentinel (r: its changes are gone).
std::string pending_changes_sql(const std::vector<std::string>& buffers,
                                const std::vector<std::string>& full_refresh_buffers = {});

// One row per buffer (i as above): the number of its unconsumed changes (n).
// Only run when the buffers are large enough for it to matter (the change
// ratio), as it reads every change.
std::string pending_count_sql(const std::vector<std::string>& buffers);

}  // namespace pgt::dvm
