// The live event stream end to end: a real BillingLoop over the real SQLite
// repository, app's LiveEvents as its CallObserver and the repository's
// money observer, and a real HTTP client reading GET /api/v1/events.
#include "app/live_events.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "billing/billing_loop.h"
#include "billing/call_control.h"
#include "unit/billing/billing_fixtures.h"
#include "unit/http/live_test_server.h"
#include "unit/http/test_server.h"

using namespace tarifador;
using tarifador::http::testing::Bearer;
using tarifador::http::testing::LiveServer;
using tarifador::http::testing::SseReader;
using json = nlohmann::json;

namespace {

// The switch side: accepts every command (nothing to hang up here).
class NullControl final : public billing::CallControl {
 public:
  base::Status Kill(const billing::CallId&, std::string_view) override { return base::Status::Ok(); }
  base::Status ScheduleHangup(const billing::CallId&, int64_t, std::string_view) override { return base::Status::Ok(); }
};

http::EventHub::Options FastHub() {
  http::EventHub::Options o;
  o.keepalive = std::chrono::milliseconds(100);
  return o;
}

}  // namespace

TEST_CASE("a call and a recharge reach an SSE client as call_start, call_answer, call_end and balance") {
  std::unique_ptr<app::LiveEvents> live;
  LiveServer s(FastHub(), {}, [&live](LiveServer& srv) {
    live = std::make_unique<app::LiveEvents>(srv.hub(), srv.clock());
    app::LiveEvents* l = live.get();
    srv.repo().set_money_observer([l](const billing::Account& a) { l->OnBalance(a); });
  });
  const int64_t account = s.AddAccount("Reception", "10");
  s.AddExtension("1001", account);

  NullControl control;
  billing::CallTracker::Options options;
  options.site_id = "branch-1";
  options.observer = live.get();
  billing::BillingLoop loop(s.repo(), s.authorizer(), control, s.clock(), options, {});
  REQUIRE(loop.Start().ok());

  SseReader reader(s.server().port(), s.viewer);
  REQUIRE(reader.WaitFor("event: hello\n"));

  billing::testing::LegScript leg;
  leg.uuid = "a-leg-1";
  const int64_t answered = leg.t0_us + 2'000'000;
  const int64_t ended = answered + 30'000'000;
  loop.Post(leg.Create());
  loop.Post(leg.Answer(answered));
  loop.Post(leg.HangupComplete(answered, answered, ended));

  REQUIRE(reader.WaitFor("event: call_end"));
  const json start = reader.Data("call_start");
  CHECK(start["uuid"] == "a-leg-1");
  CHECK(start["caller"] == "1001");
  CHECK(start["destination"] == "442079460958");
  CHECK(start["direction"] == "outbound");
  CHECK(start["account_id"] == account);
  const json answer = reader.Data("call_answer");
  CHECK(answer["uuid"] == "a-leg-1");
  CHECK(answer["prefix"] == "44");
  CHECK(answer["price_per_minute"] == "0.6000");
  const json end = reader.Data("call_end");
  CHECK(end["uuid"] == "a-leg-1");
  CHECK(end["disposition"] == "answered");
  CHECK(end["billsec"] == 30);
  CHECK(end["cost"] == "0.3000");
  // The order on the wire is the order things happened.
  const std::string text = reader.text();
  CHECK(text.find("event: call_start") < text.find("event: call_answer"));
  CHECK(text.find("event: call_answer") < text.find("event: call_end"));
  // The reservation and the charge each published the balance; the last
  // one is after the charge.
  REQUIRE(reader.WaitFor(R"("balance":"9.7000")"));
  loop.Stop();

  auto cli = s.Client();
  auto res = cli->Post(("/api/v1/accounts/" + std::to_string(account) + "/recharges").c_str(), Bearer(s.op),
                       R"({"amount":"5"})", "application/json");
  REQUIRE(res);
  REQUIRE(res->status == 201);
  REQUIRE(reader.WaitFor(R"("balance":"14.7000")"));
  CHECK(reader.text().find(R"("available":"14.7000","balance":"14.7000","budget":null,"reserved":"0.0000")") !=
        std::string::npos);
}
