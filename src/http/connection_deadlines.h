#pragma once
// Whole-request deadlines for the HTTP server's connections.
//
// libmicrohttpd 0.9.75 times a connection out only after a stretch of
// silence, so a client that sends one byte every few seconds (slowloris)
// would keep its connection, and the thread serving it, for ever. This keeps,
// for each open connection, how far its current request has got and since
// when; the server's watchdog cuts the ones whose request head, or whole
// request, is late. Bookkeeping only, with the time passed in, so tests step
// it by hand.
#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <unordered_map>

namespace tarifador::http {

class ConnectionDeadlines {
 public:
  using Clock = std::chrono::steady_clock;
  struct Limits {
    // From the connection's start, or the end of its previous answer, to the
    // end of the request's head (request line and headers): idle keep-alive
    // connections are closed after this long too.
    std::chrono::milliseconds head{10'000};
    // From the same start to the last byte of the body.
    std::chrono::milliseconds request{30'000};
  };
  // A connection, as the server knows it: an opaque key and its socket.
  using Key = const void*;

  explicit ConnectionDeadlines(Limits limits) : limits_(limits) {}

  // A connection was accepted: the time of its first request starts now.
  void Opened(Key key, int fd, Clock::time_point now);
  // The connection finished answering a request: the time of its next one
  // starts now. Only a connection still open counts: a late notice for one
  // already closed must not bring back an entry whose socket number may
  // belong to another connection by then.
  void AwaitRequest(Key key, Clock::time_point now);
  // The head of the connection's request has arrived; its body follows.
  void HeadReceived(Key key);
  // The whole request has arrived: no deadline while the server answers.
  void Answering(Key key);
  void Closed(Key key);

  // Calls `cut` with the socket of each connection past its deadline at `now`,
  // once per connection, under the lock that Closed() takes, so the socket
  // cannot have been closed and reused meanwhile. Returns how many were cut.
  size_t CutOverdue(Clock::time_point now, const std::function<void(int fd)>& cut);

  size_t open() const;

 private:
  enum class Phase { kHead, kBody, kAnswering, kCut };
  struct Entry {
    int fd = -1;
    Phase phase = Phase::kHead;
    Clock::time_point since;
  };

  const Limits limits_;
  mutable std::mutex mu_;
  std::unordered_map<Key, Entry> entries_;
};

}  // namespace tarifador::http
