#include "esl/tcp_transport.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <string>
#include <system_error>

namespace tarifador::esl {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string ErrnoText(int err) { return std::system_category().message(err); }

std::string HostPort(const std::string& host, uint16_t port) {
  // IPv6 literals are bracketed so the port stays readable: [::1]:8021.
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// Milliseconds left until `deadline`, as poll()'s int (0 when past).
int RemainingMs(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
  if (left <= 0) return 0;
  return static_cast<int>(std::min<long long>(left + 1, INT_MAX));  // +1: never wake a hair early
}

void Drain(int fd) {
  uint64_t value = 0;
  while (::read(fd, &value, sizeof value) > 0) {
  }
}

class TcpConnection final : public Connection {
 public:
  TcpConnection(int fd, std::string peer, int wake_fd, int cancel_fd, const std::atomic<bool>& cancelled)
      : fd_(fd), peer_(std::move(peer)), wake_fd_(wake_fd), cancel_fd_(cancel_fd), cancelled_(cancelled) {}
  ~TcpConnection() override { Close(); }
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;

  base::Result<size_t> Read(char* buffer, size_t capacity, milliseconds timeout) override {
    if (fd_ < 0) return base::Unavailable("reading from " + peer_ + ": the connection is closed");
    if (cancelled_.load()) return base::Unavailable("reading from " + peer_ + ": cancelled");
    pollfd fds[3] = {{fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}, {cancel_fd_, POLLIN, 0}};
    const auto ms = std::clamp<long long>(timeout.count(), 0, INT_MAX);
    const int rc = ::poll(fds, 3, static_cast<int>(ms));
    if (rc < 0) {
      if (errno == EINTR) return size_t{0};  // the caller loops and recomputes its deadline
      return base::Unavailable("reading from " + peer_ + ": poll: " + ErrnoText(errno));
    }
    if (fds[2].revents != 0 || cancelled_.load()) return base::Unavailable("reading from " + peer_ + ": cancelled");
    if (fds[1].revents != 0) Drain(wake_fd_);
    if (fds[0].revents == 0) return size_t{0};
    // POLLIN, POLLHUP or POLLERR: recv tells which (data, EOF or the error).
    const ssize_t n = ::recv(fd_, buffer, capacity, 0);
    if (n > 0) return static_cast<size_t>(n);
    if (n == 0) return base::Unavailable("reading from " + peer_ + ": connection closed by peer");
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return size_t{0};
    return base::Unavailable("reading from " + peer_ + ": " + ErrnoText(errno));
  }

  base::Status WriteAll(std::string_view data, milliseconds timeout) override {
    if (fd_ < 0) return base::Unavailable("writing to " + peer_ + ": the connection is closed");
    const auto deadline = Clock::now() + timeout;
    size_t sent = 0;
    while (sent < data.size()) {
      if (cancelled_.load()) return base::Unavailable("writing to " + peer_ + ": cancelled");
      // MSG_NOSIGNAL: a peer that went away must be an error, not SIGPIPE.
      const ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        return base::Unavailable("writing to " + peer_ + ": " + ErrnoText(errno));
      }
      const int wait_ms = RemainingMs(deadline);
      if (wait_ms == 0) {
        return base::Unavailable("writing to " + peer_ + ": timed out after " + std::to_string(timeout.count()) +
                                 " ms with " + std::to_string(sent) + " of " + std::to_string(data.size()) +
                                 " bytes sent (the peer is not reading)");
      }
      pollfd fds[2] = {{fd_, POLLOUT, 0}, {cancel_fd_, POLLIN, 0}};
      if (::poll(fds, 2, wait_ms) < 0 && errno != EINTR) {
        return base::Unavailable("writing to " + peer_ + ": poll: " + ErrnoText(errno));
      }
    }
    return base::Status::Ok();
  }

  void Close() override {
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }

  std::string peer() const override { return peer_; }

 private:
  int fd_;
  std::string peer_;
  int wake_fd_;    // borrowed from the TcpTransport
  int cancel_fd_;  // borrowed from the TcpTransport
  const std::atomic<bool>& cancelled_;
};

}  // namespace

TcpTransport::TcpTransport() {
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  cancel_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

TcpTransport::~TcpTransport() {
  if (wake_fd_ >= 0) ::close(wake_fd_);
  if (cancel_fd_ >= 0) ::close(cancel_fd_);
}

void TcpTransport::Wake() {
  if (wake_fd_ < 0) return;
  const uint64_t one = 1;
  // A full counter (impossible in practice) still leaves the fd readable.
  [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

void TcpTransport::Cancel() {
  cancelled_.store(true);
  if (cancel_fd_ < 0) return;
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(cancel_fd_, &one, sizeof one);
}

base::Result<std::unique_ptr<Connection>> TcpTransport::Connect(const std::string& host, uint16_t port,
                                                                milliseconds timeout) {
  const std::string where = HostPort(host, port);
  if (wake_fd_ < 0 || cancel_fd_ < 0) {
    return base::Internal("connecting to " + where + ": could not create an eventfd (out of file descriptors?)");
  }
  if (cancelled_.load()) return base::Unavailable("connecting to " + where + ": cancelled");
  const auto deadline = Clock::now() + timeout;

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  addrinfo* list = nullptr;
  const std::string service = std::to_string(port);
  const int gai = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &list);
  if (gai != 0) {
    return base::Unavailable("connecting to " + where + ": cannot resolve \"" + host + "\": " + ::gai_strerror(gai));
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owner(list, &::freeaddrinfo);

  std::string last_error = "no address";
  for (const addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      last_error = "socket: " + ErrnoText(errno);
      continue;
    }
    int err = 0;
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      err = errno;
      if (err == EINPROGRESS) {
        pollfd fds[2] = {{fd, POLLOUT, 0}, {cancel_fd_, POLLIN, 0}};
        int rc;
        do {
          rc = ::poll(fds, 2, RemainingMs(deadline));
        } while (rc < 0 && errno == EINTR);
        if (fds[1].revents != 0 || cancelled_.load()) {
          ::close(fd);
          return base::Unavailable("connecting to " + where + ": cancelled");
        }
        if (rc == 0) {
          err = ETIMEDOUT;
        } else if (rc < 0) {
          err = errno;
        } else {
          socklen_t len = sizeof err;
          if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
        }
      }
    }
    if (err != 0) {
      last_error = ErrnoText(err);
      ::close(fd);
      if (RemainingMs(deadline) == 0) {
        last_error = err == ETIMEDOUT ? "timed out after " + std::to_string(timeout.count()) + " ms" : last_error;
        break;
      }
      continue;
    }
    // Commands are small and each waits for its reply: do not let Nagle hold them.
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return std::unique_ptr<Connection>(std::make_unique<TcpConnection>(fd, where, wake_fd_, cancel_fd_, cancelled_));
  }
  return base::Unavailable("connecting to " + where + ": " + last_error);
}

base::Result<ListeningSocket> ListenTcp(const std::string& host, uint16_t port, int backlog) {
  const std::string where = host + ":" + std::to_string(port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const std::string port_text = std::to_string(port);
  if (const int rc = ::getaddrinfo(host.c_str(), port_text.c_str(), &hints, &res); rc != 0 || res == nullptr) {
    return base::Unavailable("cannot listen on " + where + ": " + ::gai_strerror(rc));
  }
  const int fd = ::socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol);
  if (fd < 0) {
    const std::string why = std::strerror(errno);
    ::freeaddrinfo(res);
    return base::Unavailable("cannot listen on " + where + ": " + why);
  }
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, res->ai_addr, res->ai_addrlen) != 0 || ::listen(fd, backlog) != 0) {
    const std::string why = std::strerror(errno);
    ::freeaddrinfo(res);
    ::close(fd);
    return base::Unavailable("cannot listen on " + where + ": " + why);
  }
  ::freeaddrinfo(res);
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
  ListeningSocket out;
  out.fd = fd;
  out.port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                               : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  return out;
}

}  // namespace tarifador::esl
