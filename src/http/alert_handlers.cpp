#include "http/alert_handlers.h"

#include <nlohmann/json.hpp>
#include <string>

#include "base/json_parse.h"
#include "base/log.h"
#include "http/billing_fields.h"
#include "http/json_body.h"
#include "store/alert_text.h"

namespace tarifador::http {
namespace {

constexpr int64_t kDefaultAlerts = 100;
constexpr int64_t kMaxAlerts = 1000;

nlohmann::json AlertJson(const store::Alert& a) {
  base::Result<nlohmann::json> detail = base::ParseJson(a.detail);
  const nlohmann::json d = detail.ok() && detail->is_object() ? *detail : nlohmann::json::object();
  return {{"id", a.id},
          {"kind", a.kind},
          {"severity", a.severity},
          {"account_id", a.account_id ? nlohmann::json(*a.account_id) : nlohmann::json()},
          {"detail", d},
          {"message", store::DescribeAlert(a, "en").sentence},
          {"created_at", base::FormatIso8601(a.created_at)},
          {"acknowledged_at",
           a.acknowledged_at ? nlohmann::json(base::FormatIso8601(*a.acknowledged_at)) : nlohmann::json()},
          {"acknowledged_by", a.acknowledged_by.empty() ? nlohmann::json() : nlohmann::json(a.acknowledged_by)}};
}

base::Result<Response> AlertsUnavailable() {
  return base::Unavailable("alerts are not available: billing is not running");
}

}  // namespace

base::Result<Response> HandleListAlerts(Services& s, const Request& r) {
  if (!s.billing || !s.billing->alerts) return AlertsUnavailable();
  const std::string state = r.Query("state").value_or("open");
  if (state != "open" && state != "all") {
    return base::InvalidArgument("query parameter \"state\" must be \"open\" or \"all\"");
  }
  base::Result<int64_t> limit = LimitParam(r, kDefaultAlerts, kMaxAlerts);
  if (!limit.ok()) return limit.status();
  base::Result<int64_t> before = IdCursorParam(r);
  if (!before.ok()) return before.status();
  auto alerts = s.billing->alerts->List(state == "open", *before, *limit + 1);
  if (!alerts.ok()) return alerts.status();
  base::Result<int64_t> open = s.billing->alerts->OpenCount();
  if (!open.ok()) return open.status();
  const IdPage page = PageOfRows(*alerts, *limit, AlertJson);
  return Response::Json(Dump({{"items", page.items}, {"next_cursor", page.next_cursor}, {"open_count", *open}}));
}

base::Result<Response> HandleAcknowledgeAlert(Services& s, const Request& r) {
  if (!s.billing || !s.billing->alerts) return AlertsUnavailable();
  base::Result<int64_t> id = IdParam(r, "alert");
  if (!id.ok()) return id.status();
  base::Result<store::Alert> alert = s.billing->alerts->Acknowledge(*id, r.caller().Actor(), s.clock.Now());
  if (!alert.ok()) return alert.status();
  base::LogInfo("http: " + r.caller().Actor() + " acknowledged alert " + std::to_string(*id));
  return Response::Json(Dump(AlertJson(*alert)));
}

}  // namespace tarifador::http
