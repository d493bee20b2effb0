#include "http/rating_json.h"

#include <nlohmann/json.hpp>

#include "base/time.h"
#include "rating/cost.h"
#include "rating/number_normaliser.h"
#include "rating/rate_plan.h"

namespace tarifador::http {
namespace {

nlohmann::ordered_json OptionalTime(const std::optional<base::Instant>& t) {
  return t ? nlohmann::ordered_json(base::FormatIso8601(*t)) : nlohmann::ordered_json();
}

std::string DumpOrdered(const nlohmann::ordered_json& j, int indent) {
  return j.dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace

std::string QuoteJson(const rating::Quote& q, int indent) {
  const rating::Rate& r = q.rate;
  const rating::CostBreakdown& c = q.cost;
  nlohmann::ordered_json j;  // fields in a reading order, as docs/RATING.md shows them
  j["plan"] = q.plan;
  j["number"] = q.dialled;
  j["normalised_number"] = q.number.digits;
  j["number_kind"] = rating::NumberKindName(q.number.kind);
  j["at"] = base::FormatIso8601(q.at);
  j["prefix"] = r.prefix.digits();
  j["zone"] = r.zone;
  j["blocked"] = q.blocked;
  j["price_per_minute"] = r.price_per_minute.ToString();
  j["connection_fee"] = r.connection_fee.ToString();
  j["initial_increment"] = r.initial_increment_s;
  j["increment"] = r.increment_s;
  j["min_duration"] = r.min_duration_s;
  j["grace"] = r.grace_s;
  j["priority"] = r.priority;
  j["effective_from"] = base::FormatIso8601(r.effective_from);
  j["effective_to"] = OptionalTime(r.effective_to);
  j["seconds"] = c.billsec;
  j["within_grace"] = c.within_grace;
  j["charged_seconds"] = c.charged_duration_s;
  j["billable_seconds"] = c.billable_s;
  j["increments"] = c.increments;
  j["connection_fee_charged"] = c.connection_fee.ToString();
  // The exact amount is a multiple of 1/60 micro-unit: the decimal string is
  // truncated to micro-units and "unrounded_exact" says whether it is exact;
  // "unrounded_sixtieth_micros" is the exact value for disputes.
  j["unrounded_cost"] = c.ExactCostFloor().ToString(6);
  j["unrounded_exact"] = c.ExactIsWholeMicros();
  j["unrounded_sixtieth_micros"] = c.exact_sixtieth_micros;
  j["decimals"] = c.decimals;
  j["rounding"] = rating::RoundingModeName(c.rounding);
  j["cost"] = c.cost.ToString(c.decimals);
  return DumpOrdered(j, indent);
}

}  // namespace tarifador::http
