#pragma once
// CDR search and detail over HTTP (docs/API.md "CDRs and reports"). Rows in
// route_table.cpp. Both answer 503 while Services::billing or its `cdrs`
// query is not wired, 400 naming the bad query parameter, and read through
// store::CdrQuery (read connections: they never wait for billing).
// Thread-safe as CdrQuery is.
#include "base/status.h"
#include "http/request.h"
#include "http/services.h"

namespace tarifador::http {

// GET /api/v1/cdrs?from&to&extension&account_id&direction&zone&prefix&
// disposition&min_cost&limit&cursor (viewer): {"items":[CdrJson...],
// "next_cursor"} newest first (start_time DESC, uuid DESC); limit 1..1000
// (default 100); next_cursor null on the last page, else the opaque text to
// pass as `cursor` (with the same filters) for the next page.
base::Result<Response> HandleSearchCdrs(Services& s, const Request& r);

// GET /api/v1/cdrs/{uuid} (viewer): CdrJson plus "breakdown"
// (CdrBreakdownJson). 404 when there is no CDR with that uuid.
base::Result<Response> HandleGetCdr(Services& s, const Request& r);

}  // namespace tarifador::http
