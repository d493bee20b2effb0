#pragma once
// Alerts over HTTP (docs/API.md "Alerts"): the list people read and the
// acknowledgement that closes one.
#include "base/status.h"
#include "http/request.h"
#include "http/services.h"

namespace tarifador::http {

// GET /api/v1/alerts?state=open|all&limit=&cursor= (viewer): newest first,
// {"items":[alert],"next_cursor","open_count"}; an alert is {"id","kind",
// "severity","account_id","detail","message" (English, written from
// detail),"created_at","acknowledged_at","acknowledged_by"}.
base::Result<Response> HandleListAlerts(Services& s, const Request& r);
// POST /api/v1/alerts/{id}/acknowledge (operator): the alert, acknowledged by
// the caller (again: unchanged). Audited "alert.acknowledge".
base::Result<Response> HandleAcknowledgeAlert(Services& s, const Request& r);

}  // namespace tarifador::http
