// The oracle over partitioned sources: a stream table reading a partitioned
// table (the "root") is maintained DIFFERENTIAL from capture triggers on the
// root and on every member of its partition tree, all writing into the root's
// change buffer. Writes through the root and directly into any partition (a
// leaf, or a sub-partitioned table in between) must be captured exactly once;
// UPDATEs through the root (or through a sub-partitioned table) that move
// rows to another partition must arrive as the move they are.
//
// Five partitioning schemes (RANGE by date with monthly partitions and a
// DEFAULT, LIST by region with a DEFAULT, HASH modulus 4, RANGE then LIST
// sub-partitioning, a keyless LIST-partitioned table with duplicate rows and
// a NULL partition), seven stream-table shapes each (plain scan, filter, join
// with a plain table, algebraic count/sum GROUP BY, HAVING kept by group
// rescan, DISTINCT, a self-join of the root), and seeded random batches (PGT_SEED replays one) mixing
// inserts, updates, deletes, INSERT ... ON CONFLICT, MERGE, duplicates,
// partition-crossing updates and writable CTEs writing to two members, written sometimes through the root and
// sometimes directly into a partition. After every batch each stream table
// is refreshed: the refresh must be DIFFERENTIAL (the change-ratio fallback to
// FULL is off) and the table must equal its query as a multiset.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "adversarial_support.h"
#include "edge_test_db.h"
#include "refresh_history.h"
#include "scenario_domains.h"
#include "seed.h"
#include "stream_table.h"
#include "table_spec.h"

namespace pgt_e2e {
namespace {

// Every scheme's root is "src" (id, d, region, g, v, t); "dim" is a plain
// table joined on g.
struct GenRow {
  std::int64_t id = 0;
  int day = 0;                        // d = DATE '2024-01-01' + day
  std::optional<std::string> region;  // nullopt: NULL (keyless scheme only)
  std::optional<int> g;
  std::optional<int> v;
  std::string t;
};

std::string day_literal(int day) { return "(DATE '2024-01-01' + " + std::to_string(day) + ")"; }

std::string opt_int(const std::optional<int>& x) { return x ? std::to_string(*x) : "NULL::int"; }

std::string values_of(const GenRow& r) {
  return "(" + std::to_string(r.id) + ", " + day_literal(r.day) + ", " + (r.region ? quote_literal(*r.region) : "NULL") +
         ", " + opt_int(r.g) + ", " + opt_int(r.v) + ", " + quote_literal(r.t) + ")";
}

const char* kColumns = "(id, d, region, g, v, t)";

const std::vector<std::string> kAllRegions{"north", "south", "east", "west", "central", "polar"};

// Day offsets of the months of 2024 (2024 is a leap year).
constexpr int kFeb = 31, kMar = 60, kApr = 91, kMay = 121, kJul = 182;

struct Scheme {
  std::string name;                 // gtest parameter name
  std::vector<std::string> create;  // src and its partitions
  bool keyed = true;
  std::string conflict;              // ON CONFLICT target (keyed)
  int day_lo = 0, day_hi = 0;        // days drawn from [day_lo, day_hi]
  bool null_regions = false;         // region may be NULL
  // Members a statement may write to directly (leaves and sub-partitioned
  // tables); their inserts go to insert_target().
  std::vector<std::string> members;
  // The partition (leaf, or sometimes the sub-partitioned table above it)
  // an INSERT of `row` may name directly.
  std::string (*insert_target)(PgConn&, const GenRow&, std::mt19937_64&) = nullptr;
  // SET clause of an UPDATE through the root that moves rows to other
  // partitions.
  std::string (*move_set)(std::mt19937_64&) = nullptr;
  // Sub-partitioned members: an UPDATE on one of them may move rows between
  // its own partitions (SET region = ...).
  std::vector<std::string> subtrees = {};
};

std::string random_region(std::mt19937_64& rng, bool nulls) {
  if (nulls && chance(rng, 0.12)) return "NULL";
  return quote_literal(kAllRegions[uniform(rng, 0, static_cast<std::int64_t>(kAllRegions.size()) - 1)]);
}

std::string month_leaf(int day) {
  if (day >= 0 && day < kFeb) return "src_2024_01";
  if (day >= kFeb && day < kMar) return "src_2024_02";
  if (day >= kMar && day < kApr) return "src_2024_03";
  if (day >= kApr && day < kMay) return "src_2024_04";
  return "src_default";
}

std::string region_leaf(const std::optional<std::string>& region) {
  if (!region) return "src_null";
  if (*region == "north") return "src_north";
  if (*region == "south") return "src_south";
  if (*region == "east" || *region == "west") return "src_ew";
  return "src_default";
}

std::string keyless_leaf(const std::optional<std::string>& region) {
  if (!region) return "src_null";
  if (*region == "north" || *region == "south") return "src_ns";
  if (*region == "east" || *region == "west") return "src_ew";
  return "src_default";
}

const std::vector<Scheme>& schemes() {
  static const std::vector<Scheme> all{
      {"range_by_date",
       {"CREATE TABLE src (id int NOT NULL, d date NOT NULL, region text NOT NULL, g int, v int, t text, "
        "PRIMARY KEY (id, d)) PARTITION BY RANGE (d)",
        "CREATE TABLE src_2024_01 PARTITION OF src FOR VALUES FROM ('2024-01-01') TO ('2024-02-01')",
        "CREATE TABLE src_2024_02 PARTITION OF src FOR VALUES FROM ('2024-02-01') TO ('2024-03-01')",
        "CREATE TABLE src_2024_03 PARTITION OF src FOR VALUES FROM ('2024-03-01') TO ('2024-04-01')",
        "CREATE TABLE src_2024_04 PARTITION OF src FOR VALUES FROM ('2024-04-01') TO ('2024-05-01')",
        "CREATE TABLE src_default PARTITION OF src DEFAULT"},
       true,
       "(id, d)",
       -20,
       kMay + 25,
       false,
       {"src_2024_01", "src_2024_02", "src_2024_03", "src_2024_04", "src_default"},
       [](PgConn&, const GenRow& r, std::mt19937_64&) { return month_leaf(r.day); },
       [](std::mt19937_64& rng) {
         return chance(rng, 0.5) ? "d = d + " + std::to_string(uniform(rng, 20, 70))
                                 : "d = " + day_literal(static_cast<int>(uniform(rng, -20, kMay + 25)));
       }},
      {"list_by_region",
       {"CREATE TABLE src (id int NOT NULL, d date NOT NULL, region text NOT NULL, g int, v int, t text, "
        "PRIMARY KEY (id, region)) PARTITION BY LIST (region)",
        "CREATE TABLE src_north PARTITION OF src FOR VALUES IN ('north')",
        "CREATE TABLE src_south PARTITION OF src FOR VALUES IN ('south')",
        "CREATE TABLE src_ew PARTITION OF src FOR VALUES IN ('east', 'west')",
        "CREATE TABLE src_default PARTITION OF src DEFAULT"},
       true,
       "(id, region)",
       0,
       120,
       false,
       {"src_north", "src_south", "src_ew", "src_default"},
       [](PgConn&, const GenRow& r, std::mt19937_64&) { return region_leaf(r.region); },
       [](std::mt19937_64& rng) { return "region = " + random_region(rng, false); }},
      {"hash_by_id",
       {"CREATE TABLE src (id int PRIMARY KEY, d date NOT NULL, region text NOT NULL, g int, v int, t text) "
        "PARTITION BY HASH (id)",
        "CREATE TABLE src_h0 PARTITION OF src FOR VALUES WITH (MODULUS 4, REMAINDER 0)",
        "CREATE TABLE src_h1 PARTITION OF src FOR VALUES WITH (MODULUS 4, REMAINDER 1)",
        "CREATE TABLE src_h2 PARTITION OF src FOR VALUES WITH (MODULUS 4, REMAINDER 2)",
        "CREATE TABLE src_h3 PARTITION OF src FOR VALUES WITH (MODULUS 4, REMAINDER 3)"},
       true,
       "(id)",
       0,
       120,
       false,
       {"src_h0", "src_h1", "src_h2", "src_h3"},
       [](PgConn& conn, const GenRow& r, std::mt19937_64&) {
         return "src_h" + conn.scalar("SELECT r FROM generate_series(0, 3) r WHERE "
                                      "satisfies_hash_partition('src'::regclass, 4, r, " +
                                      std::to_string(r.id) + "::int)");
       },
       // ids are unique in absolute value: flipping the sign keeps them
       // unique and usually changes the hash partition.
       [](std::mt19937_64&) { return std::string("id = -id"); }},
      {"range_then_list",
       {"CREATE TABLE src (id int NOT NULL, d date NOT NULL, region text NOT NULL, g int, v int, t text, "
        "PRIMARY KEY (id, d, region)) PARTITION BY RANGE (d)",
        "CREATE TABLE src_q1 PARTITION OF src FOR VALUES FROM ('2024-01-01') TO ('2024-04-01') "
        "PARTITION BY LIST (region)",
        "CREATE TABLE src_q1_ns PARTITION OF src_q1 FOR VALUES IN ('north', 'south')",
        "CREATE TABLE src_q1_rest PARTITION OF src_q1 DEFAULT",
        "CREATE TABLE src_q2 PARTITION OF src FOR VALUES FROM ('2024-04-01') TO ('2024-07-01') "
        "PARTITION BY LIST (region)",
        "CREATE TABLE src_q2_ns PARTITION OF src_q2 FOR VALUES IN ('north', 'south')",
        "CREATE TABLE src_q2_ew PARTITION OF src_q2 FOR VALUES IN ('east', 'west')",
        "CREATE TABLE src_q2_rest PARTITION OF src_q2 DEFAULT",
        "CREATE TABLE src_default PARTITION OF src DEFAULT"},
       true,
       "(id, d, region)",
       -15,
       kJul + 15,
       false,
       {"src_q1", "src_q1_ns", "src_q1_rest", "src_q2", "src_q2_ns", "src_q2_ew", "src_q2_rest", "src_default"},
       [](PgConn&, const GenRow& r, std::mt19937_64& rng) -> std::string {
         const std::string reg = *r.region;
         const bool ns = reg == "north" || reg == "south", ew = reg == "east" || reg == "west";
         if (r.day >= 0 && r.day < kApr) return chance(rng, 0.3) ? "src_q1" : ns ? "src_q1_ns" : "src_q1_rest";
         if (r.day >= kApr && r.day < kJul)
           return chance(rng, 0.3) ? "src_q2" : ns ? "src_q2_ns" : ew ? "src_q2_ew" : "src_q2_rest";
         return "src_default";
       },
       [](std::mt19937_64& rng) {
         return chance(rng, 0.5) ? "region = " + random_region(rng, false)
                                 : "d = " + day_literal(static_cast<int>(uniform(rng, -15, kJul + 15)));
       },
       {"src_q1", "src_q2"}},
      {"keyless_list",
       {"CREATE TABLE src (id int, d date, region text, g int, v int, t text) PARTITION BY LIST (region)",
        "CREATE TABLE src_ns PARTITION OF src FOR VALUES IN ('north', 'south')",
        "CREATE TABLE src_ew PARTITION OF src FOR VALUES IN ('east', 'west')",
        "CREATE TABLE src_null PARTITION OF src FOR VALUES IN (NULL)",
        "CREATE TABLE src_default PARTITION OF src DEFAULT"},
       false,
       "",
       0,
       120,
       true,
       {"src_ns", "src_ew", "src_null", "src_default"},
       [](PgConn&, const GenRow& r, std::mt19937_64&) { return keyless_leaf(r.region); },
       [](std::mt19937_64& rng) { return "region = " + random_region(rng, true); }},
  };
  return all;
}

struct Shape {
  std::string st;
  std::string query;
  std::string strategy;  // a phrase its maintenance plan must show ("" for none)
};

const std::vector<Shape> kShapes{
    {"st_scan", "SELECT id, d, region, g, v, t FROM src", ""},
    {"st_filtered", "SELECT id, region, v FROM src WHERE v >= 40 AND g <> 2", ""},
    {"st_joined", "SELECT s.id, s.d, s.v, m.name FROM src s JOIN dim m ON m.g = s.g", ""},
    {"st_summed", "SELECT g, count(*) AS c, sum(v) AS s FROM src GROUP BY g", "algebraic"},
    {"st_having", "SELECT region, sum(v) AS s, count(*) AS c FROM src GROUP BY region HAVING count(*) > 25",
     "group rescan"},
    {"st_distinct", "SELECT DISTINCT g, region FROM src", ""},
    // Both sides of the join read the same change buffer.
    {"st_self_join",
     "SELECT a.id AS a_id, b.id AS b_id, a.v + b.v AS vv FROM src a JOIN src b "
     "ON b.g = a.g AND b.region = a.region AND b.id > a.id",
     ""},
};

void PrintTo(const Scheme& s, std::ostream* os) { *os << s.name; }

class PartitionedSourceOracle : public EdgeTestDb, public ::testing::WithParamInterface<Scheme> {
 protected:
  PartitionedSourceOracle() : EdgeTestDb("po_") {}

  GenRow random_row(std::mt19937_64& rng) {
    const Scheme& s = GetParam();
    GenRow r;
    r.id = next_id_++;
    r.day = static_cast<int>(uniform(rng, s.day_lo, s.day_hi));
    if (!(s.null_regions && chance(rng, 0.12)))
      r.region = kAllRegions[uniform(rng, 0, static_cast<std::int64_t>(kAllRegions.size()) - 1)];
    if (!chance(rng, 0.08)) r.g = static_cast<int>(uniform(rng, 0, 5));
    if (!chance(rng, 0.1)) r.v = static_cast<int>(uniform(rng, 0, 99));
    r.t = kWords[uniform(rng, 0, static_cast<std::int64_t>(kWords.size()) - 1)];
    return r;
  }

  // Rows whose |id| lies in a small random range of the ids used so far.
  std::string some_rows(std::mt19937_64& rng) {
    const std::int64_t a = uniform(rng, 1, next_id_);
    return "abs(id) BETWEEN " + std::to_string(a) + " AND " + std::to_string(a + uniform(rng, 0, 4));
  }

  std::string random_member(std::mt19937_64& rng) {
    const auto& m = GetParam().members;
    return m[uniform(rng, 0, static_cast<std::int64_t>(m.size()) - 1)];
  }

  std::string insert_rows(std::mt19937_64& rng, bool direct) {
    GenRow first = random_row(rng);
    if (direct)  // one row, into its partition
      return "INSERT INTO " + GetParam().insert_target(conn(), first, rng) + " " + kColumns + " VALUES " +
             values_of(first);
    std::string sql = "INSERT INTO src " + std::string(kColumns) + " VALUES " + values_of(first);
    for (int n = static_cast<int>(uniform(rng, 0, 2)); n > 0; --n) sql += ", " + values_of(random_row(rng));
    return sql;
  }

  // Rows move to other partitions: an UPDATE through the root, or through a
  // sub-partitioned table inside its own sub-tree.
  std::string move_rows(std::mt19937_64& rng) {
    const Scheme& s = GetParam();
    if (!s.subtrees.empty() && chance(rng, 0.35))
      return "UPDATE " + s.subtrees[uniform(rng, 0, static_cast<std::int64_t>(s.subtrees.size()) - 1)] +
             " SET region = " + random_region(rng, false) + " WHERE " + some_rows(rng);
    return "UPDATE src SET " + s.move_set(rng) + " WHERE " + some_rows(rng);
  }

  // One random statement (direct: into / on a partition, else the root).
  std::string random_statement(std::mt19937_64& rng) {
    const Scheme& s = GetParam();
    const bool direct = chance(rng, 0.45);
    const std::string target = direct ? random_member(rng) : "src";
    switch (uniform(rng, 0, 10)) {
      case 10:  // one statement writing to two members: out of a partition, back through the root
        return "WITH x AS (DELETE FROM " + random_member(rng) + " WHERE " + some_rows(rng) +
               " RETURNING *) INSERT INTO src SELECT id, d, region, g, coalesce(v, 0) + 1, 'moved' FROM x";
      case 0:
      case 1:
        return insert_rows(rng, direct);
      case 2:
        return "UPDATE " + target + " SET v = " + (chance(rng, 0.15) ? "NULL" : std::to_string(uniform(rng, 0, 99))) +
               ", t = " + quote_literal(kWords[uniform(rng, 0, 4)]) + " WHERE " + some_rows(rng);
      case 3:
        return "UPDATE " + target + " SET g = " + std::to_string(uniform(rng, 0, 5)) + ", v = v + 1 WHERE " +
               some_rows(rng);
      case 4:
        return move_rows(rng);
      case 5:
        return "DELETE FROM " + target + " WHERE " + some_rows(rng);
      case 6:  // a group vanishes (it comes back with later inserts)
        return "DELETE FROM " + target + " WHERE g = " + std::to_string(uniform(rng, 0, 5)) + " AND v < " +
               std::to_string(uniform(rng, 20, 90));
      case 7:
        if (s.keyed) {  // upsert: existing rows updated, maybe a new one inserted
          std::string into = target;
          std::string extra;
          if (chance(rng, 0.6)) {
            GenRow fresh = random_row(rng);
            if (direct) into = s.insert_target(conn(), fresh, rng);
            extra = " UNION ALL VALUES " + values_of(fresh);
          }
          return "INSERT INTO " + into + " " + kColumns + " SELECT id, d, region, g, coalesce(v, 0) + 7, 'upserted' FROM " +
                 into + " WHERE " + some_rows(rng) + extra + " ON CONFLICT " + s.conflict +
                 " DO UPDATE SET v = EXCLUDED.v, t = EXCLUDED.t";
        }
        // keyless: duplicates of existing rows
        return "INSERT INTO " + target + " SELECT * FROM " + target + " WHERE " + some_rows(rng);
      case 8:
        if (!s.keyed) {  // one of several identical rows goes
          const std::string id = std::to_string(uniform(rng, 1, next_id_));
          if (direct)
            return "DELETE FROM " + target + " WHERE ctid = (SELECT ctid FROM " + target + " WHERE id = " + id +
                   " LIMIT 1)";
          return "DELETE FROM src WHERE (tableoid, ctid) = (SELECT tableoid, ctid FROM src WHERE id = " + id +
                 " LIMIT 1)";
        }
        [[fallthrough]];
      default: {
        if (direct)  // MERGE into a partition: rows stay where they are
          return "MERGE INTO " + target + " s USING (SELECT i AS id FROM generate_series(1, " + std::to_string(next_id_) +
                 ") i WHERE i % 9 = " + std::to_string(uniform(rng, 0, 8)) +
                 ") x ON s.id = x.id "
                 "WHEN MATCHED AND s.v > 80 THEN DELETE "
                 "WHEN MATCHED THEN UPDATE SET v = s.v + 5, t = 'merged'";
        // MERGE through the root: update, delete and insert at once
        const std::int64_t a = uniform(rng, 1, next_id_ + 3), b = a + uniform(rng, 1, 4);
        next_id_ = std::max(next_id_, b + 1);  // ids it may insert are used from now on
        return "MERGE INTO src s USING (SELECT i AS id FROM generate_series(" + std::to_string(a) + ", " +
               std::to_string(b) +
               ") i) x ON abs(s.id) = x.id "
               "WHEN MATCHED AND s.v < 25 THEN DELETE "
               "WHEN MATCHED THEN UPDATE SET v = s.v + 3, g = (s.g + 1) % 6 "
               "WHEN NOT MATCHED THEN INSERT " +
               std::string(kColumns) + " VALUES (x.id, " + day_literal(static_cast<int>(uniform(rng, s.day_lo, s.day_hi))) +
               ", " + random_region(rng, false) + ", " + std::to_string(uniform(rng, 0, 5)) + ", 50, 'merged')";
      }
    }
  }

  std::vector<std::string> random_batch(std::mt19937_64& rng) {
    // Each batch writes into a partition directly (so the buffer never stays
    // empty) and moves rows across partitions, among random statements.
    std::vector<std::string> batch;
    for (int n = static_cast<int>(uniform(rng, 5, 9)); n > 0; --n) batch.push_back(random_statement(rng));
    batch.insert(batch.begin() + uniform(rng, 0, static_cast<std::int64_t>(batch.size())), insert_rows(rng, true));
    batch.insert(batch.begin() + uniform(rng, 0, static_cast<std::int64_t>(batch.size())), move_rows(rng));
    if (chance(rng, 0.2))
      batch.push_back("UPDATE dim SET name = name || '+' WHERE g = " + std::to_string(uniform(rng, 0, 4)));
    return batch;
  }

  std::int64_t next_id_ = 1;
};

constexpr int kInitialRows = 160;
constexpr int kBatches = 8;

TEST_P(PartitionedSourceOracle, MatchesQueryUnderRandomDml) {
  const std::uint64_t seed = test_seed();
  SCOPED_TRACE(seed_note(seed));
  SCOPED_TRACE("scheme " + GetParam().name);
  std::mt19937_64 rng(seed);

  for (const std::string& sql : GetParam().create) conn().exec(sql);
  conn().exec("CREATE TABLE dim (g int PRIMARY KEY, name text)");
  conn().exec("INSERT INTO dim SELECT i, 'g' || i FROM generate_series(0, 4) i");
  std::string load = "INSERT INTO src " + std::string(kColumns) + " VALUES ";
  for (int i = 0; i < kInitialRows; ++i) load += (i ? ", " : "") + values_of(random_row(rng));
  conn().exec(load);
  if (!GetParam().keyed) conn().exec("INSERT INTO src SELECT * FROM src WHERE id % 9 = 0");  // duplicates
  conn().exec("ANALYZE");

  for (const Shape& shape : kShapes) {
    ASSERT_TRUE(create_differential(conn(), shape.st, shape.query));
    const std::string plan = conn().scalar("SELECT pgtrickle.maintenance_plan(" + quote_literal(shape.st) + ")");
    EXPECT_NE(plan.find("Scan: \"" + schema_ + "\".\"src\""), std::string::npos) << plan;
    if (!shape.strategy.empty()) {
      EXPECT_NE(plan.find(shape.strategy), std::string::npos) << plan;
    }
  }
  // Every member of the tree carries the capture triggers of the root.
  EXPECT_EQ(text_of("SELECT count(*) FROM pg_partition_tree('src') p WHERE p.relid <> 'src'::regclass AND "
                    "(SELECT count(*) FROM pg_trigger t WHERE t.tgrelid = p.relid AND t.tgname LIKE 'pgt\\_cdc\\_%\\_' || "
                    "'src'::regclass::oid) <> 4"),
            "0");
  EXPECT_EQ(text_of("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'src'::regclass AND tgname LIKE 'pgt\\_cdc\\_%'"),
            "4");

  for (int cycle = 1; cycle <= kBatches; ++cycle) {
    const std::vector<std::string> batch = random_batch(rng);
    std::string trace = "cycle " + std::to_string(cycle) + ", after (one transaction):";
    for (const std::string& s : batch) trace += "\n    " + s + ";";
    SCOPED_TRACE(trace);
    run_in_transaction(conn(), batch);
    bool all_ok = true;
    for (const Shape& shape : kShapes) {
      ::testing::AssertionResult ok = refresh_matches(conn(), shape.st, shape.query, Expect::Delta);
      EXPECT_TRUE(ok) << shape.st;
      const RefreshRecord last = last_refresh(conn(), shape.st);
      EXPECT_EQ(last.action, "DIFFERENTIAL") << shape.st << ": " << describe(last);
      all_ok = all_ok && ok && last.action == "DIFFERENTIAL";
    }
    ASSERT_TRUE(all_ok) << "stopped at the first failing cycle";
  }
  // The rows are spread over the whole tree: no leaf ends up empty.
  EXPECT_EQ(text_of("SELECT count(*) FROM pg_partition_tree('src') p WHERE p.isleaf AND "
                    "NOT EXISTS (SELECT 1 FROM src WHERE src.tableoid = p.relid)"),
            "0");
}

INSTANTIATE_TEST_SUITE_P(PartitionSchemes, PartitionedSourceOracle, ::testing::ValuesIn(schemes()),
                         [](const ::testing::TestParamInfo<Scheme>& info) { return info.param.name; });

}  // namespace
}  // namespace pgt_e2e
