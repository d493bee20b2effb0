#include "http/login_throttle.h"

#include <catch2/catch.hpp>

using namespace tarifador;
using namespace tarifador::http;

namespace {
constexpr int64_t kSecond = 1'000'000;
}

TEST_CASE("Five failures lock the name and the address with a doubling delay", "[http][throttle]") {
  base::FakeClock clock;
  LoginThrottle t(ThrottlePolicy{}, clock);
  for (int i = 0; i < 4; ++i) {
    CHECK(t.RetryAfterUs("alice", "10.0.0.1") == 0);
    t.RecordFailure("alice", "10.0.0.1");
  }
  CHECK(t.RetryAfterUs("alice", "10.0.0.1") == 0);
  t.RecordFailure("Alice", "10.0.0.1");                        // names compare case-insensitively
  CHECK(t.RetryAfterUs("alice", "10.0.0.2") == 30 * kSecond);  // the name is locked
  CHECK(t.RetryAfterUs("bob", "10.0.0.1") == 30 * kSecond);    // and the address
  CHECK(t.RetryAfterUs("bob", "10.0.0.2") == 0);

  clock.AdvanceMicros(31 * kSecond);
  CHECK(t.RetryAfterUs("alice", "10.0.0.1") == 0);
  t.RecordFailure("alice", "10.0.0.1");  // the 6th failure doubles the delay
  CHECK(t.RetryAfterUs("alice", "10.0.0.9") == 60 * kSecond);
  clock.AdvanceMicros(61 * kSecond);
  t.RecordFailure("alice", "10.0.0.1");
  CHECK(t.RetryAfterUs("alice", "10.0.0.9") == 120 * kSecond);
}

TEST_CASE("The delay is capped and a quiet window forgives", "[http][throttle]") {
  base::FakeClock clock;
  ThrottlePolicy p;
  LoginThrottle t(p, clock);
  for (int i = 0; i < 40; ++i) {
    clock.AdvanceMicros(t.RetryAfterUs("x", "ip"));
    t.RecordFailure("x", "ip");
  }
  CHECK(t.RetryAfterUs("x", "ip") == p.max_lock_us);
  clock.AdvanceMicros(p.max_lock_us + p.window_us + kSecond);
  t.RecordFailure("x", "ip");  // counted from zero again
  CHECK(t.RetryAfterUs("x", "ip") == 0);
}

TEST_CASE("Success clears the name but not the address", "[http][throttle]") {
  base::FakeClock clock;
  LoginThrottle t(ThrottlePolicy{}, clock);
  for (int i = 0; i < 4; ++i) t.RecordFailure("alice", "10.0.0.1");
  t.RecordSuccess("alice");
  t.RecordFailure("alice", "10.0.0.2");
  CHECK(t.RetryAfterUs("alice", "10.0.0.3") == 0);  // name count restarted
  t.RecordFailure("carol", "10.0.0.1");             // the address's 5th failure
  CHECK(t.RetryAfterUs("zed", "10.0.0.1") > 0);
}

TEST_CASE("Memory stays bounded under many distinct names and addresses", "[http][throttle]") {
  base::FakeClock clock;
  ThrottlePolicy p;
  p.max_entries = 100;
  LoginThrottle t(p, clock);
  for (int i = 0; i < 1000; ++i) {
    t.RecordFailure("user" + std::to_string(i), "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256));
    clock.AdvanceMicros(1000);
  }
  CHECK(t.size() <= 2 * p.max_entries);
  CHECK(t.size() >= 2);
}
