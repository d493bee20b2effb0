#include "http/system_handlers.h"

#include "base/time.h"
#include "http/http_status.h"
#include "http/json_body.h"

namespace tarifador::http {

base::Result<Response> HandleHealthz(Services&, const Request&) {
  // Liveness only: answering at all is the signal. Readiness is /readyz.
  return Response::Json(R"({"status":"ok"})");
}

base::Result<Response> HandleReadyz(Services& s, const Request&) {
  nlohmann::json checks = nlohmann::json::array();
  std::string failing;
  for (const ReadinessResult& r : s.readiness.Evaluate()) {
    nlohmann::json c = {{"name", r.name}, {"ok", r.status.ok()}};
    if (!r.status.ok()) {
      c["error"] = r.status.message();
      if (!failing.empty()) failing += ", ";
      failing += r.name;
    }
    checks.push_back(std::move(c));
  }
  if (failing.empty()) return Response::Json(Dump({{"status", "ready"}, {"checks", checks}}));
  // 503 with the error field every 5xx carries, plus the per-check detail.
  return Response::Json(Dump({{"status", "not_ready"}, {"error", "not ready: " + failing}, {"checks", checks}}), 503);
}

base::Result<Response> HandleMetrics(Services& s, const Request&) {
  // Uptime is computed at scrape time; AddGauge returns the same gauge each time.
  const int64_t uptime_us = s.clock.Now().micros() - s.status.started_at.micros();
  s.metrics.AddGauge("tarifador_process_uptime_seconds", "Seconds since the process started")
      .Set(uptime_us / 1'000'000);
  return Response::Text(s.metrics.Render(), "text/plain; version=0.0.4; charset=utf-8");
}

base::Result<Response> HandleStatus(Services& s, const Request&) {
  const int64_t uptime_us = s.clock.Now().micros() - s.status.started_at.micros();
  return Response::Json(Dump({{"version", s.status.version},
                              {"revision", s.status.revision},
                              {"started_at", base::FormatIso8601(s.status.started_at)},
                              {"uptime_seconds", uptime_us / 1'000'000},
                              {"schema_version", s.users.SchemaVersion()},
                              {"store_path", s.status.store_path}}));
}

}  // namespace tarifador::http
