#include "http/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <exception>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "base/log.h"
#include "base/password.h"
#include "http/authenticator.h"
#include "http/connection_deadlines.h"
#include "http/http_status.h"
#include "http/route_table.h"
#include "http/static_files.h"
#include "http/tls_identity.h"

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

// Only the limit the server itself enforces has a message of our own;
// libmicrohttpd answers malformed requests (400), oversized heads (431) and
// the like itself.
std::string BodyTooLargeMessage(size_t max_body_bytes) {
  return "request body too large (limit " + std::to_string(max_body_bytes) + " bytes)";
}

bool HasBodyMethod(std::string_view method) { return method == "POST" || method == "PUT" || method == "PATCH"; }

std::string AddressText(const sockaddr* sa) {
  if (sa == nullptr) return "";
  char buf[INET6_ADDRSTRLEN] = {};
  if (sa->sa_family == AF_INET) {
    sockaddr_in in4;
    std::memcpy(&in4, sa, sizeof in4);
    if (::inet_ntop(AF_INET, &in4.sin_addr, buf, sizeof buf) == nullptr) return "";
  } else if (sa->sa_family == AF_INET6) {
    sockaddr_in6 in6;
    std::memcpy(&in6, sa, sizeof in6);
    if (::inet_ntop(AF_INET6, &in6.sin6_addr, buf, sizeof buf) == nullptr) return "";
  } else {
    return "";
  }
  return buf;
}

// Binds and listens on `addr` ourselves (libmicrohttpd takes the socket):
// SO_REUSEADDR so a restart can bind while old connections sit in
// TIME_WAIT, never SO_REUSEPORT, with which a second tarifador on the same
// port would start silently and take half of the connections. Returns the
// socket and the bound port.
base::Result<std::pair<int, int>> BindListenSocket(const ListenAddress& addr, const std::string& listen_text) {
  const bool v6 = addr.host.find(':') != std::string::npos;
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (v6) {
    sockaddr_in6 in6{};
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(static_cast<uint16_t>(addr.port));
    if (::inet_pton(AF_INET6, addr.host.c_str(), &in6.sin6_addr) != 1) {
      return base::InvalidArgument("listen address \"" + listen_text + "\": not an IPv6 address");
    }
    std::memcpy(&ss, &in6, sizeof in6);
    len = sizeof in6;
  } else {
    sockaddr_in in4{};
    in4.sin_family = AF_INET;
    in4.sin_port = htons(static_cast<uint16_t>(addr.port));
    if (::inet_pton(AF_INET, addr.host.c_str(), &in4.sin_addr) != 1) {
      return base::InvalidArgument("listen address \"" + listen_text + "\": not an IPv4 address");
    }
    std::memcpy(&ss, &in4, sizeof in4);
    len = sizeof in4;
  }
  const int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return base::Unavailable("cannot listen on " + listen_text + ": " + std::strerror(errno));
  const int yes = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&ss), len) != 0 || ::listen(fd, 128) != 0) {
    const int err = errno;
    ::close(fd);
    return base::Unavailable("cannot listen on " + listen_text + " (" + std::strerror(err) +
                             "; address in use or not permitted?)");
  }
  sockaddr_storage bound{};
  socklen_t bound_len = sizeof bound;
  int port = addr.port;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bound_len) == 0) {
    if (bound.ss_family == AF_INET6) {
      sockaddr_in6 in6;
      std::memcpy(&in6, &bound, sizeof in6);
      port = ntohs(in6.sin6_port);
    } else {
      sockaddr_in in4;
      std::memcpy(&in4, &bound, sizeof in4);
      port = ntohs(in4.sin_port);
    }
  }
  return std::make_pair(fd, port);
}

}  // namespace

// One request's state between libmicrohttpd's calls of the access handler.
struct Exchange {
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  size_t max_body = 0;  // this route's limit
  RawRequest raw;
  RouteMatch match;
  std::optional<Principal> principal;
};

// A streamed answer's state between the content reader's calls (one thread).
struct StreamState {
  const std::atomic<bool>* stopping = nullptr;
  std::function<bool(const Response::ChunkWriter&)> produce;
  std::string pending;
  size_t offset = 0;
  bool ended = false;
};

struct Server::Impl {
  Impl(const ServerOptions& o, ServerDeps d)
      : options(o),
        deps(std::move(d)),
        throttle(o.throttle, deps.clock),
        auth(deps.users),
        services{
            deps.clock,   deps.users,     deps.audit,
            deps.metrics, deps.readiness, throttle,
            deps.status,  main_is_tls(),  o.session_ttl_s * 1'000'000,
            deps.rating,  deps.billing,   deps.events,
            deps.live,
        },
        deadlines({std::chrono::seconds(o.head_deadline_s), std::chrono::seconds(o.request_deadline_s)}) {
    services.exports = deps.exports;
  }

  // Old-style TLS: no tls_listen, and `listen` itself speaks TLS.
  bool main_is_tls() const {
    return options.tls_listen.empty() && !options.tls_cert.empty() && !options.tls_key.empty();
  }

  // One listening socket and its daemon; the cls of its access handler.
  struct Listener {
    Impl* s = nullptr;
    bool tls = false;
    MHD_Daemon* daemon = nullptr;
    int port = 0;
  };
  // Starts `l`'s daemon on the bound socket `fd` (closed on failure).
  base::Status StartListener(Listener& l, int fd, bool v6, const std::string& text);

  // libmicrohttpd's callbacks (cls is the Impl).
  static MHD_Result OnRequest(void* cls, MHD_Connection* c, const char* url, const char* method, const char* version,
                              const char* upload_data, size_t* upload_data_size, void** con_cls);
  static void OnCompleted(void* cls, MHD_Connection* c, void** con_cls, MHD_RequestTerminationCode toe);
  static void OnConnection(void* cls, MHD_Connection* c, void** socket_context, MHD_ConnectionNotificationCode toe);

  MHD_Result Begin(MHD_Connection* c, const char* url, const char* method, void** con_cls, bool tls);
  // A plain request from another machine while HTTPS is on: 308 to it.
  std::optional<Response> RedirectToHttps(const Exchange& ex, const char* url) const;
  MHD_Result Finish(MHD_Connection* c, Exchange& ex);
  // Checks credentials, role and CSRF for a matched route before any of the
  // body is read; nullopt when the request may go on, else the refusal.
  std::optional<Response> Admit(Exchange& ex);
  Response Handle(Exchange& ex);
  MHD_Result Send(MHD_Connection* c, Exchange& ex, Response out);
  static MHD_Result SendStatic(MHD_Connection* c, const StaticResponse& out);
  void Record(const RouteMatch& match, int status, std::chrono::steady_clock::time_point start) const;
  void Watch();

  const ServerOptions options;
  const ServerDeps deps;
  LoginThrottle throttle;
  Authenticator auth;
  Services services;
  ConnectionDeadlines deadlines;
  std::vector<RouteMetrics> route_metrics;           // parallel to Routes()
  RouteMetrics unmatched_metrics;                    // no route, or refused before routing
  std::optional<TlsIdentity> identity;               // libmicrohttpd reads the PEMs from memory
  std::vector<std::unique_ptr<Listener>> listeners;  // `listen`, then tls_listen
  bool redirect_plain = false;                       // tls_listen is set
  bool hsts = false;                                 // ... with a configured certificate
  int https_port = 0;
  std::string host;
  int port = 0;
  std::atomic<bool> stopping{false};
  std::mutex watch_mu;
  std::condition_variable watch_cv;
  std::thread watchdog;
  bool stopped = false;
};

void Server::Impl::Record(const RouteMatch& match, int status, std::chrono::steady_clock::time_point start) const {
  const RouteMetrics& m =
      match.route ? route_metrics[static_cast<size_t>(match.route - Routes().data())] : unmatched_metrics;
  const int cls = status / 100;
  if (cls >= 1 && cls <= 5) m.by_class[static_cast<size_t>(cls - 1)]->Inc();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  m.latency->ObserveMicros(std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count());
}

std::optional<Response> Server::Impl::Admit(Exchange& ex) {
  const RouteMatch& match = ex.match;
  if (!match.route) {
    if (!match.allowed.empty()) {
      std::string allow;
      for (const Method m : match.allowed) {
        if (!allow.empty()) allow += ", ";
        allow += MethodName(m);
      }
      Response r = Response::Json(ErrorBody("method " + ex.raw.method + " not allowed here; use " + allow), 405);
      r.headers.emplace_back("Allow", allow);
      return r;
    }
    return ErrorResponse(base::NotFound("no such endpoint: " + ex.raw.path));
  }
  const Route& route = *match.route;
  // Public routes never look at credentials: probes stay cheap, and a stale
  // cookie cannot break the login page.
  if (route.access == Access::kPublic) return std::nullopt;
  const auto header = [&](std::string_view name) -> std::optional<std::string> {
    const std::string* v = ex.raw.Header(name);
    if (v == nullptr) return std::nullopt;
    return *v;
  };
  base::Result<std::optional<Principal>> who = auth.Authenticate(header("Authorization"), header("Cookie"));
  base::Status st =
      who.ok() ? Authenticator::CheckAccess(route.access, who->has_value() ? &**who : nullptr) : who.status();
  if (st.ok() && who->has_value()) st = Authenticator::CheckCsrf(**who, ex.raw.method, header(kCsrfHeader));
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
  ex.principal = std::move(*who);
  return std::nullopt;
}

Response Server::Impl::Handle(Exchange& ex) {
  const Route& route = *ex.match.route;
  const Request view(ex.raw, route.pattern, ex.match.params, std::move(ex.principal));
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

namespace {

ssize_t ReadStream(void* cls, uint64_t, char* buf, size_t max) {
  auto& st = *static_cast<StreamState*>(cls);
  try {
    // Block until there is something to send: libmicrohttpd's thread for
    // this connection has nothing else to do, and a 0 would make it poll.
    while (st.offset >= st.pending.size()) {
      st.pending.clear();
      st.offset = 0;
      if (st.ended || st.stopping->load()) return MHD_CONTENT_READER_END_OF_STREAM;
      const Response::ChunkWriter write = [&st](std::string_view chunk) {
        st.pending.append(chunk);
        return true;
      };
      if (!st.produce(write)) st.ended = true;
    }
    const size_t n = std::min(max, st.pending.size() - st.offset);
    std::memcpy(buf, st.pending.data() + st.offset, n);
    st.offset += n;
    return static_cast<ssize_t>(n);
  } catch (const std::exception& e) {
    base::LogError(std::string("http: streamed response: ") + e.what());
  } catch (...) {
    base::LogError("http: streamed response: unknown exception");
  }
  return MHD_CONTENT_READER_END_WITH_ERROR;
}

void FreeStream(void* cls) { delete static_cast<StreamState*>(cls); }

}  // namespace

MHD_Result Server::Impl::Send(MHD_Connection* c, Exchange& ex, Response out) {
  MHD_Response* r = nullptr;
  if (out.stream) {
    auto st = std::make_unique<StreamState>();
    st->stopping = &stopping;
    st->produce = std::move(out.stream);
    r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, ReadStream, st.get(), FreeStream);
    if (r != nullptr) (void)st.release();  // FreeStream owns it now
    MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, options.stream_idle_timeout_s);
  } else {
    r = MHD_create_response_from_buffer(out.body.size(), out.body.data(), MHD_RESPMEM_MUST_COPY);
  }
  if (r == nullptr) return MHD_NO;
  for (const auto& [name, value] : out.headers) MHD_add_response_header(r, name.c_str(), value.c_str());
  MHD_add_response_header(r, "Content-Type", out.content_type.c_str());
  // Every answer here is per-user or live data: no caches in between.
  MHD_add_response_header(r, "Cache-Control", "no-store");
  MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
  if (out.stream) MHD_add_response_header(r, "X-Accel-Buffering", "no");  // a proxy must not buffer the stream
  // HSTS only with a certificate a browser can trust without an exception:
  // pinned to a self-signed one, a browser would refuse the box outright
  // once the certificate changes.
  if (ex.raw.tls && hsts) MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
  const MHD_Result queued = MHD_queue_response(c, static_cast<unsigned>(out.status), r);
  MHD_destroy_response(r);
  Record(ex.match, out.status, ex.start);
  return queued;
}

MHD_Result Server::Impl::SendStatic(MHD_Connection* c, const StaticResponse& out) {
  // The bytes are embedded in the binary: nothing is copied.
  MHD_Response* r = MHD_create_response_from_buffer(out.status == 304 ? 0 : out.body.size(),
                                                    const_cast<char*>(out.body.data()), MHD_RESPMEM_PERSISTENT);
  if (r == nullptr) return MHD_NO;
  for (const auto& [name, value] : out.headers) MHD_add_response_header(r, name.c_str(), value.c_str());
  if (!out.content_type.empty() && out.status != 304) {
    MHD_add_response_header(r, "Content-Type", out.content_type.c_str());
  }
  const MHD_Result queued = MHD_queue_response(c, static_cast<unsigned>(out.status), r);
  MHD_destroy_response(r);
  return queued;
}

MHD_Result Server::Impl::Begin(MHD_Connection* c, const char* url, const char* method, void** con_cls, bool tls) {
  auto ex = std::make_unique<Exchange>();
  ex->raw.method = method;
  ex->raw.path = url;
  ex->raw.tls = tls;
  // The _n form: a value may hold a %00, which C strings would cut short.
  MHD_get_connection_values_n(
      c, MHD_HEADER_KIND,
      [](void* cls, MHD_ValueKind, const char* key, size_t key_size, const char* value, size_t value_size) {
        static_cast<RawRequest*>(cls)->headers.emplace_back(std::string(key, key_size),
                                                            value ? std::string(value, value_size) : std::string());
        return MHD_YES;
      },
      &ex->raw);
  MHD_get_connection_values_n(
      c, MHD_GET_ARGUMENT_KIND,
      [](void* cls, MHD_ValueKind, const char* key, size_t key_size, const char* value, size_t value_size) {
        static_cast<RawRequest*>(cls)->query.emplace_back(std::string(key, key_size),
                                                          value ? std::string(value, value_size) : std::string());
        return MHD_YES;
      },
      &ex->raw);
  if (const MHD_ConnectionInfo* ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS)) {
    ex->raw.remote_addr = AddressText(ci->client_addr);
  }
  if (const MHD_ConnectionInfo* ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT)) {
    deadlines.HeadReceived(ci->socket_context);
  }
  Exchange& e = *ex;
  *con_cls = ex.release();  // OnCompleted frees it
  if (std::optional<Response> redirect = RedirectToHttps(e, url)) return Send(c, e, std::move(*redirect));

  const std::span<const Route> routes = Routes();
  e.match = MatchRoute(routes, e.raw.method, e.raw.path);
  // Not an API route: the embedded web UI answers GET/HEAD of its own paths
  // (never /api/..., never the probes), so API 404s and 405s stay JSON.
  if (!e.match.route && e.match.allowed.empty()) {
    const std::string* ae = e.raw.Header("Accept-Encoding");
    const std::string* inm = e.raw.Header("If-None-Match");
    if (std::optional<StaticResponse> out =
            StaticFiles::Embedded().Serve(e.raw.method, e.raw.path, ae ? *ae : "", inm ? *inm : "")) {
      return SendStatic(c, *out);
    }
  }
  // Everything that can refuse the request does so before its body is read:
  // a stranger's gigabyte is never received.
  if (std::optional<Response> refusal = Admit(e)) return Send(c, e, std::move(*refusal));
  e.max_body = e.match.route->body == BodySize::kUpload ? options.max_body_bytes
                                                        : std::min(kSmallBodyBytes, options.max_body_bytes);
  if (const std::string* cl = e.raw.Header("Content-Length")) {
    uint64_t length = 0;
    const auto [end, ec] = std::from_chars(cl->data(), cl->data() + cl->size(), length);
    if (ec == std::errc() && end == cl->data() + cl->size() && length > e.max_body) {
      return Send(c, e, Response::Json(ErrorBody(BodyTooLargeMessage(e.max_body)), 413));
    }
  }
  if (e.raw.Header("Content-Type") != nullptr && HasBodyMethod(e.raw.method) &&
      e.raw.Header("Content-Type")->rfind("multipart/form-data", 0) == 0) {
    return Send(
        c, e, Response::Json(ErrorBody("multipart/form-data is not accepted; send the file as the request body"), 415));
  }
  return MHD_YES;  // the body, if any, follows
}

namespace {

// The box itself: the dialplan's mod_curl and a local Prometheus ask on
// loopback, and keep plain HTTP when HTTPS is on.
bool IsLoopback(const std::string& addr) { return addr == "127.0.0.1" || addr == "::1" || addr == "::ffff:127.0.0.1"; }

// The host part of a Host header ("pbx:8080" -> "pbx", "[::1]:8080" ->
// "[::1]"); "" when it is missing or holds anything a URL could not.
std::string HostOf(const std::string* header) {
  if (header == nullptr || header->empty() || header->size() > 255) return "";
  std::string host = *header;
  if (host.front() == '[') {
    const size_t close = host.find(']');
    if (close == std::string::npos) return "";
    host = host.substr(0, close + 1);
  } else if (const size_t colon = host.find(':'); colon != std::string::npos) {
    host = host.substr(0, colon);
  }
  for (const char ch : host) {
    const bool ok =
        std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '-' || ch == '[' || ch == ']' || ch == ':';
    if (!ok) return "";
  }
  return host;
}

}  // namespace

std::optional<Response> Server::Impl::RedirectToHttps(const Exchange& ex, const char* url) const {
  if (ex.raw.tls || !redirect_plain || IsLoopback(ex.raw.remote_addr)) return std::nullopt;
  const std::string to_host = HostOf(ex.raw.Header("Host"));
  if (to_host.empty())
    return Response::Json(
        ErrorBody("this server answers HTTPS on port " + std::to_string(https_port) + "; send a Host header"), 400);
  // Path and query re-encoded from their decoded forms (libmicrohttpd keeps
  // neither raw), so nothing from the request reaches the header as is.
  static constexpr char kHex[] = "0123456789ABCDEF";
  const auto encode = [](const std::string& text, bool keep_slash) {
    std::string out;
    for (const unsigned char ch : text) {
      if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~' || (keep_slash && ch == '/')) {
        out += static_cast<char>(ch);
      } else {
        out += '%';
        out += kHex[ch >> 4];
        out += kHex[ch & 15];
      }
    }
    return out;
  };
  std::string location = "https://" + to_host + ":" + std::to_string(https_port) + encode(url, true);
  if (!ex.raw.query.empty()) {
    char sep = '?';
    for (const auto& [k, v] : ex.raw.query) {
      location += sep + encode(k, false) + "=" + encode(v, false);
      sep = '&';
    }
  }
  Response r = Response::Json(ErrorBody("use HTTPS: " + location), 308);
  r.headers.emplace_back("Location", location);
  return r;
}

MHD_Result Server::Impl::Finish(MHD_Connection* c, Exchange& ex) {
  if (const MHD_ConnectionInfo* ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT)) {
    deadlines.Answering(ci->socket_context);
  }
  return Send(c, ex, Handle(ex));
}

MHD_Result Server::Impl::OnRequest(void* cls, MHD_Connection* c, const char* url, const char* method, const char*,
                                   const char* upload_data, size_t* upload_data_size, void** con_cls) {
  const Listener& listener = *static_cast<const Listener*>(cls);
  Impl& s = *listener.s;
  // Callback entry point: one top-level catch (STYLE.md habit 2).
  try {
    if (*con_cls == nullptr) return s.Begin(c, url, method, con_cls, listener.tls);
    Exchange& ex = *static_cast<Exchange*>(*con_cls);
    if (*upload_data_size > 0) {
      // However the body is framed (Content-Length or chunked), it stops at
      // the limit. libmicrohttpd 0.9 cannot answer in the middle of a body,
      // so an over-long chunked body ends the connection (one with a
      // Content-Length says so in advance and got its 413 above).
      if (*upload_data_size > ex.max_body - std::min(ex.raw.body.size(), ex.max_body)) {
        s.Record(ex.match, 413, ex.start);
        return MHD_NO;
      }
      ex.raw.body.append(upload_data, *upload_data_size);
      *upload_data_size = 0;
      return MHD_YES;
    }
    return s.Finish(c, ex);
  } catch (const std::exception& e) {
    base::LogError(std::string("http: ") + method + " " + url + ": exception: " + e.what());
  } catch (...) {
    base::LogError(std::string("http: ") + method + " " + url + ": unknown exception");
  }
  return MHD_NO;  // closes the connection
}

void Server::Impl::OnCompleted(void* cls, MHD_Connection* c, void** con_cls, MHD_RequestTerminationCode) {
  delete static_cast<Exchange*>(*con_cls);
  *con_cls = nullptr;
  Impl& s = *static_cast<Impl*>(cls);
  if (const MHD_ConnectionInfo* ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT)) {
    s.deadlines.AwaitRequest(ci->socket_context, ConnectionDeadlines::Clock::now());
  }
}

void Server::Impl::OnConnection(void* cls, MHD_Connection* c, void** socket_context,
                                MHD_ConnectionNotificationCode toe) {
  Impl& s = *static_cast<Impl*>(cls);
  if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
    // The key only needs to be unique while the connection is open.
    *socket_context = c;
    const MHD_ConnectionInfo* fd = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    s.deadlines.Opened(c, fd ? fd->connect_fd : -1, ConnectionDeadlines::Clock::now());
  } else {
    s.deadlines.Closed(*socket_context);
  }
}

void Server::Impl::Watch() {
  // Thread entry point: one top-level catch (STYLE.md habit 2).
  try {
    // The hash an unknown user's password is checked against, built as the
    // server starts: built by the first such login, it made that login slower
    // than a known user's (270 vs 177 ms), which tells the names apart. Here,
    // not in Start(): an argon2id hash on a loaded router takes seconds, and
    // the probes must not wait for it (a login meanwhile waits for it too).
    (void)base::DummyPasswordHash();
    std::unique_lock lock(watch_mu);
    while (!stopping.load()) {
      watch_cv.wait_for(lock, std::chrono::milliseconds(250));
      // Shutting the socket down wakes the connection's thread, which then
      // closes it (libmicrohttpd owns the descriptor).
      deadlines.CutOverdue(ConnectionDeadlines::Clock::now(), [](int fd) {
        if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
      });
    }
  } catch (const std::exception& e) {
    base::LogError(std::string("http: deadline watchdog: ") + e.what());
  }
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
  o.tls_listen = cfg.http.tls_listen;
  o.tls_dir = cfg.data_dir + "/tls";
  o.max_connections = static_cast<unsigned>(cfg.http.max_connections);
  o.max_connections_per_address = static_cast<unsigned>(cfg.http.max_connections_per_address);
  return o;
}

Server::Server(Key, std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { Stop(); }

int Server::port() const { return impl_->port; }
int Server::tls_port() const { return impl_->https_port; }
const std::string& Server::host() const { return impl_->host; }
bool Server::tls() const { return impl_->identity.has_value(); }

base::Status Server::Impl::StartListener(Listener& l, int listen_fd, bool v6, const std::string& text) {
  unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL_INTERNAL_THREAD;
  if (v6) flags |= MHD_USE_IPv6;
  if (l.tls) flags |= MHD_USE_TLS;
  // Only TLS 1.2 and 1.3, as SECURITY.md promises.
  static constexpr const char* kTlsPriorities = "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2";
  std::vector<MHD_OptionItem> opts = {
      {MHD_OPTION_LISTEN_SOCKET, listen_fd, nullptr},
      {MHD_OPTION_CONNECTION_LIMIT, options.max_connections, nullptr},
      {MHD_OPTION_PER_IP_CONNECTION_LIMIT, options.max_connections_per_address, nullptr},
      {MHD_OPTION_CONNECTION_MEMORY_LIMIT, static_cast<intptr_t>(options.connection_memory_bytes), nullptr},
      {MHD_OPTION_CONNECTION_TIMEOUT, options.idle_timeout_s, nullptr},
      {MHD_OPTION_NOTIFY_COMPLETED, reinterpret_cast<intptr_t>(&Impl::OnCompleted), this},
      {MHD_OPTION_NOTIFY_CONNECTION, reinterpret_cast<intptr_t>(&Impl::OnConnection), this},
  };
  if (l.tls) {
    opts.push_back({MHD_OPTION_HTTPS_MEM_CERT, 0, const_cast<char*>(identity->cert_pem.c_str())});
    opts.push_back({MHD_OPTION_HTTPS_MEM_KEY, 0, const_cast<char*>(identity->key_pem.c_str())});
    opts.push_back({MHD_OPTION_HTTPS_PRIORITIES, 0, const_cast<char*>(kTlsPriorities)});
  }
  opts.push_back({MHD_OPTION_END, 0, nullptr});
  l.daemon =
      MHD_start_daemon(flags, 0, nullptr, nullptr, &Impl::OnRequest, &l, MHD_OPTION_ARRAY, opts.data(), MHD_OPTION_END);
  if (l.daemon == nullptr) {
    ::close(listen_fd);
    if (l.tls) return base::Unavailable("TLS: the certificate and key were not accepted for " + text);
    return base::Unavailable("cannot start the HTTP server on " + text);
  }
  return base::Status::Ok();
}

base::Result<std::unique_ptr<Server>> Server::Start(const ServerOptions& options, ServerDeps deps) {
  base::Result<ListenAddress> addr = ParseListenAddress(options.listen);
  if (!addr.ok()) return addr.status();
  std::optional<ListenAddress> tls_addr;
  if (!options.tls_listen.empty()) {
    base::Result<ListenAddress> t = ParseListenAddress(options.tls_listen);
    if (!t.ok()) return t.status();
    tls_addr = *t;
  }
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return base::InvalidArgument("TLS needs both http.tls_cert and http.tls_key (only one is set)");
  }
  if (tls_addr && options.tls_cert.empty() && options.tls_dir.empty()) {
    return base::InvalidArgument("HTTPS needs http.tls_cert and http.tls_key, or a folder for its own certificate");
  }
  if (options.max_connections < 1 || options.max_connections_per_address < 1) {
    return base::InvalidArgument("HTTP connection limits must be at least 1");
  }

  // A client that hangs up mid-response must not kill the process with
  // SIGPIPE; the error return is enough.
  std::signal(SIGPIPE, SIG_IGN);

  std::optional<TlsIdentity> identity;
  if (!options.tls_cert.empty()) {
    base::Result<TlsIdentity> id = LoadTlsIdentity(options.tls_cert, options.tls_key);
    if (!id.ok()) return id.status();
    identity = std::move(*id);
  } else if (tls_addr) {
    base::Result<TlsIdentity> id = LoadOrCreateSelfSigned(options.tls_dir, options.tls_host_names);
    if (!id.ok()) return id.status();
    identity = std::move(*id);
  }
  // Both sockets bound before anything serves: the status page and the
  // redirect need the HTTPS port.
  base::Result<std::pair<int, int>> plain = BindListenSocket(*addr, options.listen);
  if (!plain.ok()) return plain.status();
  std::optional<std::pair<int, int>> secure;
  if (tls_addr) {
    base::Result<std::pair<int, int>> bound = BindListenSocket(*tls_addr, options.tls_listen);
    if (!bound.ok()) {
      ::close(plain->first);
      return bound.status();
    }
    secure = *bound;
    deps.status.https = HttpsInfo{options.tls_listen,           secure->second,    identity->self_signed,
                                  identity->fingerprint_sha256, identity->subject, identity->not_after};
  }

  auto impl = std::make_unique<Impl>(options, std::move(deps));
  Impl& s = *impl;
  s.identity = std::move(identity);

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

  s.host = addr->host;
  s.port = plain->second;
  auto main = std::make_unique<Impl::Listener>();
  main->s = &s;
  main->tls = s.main_is_tls();
  main->port = s.port;
  s.listeners.push_back(std::move(main));
  if (secure) {
    auto tls = std::make_unique<Impl::Listener>();
    tls->s = &s;
    tls->tls = true;
    tls->port = secure->second;
    s.listeners.push_back(std::move(tls));
    s.https_port = secure->second;
    s.redirect_plain = true;
    s.hsts = !s.identity->self_signed;
  }
  s.watchdog = std::thread([&s] { s.Watch(); });
  const auto fail = [&s](base::Status st) {
    s.stopping = true;
    s.watch_cv.notify_all();
    for (auto& l : s.listeners) {
      if (l->daemon != nullptr) MHD_stop_daemon(l->daemon);
      l->daemon = nullptr;
    }
    if (s.watchdog.joinable()) s.watchdog.join();
    return st;
  };
  if (secure) {
    if (base::Status st = s.StartListener(*s.listeners[1], secure->first, tls_addr->host.find(':') != std::string::npos,
                                          options.tls_listen);
        !st.ok()) {
      ::close(plain->first);
      return fail(st);
    }
  }
  if (base::Status st =
          s.StartListener(*s.listeners[0], plain->first, addr->host.find(':') != std::string::npos, options.listen);
      !st.ok()) {
    return fail(st);
  }
  base::LogInfo("http: listening on " + options.listen + " (port " + std::to_string(s.port) +
                (s.main_is_tls() ? ", TLS)" : ")"));
  if (secure) {
    base::LogInfo("http: HTTPS on " + options.tls_listen + " (port " + std::to_string(s.https_port) + ") with " +
                  (s.identity->self_signed ? "a self-signed certificate (" + options.tls_dir + ")"
                                           : "the certificate " + options.tls_cert) +
                  ", SHA-256 fingerprint " + s.identity->fingerprint_sha256 +
                  "; plain HTTP from other machines is redirected to it");
  }
  return std::make_unique<Server>(Key{}, std::move(impl));
}

void Server::Stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  impl_->stopping = true;
  // End the event streams first: their connections would otherwise wait
  // for their next keep-alive before noticing.
  if (impl_->deps.events) impl_->deps.events->Close();
  // Closes the listening sockets, shuts every connection down and joins
  // their threads.
  for (auto& l : impl_->listeners) {
    if (l->daemon != nullptr) MHD_stop_daemon(l->daemon);
    l->daemon = nullptr;
  }
  impl_->watch_cv.notify_all();
  if (impl_->watchdog.joinable()) impl_->watchdog.join();
}

}  // namespace tarifador::http
