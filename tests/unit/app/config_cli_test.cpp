#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/command.h"
#include "config/config_loader.h"
#include "test_support/cli_run.h"
#include "test_support/temp_dir.h"

using namespace tarifador;

namespace {}  // namespace

TEST_CASE("config defaults prints a file that loads back to the defaults", "[app][config]") {
  const test_support::CliRun r = test_support::Cli({"config", "defaults"});
  REQUIRE(r.code == 0);
  config::LoadSources none;
  none.env = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  none.host_name = [] { return std::string("h"); };
  auto parsed = config::ParseConfig(r.out, "stdout", none);
  REQUIRE(parsed.ok());
  auto defaults = config::LoadConfig(std::nullopt, none);
  REQUIRE(defaults.ok());
  CHECK(*parsed == *defaults);
  CHECK(r.out.find("// Environment: TARIFADOR_FREESWITCH_PASSWORD") != std::string::npos);
  CHECK(test_support::Cli({"config", "defaults", "extra"}).code == 2);
}

TEST_CASE("config show prints the effective config with secrets masked", "[app][config]") {
  test_support::TempDir dir;
  const std::string path = dir.path() + "/c.json";
  std::ofstream(path) << R"({
    // a comment
    "site_id": "shop-3",
    "freeswitch": {"password": "topsecret"},
    "postgres": {"enabled": true, "conninfo": "host=hq password=pgsecret"}
  })";
  const test_support::CliRun r = test_support::Cli({"config", "show", "--config", path});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const nlohmann::json j = nlohmann::json::parse(r.out);
  CHECK(j["site_id"] == "shop-3");
  CHECK(j["http"]["listen"] == "0.0.0.0:8080");
  CHECK(j["freeswitch"]["password"] == "********");
  CHECK(j["postgres"]["conninfo"] == "host=hq password=********");
  CHECK(r.out.find("topsecret") == std::string::npos);
  CHECK(r.out.find("pgsecret") == std::string::npos);
}

TEST_CASE("config show lists every problem on stderr and fails", "[app][config]") {
  test_support::TempDir dir;
  const std::string path = dir.path() + "/bad.json";
  std::ofstream(path) << R"({"http": {"listen": "x"}, "billing": {"debit_interval": 1}, "nope": 1})";
  const test_support::CliRun r = test_support::Cli({"config", "show", "--config", path});
  CHECK(r.code == 1);
  CHECK(r.out.empty());
  CHECK(r.err.find("http.listen") != std::string::npos);
  CHECK(r.err.find("billing.debit_interval") != std::string::npos);
  CHECK(r.err.find("nope") != std::string::npos);
  const test_support::CliRun missing = test_support::Cli({"config", "show", "--config", dir.path() + "/missing.json"});
  CHECK(missing.code == 1);
  CHECK(missing.err.find("missing.json") != std::string::npos);
}
