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
#include "esl/tcp_transport.h"

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
  for (const std::string& name : verdict.unset) {
    out.push_back("sendmsg\ncall-command: execute\nexecute-app-name: unset\nexecute-app-arg: " + Clean(name) + "\n\n");
  }
  for (const auto& [name, value] : verdict.variables) {
    out.push_back("sendmsg\ncall-command: execute\nexecute-app-name: set\nexecute-app-arg: " + Clean(name) + "=" +
                  Clean(value) + "\n\n");
  }
  for (const auto& [app, arg] : verdict.applications) {
    out.push_back("sendmsg\ncall-command: execute\nexecute-app-name: " + Clean(app) +
                  "\nexecute-app-arg: " + Clean(arg) + "\n\n");
  }
  if (!verdict.hangup_cause.empty()) {
    out.push_back("sendmsg\ncall-command: hangup\nhangup-cause: " + Clean(verdict.hangup_cause) + "\n\n");
  }
  return out;
}

OutboundServer::OutboundServer(OutboundOptions options, Decide decide)
    : options_(std::move(options)), decide_(std::move(decide)) {}

OutboundServer::~OutboundServer() { Stop(); }

base::Status OutboundServer::Start() {
  if (started_) return base::FailedPrecondition("the outbound socket server is already started");
  base::Result<ListeningSocket> listening = ListenTcp(options_.host, options_.port, 64);
  if (!listening.ok()) return listening.status().WithContext("FreeSWITCH's outbound socket");
  const int fd = listening->fd;
  port_ = listening->port;
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
  std::vector<std::thread> workers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Unblocks every session's poll; each worker closes its own descriptor.
    for (const int fd : serving_) ::shutdown(fd, SHUT_RDWR);
    for (const Accepted& a : queue_) ::close(a.fd);
    queue_.clear();
    workers.swap(workers_);
  }
  cv_.notify_all();
  for (std::thread& t : workers) t.join();
  ::close(listen_fd_);
  ::close(wake_fd_);
}

OutboundServer::Stats OutboundServer::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void OutboundServer::AcceptLoop() {
  // One top-level catch per thread (STYLE.md habit 2).
  try {
    while (!stopping_) {
      pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
      const int ready = ::poll(fds, 2, 1000);
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
      if (serving_.size() + queue_.size() >= options_.max_sessions) {
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
      queue_.push_back(Accepted{fd, std::string(host) + ":" + std::to_string(peer_port)});
      if (idle_ < queue_.size() && workers_.size() < options_.max_sessions) {
        workers_.emplace_back([this] { WorkerLoop(); });
      }
      cv_.notify_one();
    }
  } catch (const std::exception& e) {
    base::LogError(std::string("outbound socket: the accept loop stopped: ") + e.what());
  }
}

void OutboundServer::WorkerLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    ++idle_;
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    --idle_;
    if (queue_.empty()) return;  // stopping
    const Accepted session = std::move(queue_.front());
    queue_.pop_front();
    serving_.insert(session.fd);
    lock.unlock();
    bool ended = false;
    bool served = false;
    // One top-level catch per thread (STYLE.md habit 2).
    try {
      served = Serve(session, ended);
    } catch (const std::exception& e) {
      base::LogWarning("outbound socket session from " + session.peer + ": threw: " + e.what());
    }
    lock.lock();
    if (ended) {
      ++stats_.ended;
    } else if (served) {
      ++stats_.sessions;
    } else {
      ++stats_.failed;
    }
    // Closing hands the call back to the dialplan. Under the lock: Stop()
    // must never shut down a descriptor number already reused.
    serving_.erase(session.fd);
    ::close(session.fd);
  }
}

bool OutboundServer::Serve(const Accepted& session, bool& ended) {
  std::string failure;
  // The channel data is one header block (3.6 KB from a real 1.10.12); the
  // replies and the disconnect notice carry at most 67 body bytes. Anything
  // larger is not FreeSWITCH: 256 sessions must not each hold 16 MiB.
  FrameParser parser(FrameLimits{/*max_header_bytes=*/256 * 1024, /*max_body_bytes=*/4096});
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
  if (!failure.empty()) base::LogWarning("outbound socket session from " + session.peer + ": " + failure);
  return failure.empty();
}

}  // namespace tarifador::esl
