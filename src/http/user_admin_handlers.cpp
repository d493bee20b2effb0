#include "http/user_admin_handlers.h"

#include "base/password.h"
#include "http/http_status.h"
#include "http/json_body.h"
#include "http/user_json.h"

namespace tarifador::http {

base::Result<Response> HandleUpdateUser(Services& s, const Request& r) {
  const std::string name(r.Param("name").value_or(""));
  base::Result<nlohmann::json> body = ParseJsonObject(r.body());
  if (!body.ok()) return body.status();
  const nlohmann::json& b = *body;
  if (!b.contains("disabled") && !b.contains("role")) {
    return base::InvalidArgument("give \"disabled\" (true or false) or \"role\", or both");
  }
  std::optional<bool> disabled;
  if (b.contains("disabled")) {
    const nlohmann::json& v = b.at("disabled");
    if (!v.is_boolean()) return base::InvalidArgument("field \"disabled\" must be true or false");
    disabled = v.get<bool>();
  }
  std::optional<store::Role> new_role;
  if (b.contains("role")) {
    base::Result<std::string> text = RequireString(b, "role");
    if (text.ok()) new_role = store::ParseRole(*text);
    if (!new_role || *new_role == store::Role::kCdrWriter) {
      return base::InvalidArgument("field \"role\" must be \"admin\", \"operator\" or \"viewer\"");
    }
  }
  if (new_role) TARIFADOR_RETURN_IF_ERROR(s.users.SetUserRole(name, *new_role, r.caller().Actor()));
  if (disabled) TARIFADOR_RETURN_IF_ERROR(s.users.SetUserDisabled(name, *disabled, r.caller().Actor()));
  base::Result<store::User> user = s.users.FindUser(name);
  if (!user.ok()) return user.status();
  return Response::Json(Dump(UserJson(*user)));
}

base::Result<Response> HandleResetPassword(Services& s, const Request& r) {
  const std::string name(r.Param("name").value_or(""));
  base::Result<nlohmann::json> body = ParseJsonObject(r.body());
  if (!body.ok()) return body.status();
  base::Result<std::string> password = RequireString(*body, "password");
  if (!password.ok()) return password.status();
  base::Result<std::string> hash = base::HashPassword(*password);
  if (!hash.ok()) return hash.status();
  // An admin resetting their own password keeps the session they do it from.
  const Principal& caller = r.caller();
  const std::string keep = caller.kind == Principal::Kind::kSession ? caller.session_id_sha256 : "";
  TARIFADOR_RETURN_IF_ERROR(s.users.SetPassword(name, *hash, caller.Actor(), keep));
  return Response::Json(Dump({{"username", name}, {"password_reset", true}}));
}

base::Result<Response> HandleChangeOwnPassword(Services& s, const Request& r) {
  const Principal& caller = r.caller();
  if (caller.kind != Principal::Kind::kSession) {
    return base::PermissionDenied("an API token has no password; log in as the user to change theirs");
  }
  base::Result<nlohmann::json> body = ParseJsonObject(r.body());
  if (!body.ok()) return body.status();
  base::Result<std::string> current = RequireString(*body, "current_password");
  if (!current.ok()) return current.status();
  base::Result<std::string> next = RequireString(*body, "new_password");
  if (!next.ok()) return next.status();
  // Checked like a login: throttled per (name, address), so a stolen
  // session cannot be used to guess the password behind it.
  LoginThrottle::Attempt attempt = s.throttle.Begin(caller.name, r.remote_addr());
  if (!attempt.admitted()) {
    return base::ResourceExhausted("too many wrong passwords; try again in " +
                                   std::to_string((attempt.retry_after_us() + 999'999) / 1'000'000) + " s");
  }
  base::Result<store::User> user = s.users.FindUser(caller.name);
  if (!user.ok()) return user.status();
  if (!base::VerifyPassword(user->password_hash, *current)) {
    attempt.Failed();
    return base::InvalidArgument("the current password is not right");
  }
  attempt.Succeeded();
  base::Result<std::string> hash = base::HashPassword(*next);
  if (!hash.ok()) return hash.status();
  TARIFADOR_RETURN_IF_ERROR(s.users.SetPassword(user->name, *hash, caller.Actor(), caller.session_id_sha256));
  return Response::Json(Dump({{"username", user->name}, {"password_changed", true}}));
}

base::Result<Response> HandleListSessions(Services& s, const Request& r) {
  const std::optional<std::string> user = r.Query("user");
  base::Result<std::vector<store::Session>> sessions =
      user ? s.users.ListSessions(std::string_view(*user)) : s.users.ListSessions();
  if (!sessions.ok()) return sessions.status();
  nlohmann::json items = nlohmann::json::array();
  const Principal& caller = r.caller();
  for (const store::Session& one : *sessions) {
    nlohmann::json j = SessionJson(one);
    j["current"] = caller.kind == Principal::Kind::kSession && caller.session_id_sha256 == one.id_sha256;
    items.push_back(std::move(j));
  }
  return Response::Json(Dump({{"items", items}}));
}

base::Result<Response> HandleEndSession(Services& s, const Request& r) {
  const std::string id(r.Param("id").value_or(""));
  TARIFADOR_RETURN_IF_ERROR(s.users.EndSession(id, r.caller().Actor()));
  return Response::Json(Dump({{"id", id}, {"ended", true}}));
}

}  // namespace tarifador::http
