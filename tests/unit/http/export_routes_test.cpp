// GET /api/v1/cdrs.csv and GET /api/v1/exports against the real server on
// 127.0.0.1 and a real store (CDRs billed through the repository, read by
// store::CdrQuery), with the export wired as app::ExportService wires it.
#include <httplib.h>

#include <catch2/catch.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "base/local_time.h"
#include "http/export_handlers.h"
#include "http/server.h"
#include "store/audit_store.h"
#include "store/database.h"
#include "store/export_log.h"
#include "store/user_store.h"
#include "test_server.h"
#include "unit/store/cdr_fixtures.h"

using namespace tarifador;
using namespace tarifador::http;
using tarifador::http::testing::Bearer;
using tarifador::http::testing::JsonBody;
using tarifador::http::testing::RequireJsonError;

namespace {

constexpr int64_t kT0 = 1'780'000'000;  // 2026-05-28T20:26:40Z

class ExportServer {
 public:
  explicit ExportServer(bool wire = true) : clock_(base::Instant::FromSeconds(kT0 + 3600)) {
    auto db = store::Database::Open(store_.path, store::OpenMode::kReadWrite);
    REQUIRE(db.ok());
    users_ = std::make_unique<store::UserStore>(std::move(*db), clock_);
    auto db2 = store::Database::Open(store_.path, store::OpenMode::kReadWrite);
    REQUIRE(db2.ok());
    audit_ = std::make_unique<store::AuditStore>(std::move(*db2), clock_);
    auto log = store::ExportLog::Open(store_.path);
    REQUIRE(log.ok());
    log_ = std::move(*log);
    exports_ = std::make_unique<ExportServices>(
        ExportServices{.query = *store_.query, .csv = {}, .log = nullptr, .dir = {}, .next_due = {}, .last_error = {}});
    exports_->csv.times = exports::TimeMode::kUtc;
    exports_->log = log_.get();
    exports_->dir = "/var/lib/tarifador/export";
    exports_->next_due = [] { return std::optional<base::Instant>(base::Instant::FromSeconds(kT0 + 7200)); };
    exports_->last_error = [] { return std::string(); };
    ServerDeps deps{clock_,   *users_,    *audit_,
                    metrics_, readiness_, StatusInfo{"9.9.9-test", "abc1234", store_.path, clock_.Now()}};
    if (wire) deps.exports = exports_.get();
    auto server = Server::Start(ServerOptions{}, std::move(deps));
    REQUIRE(server.ok());
    server_ = std::move(*server);
    viewer = users_->CreateToken("reader", store::Role::kViewer, "test")->plaintext;
  }
  ~ExportServer() { server_->Stop(); }
  std::unique_ptr<httplib::Client> Client() const {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    c->set_read_timeout(30, 0);
    return c;
  }

  store::testing::CdrStore store_;
  std::unique_ptr<store::ExportLog> log_;
  std::string viewer;

 private:
  base::FakeClock clock_;
  MetricsRegistry metrics_;
  Readiness readiness_;
  std::unique_ptr<store::UserStore> users_;
  std::unique_ptr<store::AuditStore> audit_;
  std::unique_ptr<ExportServices> exports_;
  std::unique_ptr<Server> server_;
};

}  // namespace

TEST_CASE("GET /api/v1/cdrs.csv streams the filtered CDRs as CSV, oldest first", "[http][export]") {
  ExportServer s;
  auto named = store::testing::MakeCdr("b2", kT0 + 10, "1001", 1);
  named.caller_name = "Muñoz, \"Pepe\"";
  s.store_.Bill(named);
  s.store_.Bill(store::testing::MakeCdr("a1", kT0, "1001", 1));
  s.store_.Bill(store::testing::MakeCdr("c3", kT0 + 20, "2001", 2));
  for (int i = 0; i < 600; ++i) {  // several 64 KiB chunks
    s.store_.Bill(store::testing::MakeCdr("bulk-" + std::to_string(10000 + i), kT0 + 100 + i, "1001", 1));
  }
  auto cli = s.Client();
  RequireJsonError(cli->Get("/api/v1/cdrs.csv"), 401);

  auto res = cli->Get("/api/v1/cdrs.csv?extension=1001", Bearer(s.viewer));
  REQUIRE(res);
  REQUIRE(res->status == 200);
  CHECK(res->get_header_value("Content-Type") == "text/csv; charset=utf-8");
  CHECK(res->get_header_value("Content-Disposition").find("attachment") != std::string::npos);
  CHECK(res->get_header_value("Transfer-Encoding") == "chunked");
  const std::string& csv = res->body;
  CHECK(csv.rfind("uuid,linked_uuids,", 0) == 0);
  const size_t a1 = csv.find("\r\na1,");
  const size_t b2 = csv.find("\r\nb2,");
  REQUIRE(a1 != std::string::npos);
  REQUIRE(b2 != std::string::npos);
  CHECK(a1 < b2);
  CHECK(csv.find("\r\nc3,") == std::string::npos);  // another extension
  CHECK(csv.find("\"Muñoz, \"\"Pepe\"\"\"") != std::string::npos);
  size_t lines = 0;
  for (size_t p = csv.find("\r\n"); p != std::string::npos; p = csv.find("\r\n", p + 2)) ++lines;
  CHECK(lines == 1 + 2 + 600);

  RequireJsonError(cli->Get("/api/v1/cdrs.csv?direction=sideways", Bearer(s.viewer)), 400);
  RequireJsonError(cli->Get("/api/v1/cdrs.csv?limit=5", Bearer(s.viewer)), 400);
}

TEST_CASE("GET /api/v1/cdrs.csv for the accountant: named files, the accounting columns, Excel in Spanish",
          "[http][export]") {
  ExportServer s;
  s.store_.Bill(store::testing::MakeCdr("a1", kT0, "1001", 1));
  auto cli = s.Client();
  const auto name = [&](const std::string& query) {
    auto res = cli->Get(("/api/v1/cdrs.csv" + query).c_str(), Bearer(s.viewer));
    REQUIRE(res);
    REQUIRE(res->status == 200);
    return res->get_header_value("Content-Disposition");
  };
  CHECK(name("") == "attachment; filename=\"calls.csv\"");
  CHECK(name("?from=2026-11-01&to=2026-12-01&lang=es") == "attachment; filename=\"llamadas-2026-11.csv\"");
  CHECK(name("?from=2026-12-01&to=2027-01-01") == "attachment; filename=\"calls-2026-12.csv\"");
  CHECK(name("?from=2026-11-05&to=2026-11-06") == "attachment; filename=\"calls-2026-11-05.csv\"");
  CHECK(name("?from=2026-11-01&to=2026-11-16&lang=es") ==
        "attachment; filename=\"llamadas-2026-11-01_2026-11-15.csv\"");

  auto res = cli->Get("/api/v1/cdrs.csv?columns=accounting&format=excel&lang=es", Bearer(s.viewer));
  REQUIRE(res);
  REQUIRE(res->status == 200);
  CHECK(res->body.rfind("\xEF\xBB\xBF"
                        "start_time;caller;caller_name;account_id;destination;zone;billsec;price_per_minute;cost;"
                        "charged;disposition\r\n",
                        0) == 0);
  CHECK(res->body.find(";Contestada\r\n") != std::string::npos);
  auto picked = cli->Get("/api/v1/cdrs.csv?columns=caller,cost", Bearer(s.viewer));
  REQUIRE(picked);
  CHECK(picked->body.rfind("caller,cost\r\n1001,", 0) == 0);
  RequireJsonError(cli->Get("/api/v1/cdrs.csv?columns=price", Bearer(s.viewer)), 400);
  RequireJsonError(cli->Get("/api/v1/cdrs.csv?format=xlsx", Bearer(s.viewer)), 400);
  RequireJsonError(cli->Get("/api/v1/cdrs.csv?lang=fr", Bearer(s.viewer)), 400);
}

TEST_CASE("GET /api/v1/exports lists the last runs; status has an export object", "[http][export]") {
  ExportServer s;
  store::ExportRun run;
  run.kind = "daily";
  run.period = "2026-05-27";
  run.file = "/var/lib/tarifador/export/cdrs-2026-05-27.csv";
  run.rows = 12;
  run.sha256 = std::string(64, 'a');
  run.status = "ok";
  run.finished_at = base::Instant::FromSeconds(kT0);
  REQUIRE(s.log_->Record(run).ok());
  auto cli = s.Client();
  auto res = cli->Get("/api/v1/exports", Bearer(s.viewer));
  const auto j = JsonBody(res);
  REQUIRE(res->status == 200);
  CHECK(j["dir"] == "/var/lib/tarifador/export");
  REQUIRE(j["last_runs"].size() == 1);
  CHECK(j["last_runs"][0]["period"] == "2026-05-27");
  CHECK(j["last_runs"][0]["rows"] == 12);
  CHECK(j["last_runs"][0]["status"] == "ok");
  CHECK(j["last_runs"][0]["error"].is_null());
  CHECK(j["next_due"] == base::FormatIso8601(base::Instant::FromSeconds(kT0 + 7200)));

  const auto status = JsonBody(cli->Get("/api/v1/status", Bearer(s.viewer)));
  REQUIRE(status.contains("export"));
  CHECK(status["export"]["last_run"]["period"] == "2026-05-27");
}

TEST_CASE("the export routes answer 503 when the export is not wired", "[http][export]") {
  ExportServer s(false);
  auto cli = s.Client();
  RequireJsonError(cli->Get("/api/v1/cdrs.csv", Bearer(s.viewer)), 503);
  RequireJsonError(cli->Get("/api/v1/exports", Bearer(s.viewer)), 503);
}
