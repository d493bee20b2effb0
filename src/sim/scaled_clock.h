#pragma once
// Simulated time that runs `1 / time_scale` times faster than the wall clock:
// with time_scale 0.01 a 60-second call takes 0.6 real seconds, while every
// timestamp the sim writes (Event-Date-Timestamp, Caller-Channel-*-Time,
// variable_*_uepoch) still shows 60 seconds. Tests that need exact steps use
// base::FakeClock instead.
#include <chrono>

#include "base/time.h"

namespace tarifador::sim {

class ScaledClock final : public base::Clock {
 public:
  // Simulated time starts at `origin` now. Precondition: time_scale > 0.
  ScaledClock(base::Instant origin, double time_scale);
  // Thread-safe (reads only immutable state and the steady clock).
  base::Instant Now() const override;

 private:
  base::Instant origin_;
  double time_scale_;
  std::chrono::steady_clock::time_point steady_origin_;
};

}  // namespace tarifador::sim
