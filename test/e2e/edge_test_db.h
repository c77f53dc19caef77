// EdgeTestDb — the fixture of the deterministic DIFFERENTIAL edge tests: each
// test in a schema of its own (on the search_path), the change-ratio fallback
// to FULL switched off (so a wrong delta cannot hide behind it), and rows as
// text for exact expectations.
#pragma once

#include <string>

#include "test_db.h"

namespace pgt_e2e {

class EdgeTestDb : public TestDb {
 protected:
  // prefix: the schema's name starts with it (then the test's name).
  explicit EdgeTestDb(std::string prefix) : prefix_(std::move(prefix)) {}

  void SetUp() override;

  // Rows of a query as "a,b;c,d" (NULL as "NULL").
  std::string text_of(const std::string& sql);

  std::string schema_;

 private:
  std::string prefix_;
};

}  // namespace pgt_e2e
