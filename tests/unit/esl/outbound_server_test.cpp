// The dialplan's `socket` application, answered by esl::OutboundServer: the
// exchange as mod_event_socket (1.10.12, sync mode) runs it, driven here by
// a client playing FreeSWITCH's side over real TCP, with the channel data of
// a real outbound-socket session (../shared/fixtures/esl, Example1).
#include "esl/outbound_server.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "esl/tcp_transport.h"
#include "test_support/fixtures.h"

using namespace tarifador;
using namespace std::chrono_literals;

namespace {

// FreeSWITCH's side of one session.
struct SwitchSide {
  esl::TcpTransport transport;
  std::unique_ptr<esl::Connection> conn;
  std::string pending;

  explicit SwitchSide(uint16_t port) {
    auto c = transport.Connect("127.0.0.1", port, 5000ms);
    REQUIRE(c.ok());
    conn = std::move(*c);
  }
  // The next block ending with a blank line; nullopt when the server closed.
  std::optional<std::string> ReadBlock() {
    char buf[4096];
    for (;;) {
      const size_t end = pending.find("\n\n");
      if (end != std::string::npos) {
        std::string block = pending.substr(0, end + 2);
        pending.erase(0, end + 2);
        return block;
      }
      auto n = conn->Read(buf, sizeof buf, 10000ms);
      if (!n.ok()) return std::nullopt;
      REQUIRE(*n > 0);  // not the 10 s safety net
      pending.append(buf, *n);
    }
  }
  void Send(std::string_view bytes) { REQUIRE(conn->WriteAll(bytes, 5000ms).ok()); }
};

// The channel data block FreeSWITCH answered `connect` with, as captured.
std::string ConnectReplyOf(const std::string& capture) { return capture.substr(0, capture.find("\n\n") + 2); }

// A server on a free port whose decisions are counted; the verdict is empty.
struct CountingServer {
  int decisions = 0;
  esl::OutboundServer server;
  explicit CountingServer(esl::OutboundOptions options = {})
      : server(WithFreePort(options), [this](const esl::Event&) {
          ++decisions;
          return esl::OutboundVerdict{};
        }) {
    REQUIRE(server.Start().ok());
  }
  static esl::OutboundOptions WithFreePort(esl::OutboundOptions o) {
    o.port = 0;
    return o;
  }
};

struct Recorder {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<esl::Event> seen;
  void Add(const esl::Event& e) {
    std::lock_guard lock(mu);
    seen.push_back(e);
    cv.notify_all();
  }
};

}  // namespace

TEST_CASE("A held call's channel data reaches the decision and the verdict comes back as sendmsg", "[esl][outbound]") {
  TARIFADOR_REQUIRE_FIXTURE(capture, "esl/neventsocket-Example1-outbound-bridged-call.txt");
  Recorder recorder;
  esl::OutboundVerdict verdict;
  verdict.variables = {{"tarifador_decision", "denied"}, {"tarifador_reason", "insufficient_funds"}};
  verdict.hangup_cause = "CALL_REJECTED";
  esl::OutboundOptions options;
  options.port = 0;
  esl::OutboundServer server(options, [&](const esl::Event& channel) {
    recorder.Add(channel);
    return verdict;
  });
  REQUIRE(server.Start().ok());

  SwitchSide fs(server.port());
  CHECK(fs.ReadBlock() == "connect\n\n");  // mod_event_socket waits for it
  fs.Send(ConnectReplyOf(capture));
  const std::vector<std::string> expected = esl::VerdictCommands(verdict);
  REQUIRE(expected.size() == 3);
  for (const std::string& command : expected) {
    CHECK(fs.ReadBlock() == command);
    fs.Send("Content-Type: command/reply\nReply-Text: +OK\n\n");
  }
  CHECK(fs.ReadBlock() == std::nullopt);  // closed: the dialplan goes on

  REQUIRE(recorder.seen.size() == 1);
  const esl::Event& channel = recorder.seen.front();
  CHECK(channel.name() == "CHANNEL_DATA");
  CHECK(channel.unique_id() == "78b86350-4fb8-4d2b-a629-1eeafd7d2f74");
  CHECK(channel.headers.Get("Caller-Destination-Number") == "3");
  CHECK(channel.headers.Get("Channel-Caller-ID-Name") == "Dan X-Lite");  // URL-decoded
  server.Stop();
  CHECK(server.stats().sessions == 1);
  CHECK(server.stats().failed == 0);
}

TEST_CASE("The verdict's commands are FreeSWITCH's sendmsg and cannot be split by a line break", "[esl][outbound]") {
  esl::OutboundVerdict allowed;
  allowed.variables = {{"tarifador_decision", "allowed"}, {"tarifador_max_seconds", "100"}};
  allowed.applications = {{"sched_hangup", "+100 ALLOTTED_TIMEOUT"}};
  CHECK(esl::VerdictCommands(allowed) ==
        std::vector<std::string>{
            "sendmsg\ncall-command: execute\nexecute-app-name: set\nexecute-app-arg: tarifador_decision=allowed\n\n",
            "sendmsg\ncall-command: execute\nexecute-app-name: set\nexecute-app-arg: tarifador_max_seconds=100\n\n",
            "sendmsg\ncall-command: execute\nexecute-app-name: sched_hangup\nexecute-app-arg: +100 "
            "ALLOTTED_TIMEOUT\n\n"});
  esl::OutboundVerdict hostile;
  hostile.variables = {{"x", "1\n\nsendmsg\ncall-command: hangup"}};
  hostile.hangup_cause = "CALL_REJECTED\r\n";
  const std::vector<std::string> commands = esl::VerdictCommands(hostile);
  REQUIRE(commands.size() == 2);
  CHECK(commands[0] ==
        "sendmsg\ncall-command: execute\nexecute-app-name: set\nexecute-app-arg: x=1sendmsgcall-command: "
        "hangup\n\n");
  CHECK(commands[1] == "sendmsg\ncall-command: hangup\nhangup-cause: CALL_REJECTED\n\n");
}

TEST_CASE("A call hung up before its data came is nothing to decide", "[esl][outbound]") {
  CountingServer counting;
  esl::OutboundServer& server = counting.server;
  SwitchSide fs(server.port());
  CHECK(fs.ReadBlock() == "connect\n\n");
  fs.Send(
      "Content-Type: text/disconnect-notice\nContent-Length: 67\n\n"
      "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n");
  CHECK(fs.ReadBlock() == std::nullopt);
  server.Stop();
  CHECK(counting.decisions == 0);
  CHECK(server.stats().ended == 1);
  CHECK(server.stats().failed == 0);
}

TEST_CASE("Bytes that are not an ESL frame end the session without a decision", "[esl][outbound]") {
  CountingServer counting;
  esl::OutboundServer& server = counting.server;
  SwitchSide fs(server.port());
  CHECK(fs.ReadBlock() == "connect\n\n");
  fs.Send("this line has no colon\n\n");
  CHECK(fs.ReadBlock() == std::nullopt);
  server.Stop();
  CHECK(counting.decisions == 0);
  CHECK(server.stats().failed == 1);
}

TEST_CASE("A frame announcing a body larger than FreeSWITCH ever sends here ends the session", "[esl][outbound]") {
  esl::OutboundOptions options;
  options.io_timeout = 60s;  // so only the limit, not a timeout, can end it in time
  CountingServer counting(options);
  esl::OutboundServer& server = counting.server;
  SwitchSide fs(server.port());
  CHECK(fs.ReadBlock() == "connect\n\n");
  // 1 MiB announced: refused from the header, before any of it is read.
  fs.Send("Content-Type: command/reply\nUnique-ID: x\nContent-Length: 1048576\n\n");
  CHECK(fs.ReadBlock() == std::nullopt);
  server.Stop();
  CHECK(counting.decisions == 0);
  CHECK(server.stats().failed == 1);
}

TEST_CASE("A switch that never sends the channel data is given up on", "[esl][outbound]") {
  esl::OutboundOptions options;
  options.io_timeout = 50ms;  // how long is not asserted, only that it ends
  CountingServer counting(options);
  esl::OutboundServer& server = counting.server;
  SwitchSide fs(server.port());
  CHECK(fs.ReadBlock() == "connect\n\n");
  CHECK(fs.ReadBlock() == std::nullopt);
  server.Stop();
  CHECK(server.stats().failed == 1);
}

TEST_CASE("Beyond max_sessions a connection is closed at once; Stop ends the sessions held", "[esl][outbound]") {
  esl::OutboundOptions options;
  options.max_sessions = 1;
  options.io_timeout = 60s;  // the first session waits until Stop()
  CountingServer counting(options);
  esl::OutboundServer& server = counting.server;
  SwitchSide first(server.port());
  CHECK(first.ReadBlock() == "connect\n\n");  // accepted and being served
  SwitchSide second(server.port());
  CHECK(second.ReadBlock() == std::nullopt);  // turned away: the dialplan's gate decides
  server.Stop();
  CHECK(first.ReadBlock() == std::nullopt);
  CHECK(server.stats().busy == 1);
}

TEST_CASE("An address that cannot be bound is a clear error", "[esl][outbound]") {
  CountingServer counting;
  esl::OutboundServer& first = counting.server;
  esl::OutboundOptions options;
  options.port = first.port();
  esl::OutboundServer second(options, [](const esl::Event&) { return esl::OutboundVerdict{}; });
  const base::Status s = second.Start();
  CHECK(s.code() == base::StatusCode::kUnavailable);
  CHECK_THAT(s.message(), Catch::Contains("cannot listen on 127.0.0.1:" + std::to_string(first.port())));
}
