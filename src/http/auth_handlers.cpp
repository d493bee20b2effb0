#include "http/auth_handlers.h"

#include <charconv>

#include "base/log.h"
#include "base/password.h"
#include "http/authenticator.h"
#include "http/http_status.h"
#include "http/json_body.h"
#include "http/user_json.h"

namespace tarifador::http {
namespace {

std::string SessionCookie(std::string_view id, int64_t max_age_s, bool secure) {
  // HttpOnly: page scripts cannot read it. SameSite=Strict: other sites cannot
  // make the browser send it. Secure when TLS is on (SPEC section 7).
  std::string c = std::string(kSessionCookie) + "=" + std::string(id) +
                  "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age_s);
  if (secure) c += "; Secure";
  return c;
}

// A name as typed by an anonymous client, safe to store in the audit log:
// bounded length (people sometimes type their password into the name field;
// at least do not keep kilobytes of it).
std::string Truncated(std::string_view s) { return std::string(s.substr(0, 64)); }

base::Result<store::Role> RequireRole(const nlohmann::json& body) {
  base::Result<std::string> text = RequireString(body, "role");
  if (!text.ok()) return text.status();
  const std::optional<store::Role> role = store::ParseRole(*text);
  if (!role) {
    return base::InvalidArgument(
        "field \"role\" must be \"admin\", \"operator\" or \"viewer\" (or, for a token, \"cdr-writer\")");
  }
  return *role;
}

void AuditOrLog(Services& s, std::string_view actor, std::string_view action, std::string_view target,
                const std::string& detail) {
  base::Status st = s.audit.Append(actor, action, target, detail);
  if (!st.ok()) base::LogError("http: " + st.message());
}

}  // namespace

base::Result<Response> HandleLogin(Services& s, const Request& r) {
  base::Result<nlohmann::json> body = ParseJsonObject(r.body());
  if (!body.ok()) return body.status();
  base::Result<std::string> name = RequireString(*body, "username");
  if (!name.ok()) return name.status();
  base::Result<std::string> password = RequireString(*body, "password");
  if (!password.ok()) return password.status();
  const std::string& ip = r.remote_addr();

  LoginThrottle::Attempt attempt = s.throttle.Begin(*name, ip);
  if (!attempt.admitted()) {
    const int64_t wait_s = (attempt.retry_after_us() + 999'999) / 1'000'000;
    // Refused without looking at the password, and not audited one by one:
    // the lock itself was audited when it started, and an attacker must not
    // be able to fill the disk with audit rows.
    Response resp =
        ErrorResponse(base::ResourceExhausted("too many failed logins; try again in " + std::to_string(wait_s) + " s"));
    resp.headers.emplace_back("Retry-After", std::to_string(wait_s));
    return resp;
  }

  base::Result<store::User> user = s.users.FindUser(*name);
  std::string reason;
  if (user.ok()) {
    if (user->disabled) {
      reason = "user disabled";
      (void)base::VerifyPassword(base::DummyPasswordHash(), *password);
    } else if (!base::VerifyPassword(user->password_hash, *password)) {
      reason = "wrong password";
    }
  } else if (user.status().code() == base::StatusCode::kNotFound) {
    // Same work as a wrong password, so timing does not reveal which names exist.
    (void)base::VerifyPassword(base::DummyPasswordHash(), *password);
    reason = "unknown user";
  } else {
    return user.status();
  }

  if (!reason.empty()) {
    const bool locked = attempt.Failed() > 0;
    AuditOrLog(s, "ip:" + ip, "session.login_failed", "user:" + Truncated(*name),
               store::AuditDetail({{"reason", reason}, {"ip", ip}, {"throttled", locked ? "yes" : "no"}}));
    base::LogWarning("http: failed login for \"" + Truncated(*name) + "\" from " + ip + " (" + reason + ")");
    return base::Unauthenticated("wrong user name or password");
  }

  attempt.Succeeded();
  base::Result<store::NewSession> session =
      s.users.CreateSession(*user, s.session_ttl_us, store::AuditDetail({{"ip", ip}}), ip);
  if (!session.ok()) return session.status();
  Response resp = Response::Json(Dump({{"username", user->name},
                                       {"role", store::RoleName(user->role)},
                                       {"csrf_token", session->session.csrf_token},
                                       {"expires_at", base::FormatIso8601(session->session.expires_at)}}));
  resp.headers.emplace_back("Set-Cookie",
                            SessionCookie(session->id, s.session_ttl_us / 1'000'000, s.secure_cookies || r.secure()));
  return resp;
}

base::Result<Response> HandleLogout(Services& s, const Request& r) {
  const Principal& p = r.caller();
  if (p.kind != Principal::Kind::kSession) {
    return base::InvalidArgument("logout needs a session cookie; API tokens are revoked instead");
  }
  TARIFADOR_RETURN_IF_ERROR(s.users.DeleteSession(p.session_id_sha256, p.Actor()));
  Response resp = Response::Json(R"({"status":"logged_out"})");
  resp.headers.emplace_back("Set-Cookie", SessionCookie("", 0, s.secure_cookies || r.secure()));
  return resp;
}

base::Result<Response> HandleWhoAmI(Services&, const Request& r) {
  const Principal& p = r.caller();
  nlohmann::json out = {{"username", p.name},
                        {"role", store::RoleName(p.role)},
                        {"kind", p.kind == Principal::Kind::kSession ? "session" : "token"}};
  // The UI reads the CSRF token here after a page reload (the cookie itself
  // is HttpOnly). Other sites cannot read this response (no CORS headers).
  if (p.kind == Principal::Kind::kSession) out["csrf_token"] = p.csrf_token;
  return Response::Json(Dump(out));
}

base::Result<Response> HandleSetupStatus(Services& s, const Request&) {
  base::Result<int64_t> admins = s.users.CountAdmins();
  if (!admins.ok()) return admins.status();
  return Response::Json(Dump({{"setup_required", *admins == 0}}));
}

base::Result<Response> HandleSetup(Services& s, const Request& r) {
  // Cheap refusal first: once set up, this route must cost nothing.
  base::Result<int64_t> admins = s.users.CountAdmins();
  if (!admins.ok()) return admins.status();
  if (*admins > 0) return base::FailedPrecondition("setup is closed: an admin already exists");
  base::Result<nlohmann::json> body = ParseJsonObject(r.body());
  if (!body.ok()) return body.status();
  base::Result<std::string> name = RequireString(*body, "username");
  if (!name.ok()) return name.status();
  base::Result<std::string> password = RequireString(*body, "password");
  if (!password.ok()) return password.status();
  TARIFADOR_RETURN_IF_ERROR(store::ValidateName(*name, "user name"));
  base::Result<std::string> hash = base::HashPassword(*password);
  if (!hash.ok()) return hash.status();
  // AddFirstAdmin re-checks inside its transaction: two racing setups cannot both win.
  base::Result<store::User> user = s.users.AddFirstAdmin(*name, *hash, "setup:" + r.remote_addr());
  if (!user.ok()) return user.status();
  base::LogInfo("http: first admin \"" + user->name + "\" created by setup from " + r.remote_addr());
  return Response::Json(Dump({{"username", user->name}, {"role", "admin"}}), 201);
}

base::Result<Response> HandleListUsers(Services& s, const Request&) {
  base::Result<std::vector<store::User>> users = s.users.ListUsers();
  if (!users.ok()) return users.status();
  nlohmann::json items = nlohmann::json::array();
  for (const store::User& u : *users) items.push_back(UserJson(u));
  return Response::Json(Dump({{"items", items}}));
}

base::Result<Response> HandleAddUser(Services& s, const Request& r) {
  base::Result<nlohmann::json> body = ParseJsonObject(r.body());
  if (!body.ok()) return body.status();
  base::Result<std::string> name = RequireString(*body, "username");
  if (!name.ok()) return name.status();
  base::Result<std::string> password = RequireString(*body, "password");
  if (!password.ok()) return password.status();
  base::Result<store::Role> role = RequireRole(*body);
  if (!role.ok()) return role.status();
  TARIFADOR_RETURN_IF_ERROR(store::ValidateName(*name, "user name"));
  base::Result<std::string> hash = base::HashPassword(*password);
  if (!hash.ok()) return hash.status();
  base::Result<store::User> user = s.users.AddUser(*name, *role, *hash, r.caller().Actor());
  if (!user.ok()) return user.status();
  return Response::Json(Dump(UserJson(*user)), 201);
}

base::Result<Response> HandleListTokens(Services& s, const Request&) {
  base::Result<std::vector<store::ApiToken>> tokens = s.users.ListTokens();
  if (!tokens.ok()) return tokens.status();
  nlohmann::json items = nlohmann::json::array();
  for (const store::ApiToken& t : *tokens) items.push_back(TokenJson(t));
  return Response::Json(Dump({{"items", items}}));
}

base::Result<Response> HandleCreateToken(Services& s, const Request& r) {
  base::Result<nlohmann::json> body = ParseJsonObject(r.body());
  if (!body.ok()) return body.status();
  base::Result<std::string> name = RequireString(*body, "name");
  if (!name.ok()) return name.status();
  base::Result<store::Role> role = RequireRole(*body);
  if (!role.ok()) return role.status();
  std::optional<base::Instant> expires_at;
  if (body->contains("expires_in_days") && !body->at("expires_in_days").is_null()) {
    const nlohmann::json& days = body->at("expires_in_days");
    if (!days.is_number_integer() || days.get<int64_t>() < 1 || days.get<int64_t>() > 3650) {
      return base::InvalidArgument("field \"expires_in_days\" must be a whole number of days from 1 to 3650");
    }
    expires_at = base::Instant::FromMicros(s.clock.Now().micros() + days.get<int64_t>() * 86'400'000'000);
  }
  base::Result<store::NewToken> token = s.users.CreateToken(*name, *role, r.caller().Actor(), expires_at);
  if (!token.ok()) return token.status();
  nlohmann::json out = TokenJson(token->token);
  out["token"] = token->plaintext;  // shown once; only its SHA-256 is stored
  return Response::Json(Dump(out), 201);
}

base::Result<Response> HandleRevokeToken(Services& s, const Request& r) {
  const std::string name(r.Param("name").value_or(""));
  TARIFADOR_RETURN_IF_ERROR(s.users.RevokeToken(name, r.caller().Actor()));
  return Response::Json(Dump({{"name", name}, {"revoked", true}}));
}

base::Result<Response> HandleListAudit(Services& s, const Request& r) {
  int limit = 100;
  if (const std::optional<std::string> text = r.Query("limit")) {
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
    if (ec != std::errc() || end != text->data() + text->size() || limit < 1 || limit > 1000) {
      return base::InvalidArgument("query parameter \"limit\" must be an integer from 1 to 1000");
    }
  }
  base::Result<std::vector<store::AuditEntry>> entries = s.audit.List(limit, r.Query("action").value_or(""));
  if (!entries.ok()) return entries.status();
  nlohmann::json items = nlohmann::json::array();
  for (const store::AuditEntry& e : *entries) {
    nlohmann::json detail = nlohmann::json::parse(e.detail, nullptr, /*allow_exceptions=*/false);
    if (detail.is_discarded()) detail = e.detail;  // not JSON: show the text as it is
    items.push_back({{"id", e.id},
                     {"at", base::FormatIso8601(e.at)},
                     {"actor", e.actor},
                     {"action", e.action},
                     {"target", e.target},
                     {"detail", detail}});
  }
  return Response::Json(Dump({{"items", items}}));
}

}  // namespace tarifador::http
