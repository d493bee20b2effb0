#include "base/steady_clock.h"

#include <algorithm>

namespace tarifador::base {

SteadyClock::TimePoint RealSteadyClock::Now() const { return std::chrono::steady_clock::now(); }

bool RealSteadyClock::WaitUntil(TimePoint deadline, std::stop_token stop) const {
  std::mutex mu;
  std::condition_variable_any cv;
  std::unique_lock lock(mu);
  // The stop_token overload registers a stop callback that notifies `cv`, so
  // a stop requested from another thread ends the wait at once. The loop
  // absorbs spurious wake-ups (the predicate is the loop condition).
  while (!stop.stop_requested() && std::chrono::steady_clock::now() < deadline) {
    cv.wait_until(lock, stop, deadline, [] { return false; });
  }
  return std::chrono::steady_clock::now() >= deadline;
}

const RealSteadyClock& RealSteadyClock::Instance() {
  static const RealSteadyClock instance;
  return instance;
}

SteadyClock::TimePoint SteadyFromClock::Now() const {
  int64_t us = clock_.Now().micros();
  int64_t last = last_us_.load();
  while (us > last && !last_us_.compare_exchange_weak(last, us)) {
  }
  us = std::max(us, last);
  return TimePoint(std::chrono::microseconds(us));
}

bool SteadyFromClock::WaitUntil(TimePoint deadline, std::stop_token stop) const {
  while (!stop.stop_requested() && Now() < deadline) {
    RealSteadyClock::Instance().WaitUntil(std::chrono::steady_clock::now() + std::chrono::milliseconds(1), stop);
  }
  return Now() >= deadline;
}

FakeSteadyClock::FakeSteadyClock(TimePoint start) : now_(start) {}

SteadyClock::TimePoint FakeSteadyClock::Now() const {
  std::lock_guard lock(mu_);
  return now_;
}

bool FakeSteadyClock::WaitUntil(TimePoint deadline, std::stop_token stop) const {
  std::unique_lock lock(mu_);
  requested_.push_back(deadline - now_);
  if (now_ >= deadline) return true;
  const uint64_t id = ++next_waiter_;
  pending_.emplace(id, deadline);
  cv_.notify_all();  // AwaitWaiter may be looking for us
  // Woken by Advance() (which also drops our pending_ entry once the
  // deadline is reached) or by the stop callback of this overload.
  cv_.wait(lock, stop, [&] { return now_ >= deadline; });
  pending_.erase(id);  // still there when the stop ended the wait
  return now_ >= deadline;
}

void FakeSteadyClock::Advance(Duration d) {
  {
    std::lock_guard lock(mu_);
    if (d > Duration::zero()) now_ += d;
    std::erase_if(pending_, [this](const auto& entry) { return entry.second <= now_; });
  }
  cv_.notify_all();
}

size_t FakeSteadyClock::Waiters() const {
  std::lock_guard lock(mu_);
  return pending_.size();
}

std::optional<SteadyClock::Duration> FakeSteadyClock::AwaitWaiter(std::chrono::milliseconds real_timeout) const {
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, real_timeout, [this] { return !pending_.empty(); })) return std::nullopt;
  TimePoint earliest = pending_.begin()->second;
  for (const auto& [id, deadline] : pending_) earliest = std::min(earliest, deadline);
  return earliest - now_;
}

std::vector<SteadyClock::Duration> FakeSteadyClock::WaitsRequested() const {
  std::lock_guard lock(mu_);
  return requested_;
}

}  // namespace tarifador::base
