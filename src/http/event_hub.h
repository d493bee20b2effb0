#pragma once
// EventHub: the fan-out behind GET /api/v1/events (Server-Sent Events,
// docs/API.md "Live updates"). Publishers (the billing thread, the store
// writer's commit callbacks, the ESL link watcher, HTTP handlers) hand it
// one event; it formats the SSE frame once and appends it to every
// subscriber's bounded queue. Each SSE stream drains its own queue on its
// HTTP worker thread.
//
// Publishing never waits for a client: it takes two short mutexes (the
// subscriber list, then each queue) and never touches a socket. A client
// whose queue is full (it reads slower than events come) is dropped: its
// stream ends and the browser's EventSource reconnects. Ids increase by one
// per event, across all subscribers, so a client can see it missed some.
//
// Thread-safe throughout. Owned by app; must outlive the HTTP server.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace tarifador::http {

class EventHub {
 public:
  struct Options {
    // Frames waiting per subscriber before it counts as too slow and is dropped.
    size_t queue_limit = 1024;
    // Open streams at most: each holds a connection and its thread.
    size_t max_subscribers = 16;
    // Open streams at most for one owner (a user or token), so one viewer
    // cannot take every slot: a few dashboard tabs.
    size_t max_per_owner = 3;
    // A ": keepalive" comment after this long without a frame, so proxies
    // and browsers keep an idle stream open.
    std::chrono::milliseconds keepalive{15'000};
  };

  // One stream's queue. Obtained from Subscribe(); leaves the hub when the
  // last shared_ptr to it goes. Next() is for one thread (the stream's).
  class Subscriber {
   public:
    // Waits up to `wait` for frames and returns them concatenated (possibly
    // several), "" when none came in time, or nullopt when the stream must
    // end (dropped as too slow, or the hub closed).
    std::optional<std::string> Next(std::chrono::milliseconds wait);
    // Why the stream ended: "" while it runs, "too_slow", "closed".
    std::string end_reason() const;

   private:
    friend class EventHub;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::string> frames_;
    std::string ended_;  // "" while live
    std::string owner_;  // set once by Subscribe
  };

  EventHub();
  explicit EventHub(Options options);
  ~EventHub();
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

  // Formats `id: N`, `event: name` and `data: json` (json must be one line of
  // serialised JSON) and queues the frame for every subscriber. Returns the
  // event's id. Never blocks on a client; callable from any thread.
  uint64_t Publish(std::string_view name, std::string_view json);

  // A new stream's queue for `owner` (the principal's actor, e.g.
  // "user:alice"; "" for none, which max_per_owner does not count), or
  // Unavailable when max_subscribers are open or the hub is closed, or
  // ResourceExhausted when the owner has max_per_owner open. The stream's
  // first frame (hello) is the caller's.
  base::Result<std::shared_ptr<Subscriber>> Subscribe(std::string_view owner = {});

  // Ends every stream (their Next() returns nullopt) and refuses new ones;
  // the HTTP server calls it when stopping so that no stream holds a worker.
  // Idempotent.
  void Close();

  const Options& options() const { return options_; }
  size_t subscriber_count() const;
  uint64_t last_id() const;
  // Subscribers dropped for being too slow, since start.
  uint64_t dropped() const;

 private:
  const Options options_;
  mutable std::mutex mu_;
  std::vector<std::weak_ptr<Subscriber>> subscribers_;
  uint64_t next_id_ = 1;
  uint64_t dropped_ = 0;
  bool closed_ = false;
};

// The SSE frame for one event ("id: 7\nevent: call_start\ndata: {...}\n\n").
std::string SseFrame(uint64_t id, std::string_view name, std::string_view json);

}  // namespace tarifador::http
