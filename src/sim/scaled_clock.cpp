#include "sim/scaled_clock.h"

#include <cmath>

namespace tarifador::sim {

ScaledClock::ScaledClock(base::Instant origin, double time_scale)
    : origin_(origin), time_scale_(time_scale), steady_origin_(std::chrono::steady_clock::now()) {}

base::Instant ScaledClock::Now() const {
  const auto real_us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - steady_origin_).count();
  const auto sim_us = static_cast<int64_t>(std::llround(static_cast<double>(real_us) / time_scale_));
  return base::Instant::FromMicros(origin_.micros() + sim_us);
}

}  // namespace tarifador::sim
