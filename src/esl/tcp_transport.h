#pragma once
// The real Transport: POSIX TCP sockets, IPv4 and IPv6 through getaddrinfo,
// TCP_NODELAY (ESL commands are small and each one waits for its reply), and
// two eventfds so Wake and Cancel interrupt a poll() at once.
#include <atomic>

#include "esl/transport.h"

namespace tarifador::esl {

// A listening TCP socket (SO_REUSEADDR, close-on-exec) on host:port, the
// first address the name resolves to; port 0 picks a free one, given back in
// `port`. The caller owns `fd` and closes it. Unavailable naming host:port
// and the reason (not resolved, in use).
struct ListeningSocket {
  int fd = -1;
  uint16_t port = 0;
};
base::Result<ListeningSocket> ListenTcp(const std::string& host, uint16_t port, int backlog);

class TcpTransport final : public Transport {
 public:
  // Creates the eventfds. If that fails (out of file descriptors), every
  // Connect fails with Internal saying so.
  TcpTransport();
  ~TcpTransport() override;
  TcpTransport(const TcpTransport&) = delete;
  TcpTransport& operator=(const TcpTransport&) = delete;

  // Tries every address the name resolves to, in getaddrinfo's order, with a
  // non-blocking connect each, until one succeeds or `timeout` is spent.
  // Name resolution itself (getaddrinfo) cannot be interrupted by Cancel; a
  // numeric address (the default 127.0.0.1) never waits on DNS.
  base::Result<std::unique_ptr<Connection>> Connect(const std::string& host, uint16_t port,
                                                    std::chrono::milliseconds timeout) override;
  void Wake() override;
  void Cancel() override;

 private:
  int wake_fd_ = -1;    // eventfd: drained by Read
  int cancel_fd_ = -1;  // eventfd: set once by Cancel, never drained
  std::atomic<bool> cancelled_{false};
};

}  // namespace tarifador::esl
