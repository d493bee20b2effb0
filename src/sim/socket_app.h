#pragma once
// FreeSWITCH's side of the dialplan's `socket` application in sync mode
// (mod_event_socket.c socket_function and listener_run, 1.10.12), for the
// fake switch (FakeSwitch::SetDialplanSocket): it connects to the address
// given (a refused connection ends the session at once: "Socket Error!"),
// waits up to 25 s for `connect`, answers with the channel's data, carries
// out each `sendmsg` at once (execute `set`, `unset`, `sched_hangup` and
// `hangup`, call-command `hangup`; other applications are acknowledged and
// ignored) with a
// command/reply "+OK", answers `exit` with "+OK bye", and ends the session
// when the peer closes, or with a disconnect notice when the call is hung up
// meanwhile. Then FakeSwitch::SocketAppDone lets the dialplan go on.
//
// Threads: a pool that grows to the sessions in progress and keeps its
// threads for later calls (FreeSWITCH runs each in the call's own thread;
// making one per call here would stall the switch, whose lock Run() is
// called under). Joined by Stop() (or the destructor).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "esl/tcp_transport.h"
#include "sim/fake_switch.h"

namespace tarifador::sim {

class SocketApp final : public DialplanSocket {
 public:
  // `fake_switch` must outlive this object.
  SocketApp(FakeSwitch& fake_switch, std::string host, uint16_t port);
  ~SocketApp() override;  // Stop()
  SocketApp(const SocketApp&) = delete;
  SocketApp& operator=(const SocketApp&) = delete;

  void Run(const std::string& uuid, std::string channel_data) override;
  // How long each finished session held its call, from Run() to the
  // dialplan going on (real time, microseconds), in the order they ended.
  std::vector<int64_t> HoldTimesUs() const;
  // Breaks off every session (each ends as if the peer closed) and joins them.
  void Stop();

 private:
  struct Session {
    std::string uuid;
    std::string channel_data;
    esl::TcpTransport transport;
    std::chrono::steady_clock::time_point started;
  };
  void WorkerLoop();
  void Serve(Session& session);
  // Runs one command of the session; false when the session must end.
  bool Execute(Session& session, const std::string& line, const esl::Headers& headers, std::string& reply);

  FakeSwitch& switch_;
  const std::string host_;
  const uint16_t port_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Session>> queue_;
  std::set<Session*> serving_;
  std::vector<std::thread> workers_;
  size_t idle_ = 0;
  bool stopped_ = false;
  std::vector<int64_t> hold_us_;
};

}  // namespace tarifador::sim
