#include "http/cdr_json.h"

#include <string>

#include "base/time.h"
#include "rating/cost.h"

namespace tarifador::http {
namespace {

nlohmann::json TimeOrNull(int64_t us) {
  if (us == 0) return nullptr;
  return base::FormatIso8601(base::Instant::FromMicros(us));
}

}  // namespace

nlohmann::json CdrJson(const billing::Cdr& c) {
  return {{"uuid", c.uuid.value},
          {"linked_uuids", c.linked},
          {"site_id", c.site_id},
          {"direction", billing::DirectionName(c.direction)},
          {"caller", c.caller},
          {"caller_name", c.caller_name},
          {"account_id", c.account_id ? nlohmann::json(c.account_id->value) : nlohmann::json()},
          {"destination", c.destination},
          {"normalised_number", c.normalised},
          {"zone", c.zone},
          {"prefix", c.prefix},
          {"rate_plan", c.rate_plan},
          {"price_per_minute", c.price_per_minute.ToString()},
          {"connection_fee", c.connection_fee.ToString()},
          {"start_time", base::FormatIso8601(base::Instant::FromMicros(c.start_us))},
          {"answer_time", TimeOrNull(c.answer_us)},
          {"bridge_time", TimeOrNull(c.bridge_us)},
          {"end_time", TimeOrNull(c.end_us)},
          {"duration", c.duration_s},
          {"billsec", c.billsec},
          {"billusec", c.billusec},
          {"billable_seconds", c.billable_seconds},
          {"cost", c.cost.ToString()},
          {"charged", c.charged.ToString()},
          {"hangup_cause", c.hangup_cause},
          {"disposition", billing::DispositionName(c.disposition)},
          {"deny_reason", c.deny_reason},
          {"gateway", c.gateway},
          {"pin_id", c.pin_id},
          {"pin_owner", c.pin_owner}};
}

nlohmann::json CdrBreakdownJson(const billing::Cdr& c) {
  // In 1/60 micro-units the product is exact; stored prices and billable
  // seconds are bounded by rating, far below int64 overflow.
  const rating::Int128 sixtieths = static_cast<rating::Int128>(c.price_per_minute.micros()) * c.billable_seconds;
  const base::Money usage = base::Money::FromMicros(static_cast<int64_t>(sixtieths / 60));
  const bool usage_exact = sixtieths % 60 == 0;
  const base::Money uncollected = c.cost - c.charged;

  std::string text;
  if (c.direction == billing::Direction::kInternal) {
    text = "Internal call: internal calls are free.";
  } else if (c.disposition == billing::Disposition::kDenied) {
    text = "Denied";
    if (!c.deny_reason.empty()) text.append(" (").append(c.deny_reason).append(")");
    text += ": never connected, nothing to charge.";
  } else if (c.billsec == 0 || c.cost.is_zero()) {
    text = "Disposition ";
    text.append(billing::DispositionName(c.disposition)).append(", ").append(std::to_string(c.billsec));
    text += " connected seconds: nothing to charge.";
  } else {
    text = "Connection fee ";
    text.append(c.connection_fee.ToString())
        .append(" + ")
        .append(c.price_per_minute.ToString())
        .append(" per minute x ")
        .append(std::to_string(c.billable_seconds))
        .append(" billable seconds (")
        .append(std::to_string(c.billsec))
        .append(" connected, brought to the rate's increments) = ")
        .append(usage.ToString())
        .append(usage_exact ? "" : " (truncated)")
        .append(" usage; cost ")
        .append(c.cost.ToString())
        .append(" after rounding to the rate plan's decimals; charged ")
        .append(c.charged.ToString());
    if (!uncollected.is_zero()) {
      text.append(", ").append(uncollected.ToString()).append(" uncollected (the account could not cover it all)");
    }
    text += '.';
  }
  if (!c.pin_id.empty()) {
    text.append(" Made with PIN code ").append(c.pin_id).append(": ").append(c.pin_owner).append("'s account pays.");
  }
  return {{"connection_fee", c.connection_fee.ToString()},
          {"price_per_minute", c.price_per_minute.ToString()},
          {"billsec", c.billsec},
          {"billable_seconds", c.billable_seconds},
          {"usage", usage.ToString()},
          {"cost", c.cost.ToString()},
          {"charged", c.charged.ToString()},
          {"uncollected", uncollected.ToString()},
          {"explanation", text}};
}

}  // namespace tarifador::http
