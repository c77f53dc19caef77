// Alerts on channel pgtrickle_alert: see alerts.h.
#include "pg/alerts.h"

#include "pg/boundary.h"
#include "pg/pg_headers.h"

extern "C" {
#include "commands/async.h"
#include "utils/timestamp.h"
}

namespace pgt::pg {

namespace {

// NOTIFY payloads must stay under 8000 bytes; names are at most 63 bytes.
constexpr size_t kMaxReasonBytes = 2000;
constexpr int64_t kUnixEpochInPostgresMicros = 946684800LL * 1000000LL;

}  // namespace

std::string alert_payload(const std::string& event, const std::string& pgt_schema, const std::string& pgt_name,
                          const std::string& reason, const JsonObject& fields, const std::string& at) {
  JsonObject payload;
  payload.add("event", event)
      .add("pgt_schema", pgt_schema)
      .add("pgt_name", pgt_name)
      .add("st", pgt_schema.empty() ? pgt_name : pgt_schema + "." + pgt_name)
      .add("reason", truncate_utf8(reason, kMaxReasonBytes))
      .merge(fields)
      .add("at", at);
  return payload.text();
}

void send_alert(const std::string& event, const std::string& pgt_schema, const std::string& pgt_name,
                const std::string& reason, const JsonObject& fields) {
  TimestampTz now = 0;
  guard([&] { now = GetCurrentTimestamp(); });
  std::string payload = alert_payload(event, pgt_schema, pgt_name, reason, fields,
                                      iso8601_utc(static_cast<int64_t>(now) + kUnixEpochInPostgresMicros));
  const char* text = payload.c_str();
  guard([&] { Async_Notify(kAlertChannel, text); });
}

}  // namespace pgt::pg
