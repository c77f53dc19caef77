// The one way C++ files include PostgreSQL's core headers.
//
// C++ standard headers must come before PostgreSQL's: port.h renames printf,
// snprintf, strerror ... and c.h defines Max, Min, _, likely. PostgreSQL's
// headers have no extern "C" guards of their own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

extern "C" {
#include "postgres.h"
#include "fmgr.h"
#include "utils/elog.h"
#include "utils/memutils.h"
}

#include "pg/compat.h"
