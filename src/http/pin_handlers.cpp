#include "http/pin_handlers.h"

#include <nlohmann/json.hpp>
#include <string>

#include "base/log.h"
#include "base/password.h"
#include "base/time.h"
#include "http/billing_fields.h"
#include "http/json_body.h"

namespace tarifador::http {
namespace {

base::Result<Response> PinsUnavailable() {
  return base::Unavailable("PIN codes are not available: billing is not running");
}

nlohmann::json PinJson(const billing::PinCode& c) {
  return {{"id", c.id},
          {"owner", c.owner},
          {"account_id", c.account_id.value},
          {"zones", c.zones},
          {"enabled", c.enabled},
          {"created_at", base::FormatIso8601(c.created_at)},
          {"updated_at", base::FormatIso8601(c.updated_at)},
          {"last_used_at", c.last_used_at ? nlohmann::json(base::FormatIso8601(*c.last_used_at)) : nullptr}};
}

// "zones": an array of zone names (may be empty: any zone).
std::optional<std::vector<std::string>> Zones(const nlohmann::json& body, BodyFields& f) {
  if (!body.contains("zones")) return std::nullopt;
  f.IsNull("zones");  // marks the member as read; null is refused below
  const nlohmann::json& z = body["zones"];
  if (!z.is_array() || z.size() > billing::kMaxPinZones) {
    f.Problem("\"zones\" must be an array of at most " + std::to_string(billing::kMaxPinZones) +
              " zone names (empty: any zone)");
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const nlohmann::json& name : z) {
    if (!name.is_string()) {
      f.Problem("\"zones\" must hold zone names as strings, e.g. [\"Local\", \"Mobile\"]");
      return std::nullopt;
    }
    out.push_back(name.get<std::string>());
  }
  return out;
}

// Random digits for a code created without its own: a PIN the ValidatePinDigits rules accept.
std::string RandomPin(std::string_view id) {
  for (;;) {
    std::string digits = base::RandomDigits(6);
    if (billing::ValidatePinDigits(digits, id).ok()) return digits;
  }
}

std::string IdOf(const Request& r) { return std::string(r.Param("id").value_or("")); }

}  // namespace

base::Result<Response> HandleListPins(Services& s, const Request&) {
  if (!s.billing || !s.billing->pins) return PinsUnavailable();
  auto pins = s.billing->pins->ListPins();
  if (!pins.ok()) return pins.status();
  nlohmann::json items = nlohmann::json::array();
  for (const billing::PinCode& c : *pins) items.push_back(PinJson(c));
  return Response::Json(Dump({{"items", items}}));
}

base::Result<Response> HandleCreatePin(Services& s, const Request& r) {
  if (!s.billing || !s.billing->pins) return PinsUnavailable();
  base::Result<nlohmann::json> body = ParseBody(r, "PIN code");
  if (!body.ok()) return body.status();
  BodyFields f(*body);
  const auto id = f.String("id", true, billing::kMaxPinIdLength, false);
  const auto owner = f.String("owner", true, 128, false);
  const auto account = f.Id("account_id", true);
  const auto pin = f.String("pin", false, billing::kMaxPinLength, false);
  const auto enabled = f.Bool("enabled", false);
  const auto zones = Zones(*body, f);
  TARIFADOR_RETURN_IF_ERROR(f.Finish("PIN code"));
  billing::PinCode code;
  code.id = *id;
  code.owner = *owner;
  code.account_id = billing::AccountId{*account};
  code.zones = zones.value_or(std::vector<std::string>{});
  code.enabled = enabled.value_or(true);
  const bool generated = !pin;
  const std::string digits = generated ? RandomPin(code.id) : *pin;
  auto created = s.billing->pins->CreatePin(code, digits, r.caller().Actor(), s.clock.Now());
  if (!created.ok()) return created.status();
  base::LogInfo("http: " + r.caller().Actor() + " added PIN code " + created->id + " for " + created->owner);
  nlohmann::json out = PinJson(*created);
  // Made here: shown once, in this answer, and never again.
  if (generated) out["pin"] = digits;
  return Response::Json(Dump(out), 201);
}

base::Result<Response> HandleUpdatePin(Services& s, const Request& r) {
  if (!s.billing || !s.billing->pins) return PinsUnavailable();
  base::Result<nlohmann::json> body = ParseBody(r, "PIN code");
  if (!body.ok()) return body.status();
  BodyFields f(*body);
  store::PinChanges changes;
  changes.owner = f.String("owner", false, 128, false);
  if (const auto account = f.Id("account_id", false)) changes.account_id = billing::AccountId{*account};
  changes.enabled = f.Bool("enabled", false);
  changes.pin = f.String("pin", false, billing::kMaxPinLength, false);
  changes.zones = Zones(*body, f);
  TARIFADOR_RETURN_IF_ERROR(f.Finish("PIN code"));
  if (changes.empty()) return base::InvalidArgument("PIN code: nothing to change");
  auto updated = s.billing->pins->UpdatePin(IdOf(r), changes, r.caller().Actor(), s.clock.Now());
  if (!updated.ok()) return updated.status();
  base::LogInfo("http: " + r.caller().Actor() + " changed PIN code " + updated->id);
  return Response::Json(Dump(PinJson(*updated)));
}

base::Result<Response> HandleDeletePin(Services& s, const Request& r) {
  if (!s.billing || !s.billing->pins) return PinsUnavailable();
  const std::string id = IdOf(r);
  TARIFADOR_RETURN_IF_ERROR(s.billing->pins->DeletePin(id, r.caller().Actor(), s.clock.Now()));
  base::LogInfo("http: " + r.caller().Actor() + " removed PIN code " + id);
  return Response::Json(Dump({{"removed", id}}));
}

}  // namespace tarifador::http
