#pragma once
// The route table (STYLE.md habit 9): every HTTP route is one row of method,
// path pattern, minimum access, handler and a one-line summary. The server
// dispatches from it, the metrics label requests by its patterns, the tests
// walk it, and a test checks that docs/API.md documents every row.
//
// Add a route: write its handler (a function of Services and Request) in a
// *_handlers.cpp file and add one row to the table in route_table.cpp.
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "http/request.h"

namespace tarifador::http {

struct Services;

enum class Method { kGet, kPost, kPut, kPatch, kDelete };

// How large a request body a route takes. Most take a small JSON object, so
// a stranger (or a stolen viewer token) cannot make the server buffer more;
// the uploads (rate decks, bulk recharges, mod_json_cdr's CDRs) take up to
// http.max_body_bytes.
enum class BodySize { kSmall, kUpload };
inline constexpr size_t kSmallBodyBytes = 64 * 1024;

// Who may call a route. Roles are ordered viewer < operator < admin; a session
// or an API token of at least that role is accepted.
enum class Access {
  kPublic,  // no credentials needed (probes, login, first-run setup)
  kViewer,
  kOperator,
  kAdmin,
  // Posting CDRs (the mod_json_cdr backfill): a cdr-writer token, or an
  // operator or admin. A cdr-writer can do nothing else.
  kCdrWriter,
};

// Handlers return a Response, or a failure Status that the server maps with
// HttpStatusFor to {"error": ...}. They run on HTTP worker threads, so they
// must be thread-safe; exceptions they let escape become a logged 500.
using Handler = base::Result<Response> (*)(Services& services, const Request& request);

struct Route {
  Method method;
  // Literal segments and "{name}" segments matching one non-empty segment,
  // e.g. "/api/v1/tokens/{name}". No trailing slash.
  std::string_view pattern;
  Access access;
  Handler handler;
  std::string_view summary;  // one line for docs and tests
  BodySize body = BodySize::kSmall;
};

// "GET", "POST", ...
std::string_view MethodName(Method method);
// "public", "viewer", "operator", "admin" (the spelling docs/API.md uses).
std::string_view AccessName(Access access);

// The table. Static storage; thread-safe to read.
std::span<const Route> Routes();

// A route that matched a request path, with the captured "{name}" values.
struct RouteMatch {
  const Route* route = nullptr;  // null when nothing matched
  std::vector<PathParam> params;
  // When no route has this method but some have this path: the methods that
  // do (for 405 and its Allow header).
  std::vector<Method> allowed;
};

// Finds the route for `method` and decoded `path` in `routes`. Literal
// segments win over "{name}" segments, so "/api/v1/tokens/new" can coexist
// with "/api/v1/tokens/{name}". HEAD matches GET routes.
RouteMatch MatchRoute(std::span<const Route> routes, std::string_view method, std::string_view path);

}  // namespace tarifador::http
