// Alerts: JSON notifications on channel pgtrickle_alert (LISTEN
// pgtrickle_alert), the reference system's operational events. One function
// builds and sends every payload:
//
//   {"event": "refresh_failed", "pgt_schema": "public", "pgt_name": "orders_st",
//    "st": "public.orders_st", "reason": "division by zero", ...event fields...,
//    "at": "2026-11-25T14:25:01.989301+00:00"}
//
// Sent with the current transaction's commit (as NOTIFY is): an alert about
// work that is rolled back is never heard. Events and where they are sent:
// docs/SQL_REFERENCE.md, "Alerts".
#pragma once

#include <string>

#include "common/json_text.h"

namespace pgt::pg {

inline constexpr const char* kAlertChannel = "pgtrickle_alert";

void send_alert(const std::string& event, const std::string& pgt_schema, const std::string& pgt_name,
                const std::string& reason, const JsonObject& fields = JsonObject());

// The payload without the time (exposed for messages and tests).
std::string alert_payload(const std::string& event, const std::string& pgt_schema, const std::string& pgt_name,
                          const std::string& reason, const JsonObject& fields, const std::string& at);

}  // namespace pgt::pg
