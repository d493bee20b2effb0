#pragma once
// A raw loopback ESL client for the sim tests: reads bytes exactly, or frames
// through esl::FrameParser, with deadlines instead of sleeps.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "esl/event.h"
#include "esl/frame_parser.h"

namespace tarifador::sim::testing {

using namespace std::chrono_literals;

class EslTestClient {
 public:
  explicit EslTestClient(uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  // Takes over a connected socket, e.g. one SocketPeerListener accepted
  // (the test is then the peer of the dialplan's socket application).
  struct Adopt {};
  EslTestClient(Adopt, int fd) : fd_(fd), connected_(fd >= 0) {}
  ~EslTestClient() {
    if (fd_ >= 0) close(fd_);
  }
  EslTestClient(const EslTestClient&) = delete;
  EslTestClient& operator=(const EslTestClient&) = delete;

  bool connected() const { return connected_; }
  bool eof() const { return eof_; }
  const std::string& raw() const { return raw_; }  // every byte received so far

  void Send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
  }

  // Reads until `n` unread raw bytes are available (or EOF / timeout); returns them.
  std::string ReadBytes(size_t n, std::chrono::milliseconds timeout = 3s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (raw_.size() - raw_pos_ < n && Pump(deadline)) {
    }
    const size_t take = std::min(n, raw_.size() - raw_pos_);
    std::string out = raw_.substr(raw_pos_, take);
    raw_pos_ += take;
    return out;
  }

  // True when the peer closes within `timeout` (reading and keeping any bytes).
  bool WaitForEof(std::chrono::milliseconds timeout = 3s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!eof_ && Pump(deadline)) {
    }
    return eof_;
  }

  // The next frame, or nullopt on timeout / EOF / parse error (see parse_error()).
  std::optional<esl::Frame> NextFrame(std::chrono::milliseconds timeout = 3s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      auto next = parser_.Next();
      if (!next.ok()) {
        parse_error_ = next.status().message();
        return std::nullopt;
      }
      if (next->has_value()) return std::move(**next);
      if (!Pump(deadline)) return std::nullopt;
    }
  }

  // The next command/reply or api/response; events met on the way are kept in events().
  std::optional<esl::Frame> NextReply(std::chrono::milliseconds timeout = 3s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto f =
          NextFrame(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
      if (!f) return std::nullopt;
      if (f->type == esl::ContentType::kCommandReply || f->type == esl::ContentType::kApiResponse) return f;
      KeepEvent(*f);
    }
    return std::nullopt;
  }

  // Sends a command and returns its reply frame.
  std::optional<esl::Frame> Command(const std::string& line) {
    Send(line + "\n\n");
    return NextReply();
  }
  // api: the body of the api/response ("" if none arrived).
  std::string Api(const std::string& line) {
    auto f = Command("api " + line);
    return f ? f->body : std::string();
  }

  bool Login(const std::string& password = "ClueCon") {
    auto req = NextFrame();
    if (!req || req->type != esl::ContentType::kAuthRequest) return false;
    auto reply = Command("auth " + password);
    return reply && reply->headers.Get("Reply-Text") == "+OK accepted";
  }

  // Reads events until `pred` holds for one of them (checked on every event
  // collected so far); returns that event.
  std::optional<esl::Event> WaitForEvent(const std::function<bool(const esl::Event&)>& pred,
                                         std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    size_t checked = 0;
    while (true) {
      for (; checked < events_.size(); ++checked) {
        if (pred(events_[checked])) return events_[checked];
      }
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      auto f = NextFrame(left);
      if (!f) return std::nullopt;
      KeepEvent(*f);
    }
  }
  std::optional<esl::Event> WaitForEventNamed(std::string_view name, std::string_view uuid = {},
                                              std::chrono::milliseconds timeout = 5s) {
    return WaitForEvent(
        [&](const esl::Event& e) { return e.name() == name && (uuid.empty() || e.unique_id() == uuid); }, timeout);
  }

  const std::vector<esl::Event>& events() const { return events_; }
  const std::vector<esl::Frame>& event_frames() const { return event_frames_; }
  const std::string& parse_error() const { return parse_error_; }
  std::vector<std::string> event_errors() const { return event_errors_; }

 private:
  // Reads once (waiting until `deadline`); false on timeout or EOF.
  bool Pump(std::chrono::steady_clock::time_point deadline) {
    if (eof_) return false;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd pfd{fd_, POLLIN, 0};
    if (poll(&pfd, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[65536];
    const ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    raw_.append(buf, static_cast<size_t>(n));
    parser_.Append(std::string_view(buf, static_cast<size_t>(n)));
    return true;
  }

  void KeepEvent(const esl::Frame& f) {
    if (f.type != esl::ContentType::kEventPlain && f.type != esl::ContentType::kEventJson) return;
    event_frames_.push_back(f);
    auto ev = esl::ParseEvent(f);
    if (ev.ok()) {
      events_.push_back(std::move(*ev));
    } else {
      event_errors_.push_back(ev.status().message());
    }
  }

  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  std::string raw_;
  size_t raw_pos_ = 0;
  esl::FrameParser parser_;
  std::string parse_error_;
  std::vector<esl::Event> events_;
  std::vector<esl::Frame> event_frames_;
  std::vector<std::string> event_errors_;
};

// tarifador's end of the dialplan's socket (freeswitch.socket_listen): a
// loopback listener on any free port that the sim's SocketApp connects to.
class SocketPeerListener {
 public:
  SocketPeerListener() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = 0;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd_, 8) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return;
    }
    port_ = ntohs(addr.sin_port);
  }
  ~SocketPeerListener() {
    if (fd_ >= 0) close(fd_);
  }
  SocketPeerListener(const SocketPeerListener&) = delete;
  SocketPeerListener& operator=(const SocketPeerListener&) = delete;

  // 0 when the listener could not be set up.
  uint16_t port() const { return port_; }
  // The next connection (owned by the caller), or -1 after `timeout`.
  int Accept(std::chrono::milliseconds timeout = 5s) {
    pollfd pfd{fd_, POLLIN, 0};
    if (poll(&pfd, 1, static_cast<int>(timeout.count())) <= 0) return -1;
    return accept(fd_, nullptr, nullptr);
  }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

}  // namespace tarifador::sim::testing
