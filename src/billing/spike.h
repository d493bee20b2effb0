#pragma once
// The spike detector (docs/BILLING.md "Spike detector"): outbound calls or
// spend this hour far above the same hour of the last 7 days, the shape of a
// compromised phone or trunk. A pure rule over hourly totals; the store keeps
// the totals, the alert watch asks.
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "base/money.h"

namespace tarifador::billing {

struct HourTotals {
  int64_t calls = 0;
  base::Money cost;
};

struct SpikeOptions {
  int64_t factor = 0;                                 // guards.spike_factor: times the usual; 0: off
  int64_t min_calls = 20;                             // guards.spike_min_calls: fewer calls are never a spike
  base::Money min_cost = base::Money::FromUnits(20);  // guards.spike_min_cost: nor less spend
};

struct Spike {
  std::string measure;  // "calls" or "cost"
  HourTotals now;
  HourTotals usual;  // the mean of the same hour of the past days given (cost truncated to the micro-unit)
};

// A spike when this hour's calls reach min_calls and exceed factor times
// their usual number, or its cost reaches min_cost and exceeds factor times
// its usual cost; calls are tested first. `past`: the same hour on each of
// the previous days (7), zeros for days without calls. nullopt: no spike, or
// the detector is off (factor 0) or has no past.
std::optional<Spike> DetectSpike(const HourTotals& now, std::span<const HourTotals> past, const SpikeOptions& options);

}  // namespace tarifador::billing
