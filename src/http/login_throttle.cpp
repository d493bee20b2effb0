#include "http/login_throttle.h"

#include <algorithm>

namespace tarifador::http {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  // Long junk names must not make the map's keys large.
  if (out.size() > 128) out.resize(128);
  return out;
}

}  // namespace

LoginThrottle::LoginThrottle(ThrottlePolicy policy, const base::Clock& clock) : policy_(policy), clock_(clock) {}

int64_t LoginThrottle::RemainingUs(const Map& map, const std::string& key, int64_t now) const {
  const auto it = map.find(key);
  if (it == map.end()) return 0;
  return std::max<int64_t>(0, it->second.locked_until_us - now);
}

int64_t LoginThrottle::RetryAfterUs(std::string_view user, std::string_view ip) {
  const int64_t now = clock_.Now().micros();
  std::lock_guard<std::mutex> lock(mu_);
  return std::max(RemainingUs(users_, Lower(user), now), RemainingUs(ips_, std::string(ip), now));
}

void LoginThrottle::Fail(Map& map, const std::string& key, int64_t now) {
  if (map.find(key) == map.end()) MakeRoom(map, now);
  Entry& e = map[key];
  // A quiet window forgives the old failures. It counts from the end of the
  // last lock, so that locks longer than the window still keep doubling.
  if (e.failures > 0 && now - std::max(e.last_failure_us, e.locked_until_us) > policy_.window_us) {
    e = Entry{};
  }
  ++e.failures;
  e.last_failure_us = now;
  if (e.failures >= policy_.max_failures) {
    const int doublings = std::min(e.failures - policy_.max_failures, 30);
    const int64_t lock_us = std::min(policy_.max_lock_us, policy_.base_lock_us << doublings);
    e.locked_until_us = now + lock_us;
  }
}

void LoginThrottle::RecordFailure(std::string_view user, std::string_view ip) {
  const int64_t now = clock_.Now().micros();
  std::lock_guard<std::mutex> lock(mu_);
  Fail(users_, Lower(user), now);
  Fail(ips_, std::string(ip), now);
}

void LoginThrottle::RecordSuccess(std::string_view user) {
  std::lock_guard<std::mutex> lock(mu_);
  users_.erase(Lower(user));
}

size_t LoginThrottle::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return users_.size() + ips_.size();
}

void LoginThrottle::MakeRoom(Map& map, int64_t now) {
  if (map.size() < policy_.max_entries) return;
  // First drop entries that no longer matter: unlocked and out of the window.
  for (auto it = map.begin(); it != map.end();) {
    const Entry& e = it->second;
    if (now - std::max(e.last_failure_us, e.locked_until_us) > policy_.window_us) {
      it = map.erase(it);
    } else {
      ++it;
    }
  }
  if (map.size() < policy_.max_entries) return;
  // Still full (a wide attack): forget the entry seen longest ago.
  const auto oldest = std::min_element(map.begin(), map.end(), [](const auto& a, const auto& b) {
    return a.second.last_failure_us < b.second.last_failure_us;
  });
  if (oldest != map.end()) map.erase(oldest);
}

}  // namespace tarifador::http
