// The HTTP server's bounds (http/server.h, docs/SECURITY.md "HTTP limits"),
// tried with raw bytes as an attacker would send them. The whole-request
// deadlines are tested with a hand-stepped clock in
// connection_deadlines_test.cpp; these tests never wait for one.
#include <thread>
#include <vector>

#include "test_server.h"
#include "wire_client.h"

using namespace tarifador;
using namespace tarifador::http;
using namespace tarifador::http::testing;
using namespace std::chrono_literals;

TEST_CASE("A protected route refuses without credentials before reading the body", "[http][limits]") {
  TestServer s;
  WireClient c(s.port());
  REQUIRE(c.ok());
  // A gigabyte announced, with Expect: the 401 comes back with no byte of it
  // sent, so the server never waited for (or stored) any.
  REQUIRE(
      c.Send("POST /api/v1/accounts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
             "Expect: 100-continue\r\nContent-Length: 1073741824\r\n\r\n"));
  const std::string answer = c.ReadAll(5s);
  CHECK(WireClient::StatusOf(answer) == 401);
  CHECK(answer.find("100 Continue") == std::string::npos);
  // Without Expect, the same: the answer does not wait for the body.
  WireClient d(s.port());
  REQUIRE(d.Send("POST /api/v1/accounts HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741824\r\n\r\n{\"x\":"));
  CHECK(WireClient::StatusOf(d.ReadAll(5s)) == 401);
}

TEST_CASE("A body announced over the limit gets 413 before it is sent", "[http][limits]") {
  ServerOptions o;
  o.max_body_bytes = 1024;
  TestServer s(o);
  WireClient c(s.port());
  REQUIRE(
      c.Send("POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
             "Content-Length: 5000000\r\n\r\n"));
  const std::string answer = c.ReadAll(5s);
  CHECK(WireClient::StatusOf(answer) == 413);
  CHECK(answer.find("limit 1024 bytes") != std::string::npos);
}

TEST_CASE("A chunked body stops at the limit however it is framed", "[http][limits]") {
  ServerOptions o;
  o.max_body_bytes = 1024;
  TestServer s(o);
  s.AddUser("chunky", "a long password", store::Role::kViewer);
  // Under the limit, chunked: read whole and handled (a real login).
  {
    WireClient c(s.port());
    const std::string body = R"({"username":"chunky","password":"a long password"})";
    char size[16];
    std::snprintf(size, sizeof size, "%zx", body.size());
    REQUIRE(
        c.Send("POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
               std::string(size) + "\r\n" + body + "\r\n0\r\n\r\n"));
    CHECK(WireClient::StatusOf(c.ReadAll(5s)) == 200);
  }
  // Over it: 64 chunks of 1 KiB. The connection ends; no handler ran (the
  // login would have been audited), and the server serves on.
  {
    WireClient c(s.port());
    std::string req =
        "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: "
        "chunked\r\n\r\n";
    for (int i = 0; i < 64; ++i) req += "400\r\n" + std::string(1024, ' ') + "\r\n";
    c.Send(req);  // may fail part-way: the server has closed
    bool closed = false;
    const std::string answer = c.ReadAll(5s, &closed);
    CHECK(closed);
    CHECK(WireClient::StatusOf(answer) != 200);
  }
  CHECK(s.Audit("session.login").size() == 1);
  CHECK(s.Client()->Get("/healthz")->status == 200);
}

TEST_CASE("A request head larger than the connection's buffer is refused", "[http][limits]") {
  TestServer s;
  WireClient c(s.port());
  std::string req = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 200; ++i) req += "X-Filler-" + std::to_string(i) + ": " + std::string(1000, 'a') + "\r\n";
  req += "\r\n";
  c.Send(req);
  bool closed = false;
  const std::string answer = c.ReadAll(5s, &closed);
  const int status = WireClient::StatusOf(answer);
  INFO("answer: " << answer.substr(0, 80));
  CHECK((status == 431 || status == 413 || (status == 0 && closed)));
  CHECK(s.Client()->Get("/healthz")->status == 200);
}

TEST_CASE("One address cannot take every connection", "[http][limits]") {
  ServerOptions o;
  o.max_connections_per_address = 4;
  TestServer s(o);
  // Four idle connections from 127.0.0.2 are accepted; the fifth is closed
  // at once, while 127.0.0.1 is served as ever.
  std::vector<std::unique_ptr<WireClient>> hogs;
  for (int i = 0; i < 4; ++i) {
    hogs.push_back(std::make_unique<WireClient>(s.port(), "127.0.0.2"));
    REQUIRE(hogs.back()->ok());
  }
  // The server accepts in the kernel's order, so the fifth is the one refused.
  WireClient probe(s.port(), "127.0.0.2");
  REQUIRE(probe.ok());  // TCP accepts in the kernel before the server sees it
  probe.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  bool closed = false;
  const std::string answer = probe.ReadAll(5s, &closed);
  CHECK(answer.empty());
  CHECK(closed);
  CHECK(s.Client()->Get("/healthz")->status == 200);
  // A hog that leaves frees its slot.
  hogs.pop_back();
  std::string again;
  for (int attempt = 0; attempt < 50 && WireClient::StatusOf(again) != 200; ++attempt) {
    WireClient next(s.port(), "127.0.0.2");
    next.Send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    again = next.ReadAll(5s);
    if (WireClient::StatusOf(again) != 200) std::this_thread::sleep_for(20ms);  // the close is noticed asynchronously
  }
  CHECK(WireClient::StatusOf(again) == 200);
}

TEST_CASE("JSON bodies: deep nesting, huge numbers and repeated keys get 400", "[http][limits]") {
  TestServer s;
  auto cli = s.Client();
  auto deep = cli->Post("/api/v1/session", std::string(60'000, '['), "application/json");
  RequireJsonError(deep, 400);
  CHECK(JsonBody(deep)["error"] == "request body is JSON nested deeper than 32 levels");
  auto big = cli->Post("/api/v1/session", R"({"username":"a","password":1e309})", "application/json");
  RequireJsonError(big, 400);
  CHECK(JsonBody(big)["error"] == "request body is JSON with a number out of range");
  auto twice = cli->Post("/api/v1/session", R"({"username":"a","username":"b","password":"x"})", "application/json");
  RequireJsonError(twice, 400);
  CHECK(JsonBody(twice)["error"] == "request body is JSON with the key \"username\" twice in one object");
}
