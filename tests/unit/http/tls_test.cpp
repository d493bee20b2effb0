// HTTPS: with http.tls_cert and http.tls_key the server speaks TLS and the
// session cookie gets "Secure"; with http.tls_listen a second listener does,
// with tarifador's own certificate or a configured one, and plain HTTP from
// other machines is redirected to it (docs/SECURITY.md "HTTPS").

#include "http/tls_identity.h"
#include "test_server.h"
#include "wire_client.h"

using namespace tarifador;
using namespace tarifador::http;
using namespace tarifador::http::testing;

TEST_CASE("With a certificate the server speaks TLS and cookies are Secure", "[http][tls]") {
  test_support::TempDir certs;
  REQUIRE(LoadOrCreateSelfSigned(certs.path(), {"127.0.0.1"}).ok());
  const std::string cert = certs.path() + "/cert.pem";
  const std::string key = certs.path() + "/key.pem";
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

TEST_CASE("With tls_listen the box gets HTTPS of its own and other machines are sent there", "[http][tls]") {
  test_support::TempDir tls_dir;
  ServerOptions o;
  o.tls_listen = "127.0.0.1:0";
  o.tls_dir = tls_dir.path() + "/tls";
  TestServer s(o);
  REQUIRE(s.server().tls_port() > 0);
  s.AddUser("ana", kPassword, store::Role::kViewer);

  // HTTPS with the generated certificate; no HSTS for a self-signed one
  // (a browser would lock the box out when it changes).
  httplib::SSLClient tls("127.0.0.1", s.server().tls_port());
  tls.enable_server_certificate_verification(false);
  auto health = tls.Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);
  CHECK_FALSE(health->has_header("Strict-Transport-Security"));
  auto login = tls.Post("/api/v1/session", LoginBody("ana", kPassword), "application/json");
  REQUIRE(login);
  CHECK(login->get_header_value("Set-Cookie").find("; Secure") != std::string::npos);

  // Plain HTTP from the box itself (the dialplan, Prometheus) is served...
  auto local = s.Client()->Get("/healthz");
  REQUIRE(local);
  CHECK(local->status == 200);
  CHECK(s.Client()
            ->Post("/api/v1/session", LoginBody("ana", kPassword), "application/json")
            ->get_header_value("Set-Cookie")
            .find("Secure") == std::string::npos);
  // ...and from any other address redirected, path and query kept.
  WireClient other(s.port(), "127.0.0.2");
  REQUIRE(
      other.Send("GET /api/v1/cdrs?from=2026-12-01&zone=UK%20London HTTP/1.1\r\nHost: pbx.office:8080\r\n"
                 "Connection: close\r\n\r\n"));
  const std::string answer = other.ReadAll(std::chrono::seconds(5));
  CHECK(WireClient::StatusOf(answer) == 308);
  CHECK(answer.find("Location: https://pbx.office:" + std::to_string(s.server().tls_port()) +
                    "/api/v1/cdrs?from=2026-12-01&zone=UK%20London\r\n") != std::string::npos);

  // The status page shows what a user checks the browser's warning against.
  const std::string admin = s.Token("root", store::Role::kAdmin);
  auto status = JsonBody(s.Client()->Get("/api/v1/status", Bearer(admin)));
  CHECK(status["https"]["certificate"] == "self-signed (generated at first start)");
  CHECK(status["https"]["port"] == s.server().tls_port());
  CHECK(status["https"]["fingerprint_sha256"].get<std::string>().size() == 95);
}

TEST_CASE("A configured certificate on tls_listen gets HSTS", "[http][tls]") {
  test_support::TempDir dir;
  auto made = LoadOrCreateSelfSigned(dir.path() + "/made", {"pbx"});
  REQUIRE(made.ok());
  ServerOptions o;
  o.tls_listen = "127.0.0.1:0";
  o.tls_cert = dir.path() + "/made/cert.pem";
  o.tls_key = dir.path() + "/made/key.pem";
  TestServer s(o);
  CHECK(s.Client()->Get("/healthz")->status == 200);  // plain on `listen` for the box
  httplib::SSLClient tls("127.0.0.1", s.server().tls_port());
  tls.enable_server_certificate_verification(false);
  auto health = tls.Get("/healthz");
  REQUIRE(health);
  CHECK(health->get_header_value("Strict-Transport-Security") == "max-age=31536000");
}
