#pragma once
// The inbound-mode Event Socket server of the fake FreeSWITCH (ESL-NOTES
// section 2): auth/request on accept, `auth`, `event plain|json`,
// `nixevent`, `noevents`, `filter`, `api`, `bgapi` (with BACKGROUND_JOB),
// `exit`, and the replies and disconnect notices byte for byte as
// mod_event_socket writes them. API commands run on a FakeSwitch. It also
// records every command line it receives (tests assert on
// `api uuid_kill <uuid> <cause>`) and injects faults: dropped links, garbage
// bytes, ACL rejection.
//
// Threads: one accept thread and one thread per connection. Every public
// member function is thread-safe.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/status.h"
#include "sim/command_reader.h"
#include "sim/fake_switch.h"

namespace tarifador::sim {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8021;  // 0 picks a free port (see port())
  std::string password = "ClueCon";
  // Every client fails the inbound ACL: text/rude-rejection, notice, close.
  bool acl_reject = false;
  // A connection that has not authenticated after this long is closed (MES 2734: 25 s).
  double auth_timeout_s = 25;
  // A client that does not read for this long is dropped (FreeSWITCH kills
  // listeners whose queue overflows).
  int send_timeout_ms = 5000;
};

// The 67-byte body of mod_event_socket's disconnect notice.
inline constexpr std::string_view kDisconnectText =
    "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n";

class EslServer final : public EventSink {
 public:
  // `fake_switch` must outlive the server.
  EslServer(FakeSwitch& fake_switch, ServerOptions options);
  ~EslServer() override;  // Stop()
  EslServer(const EslServer&) = delete;
  EslServer& operator=(const EslServer&) = delete;

  // Binds, listens, starts accepting and registers as the switch's event
  // sink. Unavailable naming host:port when the address cannot be bound.
  base::Status Start();
  // Closes every connection and the listener; joins all threads. Idempotent.
  void Stop();
  // The bound port (useful with port 0). 0 before Start().
  uint16_t port() const { return port_.load(); }

  // EventSink: delivers the event to every authenticated connection that
  // subscribed to it, in its format. Called by FakeSwitch under its lock.
  void OnEvent(const SimEvent& event) override;

  // --- fault injection -----------------------------------------------------
  // Closes every client connection at once, without a disconnect notice, and
  // for `refuse_for` closes new connections right after accepting them.
  // Events emitted meanwhile are lost, as FreeSWITCH loses them: calls that
  // ended during the outage never send their HANGUP_COMPLETE to anyone.
  void DropLink(std::chrono::milliseconds refuse_for = std::chrono::milliseconds(0));
  // Ends a DropLink outage now, whatever its `refuse_for`: the next
  // connection is accepted. A test that drops the link with a long
  // `refuse_for` ends the outage itself, at a point of its choosing, instead
  // of racing a real-time timer. Harmless when no outage is on.
  void RestoreLink();
  // Writes bytes that break ESL framing to every authenticated connection.
  void SendGarbage();
  void SetAclReject(bool reject);

  // --- inspection ----------------------------------------------------------
  // Every command line received, in arrival order, e.g. "auth ClueCon",
  // "event plain CHANNEL_CREATE ...", "api uuid_kill <uuid> CALL_REJECTED".
  std::vector<std::string> ReceivedCommands() const;
  // How many commands of each kind: "auth", "event", "exit", and
  // "api <cmd>" / "bgapi <cmd>" for API commands.
  std::map<std::string, uint64_t> CommandCounts() const;
  // Waits until a received command line starts with `prefix`; returns that
  // line, or "" after `timeout`.
  std::string WaitForCommand(std::string_view prefix, std::chrono::milliseconds timeout) const;
  // Like WaitForCommand, but returns only once that command has been carried
  // out: its reply written and, for api and bgapi, the command run on the
  // switch (a bgapi's BACKGROUND_JOB emitted). A test that moves a FakeClock
  // waits for this first, so the command acts at the simulated time the
  // test expects (`sched_hangup +10` counts from before the move).
  std::string WaitForCommandHandled(std::string_view prefix, std::chrono::milliseconds timeout) const;
  // Every command line carried out (as WaitForCommandHandled means it), in order.
  std::vector<std::string> HandledCommands() const;
  // Open connections (authenticated or not).
  size_t ConnectionCount() const;
  // Connections that completed `auth` since Start().
  uint64_t AuthenticatedCount() const { return authenticated_total_.load(); }
  // Event frames written to clients (one per event per connection).
  uint64_t EventsSent() const { return events_sent_.load(); }

 private:
  struct Session;

  void AcceptLoop();
  void ServeSession(Session& session);
  // Returns false when the connection must close after this command.
  bool HandleCommand(Session& session, const Command& command);
  std::string HandleEvent(Session& session, std::string_view args);
  std::string HandleFilter(Session& session, std::string_view args);
  std::string RunApi(const std::string& command, const std::string& args);
  void RecordCommand(const std::string& line);
  void RecordHandled(const std::string& line);
  // The first line of `lines` that starts with `prefix`, waiting on log_cv_
  // up to `timeout`; "" if none. Precondition: `lines` is guarded by log_mu_.
  std::string WaitForLine(const std::vector<std::string>& lines, std::string_view prefix,
                          std::chrono::milliseconds timeout) const;
  // Performs a drop_link asked for by "api sim_fault drop_link"; the caller
  // holds no session lock.
  void ApplyPendingDrop();
  static bool Write(Session& session, std::string_view bytes);  // precondition: session.mu held
  static bool Wants(const Session& session, const SimEvent& event);

  FakeSwitch& switch_;
  const ServerOptions options_;
  std::atomic<uint16_t> port_{0};
  int listen_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::thread accept_thread_;
  bool started_ = false;

  mutable std::mutex mu_;  // sessions_, refuse_until_, acl_reject_
  std::list<std::unique_ptr<Session>> sessions_;
  std::chrono::steady_clock::time_point refuse_until_{};
  bool acl_reject_ = false;

  mutable std::mutex log_mu_;
  mutable std::condition_variable log_cv_;
  std::vector<std::string> commands_;
  std::vector<std::string> handled_;  // command lines carried out, in order
  std::map<std::string, uint64_t> command_counts_;

  std::atomic<uint64_t> events_sent_{0};
  std::atomic<uint64_t> authenticated_total_{0};
  std::atomic<int64_t> pending_drop_ms_{-1};
};

}  // namespace tarifador::sim
