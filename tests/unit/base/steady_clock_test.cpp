#include "base/steady_clock.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <stop_token>
#include <thread>
#include <vector>

using namespace tarifador::base;
using namespace std::chrono_literals;

TEST_CASE("FakeSteadyClock releases a waiter exactly at its deadline", "[time][steady_clock]") {
  FakeSteadyClock c;
  const SteadyClock::TimePoint t0 = c.Now();
  auto waited = std::async(std::launch::async, [&] { return c.WaitUntil(c.Now() + 300ms, {}); });
  const auto wait = c.AwaitWaiter(5s);  // a generous real-time limit, not a speed test
  REQUIRE(wait.has_value());
  CHECK(*wait == 300ms);
  CHECK(c.Waiters() == 1);
  // One microsecond short: still waiting, however long that takes in real time.
  c.Advance(300ms - 1us);
  CHECK(c.Waiters() == 1);
  CHECK(waited.wait_for(0s) == std::future_status::timeout);
  c.Advance(1us);
  CHECK(c.Waiters() == 0);  // released in the same step
  REQUIRE(waited.wait_for(5s) == std::future_status::ready);
  CHECK(waited.get());
  CHECK(c.Now() - t0 == 300ms);
  CHECK(c.WaitsRequested() == std::vector<SteadyClock::Duration>{300ms});
  c.Advance(-1s);  // ignored: time never goes back
  CHECK(c.Now() - t0 == 300ms);
}

TEST_CASE("FakeSteadyClock: a deadline already reached returns at once, a stop ends a wait", "[time][steady_clock]") {
  FakeSteadyClock c;
  CHECK(c.WaitUntil(c.Now(), {}));
  CHECK(c.WaitUntil(c.Now() - 1s, {}));
  CHECK(c.Waiters() == 0);
  CHECK_FALSE(c.AwaitWaiter(0ms).has_value());

  std::stop_source stop;
  auto waited = std::async(std::launch::async, [&] { return c.WaitUntil(c.Now() + 1h, stop.get_token()); });
  REQUIRE(c.AwaitWaiter(5s).has_value());
  stop.request_stop();
  REQUIRE(waited.wait_for(5s) == std::future_status::ready);
  CHECK_FALSE(waited.get());
  CHECK(c.Waiters() == 0);
  CHECK_FALSE(c.WaitUntil(c.Now() + 1s, stop.get_token()));  // already stopped: at once
}

TEST_CASE("RealSteadyClock: a past deadline returns at once, a stop ends an hour-long wait", "[time][steady_clock]") {
  const RealSteadyClock& c = RealSteadyClock::Instance();
  CHECK(c.WaitUntil(c.Now() - 1ms, {}));
  std::stop_source stop;
  std::thread stopper([&] {
    std::this_thread::sleep_for(20ms);  // likely (not necessarily) after the wait began
    stop.request_stop();
  });
  // Returning at all is the proof: nothing else ends this wait within the hour.
  CHECK_FALSE(c.WaitUntil(c.Now() + 1h, stop.get_token()));
  stopper.join();
}
