#pragma once
// What a route handler sees of an HTTP exchange: a read-only Request view and
// the Response it returns. Handlers never touch the HTTP library (STYLE.md:
// only the server does).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/raw_request.h"
#include "store/user_store.h"

namespace tarifador::http {

// Who is calling, once the authenticator has accepted their credentials.
struct Principal {
  enum class Kind { kSession, kToken };
  Kind kind = Kind::kSession;
  std::string name;  // user name, or token name
  store::Role role = store::Role::kViewer;
  int64_t user_id = 0;            // sessions only
  std::string session_id_sha256;  // sessions only
  std::string csrf_token;         // sessions only

  // The audit log's actor: "user:alice" or "token:dialplan".
  std::string Actor() const;
};

// One path parameter captured by a "{name}" segment of the route pattern.
struct PathParam {
  std::string name;
  std::string value;
};

// A read-only view of one request, valid for the duration of the handler call.
// Not thread-safe to share, and never needs to be.
class Request {
 public:
  // `raw` and `pattern` must outlive the view. Built by the server.
  Request(const RawRequest& raw, std::string_view pattern, std::vector<PathParam> params,
          std::optional<Principal> principal);

  const std::string& method() const;
  // The decoded path, without the query string.
  const std::string& path() const;
  // The route pattern that matched, e.g. "/api/v1/tokens/{name}".
  std::string_view pattern() const { return pattern_; }
  const std::string& body() const;
  // The peer's IP address as text (no port).
  const std::string& remote_addr() const;
  // True when the request came over HTTPS.
  bool secure() const;

  // The first value of a header (case-insensitive name), or nullopt.
  std::optional<std::string> Header(const std::string& name) const;
  // The first value of a query-string parameter, or nullopt.
  std::optional<std::string> Query(const std::string& name) const;
  // The value captured by "{name}" in the pattern, or nullopt.
  std::optional<std::string_view> Param(std::string_view name) const;

  // The authenticated caller; null on public routes called without
  // credentials (never null on routes that require a role).
  const Principal* principal() const { return principal_ ? &*principal_ : nullptr; }
  // The caller, on routes that require a role (the server has checked there
  // is one). Precondition: principal() != nullptr; aborts otherwise.
  const Principal& caller() const;

 private:
  const RawRequest& raw_;
  std::string_view pattern_;
  std::vector<PathParam> params_;
  std::optional<Principal> principal_;
};

// What a handler returns on success. Failures are a base::Status instead, which
// the server turns into {"error": "..."} with the status from HttpStatusFor.
struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers, e.g. Set-Cookie
  // A streamed body (Server-Sent Events): when set, `body` is ignored and the
  // server sends chunks as `stream` produces them, on the worker thread,
  // calling it again and again: it writes zero or more non-empty chunks with
  // `write` (false: the client is gone) and returns true to be called again,
  // false when the response is complete. It should return within about a
  // second so the server can notice it is stopping.
  using ChunkWriter = std::function<bool(std::string_view chunk)>;
  std::function<bool(const ChunkWriter& write)> stream;

  // A JSON response; `json` must already be serialised JSON text.
  static Response Json(std::string json, int status = 200);
  // A response of any type, e.g. the Prometheus text format.
  static Response Text(std::string body, std::string content_type, int status = 200);
};

}  // namespace tarifador::http
