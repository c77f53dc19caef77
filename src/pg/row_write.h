// Writing one row of the extension's own tables in C.
//
// For the writes every refresh makes (its history row, its catalog row): as
// SQL, each would be analyzed and planned again whenever the statistics of
// the table changed (every VACUUM or ANALYZE of it), which costs more than
// the write. These go through the executor's single-row entry points, as
// logical replication's apply does: constraints, indexes, generated columns
// and row triggers as for an INSERT or UPDATE of the row; statement triggers
// do not fire.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pg/pg_headers.h"

namespace pgt::pg {

// A column's value in a row written.
struct ColumnValue {
  enum class Kind { kText, kNull, kTimestamp, kTransactionStart, kClock };
  std::string column;
  Kind kind = Kind::kNull;
  std::string text;           // kText: the column type's input
  int64_t unix_micros = 0;    // kTimestamp: microseconds since 1970-01-01 UTC
                              // (kTimestamp, kTransactionStart, kClock: a timestamptz column)
  std::string unless_old;     // non-empty: keep the old value when its text is this (updates)

  static ColumnValue of_text(std::string column, std::string text);
  static ColumnValue null(std::string column);
  static ColumnValue of_timestamp(std::string column, int64_t unix_micros);
  // now(): the transaction's start, and clock_timestamp(): the time of the write.
  static ColumnValue transaction_start(std::string column);
  static ColumnValue clock(std::string column);
  // A column's text, or NULL for nullopt.
  static ColumnValue of_optional(std::string column, const std::optional<std::string>& text);
};

// Inserts a row into pgtrickle.<table>: the columns given, the others their
// defaults.
void insert_extension_row(const char* table, const std::vector<ColumnValue>& values);

// Updates the row of pgtrickle.<table> whose `key_column` (a bigint column)
// equals `key`, as seen by a new statement of this transaction; false when
// there is none. The caller holds the row locked (a concurrent update of it
// is an error, as for any UPDATE that did not wait for it).
bool update_extension_row(const char* table, const char* key_column, int64_t key,
                          const std::vector<ColumnValue>& values);

}  // namespace pgt::pg
