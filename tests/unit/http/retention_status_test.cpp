// GET /api/v1/status "retention" (docs/API.md): the CDR retention figures app
// hands the server through StatusInfo::retention, against the real server.
#include <httplib.h>

#include <catch2/catch.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "http/server.h"
#include "store/audit_store.h"
#include "store/database.h"
#include "store/user_store.h"
#include "test_server.h"
#include "test_support/temp_dir.h"

using namespace tarifador;
using namespace tarifador::http;
using tarifador::http::testing::Bearer;
using tarifador::http::testing::JsonBody;

namespace {

constexpr int64_t kT0 = 1'790'000'000;

class StatusServer {
 public:
  explicit StatusServer(std::function<RetentionInfo()> retention) : clock_(base::Instant::FromSeconds(kT0)) {
    const std::string path = dir_.path() + "/t.db";
    auto db = store::Database::Open(path, store::OpenMode::kReadWrite);
    REQUIRE(db.ok());
    users_ = std::make_unique<store::UserStore>(std::move(*db), clock_);
    auto db2 = store::Database::Open(path, store::OpenMode::kReadWrite);
    REQUIRE(db2.ok());
    audit_ = std::make_unique<store::AuditStore>(std::move(*db2), clock_);
    StatusInfo status{"9.9.9-test", "abc1234", path, clock_.Now()};
    status.retention = std::move(retention);
    ServerOptions options;
    options.listen = "127.0.0.1:0";
    auto server = Server::Start(options, ServerDeps{clock_, *users_, *audit_, metrics_, readiness_, std::move(status)});
    REQUIRE(server.ok());
    server_ = std::move(*server);
    viewer = users_->CreateToken("reader", store::Role::kViewer, "test")->plaintext;
  }
  ~StatusServer() { server_->Stop(); }
  nlohmann::json Status() {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_read_timeout(10, 0);
    auto res = c.Get("/api/v1/status", Bearer(viewer));
    REQUIRE(res);
    REQUIRE(res->status == 200);
    return JsonBody(res);
  }
  std::string viewer;

 private:
  test_support::TempDir dir_;
  base::FakeClock clock_;
  MetricsRegistry metrics_;
  Readiness readiness_;
  std::unique_ptr<store::UserStore> users_;
  std::unique_ptr<store::AuditStore> audit_;
  std::unique_ptr<Server> server_;
};

}  // namespace

TEST_CASE("GET /api/v1/status shows the last CDR retention run", "[http][retention]") {
  StatusServer s([] {
    RetentionInfo r;
    r.cdr_days = 365;
    r.active = true;
    r.last_run_at = base::Instant::FromSeconds(kT0 - 60);
    r.next_run_at = base::Instant::FromSeconds(kT0 - 60 + 86'400);
    r.last_pruned = 120;
    r.last_kept_not_exported = 3;
    r.last_kept_not_mirrored = 4;
    r.pruned_total = 500;
    return r;
  });
  const nlohmann::json j = s.Status();
  REQUIRE(j.contains("retention"));
  const nlohmann::json& r = j["retention"];
  CHECK(r["cdr_days"] == 365);
  CHECK(r["active"] == true);
  CHECK(r["reason"].is_null());
  CHECK(r["last_run_at"] == base::FormatIso8601(base::Instant::FromSeconds(kT0 - 60)));
  CHECK(r["next_run_at"] == base::FormatIso8601(base::Instant::FromSeconds(kT0 - 60 + 86'400)));
  CHECK(r["last_pruned"] == 120);
  CHECK(r["last_kept_not_exported"] == 3);
  CHECK(r["last_kept_not_mirrored"] == 4);
  CHECK(r["last_error"].is_null());
  CHECK(r["pruned_total"] == 500);
  CHECK(j.contains("mirror"));  // the other objects stay
}

TEST_CASE("GET /api/v1/status says why retention is off", "[http][retention]") {
  StatusServer s([] {
    RetentionInfo r;
    r.reason = "retention.cdr_days is 0: every CDR is kept";
    return r;
  });
  const nlohmann::json r = s.Status()["retention"];
  CHECK(r["active"] == false);
  CHECK(r["cdr_days"] == 0);
  CHECK(r["reason"] == "retention.cdr_days is 0: every CDR is kept");
  CHECK(r["last_run_at"].is_null());
}

TEST_CASE("GET /api/v1/status leaves retention out when it is not wired", "[http][retention]") {
  StatusServer s(nullptr);
  CHECK_FALSE(s.Status().contains("retention"));
}
