#include "http/server.h"

#include <chrono>
#include <thread>

#include "http/http_status.h"
#include "test_server.h"

using namespace tarifador;
using namespace tarifador::http;
using namespace tarifador::http::testing;

TEST_CASE("GET /healthz answers 200 ok", "[http]") {
  TestServer s;
  auto cli = s.Client();
  auto res = cli->Get("/healthz");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(JsonBody(res) == nlohmann::json{{"status", "ok"}});
}

TEST_CASE("GET /readyz is 200 when checks pass and 503 naming the failing check", "[http]") {
  TestServer s;
  auto cli = s.Client();
  s.readiness().Add("store", [] { return base::Status::Ok(); });
  auto ok = cli->Get("/readyz");
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(JsonBody(ok)["status"] == "ready");

  s.readiness().Add("esl", [] { return base::Unavailable("FreeSWITCH link is down"); });
  auto bad = cli->Get("/readyz");
  RequireJsonError(bad, 503);
  const auto j = JsonBody(bad);
  CHECK(j["status"] == "not_ready");
  CHECK(j["error"].get<std::string>().find("esl") != std::string::npos);
  REQUIRE(j["checks"].size() == 2);
  CHECK(j["checks"][0]["name"] == "store");
  CHECK(j["checks"][0]["ok"] == true);
  CHECK(j["checks"][1]["name"] == "esl");
  CHECK(j["checks"][1]["ok"] == false);
  CHECK(j["checks"][1]["error"] == "FreeSWITCH link is down");

  // A check that throws fails readiness instead of breaking the endpoint.
  s.readiness().Add("esl", []() -> base::Status { throw std::runtime_error("boom"); });
  RequireJsonError(cli->Get("/readyz"), 503);
}

TEST_CASE("GET /metrics has build info and counts served requests by route pattern", "[http]") {
  TestServer s;
  auto cli = s.Client();
  for (int i = 0; i < 3; ++i) REQUIRE(cli->Get("/healthz")->status == 200);
  // Neither raw paths nor phone-number-like values may become labels.
  RequireJsonError(cli->Get("/api/calls/0044123456789"), 404);  // outside /api: the web UI
  const std::string token = s.Token("admin-bot", store::Role::kAdmin);
  RequireJsonError(cli->Delete("/api/v1/tokens/0044987654321", Bearer(token)), 404);

  auto res = cli->Get("/metrics");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("Content-Type").rfind("text/plain; version=0.0.4", 0) == 0);
  const std::string& m = res->body;
  CHECK(m.find("tarifador_build_info{version=\"9.9.9-test\",revision=\"abc1234\"} 1\n") != std::string::npos);
  CHECK(m.find("tarifador_http_requests_total{method=\"GET\",route=\"/healthz\",code=\"2xx\"} 3\n") !=
        std::string::npos);
  CHECK(m.find("tarifador_http_requests_total{method=\"any\",route=\"unmatched\",code=\"4xx\"} 1\n") !=
        std::string::npos);
  CHECK(m.find("tarifador_http_requests_total{method=\"DELETE\",route=\"/api/v1/tokens/{name}\",code=\"4xx\"} 1\n") !=
        std::string::npos);
  CHECK(m.find("tarifador_http_request_duration_seconds_count{method=\"GET\",route=\"/healthz\"} 3\n") !=
        std::string::npos);
  CHECK(m.find("tarifador_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\",le=\"+Inf\"} 3\n") !=
        std::string::npos);
  CHECK(m.find("# TYPE tarifador_process_uptime_seconds gauge") != std::string::npos);
  CHECK(m.find("tarifador_process_start_time_seconds ") != std::string::npos);
  CHECK(m.find("0044123456789") == std::string::npos);
  CHECK(m.find("0044987654321") == std::string::npos);
  // Every sample line is a tarifador_ metric.
  size_t pos = 0;
  while (pos < m.size()) {
    const size_t eol = m.find('\n', pos);
    const std::string line = m.substr(pos, eol - pos);
    if (!line.empty() && line[0] != '#') CHECK(line.rfind("tarifador_", 0) == 0);
    pos = eol == std::string::npos ? m.size() : eol + 1;
  }
}

TEST_CASE("Unknown paths get 404 and wrong methods 405 as JSON", "[http]") {
  TestServer s;
  auto cli = s.Client();
  RequireJsonError(cli->Get("/api/v1/nope"), 404);  // outside /api the web UI answers (static_files_test)
  auto res = cli->Post("/healthz", "", "application/json");
  RequireJsonError(res, 405);
  CHECK(res->get_header_value("Allow") == "GET");
}

TEST_CASE("A body over http.max_body_bytes gets 413 JSON", "[http]") {
  ServerOptions o;
  o.max_body_bytes = 1024;
  TestServer s(o);
  auto cli = s.Client();
  const std::string big(4096, 'x');
  auto res = cli->Post("/api/v1/session", big, "application/json");
  RequireJsonError(res, 413);
  CHECK(JsonBody(res)["error"].get<std::string>().find("1024") != std::string::npos);
  // The server is still fine afterwards.
  CHECK(s.Client()->Get("/healthz")->status == 200);
}

TEST_CASE("Stop returns promptly with an idle keep-alive connection open", "[http]") {
  // Every timeout the idle connection could sit out is an hour long, so
  // Stop() returning at all proves it does not wait for one (no wall-clock
  // bound: a Stop() that waits hangs the test instead).
  ServerOptions o;
  o.idle_timeout_s = 3600;
  o.head_deadline_s = 3600;
  TestServer s(o);
  httplib::Client cli("127.0.0.1", s.port());
  cli.set_keep_alive(true);
  REQUIRE(cli.Get("/healthz")->status == 200);
  s.server().Stop();
  s.server().Stop();  // idempotent
  httplib::Client after("127.0.0.1", s.port());
  after.set_connection_timeout(1, 0);
  CHECK_FALSE(after.Get("/healthz"));
}

TEST_CASE("Two servers cannot bind the same port and the error says so", "[http]") {
  TestServer s;
  base::SystemClock clock;
  MetricsRegistry metrics;
  Readiness readiness;
  ServerOptions o;
  o.listen = "127.0.0.1:" + std::to_string(s.port());
  auto second = Server::Start(o, ServerDeps{clock, s.users(), s.audit(), metrics, readiness, StatusInfo{}});
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code() == base::StatusCode::kUnavailable);
  CHECK(second.status().message().find(o.listen) != std::string::npos);
}

TEST_CASE("Listen addresses parse host:port and bracketed IPv6 and :port", "[http]") {
  auto a = ParseListenAddress("0.0.0.0:8080");
  REQUIRE(a.ok());
  CHECK(a->host == "0.0.0.0");
  CHECK(a->port == 8080);
  auto b = ParseListenAddress("[::1]:9000");
  REQUIRE(b.ok());
  CHECK(b->host == "::1");
  CHECK(b->port == 9000);
  auto c = ParseListenAddress(":80");
  REQUIRE(c.ok());
  CHECK(c->host == "0.0.0.0");
  CHECK(ParseListenAddress("127.0.0.1:0")->port == 0);
  for (const char* bad : {"8080", "host:", "host:65536", "host:-1", "host:80x", "::1:80", "[::1:80"}) {
    INFO(bad);
    auto r = ParseListenAddress(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find(bad) != std::string::npos);
  }
}

TEST_CASE("ErrorResponse maps every status code and hides internal details", "[http]") {
  using base::StatusCode;
  CHECK(HttpStatusFor(StatusCode::kInvalidArgument) == 400);
  CHECK(HttpStatusFor(StatusCode::kUnauthenticated) == 401);
  CHECK(HttpStatusFor(StatusCode::kPermissionDenied) == 403);
  CHECK(HttpStatusFor(StatusCode::kNotFound) == 404);
  CHECK(HttpStatusFor(StatusCode::kAlreadyExists) == 409);
  CHECK(HttpStatusFor(StatusCode::kFailedPrecondition) == 409);
  CHECK(HttpStatusFor(StatusCode::kResourceExhausted) == 429);
  CHECK(HttpStatusFor(StatusCode::kUnavailable) == 503);
  CHECK(HttpStatusFor(StatusCode::kInternal) == 500);
  const Response r = ErrorResponse(base::Internal("sqlite: /var/lib/tarifador/tarifador.db is corrupt"));
  CHECK(r.status == 500);
  CHECK(r.body.find("/var/lib") == std::string::npos);
  CHECK(nlohmann::json::parse(r.body).contains("error"));
  CHECK(ErrorBody("say \"hi\"\n") == R"({"error":"say \"hi\"\n"})");
}
