#include "http/static_files.h"

#include <string>

#include "test_server.h"

using namespace tarifador;
using namespace tarifador::http;
using namespace tarifador::http::testing;

namespace {

std::string_view EmbeddedPlain(std::string_view path) {
  for (const base::EmbeddedFile& f : EmbeddedWebUi()) {
    if (f.path == path) return f.data;
  }
  FAIL("web-ui/" << path << " is not embedded");
  return {};
}

std::string_view EmbeddedGzip(std::string_view path) {
  const std::string name = std::string(path) + ".gz";
  for (const base::EmbeddedFile& f : EmbeddedWebUiGzip()) {
    if (f.path == name) return f.data;
  }
  FAIL("web-ui/" << path << ".gz is not embedded");
  return {};
}

std::unique_ptr<httplib::Client> RawClient(const TestServer& s) {
  auto cli = s.Client();
  cli->set_decompress(false);  // see the bytes on the wire
  return cli;
}

}  // namespace

TEST_CASE("GET / answers index.html, gzipped for a gzip client and plain otherwise", "[http][web]") {
  TestServer s;
  auto cli = RawClient(s);

  auto gz = cli->Get("/", {{"Accept-Encoding", "gzip, deflate, br"}});
  REQUIRE(gz);
  CHECK(gz->status == 200);
  CHECK(gz->get_header_value("Content-Type") == "text/html; charset=utf-8");
  CHECK(gz->get_header_value("Content-Encoding") == "gzip");
  CHECK(gz->get_header_value("Vary") == "Accept-Encoding");
  CHECK(gz->body == EmbeddedGzip("index.html"));  // our gzip, not httplib's brotli on top
  REQUIRE(gz->body.size() > 2);
  CHECK(static_cast<unsigned char>(gz->body[0]) == 0x1f);
  CHECK(static_cast<unsigned char>(gz->body[1]) == 0x8b);

  auto plain = cli->Get("/", {{"Accept-Encoding", "identity"}});
  REQUIRE(plain);
  CHECK(plain->status == 200);
  CHECK_FALSE(plain->has_header("Content-Encoding"));
  CHECK(plain->body == EmbeddedPlain("index.html"));
  CHECK(plain->body.find("<script type=\"module\" src=\"/js/app.js\">") != std::string::npos);

  auto refused = cli->Get("/", {{"Accept-Encoding", "gzip;q=0, identity"}});
  REQUIRE(refused);
  CHECK_FALSE(refused->has_header("Content-Encoding"));
  CHECK(refused->body == EmbeddedPlain("index.html"));

  // A decompressing client gets the original bytes back: encoded exactly once.
  auto decoding = s.Client();
  decoding->set_decompress(true);
  auto round = decoding->Get("/js/app.js", {{"Accept-Encoding", "gzip"}});
  REQUIRE(round);
  CHECK(round->body == EmbeddedPlain("js/app.js"));
}

TEST_CASE("Web UI files carry their Content-Type and the security headers", "[http][web]") {
  TestServer s;
  auto cli = RawClient(s);
  const std::pair<const char*, const char*> cases[] = {
      {"/app.css", "text/css; charset=utf-8"},
      {"/js/app.js", "text/javascript; charset=utf-8"},
      {"/vendor/preact.mjs", "text/javascript; charset=utf-8"},
      {"/favicon.svg", "image/svg+xml"},
      {"/vendor/LICENSE-preact.txt", "text/plain; charset=utf-8"},
  };
  for (const auto& [path, type] : cases) {
    INFO(path);
    auto res = cli->Get(path);
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->get_header_value("Content-Type") == type);
    CHECK(res->get_header_value("X-Content-Type-Options") == "nosniff");
    CHECK(res->get_header_value("Cache-Control") == "no-cache");
    const std::string csp = res->get_header_value("Content-Security-Policy");
    CHECK(csp.find("default-src 'self'") != std::string::npos);
    CHECK(csp.find("script-src 'self';") != std::string::npos);
    CHECK(csp.find("unsafe-inline") == std::string::npos);
  }
}

TEST_CASE("A strong ETag per encoding; If-None-Match gets 304 without a body", "[http][web]") {
  TestServer s;
  auto cli = RawClient(s);
  auto plain = cli->Get("/js/app.js");
  auto gz = cli->Get("/js/app.js", {{"Accept-Encoding", "gzip"}});
  REQUIRE(plain);
  REQUIRE(gz);
  const std::string etag = plain->get_header_value("ETag");
  const std::string etag_gz = gz->get_header_value("ETag");
  REQUIRE(etag.size() == 34);  // "<32 hex>", no W/ prefix: strong
  CHECK(etag.front() == '"');
  CHECK(etag_gz != etag);  // different bytes, different strong validator

  auto again = cli->Get("/js/app.js", {{"If-None-Match", etag}});
  REQUIRE(again);
  CHECK(again->status == 304);
  CHECK(again->body.empty());
  CHECK(again->get_header_value("ETag") == etag);

  auto listed = cli->Get("/js/app.js", {{"Accept-Encoding", "gzip"}, {"If-None-Match", "\"nope\", " + etag_gz}});
  REQUIRE(listed);
  CHECK(listed->status == 304);

  auto other = cli->Get("/js/app.js", {{"If-None-Match", "\"0123\""}});
  REQUIRE(other);
  CHECK(other->status == 200);
  CHECK(other->body == EmbeddedPlain("js/app.js"));

  auto index = cli->Get("/");
  auto route = cli->Get("/accounts");
  REQUIRE(index);
  REQUIRE(route);
  CHECK(route->get_header_value("ETag") == index->get_header_value("ETag"));
}

TEST_CASE("Paths without an extension fall back to index.html; API and probe paths do not", "[http][web]") {
  TestServer s;
  auto cli = RawClient(s);
  for (const char* path : {"/cdrs", "/accounts", "/some/deep/route"}) {
    INFO(path);
    auto res = cli->Get(path);
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->body == EmbeddedPlain("index.html"));
  }
  // A missing asset is a 404, not an HTML page the browser would run as script.
  auto missing = cli->Get("/js/nope.js");
  REQUIRE(missing);
  CHECK(missing->status == 404);
  CHECK(missing->get_header_value("Content-Type") == "text/plain; charset=utf-8");
  auto traversal = cli->Get("/vendor/../../etc/passwd");
  REQUIRE(traversal);
  CHECK(traversal->status == 404);

  // The API keeps its JSON 404 and 405; the probes stay probes.
  RequireJsonError(cli->Get("/api/v1/no-such-route"), 404);
  RequireJsonError(cli->Get("/api/nope"), 404);
  RequireJsonError(cli->Get("/api"), 404);
  RequireJsonError(cli->Get("/healthz/extra"), 404);
  RequireJsonError(cli->Post("/cdrs", "x", "text/plain"), 404);  // the UI is read-only
  auto health = cli->Get("/healthz");
  REQUIRE(health);
  CHECK(JsonBody(health)["status"] == "ok");
  auto api = cli->Get("/api/v1/status");
  RequireJsonError(api, 401);
}

TEST_CASE("HEAD of a UI file answers its headers", "[http][web]") {
  TestServer s;
  auto cli = RawClient(s);
  auto res = cli->Head("/app.css");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->body.empty());
  CHECK(res->get_header_value("Content-Type") == "text/css; charset=utf-8");
}

TEST_CASE("Accept-Encoding parsing", "[http][web]") {
  CHECK(AcceptsGzip("gzip"));
  CHECK(AcceptsGzip("deflate, GZIP;q=0.5"));
  CHECK(AcceptsGzip("*"));
  CHECK(AcceptsGzip("br, gzip;q=1.0"));
  CHECK_FALSE(AcceptsGzip(""));
  CHECK_FALSE(AcceptsGzip("identity"));
  CHECK_FALSE(AcceptsGzip("gzip;q=0"));
  CHECK_FALSE(AcceptsGzip("gzip; q=0.000"));
  CHECK_FALSE(AcceptsGzip("x-gzip-not"));
}

TEST_CASE("The embedded web UI stays within its size budget", "[http][web]") {
  // docs/WEB-UI.md: under 300 KB both as stored and as sent to a gzip client.
  const StaticFiles& ui = StaticFiles::Embedded();
  INFO("files " << ui.file_count() << ", plain " << ui.plain_bytes() << " B, gzip " << ui.gzip_bytes() << " B");
  CHECK(ui.file_count() >= 10);
  CHECK(ui.plain_bytes() < 300 * 1000);
  CHECK(ui.gzip_bytes() < 300 * 1000);
  CHECK(ui.gzip_bytes() < ui.plain_bytes());
  // Every file the page loads exists (a typo in index.html would be a blank page).
  for (const char* path : {"index.html", "app.css", "favicon.svg", "js/app.js", "vendor/preact.mjs", "vendor/hooks.mjs",
                           "vendor/htm.mjs", "vendor/uPlot.iife.min.js", "vendor/uPlot.min.css"}) {
    INFO(path);
    CHECK_FALSE(EmbeddedPlain(path).empty());
  }
}
