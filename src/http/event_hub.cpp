#include "http/event_hub.h"

#include <algorithm>
#include <utility>

namespace tarifador::http {

std::string SseFrame(uint64_t id, std::string_view name, std::string_view json) {
  std::string out;
  out.reserve(json.size() + name.size() + 40);
  out.append("id: ").append(std::to_string(id)).append("\nevent: ").append(name).append("\ndata: ");
  out.append(json).append("\n\n");
  return out;
}

std::optional<std::string> EventHub::Subscriber::Next(std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, wait, [this] { return !frames_.empty() || !ended_.empty(); });
  if (!ended_.empty()) return std::nullopt;
  std::string out;
  while (!frames_.empty()) {
    out += frames_.front();
    frames_.pop_front();
  }
  return out;
}

std::string EventHub::Subscriber::end_reason() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ended_;
}

EventHub::EventHub() : EventHub(Options{}) {}
EventHub::EventHub(Options options) : options_(options) {}
EventHub::~EventHub() { Close(); }

uint64_t EventHub::Publish(std::string_view name, std::string_view json) {
  std::lock_guard<std::mutex> lock(mu_);
  const uint64_t id = next_id_++;
  if (subscribers_.empty()) return id;
  const std::string frame = SseFrame(id, name, json);
  for (auto it = subscribers_.begin(); it != subscribers_.end();) {
    std::shared_ptr<Subscriber> sub = it->lock();
    if (!sub) {
      it = subscribers_.erase(it);  // its stream has ended
      continue;
    }
    bool drop = false;
    {
      std::lock_guard<std::mutex> sub_lock(sub->mu_);
      if (sub->frames_.size() >= options_.queue_limit) {
        // Too slow: end its stream rather than grow without bound or make
        // billing wait. The browser reconnects and reloads its view.
        sub->ended_ = "too_slow";
        sub->frames_.clear();
        drop = true;
      } else {
        sub->frames_.push_back(frame);
      }
    }
    sub->cv_.notify_one();
    if (drop) {
      ++dropped_;
      it = subscribers_.erase(it);
    } else {
      ++it;
    }
  }
  return id;
}

base::Result<std::shared_ptr<EventHub::Subscriber>> EventHub::Subscribe(std::string_view owner) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return base::Unavailable("the event stream is shutting down");
  subscribers_.erase(std::remove_if(subscribers_.begin(), subscribers_.end(),
                                    [](const std::weak_ptr<Subscriber>& w) { return w.expired(); }),
                     subscribers_.end());
  if (subscribers_.size() >= options_.max_subscribers) {
    return base::Unavailable("too many open event streams (" + std::to_string(options_.max_subscribers) +
                             "); close a dashboard tab and retry");
  }
  if (!owner.empty()) {
    size_t own = 0;
    for (const auto& w : subscribers_) {
      if (const std::shared_ptr<Subscriber> s = w.lock(); s && s->owner_ == owner) ++own;
    }
    if (own >= options_.max_per_owner) {
      return base::ResourceExhausted("you already have " + std::to_string(own) + " live event streams open (limit " +
                                     std::to_string(options_.max_per_owner) + "); close a dashboard tab and retry");
    }
  }
  auto sub = std::make_shared<Subscriber>();
  sub->owner_ = std::string(owner);
  subscribers_.push_back(sub);
  return sub;
}

void EventHub::Close() {
  std::vector<std::weak_ptr<Subscriber>> subs;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    subs.swap(subscribers_);
  }
  for (const auto& w : subs) {
    if (std::shared_ptr<Subscriber> sub = w.lock()) {
      {
        std::lock_guard<std::mutex> sub_lock(sub->mu_);
        sub->ended_ = "closed";
      }
      sub->cv_.notify_all();
    }
  }
}

size_t EventHub::subscriber_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<size_t>(std::count_if(subscribers_.begin(), subscribers_.end(),
                                           [](const std::weak_ptr<Subscriber>& w) { return !w.expired(); }));
}

uint64_t EventHub::last_id() const {
  std::lock_guard<std::mutex> lock(mu_);
  return next_id_ - 1;
}

uint64_t EventHub::dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

}  // namespace tarifador::http
