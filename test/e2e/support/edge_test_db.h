// EdgeTestDb — the fixture of the deterministic DIFFERENTIAL edge tests: each
// test in a schema of its own (on the search_path), the change-ratio fallback
// to FULL switched off (so a wrong delta cannot hide behind it), and rows as
// text for exact expectations.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "test_db.h"

namespace pgt_e2e {

class EdgeTestDb : public TestDb {
 protected:
  // prefix: the schema's name starts with it (then the test's name).
  explicit EdgeTestDb(std::string prefix) : prefix_(std::move(prefix)) {}

  void SetUp() override;

  // Rows of a query as "a,b;c,d" (NULL as "NULL").
  std::string text_of(const std::string& sql);

  using StList = std::vector<std::pair<std::string, std::string>>;  // (stream table, query)

  // Each created in DIFFERENTIAL mode (asserted).
  void create_all(const StList& sts);

  // The statements in one transaction, then every stream table refreshed:
  // each refresh took the delta path (action DIFFERENTIAL, or also NO_DATA
  // when allow_no_data: a batch whose changes cancel out) and matches its
  // query as a multiset (values and text forms).
  void step(const StList& sts, const std::vector<std::string>& statements, bool allow_no_data = false);

  // A shape DIFFERENTIAL does not maintain: refused with 0A000 and a HINT
  // (naming one of `words`, lower case, when given) and nothing left behind;
  // AUTO then creates it FULL with a WARNING and a recorded reason, and it
  // matches its query as text. False when DIFFERENTIAL accepted it (then
  // dropped again) or AUTO failed.
  bool refused_then_full_in_auto(const std::string& name, const std::string& query,
                                 const std::vector<std::string>& words = {});

  std::string schema_;

 private:
  std::string prefix_;
};

}  // namespace pgt_e2e
