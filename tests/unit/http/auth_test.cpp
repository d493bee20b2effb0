// Authentication, roles, sessions, CSRF, throttling, setup and audit, against
// the real server on 127.0.0.1.
#include <atomic>
#include <thread>
#include <vector>

#include "http/authenticator.h"
#include "test_server.h"

using namespace tarifador;
using namespace tarifador::http;
using namespace tarifador::http::testing;

TEST_CASE("Bearer tokens: valid is 200 and bad or missing is 401 JSON", "[http][auth]") {
  TestServer s;
  auto cli = s.Client();
  const std::string token = s.Token("dialplan", store::Role::kViewer);

  auto ok = cli->Get("/api/v1/status", Bearer(token));
  REQUIRE(ok);
  CHECK(ok->status == 200);
  const auto j = JsonBody(ok);
  CHECK(j["version"] == "9.9.9-test");
  CHECK(j["schema_version"].get<int>() >= 3);

  auto bad = cli->Get("/api/v1/status", Bearer(token + "x"));
  RequireJsonError(bad, 401);
  CHECK(bad->get_header_value("WWW-Authenticate").rfind("Bearer", 0) == 0);
  RequireJsonError(cli->Get("/api/v1/status"), 401);
  RequireJsonError(cli->Get("/api/v1/status", {{"Authorization", "Digest abc"}}), 401);

  // A revoked token stops working at once.
  REQUIRE(s.users().RevokeToken("dialplan", "test").ok());
  RequireJsonError(cli->Get("/api/v1/status", Bearer(token)), 401);
}

TEST_CASE("HTTP Basic whose password is a token authenticates (mod_json_cdr)", "[http][auth]") {
  TestServer s;
  auto cli = s.Client();
  const std::string token = s.Token("json-cdr", store::Role::kOperator);
  cli->set_basic_auth("freeswitch", token.c_str());
  auto ok = cli->Get("/api/v1/session");
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(JsonBody(ok)["username"] == "json-cdr");
  CHECK(JsonBody(ok)["kind"] == "token");

  auto bad = s.Client();
  bad->set_basic_auth("freeswitch", "not-the-token");
  RequireJsonError(bad->Get("/api/v1/session"), 401);
  RequireJsonError(s.Client()->Get("/api/v1/session", {{"Authorization", "Basic !!!notbase64"}}), 401);
}

TEST_CASE("A role below the route's minimum gets 403 JSON", "[http][auth]") {
  TestServer s;
  auto cli = s.Client();
  const std::string viewer = s.Token("viewer-bot", store::Role::kViewer);
  const std::string op = s.Token("operator-bot", store::Role::kOperator);
  const std::string admin = s.Token("admin-bot", store::Role::kAdmin);
  RequireJsonError(cli->Get("/api/v1/users", Bearer(viewer)), 403);
  RequireJsonError(cli->Get("/api/v1/users", Bearer(op)), 403);
  CHECK(cli->Get("/api/v1/users", Bearer(admin))->status == 200);
  // Roles include the ones below them.
  CHECK(cli->Get("/api/v1/status", Bearer(admin))->status == 200);
}

TEST_CASE("Session login sets a hardened cookie and logout invalidates it", "[http][auth]") {
  TestServer s;
  s.AddUser("alice", kPassword, store::Role::kOperator);
  auto cli = s.Client();
  auto res = cli->Post("/api/v1/session", LoginBody("alice", kPassword), "application/json");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  const std::string cookie = res->get_header_value("Set-Cookie");
  CHECK(cookie.rfind(std::string(kSessionCookie) + "=", 0) == 0);
  CHECK(cookie.find("; HttpOnly") != std::string::npos);
  CHECK(cookie.find("; SameSite=Strict") != std::string::npos);
  CHECK(cookie.find("; Path=/") != std::string::npos);
  CHECK(cookie.find("Secure") == std::string::npos);  // no TLS in this test
  const auto body = JsonBody(res);
  CHECK(body["username"] == "alice");
  CHECK(body["role"] == "operator");
  const std::string csrf = body["csrf_token"].get<std::string>();
  CHECK(csrf.size() >= 32);

  const httplib::Headers with_cookie = {{"Cookie", cookie.substr(0, cookie.find(';'))}};
  auto me = cli->Get("/api/v1/session", with_cookie);
  REQUIRE(me);
  CHECK(me->status == 200);
  CHECK(JsonBody(me)["username"] == "alice");
  CHECK(JsonBody(me)["kind"] == "session");
  CHECK(JsonBody(me)["csrf_token"] == csrf);

  // Logout is a write: it needs the CSRF token too.
  RequireJsonError(cli->Delete("/api/v1/session", with_cookie), 403);
  httplib::Headers logout = with_cookie;
  logout.emplace("X-CSRF-Token", csrf);
  auto out = cli->Delete("/api/v1/session", logout);
  REQUIRE(out);
  CHECK(out->status == 200);
  CHECK(out->get_header_value("Set-Cookie").find("Max-Age=0") != std::string::npos);
  // The old cookie no longer works.
  RequireJsonError(cli->Get("/api/v1/session", with_cookie), 401);
  RequireJsonError(cli->Delete("/api/v1/session", logout), 401);

  CHECK(s.Audit("session.login").size() == 1);
  const auto logouts = s.Audit("session.logout");
  REQUIRE(logouts.size() == 1);
  CHECK(logouts[0].actor == "user:alice");
}

TEST_CASE("Cookie-authenticated writes need the X-CSRF-Token but bearer writes do not", "[http][auth]") {
  TestServer s;
  s.AddUser("root", kPassword, store::Role::kAdmin);
  auto cli = s.Client();
  const auto [cookie, csrf] = Login(*cli, "root");
  const std::string body = R"({"name":"ci","role":"viewer"})";

  RequireJsonError(cli->Post("/api/v1/tokens", {{"Cookie", cookie}}, body, "application/json"), 403);
  RequireJsonError(
      cli->Post("/api/v1/tokens", {{"Cookie", cookie}, {"X-CSRF-Token", csrf + "x"}}, body, "application/json"), 403);
  CHECK(s.Audit("token.create").empty());  // refused before anything changed

  auto ok = cli->Post("/api/v1/tokens", {{"Cookie", cookie}, {"X-CSRF-Token", csrf}}, body, "application/json");
  REQUIRE(ok);
  CHECK(ok->status == 201);
  const std::string new_token = JsonBody(ok)["token"].get<std::string>();
  CHECK(cli->Get("/api/v1/status", Bearer(new_token))->status == 200);

  // Reads with a cookie need no CSRF token.
  CHECK(cli->Get("/api/v1/tokens", {{"Cookie", cookie}})->status == 200);

  // Bearer requests are exempt (a browser never adds Authorization by itself).
  const std::string admin = s.Token("admin-bot", store::Role::kAdmin);
  auto bearer = cli->Post("/api/v1/tokens", Bearer(admin), R"({"name":"ci2","role":"viewer"})", "application/json");
  REQUIRE(bearer);
  CHECK(bearer->status == 201);

  const auto created = s.Audit("token.create");
  REQUIRE(created.size() == 3);  // admin-bot via the store, ci and ci2 via the API
  CHECK(created[0].actor == "token:admin-bot");
  CHECK(created[0].target == "token:ci2");
  CHECK(created[1].actor == "test");
  CHECK(created[2].actor == "user:root");
  CHECK(created[2].target == "token:ci");
}

TEST_CASE("Wrong passwords and unknown users get the same 401 and are audited", "[http][auth]") {
  TestServer s;
  s.AddUser("bob", kPassword, store::Role::kViewer);
  auto cli = s.Client();
  auto wrong = cli->Post("/api/v1/session", LoginBody("bob", "not the password"), "application/json");
  auto unknown = cli->Post("/api/v1/session", LoginBody("mallory", "whatever-it-is"), "application/json");
  RequireJsonError(wrong, 401);
  RequireJsonError(unknown, 401);
  CHECK(wrong->body == unknown->body);
  CHECK(wrong->get_header_value("Set-Cookie").empty());
  const auto failed = s.Audit("session.login_failed");
  REQUIRE(failed.size() == 2);
  CHECK(failed[0].target == "user:mallory");
  CHECK(failed[0].detail.find("unknown user") != std::string::npos);
  CHECK(failed[1].target == "user:bob");
  CHECK(failed[1].actor == "ip:127.0.0.1");
  // Passwords never reach the audit log.
  CHECK(failed[1].detail.find("not the password") == std::string::npos);
}

TEST_CASE("Login throttling: after 5 failures even the right password gets 429", "[http][auth]") {
  TestServer s;
  s.AddUser("carol", kPassword, store::Role::kViewer);
  auto cli = s.Client();
  for (int i = 0; i < 5; ++i) {
    RequireJsonError(
        cli->Post("/api/v1/session", LoginBody("carol", "wrong password " + std::to_string(i)), "application/json"),
        401);
  }
  auto locked = cli->Post("/api/v1/session", LoginBody("carol", kPassword), "application/json");
  RequireJsonError(locked, 429);
  CHECK(std::stoi(locked->get_header_value("Retry-After")) > 0);
  CHECK(locked->get_header_value("Set-Cookie").empty());
  // Only carol from this address is locked: dave logs in from it as ever
  // (guessing at a name never locks its owner out elsewhere either:
  // login_throttle_test.cpp).
  s.AddUser("dave", kPassword, store::Role::kViewer);
  CHECK(cli->Post("/api/v1/session", LoginBody("dave", kPassword), "application/json")->status == 200);
  CHECK(s.Audit("session.login").size() == 1);
  const auto failed = s.Audit("session.login_failed");
  REQUIRE(failed.size() == 5);
  CHECK(failed[0].detail.find(R"("throttled":"yes")") != std::string::npos);
}

TEST_CASE("Thirty concurrent wrong logins get five password checks", "[http][auth]") {
  TestServer s;
  s.AddUser("erin", kPassword, store::Role::kViewer);
  std::vector<std::thread> threads;
  std::atomic<int> unauthorized{0}, throttled{0};
  for (int i = 0; i < 30; ++i) {
    threads.emplace_back([&, i] {
      auto res =
          s.Client()->Post("/api/v1/session", LoginBody("erin", "wrong " + std::to_string(i)), "application/json");
      if (res && res->status == 401) ++unauthorized;
      if (res && res->status == 429) ++throttled;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(unauthorized == 5);
  CHECK(throttled == 25);
  CHECK(s.Audit("session.login_failed").size() == 5);
}

TEST_CASE("Bad JSON gets 400 with a clear message and changes nothing", "[http][auth]") {
  TestServer s;
  auto cli = s.Client();
  const std::string admin = s.Token("admin-bot", store::Role::kAdmin);
  for (const char* body : {"{\"username\": \"eve\", \"password\": ", "[1,2]", "{\"username\": 5, \"password\": \"x\"}",
                           R"({"username":"eve","password":"long enough pw"})" /* no role */}) {
    INFO(body);
    auto res = cli->Post("/api/v1/users", Bearer(admin), body, "application/json");
    RequireJsonError(res, 400);
  }
  auto bad = cli->Post("/api/v1/users", Bearer(admin), "{not json", "application/json");
  RequireJsonError(bad, 400);
  CHECK(JsonBody(bad)["error"].get<std::string>().find("not valid JSON") != std::string::npos);
  auto listed = cli->Get("/api/v1/users", Bearer(admin));
  CHECK(JsonBody(listed)["items"].empty());
  CHECK(s.Audit("user.add").empty());

  // Short passwords are refused for every user, too.
  RequireJsonError(cli->Post("/api/v1/users", Bearer(admin), R"({"username":"eve","password":"short","role":"viewer"})",
                             "application/json"),
                   400);
  CHECK(s.Audit("user.add").empty());

  // A broken login body creates no session and counts no failure.
  RequireJsonError(cli->Post("/api/v1/session", R"({"username":"eve")", "application/json"), 400);
  RequireJsonError(cli->Post("/api/v1/session", R"({"username":"eve"})", "application/json"), 400);
  CHECK(s.Audit("session.login").empty());
  CHECK(s.Audit("session.login_failed").empty());

  // And the good request works and is audited.
  auto ok = cli->Post("/api/v1/users", Bearer(admin),
                      R"({"username":"eve","password":"long enough pw","role":"viewer"})", "application/json");
  REQUIRE(ok);
  CHECK(ok->status == 201);
  RequireJsonError(cli->Post("/api/v1/users", Bearer(admin),
                             R"({"username":"EVE","password":"long enough pw","role":"viewer"})", "application/json"),
                   409);
  const auto added = s.Audit("user.add");
  REQUIRE(added.size() == 1);
  CHECK(added[0].actor == "token:admin-bot");
  CHECK(added[0].target == "user:eve");
}

TEST_CASE("First-run setup creates one admin and is then closed for good", "[http][auth]") {
  TestServer s;
  auto cli = s.Client();
  CHECK(JsonBody(cli->Get("/api/v1/setup"))["setup_required"] == true);
  RequireJsonError(cli->Post("/api/v1/setup", LoginBody("admin", "short"), "application/json"), 400);
  RequireJsonError(cli->Post("/api/v1/setup", "nope", "application/json"), 400);
  CHECK(JsonBody(cli->Get("/api/v1/setup"))["setup_required"] == true);

  auto res = cli->Post("/api/v1/setup", LoginBody("admin", kPassword), "application/json");
  REQUIRE(res);
  CHECK(res->status == 201);
  CHECK(JsonBody(res)["role"] == "admin");
  CHECK(JsonBody(cli->Get("/api/v1/setup"))["setup_required"] == false);

  RequireJsonError(cli->Post("/api/v1/setup", LoginBody("intruder", kPassword), "application/json"), 409);
  CHECK_FALSE(s.users().FindUser("intruder").ok());
  // The admin can log in.
  const auto [cookie, csrf] = Login(*cli, "admin");
  CHECK_FALSE(csrf.empty());
  const auto added = s.Audit("user.add");
  REQUIRE(added.size() == 1);
  CHECK(added[0].actor == "setup:127.0.0.1");
  CHECK(added[0].target == "user:admin");
}

TEST_CASE("Sessions expire after their lifetime", "[http][auth]") {
  base::FakeClock clock;
  ServerOptions o;
  o.session_ttl_s = 3600;
  TestServer s(o, &clock);
  s.AddUser("frank", kPassword, store::Role::kViewer);
  auto cli = s.Client();
  const auto [cookie, csrf] = Login(*cli, "frank");
  CHECK(cli->Get("/api/v1/session", {{"Cookie", cookie}})->status == 200);
  clock.AdvanceMicros(3601LL * 1'000'000);
  RequireJsonError(cli->Get("/api/v1/session", {{"Cookie", cookie}}), 401);
}

TEST_CASE("Tokens can be listed and revoked through the API", "[http][auth]") {
  TestServer s;
  auto cli = s.Client();
  const std::string admin = s.Token("admin-bot", store::Role::kAdmin);
  const std::string victim = s.Token("old-script", store::Role::kViewer);
  auto list = cli->Get("/api/v1/tokens", Bearer(admin));
  const auto items = JsonBody(list)["items"];
  REQUIRE(items.size() == 2);
  CHECK(list->body.find(victim) == std::string::npos);  // never shown again
  auto del = cli->Delete("/api/v1/tokens/old-script", Bearer(admin));
  REQUIRE(del);
  CHECK(del->status == 200);
  RequireJsonError(cli->Get("/api/v1/status", Bearer(victim)), 401);
  RequireJsonError(cli->Delete("/api/v1/tokens/old-script", Bearer(admin)), 404);
  const auto audit = JsonBody(cli->Get("/api/v1/audit?action=token.revoke", Bearer(admin)))["items"];
  REQUIRE(audit.size() == 1);
  CHECK(audit[0]["actor"] == "token:admin-bot");
  RequireJsonError(cli->Get("/api/v1/audit?limit=0", Bearer(admin)), 400);
}
