#include "billing/switch_clock.h"

#include <chrono>

namespace tarifador::billing {

SwitchClock::SwitchClock(const base::SteadyClock& steady, const base::Clock& wall) : steady_(steady), wall_(wall) {}

namespace {

int64_t MicrosBetween(base::SteadyClock::TimePoint from, base::SteadyClock::TimePoint to) {
  return std::chrono::duration_cast<std::chrono::microseconds>(to - from).count();
}

}  // namespace

void SwitchClock::Observe(int64_t event_us) {
  if (event_us <= 0) return;
  const base::SteadyClock::TimePoint received = steady_.Now();
  std::lock_guard lock(mu_);
  if (observed_) {
    const int64_t estimate_us = event_us_ + MicrosBetween(received_, received);
    // Late or coarse stamps never pull the estimate back; a large step does.
    if (event_us <= estimate_us && estimate_us - event_us <= kStepBackUs) return;
  }
  observed_ = true;
  event_us_ = event_us;
  received_ = received;
}

base::Instant SwitchClock::Now() const {
  const base::SteadyClock::TimePoint now = steady_.Now();
  std::unique_lock lock(mu_);
  if (!observed_) {
    lock.unlock();
    return wall_.Now();
  }
  return base::Instant::FromMicros(event_us_ + MicrosBetween(received_, now));
}

base::Instant SwitchClock::FromBox(base::Instant box) const {
  const std::optional<int64_t> offset = offset_us();
  return base::Instant::FromMicros(box.micros() + offset.value_or(0));
}

std::optional<int64_t> SwitchClock::offset_us() const {
  const base::SteadyClock::TimePoint now = steady_.Now();
  const int64_t wall_us = wall_.Now().micros();
  std::lock_guard lock(mu_);
  if (!observed_) return std::nullopt;
  return event_us_ + MicrosBetween(received_, now) - wall_us;
}

}  // namespace tarifador::billing
