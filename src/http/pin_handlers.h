#pragma once
// PIN / authorization codes (docs/API.md "PIN codes", docs/BILLING.md "PIN
// codes"): admins create, change and remove the codes; the digits are
// written once and never shown again.
#include "base/status.h"
#include "http/request.h"
#include "http/services.h"

namespace tarifador::http {

base::Result<Response> HandleListPins(Services& s, const Request& r);
base::Result<Response> HandleCreatePin(Services& s, const Request& r);
base::Result<Response> HandleUpdatePin(Services& s, const Request& r);
base::Result<Response> HandleDeletePin(Services& s, const Request& r);

}  // namespace tarifador::http
