#pragma once
// The CDR filter query parameters shared by GET /api/v1/cdrs and
// GET /api/v1/cdrs.csv (docs/API.md "CDRs and reports"): from, to,
// extension, account_id, direction, zone, prefix, disposition, min_cost.
// http/ internal.
#include <optional>
#include <string>

#include "base/status.h"
#include "base/time.h"
#include "http/request.h"
#include "store/cdr_query.h"

namespace tarifador::http {

// Reads every filter parameter of `request` (absent ones stay unset):
// from/to "YYYY-MM-DD" (start of that local day, office time zone) or a full
// ISO 8601 instant, `to` exclusive and after `from`; extension as billing's
// rule; account_id a whole number >= 1; direction and disposition by their
// API names; zone 1..64 printable characters; prefix 1..32 digits; min_cost a
// money string. InvalidArgument naming the first bad parameter.
base::Result<store::CdrFilter> CdrFilterParams(const Request& request);

// Query parameter `name` as a local date or instant (the from/to rule), or
// nullopt when absent. InvalidArgument naming it.
base::Result<std::optional<base::Instant>> LocalDateOrInstantParam(const Request& request, const std::string& name);

}  // namespace tarifador::http
