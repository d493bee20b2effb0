#include "http/login_throttle.h"

#include <catch2/catch.hpp>
#include <vector>

using namespace tarifador;
using namespace tarifador::http;

namespace {
constexpr int64_t kSecond = 1'000'000;

// One failed attempt; false when it was not even admitted.
bool FailOnce(LoginThrottle& t, std::string_view user, std::string_view ip) {
  LoginThrottle::Attempt a = t.Begin(user, ip);
  if (!a.admitted()) return false;
  a.Failed();
  return true;
}

int64_t Wait(LoginThrottle& t, std::string_view user, std::string_view ip) {
  return t.Begin(user, ip).retry_after_us();
}

}  // namespace

TEST_CASE("Five failures lock that name from that address with a doubling delay", "[http][throttle]") {
  base::FakeClock clock;
  LoginThrottle t(ThrottlePolicy{}, clock);
  for (int i = 0; i < 4; ++i) REQUIRE(FailOnce(t, "alice", "10.0.0.1"));
  CHECK(Wait(t, "alice", "10.0.0.1") == 0);
  REQUIRE(FailOnce(t, "Alice", "10.0.0.1"));  // names compare case-insensitively
  CHECK(Wait(t, "alice", "10.0.0.1") == 30 * kSecond);
  // Nobody else is locked: not alice from her own desk, not bob from the
  // attacker's address.
  CHECK(Wait(t, "alice", "10.0.0.2") == 0);
  CHECK(Wait(t, "bob", "10.0.0.1") == 0);

  clock.AdvanceMicros(31 * kSecond);
  REQUIRE(FailOnce(t, "alice", "10.0.0.1"));  // the 6th failure doubles the delay
  CHECK(Wait(t, "alice", "10.0.0.1") == 60 * kSecond);
  clock.AdvanceMicros(61 * kSecond);
  REQUIRE(FailOnce(t, "alice", "10.0.0.1"));
  CHECK(Wait(t, "alice", "10.0.0.1") == 120 * kSecond);
}

TEST_CASE("A stranger guessing at admin never locks admin out elsewhere", "[http][throttle]") {
  base::FakeClock clock;
  LoginThrottle t(ThrottlePolicy{}, clock);
  for (int i = 0; i < 200; ++i) {
    clock.AdvanceMicros(Wait(t, "admin", "192.168.1.66"));
    FailOnce(t, "admin", "192.168.1.66");
  }
  CHECK(Wait(t, "admin", "192.168.1.66") > 0);
  CHECK(Wait(t, "admin", "192.168.1.10") == 0);
  LoginThrottle::Attempt good = t.Begin("admin", "192.168.1.10");
  REQUIRE(good.admitted());
  good.Succeeded();
}

TEST_CASE("An address spraying many names is refused after max_address_failures", "[http][throttle]") {
  base::FakeClock clock;
  ThrottlePolicy p;
  LoginThrottle t(p, clock);
  // A few typos by different people behind one address lock nobody out.
  for (int i = 0; i < 5; ++i) REQUIRE(FailOnce(t, "user" + std::to_string(i), "10.0.0.1"));
  CHECK(Wait(t, "carol", "10.0.0.1") == 0);
  for (int i = 5; i < p.max_address_failures; ++i) REQUIRE(FailOnce(t, "user" + std::to_string(i), "10.0.0.1"));
  CHECK(Wait(t, "carol", "10.0.0.1") == 30 * kSecond);
  CHECK(Wait(t, "carol", "10.0.0.2") == 0);
}

TEST_CASE("Attempts in flight count: concurrent guesses get max_failures checks", "[http][throttle]") {
  base::FakeClock clock;
  LoginThrottle t(ThrottlePolicy{}, clock);
  // Thirty attempts begun before any finishes (they all wait on argon2id).
  std::vector<LoginThrottle::Attempt> admitted;
  int refused = 0;
  for (int i = 0; i < 30; ++i) {
    LoginThrottle::Attempt a = t.Begin("admin", "10.0.0.9");
    if (a.admitted()) {
      admitted.push_back(std::move(a));
    } else {
      CHECK(a.retry_after_us() == ThrottlePolicy{}.busy_retry_us);
      ++refused;
    }
  }
  CHECK(admitted.size() == 5);
  CHECK(refused == 25);
  for (auto& a : admitted) a.Failed();
  CHECK(Wait(t, "admin", "10.0.0.9") == 30 * kSecond);
}

TEST_CASE("An attempt dropped without a verdict gives its place back", "[http][throttle]") {
  base::FakeClock clock;
  LoginThrottle t(ThrottlePolicy{}, clock);
  for (int i = 0; i < 10; ++i) {
    LoginThrottle::Attempt a = t.Begin("alice", "10.0.0.1");
    REQUIRE(a.admitted());  // e.g. the store was busy: neither failed nor succeeded
  }
  CHECK(Wait(t, "alice", "10.0.0.1") == 0);
}

TEST_CASE("The delay is capped and a quiet window forgives", "[http][throttle]") {
  base::FakeClock clock;
  ThrottlePolicy p;
  LoginThrottle t(p, clock);
  for (int i = 0; i < 40; ++i) {
    clock.AdvanceMicros(Wait(t, "x", "ip"));
    FailOnce(t, "x", "ip");
  }
  CHECK(Wait(t, "x", "ip") == p.max_lock_us);
  clock.AdvanceMicros(p.max_lock_us + p.window_us + kSecond);
  REQUIRE(FailOnce(t, "x", "ip"));  // counted from zero again
  CHECK(Wait(t, "x", "ip") == 0);
}

TEST_CASE("Success clears the name at that address but not the address", "[http][throttle]") {
  base::FakeClock clock;
  ThrottlePolicy p;
  p.max_address_failures = 6;
  LoginThrottle t(p, clock);
  for (int i = 0; i < 4; ++i) REQUIRE(FailOnce(t, "alice", "10.0.0.1"));
  LoginThrottle::Attempt ok = t.Begin("alice", "10.0.0.1");
  REQUIRE(ok.admitted());
  ok.Succeeded();
  REQUIRE(FailOnce(t, "alice", "10.0.0.1"));
  CHECK(Wait(t, "alice", "10.0.0.1") == 0);   // the name's count restarted
  REQUIRE(FailOnce(t, "carol", "10.0.0.1"));  // the address's 6th failure
  CHECK(Wait(t, "zed", "10.0.0.1") > 0);
}

TEST_CASE("Memory stays bounded under many distinct names and addresses", "[http][throttle]") {
  base::FakeClock clock;
  ThrottlePolicy p;
  p.max_entries = 100;
  LoginThrottle t(p, clock);
  for (int i = 0; i < 1000; ++i) {
    FailOnce(t, "user" + std::to_string(i), "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256));
    clock.AdvanceMicros(1000);
  }
  CHECK(t.size() <= 2 * p.max_entries);
  CHECK(t.size() >= 2);
}
