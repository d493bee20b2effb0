#pragma once
// Who hears of alerts (docs/ALERTS.md "Delivery", docs/API.md "Alerts"):
// admins add e-mail and webhook recipients, with the alert kinds, language and
// quiet hours of each, and see how deliveries stand.
#include "base/status.h"
#include "http/request.h"
#include "http/services.h"

namespace tarifador::http {

base::Result<Response> HandleListAlertRecipients(Services& s, const Request& r);
base::Result<Response> HandleAddAlertRecipient(Services& s, const Request& r);
base::Result<Response> HandleRemoveAlertRecipient(Services& s, const Request& r);

}  // namespace tarifador::http
