#include "config/config_format.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "config/config_loader.h"
#include "config/settings_table.h"
#include "test_support/fixtures.h"

using namespace tarifador;

namespace {

config::LoadSources NoEnvironment() {
  config::LoadSources s;
  s.env = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  s.host_name = [] { return std::string("host-a"); };
  return s;
}

bool Contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("The default config file parses back to exactly the defaults", "[config]") {
  const std::string text = config::DefaultConfigText();
  auto parsed = config::ParseConfig(text, "defaults", NoEnvironment());
  INFO(text);
  REQUIRE(parsed.ok());
  auto defaults = config::LoadConfig(std::nullopt, NoEnvironment());
  REQUIRE(defaults.ok());
  CHECK(*parsed == *defaults);
  // It documents every key: its environment variable, its help and its value.
  for (const config::Setting& s : config::Settings()) {
    INFO(s.key);
    CHECK(Contains(text, "// Environment: " + std::string(s.env) + "\n"));
    CHECK(Contains(text, s.help.substr(0, 20)));
    const std::string leaf(s.key.substr(s.key.find('.') == std::string_view::npos ? 0 : s.key.find('.') + 1));
    CHECK(Contains(text, "\"" + leaf + "\": " + config::FormatValue(config::DefaultValue(s))));
  }
  CHECK(Contains(text, "\"http\": {"));
}

TEST_CASE("The effective config JSON round-trips and masks secrets", "[config]") {
  auto c = config::ParseConfig(R"({"site_id": "s1", "freeswitch": {"password": "s3cret"},
      "postgres": {"enabled": true, "conninfo": "host=hq password=pgpw"}})",
                               "t.json", NoEnvironment());
  REQUIRE(c.ok());
  const std::string plain = config::ConfigJson(*c, /*mask_secrets=*/false);
  auto back = config::ParseConfig(plain, "plain", NoEnvironment());
  REQUIRE(back.ok());
  CHECK(*back == *c);

  const std::string masked = config::ConfigJson(*c, /*mask_secrets=*/true);
  CHECK_FALSE(Contains(masked, "s3cret"));
  CHECK_FALSE(Contains(masked, "pgpw"));
  CHECK(Contains(masked, "\"password\": \"********\""));
  CHECK(Contains(masked, "host=hq password=********"));
  CHECK(Contains(masked, "\"site_id\": \"s1\""));
}

TEST_CASE("docs/CONFIGURATION.md is generated from the settings table", "[config]") {
  const std::string path = test_support::SourcePath("docs/CONFIGURATION.md");
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream file;
  file << in.rdbuf();
  const std::string want = config::ConfigurationMarkdown();
  INFO("docs/CONFIGURATION.md is out of date: run `build/tarifador config docs > docs/CONFIGURATION.md`");
  CHECK(file.str() == want);
  for (const config::Setting& s : config::Settings()) {
    INFO(s.key);
    CHECK(Contains(want, "| `" + std::string(s.key) + "` |"));
  }
}
