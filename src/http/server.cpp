#include "http/server.h"

#include <httplib.h>

#include <array>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstring>
#include <exception>
#include <filesystem>
#include <thread>
#include <vector>

#include "base/log.h"
#include "http/authenticator.h"
#include "http/http_status.h"
#include "http/route_table.h"
#include "http/static_files.h"

namespace tarifador::http {
namespace {

// The routes FreeSWITCH itself calls: the dialplan's authorize (mod_curl)
// and mod_json_cdr's POST.
bool OffersBasicChallenge(const Route& route) {
  return route.access == Access::kCdrWriter || route.pattern == "/api/v1/authorize";
}

constexpr std::string_view kRequestsTotal = "tarifador_http_requests_total";
constexpr std::string_view kRequestDuration = "tarifador_http_request_duration_seconds";

// Per-route metrics, registered up front so that recording a request is a
// few atomic adds with no lookup and no lock.
struct RouteMetrics {
  std::array<Counter*, 5> by_class{};  // 1xx .. 5xx
  Histogram* latency = nullptr;
};

RouteMetrics RegisterRouteMetrics(MetricsRegistry& registry, std::string_view method, std::string_view pattern) {
  RouteMetrics m;
  static constexpr const char* kClasses[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
  for (size_t i = 0; i < m.by_class.size(); ++i) {
    m.by_class[i] =
        &registry.AddCounter(kRequestsTotal, "HTTP requests answered, by route pattern and status class",
                             {{"method", std::string(method)}, {"route", std::string(pattern)}, {"code", kClasses[i]}});
  }
  m.latency = &registry.AddHistogram(kRequestDuration, "Time to handle an HTTP request, by route pattern",
                                     {{"method", std::string(method)}, {"route", std::string(pattern)}},
                                     DefaultLatencyBucketsUs());
  return m;
}

std::string DefaultErrorMessage(int status, size_t max_body_bytes) {
  switch (status) {
    case 400: return "malformed HTTP request";
    case 404: return "not found";
    case 413: return "request body too large (limit " + std::to_string(max_body_bytes) + " bytes)";
    case 414: return "request URI too long";
    case 416: return "range not satisfiable";
    default: return "HTTP error " + std::to_string(status);
  }
}

// SO_REUSEADDR so a restart can bind while old connections sit in TIME_WAIT,
// but not the SO_REUSEPORT that httplib's default options add: with it a
// second tarifador on the same port would start silently and take half of
// the connections instead of failing with "address in use".
void ListenSocketOptions(int sock) {
  const int yes = 1;
  ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
}

int LocalPort(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return -1;
  if (addr.ss_family == AF_INET) {
    sockaddr_in in4;
    std::memcpy(&in4, &addr, sizeof in4);
    return ntohs(in4.sin_port);
  }
  if (addr.ss_family == AF_INET6) {
    sockaddr_in6 in6;
    std::memcpy(&in6, &addr, sizeof in6);
    return ntohs(in6.sin6_port);
  }
  return -1;
}

// cpp-httplib 0.11's keep-alive wait does not notice stop(): a worker holding
// an idle keep-alive connection sits out the whole keep-alive timeout before
// the pool can join, so Stop() would take seconds. Shutting down the reading
// side of our accepted sockets ends those waits at once (the client looks
// gone) while a response being written still completes. httplib exposes no
// handle on accepted sockets, so they are found in /proc/self/fd: connected
// TCP sockets whose local port is ours. Linux-only, like the appliance.
void ShutdownReadsOnPort(int port) {
  std::error_code ec;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) {
    int fd = -1;
    const std::string name = it->path().filename().string();
    const auto [ptr, parse_ec] = std::from_chars(name.data(), name.data() + name.size(), fd);
    if (parse_ec != std::errc() || ptr != name.data() + name.size()) continue;
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
    if (LocalPort(fd) != port) continue;
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) continue;  // not a connection
    ::shutdown(fd, SHUT_RD);
  }
}

}  // namespace

struct Server::Impl {
  Impl(const ServerOptions& o, ServerDeps d)
      : options(o),
        deps(std::move(d)),
        throttle(o.throttle, deps.clock),
        auth(deps.users),
        services{
            deps.clock,   deps.users,     deps.audit,
            deps.metrics, deps.readiness, throttle,
            deps.status,  tls_enabled(),  o.session_ttl_s * 1'000'000,
            deps.rating,  deps.billing,   deps.events,
            deps.live,
        } {
    services.exports = deps.exports;
  }

  bool tls_enabled() const { return !options.tls_cert.empty() && !options.tls_key.empty(); }

  void Dispatch(const httplib::Request& req, httplib::Response& res);
  Response Handle(const httplib::Request& req, const RouteMatch& match);
  void Record(const RouteMetrics& m, int status, std::chrono::steady_clock::time_point start) const;

  const ServerOptions options;
  const ServerDeps deps;
  LoginThrottle throttle;
  Authenticator auth;
  Services services;
  std::vector<RouteMetrics> route_metrics;  // parallel to Routes()
  RouteMetrics unmatched_metrics;           // no route, or refused before routing
  std::unique_ptr<httplib::Server> svr;
  std::thread thread;
  std::string host;
  int port = 0;
  bool stopped = false;
};

void Server::Impl::Record(const RouteMetrics& m, int status, std::chrono::steady_clock::time_point start) const {
  const int cls = status / 100;
  if (cls >= 1 && cls <= 5) m.by_class[static_cast<size_t>(cls - 1)]->Inc();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  m.latency->ObserveMicros(std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count());
}

Response Server::Impl::Handle(const httplib::Request& req, const RouteMatch& match) {
  if (!match.route) {
    if (!match.allowed.empty()) {
      std::string allow;
      for (const Method m : match.allowed) {
        if (!allow.empty()) allow += ", ";
        allow += MethodName(m);
      }
      Response r = Response::Json(ErrorBody("method " + req.method + " not allowed here; use " + allow), 405);
      r.headers.emplace_back("Allow", allow);
      return r;
    }
    return ErrorResponse(base::NotFound("no such endpoint: " + req.path));
  }
  const Route& route = *match.route;

  // Public routes never look at credentials: probes stay cheap, and a stale
  // cookie cannot break the login page.
  std::optional<Principal> principal;
  if (route.access != Access::kPublic) {
    const auto header = [&](const char* name) -> std::optional<std::string> {
      if (!req.has_header(name)) return std::nullopt;
      return req.get_header_value(name);
    };
    base::Result<std::optional<Principal>> who = auth.Authenticate(header("Authorization"), header("Cookie"));
    base::Status st =
        who.ok() ? Authenticator::CheckAccess(route.access, who->has_value() ? &**who : nullptr) : who.status();
    if (st.ok() && who->has_value()) {
      st = Authenticator::CheckCsrf(**who, req.method, header(std::string(kCsrfHeader).c_str()));
    }
    if (!st.ok()) {
      Response r = ErrorResponse(st);
      if (r.status == 401) {
        // FreeSWITCH's mod_curl asks with CURLAUTH_ANY: libcurl sends the
        // URL's user:token only after a challenge naming a scheme it has,
        // so the routes FreeSWITCH calls offer Basic too. Not the others: a
        // browser would open its own login dialog on a Basic challenge.
        if (OffersBasicChallenge(route)) r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"tarifador\"");
        r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"tarifador\"");
      }
      return r;
    }
    principal = std::move(*who);
  }

  const Request view(req, route.pattern, match.params, std::move(principal));
  // Exceptions stop here (STYLE.md habit 2): a handler bug is a logged 500,
  // never a dropped connection.
  try {
    base::Result<Response> result = route.handler(services, view);
    if (!result.ok()) return ErrorResponse(result.status());
    return std::move(*result);
  } catch (const std::exception& e) {
    return ErrorResponse(base::Internal(std::string(MethodName(route.method)) + " " + std::string(route.pattern) +
                                        ": uncaught exception: " + e.what()));
  } catch (...) {
    return ErrorResponse(base::Internal(std::string(route.pattern) + ": uncaught non-standard exception"));
  }
}

void Server::Impl::Dispatch(const httplib::Request& req, httplib::Response& res) {
  const auto start = std::chrono::steady_clock::now();
  const std::span<const Route> routes = Routes();
  const RouteMatch match = MatchRoute(routes, req.method, req.path);
  // Not an API route: the embedded web UI answers GET/HEAD of its own paths
  // (never /api/..., never the probes), so API 404s and 405s stay JSON.
  if (!match.route && match.allowed.empty() && ServeWebUi(StaticFiles::Embedded(), req, res)) return;
  Response out = Handle(req, match);
  res.status = out.status;
  for (auto& [name, value] : out.headers) res.set_header(name.c_str(), value);
  // Every answer here is per-user or live data: no caches in between.
  res.set_header("Cache-Control", "no-store");
  res.set_header("X-Content-Type-Options", "nosniff");
  if (out.stream) {
    // Server-Sent Events: chunked, each chunk written as the handler's
    // stream produces it. httplib calls the provider until it ends the
    // response or the server stops (it checks between calls).
    res.set_header("X-Accel-Buffering", "no");  // a reverse proxy must not buffer the stream
    res.set_chunked_content_provider(out.content_type,
                                     [stream = std::move(out.stream)](size_t, httplib::DataSink& sink) {
                                       const Response::ChunkWriter write = [&sink](std::string_view chunk) {
                                         return chunk.empty() || sink.write(chunk.data(), chunk.size());
                                       };
                                       if (!stream(write)) sink.done();
                                       return true;
                                     });
  } else {
    res.set_content(std::move(out.body), out.content_type.c_str());
  }
  const RouteMetrics& m =
      match.route ? route_metrics[static_cast<size_t>(match.route - routes.data())] : unmatched_metrics;
  Record(m, out.status, start);
}

base::Result<ListenAddress> ParseListenAddress(std::string_view text) {
  const std::string quoted = "listen address \"" + std::string(text) + "\"";
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return base::InvalidArgument(quoted + " is not host:port");
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  if (!host.empty() && host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return base::InvalidArgument(quoted + ": unbalanced [ ] around IPv6");
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return base::InvalidArgument(quoted + ": put an IPv6 address in brackets, e.g. [::1]:8080");
  }
  int port = -1;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() || port < 0 ||
      port > 65535) {
    return base::InvalidArgument(quoted + ": port must be a number from 0 to 65535");
  }
  return ListenAddress{host.empty() ? std::string("0.0.0.0") : std::string(host), port};
}

ServerOptions ServerOptions::FromConfig(const config::Config& cfg) {
  ServerOptions o;
  o.listen = cfg.http.listen;
  o.max_body_bytes = cfg.http.max_body_bytes > 0 ? static_cast<size_t>(cfg.http.max_body_bytes) : o.max_body_bytes;
  o.tls_cert = cfg.http.tls_cert;
  o.tls_key = cfg.http.tls_key;
  return o;
}

Server::Server(Key, std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { Stop(); }

int Server::port() const { return impl_->port; }
const std::string& Server::host() const { return impl_->host; }
bool Server::tls() const { return impl_->tls_enabled(); }

base::Result<std::unique_ptr<Server>> Server::Start(const ServerOptions& options, ServerDeps deps) {
  base::Result<ListenAddress> addr = ParseListenAddress(options.listen);
  if (!addr.ok()) return addr.status();
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return base::InvalidArgument("TLS needs both http.tls_cert and http.tls_key (only one is set)");
  }
  if (options.worker_threads < 1) return base::InvalidArgument("HTTP worker_threads must be at least 1");

  // cpp-httplib 0.11 sends with flags 0, so a client that hangs up mid-response
  // would raise SIGPIPE and kill the process; the error return is enough.
  std::signal(SIGPIPE, SIG_IGN);

  auto impl = std::make_unique<Impl>(options, std::move(deps));
  Impl& s = *impl;
  try {
    if (s.tls_enabled()) {
      auto ssl = std::make_unique<httplib::SSLServer>(options.tls_cert.c_str(), options.tls_key.c_str());
      if (!ssl->is_valid()) {
        return base::Unavailable("TLS: cannot load certificate \"" + options.tls_cert + "\" and key \"" +
                                 options.tls_key + "\"");
      }
      s.svr = std::move(ssl);
    } else {
      s.svr = std::make_unique<httplib::Server>();
    }
    httplib::Server& svr = *s.svr;

    // Metrics first, so the first request is counted.
    const auto routes = Routes();
    s.route_metrics.reserve(routes.size());
    for (const Route& r : routes) {
      s.route_metrics.push_back(RegisterRouteMetrics(s.deps.metrics, MethodName(r.method), r.pattern));
    }
    s.unmatched_metrics = RegisterRouteMetrics(s.deps.metrics, "any", "unmatched");
    s.deps.metrics
        .AddGauge("tarifador_build_info", "Build of the running binary (always 1)",
                  {{"version", s.deps.status.version}, {"revision", s.deps.status.revision}})
        .Set(1);
    s.deps.metrics.AddGauge("tarifador_process_start_time_seconds", "Process start, Unix time in seconds")
        .Set(s.deps.status.started_at.seconds());

    const int threads = options.worker_threads;
    // httplib takes ownership of the raw pointer it is handed and deletes it.
    svr.new_task_queue = [threads] {
      return std::make_unique<httplib::ThreadPool>(static_cast<size_t>(threads)).release();
    };
    svr.set_socket_options(ListenSocketOptions);
    svr.set_tcp_nodelay(options.tcp_nodelay);
    svr.set_payload_max_length(options.max_body_bytes);
    svr.set_read_timeout(options.read_timeout_s, 0);
    svr.set_write_timeout(options.write_timeout_s, 0);
    svr.set_keep_alive_timeout(options.keep_alive_timeout_s);
    svr.set_keep_alive_max_count(options.keep_alive_max_requests);

    const auto dispatch = [&s](const httplib::Request& req, httplib::Response& res) { s.Dispatch(req, res); };
    // One catch-all per method: our table does the routing, so a 404 or 405
    // is JSON and counted, and patterns need no regex.
    // Requests with a body are read here rather than by httplib: its own
    // reading refuses application/x-www-form-urlencoded bodies above 8 KiB
    // (a compile-time limit of Debian's build), and mod_json_cdr posts
    // `cdr=<url-encoded JSON>` of 10-40 KiB. The size limit still applies
    // (set_payload_max_length: 413). No route takes multipart forms.
    const auto dispatch_body = [&s](const httplib::Request& req, httplib::Response& res,
                                    const httplib::ContentReader& reader) {
      if (req.is_multipart_form_data()) {
        res.status = 415;
        res.set_content(ErrorBody("multipart/form-data is not accepted; send the file as the request body"),
                        "application/json");
        return;
      }
      httplib::Request with_body = req;
      if (!reader([&with_body](const char* data, size_t length) {
            with_body.body.append(data, length);
            return true;
          })) {
        return;  // httplib has set the status (413, 400) and the error handler the body
      }
      s.Dispatch(with_body, res);
    };
    svr.Get(".*", dispatch);
    svr.Post(".*", dispatch_body);
    svr.Put(".*", dispatch_body);
    svr.Patch(".*", dispatch_body);
    svr.Delete(".*", dispatch);

    // Errors httplib produces itself (413 body too large, 400 malformed
    // request, OPTIONS): give them the JSON body every 4xx/5xx carries.
    const size_t max_body = options.max_body_bytes;
    svr.set_error_handler(
        httplib::Server::HandlerWithResponse([&s, max_body](const httplib::Request&, httplib::Response& res) {
          if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;  // ours already
          res.set_content(ErrorBody(DefaultErrorMessage(res.status, max_body)), "application/json");
          s.unmatched_metrics.by_class[static_cast<size_t>(std::min(res.status / 100, 5) - 1)]->Inc();
          return httplib::Server::HandlerResponse::Handled;
        }));
    svr.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
      std::string what = "unknown exception";
      try {
        if (ep) std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        what = e.what();
      } catch (...) {
      }
      base::LogError("http: " + req.method + " " + req.path + ": exception: " + what);
      res.status = 500;
      res.set_content(ErrorBody("internal error; the server log has the details"), "application/json");
    });

    s.host = addr->host;
    if (addr->port == 0) {
      s.port = svr.bind_to_any_port(addr->host);
      if (s.port <= 0) return base::Unavailable("cannot listen on " + options.listen);
    } else {
      if (!svr.bind_to_port(addr->host, addr->port)) {
        return base::Unavailable("cannot listen on " + options.listen + " (address in use or not permitted?)");
      }
      s.port = addr->port;
    }
    s.thread = std::thread([&s] {
      // Thread entry point: one top-level catch (STYLE.md habit 2).
      try {
        if (!s.svr->listen_after_bind()) base::LogError("http: accept loop ended with an error");
      } catch (const std::exception& e) {
        base::LogError(std::string("http: accept loop: ") + e.what());
      }
    });
  } catch (const std::exception& e) {
    return base::Unavailable(std::string("starting the HTTP server: ") + e.what());
  }

  // listen_after_bind() only marks itself running once inside its loop, and a
  // stop() before that would be lost; wait for it (there is no event to
  // await, so poll with a deadline).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!s.svr->is_running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      // The accept thread still uses the Impl and may start at any moment;
      // leak it deliberately rather than free memory a thread may touch.
      s.thread.detach();
      (void)impl.release();
      return base::Unavailable("HTTP server did not start within 10 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  base::LogInfo("http: listening on " + options.listen + " (port " + std::to_string(s.port) +
                (s.tls_enabled() ? ", TLS)" : ")"));
  return std::make_unique<Server>(Key{}, std::move(impl));
}

void Server::Stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  impl_->svr->stop();  // closes the listening socket: no new connections
  // End the event streams, which would otherwise hold their workers.
  if (impl_->deps.events) impl_->deps.events->Close();
  ShutdownReadsOnPort(impl_->port);
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace tarifador::http
