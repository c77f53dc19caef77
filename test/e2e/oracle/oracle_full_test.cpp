// The oracle under random DML, FULL refresh mode: for each basic query shape,
// 200 cycles of (random DML batch; refresh_stream_table; ST == query).
// FULL recomputes everything, so this mainly proves the harness and the
// refresh plumbing (column mapping, NULLs, duplicates, numeric precision);
// the same scenarios will check DIFFERENTIAL once it exists.
#include <gtest/gtest.h>

#include "oracle_runner.h"
#include "seed.h"
#include "test_db.h"

namespace pgt_e2e {
namespace {

class OracleFull : public TestDb, public ::testing::WithParamInterface<OracleScenario> {};

TEST_P(OracleFull, MatchesQueryUnderRandomDml) {
  const std::uint64_t seed = test_seed();
  SCOPED_TRACE(seed_note(seed));
  run_oracle_cycles(conn(), GetParam(), OracleRun{"FULL"}, seed);
}

INSTANTIATE_TEST_SUITE_P(Shapes, OracleFull, ::testing::ValuesIn(basic_oracle_scenarios()),
                         [](const ::testing::TestParamInfo<OracleScenario>& info) { return info.param.name; });

}  // namespace
}  // namespace pgt_e2e
