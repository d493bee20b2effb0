#pragma once
// An in-process tarifador HTTP server on 127.0.0.1, a free port, and a fresh
// store in a temp dir, for the tests in this folder.
#include <httplib.h>

#include <catch2/catch.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "base/password.h"
#include "base/time.h"
#include "http/metrics_registry.h"
#include "http/rating_handlers.h"
#include "http/readiness.h"
#include "http/server.h"
#include "rating/number_normaliser.h"
#include "rating/rate_book.h"
#include "store/audit_store.h"
#include "store/database.h"
#include "store/user_store.h"
#include "store/writer.h"
#include "test_support/temp_dir.h"

namespace tarifador::http::testing {

// Rating wiring for a TestServer, as app::Service does it: a store writer, a
// rate book, the dial-plan rules, the "rate_plans" readiness check and the
// rating metrics.
struct RatingSetup {
  rating::DialPlanRules rules;
  std::string default_plan = "default";
};

class TestServer {
 public:
  explicit TestServer(ServerOptions options = {}, const base::Clock* clock = nullptr,
                      const RatingSetup* rating_setup = nullptr)
      : clock_(clock ? *clock : system_clock_) {
    const std::string path = dir_.path() + "/t.db";
    store_path_ = path;
    auto db = store::Database::Open(path, store::OpenMode::kReadWrite);
    REQUIRE(db.ok());
    users_ = std::make_unique<store::UserStore>(std::move(*db), clock_);
    auto db2 = store::Database::Open(path, store::OpenMode::kReadWrite);
    REQUIRE(db2.ok());
    audit_ = std::make_unique<store::AuditStore>(std::move(*db2), clock_);
    if (rating_setup) {
      auto writer = store::Writer::Start(path);
      REQUIRE(writer.ok());
      writer_ = std::move(*writer);
      auto normaliser = rating::NumberNormaliser::Create(rating_setup->rules);
      REQUIRE(normaliser.ok());
      rating_ = std::make_unique<RatingServices>(book_, std::move(*normaliser), rating_setup->default_plan, *writer_);
      RegisterRatingProbes(book_, readiness_, metrics_);
    }
    options.listen = "127.0.0.1:0";
    auto server =
        Server::Start(options, ServerDeps{clock_, *users_, *audit_, metrics_, readiness_,
                                          StatusInfo{"9.9.9-test", "abc1234", path, clock_.Now()}, rating_.get()});
    REQUIRE(server.ok());
    server_ = std::move(*server);
  }

  int port() const { return server_->port(); }
  std::unique_ptr<httplib::Client> Client() const {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", port());
    c->set_read_timeout(10, 0);
    return c;
  }
  store::UserStore& users() { return *users_; }
  store::AuditStore& audit() { return *audit_; }
  Readiness& readiness() { return readiness_; }
  MetricsRegistry& metrics() { return metrics_; }
  Server& server() { return *server_; }
  const std::string& store_path() const { return store_path_; }
  // The live rate book (rating_setup given only).
  rating::RateBookHolder& rate_book() { return book_; }

  // Adds a user directly in the store; returns nothing, fails the test on error.
  void AddUser(const std::string& name, const std::string& password, store::Role role) {
    auto hash = base::HashPassword(password);
    REQUIRE(hash.ok());
    REQUIRE(users_->AddUser(name, role, *hash, "test").ok());
  }
  std::string Token(const std::string& name, store::Role role) {
    auto t = users_->CreateToken(name, role, "test");
    REQUIRE(t.ok());
    return t->plaintext;
  }
  // Audit rows with `action`, newest first.
  std::vector<store::AuditEntry> Audit(const std::string& action) {
    auto rows = audit_->List(1000, action);
    REQUIRE(rows.ok());
    return *rows;
  }

 private:
  test_support::TempDir dir_;
  base::SystemClock system_clock_;
  const base::Clock& clock_;
  MetricsRegistry metrics_;
  Readiness readiness_;
  std::unique_ptr<store::UserStore> users_;
  std::unique_ptr<store::AuditStore> audit_;
  std::string store_path_;
  std::unique_ptr<store::Writer> writer_;
  rating::RateBookHolder book_;
  std::unique_ptr<RatingServices> rating_;
  std::unique_ptr<Server> server_;
};

inline httplib::Headers Bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

inline constexpr const char* kPassword = "correct horse battery";

inline std::string LoginBody(const std::string& user, const std::string& password) {
  return nlohmann::json{{"username", user}, {"password", password}}.dump();
}

// Every 4xx/5xx carries {"error": "<non-empty>"} as JSON (SPEC section 10).
inline void RequireJsonError(const httplib::Result& res, int status) {
  REQUIRE(res);
  INFO("body: " << res->body);
  CHECK(res->status == status);
  CHECK(res->get_header_value("Content-Type").rfind("application/json", 0) == 0);
  const auto j = nlohmann::json::parse(res->body, nullptr, false);
  REQUIRE(j.is_object());
  REQUIRE(j.contains("error"));
  REQUIRE(j["error"].is_string());
  CHECK_FALSE(j["error"].get<std::string>().empty());
}

inline nlohmann::json JsonBody(const httplib::Result& res) {
  REQUIRE(res);
  auto j = nlohmann::json::parse(res->body, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  return j;
}

// Logs in and returns {cookie header value, csrf token}.
inline std::pair<std::string, std::string> Login(httplib::Client& cli, const std::string& user,
                                                 const std::string& password = kPassword) {
  auto res = cli.Post("/api/v1/session", LoginBody(user, password), "application/json");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  const std::string set_cookie = res->get_header_value("Set-Cookie");
  const size_t semi = set_cookie.find(';');
  return {set_cookie.substr(0, semi), JsonBody(res)["csrf_token"].get<std::string>()};
}

// Headers of a logged-in browser's write: the cookie and the CSRF token.
inline httplib::Headers SessionHeaders(const std::pair<std::string, std::string>& login) {
  return {{"Cookie", login.first}, {"X-CSRF-Token", login.second}};
}

}  // namespace tarifador::http::testing
