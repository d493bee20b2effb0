#pragma once
// The HTTP server (SPEC section 7): libmicrohttpd, with TLS when a
// certificate and key are configured, dispatching every request through the
// route table (http/route_table.h) with authentication, role and CSRF checks,
// JSON errors and per-route metrics.
//
// What one client can cost is bounded (docs/SECURITY.md "HTTP limits"):
// connections in all and per address, the bytes of a request's head (they
// must fit the connection's memory), the body however it is framed (a
// protected route authenticates before reading any of it), the time to
// receive a request (a watchdog, http/connection_deadlines.h) and idle time.
//
// Threads: one accept thread and one thread per open connection, so a slow
// client holds only its own; the connection limits bound their number.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

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
  // HTTPS (docs/SECURITY.md "HTTPS"). With tls_listen set, a second
  // listener speaks TLS there, with tls_cert/tls_key or, when those are
  // empty, a self-signed pair generated once in tls_dir; plain requests on
  // `listen` from anywhere but the box itself (127.0.0.1, ::1) are then
  // redirected to it (308), and answers over TLS with a configured
  // certificate carry HSTS. Without tls_listen, tls_cert and tls_key make
  // `listen` itself TLS.
  std::string tls_listen;                   // http.tls_listen
  std::string tls_cert;                     // http.tls_cert, PEM
  std::string tls_key;                      // http.tls_key, PEM
  std::string tls_dir;                      // the self-signed pair's folder (data_dir/tls)
  std::vector<std::string> tls_host_names;  // names a generated certificate is for
  // Open connections at most (http.max_connections), and from one address
  // (http.max_connections_per_address); more are closed at accept. Each
  // holds a thread and up to connection_memory_bytes.
  unsigned max_connections = 256;
  unsigned max_connections_per_address = 32;
  // A connection's buffer: the request line and headers must fit in it
  // (431 otherwise), so it bounds a request's head.
  size_t connection_memory_bytes = 32 * 1024;
  // Silence after which a connection is closed, waiting or mid-request.
  unsigned idle_timeout_s = 10;
  // A streamed answer (events, CSV) may be silent this long between chunks
  // (the event stream's keep-alive comes every 15 s).
  unsigned stream_idle_timeout_s = 60;
  // From accepting a connection (or answering its last request) to the end
  // of the request's head, and to the end of its body.
  int head_deadline_s = 10;
  int request_deadline_s = 30;
  int64_t session_ttl_s = 12 * 3600;  // a login lasts one working day
  ThrottlePolicy throttle;

  // The options config::Config sets (listen, body limit, TLS, connection
  // limits); the rest keep their defaults.
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

  // The bound port of `listen` (the real one when listening on port 0).
  int port() const;
  // The bound port of tls_listen; 0 without one.
  int tls_port() const;
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
