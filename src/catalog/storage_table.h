// The heap table that holds a stream table's rows: the query's columns plus the
// hidden bookkeeping column __pgt_row_id.
#pragma once

#include <string>
#include <vector>

#include "dvm/grouped_sql.h"
#include "common/output_column.h"
#include "pg/pg_headers.h"

namespace pgt::catalog {

constexpr const char* kRowIdColumn = "__pgt_row_id";

// CREATE TABLE (as the calling user); returns the new relation's oid.
Oid create_storage_table(const std::string& schema, const std::string& name,
                         const std::vector<OutputColumn>& columns);

// The user-visible columns of an existing storage table, in order, with types.
std::vector<OutputColumn> storage_columns(Oid relid);

// Same names, types and collations, in the same order.
bool same_columns(const std::vector<OutputColumn>& a,
                  const std::vector<OutputColumn>& b);

// Makes the storage table's user columns equal `columns` (same relation: grants,
// policies and indexes on unchanged columns survive). Returns false when the
// columns were already equal.
bool reshape_storage_table(Oid relid, const std::string& qualified_name,
                           const std::vector<OutputColumn>& columns);

// The index on __pgt_row_id of a DIFFERENTIAL stream table: unique btree when
// every row's identity is unique, else hash (keyless identities can be long).
void create_row_id_index(const std::string& qualified_name, bool unique);

// (Re)creates __pgt_row_id for the refresh mode: bigint (row ordinal) for FULL;
// text identity for DIFFERENTIAL, indexed (unique when every row's identity is).
// Also drops every other hidden column (the state of grouping queries).
void set_row_id_column(Oid relid, const std::string& qualified_name, bool differential,
                       bool unique);

// Adds the hidden state columns a DIFFERENTIAL grouping query keeps.
void add_hidden_columns(const std::string& qualified_name, const std::vector<dvm::HiddenColumn>& columns);

}  // namespace pgt::catalog
