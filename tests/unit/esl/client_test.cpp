// esl::Client against a scripted fake FreeSWITCH (STYLE.md habit 11): a
// loopback TCP listener on 127.0.0.1:0, driven step by step from the test,
// that records what the client sends. Assertions are on exact bytes.
//
// Time: no assertion here depends on how fast the machine is. Tests about
// timeouts, backoff and Stop() give the client a base::FakeSteadyClock and
// step it by hand (Harness::Step), so they assert the exact waits the client
// chose. Real time appears only as the generous limit of polling helpers
// (WaitUntil, ReadCommand, Accept: 5 s), which run out only when the code is
// broken.
#include "esl/client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "esl/tcp_transport.h"
#include "esl/url_codec.h"
#include "test_support/fixtures.h"

using namespace tarifador;
using namespace std::chrono_literals;
using esl::Client;
using esl::ClientOptions;
using esl::LinkState;
using std::chrono::milliseconds;
// Real time: only for the generous limits of the polling helpers below.
using RealTime = std::chrono::steady_clock;

namespace {

// ---- The fake FreeSWITCH ---------------------------------------------------

// One accepted connection, seen from FreeSWITCH's side.
class PeerConnection {
 public:
  explicit PeerConnection(int fd) : fd_(fd) {}
  ~PeerConnection() { Close(); }
  PeerConnection(const PeerConnection&) = delete;
  PeerConnection& operator=(const PeerConnection&) = delete;

  void Send(std::string_view bytes) {
    size_t off = 0;
    while (off < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) {
        FAIL("fake FreeSWITCH: send failed (the client closed the connection?)");
        return;
      }
      off += static_cast<size_t>(n);
    }
  }

  // One write per `chunk` bytes, with a short pause so the client's reads
  // really see the fragments.
  void SendInChunks(std::string_view bytes, size_t chunk) {
    for (size_t off = 0; off < bytes.size(); off += chunk) {
      Send(bytes.substr(off, chunk));
      std::this_thread::sleep_for(50us);
    }
  }

  // The next command the client sent: everything up to and including the
  // blank line ("...\n\n"). Empty when none came within `timeout`.
  std::string ReadCommand(milliseconds timeout = 5s) {
    const auto deadline = RealTime::now() + timeout;
    while (true) {
      const size_t end = inbox_.find("\n\n");
      if (end != std::string::npos) {
        std::string cmd = inbox_.substr(0, end + 2);
        inbox_.erase(0, end + 2);
        return cmd;
      }
      if (!Fill(deadline)) return "";
    }
  }

  // True when the client closes the connection within `timeout`. Commands
  // that arrive meanwhile are kept in the inbox.
  bool WaitForClose(milliseconds timeout = 5s) {
    const auto deadline = RealTime::now() + timeout;
    while (!eof_) {
      if (!Fill(deadline) && !eof_) return false;
    }
    return true;
  }

  // Every byte received so far, in order.
  const std::string& received() const { return received_; }

  void Close() {
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }

 private:
  // Reads what is available; false on timeout or EOF.
  bool Fill(RealTime::time_point deadline) {
    if (eof_) return false;
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - RealTime::now()).count();
    if (left <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) return false;
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    inbox_.append(buf, static_cast<size_t>(n));
    received_.append(buf, static_cast<size_t>(n));
    return true;
  }

  int fd_;
  bool eof_ = false;
  std::string inbox_;
  std::string received_;
};

// A listener on 127.0.0.1, port chosen by the kernel.
class FakeFreeSwitch {
 public:
  FakeFreeSwitch() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    const int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd_, 16) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
  }
  ~FakeFreeSwitch() {
    if (fd_ >= 0) ::close(fd_);
  }
  FakeFreeSwitch(const FakeFreeSwitch&) = delete;
  FakeFreeSwitch& operator=(const FakeFreeSwitch&) = delete;

  uint16_t port() const { return port_; }

  // The next connection, or nullptr when none came within `timeout`.
  std::unique_ptr<PeerConnection> Accept(milliseconds timeout = 5s) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return nullptr;
    const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) return nullptr;
    return std::make_unique<PeerConnection>(c);
  }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

// A port on which nothing listens (connects are refused at once).
uint16_t ClosedPort() {
  FakeFreeSwitch tmp;
  return tmp.port();
}

// ---- Wire text FreeSWITCH sends (ESL-NOTES sections 1-2) --------------------

const std::string kAuthRequest = "Content-Type: auth/request\n\n";
const std::string kDisconnectNotice =
    "Content-Type: text/disconnect-notice\nContent-Length: 67\n\n"
    "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n";
const std::string kRudeRejection = "Content-Type: text/rude-rejection\nContent-Length: 24\n\nAccess Denied, go away.\n";
const std::string kExpectedSubscribe =
    "event plain CHANNEL_CREATE CHANNEL_ANSWER CHANNEL_BRIDGE CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE "
    "CHANNEL_DESTROY HEARTBEAT BACKGROUND_JOB\n\n";
const std::string kCoreUuid = "ed56dab6-a6fc-11e4-960f-6f83a2e5e50a";

std::string Reply(std::string_view text) {
  return "Content-Type: command/reply\nReply-Text: " + std::string(text) + "\n\n";
}

std::string BgapiReply(const std::string& job_uuid) {
  // MES sends "~Reply-Text: +OK Job-UUID: u\nJob-UUID: u\n\n" (the '~' is dropped).
  return "Content-Type: command/reply\nReply-Text: +OK Job-UUID: " + job_uuid + "\nJob-UUID: " + job_uuid + "\n\n";
}

// A text/event-plain frame, values URL-encoded as FreeSWITCH does.
std::string EventFrame(const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body = "") {
  std::string inner;
  for (const auto& [name, value] : headers) inner += name + ": " + esl::UrlEncode(value) + "\n";
  if (body.empty()) {
    inner += "\n";
  } else {
    inner += "Content-Length: " + std::to_string(body.size()) + "\n\n" + body;
  }
  return "Content-Length: " + std::to_string(inner.size()) + "\nContent-Type: text/event-plain\n\n" + inner;
}

std::string ChannelEvent(const std::string& name, const std::string& uuid, int seq) {
  return EventFrame({{"Event-Name", name},
                     {"Core-UUID", kCoreUuid},
                     {"Event-Sequence", std::to_string(seq)},
                     {"Unique-ID", uuid},
                     {"Channel-Name", "sofia/internal/1001@192.0.2.10"}});
}

std::string Heartbeat(int seq) {
  return EventFrame({{"Event-Name", "HEARTBEAT"},
                     {"Core-UUID", kCoreUuid},
                     {"Event-Sequence", std::to_string(seq)},
                     {"Event-Info", "System Ready"}});
}

std::string BackgroundJob(const std::string& job_uuid, const std::string& body, const std::string& command = "") {
  return EventFrame({{"Event-Name", "BACKGROUND_JOB"},
                     {"Core-UUID", kCoreUuid},
                     {"Job-UUID", job_uuid},
                     {"Job-Command", command.empty() ? "uuid_kill" : command}},
                    body);
}

// The Job-UUID header of a bgapi command the client sent.
std::string JobUuidOf(const std::string& command) {
  static const std::regex re("\nJob-UUID: ([0-9a-f-]{36})\n\n$");
  std::smatch m;
  if (!std::regex_search(command, m, re)) return "";
  return m[1];
}

// ---- Client-side helpers --------------------------------------------------

// Collects events from the reader thread.
class EventSink {
 public:
  void Push(esl::Event&& ev) {
    std::lock_guard lock(mu_);
    events_.push_back(std::move(ev));
    cv_.notify_all();
  }
  bool WaitFor(size_t n, milliseconds timeout = 5s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return events_.size() >= n; });
  }
  std::vector<esl::Event> events() {
    std::lock_guard lock(mu_);
    return events_;
  }
  size_t size() {
    std::lock_guard lock(mu_);
    return events_.size();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<esl::Event> events_;
};

ClientOptions TestOptions(uint16_t port) {
  ClientOptions o;
  o.host = "127.0.0.1";
  o.port = port;
  o.password = "ClueCon";
  o.connect_timeout = 2s;
  o.handshake_timeout = 5s;
  o.silence_timeout = 10s;
  o.write_timeout = 2s;
  o.job_timeout = 5s;
  o.initial_backoff = 20ms;
  o.max_backoff = 100ms;
  o.stable_after = 10s;
  o.jitter_seed = 1;
  return o;
}

bool WaitUntil(const std::function<bool()>& pred, milliseconds timeout = 5s) {
  const auto deadline = RealTime::now() + timeout;
  while (RealTime::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return pred();
}

bool WaitForState(const Client& c, LinkState s, milliseconds timeout = 5s) {
  return WaitUntil([&] { return c.status().state == s; }, timeout);
}

// Waits until the client's last_error mentions `text`; returns the error.
std::string WaitForError(const Client& c, const std::string& text, milliseconds timeout = 5s) {
  WaitUntil([&] { return c.status().last_error.find(text) != std::string::npos; }, timeout);
  return c.status().last_error;
}

// Plays FreeSWITCH's side of a good login and checks the client's bytes.
void Handshake(PeerConnection& peer) {
  peer.Send(kAuthRequest);
  REQUIRE(peer.ReadCommand() == "auth ClueCon\n\n");
  peer.Send(Reply("+OK accepted"));
  REQUIRE(peer.ReadCommand() == kExpectedSubscribe);
  peer.Send(Reply("+OK event listener enabled plain"));
}

template <typename T>
bool Ready(std::future<T>& f, milliseconds timeout = 5s) {
  return f.wait_for(timeout) == std::future_status::ready;
}

// `options` with its durations on `steady` (nullptr: real time).
ClientOptions OnSteadyClock(ClientOptions options, const base::SteadyClock* steady) {
  options.steady_clock = steady;
  return options;
}

// A client wired to a sink, started against `port`. With `steady`, every
// duration of the client (handshake, silence, job timeouts, backoff) runs on
// that clock, which only the test moves (Step).
struct Harness {
  explicit Harness(ClientOptions options, std::unique_ptr<esl::Transport> owned_transport = nullptr,
                   base::FakeSteadyClock* steady_clock = nullptr)
      : Harness(Parts{}, OnSteadyClock(std::move(options), steady_clock),
                owned_transport ? std::move(owned_transport) : std::make_unique<esl::TcpTransport>(), steady_clock) {}

  // Moves the client's steady time forward by `d`, then wakes its reader so
  // that a read in progress re-checks its deadlines at once. Precondition:
  // built with a steady clock.
  void Step(milliseconds d) {
    REQUIRE(steady != nullptr);
    steady->Advance(d);
    transport->Wake();
  }

  // The wait of the backoff the client is in now (it is blocked on the fake
  // steady clock), or fails the test when none starts within 5 s.
  milliseconds BackoffWait() {
    REQUIRE(steady != nullptr);
    const auto wait = steady->AwaitWaiter(5s);
    REQUIRE(wait.has_value());
    return std::chrono::duration_cast<milliseconds>(*wait);
  }

  base::FakeClock clock;
  base::FakeSteadyClock* const steady;
  esl::Transport* const transport;  // owned by `client`
  EventSink sink;
  std::atomic<int> connected{0};
  Client client;

 private:
  struct Parts {};
  Harness(Parts, ClientOptions options, std::unique_ptr<esl::Transport> transport_owned,
          base::FakeSteadyClock* steady_clock)
      : steady(steady_clock),
        transport(transport_owned.get()),
        client(
            std::move(options), std::move(transport_owned), clock,
            [this](esl::Event&& ev) { sink.Push(std::move(ev)); }, [this] { ++connected; }) {}
};

// A backoff_jitter that draws three quarters of the way up [lo, hi] and
// records every range it was given (it runs on the reader thread).
class ScriptedJitter {
 public:
  // Installs the jitter in `o`; this object must outlive the client.
  void InstallIn(ClientOptions& o) {
    o.backoff_jitter = [this](milliseconds lo, milliseconds hi) {
      std::lock_guard lock(mu_);
      ranges_.emplace_back(lo, hi);
      return hi - (hi - lo) / 4;
    };
  }
  std::vector<std::pair<milliseconds, milliseconds>> ranges() {
    std::lock_guard lock(mu_);
    return ranges_;
  }

 private:
  std::mutex mu_;
  std::vector<std::pair<milliseconds, milliseconds>> ranges_;
};

std::vector<milliseconds> Millis(const std::vector<base::SteadyClock::Duration>& waits) {
  std::vector<milliseconds> out;
  for (const auto& w : waits) out.push_back(std::chrono::duration_cast<milliseconds>(w));
  return out;
}

// Captures everything written to stderr (base::Log) while alive.
class StderrCapture {
 public:
  StderrCapture() {
    std::fflush(stderr);
    file_ = std::tmpfile();
    saved_ = ::dup(STDERR_FILENO);
    ::dup2(::fileno(file_), STDERR_FILENO);
  }
  ~StderrCapture() { Restore(); }
  std::string Text() {
    Restore();
    std::string out;
    std::rewind(file_);
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, file_)) > 0) out.append(buf, n);
    return out;
  }

 private:
  void Restore() {
    if (saved_ >= 0) {
      ::dup2(saved_, STDERR_FILENO);
      ::close(saved_);
      saved_ = -1;
    }
  }
  std::FILE* file_ = nullptr;
  int saved_ = -1;
};

}  // namespace

// ---- Login and subscription -------------------------------------------------

TEST_CASE("Client logs in with auth and subscribes with one exact event plain line", "[esl][client]") {
  FakeFreeSwitch fs;
  Harness h(TestOptions(fs.port()));
  CHECK(h.client.status().state == LinkState::kStopped);
  REQUIRE(h.client.Start().ok());

  auto peer = fs.Accept();
  REQUIRE(peer);
  REQUIRE(WaitForState(h.client, LinkState::kAuthenticating));
  Handshake(*peer);
  REQUIRE(WaitForState(h.client, LinkState::kUp));
  REQUIRE(WaitUntil([&] { return h.connected.load() == 1; }));

  const auto st = h.client.status();
  CHECK(st.connects == 1);
  CHECK(st.address == "127.0.0.1:" + std::to_string(fs.port()));
  CHECK(st.since == h.clock.Now());
  CHECK(st.last_error.empty());
  // Exactly two commands, and never a filter (ESL-NOTES section 2).
  CHECK(peer->received() == "auth ClueCon\n\n" + kExpectedSubscribe);
  CHECK(peer->received().find("filter") == std::string::npos);

  h.client.Stop();
  CHECK(h.client.status().state == LinkState::kStopped);
  CHECK(peer->WaitForClose());
}

TEST_CASE("Client subscribes to a configured event list", "[esl][client]") {
  FakeFreeSwitch fs;
  ClientOptions o = TestOptions(fs.port());
  o.password = "s3cret pass";
  o.events = {"CHANNEL_CREATE", "CHANNEL_HANGUP_COMPLETE", "HEARTBEAT", "BACKGROUND_JOB", "CUSTOM", "sofia::register"};
  Harness h(o);
  REQUIRE(h.client.Start().ok());
  auto peer = fs.Accept();
  REQUIRE(peer);
  peer->Send(kAuthRequest);
  CHECK(peer->ReadCommand() == "auth s3cret pass\n\n");
  peer->Send(Reply("+OK accepted"));
  CHECK(peer->ReadCommand() ==
        "event plain CHANNEL_CREATE CHANNEL_HANGUP_COMPLETE HEARTBEAT BACKGROUND_JOB CUSTOM sofia::register\n\n");
}

TEST_CASE("Client::Start rejects bad options and runs once", "[esl][client]") {
  base::FakeClock clock;
  auto make = [&](ClientOptions o) {
    return std::make_unique<Client>(std::move(o), std::make_unique<esl::TcpTransport>(), clock, [](esl::Event&&) {});
  };
  ClientOptions o = TestOptions(ClosedPort());
  o.events = {"CHANNEL_CREATE", "BACKGROUND_JOB"};
  auto s = make(o)->Start();
  CHECK(s.code() == base::StatusCode::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("HEARTBEAT"));

  o = TestOptions(ClosedPort());
  o.password = "";
  s = make(o)->Start();
  CHECK(s.code() == base::StatusCode::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("freeswitch.password"));

  o = TestOptions(ClosedPort());
  o.password = "a\nb";
  CHECK(make(o)->Start().code() == base::StatusCode::kInvalidArgument);

  o = TestOptions(ClosedPort());
  o.max_backoff = 1ms;
  CHECK(make(o)->Start().code() == base::StatusCode::kInvalidArgument);

  auto c = make(TestOptions(ClosedPort()));
  REQUIRE(c->Start().ok());
  CHECK(c->Start().code() == base::StatusCode::kFailedPrecondition);
  c->Stop();
  CHECK(c->Start().code() == base::StatusCode::kFailedPrecondition);
}

// ---- Events -------------------------------------------------------------------

TEST_CASE("Events reach the callback in order when frames arrive one byte at a time", "[esl][client]") {
  FakeFreeSwitch fs;
  Harness h(TestOptions(fs.port()));
  REQUIRE(h.client.Start().ok());
  auto peer = fs.Accept();
  REQUIRE(peer);

  // The login itself byte by byte too.
  peer->SendInChunks(kAuthRequest, 1);
  REQUIRE(peer->ReadCommand() == "auth ClueCon\n\n");
  peer->SendInChunks(Reply("+OK accepted"), 1);
  REQUIRE(peer->ReadCommand() == kExpectedSubscribe);
  peer->SendInChunks(Reply("+OK event listener enabled plain"), 1);
  REQUIRE(WaitForState(h.client, LinkState::kUp));

  h.clock.Set(base::Instant::FromSeconds(1'800'000'000));
  const std::string stream = ChannelEvent("CHANNEL_CREATE", "a-1", 1) + ChannelEvent("CHANNEL_ANSWER", "a-1", 2) +
                             Heartbeat(3) + ChannelEvent("CHANNEL_HANGUP_COMPLETE", "a-1", 4) +
                             ChannelEvent("CHANNEL_DESTROY", "a-1", 5);
  peer->SendInChunks(stream, 1);
  REQUIRE(h.sink.WaitFor(5));
  const auto events = h.sink.events();
  REQUIRE(events.size() == 5);
  const char* names[] = {"CHANNEL_CREATE", "CHANNEL_ANSWER", "HEARTBEAT", "CHANNEL_HANGUP_COMPLETE", "CHANNEL_DESTROY"};
  for (size_t i = 0; i < 5; ++i) {
    CHECK(events[i].name() == names[i]);
    CHECK(events[i].headers.Get("Event-Sequence") == std::to_string(i + 1));
  }
  CHECK(events[0].headers.Get("Channel-Name") == "sofia/internal/1001@192.0.2.10");  // URL-decoded

  const auto st = h.client.status();
  CHECK(st.events_received == 5);
  CHECK(st.last_event_at == base::Instant::FromSeconds(1'800'000'000));
  CHECK(st.core_uuid == kCoreUuid);
}

TEST_CASE("Events split at random points arrive whole and in order", "[esl][client]") {
  FakeFreeSwitch fs;
  Harness h(TestOptions(fs.port()));
  REQUIRE(h.client.Start().ok());
  auto peer = fs.Accept();
  REQUIRE(peer);
  Handshake(*peer);
  std::string stream;
  for (int i = 0; i < 40; ++i) stream += ChannelEvent("CHANNEL_CREATE", "u-" + std::to_string(i), i);
  uint32_t seed = 20261121;
  for (size_t off = 0; off < stream.size();) {
    seed = seed * 1103515245u + 12345u;
    const size_t n = std::min<size_t>(1 + (seed >> 16) % 97, stream.size() - off);
    peer->Send(std::string_view(stream).substr(off, n));
    off += n;
    if (seed % 3 == 0) std::this_thread::sleep_for(100us);
  }
  REQUIRE(h.sink.WaitFor(40));
  const auto events = h.sink.events();
  for (int i = 0; i < 40; ++i) CHECK(events[static_cast<size_t>(i)].unique_id() == "u-" + std::to_string(i));
}

TEST_CASE("A linger notice keeps the connection, a plain disconnect notice ends it", "[esl][client]") {
  FakeFreeSwitch fs;
  Harness h(TestOptions(fs.port()));
  REQUIRE(h.client.Start().ok());
  auto peer = fs.Accept();
  REQUIRE(peer);
  Handshake(*peer);
  peer->Send(
      "Content-Type: text/disconnect-notice\nControlled-Session-UUID: x\nContent-Disposition: linger\n"
      "Channel-Name: sofia/internal/1001\nLinger-Time: 0\nContent-Length: 0\n\n");
  peer->Send(Heartbeat(1));
  REQUIRE(h.sink.WaitFor(1));
  CHECK(h.client.status().state == LinkState::kUp);

  peer->Send(kDisconnectNotice);
  CHECK(peer->WaitForClose());
  REQUIRE(WaitUntil([&] { return !h.client.status().last_error.empty(); }));
  CHECK_THAT(h.client.status().last_error, Catch::Contains("disconnect-notice") && Catch::Contains("goodbye"));

  auto again = fs.Accept();
  REQUIRE(again);
  Handshake(*again);
  REQUIRE(WaitUntil([&] { return h.client.status().connects == 2; }));
}

// ---- Commands ---------------------------------------------------------------

TEST_CASE("uuid_kill goes out as bgapi with a Job-UUID and its BACKGROUND_JOB completes the future", "[esl][client]") {
  FakeFreeSwitch fs;
  Harness h(TestOptions(fs.port()));
  REQUIRE(h.client.Start().ok());
  auto peer = fs.Accept();
  REQUIRE(peer);
  Handshake(*peer);
  REQUIRE(WaitForState(h.client, LinkState::kUp));

  const std::string uuid = "78b86350-95f3-11e4-9c8a-2f2d2ff4b8b5";
  auto fut = h.client.UuidKill(uuid, "CALL_REJECTED");
  const std::string cmd = peer->ReadCommand();
  const std::string job = JobUuidOf(cmd);
  REQUIRE(job.size() == 36);
  CHECK(cmd == "bgapi uuid_kill " + uuid + " CALL_REJECTED\nJob-UUID: " + job + "\n\n");
  CHECK(fut.wait_for(0s) == std::future_status::timeout);

  peer->Send(BgapiReply(job));
  peer->Send(BackgroundJob(job, "+OK\n"));
  REQUIRE(Ready(fut));
  auto r = fut.get();
  REQUIRE(r.ok());
  CHECK(*r == "+OK\n");
  // The job's own BACKGROUND_JOB is consumed, not passed on as an event.
  CHECK(h.sink.size() == 0);
  CHECK(h.client.status().events_received == 1);
}

TEST_CASE("sched_hangup always goes out relative, with the '+'", "[esl][client]") {
  FakeFreeSwitch fs;
  Harness h(TestOptions(fs.port()));
  REQUIRE(h.client.Start().ok());
  auto peer = fs.Accept();
  REQUIRE(peer);
  Handshake(*peer);
  REQUIRE(WaitForState(h.client, LinkState::kUp));

  // N < 1 is refused before anything is sent.
  auto bad = h.client.SchedHangup(0, "abc", "ALLOTTED_TIMEOUT");
  REQUIRE(Ready(bad, 0s));
  CHECK(bad.get().status().code() == base::StatusCode::kInvalidArgument);

  const std::string uuid = "9bc34cb7-95f3-11e4-9c9a-2f2d2ff4b8b5";
  auto fut = h.client.SchedHangup(42, uuid);
  const std::string cmd = peer->ReadCommand();
  const std::string job = JobUuidOf(cmd);
  CHECK(cmd == "bgapi sched_hangup +42 " + uuid + " ALLOTTED_TIMEOUT\nJob-UUID: " + job + "\n\n");
  peer->Send(BgapiReply(job) + BackgroundJob(job, "+OK\n", "sched_hangup"));
  REQUIRE(Ready(fut));
  CHECK(fut.get().ok());
  CHECK(peer->received().find("bgapi sched_hangup 0") == std::string::npos);
}

TEST_CASE("A command reply between events is matched to the command, events keep their order", "[esl][client]") {
  FakeFreeSwitch fs;
  Harness h(TestOptions(fs.port()));
  REQUIRE(h.client.Start().ok());
  auto peer = fs.Accept();
  REQUIRE(peer);
  Handshake(*peer);
  REQUIRE(WaitForState(h.client, LinkState::kUp));

  auto fut = h.client.Bgapi("status");
  const std::string job = JobUuidOf(peer->ReadCommand());
  REQUIRE(!job.empty());
  // Events queued before the reply (MES flushes events when idle), then the
  // reply, then more events, then the job result.
  peer->Send(ChannelEvent("CHANNEL_CREATE", "x", 1) + ChannelEvent("CHANNEL_ANSWER", "x", 2) + BgapiReply(job) +
             ChannelEvent("CHANNEL_BRIDGE", "x", 3) +
             BackgroundJob(job, "UP 0 years, 0 days\nFreeSWITCH is ready\n", "status") +
             ChannelEvent("CHANNEL_HANGUP", "x", 4));
  REQUIRE(Ready(fut));
  auto r = fut.get();
  REQUIRE(r.ok());
  CHECK(*r == "UP 0 years, 0 days\nFreeSWITCH is ready\n");
  REQUIRE(h.sink.WaitFor(4));
  const auto events = h.sink.events();
  REQUIRE(events.size() == 4);
  CHECK(events[0].name() == "CHANNEL_CREATE");
  CHECK(events[1].name() == "CHANNEL_ANSWER");
  CHECK(events[2].name() == "CHANNEL_BRIDGE");
  CHECK(events[3].name() == "CHANNEL_HANGUP");
  CHECK(h.client.status().state == LinkState::kUp);
}

TEST_CASE("Two pending jobs whose results arrive in reverse order complete the right futures", "[esl][client]") {
  FakeFreeSwitch fs;
  Harness h(TestOptions(fs.port()));
  REQUIRE(h.client.Start().ok());
  auto peer = fs.Accept();
  REQUIRE(peer);
  Handshake(*peer);
  REQUIRE(WaitForState(h.client, LinkState::kUp));

  auto first = h.client.UuidKill("leg-1", "NORMAL_CLEARING");
  auto second = h.client.UuidKill("leg-2", "NORMAL_CLEARING");
  const std::string c1 = peer->ReadCommand();
  const std::string c2 = peer->ReadCommand();
  CHECK_THAT(c1, Catch::StartsWith("bgapi uuid_kill leg-1 NORMAL_CLEARING\n"));
  CHECK_THAT(c2, Catch::StartsWith("bgapi uuid_kill leg-2 NORMAL_CLEARING\n"));
  const std::string j1 = JobUuidOf(c1), j2 = JobUuidOf(c2);
  REQUIRE(!j1.empty());
  REQUIRE(!j2.empty());
  CHECK(j1 != j2);
  peer->Send(BgapiReply(j1) + BgapiReply(j2));
  peer->Send(BackgroundJob(j2, "+OK second\n"));
  REQUIRE(Ready(second));
  CHECK(first.wait_for(0s) == std::future_status::timeout);
  peer->Send(BackgroundJob(j1, "-ERR No such channel!\n"));
  REQUIRE(Ready(first));
  const auto r2 = second.get();
  REQUIRE(r2.ok());
  CHECK(*r2 == "+OK second\n");
  const auto r1 = first.get();
  REQUIRE_FALSE(r1.ok());
  CHECK(r1.status().code() == base::StatusCode::kNotFound);
  CHECK_THAT(r1.status().message(), Catch::Contains("-ERR No such channel!") && Catch::Contains("uuid_kill leg-1"));
}

TEST_CASE("A refused bgapi and an -ERR result fail their futures with the text", "[esl][client]") {
  FakeFreeSwitch fs;
  Harness h(TestOptions(fs.port()));
  REQUIRE(h.client.Start().ok());
  auto peer = fs.Accept();
  REQUIRE(peer);
  Handshake(*peer);
  REQUIRE(WaitForState(h.client, LinkState::kUp));

  auto refused = h.client.Bgapi("originate foo");
  REQUIRE(!JobUuidOf(peer->ReadCommand()).empty());
  peer->Send(Reply("-ERR permission denied"));
  REQUIRE(Ready(refused));
  auto r = refused.get();
  CHECK(r.status().code() == base::StatusCode::kFailedPrecondition);
  CHECK_THAT(r.status().message(), Catch::Contains("-ERR permission denied"));

  auto usage = h.client.Bgapi("uuid_kill");
  const std::string job = JobUuidOf(peer->ReadCommand());
  peer->Send(BgapiReply(job) + BackgroundJob(job, "-USAGE: <uuid> [cause]\n"));
  REQUIRE(Ready(usage));
  CHECK(usage.get().status().code() == base::StatusCode::kInvalidArgument);
  CHECK(h.client.status().state == LinkState::kUp);
}

TEST_CASE("A BACKGROUND_JOB of another client is passed on as an event", "[esl][client]") {
  FakeFreeSwitch fs;
  Harness h(TestOptions(fs.port()));
  REQUIRE(h.client.Start().ok());
  auto peer = fs.Accept();
  REQUIRE(peer);
  Handshake(*peer);
  peer->Send(BackgroundJob("11111111-2222-4333-8444-555555555555", "+OK\n"));
  REQUIRE(h.sink.WaitFor(1));
  CHECK(h.sink.events()[0].name() == "BACKGROUND_JOB");
  CHECK(h.sink.events()[0].body == "+OK\n");
}

TEST_CASE("Commands fail fast with Unavailable while the link is not up", "[esl][client]") {
  base::FakeClock clock;
  base::FakeSteadyClock steady;  // never advanced: the backoff lasts until Stop()
  ClientOptions o = TestOptions(ClosedPort());
  o.steady_clock = &steady;
  Client c(o, std::make_unique<esl::TcpTransport>(), clock, [](esl::Event&&) {});

  auto before = c.Bgapi("status");
  REQUIRE(Ready(before, 0s));
  CHECK(before.get().status().code() == base::StatusCode::kUnavailable);

  REQUIRE(c.Start().ok());
  REQUIRE(WaitForState(c, LinkState::kBackoff));
  auto during = c.UuidKill("abc", "CALL_REJECTED");
  REQUIRE(Ready(during, 0s));
  const auto r = during.get();
  CHECK(r.status().code() == base::StatusCode::kUnavailable);
  CHECK_THAT(r.status().message(),
             Catch::Contains("not connected") && Catch::Contains("refused", Catch::CaseSensitive::No));

  // Invalid text is InvalidArgument whatever the link does.
  auto bad = c.Bgapi("status\nfilter Event-Name HEARTBEAT");
  REQUIRE(Ready(bad, 0s));
  CHECK(bad.get().status().code() == base::StatusCode::kInvalidArgument);

  c.Stop();
  auto after = c.Bgapi("status");
  REQUIRE(Ready(after, 0s));
  CHECK(after.get().status().code() == base::StatusCode::kUnavailable);
}

TEST_CASE("A job without a result times out, a lost connection fails pending jobs", "[esl][client]") {
  FakeFreeSwitch fs;
  base::FakeSteadyClock steady;
  ClientOptions o = TestOptions(fs.port());
  o.job_timeout = 200ms;
  Harness h(o, nullptr, &steady);
  REQUIRE(h.client.Start().ok());
  auto peer = fs.Accept();
  REQUIRE(peer);
  Handshake(*peer);
  REQUIRE(WaitForState(h.client, LinkState::kUp));

  auto silent = h.client.Bgapi("status");
  // The deadline is fixed before the command is written.
  const std::string job = JobUuidOf(peer->ReadCommand());
  peer->Send(BgapiReply(job));
  h.Step(199ms);
  CHECK(silent.wait_for(0s) == std::future_status::timeout);
  h.Step(1ms);  // job_timeout reached exactly
  REQUIRE(Ready(silent));
  auto r = silent.get();
  CHECK(r.status().code() == base::StatusCode::kUnavailable);
  CHECK_THAT(r.status().message(), Catch::Contains("no result from FreeSWITCH within 200 ms"));
  // A late result for it is ignored, and the link stays up.
  peer->Send(BackgroundJob(job, "+OK\n"));
  peer->Send(Heartbeat(1));
  REQUIRE(h.sink.WaitFor(1));
  CHECK(h.client.status().state == LinkState::kUp);

  auto lost = h.client.UuidKill("abc", "CALL_REJECTED");
  REQUIRE(!peer->ReadCommand().empty());
  peer->Close();
  REQUIRE(Ready(lost));
  r = lost.get();
  CHECK(r.status().code() == base::StatusCode::kUnavailable);
  CHECK_THAT(r.status().message(), Catch::Contains("may or may not have run"));
}

TEST_CASE("show channels as json goes out as bgapi and is parsed", "[esl][client]") {
  FakeFreeSwitch fs;
  Harness h(TestOptions(fs.port()));
  REQUIRE(h.client.Start().ok());
  auto peer = fs.Accept();
  REQUIRE(peer);
  Handshake(*peer);
  REQUIRE(WaitForState(h.client, LinkState::kUp));

  auto fut = h.client.ShowChannels();
  std::string cmd = peer->ReadCommand();
  std::string job = JobUuidOf(cmd);
  CHECK(cmd == "bgapi show channels as json\nJob-UUID: " + job + "\n\n");
  const std::string body =
      R"({"row_count":1,"rows":[{"uuid":"78b86350","direction":"inbound","created":"2015-01-06 15:12:33",)"
      R"("created_epoch":"1420557153","name":"sofia/internal/1001@pbx","state":"CS_EXECUTE","cid_name":"Ann",)"
      R"("cid_num":"1001","dest":"0044201234567","context":"default","accountcode":"sales",)"
      R"("callstate":"ACTIVE","call_uuid":"78b86350"}]})"
      "\n";
  peer->Send(BgapiReply(job) + BackgroundJob(job, body, "show"));
  REQUIRE(Ready(fut));
  auto rows = fut.get();
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 1);
  CHECK((*rows)[0].uuid == "78b86350");
  CHECK((*rows)[0].created_epoch == 1420557153);
  CHECK((*rows)[0].dest == "0044201234567");
  CHECK((*rows)[0].accountcode == "sales");

  auto empty = h.client.ShowChannels();
  job = JobUuidOf(peer->ReadCommand());
  peer->Send(BgapiReply(job) + BackgroundJob(job, "{\"row_count\": 0}\n", "show"));
  REQUIRE(Ready(empty));
  auto none = empty.get();
  REQUIRE(none.ok());
  CHECK(none->empty());

  auto broken = h.client.ShowChannels();
  job = JobUuidOf(peer->ReadCommand());
  peer->Send(BgapiReply(job) + BackgroundJob(job, "{\"row_count\": 2, \"rows\": [", "show"));
  REQUIRE(Ready(broken));
  CHECK(broken.get().status().code() == base::StatusCode::kInvalidArgument);
}

TEST_CASE("The on-connected callback runs after each subscribe and may submit commands", "[esl][client]") {
  FakeFreeSwitch fs;
  base::FakeClock clock;
  std::mutex mu;
  std::vector<std::future<base::Result<std::vector<esl::ChannelRow>>>> reconciles;
  Client* self = nullptr;
  Client c(
      TestOptions(fs.port()), std::make_unique<esl::TcpTransport>(), clock, [](esl::Event&&) {},
      [&] {
        std::lock_guard lock(mu);
        reconciles.push_back(self->ShowChannels());  // never wait on it here
      });
  self = &c;
  REQUIRE(c.Start().ok());
  for (int round = 1; round <= 2; ++round) {
    auto peer = fs.Accept();
    REQUIRE(peer);
    Handshake(*peer);
    const std::string cmd = peer->ReadCommand();
    CHECK_THAT(cmd, Catch::StartsWith("bgapi show channels as json\nJob-UUID: "));
    const std::string job = JobUuidOf(cmd);
    peer->Send(BgapiReply(job) + BackgroundJob(job, "{\"row_count\": 0}\n", "show"));
    {
      std::unique_lock lock(mu);
      REQUIRE(reconciles.size() == static_cast<size_t>(round));
    }
    REQUIRE(Ready(reconciles.back()));
    CHECK(reconciles.back().get().ok());
    peer->Close();  // FreeSWITCH goes away; the client comes back
  }
  CHECK(c.status().connects == 2);
}

// ---- Failures and reconnects --------------------------------------------------

TEST_CASE("A wrong password is logged clearly, backs off and retries", "[esl][client]") {
  FakeFreeSwitch fs;
  ClientOptions o = TestOptions(fs.port());
  o.password = "wrong";
  Harness h(o);
  std::string log;
  esl::LinkStatus st;
  {
    StderrCapture capture;
    REQUIRE(h.client.Start().ok());
    auto peer = fs.Accept();
    REQUIRE(peer);
    peer->Send(kAuthRequest);
    REQUIRE(peer->ReadCommand() == "auth wrong\n\n");
    // What FreeSWITCH does (ESL-NOTES section 2, step 3).
    peer->Send(Reply("-ERR invalid") + kDisconnectNotice);
    peer->Close();
    REQUIRE(WaitUntil([&] { return h.client.status().state == LinkState::kBackoff; }));
    st = h.client.status();
    // It tries again.
    auto again = fs.Accept();
    REQUIRE(again);
    again->Send(kAuthRequest);
    CHECK(again->ReadCommand() == "auth wrong\n\n");
    log = capture.Text();
  }
  CHECK(st.connects == 0);
  CHECK_THAT(st.last_error, Catch::Contains("rejected the password") && Catch::Contains("-ERR invalid") &&
                                Catch::Contains("freeswitch.password"));
  CHECK(st.last_error.find("wrong") == std::string::npos);  // never the password itself
  CHECK_THAT(log, Catch::Contains("rejected the password"));
  CHECK_THAT(log, Catch::Contains("<3>") || Catch::Contains("error: "));
}

TEST_CASE("A rude rejection (ACL) is reported and retried", "[esl][client]") {
  FakeFreeSwitch fs;
  Harness h(TestOptions(fs.port()));
  REQUIRE(h.client.Start().ok());
  auto peer = fs.Accept();
  REQUIRE(peer);
  peer->Send(kRudeRejection + kDisconnectNotice);
  CHECK(peer->WaitForClose());
  CHECK(peer->received().empty());  // the client sent nothing to a server that refused it
  peer->Close();
  const std::string error = WaitForError(h.client, "rude-rejection");
  CHECK_THAT(error, Catch::Contains("rude-rejection") && Catch::Contains("apply-inbound-acl") &&
                        Catch::Contains("Access Denied, go away."));

  auto again = fs.Accept();
  REQUIRE(again);
  Handshake(*again);
  REQUIRE(WaitForState(h.client, LinkState::kUp));
}

TEST_CASE("Garbage on the socket drops the connection, the client reconnects and keeps delivering", "[esl][client]") {
  FakeFreeSwitch fs;
  Harness h(TestOptions(fs.port()));
  REQUIRE(h.client.Start().ok());
  auto peer = fs.Accept();
  REQUIRE(peer);
  Handshake(*peer);
  peer->Send(ChannelEvent("CHANNEL_CREATE", "before", 1));
  REQUIRE(h.sink.WaitFor(1));
  auto pending = h.client.Bgapi("status");
  REQUIRE(!peer->ReadCommand().empty());

  peer->Send("this line has no colon\nContent-Type: command/reply\n\n");
  CHECK(peer->WaitForClose());
  REQUIRE(Ready(pending));
  CHECK(pending.get().status().code() == base::StatusCode::kUnavailable);
  CHECK_THAT(WaitForError(h.client, "malformed"), Catch::Contains("malformed ESL frame"));

  auto next = fs.Accept();
  REQUIRE(next);
  Handshake(*next);
  next->Send(ChannelEvent("CHANNEL_CREATE", "after", 2));
  REQUIRE(h.sink.WaitFor(2));
  CHECK(h.sink.events()[1].unique_id() == "after");
  CHECK(h.client.status().connects == 2);
}

TEST_CASE("A bad Content-Length also drops the connection", "[esl][client]") {
  FakeFreeSwitch fs;
  Harness h(TestOptions(fs.port()));
  REQUIRE(h.client.Start().ok());
  auto peer = fs.Accept();
  REQUIRE(peer);
  Handshake(*peer);
  peer->Send("Content-Length: 12x\nContent-Type: text/event-plain\n\n");
  CHECK(peer->WaitForClose());
  auto next = fs.Accept();
  REQUIRE(next);
}

TEST_CASE("The peer closing the connection makes the client reconnect", "[esl][client]") {
  FakeFreeSwitch fs;
  Harness h(TestOptions(fs.port()));
  REQUIRE(h.client.Start().ok());
  auto peer = fs.Accept();
  REQUIRE(peer);
  Handshake(*peer);
  REQUIRE(WaitForState(h.client, LinkState::kUp));
  peer->Close();

  auto next = fs.Accept();
  REQUIRE(next);
  CHECK_THAT(h.client.status().last_error, Catch::Contains("closed by peer"));
  Handshake(*next);
  // on_connected runs just after `connects` counts the new link: wait for both.
  REQUIRE(WaitUntil([&] { return h.client.status().connects == 2 && h.connected.load() == 2; }));
  next->Send(Heartbeat(1));
  REQUIRE(h.sink.WaitFor(1));
}

TEST_CASE("Silence longer than silence_timeout is a dead link: the client reconnects", "[esl][client]") {
  FakeFreeSwitch fs;
  base::FakeSteadyClock steady;
  ClientOptions o = TestOptions(fs.port());
  o.silence_timeout = 300ms;
  Harness h(o, nullptr, &steady);
  REQUIRE(h.client.Start().ok());
  auto peer = fs.Accept();
  REQUIRE(peer);
  Handshake(*peer);
  REQUIRE(WaitForState(h.client, LinkState::kUp));
  // A heartbeat after 299 ms of silence, five times over (1.5 s in all): the
  // link stays. The clock moves only after the previous heartbeat was
  // delivered, so the silence never reaches 300 ms.
  for (int i = 0; i < 5; ++i) {
    h.Step(299ms);
    peer->Send(Heartbeat(i));
    REQUIRE(h.sink.WaitFor(static_cast<size_t>(i) + 1));
  }
  CHECK(h.client.status().state == LinkState::kUp);
  CHECK(h.client.status().connects == 1);
  // Then 300 ms of nothing: the client gives up on this connection.
  h.Step(300ms);
  CHECK(peer->WaitForClose());
  CHECK_THAT(WaitForError(h.client, "no frame"),
             Catch::Contains("no frame from FreeSWITCH") && Catch::Contains("for 300 ms"));
  h.Step(h.BackoffWait());
  auto next = fs.Accept();
  REQUIRE(next);
  Handshake(*next);
  REQUIRE(WaitUntil([&] { return h.client.status().connects == 2; }));
}

TEST_CASE("A server that never sends auth/request is dropped after handshake_timeout", "[esl][client]") {
  FakeFreeSwitch fs;
  base::FakeSteadyClock steady;
  ClientOptions o = TestOptions(fs.port());
  o.handshake_timeout = 200ms;
  Harness h(o, nullptr, &steady);
  REQUIRE(h.client.Start().ok());
  auto peer = fs.Accept();
  REQUIRE(peer);
  // The handshake deadline is fixed before kAuthenticating is published.
  REQUIRE(WaitForState(h.client, LinkState::kAuthenticating));
  h.Step(199ms);
  CHECK(h.client.status().state == LinkState::kAuthenticating);
  h.Step(1ms);
  CHECK(peer->WaitForClose());
  CHECK_THAT(WaitForError(h.client, "login"),
             Catch::Contains("did not complete the login within 200 ms") && Catch::Contains("no auth/request"));
  h.Step(h.BackoffWait());
  REQUIRE(fs.Accept());
}

// ---- Fault injection through the transport seam --------------------------------

namespace {

struct Faults {
  int refuse_connects = 0;            // the first N connects fail
  std::string fail_write_containing;  // the first write containing this fails ("": none)
  // Reads end only with data, a Wake() or a Cancel(), never by their timeout:
  // a client that is not woken or cancelled then stays in its read forever.
  bool reads_ignore_timeout = false;
};

Faults ReadsIgnoreTimeout() {
  Faults f;
  f.reads_ignore_timeout = true;
  return f;
}

// Wraps the real transport and injects `Faults`. Records when each connect
// was attempted, on `steady` (the client's steady clock).
class FaultyTransport final : public esl::Transport {
 public:
  explicit FaultyTransport(Faults faults, const base::SteadyClock& steady = base::RealSteadyClock::Instance())
      : faults_(std::move(faults)), steady_(steady) {}

  base::Result<std::unique_ptr<esl::Connection>> Connect(const std::string& host, uint16_t port,
                                                         milliseconds timeout) override {
    {
      std::lock_guard lock(mu_);
      connect_times_.push_back(steady_.Now());
      if (faults_.refuse_connects > 0) {
        --faults_.refuse_connects;
        return base::Unavailable("injected: connect refused");
      }
    }
    auto conn = inner_.Connect(host, port, timeout);
    if (!conn.ok()) return conn.status();
    return std::unique_ptr<esl::Connection>(std::make_unique<Conn>(std::move(*conn), *this));
  }
  void Wake() override {
    woken_ = true;
    inner_.Wake();
  }
  void Cancel() override { inner_.Cancel(); }

  std::vector<base::SteadyClock::TimePoint> connect_times() {
    std::lock_guard lock(mu_);
    return connect_times_;
  }
  size_t connects() { return connect_times().size(); }

 private:
  class Conn final : public esl::Connection {
   public:
    Conn(std::unique_ptr<esl::Connection> inner, FaultyTransport& owner) : inner_(std::move(inner)), owner_(owner) {}
    base::Result<size_t> Read(char* buffer, size_t capacity, milliseconds timeout) override {
      while (true) {
        auto n = inner_->Read(buffer, capacity, timeout);
        if (!n.ok() || *n > 0 || !owner_.faults_.reads_ignore_timeout) return n;
        if (owner_.woken_.exchange(false)) return n;  // a Wake(): return 0, as the contract says
      }
    }
    base::Status WriteAll(std::string_view data, milliseconds timeout) override {
      {
        std::lock_guard lock(owner_.mu_);
        std::string& needle = owner_.faults_.fail_write_containing;
        if (!needle.empty() && data.find(needle) != std::string_view::npos) {
          needle.clear();
          return base::Unavailable("injected: write failed");
        }
      }
      return inner_->WriteAll(data, timeout);
    }
    void Close() override { inner_->Close(); }
    std::string peer() const override { return inner_->peer(); }

   private:
    std::unique_ptr<esl::Connection> inner_;
    FaultyTransport& owner_;
  };

  esl::TcpTransport inner_;
  std::mutex mu_;
  Faults faults_;  // reads_ignore_timeout is read without mu_: it never changes
  const base::SteadyClock& steady_;
  std::atomic<bool> woken_{false};
  std::vector<base::SteadyClock::TimePoint> connect_times_;
};

}  // namespace

TEST_CASE("Stop() ends the backoff wait, a blocking read and the login wait", "[esl][client]") {
  // Steady time never moves here and the reads never time out by themselves,
  // so Stop() returning at all proves it interrupts each wait (no wall-clock
  // bound: a broken Stop() hangs the test instead).
  base::FakeSteadyClock steady;
  SECTION("during backoff") {
    base::FakeClock clock;
    ClientOptions o = TestOptions(ClosedPort());
    o.initial_backoff = 20s;
    o.max_backoff = 30s;
    o.steady_clock = &steady;
    Client c(o, std::make_unique<esl::TcpTransport>(), clock, [](esl::Event&&) {});
    REQUIRE(c.Start().ok());
    REQUIRE(WaitForState(c, LinkState::kBackoff));
    CHECK_THAT(c.status().last_error, Catch::Contains("refused", Catch::CaseSensitive::No));
    REQUIRE(steady.AwaitWaiter(5s).has_value());  // blocked in the backoff wait now
    c.Stop();
    CHECK(c.status().state == LinkState::kStopped);
    CHECK(steady.Waiters() == 0);
  }
  SECTION("during a blocking read, with a job pending") {
    FakeFreeSwitch fs;
    Harness h(TestOptions(fs.port()), std::make_unique<FaultyTransport>(ReadsIgnoreTimeout()), &steady);
    REQUIRE(h.client.Start().ok());
    auto peer = fs.Accept();
    REQUIRE(peer);
    Handshake(*peer);
    REQUIRE(WaitForState(h.client, LinkState::kUp));
    auto pending = h.client.Bgapi("status");
    REQUIRE(!peer->ReadCommand().empty());
    h.client.Stop();
    REQUIRE(Ready(pending, 0s));
    CHECK(pending.get().status().code() == base::StatusCode::kUnavailable);
    CHECK(peer->WaitForClose());
  }
  SECTION("while waiting for auth/request") {
    FakeFreeSwitch fs;
    Harness h(TestOptions(fs.port()), std::make_unique<FaultyTransport>(ReadsIgnoreTimeout()), &steady);
    REQUIRE(h.client.Start().ok());
    auto peer = fs.Accept();
    REQUIRE(peer);
    REQUIRE(WaitForState(h.client, LinkState::kAuthenticating));
    h.client.Stop();
    CHECK(h.client.status().state == LinkState::kStopped);
    CHECK(peer->WaitForClose());
  }
}

TEST_CASE("Injected connect and write faults: the client backs off, retries and recovers", "[esl][client]") {
  FakeFreeSwitch fs;
  base::FakeSteadyClock steady;
  Faults injected;
  injected.refuse_connects = 3;
  injected.fail_write_containing = "bgapi";
  auto transport = std::make_unique<FaultyTransport>(injected, steady);
  FaultyTransport* faults = transport.get();
  ClientOptions o = TestOptions(fs.port());
  o.initial_backoff = 40ms;
  o.max_backoff = 100ms;
  ScriptedJitter jitter;
  jitter.InstallIn(o);
  Harness h(o, std::move(transport), &steady);
  REQUIRE(h.client.Start().ok());

  // Three refused connects. b = 40, 80, then 100 ms (max_backoff); each wait
  // is drawn from [b/2, b], and the scripted draw is 3/4 of the way up.
  const milliseconds expected[] = {35ms, 70ms, 88ms};
  for (size_t i = 0; i < 3; ++i) {
    INFO("refused connect " << i + 1);
    CHECK(h.BackoffWait() == expected[i]);
    CHECK(faults->connects() == i + 1);
    CHECK(h.client.status().state == LinkState::kBackoff);
    CHECK_THAT(h.client.status().last_error, Catch::Contains("injected: connect refused"));
    // A millisecond short of the wait: still waiting, no new attempt.
    h.Step(expected[i] - 1ms);
    CHECK(steady.Waiters() == 1);
    CHECK(faults->connects() == i + 1);
    h.Step(1ms);
  }
  auto peer = fs.Accept();
  REQUIRE(peer);
  using Range = std::pair<milliseconds, milliseconds>;
  CHECK(jitter.ranges() == std::vector<Range>{{20ms, 40ms}, {40ms, 80ms}, {50ms, 100ms}});
  const auto times = faults->connect_times();
  REQUIRE(times.size() == 4);
  for (size_t i = 0; i < 3; ++i) CHECK(times[i + 1] - times[i] == expected[i]);

  // The link comes up; the first command's write fails and ends the
  // connection. It was up for less than stable_after, so b stays at
  // max_backoff: the next wait is drawn from [50, 100] ms again.
  Handshake(*peer);
  REQUIRE(WaitForState(h.client, LinkState::kUp));
  auto fut = h.client.UuidKill("abc", "CALL_REJECTED");  // its write fails
  REQUIRE(Ready(fut));
  CHECK(fut.get().status().code() == base::StatusCode::kUnavailable);
  CHECK(peer->WaitForClose());
  CHECK(h.BackoffWait() == 88ms);
  CHECK_THAT(h.client.status().last_error, Catch::Contains("injected: write failed"));
  CHECK(jitter.ranges().back() == Range{50ms, 100ms});
  h.Step(88ms);
  auto next = fs.Accept();
  REQUIRE(next);
  Handshake(*next);
  REQUIRE(WaitUntil([&] { return h.client.status().connects == 2; }));
  CHECK(Millis(steady.WaitsRequested()) == std::vector<milliseconds>{35ms, 70ms, 88ms, 88ms});
}

TEST_CASE("Backoff returns to the initial wait after a connection that stayed up", "[esl][client]") {
  FakeFreeSwitch fs;
  base::FakeSteadyClock steady;
  ClientOptions o = TestOptions(fs.port());
  o.initial_backoff = 100ms;
  o.max_backoff = 5s;
  o.stable_after = 150ms;
  ScriptedJitter jitter;
  jitter.InstallIn(o);
  Harness h(o, nullptr, &steady);
  REQUIRE(h.client.Start().ok());

  // Closes the connection the client makes next, after `up_for` of steady
  // time logged in (never logged in when negative), and returns the backoff
  // wait the client then chose.
  const auto connection = [&](milliseconds up_for) {
    auto peer = fs.Accept();
    REQUIRE(peer);
    if (up_for >= 0ms) {
      Handshake(*peer);
      REQUIRE(WaitForState(h.client, LinkState::kUp));  // up_at is fixed before kUp shows
      h.Step(up_for);
    }
    peer->Close();
    const milliseconds wait = h.BackoffWait();
    h.Step(wait);
    return wait;
  };
  constexpr milliseconds kNeverUp{-1};

  // Two connections that never come up double b: 100 -> 200 -> 400 ms.
  CHECK(connection(kNeverUp) == 88ms);   // drawn from [50, 100]
  CHECK(connection(kNeverUp) == 175ms);  // drawn from [100, 200]
  // Up for 149 ms, one short of stable_after: no reset, b keeps doubling.
  CHECK(connection(149ms) == 350ms);  // drawn from [200, 400]
  // Up for exactly stable_after: b goes back to initial_backoff.
  CHECK(connection(150ms) == 88ms);  // drawn from [50, 100], not [400, 800]
  // ... and doubles again from there.
  CHECK(connection(kNeverUp) == 175ms);  // drawn from [100, 200]

  using Range = std::pair<milliseconds, milliseconds>;
  CHECK(jitter.ranges() ==
        std::vector<Range>{{50ms, 100ms}, {100ms, 200ms}, {200ms, 400ms}, {50ms, 100ms}, {100ms, 200ms}});
  CHECK(Millis(steady.WaitsRequested()) == std::vector<milliseconds>{88ms, 175ms, 350ms, 88ms, 175ms});
  CHECK(h.client.status().connects == 2);
}

TEST_CASE("The default jitter draws every backoff wait from [b/2, b]", "[esl][client]") {
  // The seeded std::mt19937_64 draw: not asserted exactly (the distribution
  // is the standard library's), but each wait is read off the fake clock.
  base::FakeSteadyClock steady;
  base::FakeClock clock;
  ClientOptions o = TestOptions(ClosedPort());
  o.initial_backoff = 40ms;
  o.max_backoff = 1000ms;
  o.steady_clock = &steady;
  Client c(o, std::make_unique<esl::TcpTransport>(), clock, [](esl::Event&&) {});
  REQUIRE(c.Start().ok());
  milliseconds b = 40ms;
  for (int i = 0; i < 8; ++i) {
    const auto wait = steady.AwaitWaiter(5s);
    REQUIRE(wait.has_value());
    INFO("attempt " << i + 1 << ": b = " << b.count() << " ms");
    CHECK(*wait >= b / 2);
    CHECK(*wait <= b);
    steady.Advance(*wait);
    b = std::min(b * 2, 1000ms);
  }
  c.Stop();
}

// ---- The real capture ---------------------------------------------------------

TEST_CASE("The switchio capture's auth exchange and CHANNEL_CREATE play through the client",
          "[esl][client][fixtures]") {
  TARIFADOR_REQUIRE_FIXTURE(data, "esl/switchio-eventstream.txt");
  // Frames of the capture: auth/request, +OK accepted, +OK bye, the
  // disconnect notice, then one CHANNEL_CREATE (ESL fixtures README).
  const size_t reply1 = data.find("Content-Type: command/reply");
  const size_t reply2 = data.find("Content-Type: command/reply", reply1 + 1);
  const size_t notice = data.find("Content-Length: 67");
  const size_t event = data.find("Content-Length: 5407");
  REQUIRE(reply1 != std::string::npos);
  REQUIRE(reply2 != std::string::npos);
  REQUIRE(notice != std::string::npos);
  REQUIRE(event != std::string::npos);
  const std::string auth_request = data.substr(0, reply1);
  const std::string accepted = data.substr(reply1, reply2 - reply1);
  const std::string disconnect = data.substr(notice, event - notice);
  const std::string create = data.substr(event);

  FakeFreeSwitch fs;
  Harness h(TestOptions(fs.port()));
  REQUIRE(h.client.Start().ok());
  auto peer = fs.Accept();
  REQUIRE(peer);
  peer->SendInChunks(auth_request, 1);
  REQUIRE(peer->ReadCommand() == "auth ClueCon\n\n");
  peer->Send(accepted);
  REQUIRE(peer->ReadCommand() == kExpectedSubscribe);
  peer->Send(Reply("+OK event listener enabled plain"));
  REQUIRE(WaitForState(h.client, LinkState::kUp));

  peer->SendInChunks(create, 7);
  REQUIRE(h.sink.WaitFor(1));
  const auto ev = h.sink.events()[0];
  CHECK(ev.name() == "CHANNEL_CREATE");
  CHECK(ev.unique_id() == "d0b1da34-a727-11e4-9728-6f83a2e5e50a");
  CHECK(h.client.status().core_uuid == "ed56dab6-a6fc-11e4-960f-6f83a2e5e50a");

  peer->Send(disconnect);
  CHECK(peer->WaitForClose());
  CHECK_THAT(WaitForError(h.client, "goodbye"), Catch::Contains("Disconnected, goodbye."));
  REQUIRE(fs.Accept());
}
