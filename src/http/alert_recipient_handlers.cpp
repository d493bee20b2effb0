#include "http/alert_recipient_handlers.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>

#include "base/log.h"
#include "base/password.h"
#include "base/strings.h"
#include "base/time.h"
#include "http/billing_fields.h"
#include "http/json_body.h"

namespace tarifador::http {
namespace {

bool IsAlertKind(std::string_view kind) {
  return std::find(store::kAlertKinds.begin(), store::kAlertKinds.end(), kind) != store::kAlertKinds.end();
}

std::string AlertKindList() {
  std::string out;
  for (std::string_view kind : store::kAlertKinds) {
    if (!out.empty()) out += ", ";
    out += kind;
  }
  return out;
}

base::Result<Response> OutboxUnavailable() {
  return base::Unavailable("alert delivery is not available: billing is not running");
}

std::string HourMinute(int minutes) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minutes / 60, minutes % 60);
  return buf;
}

nlohmann::json RecipientJson(const store::AlertRecipient& r) {
  nlohmann::json quiet = nullptr;
  if (r.quiet_from && r.quiet_to) quiet = HourMinute(*r.quiet_from) + "-" + HourMinute(*r.quiet_to);
  return {{"id", r.id},           {"name", r.name},
          {"channel", r.channel}, {"address", r.address},
          {"kinds", r.kinds},     {"language", r.language},
          {"quiet_hours", quiet}, {"created_at", base::FormatIso8601(r.created_at)}};
}

bool IsMailAddress(std::string_view s) {
  const size_t at = s.find('@');
  return at != std::string_view::npos && at > 0 && at + 1 < s.size() && s.find('@', at + 1) == std::string_view::npos &&
         s.find_first_of(" <>,;\"()[]\\") == std::string_view::npos;
}

bool IsWebhookUrl(std::string_view s) {
  const bool scheme = s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0;
  return scheme && s.find("://") + 3 < s.size() && s.find_first_of(" \"<>\\") == std::string_view::npos;
}

}  // namespace

base::Result<Response> HandleListAlertRecipients(Services& s, const Request&) {
  if (!s.billing || !s.billing->alert_outbox) return OutboxUnavailable();
  auto recipients = s.billing->alert_outbox->Recipients();
  if (!recipients.ok()) return recipients.status();
  auto counts = s.billing->alert_outbox->Counts();
  if (!counts.ok()) return counts.status();
  nlohmann::json items = nlohmann::json::array();
  for (const store::AlertRecipient& r : *recipients) items.push_back(RecipientJson(r));
  return Response::Json(
      Dump({{"items", items},
            {"deliveries", {{"pending", counts->pending}, {"sent", counts->sent}, {"failed", counts->failed}}}}));
}

base::Result<Response> HandleAddAlertRecipient(Services& s, const Request& r) {
  if (!s.billing || !s.billing->alert_outbox) return OutboxUnavailable();
  base::Result<nlohmann::json> body = ParseBody(r, "alert recipient");
  if (!body.ok()) return body.status();
  BodyFields f(*body);
  store::AlertRecipient recipient;
  const auto name = f.String("name", true, 100, false);
  const auto channel = f.String("channel", true, 10, false);
  const auto address = f.String("address", true, 500, false);
  const auto kinds = f.String("kinds", false, 200, false);
  const auto language = f.String("language", false, 2, false);
  const auto quiet = f.String("quiet_hours", false, 11, true);
  if (channel && *channel != "email" && *channel != "webhook") {
    f.Problem("\"channel\" must be \"email\" or \"webhook\"");
  }
  if (channel && address && *channel == "email" && !IsMailAddress(*address)) {
    f.Problem("\"address\" must be one e-mail address such as \"ana@example.com\"");
  }
  if (channel && address && *channel == "webhook" && !IsWebhookUrl(*address)) {
    f.Problem("\"address\" must be an http:// or https:// URL");
  }
  if (kinds && *kinds != "*") {
    for (std::string_view kind : base::SplitCommas(*kinds)) {
      if (!IsAlertKind(kind)) {
        f.Problem("\"kinds\" must be \"*\" or a comma-separated list of " + AlertKindList() + " (not " +
                  base::Quoted(kind) + ")");
        break;
      }
    }
  }
  if (language && *language != "es" && *language != "en") f.Problem("\"language\" must be \"es\" or \"en\"");
  if (quiet && !quiet->empty()) {
    const auto range = base::ParseMinuteRange(*quiet);
    if (!range || range->first == range->second) {
      f.Problem("\"quiet_hours\" must be \"HH:MM-HH:MM\" in the office time zone, e.g. \"22:00-07:00\"");
    } else {
      recipient.quiet_from = range->first;
      recipient.quiet_to = range->second;
    }
  }
  TARIFADOR_RETURN_IF_ERROR(f.Finish("alert recipient"));
  recipient.name = *name;
  recipient.channel = *channel;
  recipient.address = *address;
  recipient.kinds = kinds.value_or("*");
  recipient.language = language.value_or("es");
  // A webhook's signing key is made here and shown once, in this answer.
  if (recipient.channel == "webhook") recipient.secret = base::RandomToken(32);
  auto added = s.billing->alert_outbox->AddRecipient(recipient, r.caller().Actor(), s.clock.Now());
  if (!added.ok()) return added.status();
  base::LogInfo("http: " + r.caller().Actor() + " added alert recipient " + std::to_string(added->id) + " (" +
                added->channel + ")");
  nlohmann::json out = RecipientJson(*added);
  if (added->channel == "webhook") out["secret"] = added->secret;
  return Response::Json(Dump(out), 201);
}

base::Result<Response> HandleRemoveAlertRecipient(Services& s, const Request& r) {
  if (!s.billing || !s.billing->alert_outbox) return OutboxUnavailable();
  base::Result<int64_t> id = IdParam(r, "alert recipient");
  if (!id.ok()) return id.status();
  TARIFADOR_RETURN_IF_ERROR(s.billing->alert_outbox->RemoveRecipient(*id, r.caller().Actor(), s.clock.Now()));
  base::LogInfo("http: " + r.caller().Actor() + " removed alert recipient " + std::to_string(*id));
  return Response::Json(Dump({{"removed", *id}}));
}

}  // namespace tarifador::http
