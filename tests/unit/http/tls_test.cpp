// HTTPS: with http.tls_cert and http.tls_key set the server speaks TLS and the
// session cookie gets "Secure". Needs the openssl command to make a
// throwaway self-signed certificate; skips with a message when it is absent.
#include <cstdlib>

#include "test_server.h"

using namespace tarifador;
using namespace tarifador::http;
using namespace tarifador::http::testing;

TEST_CASE("With a certificate the server speaks TLS and cookies are Secure", "[http][tls]") {
  test_support::TempDir certs;
  const std::string cert = certs.path() + "/cert.pem";
  const std::string key = certs.path() + "/key.pem";
  const std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -keyout '" + key +
                          "' -out '" + cert + "' >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) {
    WARN("openssl not available: TLS test skipped");
    return;
  }
  ServerOptions o;
  o.tls_cert = cert;
  o.tls_key = key;
  TestServer s(o);
  CHECK(s.server().tls());
  s.AddUser("tls-user", "a long password", store::Role::kViewer);

  httplib::SSLClient cli("127.0.0.1", s.port());
  cli.enable_server_certificate_verification(false);
  auto health = cli.Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);
  auto login =
      cli.Post("/api/v1/session", R"({"username":"tls-user","password":"a long password"})", "application/json");
  REQUIRE(login);
  CHECK(login->status == 200);
  CHECK(login->get_header_value("Set-Cookie").find("; Secure") != std::string::npos);

  // Plain HTTP to the TLS port gets no HTTP answer.
  httplib::Client plain("127.0.0.1", s.port());
  plain.set_read_timeout(2, 0);
  auto res = plain.Get("/healthz");
  CHECK((!res || res->status != 200));
}

TEST_CASE("Only one of certificate and key is refused", "[http][tls]") {
  test_support::TempDir dir;
  base::SystemClock clock;
  auto db = store::Database::Open(dir.path() + "/t.db", store::OpenMode::kReadWrite);
  REQUIRE(db.ok());
  store::UserStore users(std::move(*db), clock);
  auto db2 = store::Database::Open(dir.path() + "/t.db", store::OpenMode::kReadWrite);
  REQUIRE(db2.ok());
  store::AuditStore audit(std::move(*db2), clock);
  MetricsRegistry metrics;
  Readiness readiness;
  ServerOptions o;
  o.tls_cert = "/nonexistent/cert.pem";
  auto half = Server::Start(o, ServerDeps{clock, users, audit, metrics, readiness, StatusInfo{}});
  REQUIRE_FALSE(half.ok());
  CHECK(half.status().code() == base::StatusCode::kInvalidArgument);
  o.tls_key = "/nonexistent/key.pem";
  auto missing = Server::Start(o, ServerDeps{clock, users, audit, metrics, readiness, StatusInfo{}});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == base::StatusCode::kUnavailable);
  CHECK(missing.status().message().find("/nonexistent/cert.pem") != std::string::npos);
}
