#pragma once
// Probes, metrics and status: GET /healthz, /readyz, /metrics, /api/v1/status.
// Rows in route_table.cpp; contracts in docs/API.md.
#include "base/status.h"
#include "http/request.h"
#include "http/services.h"

namespace tarifador::http {

// 200 {"status":"ok"} whenever the server answers (liveness).
base::Result<Response> HandleHealthz(Services& s, const Request& r);
// 200 {"status":"ready","checks":[...]} when every readiness check passes,
// else 503 {"status":"not_ready","error":"not ready: a, b","checks":[...]}.
base::Result<Response> HandleReadyz(Services& s, const Request& r);
// The metrics registry in the Prometheus text format.
base::Result<Response> HandleMetrics(Services& s, const Request& r);
// {"version","revision","started_at","uptime_seconds","schema_version","store_path"}.
base::Result<Response> HandleStatus(Services& s, const Request& r);

}  // namespace tarifador::http
