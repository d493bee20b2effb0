#include "http/connection_deadlines.h"

namespace tarifador::http {

void ConnectionDeadlines::Opened(Key key, int fd, Clock::time_point now) {
  std::lock_guard lock(mu_);
  entries_[key] = Entry{fd, Phase::kHead, now};
}

void ConnectionDeadlines::AwaitRequest(Key key, Clock::time_point now) {
  std::lock_guard lock(mu_);
  const auto it = entries_.find(key);
  if (it == entries_.end() || it->second.phase == Phase::kCut) return;  // closed, or being closed
  it->second.phase = Phase::kHead;
  it->second.since = now;
}

void ConnectionDeadlines::HeadReceived(Key key) {
  std::lock_guard lock(mu_);
  const auto it = entries_.find(key);
  if (it != entries_.end() && it->second.phase == Phase::kHead) it->second.phase = Phase::kBody;
}

void ConnectionDeadlines::Answering(Key key) {
  std::lock_guard lock(mu_);
  const auto it = entries_.find(key);
  if (it != entries_.end() && it->second.phase != Phase::kCut) it->second.phase = Phase::kAnswering;
}

void ConnectionDeadlines::Closed(Key key) {
  std::lock_guard lock(mu_);
  entries_.erase(key);
}

size_t ConnectionDeadlines::CutOverdue(Clock::time_point now, const std::function<void(int fd)>& cut) {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (auto& [key, e] : entries_) {
    const bool late = (e.phase == Phase::kHead && now - e.since > limits_.head) ||
                      (e.phase == Phase::kBody && now - e.since > limits_.request);
    if (!late) continue;
    e.phase = Phase::kCut;
    cut(e.fd);
    ++n;
  }
  return n;
}

size_t ConnectionDeadlines::open() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace tarifador::http
