#include "esl/tcp_transport.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>

using namespace tarifador;
using namespace std::chrono_literals;
using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

namespace {

// A listening socket on the loopback of `family`; port 0 lets the kernel pick.
struct Listener {
  explicit Listener(int family = AF_INET) {
    fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return;
    sockaddr_storage ss{};
    socklen_t len;
    if (family == AF_INET) {
      auto* a = reinterpret_cast<sockaddr_in*>(&ss);
      a->sin_family = AF_INET;
      a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      len = sizeof *a;
    } else {
      auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
      a->sin6_family = AF_INET6;
      a->sin6_addr = in6addr_loopback;
      len = sizeof *a;
    }
    if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(fd, 4) != 0) {
      ::close(fd);
      fd = -1;
      return;
    }
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
    port = ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in*>(&ss)->sin_port
                                   : reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  }
  ~Listener() {
    if (fd >= 0) ::close(fd);
  }
  int Accept() {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) return -1;
    return ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
  }
  int fd = -1;
  uint16_t port = 0;
};

std::string ReadExactly(int fd, size_t n) {
  std::string out;
  while (out.size() < n) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) break;
    char buf[4096];
    const ssize_t r = ::recv(fd, buf, std::min(sizeof buf, n - out.size()), 0);
    if (r <= 0) break;
    out.append(buf, static_cast<size_t>(r));
  }
  return out;
}

}  // namespace

TEST_CASE("TcpTransport connects over IPv4, sets TCP_NODELAY, reads and writes", "[esl][transport]") {
  Listener l;
  REQUIRE(l.fd >= 0);
  esl::TcpTransport t;
  auto conn = t.Connect("127.0.0.1", l.port, 2s);
  REQUIRE(conn.ok());
  CHECK((*conn)->peer() == "127.0.0.1:" + std::to_string(l.port));
  const int server = l.Accept();
  REQUIRE(server >= 0);

  REQUIRE((*conn)->WriteAll("auth ClueCon\n\n", 1s).ok());
  CHECK(ReadExactly(server, 14) == "auth ClueCon\n\n");

  const std::string hello = "Content-Type: auth/request\n\n";
  REQUIRE(::send(server, hello.data(), hello.size(), 0) == static_cast<ssize_t>(hello.size()));
  std::string got;
  char buf[64];
  while (got.size() < hello.size()) {
    auto n = (*conn)->Read(buf, sizeof buf, 2s);
    REQUIRE(n.ok());
    got.append(buf, *n);
  }
  CHECK(got == hello);

  // Nothing to read: the timeout elapses and Read returns 0.
  const auto t0 = SteadyClock::now();
  auto none = (*conn)->Read(buf, sizeof buf, 50ms);
  REQUIRE(none.ok());
  CHECK(*none == 0);
  CHECK(SteadyClock::now() - t0 >= 40ms);

  // The peer closes: "closed by peer".
  ::close(server);
  auto eof = (*conn)->Read(buf, sizeof buf, 2s);
  REQUIRE_FALSE(eof.ok());
  CHECK(eof.status().code() == base::StatusCode::kUnavailable);
  CHECK_THAT(eof.status().message(), Catch::Contains("closed by peer"));
}

TEST_CASE("TcpTransport connects over IPv6 when the host has ::1", "[esl][transport]") {
  Listener l(AF_INET6);
  if (l.fd < 0) {
    WARN("skipping: no IPv6 loopback here");
    return;
  }
  esl::TcpTransport t;
  auto conn = t.Connect("::1", l.port, 2s);
  REQUIRE(conn.ok());
  CHECK((*conn)->peer() == "[::1]:" + std::to_string(l.port));
  CHECK(l.Accept() >= 0);
}

TEST_CASE("TcpTransport reports refused connections", "[esl][transport]") {
  uint16_t closed_port;
  {
    Listener l;
    closed_port = l.port;
  }
  esl::TcpTransport t;
  auto refused = t.Connect("127.0.0.1", closed_port, 2s);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == base::StatusCode::kUnavailable);
  CHECK_THAT(refused.status().message(),
             Catch::StartsWith("connecting to 127.0.0.1:" + std::to_string(closed_port) + ": ") &&
                 Catch::Contains("refused", Catch::CaseSensitive::No));
}

TEST_CASE("Wake makes a waiting Read return 0 at once, Cancel makes everything fail", "[esl][transport]") {
  Listener l;
  esl::TcpTransport t;
  auto conn = t.Connect("127.0.0.1", l.port, 2s);
  REQUIRE(conn.ok());
  const int server = l.Accept();
  REQUIRE(server >= 0);
  char buf[16];

  // The reads below wait an hour unless interrupted, so their returning at
  // all is the proof (no wall-clock bound: a broken Wake or Cancel hangs the
  // test instead). The pause only makes it likely that the Read is already
  // waiting; a Wake or Cancel that comes first must end it just the same.
  constexpr auto kForever = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::hours(1));
  std::thread waker([&] {
    std::this_thread::sleep_for(50ms);
    t.Wake();
  });
  auto woken = (*conn)->Read(buf, sizeof buf, kForever);
  waker.join();
  REQUIRE(woken.ok());
  CHECK(*woken == 0);

  // A wake is consumed: the next Read waits again (at least its timeout).
  const auto t0 = SteadyClock::now();
  auto again = (*conn)->Read(buf, sizeof buf, 30ms);
  REQUIRE(again.ok());
  CHECK(*again == 0);
  CHECK(SteadyClock::now() - t0 >= 20ms);

  std::thread canceller([&] {
    std::this_thread::sleep_for(50ms);
    t.Cancel();
  });
  auto cancelled = (*conn)->Read(buf, sizeof buf, kForever);
  canceller.join();
  REQUIRE_FALSE(cancelled.ok());
  CHECK_THAT(cancelled.status().message(), Catch::Contains("cancelled"));
  CHECK_FALSE((*conn)->WriteAll("x", 1s).ok());
  CHECK_FALSE(t.Connect("127.0.0.1", l.port, 1s).ok());
  ::close(server);
}

TEST_CASE("WriteAll times out against a peer that does not read", "[esl][transport]") {
  Listener l;
  esl::TcpTransport t;
  auto conn = t.Connect("127.0.0.1", l.port, 2s);
  REQUIRE(conn.ok());
  const int server = l.Accept();
  REQUIRE(server >= 0);
  const std::string big(64 * 1024 * 1024, 'x');  // far more than the socket buffers hold
  const auto t0 = SteadyClock::now();
  const auto s = (*conn)->WriteAll(big, 200ms);
  CHECK(s.code() == base::StatusCode::kUnavailable);
  CHECK_THAT(s.message(), Catch::Contains("timed out"));
  CHECK(SteadyClock::now() - t0 < 3s);
  ::close(server);
}
