#pragma once
// The HTTP server (SPEC section 7): cpp-httplib's Server, or SSLServer when a
// certificate and key are configured, dispatching every request through the
// route table (http/route_table.h) with authentication, role and CSRF checks,
// JSON errors, a body size limit and per-route metrics.
//
// Threads: one accept thread plus a fixed pool of workers; a keep-alive
// connection holds a worker while it is open (cpp-httplib 0.11 is
// thread-per-connection).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "base/time.h"
#include "config/config.h"
#include "http/login_throttle.h"
#include "http/metrics_registry.h"
#include "http/readiness.h"
#include "http/services.h"
#include "store/audit_store.h"
#include "store/user_store.h"

namespace tarifador::http {

struct ListenAddress {
  std::string host;  // "0.0.0.0", "127.0.0.1", "::1" (no brackets)
  int port = 0;      // 0: any free port
};

// Parses "host:port", "[v6]:port" or ":port" (all IPv4 interfaces).
// InvalidArgument naming the text when malformed or the port is not 0..65535.
base::Result<ListenAddress> ParseListenAddress(std::string_view text);

struct ServerOptions {
  std::string listen = "127.0.0.1:0";       // http.listen
  size_t max_body_bytes = 8 * 1024 * 1024;  // http.max_body_bytes; larger bodies get 413
  std::string tls_cert;                     // http.tls_cert, PEM; TLS when both are set
  std::string tls_key;                      // http.tls_key, PEM
  // Disable Nagle. Debian's cpp-httplib 0.11 writes headers and body in two
  // send() calls, so without it a small keep-alive response waits ~40 ms for
  // the peer's delayed ACK. Off only for the comparison in docs/PERFORMANCE.md.
  bool tcp_nodelay = true;
  // Sized for a 2-core router: enough for a few browsers (each keeps a
  // keep-alive connection, later an SSE stream), the dialplan's authorize
  // calls and a Prometheus scraper, without hundreds of idle stacks.
  int worker_threads = 16;
  int read_timeout_s = 10;  // slow or stalled clients cannot hold a worker forever
  int write_timeout_s = 10;
  int keep_alive_timeout_s = 5;
  size_t keep_alive_max_requests = 100;
  int64_t session_ttl_s = 12 * 3600;  // a login lasts one working day
  ThrottlePolicy throttle;

  // The options config::Config sets (listen, body limit, TLS); the rest keep
  // their defaults.
  static ServerOptions FromConfig(const config::Config& cfg);
};

// What the server borrows from app; everything must outlive the Server.
struct ServerDeps {
  const base::Clock& clock;
  store::UserStore& users;
  store::AuditStore& audit;
  MetricsRegistry& metrics;  // the server adds its own metrics here
  Readiness& readiness;
  StatusInfo status;
  RatingServices* rating = nullptr;    // optional: without it the rating routes answer 503
  BillingServices* billing = nullptr;  // optional: without it the billing routes answer 503
  EventHub* events = nullptr;          // optional: GET /api/v1/events; Stop() closes its streams
  const LiveServices* live = nullptr;  // optional: settings, status "disk" and "store"
  ExportServices* exports = nullptr;   // optional: GET /api/v1/cdrs.csv, /api/v1/exports, status "export"
};

// Owns the listening socket and its threads. Not copyable; Stop() and the
// destructor may be called from any thread other than a worker.
class Server {
 public:
  // Builds the server, binds the address and starts serving in the
  // background; returns once connections are being accepted.
  // Fails with InvalidArgument (bad listen text, only one of cert/key),
  // Unavailable (cannot bind: in use, not permitted; TLS files unreadable).
  static base::Result<std::unique_ptr<Server>> Start(const ServerOptions& options, ServerDeps deps);

  ~Server();  // Stop()s
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The bound port (the real one when listening on port 0).
  int port() const;
  // The bound host, e.g. "127.0.0.1".
  const std::string& host() const;
  bool tls() const;

  // Stops accepting, lets in-flight requests finish, closes idle keep-alive
  // connections and joins the threads. Idempotent. Returns promptly: well
  // under a second with idle keep-alive connections open.
  void Stop();

  struct Impl;

 private:
  struct Key {
    explicit Key() = default;
  };

 public:
  // For Start() only (Key is private).
  Server(Key, std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace tarifador::http
