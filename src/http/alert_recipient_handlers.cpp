#include "http/alert_recipient_handlers.h"

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "base/log.h"
#include "base/password.h"
#include "http/billing_fields.h"
#include "http/json_body.h"

namespace tarifador::http {
namespace {

// The kinds a recipient may ask for (docs/ALERTS.md).
const std::set<std::string, std::less<>>& KnownKinds() {
  static const std::set<std::string, std::less<>> kinds = {"budget_warning", "budget_reached", "low_balance",
                                                           "guard_tripped",  "link_down",      "export_failed",
                                                           "mirror_backlog"};
  return kinds;
}

base::Result<Response> OutboxUnavailable() {
  return base::Unavailable("alert delivery is not available: billing is not running");
}

std::string HourMinute(int minutes) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minutes / 60 % 24, minutes % 60);
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

// "HH:MM" -> minutes after midnight, or -1.
int ParseClock(std::string_view s) {
  if (s.size() != 5 || s[2] != ':') return -1;
  for (size_t i : {0, 1, 3, 4}) {
    if (s[i] < '0' || s[i] > '9') return -1;
  }
  const int h = (s[0] - '0') * 10 + (s[1] - '0');
  const int m = (s[3] - '0') * 10 + (s[4] - '0');
  if (h > 23 || m > 59) return -1;
  return h * 60 + m;
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
    size_t start = 0;
    while (start <= kinds->size()) {
      const size_t end = std::min(kinds->find(',', start), kinds->size());
      const std::string kind = kinds->substr(start, end - start);
      if (!KnownKinds().contains(kind)) {
        f.Problem(
            "\"kinds\" must be \"*\" or a comma-separated list of budget_warning, budget_reached, "
            "guard_tripped, link_down (not \"" +
            kind + "\")");
        break;
      }
      start = end + 1;
    }
  }
  if (language && *language != "es" && *language != "en") f.Problem("\"language\" must be \"es\" or \"en\"");
  if (quiet && !quiet->empty()) {
    const int from = quiet->size() == 11 && (*quiet)[5] == '-' ? ParseClock(quiet->substr(0, 5)) : -1;
    const int to = from >= 0 ? ParseClock(quiet->substr(6, 5)) : -1;
    if (from < 0 || to < 0 || from == to) {
      f.Problem("\"quiet_hours\" must be \"HH:MM-HH:MM\" in the office time zone, e.g. \"22:00-07:00\"");
    } else {
      recipient.quiet_from = from;
      recipient.quiet_to = to;
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
