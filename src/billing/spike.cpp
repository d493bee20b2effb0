#include "billing/spike.h"

#include "rating/cost.h"

namespace tarifador::billing {

std::optional<Spike> DetectSpike(const HourTotals& now, std::span<const HourTotals> past, const SpikeOptions& options) {
  if (options.factor <= 0 || past.empty()) return std::nullopt;
  HourTotals sum;
  for (const HourTotals& day : past) {
    sum.calls += day.calls;
    sum.cost = sum.cost + day.cost;
  }
  const int64_t days = static_cast<int64_t>(past.size());
  const HourTotals usual{sum.calls / days, base::Money::FromMicros(sum.cost.micros() / days)};
  // Compared as now * days > factor * sum: exact, no rounding of the mean.
  if (now.calls >= options.min_calls && now.calls * days > options.factor * sum.calls) {
    return Spike{"calls", now, usual};
  }
  using rating::Int128;
  if (now.cost >= options.min_cost &&
      static_cast<Int128>(now.cost.micros()) * days > static_cast<Int128>(options.factor) * sum.cost.micros()) {
    return Spike{"cost", now, usual};
  }
  return std::nullopt;
}

}  // namespace tarifador::billing
