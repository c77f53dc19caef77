// Derives the delta queries of a stream table from its defining query.
//
// The defining query is analyzed and rewritten (views inlined) by PostgreSQL.
// If it is a select-project-join over tables (any nesting of FROM subqueries,
// inner joins, WHERE, expressions), it is multilinear in the tables it scans,
// and its delta is sum over nonempty S of (-1)^(|S|+1) Q[S <- delta] (see
// dvm/delta_sql.h). Each term is made by replacing, in a copy of the Query
// tree, the scanned tables in S with a read of their change buffer and the
// others with a read of the table, each exposing a row identity (__pgt_id)
// and a multiplicity (__pgt_w) that are combined up the tree; PostgreSQL's own
// deparser then turns the tree into SQL text.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dvm/delta_sql.h"
#include "dvm/grouped_sql.h"
#include "dvm/partition_sql.h"
#include "pg/pg_headers.h"

namespace pgt::frontend {

// A table the query scans (once per table, however often it is scanned).
struct ScannedTable {
  Oid relid = InvalidOid;
  std::string schema;
  std::string name;
  std::vector<std::string> key_columns;   // primary key; empty: keyless
  std::vector<std::string> used_columns;  // columns the query reads
};

struct DeltaDerivation {
  // Empty when the query can be maintained incrementally; otherwise the
  // construct that prevents it, in words a user recognizes.
  std::string not_differentiable_because;
  std::vector<ScannedTable> tables;
  std::vector<dvm::OutputColumn> columns;
  bool unique_ids = false;            // every scanned table has a primary key
  // Every identity is made of fixed-width values (integer keys, ...): it can
  // be indexed by a btree, whose entries are limited to a third of a page. A
  // text key of a few kilobytes cannot.
  bool bounded_ids = true;
  std::vector<Oid> scanned_with_children;  // tables scanned with inheritance (not ONLY)
  // Tables read only through subqueries in expressions (a scalar subquery,
  // EXISTS / IN that is not a semi-join): the delta terms evaluate those
  // subqueries at the new state, which is right only while these tables do
  // not change; when one does, the refresh is FULL. Also in `tables`.
  std::vector<Oid> full_refresh_sources;
  std::string full_sql;               // Q with every table at its current state
  std::vector<dvm::DeltaTerm> terms;  // one per nonempty subset of scans
  // Set when the query groups (GROUP BY, aggregates, DISTINCT) at its top:
  // then tables, columns, full_sql and terms are those of its input (see
  // frontend/grouped_derivation.h), and each group is one row.
  std::optional<dvm::GroupedShape> grouped;
  // The indexes grouped->extremum_probes relies on: when one is dropped, the
  // refresh derives its statements again (without probes).
  std::vector<Oid> probe_indexes;
  // Set when a grouping sits below another operator (see
  // dvm/partition_sql.h): then tables are those of all its leaves, and
  // terms are empty (each leaf's are in the shape).
  std::optional<dvm::PartitionShape> partitioned;
};

// Parameters of every delta term ($1..$3): the previous frontier snapshot, and
// the transaction id / command id watermark of changes the previous refresh
// consumed from its own transaction.
constexpr int kDeltaParamCount = 3;
extern const Oid kDeltaParamTypes[kDeltaParamCount];

// normalized_sql: the stored defining query (fully qualified). Call with
// search_path pinned. buffer_name(relid) names the change buffer of a table.
// With generate_sql = false only the checks and the scanned tables are
// produced (the change buffers the terms read need not exist yet).
DeltaDerivation derive_delta(const std::string& normalized_sql, bool generate_sql);

// Scans beyond this many make the term count (2^n - 1) too large.
constexpr int kMaxDifferentialScans = 8;

}  // namespace pgt::frontend
