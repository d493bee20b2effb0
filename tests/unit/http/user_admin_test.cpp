// Managing users after they exist (http/user_admin_handlers.h) against the
// real server: disable and enable (sessions end at once), roles, password
// reset and change, sessions listed and ended, tokens that expire.
#include "test_server.h"

using namespace tarifador;
using namespace tarifador::http;
using namespace tarifador::http::testing;

namespace {

// An admin "boss" and a viewer "ana", both signed in.
struct Office {
  Office() {
    s.AddUser("boss", kPassword, store::Role::kAdmin);
    s.AddUser("ana", kPassword, store::Role::kViewer);
    boss = Login(*cli, "boss");
    ana = Login(*cli, "ana");
  }
  TestServer s;
  std::unique_ptr<httplib::Client> cli = s.Client();
  std::pair<std::string, std::string> boss;
  std::pair<std::string, std::string> ana;
};

}  // namespace

TEST_CASE("Disabling a user ends their sessions at once and enabling lets them in again", "[http][users]") {
  Office o;
  TestServer& s = o.s;
  auto& cli = o.cli;
  const auto& boss = o.boss;
  const auto& ana = o.ana;
  REQUIRE(cli->Get("/api/v1/session", {{"Cookie", ana.first}})->status == 200);

  auto off = cli->Patch("/api/v1/users/ana", SessionHeaders(boss), R"({"disabled":true})", "application/json");
  REQUIRE(off);
  CHECK(off->status == 200);
  CHECK(JsonBody(off)["disabled"] == true);
  RequireJsonError(cli->Get("/api/v1/session", {{"Cookie", ana.first}}), 401);
  RequireJsonError(cli->Post("/api/v1/session", LoginBody("ana", kPassword), "application/json"), 401);
  const auto audit = s.Audit("user.disable");
  REQUIRE(audit.size() == 1);
  CHECK(audit[0].actor == "user:boss");
  CHECK(audit[0].detail.find(R"("sessions_ended":"1")") != std::string::npos);

  auto on = cli->Patch("/api/v1/users/ana", SessionHeaders(boss), R"({"disabled":false})", "application/json");
  REQUIRE(on);
  CHECK(on->status == 200);
  Login(*cli, "ana");
  // The listing shows when each user last logged in.
  auto users = JsonBody(cli->Get("/api/v1/users", {{"Cookie", boss.first}}));
  for (const auto& u : users["items"]) CHECK(u["last_login_at"].is_string());
}

TEST_CASE("The last enabled admin can be neither disabled nor demoted", "[http][users]") {
  TestServer s;
  s.AddUser("boss", kPassword, store::Role::kAdmin);
  auto cli = s.Client();
  const auto boss = Login(*cli, "boss");
  RequireJsonError(cli->Patch("/api/v1/users/boss", SessionHeaders(boss), R"({"disabled":true})", "application/json"),
                   409);
  RequireJsonError(cli->Patch("/api/v1/users/boss", SessionHeaders(boss), R"({"role":"viewer"})", "application/json"),
                   409);
  s.AddUser("second", kPassword, store::Role::kAdmin);
  auto demote = cli->Patch("/api/v1/users/second", SessionHeaders(boss), R"({"role":"operator"})", "application/json");
  REQUIRE(demote);
  CHECK(JsonBody(demote)["role"] == "operator");
  RequireJsonError(cli->Patch("/api/v1/users/nobody", SessionHeaders(boss), R"({"disabled":true})", "application/json"),
                   404);
  RequireJsonError(
      cli->Patch("/api/v1/users/second", SessionHeaders(boss), R"({"role":"cdr-writer"})", "application/json"), 400);
  RequireJsonError(cli->Patch("/api/v1/users/second", SessionHeaders(boss), R"({})", "application/json"), 400);
}

TEST_CASE("An admin resets a password: the old one and the user's sessions stop working", "[http][users]") {
  Office o;
  TestServer& s = o.s;
  auto& cli = o.cli;
  const auto& boss = o.boss;
  const auto& ana = o.ana;
  auto reset = cli->Post("/api/v1/users/ana/password", SessionHeaders(boss), R"({"password":"a brand new secret"})",
                         "application/json");
  REQUIRE(reset);
  CHECK(reset->status == 200);
  RequireJsonError(cli->Get("/api/v1/session", {{"Cookie", ana.first}}), 401);
  RequireJsonError(cli->Post("/api/v1/session", LoginBody("ana", kPassword), "application/json"), 401);
  Login(*cli, "ana", "a brand new secret");
  CHECK(cli->Get("/api/v1/session", {{"Cookie", boss.first}})->status == 200);  // the admin's own stays
  CHECK(s.Audit("user.password_reset").size() == 1);
  RequireJsonError(
      cli->Post("/api/v1/users/ana/password", SessionHeaders(boss), R"({"password":"short"})", "application/json"),
      400);
}

TEST_CASE("Users change their own password with the current one and keep this session", "[http][users]") {
  TestServer s;
  s.AddUser("ana", kPassword, store::Role::kViewer);
  auto cli = s.Client();
  const auto here = Login(*cli, "ana");
  const auto elsewhere = Login(*cli, "ana");
  auto wrong =
      cli->Post("/api/v1/session/password", SessionHeaders(here),
                R"({"current_password":"not it at all","new_password":"my next password"})", "application/json");
  RequireJsonError(wrong, 400);
  CHECK(JsonBody(wrong)["error"] == "the current password is not right");
  auto ok = cli->Post("/api/v1/session/password", SessionHeaders(here),
                      nlohmann::json{{"current_password", kPassword}, {"new_password", "my next password"}}.dump(),
                      "application/json");
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(cli->Get("/api/v1/session", {{"Cookie", here.first}})->status == 200);
  RequireJsonError(cli->Get("/api/v1/session", {{"Cookie", elsewhere.first}}), 401);
  Login(*cli, "ana", "my next password");
  CHECK(s.Audit("user.password_change").size() == 1);
  // Without the CSRF header a page on another site cannot do it.
  RequireJsonError(cli->Post("/api/v1/session/password", {{"Cookie", here.first}}, "{}", "application/json"), 403);
  // A token has no password.
  const std::string admin_token = s.Token("bot", store::Role::kAdmin);
  RequireJsonError(cli->Post("/api/v1/session/password", Bearer(admin_token),
                             R"({"current_password":"x","new_password":"yyyyyyyyyyyy"})", "application/json"),
                   403);
}

TEST_CASE("Admins list sessions and end one", "[http][users]") {
  Office o;
  TestServer& s = o.s;
  auto& cli = o.cli;
  const auto& boss = o.boss;
  const auto& ana = o.ana;
  auto list = JsonBody(cli->Get("/api/v1/sessions", {{"Cookie", boss.first}}));
  REQUIRE(list["items"].size() == 2);
  CHECK(list["items"][0]["username"] == "ana");  // newest first
  CHECK(list["items"][0]["ip"] == "127.0.0.1");
  CHECK(list["items"][0]["current"] == false);
  CHECK(list["items"][1]["current"] == true);
  CHECK_FALSE(list["items"][0].contains("csrf_token"));
  auto only = JsonBody(cli->Get("/api/v1/sessions?user=ana", {{"Cookie", boss.first}}));
  REQUIRE(only["items"].size() == 1);
  const std::string id = only["items"][0]["id"];
  auto end = cli->Delete("/api/v1/sessions/" + id, SessionHeaders(boss));
  REQUIRE(end);
  CHECK(end->status == 200);
  RequireJsonError(cli->Get("/api/v1/session", {{"Cookie", ana.first}}), 401);
  RequireJsonError(cli->Delete("/api/v1/sessions/" + id, SessionHeaders(boss)), 404);
  CHECK(s.Audit("session.end").size() == 1);
  // Viewers see none of it.
  const auto ana2 = Login(*cli, "ana");
  RequireJsonError(cli->Get("/api/v1/sessions", {{"Cookie", ana2.first}}), 403);
}

TEST_CASE("A token with expires_in_days stops working when it expires", "[http][users]") {
  base::FakeClock clock;
  clock.Set(base::Instant::FromSeconds(1'800'000'000));
  TestServer s({}, &clock);
  const std::string admin = s.Token("root-bot", store::Role::kAdmin);
  auto cli = s.Client();
  auto made = cli->Post("/api/v1/tokens", Bearer(admin), R"({"name":"temp","role":"viewer","expires_in_days":7})",
                        "application/json");
  REQUIRE(made);
  REQUIRE(made->status == 201);
  const auto j = JsonBody(made);
  CHECK(j["expires_at"].is_string());
  const std::string temp = j["token"];
  CHECK(cli->Get("/api/v1/session", Bearer(temp))->status == 200);
  clock.AdvanceMicros(7LL * 86'400'000'000 - 1);
  CHECK(cli->Get("/api/v1/session", Bearer(temp))->status == 200);
  clock.AdvanceMicros(1);
  RequireJsonError(cli->Get("/api/v1/session", Bearer(temp)), 401);
  // The listing says when each token was last used and when it expires.
  auto tokens = JsonBody(cli->Get("/api/v1/tokens", Bearer(admin)));
  bool seen = false;
  for (const auto& t : tokens["items"]) {
    if (t["name"] == "temp") {
      seen = true;
      CHECK(t["expires_at"] == j["expires_at"]);
    }
  }
  CHECK(seen);
  for (const char* bad : {R"({"name":"t2","role":"viewer","expires_in_days":0})",
                          R"({"name":"t2","role":"viewer","expires_in_days":1.5})",
                          R"({"name":"t2","role":"viewer","expires_in_days":"7"})"}) {
    RequireJsonError(cli->Post("/api/v1/tokens", Bearer(admin), bad, "application/json"), 400);
  }
}
