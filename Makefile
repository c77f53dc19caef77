# pg_trickle — PGXS build (make, make install, make installcheck).
# Test tiers beyond pg_regress: `make unit` (GoogleTest, no server) and
# `make e2e` (GoogleTest + libpq against a running cluster: PGHOST/PGPORT).
EXTENSION   = pg_trickle
MODULE_big  = pg_trickle
DATA        = $(wildcard sql/pg_trickle--*.sql)
PGFILEDESC  = "pg_trickle - stream tables with incremental view maintenance"

# Every .cpp under src/ is part of the extension.
SRCS        = $(sort $(wildcard src/*/*.cpp))
OBJS        = $(SRCS:.cpp=.o)

# pg_regress suite (test/regress/{sql,expected}).
REGRESS      = $(basename $(notdir $(sort $(wildcard test/regress/sql/*.sql))))
REGRESS_OPTS = --inputdir=test/regress --outputdir=test/regress/out

PG_CONFIG  ?= pg_config
PG_INCLUDE := $(shell $(PG_CONFIG) --includedir-server)

# Debian's server is built with LLVM: PGXS would compile our C++ to bitcode with
# clang and without our flags. We ship no JIT bitcode.
override with_llvm = no

PG_CXXFLAGS = -std=c++17 -Wall -Wextra -Werror=return-type -fvisibility=hidden \
              -MMD -MP -Isrc -isystem $(PG_INCLUDE)
SHLIB_LINK += -lstdc++

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS adds -I$(includedir-server) (not -isystem) via CPPFLAGS; server headers then
# warn under -Wextra. Re-state them as system headers.
override CPPFLAGS := $(filter-out -I$(PG_INCLUDE),$(CPPFLAGS)) -isystem $(PG_INCLUDE)

# Header dependencies (PGXS tracks none for C++ sources).
-include $(OBJS:.o=.d)
EXTRA_CLEAN += $(OBJS:.o=.d)

# ---------------------------------------------------------------------------
# Unit tests: pure C++ (no PostgreSQL headers on the include path at all, so a
# PG include in a pure file fails to compile).
PURE_SRCS   = $(sort $(wildcard src/common/*.cpp src/dvm/*.cpp)) src/scheduler/schedule.cpp src/scheduler/dag.cpp src/scheduler/due_policy.cpp src/scheduler/refresh_tier.cpp
UNIT_SRCS   = $(sort $(wildcard test/unit/*.cpp))
UNIT_BIN    = test/unit/pgt_unit_tests
UNIT_CXXFLAGS = -std=c++17 -O1 -g -Wall -Wextra -Werror -Isrc -pthread

$(UNIT_BIN): $(PURE_SRCS) $(UNIT_SRCS) $(wildcard src/common/*.h src/dvm/*.h src/scheduler/schedule.h src/scheduler/dag.h src/scheduler/due_policy.h src/scheduler/refresh_tier.h)
	$(CXX) $(UNIT_CXXFLAGS) -o $@ $(PURE_SRCS) $(UNIT_SRCS) -lgtest -lgtest_main -pthread

.PHONY: unit e2e
unit: $(UNIT_BIN)
	./$(UNIT_BIN) --gtest_brief=1

# ---------------------------------------------------------------------------
# e2e tests: C++ against a live cluster (see scripts/test.sh for the cluster).
# Sources live in sub-folders (support/ helpers, oracle/, scheduler/, edge/,
# security/ tests; see test/e2e/README.md). One object per source (next to
# it, header dependencies in *.d), so `make -j2 e2e` rebuilds only what
# changed, in parallel. Headers are all in support/, hence -Itest/e2e/support.
# Linked in order of file name, whatever the folder: that order registers the
# suites, so it is the order they are listed and run in.
E2E_SRCS = $(foreach f,$(sort $(notdir $(wildcard test/e2e/*/*.cpp))),$(wildcard test/e2e/*/$(f)))
E2E_OBJS = $(E2E_SRCS:.cpp=.o)
E2E_BIN  = test/e2e/pgt_e2e_tests
E2E_CXXFLAGS = -std=c++17 -O1 -g -Wall -Wextra -Werror -MMD -MP -Itest/e2e/support -I$(shell $(PG_CONFIG) --includedir) -pthread

test/e2e/%.o: test/e2e/%.cpp
	$(CXX) $(E2E_CXXFLAGS) -c -o $@ $<

$(E2E_BIN): $(E2E_OBJS)
	$(CXX) -o $@ $(E2E_OBJS) -lpq -lgtest -lgtest_main -pthread

-include $(E2E_OBJS:.o=.d)

e2e: $(E2E_BIN)
	./$(E2E_BIN) --gtest_brief=1

EXTRA_CLEAN += $(UNIT_BIN) $(E2E_BIN) $(E2E_OBJS) $(E2E_OBJS:.o=.d) test/regress/out

# ---------------------------------------------------------------------------
# Release tarball (PGXN): pg_trickle-<version>.tar.gz holds the tree committed
# at HEAD (not uncommitted changes) under pg_trickle-<version>/. The version
# is the control file's default_version; META.json must say the same.
DIST_VERSION := $(shell sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" $(EXTENSION).control)
DIST_TARBALL := $(EXTENSION)-$(DIST_VERSION).tar.gz

.PHONY: dist
dist:
	@grep -Eq '^   "version": "$(DIST_VERSION)",' META.json || \
	  { echo "META.json: version is not $(DIST_VERSION) (pg_trickle.control's default_version)" >&2; exit 1; }
	git archive --format=tar.gz --prefix=$(EXTENSION)-$(DIST_VERSION)/ -o $(DIST_TARBALL) HEAD

EXTRA_CLEAN += $(EXTENSION)-*.tar.gz
