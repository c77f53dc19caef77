// HierarchyTestDb — EdgeTestDb plus what the tests of partitioned and
// inheritance sources ask about their capture: the capture triggers on a
// table and their level, a source's row_level flag, refreshes after a
// TRUNCATE of a member, and refused DDL.
#pragma once

#include <string>
#include <vector>

#include "edge_test_db.h"

namespace pgt_e2e {

class HierarchyTestDb : public EdgeTestDb {
 protected:
  using EdgeTestDb::EdgeTestDb;

  std::string oid_of(const std::string& table);
  std::string effective_mode(const std::string& st);
  // pgtrickle.pgt_change_tracking.row_level of a source ("t" / "f").
  std::string row_level_of(const std::string& source);

  // The capture triggers of one source on `table` as "name:ROW|STATEMENT,...":
  // the source's own (suffix "") or those on a member (suffix "_<source oid>").
  std::string capture_levels(const std::string& table, const std::string& suffix);
  // What capture_levels() is for row-level capture (a partitioned table: the
  // TRUNCATE trigger only) and for statement-level capture.
  static std::string row_capture(const std::string& suffix, bool partitioned = false);
  static std::string statement_capture(const std::string& suffix);

  // The statements in one transaction, then each stream table refreshed:
  // those in `truncated` FULL because of a TRUNCATE (the reason says so), the
  // others by delta (DIFFERENTIAL or NO_DATA); all match their queries.
  void expect_full_where_truncated(const StList& sts, const std::vector<std::string>& statements,
                                   const std::vector<std::string>& truncated);

  // The statement fails with 2BP01 and a HINT; its message (also its DETAIL
  // unless message_only) names `names` when given.
  void expect_refused_2bp01(const std::string& sql, const std::string& names = "", bool message_only = false);
};

}  // namespace pgt_e2e
