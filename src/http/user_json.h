#pragma once
// How users, tokens and sessions look in the API (docs/API.md "Users").
// http/ internal.
#include <nlohmann/json.hpp>

#include "base/time.h"
#include "store/user_store.h"

namespace tarifador::http {

inline nlohmann::json OptionalTime(const std::optional<base::Instant>& t) {
  return t ? nlohmann::json(base::FormatIso8601(*t)) : nlohmann::json();
}

inline nlohmann::json UserJson(const store::User& u) {
  return {{"username", u.name},
          {"role", store::RoleName(u.role)},
          {"created_at", base::FormatIso8601(u.created_at)},
          {"disabled", u.disabled},
          {"last_login_at", OptionalTime(u.last_login_at)}};
}

inline nlohmann::json TokenJson(const store::ApiToken& t) {
  return {{"name", t.name},
          {"role", store::RoleName(t.role)},
          {"created_at", base::FormatIso8601(t.created_at)},
          {"last_used_at", OptionalTime(t.last_used_at)},
          {"expires_at", OptionalTime(t.expires_at)},
          {"revoked", t.revoked}};
}

// `id` is the SHA-256 of the session's cookie value: enough to name and end
// it, useless for logging in.
inline nlohmann::json SessionJson(const store::Session& s) {
  return {{"id", s.id_sha256},
          {"username", s.user_name},
          {"role", store::RoleName(s.role)},
          {"created_at", base::FormatIso8601(s.created_at)},
          {"expires_at", base::FormatIso8601(s.expires_at)},
          {"ip", s.ip}};
}

}  // namespace tarifador::http
