#pragma once
// The monotonic time source for durations and waits, with a fake for tests.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <stop_token>
#include <vector>

#include "base/time.h"

namespace tarifador::base {

// The monotonic time source for durations (timeouts, retry backoff, job
// deadlines) and the one way to sleep on it. Unlike Clock it never jumps when
// the wall clock is set (NTP at boot on an appliance). Code that waits on
// time takes a SteadyClock, so a test injects a FakeSteadyClock and steps
// time by hand instead of sleeping (STYLE.md habit 7: no wall-clock
// thresholds in unit tests). Implementations are thread-safe.
class SteadyClock {
 public:
  using Duration = std::chrono::steady_clock::duration;
  using TimePoint = std::chrono::steady_clock::time_point;

  virtual ~SteadyClock() = default;

  // The current point of this clock's time; never decreases.
  virtual TimePoint Now() const = 0;

  // Blocks the calling thread until Now() >= deadline or a stop is requested
  // on `stop`, whichever comes first (at once when either already holds).
  // Returns true when the deadline was reached, false when it returned
  // because of the stop. Spurious wake-ups are absorbed inside. A
  // default-constructed token never stops the wait.
  virtual bool WaitUntil(TimePoint deadline, std::stop_token stop) const = 0;
};

// std::chrono::steady_clock. WaitUntil sleeps on a condition variable that a
// stop request wakes at once. Stateless: Instance() serves everyone.
class RealSteadyClock final : public SteadyClock {
 public:
  TimePoint Now() const override;
  bool WaitUntil(TimePoint deadline, std::stop_token stop) const override;

  // The shared instance; lives for the whole program.
  static const RealSteadyClock& Instance();
};

// Monotonic time read off a Clock: for a process that runs on simulated time
// (`tarifador demo`, in-process tests on a sped-up or hand-moved simulator),
// so that durations run as fast as that time does. Never decreases, even if
// the clock does. WaitUntil polls every millisecond of real time. Borrows the
// clock, which must outlive this object.
class SteadyFromClock final : public SteadyClock {
 public:
  explicit SteadyFromClock(const Clock& clock) : clock_(clock) {}
  TimePoint Now() const override;
  bool WaitUntil(TimePoint deadline, std::stop_token stop) const override;

 private:
  const Clock& clock_;
  mutable std::atomic<int64_t> last_us_{0};
};

// Time that moves only when a test calls Advance(). A thread blocked in
// WaitUntil stays blocked, however long it waits in real time, until
// Advance() reaches its deadline or its stop is requested, so a test can
// assert exactly how long the code under test chose to wait
// (AwaitWaiter) and release it at exactly that point. Thread-safe.
class FakeSteadyClock final : public SteadyClock {
 public:
  // Starts at `start` (an hour past the steady epoch by default, so no
  // computed point is ever negative).
  explicit FakeSteadyClock(TimePoint start = TimePoint(std::chrono::hours(1)));
  FakeSteadyClock(const FakeSteadyClock&) = delete;
  FakeSteadyClock& operator=(const FakeSteadyClock&) = delete;

  TimePoint Now() const override;
  bool WaitUntil(TimePoint deadline, std::stop_token stop) const override;

  // Moves time forward by `d` (a negative `d` is ignored) and releases every
  // WaitUntil whose deadline is now reached, in the same step.
  void Advance(Duration d);

  // Threads blocked in WaitUntil whose deadline has not been reached.
  size_t Waiters() const;

  // Blocks the caller for at most `real_timeout` of REAL time until at least
  // one thread is blocked in WaitUntil with its deadline not reached, and
  // returns how far ahead of Now() the earliest such deadline is: the wait the
  // code under test chose. std::nullopt when nobody waits by then (a
  // generous `real_timeout` only runs out when the code under test is
  // broken).
  std::optional<Duration> AwaitWaiter(std::chrono::milliseconds real_timeout) const;

  // Every wait asked for so far, in call order: deadline - Now() at each
  // WaitUntil call (zero or negative for a deadline already past).
  std::vector<Duration> WaitsRequested() const;

 private:
  mutable std::mutex mu_;
  // Signalled by Advance() (waiters re-check their deadline) and by every
  // new waiter (AwaitWaiter re-checks).
  mutable std::condition_variable_any cv_;
  TimePoint now_;
  mutable uint64_t next_waiter_ = 0;
  mutable std::map<uint64_t, TimePoint> pending_;  // waiter id -> deadline, not reached yet
  mutable std::vector<Duration> requested_;
};

}  // namespace tarifador::base
