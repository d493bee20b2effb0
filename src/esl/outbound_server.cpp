#include "esl/outbound_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "base/log.h"
#include "esl/frame_parser.h"

namespace tarifador::esl {
namespace {

using Clock = std::chrono::steady_clock;

std::string Clean(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c != '\n' && c != '\r') out.push_back(c);
  }
  return out;
}

int RemainingMs(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

base::Status WriteAll(int fd, std::string_view data, Clock::time_point deadline) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      return base::Unavailable(std::string("write failed: ") + std::strerror(errno));
    }
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, RemainingMs(deadline)) <= 0) return base::Unavailable("write timed out");
  }
  return base::Status::Ok();
}

// The next frame, waiting until `deadline`.
base::Result<Frame> ReadFrame(int fd, FrameParser& parser, Clock::time_point deadline) {
  char buffer[8192];
  for (;;) {
    base::Result<std::optional<Frame>> next = parser.Next();
    if (!next.ok()) return next.status();
    if (*next) return std::move(**next);
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, RemainingMs(deadline));
    if (ready == 0) return base::Unavailable("timed out waiting for FreeSWITCH");
    if (ready < 0 && errno != EINTR) return base::Unavailable(std::string("poll failed: ") + std::strerror(errno));
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n == 0) return base::Unavailable("closed by FreeSWITCH");
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
      return base::Unavailable(std::string("read failed: ") + std::strerror(errno));
    }
    parser.Append(std::string_view(buffer, static_cast<size_t>(n)));
  }
}

// The reply to one command: a command/reply frame. A disconnect notice means
// the call ended (killed meanwhile): Unavailable.
base::Status ReadReply(int fd, FrameParser& parser, Clock::time_point deadline) {
  for (;;) {
    base::Result<Frame> frame = ReadFrame(fd, parser, deadline);
    if (!frame.ok()) return frame.status();
    if (frame->type == ContentType::kDisconnectNotice) return base::Unavailable("the call ended");
    if (frame->type != ContentType::kCommandReply) continue;  // an event nobody asked for
    const std::string_view reply = frame->headers.Get("Reply-Text");
    if (reply.substr(0, 4) == "-ERR") return base::FailedPrecondition("FreeSWITCH answered " + std::string(reply));
    return base::Status::Ok();
  }
}

}  // namespace

std::vector<std::string> VerdictCommands(const OutboundVerdict& verdict) {
  std::vector<std::string> out;
  for (const auto& [name, value] : verdict.variables) {
    out.push_back("sendmsg\ncall-command: execute\nexecute-app-name: set\nexecute-app-arg: " + Clean(name) + "=" +
                  Clean(value) + "\n\n");
  }
  if (!verdict.hangup_cause.empty()) {
    out.push_back("sendmsg\ncall-command: hangup\nhangup-cause: " + Clean(verdict.hangup_cause) + "\n\n");
  }
  return out;
}

struct OutboundServer::Session {
  int fd = -1;
  std::string peer;
  std::thread thread;
  std::atomic<bool> done{false};
};

OutboundServer::OutboundServer(OutboundOptions options, Decide decide)
    : options_(std::move(options)), decide_(std::move(decide)) {}

OutboundServer::~OutboundServer() { Stop(); }

base::Status OutboundServer::Start() {
  if (started_) return base::FailedPrecondition("the outbound socket server is already started");
  const std::string where = options_.host + ":" + std::to_string(options_.port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const std::string port = std::to_string(options_.port);
  if (const int rc = ::getaddrinfo(options_.host.c_str(), port.c_str(), &hints, &res); rc != 0 || res == nullptr) {
    return base::Unavailable("cannot resolve " + where + ": " + ::gai_strerror(rc));
  }
  const int fd = ::socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    ::freeaddrinfo(res);
    return base::Unavailable("cannot open a socket for " + where + ": " + std::strerror(errno));
  }
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, res->ai_addr, res->ai_addrlen) != 0 || ::listen(fd, 64) != 0) {
    const std::string why = std::strerror(errno);
    ::freeaddrinfo(res);
    ::close(fd);
    return base::Unavailable("cannot listen on " + where + " for FreeSWITCH's outbound socket: " + why);
  }
  ::freeaddrinfo(res);
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
  port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) {
    ::close(fd);
    return base::Unavailable(std::string("cannot create an eventfd: ") + std::strerror(errno));
  }
  listen_fd_ = fd;
  started_ = true;
  accept_thread_ = std::thread([this] { AcceptLoop(); });
  return base::Status::Ok();
}

void OutboundServer::Stop() {
  if (!started_ || stopping_.exchange(true)) return;
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t w = ::write(wake_fd_, &one, sizeof one);
  if (accept_thread_.joinable()) accept_thread_.join();
  std::list<std::unique_ptr<Session>> sessions;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Unblocks every session's poll; each closes its own descriptor.
    for (auto& s : sessions_) {
      if (s->fd >= 0) ::shutdown(s->fd, SHUT_RDWR);
    }
    sessions.swap(sessions_);
  }
  for (auto& s : sessions) {
    if (s->thread.joinable()) s->thread.join();
  }
  ::close(listen_fd_);
  ::close(wake_fd_);
}

OutboundServer::Stats OutboundServer::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void OutboundServer::ReapFinished() {
  std::list<std::unique_ptr<Session>> finished;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      if ((*it)->done) {
        finished.push_back(std::move(*it));
        it = sessions_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& s : finished) s->thread.join();
}

void OutboundServer::AcceptLoop() {
  // One top-level catch per thread (STYLE.md habit 2).
  try {
    while (!stopping_) {
      pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
      const int ready = ::poll(fds, 2, 1000);
      ReapFinished();
      if (stopping_) break;
      if (ready <= 0 || (fds[0].revents & POLLIN) == 0) continue;
      sockaddr_storage from{};
      socklen_t len = sizeof from;
      const int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&from), &len, SOCK_CLOEXEC);
      if (fd < 0) continue;
      char host[INET6_ADDRSTRLEN] = "?";
      uint16_t peer_port = 0;
      if (from.ss_family == AF_INET) {
        const auto* a = reinterpret_cast<const sockaddr_in*>(&from);
        ::inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
        peer_port = ntohs(a->sin_port);
      } else if (from.ss_family == AF_INET6) {
        const auto* a = reinterpret_cast<const sockaddr_in6*>(&from);
        ::inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
        peer_port = ntohs(a->sin6_port);
      }
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      std::lock_guard<std::mutex> lock(mu_);
      if (sessions_.size() >= options_.max_sessions) {
        // FreeSWITCH reads the close as "Socket Error!" and goes on with the
        // dialplan, whose gate applies billing.when_down.
        if (stats_.busy++ % 100 == 0) {
          base::LogWarning("outbound socket: " + std::to_string(options_.max_sessions) +
                           " calls are being authorized already; a call from " + host +
                           " was turned away (the dialplan's gate decides it)");
        }
        ::close(fd);
        continue;
      }
      auto session = std::make_unique<Session>();
      session->fd = fd;
      session->peer = std::string(host) + ":" + std::to_string(peer_port);
      Session& s = *session;
      sessions_.push_back(std::move(session));
      s.thread = std::thread([this, &s] { Serve(s); });
    }
  } catch (const std::exception& e) {
    base::LogError(std::string("outbound socket: the accept loop stopped: ") + e.what());
  }
}

void OutboundServer::Serve(Session& session) {
  std::string failure;
  bool ended = false;
  try {
    FrameParser parser;
    // mod_event_socket waits for `connect`, then sends the channel's data.
    Clock::time_point deadline = Clock::now() + options_.io_timeout;
    base::Status sent = WriteAll(session.fd, "connect\n\n", deadline);
    base::Result<Frame> data = sent.ok() ? ReadFrame(session.fd, parser, deadline) : base::Result<Frame>(sent);
    if (!data.ok()) {
      failure = data.status().message();
    } else if (data->type == ContentType::kDisconnectNotice) {
      // Hung up before it was asked about: killed on its CHANNEL_CREATE by
      // the event socket, or the caller gave up. Nothing to decide.
      ended = true;
    } else if (data->type != ContentType::kCommandReply || data->headers.Get("Unique-ID").empty()) {
      failure = std::string("expected the channel data, got a ") + ContentTypeName(data->type) + " frame";
    } else {
      const Event channel{std::move(data->headers), std::move(data->body)};
      const OutboundVerdict verdict = decide_(channel);
      for (const std::string& command : VerdictCommands(verdict)) {
        deadline = Clock::now() + options_.io_timeout;
        base::Status done = WriteAll(session.fd, command, deadline);
        if (done.ok()) done = ReadReply(session.fd, parser, deadline);
        if (!done.ok()) {
          // A call killed meanwhile has nothing left to be told.
          if (done.message() != "the call ended") failure = done.message();
          break;
        }
      }
    }
  } catch (const std::exception& e) {
    failure = std::string("threw: ") + e.what();
  }
  if (!failure.empty()) base::LogWarning("outbound socket session from " + session.peer + ": " + failure);
  std::lock_guard<std::mutex> lock(mu_);
  if (ended) {
    ++stats_.ended;
  } else if (failure.empty()) {
    ++stats_.sessions;
  } else {
    ++stats_.failed;
  }
  // Closing hands the call back to the dialplan. Under the lock: Stop()
  // must never shut down a descriptor number already reused.
  ::close(session.fd);
  session.fd = -1;
  session.done = true;
}

}  // namespace tarifador::esl
