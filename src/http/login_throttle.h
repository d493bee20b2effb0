#pragma once
// Login throttling (SPEC section 7), counted in memory per user name and per
// client IP. After `max_failures` failed logins within `window_us`, further
// attempts for that name or from that address are refused for a delay that
// doubles with each further failure: 30 s, 1 min, 2 min ... up to 15 min.
// A refused attempt does not even check the password, so a throttled
// attacker learns nothing and costs no argon2id time.
//
// Memory is bounded: at most `max_entries` keys are remembered; when full,
// idle entries are dropped first, then the ones seen longest ago.
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/time.h"

namespace tarifador::http {

struct ThrottlePolicy {
  int max_failures = 5;                      // failures allowed within the window
  int64_t window_us = 5LL * 60 * 1'000'000;  // failures older than this are forgotten
  int64_t base_lock_us = 30LL * 1'000'000;   // first lock; doubles after each further failure
  int64_t max_lock_us = 15LL * 60 * 1'000'000;
  size_t max_entries = 10'000;  // per kind (names, addresses)
};

// Thread-safe (one mutex; every call is O(1) except an eviction when full).
class LoginThrottle {
 public:
  LoginThrottle(ThrottlePolicy policy, const base::Clock& clock);

  // Microseconds until `user` (compared case-insensitively) and `ip` may try
  // again; 0 when both may try now.
  int64_t RetryAfterUs(std::string_view user, std::string_view ip);
  // Counts a failed login for both keys.
  void RecordFailure(std::string_view user, std::string_view ip);
  // Forgets the user's failures. The address keeps its count: one good
  // password must not reset an attacker's budget for guessing other users.
  void RecordSuccess(std::string_view user);

  // Remembered keys (names plus addresses), for tests and metrics.
  size_t size() const;

 private:
  struct Entry {
    int failures = 0;
    int64_t last_failure_us = 0;
    int64_t locked_until_us = 0;
  };
  using Map = std::unordered_map<std::string, Entry>;

  int64_t RemainingUs(const Map& map, const std::string& key, int64_t now) const;
  void Fail(Map& map, const std::string& key, int64_t now);
  void MakeRoom(Map& map, int64_t now);

  const ThrottlePolicy policy_;
  const base::Clock& clock_;
  mutable std::mutex mu_;
  Map users_;
  Map ips_;
};

}  // namespace tarifador::http
