// CDR search, CDR detail and reports over HTTP, against the real server on
// 127.0.0.1 with the real store (writer + read pool over a temp SQLite file)
// and store::CdrQuery wired into BillingServices as app wires it.
#include <httplib.h>

#include <catch2/catch.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/local_time.h"
#include "base/time.h"
#include "billing/authorizer.h"
#include "http/metrics_registry.h"
#include "http/readiness.h"
#include "http/server.h"
#include "http/services.h"
#include "rating/number_normaliser.h"
#include "rating/rate_book.h"
#include "store/audit_store.h"
#include "store/database.h"
#include "store/user_store.h"
#include "test_server.h"
#include "unit/billing/billing_fixtures.h"
#include "unit/store/cdr_fixtures.h"

using namespace tarifador;
using namespace tarifador::http;
using tarifador::http::testing::Bearer;
using tarifador::http::testing::JsonBody;
using tarifador::http::testing::RequireJsonError;
using json = nlohmann::json;

namespace {

constexpr int64_t kT0 = 1'780'000'000;  // 2026-05-28T20:26:40Z
const base::Instant kNow = base::Instant::FromSeconds(kT0 + 3600);

class CdrServer {
 public:
  explicit CdrServer(bool wire_cdrs = true) : clock_(kNow) {
    auto db = store::Database::Open(store_.path, store::OpenMode::kReadWrite);
    REQUIRE(db.ok());
    users_ = std::make_unique<store::UserStore>(std::move(*db), clock_);
    auto db2 = store::Database::Open(store_.path, store::OpenMode::kReadWrite);
    REQUIRE(db2.ok());
    audit_ = std::make_unique<store::AuditStore>(std::move(*db2), clock_);
    rates_.Publish(billing::testing::RetailBook());
    billing::Authorizer::Options options;
    options.default_plan = "retail";
    authorizer_ = std::make_unique<billing::Authorizer>(*store_.repo, rates_, rating::NumberNormaliser(), options);
    billing_ = std::make_unique<BillingServices>(BillingServices{*store_.repo, *authorizer_, {}, {}, {}});
    if (wire_cdrs) billing_->cdrs = store_.query.get();
    auto server = Server::Start(
        ServerOptions{}, ServerDeps{clock_, *users_, *audit_, metrics_, readiness_,
                                    StatusInfo{"9.9.9-test", "abc1234", store_.path, kNow}, nullptr, billing_.get()});
    REQUIRE(server.ok());
    server_ = std::move(*server);
    auto t = users_->CreateToken("reader", store::Role::kViewer, "test");
    REQUIRE(t.ok());
    viewer = t->plaintext;
  }
  ~CdrServer() { server_->Stop(); }

  std::unique_ptr<httplib::Client> Client() const {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    c->set_read_timeout(10, 0);
    return c;
  }
  json Get(const std::string& path, int status = 200) {
    auto res = Client()->Get(path.c_str(), Bearer(viewer));
    REQUIRE(res);
    INFO(path << " -> " << res->body);
    REQUIRE(res->status == status);
    return JsonBody(res);
  }
  // A 400 whose error names `param`.
  void Bad(const std::string& path, const std::string& param) {
    auto res = Client()->Get(path.c_str(), Bearer(viewer));
    INFO(path);
    RequireJsonError(res, 400);
    const std::string error = JsonBody(res)["error"].get<std::string>();
    INFO(error);
    CHECK(error.find("\"" + param + "\"") != std::string::npos);
  }

  store::testing::CdrStore store_;
  std::string viewer;

 private:
  base::FakeClock clock_;
  MetricsRegistry metrics_;
  Readiness readiness_;
  std::unique_ptr<store::UserStore> users_;
  std::unique_ptr<store::AuditStore> audit_;
  rating::RateBookHolder rates_;
  std::unique_ptr<billing::Authorizer> authorizer_;
  std::unique_ptr<BillingServices> billing_;
  std::unique_ptr<Server> server_;
};

void BillSome(store::testing::CdrStore& s) {
  s.Bill(store::testing::MakeCdr("a1", kT0, "1001", 1));
  auto intl = store::testing::MakeCdr("b2", kT0 + 10, "2001", 2);
  intl.zone = "international";
  intl.normalised = "4420712345";
  intl.price_per_minute = base::Money::FromMicros(70'000);
  intl.connection_fee = base::Money::FromMicros(50'000);
  intl.billsec = 95;
  intl.billable_seconds = 100;
  intl.cost = base::Money::FromMicros(166'700);  // 0.05 + 0.07 * 100 / 60 = 0.16666.. rounded up
  s.Bill(intl);
  auto busy = store::testing::MakeCdr("c3", kT0 + 20, "1001", 1);
  busy.disposition = billing::Disposition::kBusy;
  busy.billsec = busy.billable_seconds = busy.billusec = 0;
  busy.answer_us = busy.bridge_us = 0;
  busy.cost = base::Money();
  s.Bill(busy);
}

std::vector<std::string> Uuids(const json& page) {
  std::vector<std::string> out;
  for (const auto& item : page["items"]) out.push_back(item["uuid"].get<std::string>());
  return out;
}

}  // namespace

TEST_CASE("CDR routes: credentials are required, a viewer may read") {
  CdrServer s;
  BillSome(s.store_);
  auto cli = s.Client();
  for (const char* path : {"/api/v1/cdrs", "/api/v1/cdrs/a1", "/api/v1/reports/summary", "/api/v1/reports/hourly"}) {
    INFO(path);
    RequireJsonError(cli->Get(path), 401);
    RequireJsonError(cli->Get(path, Bearer("not-a-token")), 401);
    auto ok = cli->Get(path, Bearer(s.viewer));
    REQUIRE(ok);
    CHECK(ok->status == 200);
  }
}

TEST_CASE("CDR routes: 503 while the CDR query is not wired") {
  CdrServer s(/*wire_cdrs=*/false);
  auto cli = s.Client();
  for (const char* path : {"/api/v1/cdrs", "/api/v1/cdrs/a1", "/api/v1/reports/summary", "/api/v1/reports/hourly"}) {
    INFO(path);
    RequireJsonError(cli->Get(path, Bearer(s.viewer)), 503);
  }
}

TEST_CASE("GET /api/v1/cdrs: filters, JSON fields and pagination") {
  CdrServer s;
  BillSome(s.store_);

  json all = s.Get("/api/v1/cdrs");
  CHECK(Uuids(all) == std::vector<std::string>{"c3", "b2", "a1"});
  CHECK(all["next_cursor"].is_null());
  const json& b2 = all["items"][1];
  CHECK(b2["direction"] == "outbound");
  CHECK(b2["caller"] == "2001");
  CHECK(b2["account_id"] == 2);
  CHECK(b2["zone"] == "international");
  CHECK(b2["normalised_number"] == "4420712345");
  CHECK(b2["price_per_minute"] == "0.0700");
  CHECK(b2["connection_fee"] == "0.0500");
  CHECK(b2["cost"] == "0.1667");
  CHECK(b2["charged"] == "0.1667");
  CHECK(b2["start_time"] == "2026-05-28T20:26:50Z");
  CHECK(b2["answer_time"] == "2026-05-28T20:26:55Z");
  CHECK(b2["linked_uuids"].is_array());
  CHECK(b2["billsec"] == 95);
  CHECK(b2["billable_seconds"] == 100);
  for (const char* key : {"uuid",
                          "linked_uuids",
                          "site_id",
                          "direction",
                          "caller",
                          "caller_name",
                          "account_id",
                          "destination",
                          "normalised_number",
                          "zone",
                          "prefix",
                          "rate_plan",
                          "price_per_minute",
                          "connection_fee",
                          "start_time",
                          "answer_time",
                          "bridge_time",
                          "end_time",
                          "duration",
                          "billsec",
                          "billusec",
                          "billable_seconds",
                          "cost",
                          "charged",
                          "hangup_cause",
                          "disposition",
                          "deny_reason",
                          "gateway"}) {
    CHECK(b2.contains(key));
  }
  CHECK(all["items"][0]["answer_time"].is_null());  // busy: never answered

  CHECK(Uuids(s.Get("/api/v1/cdrs?extension=1001")) == std::vector<std::string>{"c3", "a1"});
  CHECK(Uuids(s.Get("/api/v1/cdrs?account_id=2")) == std::vector<std::string>{"b2"});
  CHECK(Uuids(s.Get("/api/v1/cdrs?zone=international")) == std::vector<std::string>{"b2"});
  CHECK(Uuids(s.Get("/api/v1/cdrs?prefix=44")) == std::vector<std::string>{"b2"});
  CHECK(Uuids(s.Get("/api/v1/cdrs?disposition=busy")) == std::vector<std::string>{"c3"});
  CHECK(Uuids(s.Get("/api/v1/cdrs?direction=inbound")).empty());
  CHECK(Uuids(s.Get("/api/v1/cdrs?min_cost=0.15")) == std::vector<std::string>{"b2"});
  CHECK(Uuids(s.Get("/api/v1/cdrs?from=2026-05-28T20:26:50Z&to=2026-05-28T20:27:00Z")) ==
        std::vector<std::string>{"b2"});
  CHECK(Uuids(s.Get("/api/v1/cdrs?from=2026-05-29")).empty());

  // Pages of one, followed by cursor.
  json page = s.Get("/api/v1/cdrs?limit=1");
  std::vector<std::string> seen = Uuids(page);
  while (!page["next_cursor"].is_null()) {
    page = s.Get("/api/v1/cdrs?limit=1&cursor=" + page["next_cursor"].get<std::string>());
    for (auto& u : Uuids(page)) seen.push_back(u);
  }
  CHECK(seen == std::vector<std::string>{"c3", "b2", "a1"});
}

TEST_CASE("GET /api/v1/cdrs: every bad parameter is a 400 naming it") {
  CdrServer s;
  BillSome(s.store_);
  s.Bad("/api/v1/cdrs?from=yesterday", "from");
  s.Bad("/api/v1/cdrs?from=2026-02-30", "from");
  s.Bad("/api/v1/cdrs?to=2026-13-01", "to");
  s.Bad("/api/v1/cdrs?from=2026-05-02&to=2026-05-01", "to");
  s.Bad("/api/v1/cdrs?from=", "from");
  s.Bad("/api/v1/cdrs?extension=", "extension");
  s.Bad("/api/v1/cdrs?extension=10%2001", "extension");
  s.Bad("/api/v1/cdrs?account_id=0", "account_id");
  s.Bad("/api/v1/cdrs?account_id=-1", "account_id");
  s.Bad("/api/v1/cdrs?account_id=abc", "account_id");
  s.Bad("/api/v1/cdrs?account_id=99999999999999999999999", "account_id");
  s.Bad("/api/v1/cdrs?direction=sideways", "direction");
  s.Bad("/api/v1/cdrs?direction=", "direction");
  s.Bad("/api/v1/cdrs?disposition=lost", "disposition");
  s.Bad("/api/v1/cdrs?zone=", "zone");
  s.Bad("/api/v1/cdrs?zone=" + std::string(65, 'z'), "zone");
  s.Bad("/api/v1/cdrs?prefix=44x", "prefix");
  s.Bad("/api/v1/cdrs?prefix=", "prefix");
  s.Bad("/api/v1/cdrs?min_cost=-1", "min_cost");
  s.Bad("/api/v1/cdrs?min_cost=1e3", "min_cost");
  s.Bad("/api/v1/cdrs?min_cost=0.1234567", "min_cost");
  s.Bad("/api/v1/cdrs?limit=0", "limit");
  s.Bad("/api/v1/cdrs?limit=1001", "limit");
  s.Bad("/api/v1/cdrs?limit=ten", "limit");
  s.Bad("/api/v1/cdrs?cursor=garbage!", "cursor");
  s.Bad("/api/v1/cdrs?cursor=" + std::string(1000, 'A'), "cursor");
  s.Bad("/api/v1/cdrs?cursor=%00%ff", "cursor");
  // Limits at the edges are fine.
  CHECK(s.Get("/api/v1/cdrs?limit=1000")["items"].size() == 3);
  CHECK(s.Get("/api/v1/cdrs?limit=1")["items"].size() == 1);
}

TEST_CASE("GET /api/v1/cdrs/{uuid}: the CDR with its cost breakdown") {
  CdrServer s;
  BillSome(s.store_);
  json b2 = s.Get("/api/v1/cdrs/b2");
  CHECK(b2["uuid"] == "b2");
  const json& bd = b2["breakdown"];
  CHECK(bd["connection_fee"] == "0.0500");
  CHECK(bd["price_per_minute"] == "0.0700");
  CHECK(bd["billsec"] == 95);
  CHECK(bd["billable_seconds"] == 100);
  CHECK(bd["usage"] == "0.116666");  // 0.07 * 100 / 60, truncated to micro-units
  CHECK(bd["cost"] == "0.1667");
  CHECK(bd["charged"] == "0.1667");
  CHECK(bd["uncollected"] == "0.0000");
  CHECK(bd["explanation"].get<std::string>().find("100 billable seconds") != std::string::npos);

  json busy = s.Get("/api/v1/cdrs/c3");
  CHECK(busy["breakdown"]["cost"] == "0.0000");
  CHECK(busy["breakdown"]["explanation"].get<std::string>().find("nothing to charge") != std::string::npos);

  auto cli = s.Client();
  RequireJsonError(cli->Get("/api/v1/cdrs/nope", Bearer(s.viewer)), 404);
  RequireJsonError(cli->Get(("/api/v1/cdrs/" + std::string(200, 'x')).c_str(), Bearer(s.viewer)), 400);
}

TEST_CASE("GET /api/v1/reports/summary and /hourly") {
  const std::string previous_zone = base::OfficeTimeZoneName();
  REQUIRE(base::SetOfficeTimeZone("Europe/Madrid").ok());
  {
    CdrServer s;
    BillSome(s.store_);

    json ext = s.Get("/api/v1/reports/summary?from=2026-05-28&to=2026-05-29&group=extension");
    CHECK(ext["group"] == "extension");
    CHECK(ext["time_zone"] == "Europe/Madrid");
    CHECK(ext["from"] == "2026-05-27T22:00:00Z");  // local midnight, CEST
    CHECK(ext["to"] == "2026-05-28T22:00:00Z");
    REQUIRE(ext["rows"].size() == 2);
    CHECK(ext["rows"][0]["key"] == "2001");  // the dearer first
    CHECK(ext["rows"][0]["name"] == "Cy");
    CHECK(ext["rows"][0]["cost"] == "0.1667");
    CHECK(ext["rows"][1]["key"] == "1001");
    CHECK(ext["rows"][1]["calls"] == 2);
    CHECK(ext["rows"][1]["answered"] == 1);
    CHECK(ext["totals"]["calls"] == 3);
    CHECK(ext["totals"]["billsec"] == 155);
    CHECK(ext["totals"]["cost"] == "0.2667");

    json acc = s.Get("/api/v1/reports/summary?from=2026-05-28&to=2026-05-29&group=account");
    REQUIRE(acc["rows"].size() == 2);
    CHECK(acc["rows"][0]["key"] == "2");
    CHECK(acc["rows"][0]["name"] == "Support");
    json zone = s.Get("/api/v1/reports/summary?from=2026-05-28&to=2026-05-29&group=zone");
    REQUIRE(zone["rows"].size() == 2);
    CHECK(zone["rows"][0]["key"] == "international");

    // Default period: the current local month (kNow is in May 2026).
    json month = s.Get("/api/v1/reports/summary");
    CHECK(month["from"] == "2026-04-30T22:00:00Z");
    CHECK(month["to"] == "2026-05-31T22:00:00Z");
    CHECK(month["totals"]["calls"] == 3);

    s.Bad("/api/v1/reports/summary?group=caller", "group");
    s.Bad("/api/v1/reports/summary?from=soon", "from");
    s.Bad("/api/v1/reports/summary?from=2026-05-29&to=2026-05-28", "to");

    json day = s.Get("/api/v1/reports/hourly?date=2026-05-28");
    CHECK(day["date"] == "2026-05-28");
    CHECK(day["time_zone"] == "Europe/Madrid");
    REQUIRE(day["hours"].size() == 24);
    CHECK(day["hours"][0]["start"] == "2026-05-28T00:00:00+02:00");
    CHECK(day["hours"][22]["start"] == "2026-05-28T22:00:00+02:00");
    CHECK(day["hours"][22]["calls"] == 3);  // 20:26Z = 22:26 local
    CHECK(day["hours"][22]["cost"] == "0.2667");
    CHECK(day["totals"]["calls"] == 3);
    CHECK(day["totals"]["answered"] == 2);
    CHECK(day["totals"]["billsec"] == 155);
    CHECK(s.Get("/api/v1/reports/hourly?date=2026-10-25")["hours"].size() == 25);
    CHECK(s.Get("/api/v1/reports/hourly?date=2026-03-29")["hours"].size() == 23);
    // Default: today, local (kNow is 2026-05-28T23:26 local).
    CHECK(s.Get("/api/v1/reports/hourly")["date"] == "2026-05-28");

    s.Bad("/api/v1/reports/hourly?date=2026-02-30", "date");
    s.Bad("/api/v1/reports/hourly?date=28-05-2026", "date");
    s.Bad("/api/v1/reports/hourly?date=", "date");
    s.Bad("/api/v1/reports/hourly?date=2026-5-28", "date");
  }
  REQUIRE(base::SetOfficeTimeZone(previous_zone).ok());
}
