#pragma once
// The listening end of FreeSWITCH's outbound event socket: the dialplan's
// `socket` application (mod_event_socket.c, socket_function). Run without
// "async", it holds the call in the dialplan while FreeSWITCH connects here,
// waits for `connect`, answers with the channel's data (a command/reply whose
// headers are the channel's), runs each `sendmsg` it is sent at once, and
// goes on with the dialplan's next action when the connection closes, unless
// the call was hung up meanwhile. So a decision taken here is taken before
// the dialplan bridges anything (docs/FREESWITCH.md section 2).
//
// Bounded: at most max_sessions connections are served at once (one more is
// closed at once; FreeSWITCH then goes on with the dialplan, whose gate
// applies billing.when_down), each exchange waits at most io_timeout, and
// the channel data is parsed with esl::FrameLimits.
//
// Threads: one accept thread and a pool of session threads, started as
// needed up to max_sessions and kept for the next calls (a call per thread
// at a time; no thread is made per call). Every public member function is
// thread-safe.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/status.h"
#include "esl/event.h"

namespace tarifador::esl {

struct OutboundOptions {
  std::string host = "127.0.0.1";  // no brackets for IPv6
  uint16_t port = 8084;            // mod_event_socket's default for `socket`; 0 picks a free port
  size_t max_sessions = 256;
  // The channel data after `connect`, and each command's reply.
  std::chrono::milliseconds io_timeout{2000};
};

// What the session does with the call before it closes: first removes each
// variable of `unset` (secrets the dialplan collected: FreeSWITCH's later
// events and its own CDR of the call then do not carry them), sets each
// variable in order, runs each application (name, argument) in order, then
// hangs the call up with `hangup_cause` when it is not empty. FreeSWITCH
// runs each at once in the call's own thread, before the dialplan goes on.
struct OutboundVerdict {
  std::vector<std::string> unset;
  std::vector<std::pair<std::string, std::string>> variables;
  std::vector<std::pair<std::string, std::string>> applications;
  std::string hangup_cause;
};

class OutboundServer {
 public:
  // Decides one call from its channel data (Unique-ID, Caller-*, variable_*).
  // Called on the session's thread; may block (it bounds its own wait).
  using Decide = std::function<OutboundVerdict(const Event& channel)>;

  struct Stats {
    uint64_t sessions = 0;  // connections that brought channel data and got a verdict
    uint64_t ended = 0;     // the call was hung up before its data came (killed on its CHANNEL_CREATE)
    uint64_t busy = 0;      // connections closed at once: max_sessions were being served
    uint64_t failed = 0;    // connections that broke off (timeout, bad framing, closed)
  };

  OutboundServer(OutboundOptions options, Decide decide);
  ~OutboundServer();  // Stop()
  OutboundServer(const OutboundServer&) = delete;
  OutboundServer& operator=(const OutboundServer&) = delete;

  // Binds, listens and starts accepting. Unavailable naming the address when
  // it cannot be bound. FailedPrecondition when already started.
  base::Status Start();
  // Closes the listener and every session; joins every thread. Idempotent.
  void Stop();
  // The bound port (useful with port 0); 0 before Start().
  uint16_t port() const { return port_.load(); }
  Stats stats() const;

 private:
  struct Accepted {
    int fd = -1;
    std::string peer;
  };

  void AcceptLoop();
  void WorkerLoop();
  // One session on `fd`; true when a verdict was sent, false when it broke
  // off (`ended`: the call was hung up before its data came).
  bool Serve(const Accepted& session, bool& ended);

  const OutboundOptions options_;
  const Decide decide_;
  std::atomic<uint16_t> port_{0};
  int listen_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: Stop() wakes the accept loop
  std::atomic<bool> stopping_{false};
  std::thread accept_thread_;
  bool started_ = false;

  mutable std::mutex mu_;  // everything below
  std::condition_variable cv_;
  std::deque<Accepted> queue_;  // accepted, waiting for a session thread
  std::set<int> serving_;       // descriptors of the sessions being served
  std::vector<std::thread> workers_;
  size_t idle_ = 0;  // session threads waiting for a connection
  Stats stats_;
};

// The sendmsg commands that carry out `verdict` (each ends with a blank
// line), in order. Variable names and values must not contain line breaks
// (they are dropped).
std::vector<std::string> VerdictCommands(const OutboundVerdict& verdict);

}  // namespace tarifador::esl
