#pragma once
// Login throttling (SPEC section 7), counted in memory.
//
// Failures count against the pair (user name, client address): after
// `max_failures` within `window_us` that name is refused from that address
// for a delay that doubles with each further failure (30 s, 1 min, 2 min ...
// up to 15 min). The name stays usable from everywhere else, so a stranger
// cannot lock the admin out by guessing at it. An address that fails
// `max_address_failures` times, whatever the names, is refused the same way
// (a password sprayer), with a threshold high enough that a few typos behind
// one NAT address never lock out the office.
//
// Attempts in flight count too: an attempt is admitted (Begin) before its
// password is checked, so 30 concurrent wrong logins get exactly
// `max_failures` checks, not 30. A refused attempt never checks the password,
// so a throttled attacker learns nothing and costs no argon2id time.
//
// Memory is bounded: at most `max_entries` keys of each kind; when full, idle
// entries are dropped first, then the ones seen longest ago.
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/time.h"

namespace tarifador::http {

struct ThrottlePolicy {
  int max_failures = 5;                      // per (name, address) within the window
  int max_address_failures = 30;             // per address, whatever the names
  int64_t window_us = 5LL * 60 * 1'000'000;  // failures older than this are forgotten
  int64_t base_lock_us = 30LL * 1'000'000;   // first lock; doubles after each further failure
  int64_t max_lock_us = 15LL * 60 * 1'000'000;
  // Refusal for an attempt that would exceed the budget only because others
  // are still being checked.
  int64_t busy_retry_us = 1'000'000;
  size_t max_entries = 10'000;  // per kind (pairs, addresses)
};

// Thread-safe (one mutex; every call is O(1) except an eviction when full).
class LoginThrottle {
 public:
  // One login attempt. Admitted or not; when admitted, it holds a place in
  // the budget until Failed() or Succeeded() (or its destruction, which
  // gives the place back uncounted: an attempt that ended in a store error).
  class Attempt {
   public:
    Attempt(Attempt&& other) noexcept;
    Attempt& operator=(Attempt&&) = delete;
    Attempt(const Attempt&) = delete;
    Attempt& operator=(const Attempt&) = delete;
    ~Attempt();

    bool admitted() const { return owner_ != nullptr; }
    // Microseconds to wait before trying again; 0 when admitted.
    int64_t retry_after_us() const { return retry_after_us_; }
    // Counts a failure for the name at this address and for the address;
    // returns the delay now due for this name from this address (0: none).
    int64_t Failed();
    // Forgets this name's failures from this address. The address keeps its
    // count: one good password must not reset a sprayer's budget.
    void Succeeded();

   private:
    friend class LoginThrottle;
    Attempt() = default;
    LoginThrottle* owner_ = nullptr;
    std::string pair_key_;
    std::string ip_;
    int64_t retry_after_us_ = 0;
  };

  LoginThrottle(ThrottlePolicy policy, const base::Clock& clock);

  // Admits an attempt for `user` (compared case-insensitively) from `ip`, or
  // says how long to wait.
  Attempt Begin(std::string_view user, std::string_view ip);

  // Remembered keys (pairs plus addresses), for tests and metrics.
  size_t size() const;

 private:
  struct Entry {
    int failures = 0;
    int in_flight = 0;
    int64_t last_failure_us = 0;
    int64_t locked_until_us = 0;
  };
  using Map = std::unordered_map<std::string, Entry>;

  int Failures(const Entry& e, int64_t now) const;
  void Fail(Map& map, const std::string& key, int max_failures, int64_t now);
  void Release(Map& map, const std::string& key);
  void MakeRoom(Map& map, int64_t now);

  const ThrottlePolicy policy_;
  const base::Clock& clock_;
  mutable std::mutex mu_;
  Map pairs_;
  Map ips_;
};

}  // namespace tarifador::http
