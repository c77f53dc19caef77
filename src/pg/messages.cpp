// Client messages: see messages.h.
#include "pg/messages.h"

#include "pg/boundary.h"

namespace pgt::pg {

namespace {

void report(int level, const std::string& message, const std::string& detail,
            const std::string& hint) {
  const char* m = message.c_str();
  const char* d = detail.c_str();
  const char* h = hint.c_str();
  guard([=] {
    ereport(level, (errmsg_internal("%s", m), d[0] ? errdetail_internal("%s", d) : 0,
                    h[0] ? errhint("%s", h) : 0));
  });
}

}  // namespace

void warning(const std::string& message, const std::string& detail, const std::string& hint) {
  report(WARNING, message, detail, hint);
}

void notice(const std::string& message, const std::string& detail) {
  report(NOTICE, message, detail, {});
}

}  // namespace pgt::pg
