#include "http/authenticator.h"

#include <array>
#include <cstdint>

#include "base/password.h"

namespace tarifador::http {
namespace {

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char a = s[i];
    char b = prefix[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
    if (a != b) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Standard base64 (RFC 4648 section 4, as HTTP Basic uses), padding optional.
std::optional<std::string> DecodeBase64(std::string_view in) {
  static constexpr std::array<int8_t, 256> kTable = [] {
    std::array<int8_t, 256> t{};
    t.fill(-1);
    const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(alphabet[i])] = static_cast<int8_t>(i);
    return t;
  }();
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (const char c : in) {
    const int v = kTable[static_cast<unsigned char>(c)];
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

}  // namespace

Authenticator::Authenticator(store::UserStore& users) : users_(users) {}

base::Result<Principal> Authenticator::FromToken(std::string_view token) const {
  if (token.empty()) return base::Unauthenticated("empty API token");
  // Tokens are 256 random bits, so a fast digest is a safe lookup key; the
  // database compares digests, never the token itself.
  base::Result<store::ApiToken> t = users_.UseToken(base::Sha256Hex(token));
  if (!t.ok()) {
    if (t.status().code() == base::StatusCode::kNotFound) return base::Unauthenticated("invalid or revoked API token");
    return t.status();
  }
  Principal p;
  p.kind = Principal::Kind::kToken;
  p.name = t->name;
  p.role = t->role;
  return p;
}

base::Result<std::optional<Principal>> Authenticator::Authenticate(const std::optional<std::string>& authorization,
                                                                   const std::optional<std::string>& cookie) const {
  if (authorization) {
    const std::string_view value = Trim(*authorization);
    if (StartsWithNoCase(value, "Bearer ")) {
      base::Result<Principal> p = FromToken(Trim(value.substr(7)));
      if (!p.ok()) return p.status();
      return std::optional<Principal>(std::move(*p));
    }
    if (StartsWithNoCase(value, "Basic ")) {
      // mod_json_cdr sends "user:password"; the password is the token and
      // the user part carries no meaning here.
      const std::optional<std::string> decoded = DecodeBase64(Trim(value.substr(6)));
      if (!decoded) return base::Unauthenticated("malformed Basic credentials");
      const size_t colon = decoded->find(':');
      if (colon == std::string::npos) return base::Unauthenticated("malformed Basic credentials: no ':'");
      base::Result<Principal> p = FromToken(std::string_view(*decoded).substr(colon + 1));
      if (!p.ok()) return p.status();
      return std::optional<Principal>(std::move(*p));
    }
    return base::Unauthenticated("unsupported Authorization scheme; use Bearer (or Basic with a token as password)");
  }
  if (cookie) {
    const std::optional<std::string> id = CookieValue(*cookie, kSessionCookie);
    if (id && !id->empty()) {
      base::Result<store::Session> s = users_.FindSession(base::Sha256Hex(*id));
      if (s.ok()) {
        Principal p;
        p.kind = Principal::Kind::kSession;
        p.name = s->user_name;
        p.role = s->role;
        p.user_id = s->user_id;
        p.session_id_sha256 = s->id_sha256;
        p.csrf_token = s->csrf_token;
        return std::optional<Principal>(std::move(p));
      }
      if (s.status().code() != base::StatusCode::kNotFound) return s.status();
    }
  }
  return std::optional<Principal>();
}

base::Status Authenticator::CheckAccess(Access access, const Principal* principal) {
  if (access == Access::kPublic) return base::Status::Ok();
  if (!principal) {
    return base::Unauthenticated("authentication required: log in, or send Authorization: Bearer TOKEN");
  }
  if (access == Access::kCdrWriter && principal->role == store::Role::kCdrWriter) return base::Status::Ok();
  // Other than a cdr-writer token, posting CDRs needs an operator.
  const store::Role needed = access == Access::kAdmin                                      ? store::Role::kAdmin
                             : access == Access::kOperator || access == Access::kCdrWriter ? store::Role::kOperator
                                                                                           : store::Role::kViewer;
  if (static_cast<int>(principal->role) < static_cast<int>(needed)) {
    return base::PermissionDenied(std::string("this needs the ") + store::RoleName(needed) + " role; " +
                                  principal->Actor() + " has " + store::RoleName(principal->role));
  }
  return base::Status::Ok();
}

base::Status Authenticator::CheckCsrf(const Principal& principal, std::string_view method,
                                      const std::optional<std::string>& csrf_header) {
  if (principal.kind != Principal::Kind::kSession) return base::Status::Ok();
  if (method == "GET" || method == "HEAD" || method == "OPTIONS") return base::Status::Ok();
  if (!csrf_header || csrf_header->empty()) {
    return base::PermissionDenied("missing X-CSRF-Token header (its value comes from the login response)");
  }
  if (!base::ConstantTimeEquals(*csrf_header, principal.csrf_token)) {
    return base::PermissionDenied("wrong X-CSRF-Token header for this session");
  }
  return base::Status::Ok();
}

std::optional<std::string> Authenticator::CookieValue(std::string_view cookie_header, std::string_view name) {
  while (!cookie_header.empty()) {
    const size_t semi = cookie_header.find(';');
    std::string_view part = Trim(cookie_header.substr(0, semi));
    cookie_header = semi == std::string_view::npos ? std::string_view() : cookie_header.substr(semi + 1);
    const size_t eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    if (Trim(part.substr(0, eq)) == name) {
      std::string_view v = Trim(part.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      return std::string(v);
    }
  }
  return std::nullopt;
}

}  // namespace tarifador::http
