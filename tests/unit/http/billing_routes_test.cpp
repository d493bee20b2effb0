// Billing over HTTP: accounts, recharges, the ledger, extensions, authorize
// and active calls, against the real server on 127.0.0.1 with the real
// SQLite billing repository (writer + read pool over a temp file), a real
// Authorizer over a live rate book, and a fixed active-calls snapshot (the
// seam app fills from the billing thread).
#include <SQLiteCpp/SQLiteCpp.h>
#include <httplib.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/password.h"
#include "base/time.h"
#include "billing/authorizer.h"
#include "billing/call_tracker.h"
#include "http/metrics_registry.h"
#include "http/readiness.h"
#include "http/server.h"
#include "http/services.h"
#include "rating/number_normaliser.h"
#include "rating/rate_book.h"
#include "store/audit_store.h"
#include "store/billing_repository.h"
#include "store/database.h"
#include "store/pin_store.h"
#include "store/read_pool.h"
#include "store/user_store.h"
#include "store/writer.h"
#include "test_server.h"
#include "test_support/temp_dir.h"
#include "unit/billing/billing_fixtures.h"

using namespace tarifador;
using namespace tarifador::http;
using tarifador::http::testing::Bearer;
using tarifador::http::testing::JsonBody;
using tarifador::http::testing::kPassword;
using tarifador::http::testing::RequireJsonError;
using json = nlohmann::json;

namespace {

const base::Instant kNow = base::Instant::FromSeconds(1'800'000'000);

// A server with billing wired as app wires it, over its own store.
class BillingServer {
 public:
  explicit BillingServer(bool wire_billing = true) : clock_(kNow) {
    path_ = dir_.path() + "/billing.db";
    auto writer = store::Writer::Start(path_);
    REQUIRE(writer.ok());
    writer_ = std::move(*writer);
    reads_ = std::make_unique<store::ReadPool>(path_);
    repo_ = std::make_unique<store::BillingRepository>(*writer_, *reads_);
    auto db = store::Database::Open(path_, store::OpenMode::kReadWrite);
    REQUIRE(db.ok());
    users_ = std::make_unique<store::UserStore>(std::move(*db), clock_);
    auto db2 = store::Database::Open(path_, store::OpenMode::kReadWrite);
    REQUIRE(db2.ok());
    audit_ = std::make_unique<store::AuditStore>(std::move(*db2), clock_);
    rates_.Publish(billing::testing::RetailBook());
    billing::Authorizer::Options options;
    options.default_plan = "retail";
    authorizer_ = std::make_unique<billing::Authorizer>(*repo_, rates_, rating::NumberNormaliser(), options);
    billing_ = std::make_unique<BillingServices>(BillingServices{*repo_,
                                                                 *authorizer_,
                                                                 [this] { return ListCalls(); },
                                                                 {},
                                                                 [this] {
                                                                   LinkInfo link;
                                                                   link.state = "up";
                                                                   std::lock_guard lock(calls_mu_);
                                                                   link.clock_offset_us = clock_offset_us_;
                                                                   return link;
                                                                 }});
    alerts_ = std::make_unique<store::AlertStore>(*writer_, *reads_);
    billing_->alerts = alerts_.get();
    pins_ = std::make_unique<store::PinStore>(*writer_, *reads_);
    billing_->pins = pins_.get();
    auto server = Server::Start(ServerOptions{}, ServerDeps{clock_, *users_, *audit_, metrics_, readiness_,
                                                            StatusInfo{"9.9.9-test", "abc1234", path_, kNow}, nullptr,
                                                            wire_billing ? billing_.get() : nullptr});
    REQUIRE(server.ok());
    server_ = std::move(*server);
    admin = Token("admin-bot", store::Role::kAdmin);
    op = Token("till", store::Role::kOperator);
    viewer = Token("dialplan", store::Role::kViewer);
  }
  ~BillingServer() {
    server_->Stop();
    writer_->Shutdown();
  }

  std::unique_ptr<httplib::Client> Client() const {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    c->set_read_timeout(10, 0);
    return c;
  }
  std::string Token(const std::string& name, store::Role role) {
    auto t = users_->CreateToken(name, role, "test");
    REQUIRE(t.ok());
    return t->plaintext;
  }
  void AddUser(const std::string& name, store::Role role) {
    auto hash = base::HashPassword(kPassword);
    REQUIRE(hash.ok());
    REQUIRE(users_->AddUser(name, role, *hash, "test").ok());
  }
  std::vector<store::AuditEntry> Audit(const std::string& action) {
    auto rows = audit_->List(1000, action);
    REQUIRE(rows.ok());
    return *rows;
  }
  int64_t Count(const std::string& sql) {
    auto lease = reads_->Acquire();
    REQUIRE(lease.ok());
    return lease->sql().execAndGet(sql).getInt64();
  }
  // Everything a rejected request must leave alone.
  std::string Snapshot() {
    std::string out;
    for (const char* table : {"accounts", "extensions", "ledger", "audit_log"}) {
      out += table;
      out += '=';
      out += std::to_string(Count(std::string("SELECT count(*) FROM ") + table));
      out += ' ';
    }
    out += "balances=";
    out += std::to_string(Count("SELECT coalesce(sum(balance_micros), 0) FROM accounts"));
    out += " ext=";
    auto lease = reads_->Acquire();
    REQUIRE(lease.ok());
    SQLite::Statement st(lease->sql(),
                         "SELECT number || name || account_id || coalesce(rate_plan, '-') || enabled FROM extensions "
                         "ORDER BY number");
    while (st.executeStep()) out += st.getColumn(0).getString() + ";";
    return out;
  }

  store::BillingRepository& repo() { return *repo_; }
  bool RaiseAlert(const store::NewAlert& alert) {
    return writer_
        ->Run([&](SQLite::Database& db) {
          store::RaiseAlertIn(db, alert, clock_.Now());
          return base::Status::Ok();
        })
        .ok();
  }
  base::FakeClock& clock() { return clock_; }
  base::Result<std::vector<billing::CallTracker::ActiveCall>> ListCalls() {
    std::lock_guard lock(calls_mu_);
    if (calls_unavailable_) return base::Unavailable("the billing thread did not answer within 2000 ms");
    return calls_;
  }
  // The billing thread does not answer (the seam fails).
  void SetCallsUnavailable(bool unavailable) {
    std::lock_guard lock(calls_mu_);
    calls_unavailable_ = unavailable;
  }
  // FreeSWITCH's clock minus the box's, as the link reports it.
  void SetClockOffset(std::optional<int64_t> us) {
    std::lock_guard lock(calls_mu_);
    clock_offset_us_ = us;
  }
  // The snapshot the active-calls seam returns (read on HTTP workers).
  void SetCalls(std::vector<billing::CallTracker::ActiveCall> calls) {
    std::lock_guard lock(calls_mu_);
    calls_ = std::move(calls);
  }

  // What app wires from the configuration (billing.max_recharge); set
  // before the requests that depend on it.
  BillingServices& billing() { return *billing_; }

  std::string admin;
  std::string op;
  std::string viewer;

 private:
  std::mutex calls_mu_;
  std::vector<billing::CallTracker::ActiveCall> calls_;
  bool calls_unavailable_ = false;
  std::optional<int64_t> clock_offset_us_;
  test_support::TempDir dir_;
  std::string path_;
  base::FakeClock clock_;
  MetricsRegistry metrics_;
  Readiness readiness_;
  std::unique_ptr<store::Writer> writer_;
  std::unique_ptr<store::ReadPool> reads_;
  std::unique_ptr<store::BillingRepository> repo_;
  std::unique_ptr<store::UserStore> users_;
  std::unique_ptr<store::AuditStore> audit_;
  rating::RateBookHolder rates_;
  std::unique_ptr<billing::Authorizer> authorizer_;
  std::unique_ptr<store::AlertStore> alerts_;
  std::unique_ptr<store::PinStore> pins_;
  std::unique_ptr<BillingServices> billing_;
  std::unique_ptr<Server> server_;
};

httplib::Result PostJson(httplib::Client& cli, const std::string& token, const std::string& path, const json& body,
                         httplib::Headers extra = {}) {
  httplib::Headers h = Bearer(token);
  h.insert(extra.begin(), extra.end());
  return cli.Post(path.c_str(), h, body.dump(), "application/json");
}

httplib::Result PostRaw(httplib::Client& cli, const std::string& token, const std::string& path,
                        const std::string& body) {
  return cli.Post(path.c_str(), Bearer(token), body, "application/json");
}

httplib::Result Get(httplib::Client& cli, const std::string& token, const std::string& path) {
  return cli.Get(path.c_str(), Bearer(token));
}

json Ok(const httplib::Result& res, int status = 200) {
  REQUIRE(res);
  INFO("body: " << res->body);
  REQUIRE(res->status == status);
  return JsonBody(res);
}

// An error status whose message contains `part`.
void Error(const httplib::Result& res, int status, const std::string& part) {
  RequireJsonError(res, status);
  INFO("body: " << res->body);
  CHECK(JsonBody(res)["error"].get<std::string>().find(part) != std::string::npos);
}

int64_t CreateAccount(BillingServer& s, httplib::Client& cli, const json& body) {
  const json a = Ok(PostJson(cli, s.admin, "/api/v1/accounts", body), 201);
  return a["id"].get<int64_t>();
}

json Recharge(BillingServer& s, httplib::Client& cli, int64_t id, const std::string& amount, int status = 201,
              httplib::Headers extra = {}) {
  return Ok(PostJson(cli, s.op, "/api/v1/accounts/" + std::to_string(id) + "/recharges", {{"amount", amount}}, extra),
            status);
}

}  // namespace

TEST_CASE("Accounts are created, read and listed with money as decimal strings", "[http][billing]") {
  BillingServer s;
  auto cli = s.Client();
  auto res = PostJson(*cli, s.admin, "/api/v1/accounts",
                      {{"name", "Sales"}, {"type", "postpaid"}, {"credit_limit", "50.5"}, {"monthly_budget", "200"}});
  const json a = Ok(res, 201);
  CHECK(res->get_header_value("Location") == "/api/v1/accounts/" + std::to_string(a["id"].get<int64_t>()));
  CHECK(a == json{{"id", a["id"]},
                  {"name", "Sales"},
                  {"type", "postpaid"},
                  {"credit_limit", "50.5000"},
                  {"monthly_budget", "200.0000"},
                  {"budget_mode", "block"},
                  {"budget_warn_percent", 80},
                  {"low_balance", nullptr},
                  {"balance", "0.0000"},
                  {"reserved", "0.0000"},
                  {"available", "50.5000"},
                  {"callable", "50.5000"},
                  {"budget",
                   {{"month", "2027-01"},
                    {"budget", "200.0000"},
                    {"spent", "0.0000"},
                    {"reserved", "0.0000"},
                    {"left", "200.0000"},
                    {"used_percent", 0},
                    {"state", "ok"}}},
                  {"daily_limit", nullptr},
                  {"daily", nullptr},
                  {"created_at", "2027-01-15T08:00:00Z"},
                  {"updated_at", "2027-01-15T08:00:00Z"}});
  CHECK(Ok(Get(*cli, s.viewer, "/api/v1/accounts/" + std::to_string(a["id"].get<int64_t>()))) == a);

  const json b = Ok(PostJson(*cli, s.admin, "/api/v1/accounts", {{"name", "Reception"}, {"type", "prepaid"}}), 201);
  CHECK(b["credit_limit"] == "0.0000");
  CHECK(b["monthly_budget"].is_null());
  CHECK(b["budget"].is_null());
  CHECK(b["available"] == "0.0000");
  CreateAccount(s, *cli, {{"name", "Guests"}, {"type", "prepaid"}, {"credit_limit", "0"}, {"monthly_budget", nullptr}});

  // Pages by id.
  const json page1 = Ok(Get(*cli, s.viewer, "/api/v1/accounts?limit=2"));
  REQUIRE(page1["items"].size() == 2);
  CHECK(page1["items"][0] == a);
  CHECK(page1["items"][1]["name"] == "Reception");
  REQUIRE(page1["next_cursor"].is_string());
  const json page2 =
      Ok(Get(*cli, s.viewer, "/api/v1/accounts?limit=2&cursor=" + page1["next_cursor"].get<std::string>()));
  REQUIRE(page2["items"].size() == 1);
  CHECK(page2["items"][0]["name"] == "Guests");
  CHECK(page2["next_cursor"].is_null());
  CHECK(Ok(Get(*cli, s.viewer, "/api/v1/accounts"))["items"].size() == 3);
  CHECK(Ok(Get(*cli, s.viewer, "/api/v1/accounts?after=" + page1["next_cursor"].get<std::string>()))["items"] ==
        page2["items"]);

  // Audited in the same transaction, the caller as actor.
  const auto audit = s.Audit("account.create");
  REQUIRE(audit.size() == 3);
  CHECK(audit.back().actor == "token:admin-bot");
  CHECK(audit.back().target == "account:" + std::to_string(a["id"].get<int64_t>()));

  Error(Get(*cli, s.viewer, "/api/v1/accounts/999"), 404, "no account 999");
  Error(Get(*cli, s.viewer, "/api/v1/accounts/abc"), 400, "not a positive whole number");
  Error(Get(*cli, s.viewer, "/api/v1/accounts/0"), 400, "not a positive whole number");
  Error(Get(*cli, s.viewer, "/api/v1/accounts/99999999999999999999999"), 400, "not a positive whole number");
  Error(Get(*cli, s.viewer, "/api/v1/accounts?limit=0"), 400, "limit");
  Error(Get(*cli, s.viewer, "/api/v1/accounts?limit=1001"), 400, "limit");
  Error(Get(*cli, s.viewer, "/api/v1/accounts?cursor=x"), 400, "cursor");
  Error(Get(*cli, s.viewer, "/api/v1/accounts?cursor=1&after=2"), 400, "mean the same");
}

TEST_CASE("An admin changes an account's budget; the account shows what is left", "[http][billing][budget]") {
  BillingServer s;
  auto cli = s.Client();
  const int64_t id = CreateAccount(s, *cli, {{"name", "Sales"}, {"type", "prepaid"}, {"monthly_budget", "10"}});
  Recharge(s, *cli, id, "100");
  const std::string path = "/api/v1/accounts/" + std::to_string(id);
  const auto patch = [&](const std::string& token, const json& body) {
    return cli->Patch(path.c_str(), Bearer(token), body.dump(), "application/json");
  };
  json a = Ok(patch(s.admin, {{"monthly_budget", "4"}, {"budget_warn_percent", 50}, {"name", "Sales team"}}));
  CHECK(a["name"] == "Sales team");
  CHECK(a["monthly_budget"] == "4.0000");
  CHECK(a["budget_warn_percent"] == 50);
  CHECK(a["available"] == "100.0000");
  CHECK(a["callable"] == "4.0000");

  // A live call holds 2.5 of it: 62 % used, past the 50 % warning.
  REQUIRE(s.repo()
              .Reserve({billing::CallId{"u-1"}, billing::AccountId{id}, billing::testing::M("2.5"), 60, s.clock().Now(),
                        s.clock().Now()})
              .ok());
  a = Ok(Get(*cli, s.viewer, path));
  CHECK(a["budget"]["left"] == "1.5000");
  CHECK(a["budget"]["used_percent"] == 62);
  CHECK(a["budget"]["state"] == "warning");
  CHECK(a["callable"] == "1.5000");
  a = Ok(patch(s.admin, {{"monthly_budget", "2.5"}}));
  CHECK(a["budget"]["state"] == "reached");
  CHECK(a["budget"]["used_percent"] == 100);
  a = Ok(patch(s.admin, {{"budget_mode", "alert"}}));
  CHECK(a["callable"] == "97.5000");  // alert only: the budget no longer limits calls
  a = Ok(patch(s.admin, {{"monthly_budget", nullptr}}));
  CHECK(a["budget"].is_null());
  CHECK(a["monthly_budget"].is_null());
  CHECK(s.Audit("account.update").size() == 4);

  const std::string before = s.Snapshot();
  Error(patch(s.admin, json::object()), 400, "nothing to change");
  Error(patch(s.admin, {{"budget_mode", "warn"}}), 400, "\"budget_mode\" must be \"block\" or \"alert\"");
  Error(patch(s.admin, {{"budget_warn_percent", 0}}), 400,
        "\"budget_warn_percent\" must be a whole number from 1 to 100");
  Error(patch(s.admin, {{"budget_warn_percent", 50.5}}), 400, "budget_warn_percent");
  Error(patch(s.admin, {{"monthly_budget", "-1"}}), 400, "negative");
  Error(patch(s.admin, {{"credit_limit", "5"}}), 400, "prepaid");
  Error(patch(s.admin, {{"type", "postpaid"}}), 400, "unknown field \"type\"");
  CHECK(s.Snapshot() == before);
  CreateAccount(s, *cli, {{"name", "Support"}, {"type", "prepaid"}});
  Error(patch(s.admin, {{"name", "Support"}}), 409, "taken");
  Error(cli->Patch("/api/v1/accounts/999", Bearer(s.admin), R"({"name":"x"})", "application/json"), 404,
        "no account 999");
  RequireJsonError(patch(s.op, {{"name", "x"}}), 403);
  RequireJsonError(patch(s.viewer, {{"name", "x"}}), 403);
  CHECK(s.Audit("account.update").size() == 4);
}

TEST_CASE("Alerts are listed for viewers and acknowledged by operators", "[http][billing][budget]") {
  BillingServer s;
  auto cli = s.Client();
  const int64_t id = CreateAccount(s, *cli, {{"name", "Sales"}, {"type", "prepaid"}});
  Recharge(s, *cli, id, "100");
  json list = Ok(Get(*cli, s.viewer, "/api/v1/alerts"));
  CHECK(list == json{{"items", json::array()}, {"next_cursor", nullptr}, {"open_count", 0}});
  // The call already charged this month is above a new budget of 0: reached at once.
  billing::Cdr cdr;
  cdr.uuid = billing::CallId{"u-1"};
  cdr.account_id = billing::AccountId{id};
  cdr.start_us = s.clock().Now().micros();
  cdr.cost = billing::testing::M("2.5");
  cdr.disposition = billing::Disposition::kAnswered;
  REQUIRE(s.repo().BillCall(cdr, s.clock().Now()).ok());
  const std::string path = "/api/v1/accounts/" + std::to_string(id);
  Ok(cli->Patch(path.c_str(), Bearer(s.admin), R"({"monthly_budget":"2","budget_mode":"alert"})", "application/json"));
  list = Ok(Get(*cli, s.viewer, "/api/v1/alerts"));
  REQUIRE(list["items"].size() == 1);
  CHECK(list["open_count"] == 1);
  const json alert = list["items"][0];
  CHECK(alert["kind"] == "budget_reached");
  CHECK(alert["severity"] == "critical");
  CHECK(alert["account_id"] == id);
  CHECK(alert["detail"]["spent"] == "2.5000");
  CHECK(alert["message"] == "Sales: monthly budget of 2.00 reached in 2027-01 (alert only: calls go on).");
  CHECK(alert["acknowledged_at"].is_null());
  const std::string ack = "/api/v1/alerts/" + std::to_string(alert["id"].get<int64_t>()) + "/acknowledge";
  RequireJsonError(PostRaw(*cli, s.viewer, ack, ""), 403);
  const json done = Ok(PostRaw(*cli, s.op, ack, ""));
  CHECK(done["acknowledged_by"] == "token:till");
  CHECK(done["acknowledged_at"] == "2027-01-15T08:00:00Z");
  CHECK(Ok(Get(*cli, s.viewer, "/api/v1/alerts"))["items"].empty());
  CHECK(Ok(Get(*cli, s.viewer, "/api/v1/alerts?state=all"))["items"].size() == 1);
  CHECK(s.Audit("alert.acknowledge").size() == 1);
  Error(PostRaw(*cli, s.op, "/api/v1/alerts/99/acknowledge", ""), 404, "no alert 99");
  Error(PostRaw(*cli, s.op, "/api/v1/alerts/x/acknowledge", ""), 400, "alert id \"x\" is not a positive whole number");
  Error(Get(*cli, s.viewer, "/api/v1/alerts?state=closed"), 400, "\"state\" must be \"open\" or \"all\"");

  // A box-wide alert: no account, its sentence from its figures.
  REQUIRE(s.RaiseAlert(
      {"link_down", "critical", "link_down:1", std::nullopt,
       R"({"address":"127.0.0.1:8021","since":"2027-01-15T07:58:00Z","last_error":"connection refused"})"}));
  const json link = Ok(Get(*cli, s.viewer, "/api/v1/alerts"))["items"][0];
  CHECK(link["account_id"].is_null());
  CHECK(link["message"] ==
        "FreeSWITCH event socket 127.0.0.1:8021 down since 2027-01-15T07:58:00Z: connection refused; calls are not "
        "billed live until it is back.");
}

TEST_CASE("A bad account body gets 400 naming every problem and creates nothing", "[http][billing]") {
  BillingServer s;
  auto cli = s.Client();
  CreateAccount(s, *cli, {{"name", "Sales"}, {"type", "prepaid"}});
  const std::string before = s.Snapshot();

  Error(PostRaw(*cli, s.admin, "/api/v1/accounts", "{\"name\": "), 400, "not valid JSON");
  Error(PostRaw(*cli, s.admin, "/api/v1/accounts", "[1, 2]"), 400, "JSON object");
  Error(PostJson(*cli, s.admin, "/api/v1/accounts", json::object()), 400, "missing field \"name\"");
  // Every problem at once.
  auto many =
      PostJson(*cli, s.admin, "/api/v1/accounts",
               {{"name", 5}, {"type", "gold"}, {"credit_limit", 10}, {"monthly_budget", "-5"}, {"colour", "red"}});
  RequireJsonError(many, 400);
  const std::string message = JsonBody(many)["error"];
  CHECK(message.find("field \"name\" must be a string") != std::string::npos);
  CHECK(message.find("\"type\" must be \"prepaid\" or \"postpaid\" (got \"gold\")") != std::string::npos);
  CHECK(message.find("never a JSON number") != std::string::npos);
  CHECK(message.find("field \"monthly_budget\" \"-5\" is negative") != std::string::npos);
  CHECK(message.find("unknown field \"colour\"") != std::string::npos);

  const json base = {{"name", "Office"}, {"type", "postpaid"}};
  const auto with = [&](const char* key, const json& value) {
    json b = base;
    b[key] = value;
    return PostJson(*cli, s.admin, "/api/v1/accounts", b);
  };
  Error(with("credit_limit", "1.1234567"), 400, "more than 6 decimal places");
  Error(with("credit_limit", "1000000000.000001"), 400, "is more than 1000000000");
  Error(with("credit_limit", "99999999999999999999999999"), 400, "is more than 1000000000");
  Error(with("credit_limit", "1e3"), 400, "decimal string");
  Error(with("credit_limit", " 5"), 400, "decimal string");
  Error(with("credit_limit", "5."), 400, "decimal string");
  Error(with("credit_limit", ""), 400, "decimal string");
  Error(with("name", ""), 400, "\"name\" must be 1 to 128 characters");
  Error(with("name", std::string(129, 'x')), 400, "\"name\" must be 1 to 128 characters");
  Error(with("name", "Tab\there"), 400, "control characters");
  Error(with("type", nullptr), 400, "missing field \"type\"");
  Error(PostJson(*cli, s.admin, "/api/v1/accounts", {{"name", "P"}, {"type", "prepaid"}, {"credit_limit", "5"}}), 400,
        "prepaid");
  Error(PostJson(*cli, s.admin, "/api/v1/accounts", {{"name", "Sales"}, {"type", "postpaid"}}), 409, "taken");
  CHECK(s.Snapshot() == before);
}

TEST_CASE("Recharges move money once per idempotency key and are audited", "[http][billing]") {
  BillingServer s;
  auto cli = s.Client();
  const int64_t id = CreateAccount(s, *cli, {{"name", "Reception"}, {"type", "prepaid"}});
  const std::string path = "/api/v1/accounts/" + std::to_string(id) + "/recharges";

  const json first =
      Ok(PostJson(*cli, s.op, path, {{"amount", "10.50"}, {"note", "cash"}}, {{"Idempotency-Key", "till-0001"}}), 201);
  CHECK(first["replayed"] == false);
  CHECK(first["entry"]["kind"] == "recharge");
  CHECK(first["entry"]["amount"] == "10.5000");
  CHECK(first["entry"]["balance_after"] == "10.5000");
  CHECK(first["entry"]["actor"] == "token:till");
  CHECK(first["entry"]["reason"] == "cash");
  CHECK(first["entry"]["idempotency_key"] == "till-0001");
  CHECK(first["entry"]["call_uuid"].is_null());
  CHECK(first["entry"]["at"] == "2027-01-15T08:00:00Z");
  CHECK(first["account"]["balance"] == "10.5000");
  CHECK(first["account"]["available"] == "10.5000");

  // A retry with the same key: the first row again, no money moved.
  const json again =
      Ok(PostJson(*cli, s.op, path, {{"amount", "10.50"}, {"note", "cash"}}, {{"Idempotency-Key", "till-0001"}}), 200);
  CHECK(again["replayed"] == true);
  CHECK(again["entry"] == first["entry"]);
  CHECK(again["account"]["balance"] == "10.5000");
  // The key for another amount is refused.
  Error(PostJson(*cli, s.op, path, {{"amount", "99"}}, {{"Idempotency-Key", "till-0001"}}), 409, "till-0001");

  // Without a key every request is a new recharge.
  Recharge(s, *cli, id, "0.000001");
  const json third = Recharge(s, *cli, id, "1");
  CHECK(third["account"]["balance"] == "11.500001");
  CHECK(s.Count("SELECT count(*) FROM ledger") == 3);

  const auto audit = s.Audit("ledger.recharge");
  REQUIRE(audit.size() == 3);
  CHECK(audit.back().actor == "token:till");
  CHECK(audit.back().target == "account:" + std::to_string(id));
  CHECK(audit.back().detail.find("\"amount\":\"10.5000\"") != std::string::npos);

  // The ledger, oldest first, in pages.
  const std::string ledger = "/api/v1/accounts/" + std::to_string(id) + "/ledger";
  const json page1 = Ok(Get(*cli, s.viewer, ledger + "?limit=2"));
  CHECK(page1["account_id"] == id);
  REQUIRE(page1["items"].size() == 2);
  CHECK(page1["items"][0] == first["entry"]);
  CHECK(page1["items"][1]["amount"] == "0.000001");
  REQUIRE(page1["next_cursor"].is_string());
  const json page2 = Ok(Get(*cli, s.viewer, ledger + "?limit=2&after=" + page1["next_cursor"].get<std::string>()));
  REQUIRE(page2["items"].size() == 1);
  CHECK(page2["items"][0] == third["entry"]);
  CHECK(page2["next_cursor"].is_null());
  CHECK(Ok(Get(*cli, s.viewer, ledger))["items"].size() == 3);
  // Newest first, paging towards older rows.
  const json newest = Ok(Get(*cli, s.viewer, ledger + "?order=newest&limit=2"));
  REQUIRE(newest["items"].size() == 2);
  CHECK(newest["items"][0] == third["entry"]);
  CHECK(newest["items"][1]["amount"] == "0.000001");
  REQUIRE(newest["next_cursor"].is_string());
  const json older =
      Ok(Get(*cli, s.viewer, ledger + "?order=newest&limit=2&cursor=" + newest["next_cursor"].get<std::string>()));
  REQUIRE(older["items"].size() == 1);
  CHECK(older["items"][0] == first["entry"]);
  CHECK(older["next_cursor"].is_null());
  Error(Get(*cli, s.viewer, ledger + "?order=latest"), 400, "\"oldest\" or \"newest\"");
  Error(Get(*cli, s.viewer, "/api/v1/accounts/999/ledger"), 404, "no account 999");
  Error(Get(*cli, s.viewer, ledger + "?limit=abc"), 400, "limit");
  Error(Get(*cli, s.viewer, ledger + "?after=-1"), 400, "cursor");
}

TEST_CASE("A bad recharge gets a clear error and moves nothing", "[http][billing]") {
  BillingServer s;
  auto cli = s.Client();
  const int64_t id = CreateAccount(s, *cli, {{"name", "Reception"}, {"type", "prepaid"}});
  Recharge(s, *cli, id, "5", 201, {{"Idempotency-Key", "k1"}});
  const std::string path = "/api/v1/accounts/" + std::to_string(id) + "/recharges";
  const std::string before = s.Snapshot();

  Error(PostJson(*cli, s.op, path, {{"amount", 10}}), 400, "never a JSON number");
  Error(PostJson(*cli, s.op, path, {{"amount", "0"}}), 400, "must be a positive decimal string");
  Error(PostJson(*cli, s.op, path, {{"amount", "-5"}}), 400, "is negative");
  Error(PostJson(*cli, s.op, path, {{"amount", "1.0000001"}}), 400, "more than 6 decimal places");
  Error(PostJson(*cli, s.op, path, {{"amount", "1000000001"}}), 400, "more than 1000000000");
  Error(PostJson(*cli, s.op, path, {{"amount", std::string(5000, '9')}}), 400, "more than 1000000000");
  Error(PostJson(*cli, s.op, path, {{"amount", "ten"}}), 400, "decimal string");
  Error(PostJson(*cli, s.op, path, json::object()), 400, "missing field \"amount\"");
  Error(PostJson(*cli, s.op, path, {{"amount", "5"}, {"note", 7}}), 400, "\"note\" must be a string");
  Error(PostJson(*cli, s.op, path, {{"amount", "5"}, {"note", std::string(257, 'n')}}), 400, "\"note\"");
  Error(PostJson(*cli, s.op, path, {{"amount", "5"}, {"kind", "refund"}}), 400, "unknown field \"kind\"");
  Error(PostRaw(*cli, s.op, path, "amount=5"), 400, "not valid JSON");
  Error(PostJson(*cli, s.op, path, {{"amount", "5"}}, {{"Idempotency-Key", std::string(129, 'k')}}), 400,
        "Idempotency-Key");
  Error(PostJson(*cli, s.op, path, {{"amount", "6"}}, {{"Idempotency-Key", "k1"}}), 409, "k1");
  Error(PostJson(*cli, s.op, "/api/v1/accounts/999/recharges", {{"amount", "5"}}), 404, "no account 999");
  Error(PostJson(*cli, s.op, "/api/v1/accounts/x1/recharges", {{"amount", "5"}}), 400, "not a positive whole number");
  CHECK(s.Snapshot() == before);
}

TEST_CASE("Roles: viewers read, operators recharge, admins create, sessions need the CSRF header", "[http][billing]") {
  BillingServer s;
  auto cli = s.Client();
  const int64_t id = CreateAccount(s, *cli, {{"name", "Reception"}, {"type", "prepaid"}});
  const std::string recharge = "/api/v1/accounts/" + std::to_string(id) + "/recharges";
  const std::string before = s.Snapshot();

  RequireJsonError(PostJson(*cli, s.viewer, recharge, {{"amount", "5"}}), 403);
  RequireJsonError(PostJson(*cli, s.viewer, "/api/v1/accounts", {{"name", "X"}, {"type", "prepaid"}}), 403);
  RequireJsonError(PostJson(*cli, s.op, "/api/v1/accounts", {{"name", "X"}, {"type", "prepaid"}}), 403);
  RequireJsonError(PostJson(*cli, s.op, "/api/v1/extensions", {{"number", "1001"}, {"name", ""}, {"account_id", id}}),
                   403);
  RequireJsonError(cli->Put("/api/v1/extensions/1001", Bearer(s.op), "{}", "application/json"), 403);
  RequireJsonError(cli->Get("/api/v1/accounts"), 401);
  RequireJsonError(cli->Get("/api/v1/authorize?caller=1001&destination=44"), 401);
  CHECK(s.Snapshot() == before);

  // A logged-in operator recharges with the CSRF header, not without it.
  s.AddUser("olga", store::Role::kOperator);
  auto login =
      cli->Post("/api/v1/session", json{{"username", "olga"}, {"password", kPassword}}.dump(), "application/json");
  const json session = Ok(login);
  const std::string set_cookie = login->get_header_value("Set-Cookie");
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  const std::string body = json{{"amount", "5"}}.dump();
  const std::string logged_in = s.Snapshot();  // adding the user and logging in are audited
  Error(cli->Post(recharge.c_str(), {{"Cookie", cookie}}, body, "application/json"), 403, "X-CSRF-Token");
  CHECK(s.Snapshot() == logged_in);
  auto ok =
      cli->Post(recharge.c_str(), {{"Cookie", cookie}, {"X-CSRF-Token", session["csrf_token"].get<std::string>()}},
                body, "application/json");
  CHECK(Ok(ok, 201)["entry"]["actor"] == "user:olga");
}

// An extension's "guards" while every guard is the box's.
const json kBoxWideGuards = {{"max_price_per_minute", nullptr}, {"max_call_cost", nullptr},
                             {"max_concurrent_calls", nullptr}, {"max_calls_per_hour", nullptr},
                             {"max_repeats_per_hour", nullptr}, {"international_any_time", false}};

TEST_CASE("Extensions are created, listed, read and replaced", "[http][billing]") {
  BillingServer s;
  auto cli = s.Client();
  const int64_t office = CreateAccount(s, *cli, {{"name", "Office"}, {"type", "prepaid"}});
  const int64_t sales = CreateAccount(s, *cli, {{"name", "Sales"}, {"type", "prepaid"}});

  auto created = PostJson(*cli, s.admin, "/api/v1/extensions",
                          {{"number", "1001"}, {"name", "Alice"}, {"account_id", office}, {"rate_plan", "retail"}});
  const json alice = Ok(created, 201);
  CHECK(created->get_header_value("Location") == "/api/v1/extensions/1001");
  CHECK(alice == json{{"number", "1001"},
                      {"name", "Alice"},
                      {"account_id", office},
                      {"rate_plan", "retail"},
                      {"enabled", true},
                      {"guards", kBoxWideGuards}});
  Ok(PostJson(*cli, s.admin, "/api/v1/extensions",
              {{"number", "200"}, {"name", "Bob"}, {"account_id", sales}, {"enabled", false}}),
     201);
  Ok(PostJson(*cli, s.admin, "/api/v1/extensions", {{"number", "1002"}, {"name", ""}, {"account_id", office}}), 201);
  CHECK(Ok(Get(*cli, s.viewer, "/api/v1/extensions/1001")) == alice);

  const json page1 = Ok(Get(*cli, s.viewer, "/api/v1/extensions?limit=2"));
  REQUIRE(page1["items"].size() == 2);
  CHECK(page1["items"][0]["number"] == "1001");
  CHECK(page1["items"][1]["number"] == "1002");
  CHECK(page1["next_cursor"] == "1002");
  const json page2 = Ok(Get(*cli, s.viewer, "/api/v1/extensions?limit=2&cursor=1002"));
  REQUIRE(page2["items"].size() == 1);
  CHECK(page2["items"][0] == json{{"number", "200"},
                                  {"name", "Bob"},
                                  {"account_id", sales},
                                  {"rate_plan", nullptr},
                                  {"enabled", false},
                                  {"guards", kBoxWideGuards}});
  CHECK(page2["next_cursor"].is_null());

  // PUT replaces the whole extension: absent optional fields take defaults.
  const json moved = Ok(cli->Put("/api/v1/extensions/1001", Bearer(s.admin),
                                 json{{"name", "Alice B"}, {"account_id", sales}}.dump(), "application/json"));
  CHECK(moved == json{{"number", "1001"},
                      {"name", "Alice B"},
                      {"account_id", sales},
                      {"rate_plan", nullptr},
                      {"enabled", true},
                      {"guards", kBoxWideGuards}});
  CHECK(Ok(Get(*cli, s.viewer, "/api/v1/extensions/1001")) == moved);
  Ok(cli->Put("/api/v1/extensions/1001", Bearer(s.admin),
              json{{"number", "1001"}, {"name", "Alice B"}, {"account_id", sales}, {"enabled", false}}.dump(),
              "application/json"));
  CHECK(Ok(Get(*cli, s.viewer, "/api/v1/extensions/1001"))["enabled"] == false);

  CHECK(s.Audit("extension.create").size() == 3);
  const auto puts = s.Audit("extension.put");
  REQUIRE(puts.size() == 2);
  CHECK(puts.front().actor == "token:admin-bot");
  CHECK(puts.front().target == "extension:1001");
}

TEST_CASE("A bad extension request gets a clear error and changes nothing", "[http][billing]") {
  BillingServer s;
  auto cli = s.Client();
  const int64_t office = CreateAccount(s, *cli, {{"name", "Office"}, {"type", "prepaid"}});
  Ok(PostJson(*cli, s.admin, "/api/v1/extensions", {{"number", "1001"}, {"name", "Alice"}, {"account_id", office}}),
     201);
  const std::string before = s.Snapshot();
  const auto post = [&](const json& body) { return PostJson(*cli, s.admin, "/api/v1/extensions", body); };
  const auto put = [&](const std::string& number, const json& body) {
    return cli->Put(("/api/v1/extensions/" + number).c_str(), Bearer(s.admin), body.dump(), "application/json");
  };

  Error(post({{"number", "1001"}, {"name", "Again"}, {"account_id", office}}), 409, "already exists");
  Error(post({{"number", "1003"}, {"name", ""}, {"account_id", 999}}), 400, "account 999 does not exist");
  Error(post({{"number", "1003"}, {"name", ""}, {"account_id", office}, {"rate_plan", "gold"}}), 400,
        "rate plan \"gold\" is not loaded");
  Error(post({{"number", "1003"}, {"name", ""}, {"account_id", office}, {"rate_plan", "no spaces"}}), 400, "rate_plan");
  Error(post({{"number", "10 03"}, {"name", ""}, {"account_id", office}}), 400, "may hold only");
  Error(post({{"number", std::string(33, '1')}, {"name", ""}, {"account_id", office}}), 400, "1 to 32 characters");
  Error(post({{"number", "1003"}, {"name", ""}, {"account_id", "1"}}), 400, "\"account_id\" must be a whole number");
  Error(post({{"number", "1003"}, {"name", ""}, {"account_id", 1.5}}), 400, "\"account_id\" must be a whole number");
  Error(post({{"number", "1003"}, {"name", ""}, {"account_id", -1}}), 400, "\"account_id\" must be a whole number");
  Error(post({{"number", "1003"}, {"name", ""}, {"account_id", office}, {"enabled", "yes"}}), 400,
        "\"enabled\" must be true or false");
  Error(post({{"number", 1003}, {"account_id", office}}), 400, "missing field \"name\"");
  Error(post({{"number", "1003"}, {"name", ""}, {"account_id", office}, {"pin", "1234"}}), 400,
        "unknown field \"pin\"");

  Error(put("1001", {{"number", "1002"}, {"name", ""}, {"account_id", office}}), 400, "differs from the path");
  Error(put("1001", {{"name", ""}, {"account_id", 999}}), 400, "account 999 does not exist");
  Error(put("1001", {{"name", ""}}), 400, "missing field \"account_id\"");
  Error(put("1009", {{"name", ""}, {"account_id", office}}), 404, "create it with POST");
  Error(put("a%20b", {{"name", ""}, {"account_id", office}}), 400, "may hold only");
  Error(Get(*cli, s.viewer, "/api/v1/extensions/1009"), 404, "no extension \"1009\"");
  Error(Get(*cli, s.viewer, "/api/v1/extensions/a%20b"), 400, "may hold only");
  Error(Get(*cli, s.viewer, "/api/v1/extensions?cursor=a%20b"), 400, "cursor");
  CHECK(s.Snapshot() == before);
}

TEST_CASE("Authorize answers the dialplan with the Authorizer's decision", "[http][billing]") {
  BillingServer s;
  auto cli = s.Client();
  const int64_t rich = CreateAccount(s, *cli, {{"name", "Rich"}, {"type", "prepaid"}});
  const int64_t broke = CreateAccount(s, *cli, {{"name", "Broke"}, {"type", "prepaid"}});
  Recharge(s, *cli, rich, "1.00");
  Ok(PostJson(*cli, s.admin, "/api/v1/extensions", {{"number", "1001"}, {"name", "Alice"}, {"account_id", rich}}), 201);
  Ok(PostJson(*cli, s.admin, "/api/v1/extensions", {{"number", "1002"}, {"name", "Bob"}, {"account_id", broke}}), 201);
  const auto authorize = [&](const std::string& query) {
    return Ok(Get(*cli, s.viewer, "/api/v1/authorize?" + query));
  };

  // 44: 0.60/min billed 1/1, so 1.00 pays exactly 100 s.
  CHECK(authorize("caller=1001&destination=442079460958") == json{{"allowed", true},
                                                                  {"max_seconds", 100},
                                                                  {"reason", "ok"},
                                                                  {"zone", "Zone 44"},
                                                                  {"prefix", "44"},
                                                                  {"direction", "outbound"},
                                                                  {"account_id", rich},
                                                                  {"available", "1.0000"}});
  const json funds = authorize("caller=1002&destination=442079460958");
  CHECK(funds["allowed"] == false);
  CHECK(funds["reason"] == "insufficient_funds");
  CHECK(funds["max_seconds"] == 0);
  CHECK(funds["zone"] == "Zone 44");
  CHECK(funds["available"] == "0.0000");
  const json unknown = authorize("caller=9999&destination=442079460958");
  CHECK(unknown["allowed"] == false);
  CHECK(unknown["reason"] == "unknown_extension");
  CHECK(unknown["zone"] == "");
  CHECK(unknown["prefix"] == "");
  CHECK(unknown["account_id"].is_null());
  CHECK(unknown["available"].is_null());
  const json no_rate = authorize("caller=1001&destination=999123");
  CHECK(no_rate["allowed"] == false);
  CHECK(no_rate["reason"] == "no_rate");
  CHECK(no_rate["zone"] == "");
  const json internal = authorize("caller=1002&destination=1001");
  CHECK(internal["allowed"] == true);
  CHECK(internal["reason"] == "internal");
  CHECK(internal["direction"] == "internal");
  CHECK(internal["max_seconds"] == 86400);
  CHECK(authorize("caller=1001&destination=449123456")["reason"] == "destination_blocked");
  Ok(PostJson(*cli, s.admin, "/api/v1/extensions",
              {{"number", "1003"}, {"name", "Gone"}, {"account_id", rich}, {"enabled", false}}),
     201);
  const json disabled = authorize("caller=1003&destination=442079460958");
  CHECK(disabled["allowed"] == false);
  CHECK(disabled["reason"] == "extension_disabled");
  CHECK(disabled["account_id"] == rich);
  CHECK(disabled["available"].is_null());
  // Odd input is a decision, never a 500.
  CHECK(authorize("caller=%00%FF&destination=%2B%2B%2B")["reason"] == "unknown_extension");
  CHECK(authorize("caller=1001&destination=%23%23")["reason"] == "invalid_number");

  Error(Get(*cli, s.viewer, "/api/v1/authorize?destination=44"), 400, "\"caller\" is required");
  Error(Get(*cli, s.viewer, "/api/v1/authorize?caller=&destination=44"), 400, "\"caller\" is required");
  Error(Get(*cli, s.viewer, "/api/v1/authorize?caller=1001"), 400, "\"destination\" is required");
  Error(Get(*cli, s.viewer, "/api/v1/authorize?caller=" + std::string(33, '1') + "&destination=44"), 400,
        "longer than 32");
  Error(Get(*cli, s.viewer, "/api/v1/authorize?caller=1001&destination=" + std::string(65, '4')), 400,
        "longer than 64");
}

TEST_CASE("Authorize counts the checked call's own reservation once", "[http][billing]") {
  BillingServer s;
  auto cli = s.Client();
  const int64_t id = CreateAccount(s, *cli, {{"name", "Tight"}, {"type", "prepaid"}});
  const int64_t other = CreateAccount(s, *cli, {{"name", "Other"}, {"type", "prepaid"}});
  Recharge(s, *cli, id, "0.05");
  Recharge(s, *cli, other, "1.00");
  Ok(PostJson(*cli, s.admin, "/api/v1/extensions", {{"number", "1001"}, {"name", "Alice"}, {"account_id", id}}), 201);
  // CHANNEL_CREATE reserved the call's first 5 s (0.05 at 0.60 a minute)
  // before the dialplan asks about the very same call.
  const auto now = base::Instant::FromMicros(kNow.micros());
  REQUIRE(s.repo()
              .Reserve({billing::CallId{"call-own"}, billing::AccountId{id}, billing::testing::M("0.05"), 5, now, now})
              .ok());
  REQUIRE(s.repo()
              .Reserve(
                  {billing::CallId{"call-other"}, billing::AccountId{other}, billing::testing::M("0.50"), 50, now, now})
              .ok());
  const auto authorize = [&](const std::string& query) {
    return Ok(Get(*cli, s.viewer, "/api/v1/authorize?caller=1001&destination=442079460958" + query));
  };
  // Without the uuid the call's own hold looks spent.
  CHECK(authorize("")["reason"] == "insufficient_funds");
  const json own = authorize("&uuid=call-own");
  CHECK(own["allowed"] == true);
  CHECK(own["max_seconds"] == 5);
  CHECK(own["available"] == "0.0500");
  // Another account's reservation is not this account's money.
  CHECK(authorize("&uuid=call-other")["reason"] == "insufficient_funds");
  CHECK(authorize("&uuid=no-such-call")["reason"] == "insufficient_funds");
  Error(Get(*cli, s.viewer, "/api/v1/authorize?caller=1001&destination=44&uuid=" + std::string(65, 'u')), 400,
        "\"uuid\" is longer than 64");
}

TEST_CASE("The routes FreeSWITCH calls offer Basic on a 401; the others only Bearer", "[http][billing]") {
  BillingServer s;
  auto cli = s.Client();
  // mod_curl's libcurl (CURLAUTH_ANY) sends the URL's user:token only after
  // a challenge naming a scheme it supports.
  const auto challenges = [&](const httplib::Result& r) {
    REQUIRE(r);
    CHECK(r->status == 401);
    std::vector<std::string> out;
    const auto range = r->headers.equal_range("WWW-Authenticate");
    for (auto it = range.first; it != range.second; ++it) out.push_back(it->second);
    std::sort(out.begin(), out.end());
    return out;
  };
  CHECK(challenges(cli->Get("/api/v1/authorize?caller=1001&destination=44")) ==
        std::vector<std::string>{"Basic realm=\"tarifador\"", "Bearer realm=\"tarifador\""});
  CHECK(challenges(cli->Post("/api/v1/cdr/json", "{}", "application/json")) ==
        std::vector<std::string>{"Basic realm=\"tarifador\"", "Bearer realm=\"tarifador\""});
  // A browser must not open its own login dialog for the UI's requests.
  CHECK(challenges(cli->Get("/api/v1/accounts")) == std::vector<std::string>{"Bearer realm=\"tarifador\""});
  // And Basic with the token as the password is then accepted.
  auto with_basic = s.Client();
  with_basic->set_basic_auth("tarifador", s.viewer);
  auto ok = with_basic->Get("/api/v1/authorize?caller=1001&destination=442079460958");
  REQUIRE(ok);
  CHECK(ok->status == 200);
}

TEST_CASE("Active calls come from the billing thread's snapshot, oldest first", "[http][billing]") {
  BillingServer s;
  auto cli = s.Client();
  CHECK(Ok(Get(*cli, s.viewer, "/api/v1/calls/active")) == json{{"items", json::array()}, {"count", 0}});

  billing::CallTracker::ActiveCall ringing;
  ringing.call = billing::CallId{"b-uuid"};
  ringing.caller = "1002";
  ringing.destination = "447700900123";
  ringing.account_id = billing::AccountId{2};
  ringing.created_us = kNow.micros() - 5'000'000;
  ringing.reserved = billing::testing::M("0.25");
  ringing.covered_s = 0;
  ringing.max_seconds = 60;
  billing::CallTracker::ActiveCall talking;
  talking.call = billing::CallId{"a-uuid"};
  talking.direction = billing::Direction::kOutbound;
  talking.caller = "1001";
  talking.destination = "442079460958";
  talking.account_id = billing::AccountId{1};
  talking.created_us = kNow.micros() - 95'500'000;
  talking.connected_us = kNow.micros() - 90'000'000;
  talking.reserved = billing::testing::M("1.2");
  talking.covered_s = 120;
  talking.max_seconds = 100;
  talking.cut_off = true;
  billing::RatedDestination rated;
  rated.plan = "retail";
  rated.rate = billing::testing::MakeRate("44", "0.60", "0", 1, 1);  // 0.01 a second
  talking.rated = rated;
  billing::CallTracker::ActiveCall inbound;
  inbound.call = billing::CallId{"c-uuid"};
  inbound.direction = billing::Direction::kInbound;
  inbound.caller = "02079460000";
  inbound.destination = "1001";
  inbound.created_us = kNow.micros() - 1'000'000;
  s.SetCalls({ringing, talking, inbound});

  const json calls = Ok(Get(*cli, s.viewer, "/api/v1/calls/active"));
  CHECK(calls["count"] == 3);
  REQUIRE(calls["items"].size() == 3);
  CHECK(calls["items"][0] == json{{"uuid", "a-uuid"},
                                  {"zone", "Zone 44"},
                                  {"prefix", "44"},
                                  {"price_per_minute", "0.6000"},
                                  {"running_cost", "0.9000"},  // 90 s connected
                                  {"direction", "outbound"},
                                  {"caller", "1001"},
                                  {"destination", "442079460958"},
                                  {"account_id", 1},
                                  {"created_at", "2027-01-15T07:58:24.500000Z"},
                                  {"connected_at", "2027-01-15T07:58:30Z"},
                                  {"elapsed_s", 95},
                                  {"billsec_so_far", 90},
                                  {"reserved", "1.2000"},
                                  {"covered_s", 120},
                                  {"max_seconds", 100},
                                  {"cut_off", true}});
  CHECK(calls["items"][1]["uuid"] == "b-uuid");
  CHECK(calls["items"][1]["zone"].is_null());
  CHECK(calls["items"][1]["running_cost"] == "0.0000");
  CHECK(calls["items"][1]["connected_at"].is_null());
  CHECK(calls["items"][1]["billsec_so_far"] == 0);
  CHECK(calls["items"][1]["elapsed_s"] == 5);
  CHECK(calls["items"][2]["direction"] == "inbound");
  CHECK(calls["items"][2]["account_id"].is_null());

  // The calls' times are FreeSWITCH's: with its clock an hour ahead they
  // were stamped an hour later, and have still run 95 and 90 s.
  for (billing::CallTracker::ActiveCall* c : {&ringing, &talking, &inbound}) {
    c->created_us += 3'600'000'000;
    if (c->connected_us != 0) c->connected_us += 3'600'000'000;
  }
  s.SetCalls({ringing, talking, inbound});
  s.SetClockOffset(3'600'000'000);
  const json ahead = Ok(Get(*cli, s.viewer, "/api/v1/calls/active"));
  CHECK(ahead["items"][0]["elapsed_s"] == 95);
  CHECK(ahead["items"][0]["billsec_so_far"] == 90);
  CHECK(ahead["items"][0]["running_cost"] == "0.9000");

  // A billing thread that does not answer is a 503, never an empty list.
  s.SetCallsUnavailable(true);
  Error(Get(*cli, s.viewer, "/api/v1/calls/active"), 503, "did not answer");
}

TEST_CASE("Every billing route answers 503 while billing is not wired", "[http][billing]") {
  BillingServer s(/*wire_billing=*/false);
  auto cli = s.Client();
  for (const char* path :
       {"/api/v1/accounts", "/api/v1/accounts/1", "/api/v1/accounts/1/ledger", "/api/v1/extensions",
        "/api/v1/extensions/1001", "/api/v1/authorize?caller=1&destination=2", "/api/v1/calls/active"}) {
    INFO(path);
    RequireJsonError(Get(*cli, s.admin, path), 503);
  }
  RequireJsonError(PostJson(*cli, s.admin, "/api/v1/accounts", {{"name", "X"}, {"type", "prepaid"}}), 503);
  RequireJsonError(PostJson(*cli, s.admin, "/api/v1/accounts/1/recharges", {{"amount", "1"}}), 503);
  RequireJsonError(PostJson(*cli, s.admin, "/api/v1/extensions", json::object()), 503);
  RequireJsonError(cli->Put("/api/v1/extensions/1001", Bearer(s.admin), "{}", "application/json"), 503);
  CHECK(s.Count("SELECT count(*) FROM accounts") == 0);
}

TEST_CASE("PIN codes over HTTP: the digits are shown once, checked for strength, and never listed",
          "[http][billing][pin]") {
  BillingServer s;
  auto cli = s.Client();
  const int64_t ana = CreateAccount(s, *cli, {{"name", "Ana García"}, {"type", "prepaid"}});

  // Made by tarifador when not given: six digits, in this answer only.
  const json made = Ok(PostJson(*cli, s.admin, "/api/v1/pins",
                                {{"id", "1003"}, {"owner", "Ana García"}, {"account_id", ana}, {"zones", {"Zone 44"}}}),
                       201);
  REQUIRE(made.contains("pin"));
  const std::string digits = made["pin"].get<std::string>();
  CHECK(digits.size() == 6);
  CHECK(digits.find_first_not_of("0123456789") == std::string::npos);
  CHECK(made["zones"] == json::array({"Zone 44"}));
  CHECK(made["last_used_at"].is_null());

  const json given = Ok(PostJson(*cli, s.admin, "/api/v1/pins",
                                 {{"id", "1004"}, {"owner", "Luis"}, {"account_id", ana}, {"pin", "4817"}}),
                        201);
  CHECK_FALSE(given.contains("pin"));

  const std::string before = s.Snapshot();
  Error(
      PostJson(*cli, s.admin, "/api/v1/pins", {{"id", "1005"}, {"owner", "Eva"}, {"account_id", ana}, {"pin", "1234"}}),
      400, "too easy to guess");
  Error(PostJson(*cli, s.admin, "/api/v1/pins", {{"id", "1003"}, {"owner", "Eva"}, {"account_id", ana}}), 409,
        "exists");
  Error(PostJson(*cli, s.admin, "/api/v1/pins", {{"id", "1006"}, {"owner", "Eva"}, {"account_id", 999}}), 404,
        "no account 999");
  Error(PostJson(*cli, s.admin, "/api/v1/pins", {{"id", "10a6"}, {"owner", "Eva"}, {"account_id", ana}}), 400,
        "digits");
  Error(PostJson(*cli, s.admin, "/api/v1/pins",
                 {{"id", "1007"}, {"owner", "Eva"}, {"account_id", ana}, {"zones", "Zone 44"}}),
        400, "\"zones\" must be an array");
  Error(PostJson(*cli, s.op, "/api/v1/pins", {{"id", "1008"}, {"owner", "Eva"}, {"account_id", ana}}), 403, "");
  CHECK(s.Snapshot() == before);

  const auto listed = Get(*cli, s.admin, "/api/v1/pins");
  const json list = Ok(listed);
  REQUIRE(list["items"].size() == 2);
  CHECK(listed->body.find(digits) == std::string::npos);
  CHECK(listed->body.find("4817") == std::string::npos);
  CHECK(listed->body.find("argon2") == std::string::npos);
  Error(Get(*cli, s.viewer, "/api/v1/pins"), 403, "");

  const json changed =
      Ok(cli->Patch("/api/v1/pins/1004", Bearer(s.admin), R"({"enabled":false,"pin":"5290"})", "application/json"));
  CHECK(changed["enabled"] == false);
  Error(cli->Patch("/api/v1/pins/1004", Bearer(s.admin), R"({"pin":"0000"})", "application/json"), 400, "pin");
  Error(cli->Patch("/api/v1/pins/9999", Bearer(s.admin), R"({"enabled":true})", "application/json"), 404, "9999");
  CHECK(s.Audit("pin.add").size() == 2);
  CHECK(s.Audit("pin.update").size() == 1);
  Ok(cli->Delete("/api/v1/pins/1004", Bearer(s.admin)));
  Error(cli->Delete("/api/v1/pins/1004", Bearer(s.admin)), 404, "1004");
  CHECK(Ok(Get(*cli, s.admin, "/api/v1/pins"))["items"].size() == 1);
}

TEST_CASE("An account's low_balance threshold over HTTP", "[http][billing][alerts]") {
  BillingServer s;
  auto cli = s.Client();
  const json made =
      Ok(PostJson(*cli, s.admin, "/api/v1/accounts", {{"name", "Room 12"}, {"type", "prepaid"}, {"low_balance", "20"}}),
         201);
  CHECK(made["low_balance"] == "20.0000");
  const std::string path = "/api/v1/accounts/" + std::to_string(made["id"].get<int64_t>());
  CHECK(Ok(cli->Patch(path.c_str(), Bearer(s.admin), R"({"low_balance":null})", "application/json"))["low_balance"]
            .is_null());
  CHECK(Ok(cli->Patch(path.c_str(), Bearer(s.admin), R"({"low_balance":"5.50"})", "application/json"))["low_balance"] ==
        "5.5000");
  const std::string before = s.Snapshot();
  Error(PostJson(*cli, s.admin, "/api/v1/accounts",
                 {{"name", "HQ"}, {"type", "postpaid"}, {"credit_limit", "100"}, {"low_balance", "20"}}),
        400, "low_balance");
  Error(cli->Patch(path.c_str(), Bearer(s.admin), R"({"low_balance":5})", "application/json"), 400, "low_balance");
  CHECK(s.Snapshot() == before);
}

TEST_CASE("An account's daily spend cap over HTTP", "[http][billing][daily]") {
  BillingServer s;
  auto cli = s.Client();
  const json made =
      Ok(PostJson(*cli, s.admin, "/api/v1/accounts", {{"name", "Guests"}, {"type", "prepaid"}, {"daily_limit", "25"}}),
         201);
  CHECK(made["daily_limit"] == "25.0000");
  CHECK(made["daily"] == json{{"day", "2027-01-15"},
                              {"limit", "25.0000"},
                              {"source", "account"},
                              {"spent", "0.0000"},
                              {"reserved", "0.0000"},
                              {"left", "25.0000"},
                              {"alert_only", false}});
  const std::string path = "/api/v1/accounts/" + std::to_string(made["id"].get<int64_t>());
  Recharge(s, *cli, made["id"].get<int64_t>(), "100");
  CHECK(Ok(Get(*cli, s.viewer, path))["callable"] == "25.0000");  // the cap, not the 100 of money
  const json lifted = Ok(cli->Patch(path.c_str(), Bearer(s.admin), R"({"daily_limit":null})", "application/json"));
  CHECK(lifted["daily_limit"].is_null());
  CHECK(lifted["daily"].is_null());  // no box-wide cap on this server
  CHECK(lifted["callable"] == "100.0000");
  const std::string before = s.Snapshot();
  Error(cli->Patch(path.c_str(), Bearer(s.admin), R"({"daily_limit":"-1"})", "application/json"), 400, "daily_limit");
  Error(cli->Patch(path.c_str(), Bearer(s.admin), R"({"daily_limit":5})", "application/json"), 400, "daily_limit");
  Error(cli->Patch(path.c_str(), Bearer(s.op), R"({"daily_limit":"5"})", "application/json"), 403, "");
  CHECK(s.Snapshot() == before);
}

TEST_CASE("An extension's own guard settings over HTTP", "[http][billing][guards]") {
  BillingServer s;
  auto cli = s.Client();
  const int64_t office = CreateAccount(s, *cli, {{"name", "Office"}, {"type", "prepaid"}});
  Ok(PostJson(*cli, s.admin, "/api/v1/extensions", {{"number", "1001"}, {"name", "Director"}, {"account_id", office}}),
     201);
  const json set = Ok(cli->Put("/api/v1/extensions/1001/guards", Bearer(s.admin),
                               R"({"max_price_per_minute":"0","max_call_cost":"50","max_concurrent_calls":4,)"
                               R"("international_any_time":true})",
                               "application/json"));
  CHECK(set["guards"] == json{{"max_price_per_minute", "0.0000"},
                              {"max_call_cost", "50.0000"},
                              {"max_concurrent_calls", 4},
                              {"max_calls_per_hour", nullptr},
                              {"max_repeats_per_hour", nullptr},
                              {"international_any_time", true}});
  CHECK(Ok(Get(*cli, s.viewer, "/api/v1/extensions/1001"))["guards"] == set["guards"]);
  const auto puts = s.Audit("extension.put");
  REQUIRE(puts.size() == 1);
  CHECK(puts.front().detail.find(
            "max_price_per_minute=0.0000, max_call_cost=50.0000, max_concurrent_calls=4, international_any_time") !=
        std::string::npos);

  // Renaming the phone keeps its guards.
  const json renamed = Ok(cli->Put("/api/v1/extensions/1001", Bearer(s.admin),
                                   json{{"name", "Directora"}, {"account_id", office}}.dump(), "application/json"));
  CHECK(renamed["guards"] == set["guards"]);

  // Bad settings: every one named, nothing changed.
  const std::string before = s.Snapshot();
  auto bad = cli->Put("/api/v1/extensions/1001/guards", Bearer(s.admin),
                      R"({"max_call_cost":5,"max_calls_per_hour":100001,"max_repeats":3})", "application/json");
  Error(bad, 400, "max_call_cost");
  Error(bad, 400, "max_calls_per_hour");
  Error(bad, 400, "max_repeats");
  Error(cli->Put("/api/v1/extensions/1001/guards", Bearer(s.op), "{}", "application/json"), 403, "");
  Error(cli->Put("/api/v1/extensions/9999/guards", Bearer(s.admin), "{}", "application/json"), 404, "9999");
  CHECK(s.Snapshot() == before);

  // {} returns it to the box-wide guards.
  CHECK(Ok(cli->Put("/api/v1/extensions/1001/guards", Bearer(s.admin), "{}", "application/json"))["guards"] ==
        kBoxWideGuards);
}

TEST_CASE("A recharge above billing.max_recharge is refused, and a recharge is reversed once", "[http][billing]") {
  BillingServer s;
  s.billing().max_recharge = base::Money::FromUnits(100);
  auto cli = s.Client();
  const int64_t id = CreateAccount(s, *cli, {{"name", "Guests"}, {"type", "prepaid"}});
  const std::string account = "/api/v1/accounts/" + std::to_string(id);
  const json first = Recharge(s, *cli, id, "100");
  const int64_t entry = first["entry"]["id"].get<int64_t>();
  std::string before = s.Snapshot();
  Error(PostJson(*cli, s.op, account + "/recharges", {{"amount", "100.000001"}}), 400,
        "field \"amount\": amount 100.000001 is above billing.max_recharge (100.0000)");
  CHECK(s.Snapshot() == before);

  // Reversed: an adjustment of the opposite amount, once.
  const std::string reverse = account + "/ledger/" + std::to_string(entry) + "/reverse";
  const json back = Ok(PostJson(*cli, s.op, reverse, {{"note", "typed 100 for 10"}}), 201);
  CHECK(back["entry"]["kind"] == "adjustment");
  CHECK(back["entry"]["amount"] == "-100.0000");
  CHECK(back["entry"]["reason"] == "reversal of recharge #" + std::to_string(entry) + ": typed 100 for 10");
  CHECK(back["account"]["balance"] == "0.0000");
  CHECK(back["replayed"] == false);
  const json again = Ok(PostJson(*cli, s.op, reverse, json::object()), 200);
  CHECK(again["replayed"] == true);
  CHECK(again["entry"]["id"] == back["entry"]["id"]);
  CHECK(again["account"]["balance"] == "0.0000");
  CHECK(s.Audit("ledger.adjustment").size() == 1);

  // Refused, changing nothing: not a recharge, no such row, a viewer, money no longer there.
  const json held = Recharge(s, *cli, id, "50");
  REQUIRE(s.repo()
              .Reserve({billing::CallId{"call-1"}, billing::AccountId{id}, base::Money::FromUnits(40), 60, kNow, kNow})
              .ok());
  before = s.Snapshot();
  Error(PostJson(*cli, s.op, account + "/ledger/" + back["entry"]["id"].dump() + "/reverse", json::object()), 400,
        "only a recharge can be reversed");
  Error(PostJson(*cli, s.op, account + "/ledger/999/reverse", json::object()), 404, "no ledger row 999");
  Error(PostJson(*cli, s.op, account + "/ledger/x/reverse", json::object()), 400, "ledger row id");
  Error(PostJson(*cli, s.viewer, account + "/ledger/" + held["entry"]["id"].dump() + "/reverse", json::object()), 403,
        "");
  Error(PostJson(*cli, s.op, account + "/ledger/" + held["entry"]["id"].dump() + "/reverse", json::object()), 409,
        "insufficient funds, 40.0000 short");
  CHECK(s.Snapshot() == before);
}
