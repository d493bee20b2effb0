// The running service's rating: plans imported with the CLI are loaded at
// start, readiness waits for them, and GET /api/v1/quote answers exactly what
// `tarifador quote` prints, with the configured dial plan.
#include <httplib.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "app/command.h"
#include "app/dial_plan_from_config.h"
#include "app/service.h"
#include "sim/simulator.h"
#include "test_support/cli_run.h"
#include "test_support/temp_dir.h"

using namespace tarifador;

namespace {

constexpr const char* kDeck =
    "prefix,zone,price_per_minute,connection_fee,initial_increment,increment,grace,blocked\n"
    "44,UK Fixed,0.0200,,60,60,,\n"
    "447,UK Mobile,0.1200,0.05,30,6,3,\n"
    "1,USA and Canada,0.0100,,1,1,,\n";

}  // namespace

TEST_CASE("DialPlanFromConfig copies every rating.* dial-plan setting", "[app][rating]") {
  config::Config cfg;
  CHECK(app::DialPlanFromConfig(cfg).international_prefix == "00");
  CHECK(app::DialPlanFromConfig(cfg).outside_line_code.empty());
  cfg.rating.outside_line_code = "9";
  cfg.rating.international_prefix = "011";
  cfg.rating.national_prefix = "1";
  cfg.rating.country_code = "1";
  cfg.rating.national_number_digits = 10;
  cfg.rating.max_extension_digits = 4;
  const rating::DialPlanRules r = app::DialPlanFromConfig(cfg);
  CHECK(r.outside_line_code == "9");
  CHECK(r.international_prefix == "011");
  CHECK(r.national_prefix == "1");
  CHECK(r.country_code == "1");
  CHECK(r.national_number_digits == 10);
  CHECK(r.max_extension_digits == 4);
  auto n = app::NormaliserFromConfig(cfg);
  REQUIRE(n.ok());
  auto us = n->Normalise("(212) 555-0100");
  REQUIRE(us.ok());
  CHECK(us->digits == "12125550100");

  cfg.rating.country_code = "+1";  // only a config that skipped validation
  CHECK_FALSE(app::NormaliserFromConfig(cfg).ok());
}

TEST_CASE("serve loads the plans at start and its quote API prints what the CLI prints", "[app][rating]") {
  test_support::TempDir dir;
  const std::string data_dir = dir.path() + "/data";
  const std::string cfg_path = dir.path() + "/tarifador.json";
  // A UK office: 9 for an outside line, 0 national, country 44.
  const nlohmann::json rating_json = {
      {"default_plan", "retail"}, {"outside_line_code", "9"}, {"national_prefix", "0"}, {"country_code", "44"}};
  std::ofstream(cfg_path) << nlohmann::json{{"data_dir", data_dir}, {"rating", rating_json}}.dump();
  config::Config cfg;
  cfg.data_dir = data_dir;
  cfg.http.listen = "127.0.0.1:0";
  cfg.http.tls_listen.clear();  // no HTTPS listener: tls_test.cpp covers it
  cfg.rating.default_plan = "retail";
  cfg.rating.outside_line_code = "9";
  cfg.rating.national_prefix = "0";
  cfg.rating.country_code = "44";

  const test_support::CliRun token =
      test_support::Cli({"--config", cfg_path, "token", "create", "dialplan", "--role", "viewer"});
  INFO(token.err);
  REQUIRE(token.code == 0);
  const httplib::Headers auth = {{"Authorization", "Bearer " + token.out.substr(0, token.out.size() - 1)}};

  {
    // No plan yet: the service starts but is not ready.
    auto svc = app::Service::Start(cfg, {});
    REQUIRE(svc.ok());
    httplib::Client http("127.0.0.1", (*svc)->http_port());
    auto ready = http.Get("/readyz");
    REQUIRE(ready);
    CHECK(ready->status == 503);
    CHECK(ready->body.find("rate_plans") != std::string::npos);
    auto quote = http.Get("/api/v1/quote?number=%2B447700900123&seconds=60", auth);
    REQUIRE(quote);
    CHECK(quote->status == 404);
  }

  const std::string deck_path = dir.path() + "/deck.csv";
  std::ofstream(deck_path) << kDeck;
  const test_support::CliRun imported =
      test_support::Cli({"--config", cfg_path, "rates", "import", "--plan", "retail", deck_path});
  INFO(imported.err);
  REQUIRE(imported.code == 0);

  // Ready needs the FreeSWITCH link too (SPEC 10): a simulated one.
  sim::SimulatorOptions sim_options;
  sim_options.server.port = 0;
  sim::Simulator fs(sim_options);
  REQUIRE(fs.Start().ok());
  cfg.freeswitch.port = fs.port();
  auto svc = app::Service::Start(cfg, {});
  REQUIRE(svc.ok());
  CHECK((*svc)->rate_book().Current()->plan_count() == 1);
  httplib::Client http("127.0.0.1", (*svc)->http_port());
  int ready_status = 0;
  for (int i = 0; i < 500 && ready_status != 200; ++i) {
    if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    auto ready = http.Get("/readyz");
    REQUIRE(ready);
    ready_status = ready->status;
  }
  CHECK(ready_status == 200);

  // Dialled as a UK employee would: outside line, then a national number.
  const test_support::CliRun cli_quote =
      test_support::Cli({"--config", cfg_path, "quote", "9 07700 900123", "95", "--at", "2026-01-31T10:00:00Z"});
  INFO(cli_quote.err);
  REQUIRE(cli_quote.code == 0);
  const nlohmann::json from_cli = nlohmann::json::parse(cli_quote.out);
  CHECK(from_cli["plan"] == "retail");
  CHECK(from_cli["normalised_number"] == "447700900123");
  CHECK(from_cli["cost"] == "0.2420");

  auto res = http.Get("/api/v1/quote?number=9%2007700%20900123&seconds=95&at=2026-01-31T10:00:00Z", auth);
  REQUIRE(res);
  INFO(res->body);
  REQUIRE(res->status == 200);
  CHECK(nlohmann::json::parse(res->body) == from_cli);

  auto metrics = http.Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->body.find("\ntarifador_rate_plans 1\n") != std::string::npos);
  CHECK(metrics->body.find("\ntarifador_rates 3\n") != std::string::npos);
}
