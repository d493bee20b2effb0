// Issue 5's routes over a real server and store: the event stream (hub
// only; the billing side is in tests/unit/app/live_events_test.cpp), bulk
// recharges, rate editing, plan creation, settings and the status page's
// disk and store figures. Every rejected request changes nothing.
#include <httplib.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "http/event_hub.h"
#include "live_test_server.h"
#include "test_server.h"

using namespace tarifador;
using namespace tarifador::http;
using tarifador::http::testing::Bearer;
using tarifador::http::testing::JsonBody;
using tarifador::http::testing::LiveServer;
using tarifador::http::testing::RequireJsonError;
using tarifador::http::testing::SseReader;
using json = nlohmann::json;

namespace {

EventHub::Options FastHub() {
  EventHub::Options o;
  o.keepalive = std::chrono::milliseconds(100);
  return o;
}

httplib::Result PostCsv(httplib::Client& cli, const std::string& token, const std::string& csv,
                        const std::string& key = "") {
  httplib::Headers h = Bearer(token);
  if (!key.empty()) h.emplace("Idempotency-Key", key);
  return cli.Post("/api/v1/recharges/bulk", h, csv, "text/csv");
}

json Ok(const httplib::Result& res, int status = 200) {
  REQUIRE(res);
  INFO("body: " << res->body);
  REQUIRE(res->status == status);
  return JsonBody(res);
}

void Error(const httplib::Result& res, int status, const std::string& part) {
  RequireJsonError(res, status);
  INFO("body: " << res->body);
  CHECK(JsonBody(res)["error"].get<std::string>().find(part) != std::string::npos);
}

}  // namespace

TEST_CASE("EventHub: ids increase, a slow subscriber is dropped, Close ends streams") {
  EventHub::Options o;
  o.queue_limit = 3;
  o.max_subscribers = 2;
  EventHub hub(o);
  auto a = hub.Subscribe();
  auto b = hub.Subscribe();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(hub.Subscribe().status().code() == base::StatusCode::kUnavailable);  // at the limit
  CHECK(hub.Publish("x", "{}") == 1);
  CHECK(hub.Publish("x", "{\"n\":2}") == 2);
  auto frames = (*a)->Next(std::chrono::milliseconds(0));
  REQUIRE(frames);
  CHECK(*frames == "id: 1\nevent: x\ndata: {}\n\nid: 2\nevent: x\ndata: {\"n\":2}\n\n");
  // b never reads: the 4th frame overflows its queue of 3 and drops it.
  hub.Publish("x", "{}");
  hub.Publish("x", "{}");
  CHECK(hub.dropped() == 1);
  CHECK_FALSE((*b)->Next(std::chrono::milliseconds(0)).has_value());
  CHECK((*b)->end_reason() == "too_slow");
  CHECK(hub.subscriber_count() == 1);
  b->reset();  // a slot is free again
  CHECK(hub.Subscribe().ok());
  hub.Close();
  CHECK_FALSE((*a)->Next(std::chrono::milliseconds(0)).has_value());
  CHECK((*a)->end_reason() == "closed");
  CHECK(hub.Subscribe().status().code() == base::StatusCode::kUnavailable);
}

TEST_CASE("GET /api/v1/events streams hello, published events and keepalives") {
  LiveServer s(FastHub());
  {
    auto cli = s.Client();
    RequireJsonError(cli->Get("/api/v1/events"), 401);
  }
  SseReader reader(s.server().port(), s.viewer);
  REQUIRE(reader.WaitFor("event: hello\n"));
  CHECK(reader.Data("hello").contains("server_time"));
  REQUIRE(reader.WaitFor(": keepalive\n\n"));
  // Publishing does not wait for the stream to be read.
  for (int i = 0; i < 3; ++i) s.hub().Publish("balance", R"({"account_id":)" + std::to_string(i) + "}");
  REQUIRE(reader.WaitFor(R"({"account_id":2})"));
  const std::string text = reader.text();
  CHECK(text.find("id: 1\nevent: balance\ndata: {\"account_id\":0}\n\n") != std::string::npos);
  CHECK(text.find("id: 3\nevent: balance") != std::string::npos);
}

TEST_CASE("EventHub: one owner holds at most max_per_owner streams") {
  EventHub::Options o;
  o.max_subscribers = 4;
  o.max_per_owner = 2;
  EventHub hub(o);
  auto a1 = hub.Subscribe("user:ana");
  auto a2 = hub.Subscribe("user:ana");
  REQUIRE(a1.ok());
  REQUIRE(a2.ok());
  auto a3 = hub.Subscribe("user:ana");
  REQUIRE_FALSE(a3.ok());
  CHECK(a3.status().code() == base::StatusCode::kResourceExhausted);
  CHECK(a3.status().message().find("limit 2") != std::string::npos);
  CHECK(hub.Subscribe("user:bea").ok());  // others still get theirs
  a1->reset();
  CHECK(hub.Subscribe("user:ana").ok());  // a closed tab frees its slot
}

TEST_CASE("a fourth event stream of one viewer gets 429 and others still stream") {
  EventHub::Options hub = FastHub();
  hub.max_per_owner = 3;
  LiveServer s(hub);
  std::vector<std::unique_ptr<SseReader>> tabs;
  for (int i = 0; i < 3; ++i) {
    tabs.push_back(std::make_unique<SseReader>(s.server().port(), s.viewer));
    REQUIRE(tabs.back()->WaitFor("event: hello\n"));
  }
  auto fourth = s.Client()->Get("/api/v1/events", Bearer(s.viewer));
  RequireJsonError(fourth, 429);
  SseReader other(s.server().port(), s.admin);
  CHECK(other.WaitFor("event: hello\n"));
}

TEST_CASE("the server stops promptly with an event stream open") {
  // Every timeout the stream could sit out is an hour long, so Stop()
  // returning at all proves it does not wait for one (no wall-clock bound:
  // a Stop() that waits hangs the test instead).
  ServerOptions o;
  o.idle_timeout_s = 3600;
  o.head_deadline_s = 3600;
  EventHub::Options hub;
  hub.keepalive = std::chrono::hours(1);
  auto s = std::make_unique<LiveServer>(hub, o);
  SseReader reader(s->server().port(), s->viewer);
  REQUIRE(reader.WaitFor("event: hello\n"));
  s->server().Stop();
  CHECK(reader.WaitEnded());
}

TEST_CASE("a recharge publishes the account's balance on the stream") {
  LiveServer s(FastHub(), {}, [](LiveServer& srv) {
    srv.repo().set_money_observer([&srv](const billing::Account& a) {
      srv.hub().Publish("balance", json({{"account_id", a.id.value}, {"balance", a.balance.ToString()}}).dump());
    });
  });
  const int64_t id = s.AddAccount("Reception");
  SseReader reader(s.server().port(), s.viewer);
  REQUIRE(reader.WaitFor("event: hello\n"));
  auto cli = s.Client();
  Ok(cli->Post(("/api/v1/accounts/" + std::to_string(id) + "/recharges").c_str(), Bearer(s.op), R"({"amount":"12.5"})",
               "application/json"),
     201);
  REQUIRE(reader.WaitFor("event: balance"));
  CHECK(reader.Data("balance") == json({{"account_id", id}, {"balance", "12.5000"}}));
}

TEST_CASE("POST /api/v1/recharges/bulk applies every row in one transaction") {
  LiveServer s;
  const int64_t reception = s.AddAccount("Reception", "1");
  const int64_t sales = s.AddAccount("Sales");
  s.AddExtension("1001", reception);
  auto cli = s.Client();
  const std::string csv = "extension_or_account,amount,note\n1001,10,topup\n" + std::to_string(sales) +
                          ",2.5\nSales,\"1.25\",\"with, comma\"\n";
  const json report = Ok(PostCsv(*cli, s.op, csv, "batch-1"));
  CHECK(report["applied"] == 3);
  CHECK(report["total"] == "13.7500");
  CHECK(report["replayed"] == false);
  REQUIRE(report["rows"].size() == 3);
  CHECK(report["rows"][0] == json({{"line", 2},
                                   {"target", "1001"},
                                   {"account_id", reception},
                                   {"amount", "10.0000"},
                                   {"balance_after", "11.0000"}}));
  CHECK(report["rows"][2]["balance_after"] == "3.7500");
  CHECK(s.Balance(reception) == "11.0000");
  CHECK(s.Balance(sales) == "3.7500");
  CHECK(s.Count("SELECT count(*) FROM audit_log WHERE action = 'ledger.recharge'") == 4);  // seed + 3
  CHECK(s.Count("SELECT count(*) FROM audit_log WHERE action = 'ledger.bulk_recharge'") == 1);

  SECTION("the same request with the same key replays the report and moves nothing") {
    const std::string before = s.Snapshot();
    json again = Ok(PostCsv(*cli, s.op, csv, "batch-1"));
    CHECK(again["replayed"] == true);
    again["replayed"] = false;
    CHECK(again == report);
    CHECK(s.Snapshot() == before);
  }
  SECTION("the key reused for other rows is a 409 and moves nothing") {
    const std::string before = s.Snapshot();
    Error(PostCsv(*cli, s.op, "extension_or_account,amount\n1001,99\n", "batch-1"), 409, "line 2");
    CHECK(s.Snapshot() == before);
  }
}

TEST_CASE("POST /api/v1/recharges/bulk refuses bad input and changes nothing") {
  LiveServer s;
  const int64_t reception = s.AddAccount("Reception", "1");
  s.AddExtension("1001", reception);
  auto cli = s.Client();
  const std::string before = s.Snapshot();

  SECTION("every bad row is listed with its line") {
    const auto res = PostCsv(*cli, s.op, "1001,5\nnobody,5\n1001,-3\n1001\n1001,abc,x,y\n1001,1\n");
    RequireJsonError(res, 422);
    const json body = JsonBody(res);
    REQUIRE(body["rows"].size() == 4);
    CHECK(body["bad_rows"] == 4);
    CHECK(body["rows"][0]["line"] == 2);
    CHECK(body["rows"][0]["error"].get<std::string>().find("no extension, account id or account name") !=
          std::string::npos);
    CHECK(body["rows"][1]["line"] == 3);
    CHECK(body["rows"][2]["line"] == 4);
    CHECK(body["rows"][3]["line"] == 5);
  }
  SECTION("a row above billing.max_recharge is a bad row") {
    s.billing().max_recharge = base::Money::FromUnits(500);
    const auto res = PostCsv(*cli, s.op, "1001,500\n1001,1000000\n");
    RequireJsonError(res, 422);
    const json body = JsonBody(res);
    REQUIRE(body["rows"].size() == 1);
    CHECK(body["rows"][0] == json({{"line", 2},
                                   {"error",
                                    "amount 1000000.0000 is above billing.max_recharge (500.0000): check the "
                                    "amount, recharge in steps, or raise the setting"}}));
  }
  SECTION("a body of bad rows lists the first 100 and counts the rest") {
    std::string csv;
    for (int i = 0; i < 5000; ++i) csv += "nobody" + std::to_string(i) + ",oops\n";
    const auto res = PostCsv(*cli, s.op, csv);
    RequireJsonError(res, 422);
    const json body = JsonBody(res);
    CHECK(body["bad_rows"] == 5000);
    REQUIRE(body["rows"].size() == 100);
    CHECK(body["rows"][99]["line"] == 100);
    CHECK(body["error"].get<std::string>().find("5000 bad rows, nothing changed (the first 100 listed)") !=
          std::string::npos);
    CHECK(res->body.size() < 20'000);
  }
  SECTION("more lines than a bulk recharge may have stop the reading") {
    std::string csv;
    // Every line a CSV syntax error: these too count towards the limit.
    for (int i = 0; i < 10'050; ++i) csv += "1001,5\"x\n";
    const json body = JsonBody(PostCsv(*cli, s.op, csv));
    CHECK(body["bad_rows"] == 10'001);  // 10 000 lines, then "more than 10000 rows"
    REQUIRE(body["rows"].size() == 100);
    CHECK(body["rows"][0]["error"].get<std::string>().find("quote inside an unquoted field") != std::string::npos);
  }
  SECTION("wrong content type, empty body, bad key") {
    Error(cli->Post("/api/v1/recharges/bulk", Bearer(s.op), "1001,5", "application/json"), 400, "text/csv");
    Error(PostCsv(*cli, s.op, "extension_or_account,amount\n"), 400, "no rows");
    Error(PostCsv(*cli, s.op, "1001,5", std::string(101, 'k')), 400, "Idempotency-Key");
  }
  SECTION("auth and roles") {
    RequireJsonError(cli->Post("/api/v1/recharges/bulk", "1001,5", "text/csv"), 401);
    RequireJsonError(PostCsv(*cli, s.viewer, "1001,5"), 403);
  }
  CHECK(s.Snapshot() == before);
}

TEST_CASE("rate editing: PUT, GET, DELETE one prefix, published live and audited") {
  LiveServer s;
  auto cli = s.Client();
  const std::string path = "/api/v1/rate-plans/retail/rates/4420";
  RequireJsonError(cli->Get(path.c_str(), Bearer(s.viewer)), 404);

  const json rate = {{"zone", "London"}, {"price_per_minute", "0.03"}, {"connection_fee", "0.01"},
                     {"increment", 30},  {"initial_increment", 30},    {"blocked", false}};
  const json put = Ok(cli->Put(path.c_str(), Bearer(s.admin), rate.dump(), "application/json"));
  CHECK(put["replaced"] == 0);
  CHECK(put["items"][0]["zone"] == "London");
  // Live: the book now rates 4420... with it.
  const rating::CompiledPlan* plan = s.book().Current()->Find("retail");
  REQUIRE(plan != nullptr);
  bool found = false;
  for (const rating::Rate& r : plan->trie.rates()) found = found || (r.prefix.digits() == "4420" && r.zone == "London");
  CHECK(found);
  const json got = Ok(cli->Get(path.c_str(), Bearer(s.viewer)));
  CHECK(got["items"].size() == 1);
  CHECK(got["items"][0]["price_per_minute"] == "0.0300");
  CHECK(s.Count("SELECT count(*) FROM rates WHERE prefix = '4420'") == 1);
  CHECK(s.Count("SELECT count(*) FROM audit_log WHERE action = 'rate.put'") == 1);

  // Replacing keeps one rate.
  Ok(cli->Put(path.c_str(), Bearer(s.admin), json({{"zone", "London"}, {"price_per_minute", "0.04"}}).dump(),
              "application/json"));
  CHECK(s.Count("SELECT price_per_minute_micros FROM rates WHERE prefix = '4420'") == 40000);

  const std::string before = s.Snapshot();
  SECTION("bad rates are refused like deck rows, naming the problem") {
    Error(cli->Put(path.c_str(), Bearer(s.admin), json({{"zone", "X"}, {"price_per_minute", 0.05}}).dump(),
                   "application/json"),
          400, "decimal string");
    Error(cli->Put(path.c_str(), Bearer(s.admin), json({{"zone", "X"}, {"price_per_minute", "-1"}}).dump(),
                   "application/json"),
          400, "price_per_minute");
    Error(cli->Put(path.c_str(), Bearer(s.admin),
                   json({{"zone", "X"}, {"price_per_minute", "1"}, {"increment", 0}}).dump(), "application/json"),
          400, "increment");
    Error(cli->Put(path.c_str(), Bearer(s.admin), json({{"price_per_minute", "1"}}).dump(), "application/json"), 400,
          "zone");
    Error(cli->Put(path.c_str(), Bearer(s.admin),
                   json({{"zone", "X"}, {"price_per_minute", "1"}, {"colour", 1}}).dump(), "application/json"),
          400, "unknown field");
    Error(cli->Put(path.c_str(), Bearer(s.admin),
                   json({{"zone", "X"}, {"price_per_minute", "1"}, {"prefix", "99"}}).dump(), "application/json"),
          400, "prefix");
    Error(cli->Put("/api/v1/rate-plans/retail/rates/44x", Bearer(s.admin), rate.dump(), "application/json"), 400,
          "digits");
    Error(cli->Put("/api/v1/rate-plans/nosuch/rates/44", Bearer(s.admin), rate.dump(), "application/json"), 404,
          "no rate plan");
  }
  SECTION("roles") {
    RequireJsonError(cli->Put(path.c_str(), Bearer(s.op), rate.dump(), "application/json"), 403);
    RequireJsonError(cli->Delete(path.c_str(), Bearer(s.op)), 403);
    RequireJsonError(cli->Put(path.c_str(), rate.dump(), "application/json"), 401);
  }
  CHECK(s.Snapshot() == before);

  SECTION("DELETE removes the prefix and publishes") {
    const json del = Ok(cli->Delete(path.c_str(), Bearer(s.admin)));
    CHECK(del["deleted"] == 1);
    CHECK(s.Count("SELECT count(*) FROM rates WHERE prefix = '4420'") == 0);
    RequireJsonError(cli->Get(path.c_str(), Bearer(s.viewer)), 404);
    RequireJsonError(cli->Delete(path.c_str(), Bearer(s.admin)), 404);
    CHECK(s.Count("SELECT count(*) FROM audit_log WHERE action = 'rate.delete'") == 1);
  }
}

TEST_CASE("POST /api/v1/rate-plans creates an empty plan") {
  LiveServer s;
  auto cli = s.Client();
  const json made =
      Ok(cli->Post("/api/v1/rate-plans", Bearer(s.admin),
                   json({{"name", "wholesale"}, {"decimals", 2}, {"rounding", "half_up"}}).dump(), "application/json"),
         201);
  CHECK(made == json({{"name", "wholesale"}, {"decimals", 2}, {"rounding", "half_up"}, {"rates", 0}}));
  REQUIRE(s.book().Current()->Find("wholesale") != nullptr);
  CHECK(s.Count("SELECT decimals FROM rate_plans WHERE name = 'wholesale'") == 2);
  // Then a rate can be put into it.
  Ok(cli->Put("/api/v1/rate-plans/wholesale/rates/1", Bearer(s.admin),
              json({{"zone", "NANP"}, {"price_per_minute", "0.01"}}).dump(), "application/json"));

  const std::string before = s.Snapshot();
  Error(cli->Post("/api/v1/rate-plans", Bearer(s.admin), json({{"name", "wholesale"}}).dump(), "application/json"), 409,
        "already exists");
  Error(cli->Post("/api/v1/rate-plans", Bearer(s.admin), json({{"name", "x"}, {"decimals", 9}}).dump(),
                  "application/json"),
        400, "decimals");
  Error(cli->Post("/api/v1/rate-plans", Bearer(s.admin), json({{"name", "x"}, {"rounding", "sideways"}}).dump(),
                  "application/json"),
        400, "rounding");
  Error(cli->Post("/api/v1/rate-plans", Bearer(s.admin), json({{"decimals", 2}}).dump(), "application/json"), 400,
        "name");
  RequireJsonError(cli->Post("/api/v1/rate-plans", Bearer(s.op), json({{"name", "y"}}).dump(), "application/json"),
                   403);
  CHECK(s.Snapshot() == before);
}

TEST_CASE("GET /api/v1/settings is for admins; status shows disk and store") {
  LiveServer s;
  auto cli = s.Client();
  const json settings = Ok(cli->Get("/api/v1/settings", Bearer(s.admin)));
  CHECK(settings["settings"]["freeswitch.password"]["value"] == "***");
  RequireJsonError(cli->Get("/api/v1/settings", Bearer(s.op)), 403);
  RequireJsonError(cli->Get("/api/v1/settings"), 401);

  const json status = Ok(cli->Get("/api/v1/status", Bearer(s.viewer)));
  REQUIRE(status.contains("disk"));
  CHECK(status["disk"]["total_bytes"].get<uint64_t>() > 0);
  CHECK(status["disk"]["free_bytes"].get<uint64_t>() <= status["disk"]["total_bytes"].get<uint64_t>());
  REQUIRE(status.contains("store"));
  CHECK(status["store"]["size_bytes"].get<uint64_t>() > 0);
  CHECK(status["store"]["path"].get<std::string>().find("live.db") != std::string::npos);
}
