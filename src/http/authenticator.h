#pragma once
// Who is calling (SPEC sections 7 and 10). Three kinds of credentials:
// - `Authorization: Bearer TOKEN` — API tokens for machine clients;
// - `Authorization: Basic base64(anything:TOKEN)` — the same tokens, for
//   clients that can only send Basic (FreeSWITCH's mod_json_cdr); the user
//   part is ignored;
// - the session cookie set by POST /api/v1/session, for the browser, with
//   its CSRF token required on every write (CheckCsrf).
// Passwords are never accepted outside the login route.
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "http/request.h"
#include "http/route_table.h"
#include "store/user_store.h"

namespace tarifador::http {

// The session cookie's name.
inline constexpr std::string_view kSessionCookie = "tarifador_session";
// The header the web UI echoes the CSRF token in.
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";

// Thread-safe (it holds only a reference to the thread-safe UserStore).
class Authenticator {
 public:
  // `users` must outlive the authenticator.
  explicit Authenticator(store::UserStore& users);

  // Resolves the credentials of a request given its Authorization and Cookie
  // header values (nullopt when absent).
  // - An Authorization header wins and must be valid: Unauthenticated when the
  //   scheme is unknown or the token is wrong or revoked.
  // - Otherwise a session cookie yields its session; an unknown or expired
  //   session yields nullopt (the caller decides whether that is an error).
  // - No credentials: nullopt.
  // Unavailable when the store cannot be read.
  base::Result<std::optional<Principal>> Authenticate(const std::optional<std::string>& authorization,
                                                      const std::optional<std::string>& cookie) const;

  // Whether `principal` (null: anonymous) may call a route of `access`:
  // Unauthenticated when credentials are needed and missing, PermissionDenied
  // when the role is too low.
  static base::Status CheckAccess(Access access, const Principal* principal);

  // CSRF protection: a cookie-authenticated request with a method other than
  // GET/HEAD/OPTIONS must carry X-CSRF-Token equal to its session's token.
  // Token-authenticated requests are exempt (a browser never adds an
  // Authorization header on its own). PermissionDenied when missing or wrong.
  static base::Status CheckCsrf(const Principal& principal, std::string_view method,
                                const std::optional<std::string>& csrf_header);

  // The value of cookie `name` in a Cookie header, or nullopt.
  static std::optional<std::string> CookieValue(std::string_view cookie_header, std::string_view name);

 private:
  base::Result<Principal> FromToken(std::string_view token) const;

  store::UserStore& users_;
};

}  // namespace tarifador::http
