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

LoginThrottle::Attempt::Attempt(Attempt&& other) noexcept
    : owner_(other.owner_),
      pair_key_(std::move(other.pair_key_)),
      ip_(std::move(other.ip_)),
      retry_after_us_(other.retry_after_us_) {
  other.owner_ = nullptr;
}

LoginThrottle::Attempt::~Attempt() {
  if (owner_ == nullptr) return;
  std::lock_guard<std::mutex> lock(owner_->mu_);
  owner_->Release(owner_->pairs_, pair_key_);
  owner_->Release(owner_->ips_, ip_);
}

int64_t LoginThrottle::Attempt::Failed() {
  if (owner_ == nullptr) return retry_after_us_;
  LoginThrottle& t = *owner_;
  owner_ = nullptr;
  const int64_t now = t.clock_.Now().micros();
  std::lock_guard<std::mutex> lock(t.mu_);
  t.Release(t.pairs_, pair_key_);
  t.Release(t.ips_, ip_);
  t.Fail(t.pairs_, pair_key_, t.policy_.max_failures, now);
  t.Fail(t.ips_, ip_, t.policy_.max_address_failures, now);
  const auto it = t.pairs_.find(pair_key_);
  const auto ip = t.ips_.find(ip_);
  int64_t wait = 0;
  if (it != t.pairs_.end()) wait = std::max(wait, it->second.locked_until_us - now);
  if (ip != t.ips_.end()) wait = std::max(wait, ip->second.locked_until_us - now);
  return wait;
}

void LoginThrottle::Attempt::Succeeded() {
  if (owner_ == nullptr) return;
  LoginThrottle& t = *owner_;
  owner_ = nullptr;
  std::lock_guard<std::mutex> lock(t.mu_);
  t.Release(t.ips_, ip_);
  const auto it = t.pairs_.find(pair_key_);
  if (it == t.pairs_.end()) return;
  if (--it->second.in_flight <= 0) {
    t.pairs_.erase(it);
  } else {
    it->second.failures = 0;
    it->second.locked_until_us = 0;
  }
}

int LoginThrottle::Failures(const Entry& e, int64_t now) const {
  // A quiet window forgives the old failures. It counts from the end of the
  // last lock, so that locks longer than the window still keep doubling.
  if (e.failures > 0 && now - std::max(e.last_failure_us, e.locked_until_us) > policy_.window_us) return 0;
  return e.failures;
}

LoginThrottle::Attempt LoginThrottle::Begin(std::string_view user, std::string_view ip) {
  const int64_t now = clock_.Now().micros();
  Attempt a;
  a.pair_key_ = Lower(user);
  a.pair_key_ += '\n';
  a.pair_key_ += ip.substr(0, 64);
  a.ip_ = std::string(ip.substr(0, 64));
  std::lock_guard<std::mutex> lock(mu_);
  const auto pair = pairs_.find(a.pair_key_);
  const auto addr = ips_.find(a.ip_);
  int64_t wait = 0;
  if (pair != pairs_.end()) wait = std::max(wait, pair->second.locked_until_us - now);
  if (addr != ips_.end()) wait = std::max(wait, addr->second.locked_until_us - now);
  if (wait > 0) {
    a.retry_after_us_ = wait;
    return a;
  }
  // Before the threshold, failures plus attempts in flight must stay under
  // it; past it (a lock just ran out), one attempt at a time, each failure
  // doubling the next lock.
  const auto full = [this, now](const Entry& e, int max_failures) {
    const int failures = Failures(e, now);
    return failures >= max_failures ? e.in_flight >= 1 : failures + e.in_flight >= max_failures;
  };
  const bool pair_full = pair != pairs_.end() && full(pair->second, policy_.max_failures);
  const bool addr_full = addr != ips_.end() && full(addr->second, policy_.max_address_failures);
  if (pair_full || addr_full) {
    a.retry_after_us_ = policy_.busy_retry_us;
    return a;
  }
  if (pair == pairs_.end()) MakeRoom(pairs_, now);
  if (addr == ips_.end()) MakeRoom(ips_, now);
  ++pairs_[a.pair_key_].in_flight;
  ++ips_[a.ip_].in_flight;
  a.owner_ = this;
  return a;
}

void LoginThrottle::Release(Map& map, const std::string& key) {
  const auto it = map.find(key);
  if (it != map.end() && it->second.in_flight > 0) --it->second.in_flight;
}

void LoginThrottle::Fail(Map& map, const std::string& key, int max_failures, int64_t now) {
  if (map.find(key) == map.end()) MakeRoom(map, now);
  Entry& e = map[key];
  if (Failures(e, now) == 0) {
    e.failures = 0;
    e.locked_until_us = 0;
  }
  ++e.failures;
  e.last_failure_us = now;
  if (e.failures >= max_failures) {
    const int doublings = std::min(e.failures - max_failures, 30);
    const int64_t lock_us = std::min(policy_.max_lock_us, policy_.base_lock_us << doublings);
    e.locked_until_us = now + lock_us;
  }
}

size_t LoginThrottle::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pairs_.size() + ips_.size();
}

void LoginThrottle::MakeRoom(Map& map, int64_t now) {
  if (map.size() < policy_.max_entries) return;
  // First drop entries that no longer matter: nothing in flight, unlocked
  // and out of the window.
  for (auto it = map.begin(); it != map.end();) {
    const Entry& e = it->second;
    if (e.in_flight == 0 && now - std::max(e.last_failure_us, e.locked_until_us) > policy_.window_us) {
      it = map.erase(it);
    } else {
      ++it;
    }
  }
  if (map.size() < policy_.max_entries) return;
  // Still full (a wide attack): forget the idle entry seen longest ago.
  auto oldest = map.end();
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (it->second.in_flight == 0 &&
        (oldest == map.end() || it->second.last_failure_us < oldest->second.last_failure_us)) {
      oldest = it;
    }
  }
  if (oldest != map.end()) map.erase(oldest);
}

}  // namespace tarifador::http
