#include "http/authenticator.h"

#include <catch2/catch.hpp>

using namespace tarifador;
using namespace tarifador::http;

TEST_CASE("Cookie values are found among several cookies", "[http][auth]") {
  CHECK(Authenticator::CookieValue("a=1; tarifador_session=abc; b=2", "tarifador_session") == "abc");
  CHECK(Authenticator::CookieValue("tarifador_session=\"q\"", "tarifador_session") == "q");
  CHECK(Authenticator::CookieValue("xtarifador_session=abc", "tarifador_session") == std::nullopt);
  CHECK(Authenticator::CookieValue("", "tarifador_session") == std::nullopt);
  CHECK(Authenticator::CookieValue("junk;;=;tarifador_session=", "tarifador_session") == "");
}

TEST_CASE("Access checks order roles viewer < operator < admin", "[http][auth]") {
  Principal p;
  p.name = "x";
  p.role = store::Role::kOperator;
  CHECK(Authenticator::CheckAccess(Access::kPublic, nullptr).ok());
  CHECK(Authenticator::CheckAccess(Access::kViewer, nullptr).code() == base::StatusCode::kUnauthenticated);
  CHECK(Authenticator::CheckAccess(Access::kViewer, &p).ok());
  CHECK(Authenticator::CheckAccess(Access::kOperator, &p).ok());
  CHECK(Authenticator::CheckAccess(Access::kAdmin, &p).code() == base::StatusCode::kPermissionDenied);
}

TEST_CASE("CSRF applies to session writes only", "[http][auth]") {
  Principal session;
  session.kind = Principal::Kind::kSession;
  session.csrf_token = "tok";
  Principal token;
  token.kind = Principal::Kind::kToken;
  CHECK(Authenticator::CheckCsrf(session, "GET", std::nullopt).ok());
  CHECK(Authenticator::CheckCsrf(session, "POST", std::nullopt).code() == base::StatusCode::kPermissionDenied);
  CHECK(Authenticator::CheckCsrf(session, "DELETE", std::string("bad")).code() == base::StatusCode::kPermissionDenied);
  CHECK(Authenticator::CheckCsrf(session, "PUT", std::string("tok")).ok());
  CHECK(Authenticator::CheckCsrf(token, "POST", std::nullopt).ok());
}
