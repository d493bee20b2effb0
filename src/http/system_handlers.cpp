#include "http/system_handlers.h"

#include "base/time.h"
#include "http/export_handlers.h"
#include "http/http_status.h"
#include "http/json_body.h"
#include "http/live_handlers.h"

namespace tarifador::http {

namespace {

// The FreeSWITCH link as /healthz and /api/v1/status show it; null when
// billing is not wired.
nlohmann::json TimeOrNull(base::Instant t) {
  return t.micros() == 0 ? nlohmann::json() : nlohmann::json(base::FormatIso8601(t));
}

nlohmann::json LinkJson(const Services& s, bool detailed) {
  if (s.billing == nullptr || !s.billing->link) return nullptr;
  const LinkInfo link = s.billing->link();
  nlohmann::json j = {{"state", link.state}, {"since", base::FormatIso8601(link.since)}};
  if (!detailed) return j;
  j["address"] = link.address;
  j["connects"] = link.connects;
  j["events_received"] = link.events_received;
  j["last_event_at"] = TimeOrNull(link.last_event_at);
  j["last_error"] = link.last_error.empty() ? nlohmann::json() : nlohmann::json(link.last_error);
  j["last_error_at"] = TimeOrNull(link.last_error_at);
  // Shown so an installer can fix a wrong clock; billing does not depend on it.
  j["clock_offset_ms"] = link.clock_offset_us ? nlohmann::json(*link.clock_offset_us / 1000) : nlohmann::json();
  return j;
}

nlohmann::json MirrorJson(const Services& s) {
  MirrorInfo m;
  if (s.status.mirror) m = s.status.mirror();
  return {{"enabled", m.enabled},
          {"backlog", m.backlog},
          {"oldest_pending", TimeOrNull(m.oldest_pending)},
          {"last_success", TimeOrNull(m.last_success)},
          {"last_error", m.last_error.empty() ? nlohmann::json() : nlohmann::json(m.last_error)},
          {"last_error_at", TimeOrNull(m.last_error_at)},
          {"rows_pushed", m.rows_pushed}};
}

nlohmann::json RetentionJson(const RetentionInfo& r) {
  return {{"cdr_days", r.cdr_days},
          {"active", r.active},
          {"reason", r.reason.empty() ? nlohmann::json() : nlohmann::json(r.reason)},
          {"last_run_at", TimeOrNull(r.last_run_at)},
          {"next_run_at", TimeOrNull(r.next_run_at)},
          {"last_pruned", r.last_pruned},
          {"last_kept_not_exported", r.last_kept_not_exported},
          {"last_kept_not_mirrored", r.last_kept_not_mirrored},
          {"last_error", r.last_error.empty() ? nlohmann::json() : nlohmann::json(r.last_error)},
          {"pruned_total", r.pruned_total}};
}

}  // namespace

base::Result<Response> HandleHealthz(Services& s, const Request&) {
  // Liveness only: answering at all is the signal (200 whatever the link
  // does; readiness is /readyz). The link state is shown for the curious.
  nlohmann::json body = {{"status", "ok"}};
  if (nlohmann::json link = LinkJson(s, false); !link.is_null()) body["freeswitch"] = std::move(link);
  return Response::Json(Dump(body));
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
  nlohmann::json status = {{"version", s.status.version},
                           {"revision", s.status.revision},
                           {"started_at", base::FormatIso8601(s.status.started_at)},
                           {"uptime_seconds", uptime_us / 1'000'000},
                           {"schema_version", s.users.SchemaVersion()},
                           {"store_path", s.status.store_path},
                           {"freeswitch", LinkJson(s, true)},
                           {"mirror", MirrorJson(s)}};
  AddDiskAndStoreStatus(s, status);
  if (s.exports) status["export"] = ExportStatusJson(*s.exports);
  if (s.status.retention) status["retention"] = RetentionJson(s.status.retention());
  if (s.status.https) {
    const HttpsInfo& h = *s.status.https;
    status["https"] = {{"listen", h.listen},
                       {"port", h.port},
                       {"certificate", h.self_signed ? "self-signed (generated at first start)" : "configured"},
                       {"fingerprint_sha256", h.fingerprint_sha256},
                       {"subject", h.subject},
                       {"not_after", h.not_after}};
  } else {
    status["https"] = nullptr;
  }
  return Response::Json(Dump(status));
}

}  // namespace tarifador::http
