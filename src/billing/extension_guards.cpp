#include "billing/extension_guards.h"

namespace tarifador::billing {

std::optional<base::Money> GuardLimit(const std::optional<base::Money>& own, const std::optional<base::Money>& box) {
  if (!own) return box;
  if (own->is_zero()) return std::nullopt;
  return own;
}

int64_t GuardLimit(const std::optional<int64_t>& own, int64_t box) { return own ? *own : box; }

base::Status ValidateExtensionGuards(const ExtensionGuards& g) {
  const auto money = [](const char* name, const std::optional<base::Money>& m) {
    if (m && m->is_negative()) return base::InvalidArgument(std::string(name) + " " + m->ToString() + " is negative");
    return base::Status::Ok();
  };
  const auto count = [](const char* name, const std::optional<int64_t>& n, int64_t max) {
    if (n && (*n < 0 || *n > max)) {
      return base::InvalidArgument(std::string(name) + " " + std::to_string(*n) + " must be 0 (off) to " +
                                   std::to_string(max));
    }
    return base::Status::Ok();
  };
  TARIFADOR_RETURN_IF_ERROR(money("max_price_per_minute", g.max_price_per_minute));
  TARIFADOR_RETURN_IF_ERROR(money("max_call_cost", g.max_call_cost));
  TARIFADOR_RETURN_IF_ERROR(count("max_concurrent_calls", g.max_concurrent_calls, kMaxConcurrentCallsLimit));
  TARIFADOR_RETURN_IF_ERROR(count("max_calls_per_hour", g.max_calls_per_hour, kMaxCallsPerHourLimit));
  return count("max_repeats_per_hour", g.max_repeats_per_hour, kMaxRepeatsPerHourLimit);
}

std::string DescribeExtensionGuards(const ExtensionGuards& g) {
  if (g.empty()) return "box-wide";
  std::string out;
  const auto add = [&out](const std::string& item) { out += (out.empty() ? "" : ", ") + item; };
  if (g.max_price_per_minute) add("max_price_per_minute=" + g.max_price_per_minute->ToString());
  if (g.max_call_cost) add("max_call_cost=" + g.max_call_cost->ToString());
  if (g.max_concurrent_calls) add("max_concurrent_calls=" + std::to_string(*g.max_concurrent_calls));
  if (g.max_calls_per_hour) add("max_calls_per_hour=" + std::to_string(*g.max_calls_per_hour));
  if (g.max_repeats_per_hour) add("max_repeats_per_hour=" + std::to_string(*g.max_repeats_per_hour));
  if (g.international_any_time) add("international_any_time");
  return out;
}

}  // namespace tarifador::billing
