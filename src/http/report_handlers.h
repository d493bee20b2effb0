#pragma once
// Reports over HTTP (docs/API.md "CDRs and reports"): totals per extension,
// account or zone over a period, and per local hour of a day, in the office
// time zone (base/local_time.h). Rows in route_table.cpp. 503 while
// Services::billing or its `cdrs` query is not wired; 400 naming the bad
// query parameter. Thread-safe as store::CdrQuery is.
#include "base/status.h"
#include "http/request.h"
#include "http/services.h"

namespace tarifador::http {

// GET /api/v1/reports/summary?from&to&group=extension|account|zone (viewer):
// {"from","to","time_zone","group","rows":[{"key","name","calls","answered",
// "billsec","billable_seconds","cost"}],"totals":{...the same sums}}, rows by
// cost descending, then key. from/to as for /cdrs; default: the current
// local month (from its first day to the next month's). group default
// "extension".
base::Result<Response> HandleReportSummary(Services& s, const Request& r);

// GET /api/v1/reports/hourly?date=YYYY-MM-DD (viewer; default today, local):
// {"date","time_zone","hours":[{"start" (local ISO 8601 with offset),"calls",
// "answered","cost"}] (24 entries, 23 or 25 on DST change days),
// "totals":{"calls","answered","billsec","cost"}}.
base::Result<Response> HandleReportHourly(Services& s, const Request& r);

}  // namespace tarifador::http
