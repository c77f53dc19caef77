// SPI from C++: every call goes through guard(), results are copied into
// std:: containers before the SPI memory that held them is released.
#pragma once

#include "pg/boundary.h"

namespace pgt::pg::spi {

using Value = std::optional<std::string>;  // a column value as text; nullopt = SQL NULL
using Row = std::vector<Value>;
using Params = std::vector<Value>;         // $1..$n, passed as text (cast in the SQL)

struct Result {
  std::vector<std::string> columns;
  std::vector<Row> rows;
  uint64_t processed = 0;
};

// SPI_connect on construction, SPI_finish on destruction (also during unwinding).
class Connection {
 public:
  Connection();
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
};

// Runs one statement; returns rows (if any) as text and the processed count.
Result run(const std::string& sql, const Params& params = {}, bool read_only = false);

// Runs one statement for its effect; returns SPI_processed.
uint64_t exec(const std::string& sql, const Params& params = {});

// First column of the first row (nullopt if no row or NULL).
Value scalar(const std::string& sql, const Params& params = {});

}  // namespace pgt::pg::spi
