// The one entry point that brings a stream table up to date, in its effective
// mode, in the caller's transaction (manual refresh, creation, alter, and the
// scheduler later).
#pragma once

#include <string>

#include "catalog/stream_table_catalog.h"

namespace pgt::refresh {

// initiated_by: MANUAL / SCHEDULER / INITIAL / ALTER / DDL (a source changed).
void refresh_now(const catalog::StreamTable& st, const char* initiated_by,
                 const std::string& reason = "");

}  // namespace pgt::refresh
