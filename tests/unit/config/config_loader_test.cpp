#include "config/config_loader.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <set>

#include "config/settings_table.h"
#include "test_support/temp_dir.h"

using namespace tarifador;
using config::Config;
using config::LoadSources;

namespace {

// A fake environment and host name: tests never read the real process's.
LoadSources Fake(std::map<std::string, std::string> env = {}, std::string host = "box-1") {
  LoadSources s;
  s.env = [env = std::move(env)](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  s.host_name = [host] { return host; };
  return s;
}

Config DefaultsFor(const std::string& host) {
  Config c;
  c.site_id = host;
  return c;
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

size_t CountLines(const std::string& text) {
  size_t n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

// Non-default values for every key, as nested JSON with both comment styles.
constexpr const char* kFullConfig = R"(
// Branch office 7
{
  "data_dir": "/srv/tarifador",  // trailing comment
  "site_id": "branch-07",
  "log_level": "debug",
  "time_zone": "Europe/Madrid",
  /* the web UI */
  "http": {
    "listen": "[::1]:9090",
    "max_body_bytes": 1048576,
    "max_connections": 100,
    "tls_listen": "0.0.0.0:9443",
    "max_connections_per_address": 10,
    "tls_cert": "/etc/tarifador/cert.pem",
    "tls_key": "/etc/tarifador/key.pem"
  },
  "freeswitch": {"host": "10.0.0.5", "port": 8022, "password": "s3cret", "json_cdr_dir": "/var/spool/json_cdr",
                 "socket_listen": "127.0.0.1:8084"},
  "billing": {"debit_interval": 30, "when_down": "allow", "max_call_seconds": 7200, "max_recharge": "2500.00"},
  "guards": {"max_price_per_minute": "3.00", "blocked_prefixes": "44870,4490", "blocked_zones": "Premium,UK mobile",
             "international_hours": "08:30-19:00",
             "office_days": "mon,tue,wed,thu,fri,sat", "holidays": "2026-12-25,2027-01-01",
             "max_call_cost": "20.00", "max_concurrent_calls": 2, "max_calls_per_hour": 30,
             "max_repeats_per_hour": 5, "max_daily_spend": "50.00",
             "alert_only": "guard_after_hours,guard_repeated_number",
             "spike_factor": 5, "spike_min_calls": 40, "spike_min_cost": "50.00"},
  "pins": {"prefix": "*55", "max_failures": 4},
  "rating": {
    "default_plan": "retail",
    "outside_line_code": "9",
    "international_prefix": "011",
    "national_prefix": "1",
    "country_code": "1",
    "national_number_digits": 10,
    "max_extension_digits": 4
  },
  "export": {"dir": "/srv/export", "daily": false, "monthly": false, "columns": "uuid,cost", "time_zone": "UTC"},
  "postgres": {"enabled": true, "conninfo": "host=hq dbname=t user=b password=pw", "batch_rows": 500,
               "retry_max_seconds": 30},
  "alerts": {"smtp_url": "smtp://mail.example.com:587", "smtp_username": "box", "smtp_password": "mailpw",
             "smtp_from": "tarifador@example.com", "ca_file": "/etc/ssl/office-ca.pem", "low_balance": "5.00"},
  "retention": {"cdr_days": 400}
}
)";

}  // namespace

TEST_CASE("Defaults are valid and the site id defaults to the host name", "[config]") {
  auto c = config::ParseConfig("{}", "test.json", Fake());
  REQUIRE(c.ok());
  CHECK(*c == DefaultsFor("box-1"));
  CHECK(c->http.listen == "0.0.0.0:8080");
  CHECK(c->StorePath() == "/var/lib/tarifador/tarifador.db");
  CHECK(c->ExportDir() == "/var/lib/tarifador/export");

  auto no_file = config::LoadConfig(std::nullopt, Fake());
  REQUIRE(no_file.ok());
  CHECK(*no_file == DefaultsFor("box-1"));

  // An empty file (a freshly created conffile) is all defaults too.
  auto empty = config::ParseConfig("  \n", "empty.json", Fake());
  REQUIRE(empty.ok());
  CHECK(*empty == DefaultsFor("box-1"));

  for (const config::Setting& s : config::Settings()) {
    INFO(s.key);
    CHECK(s.validate(config::DefaultValue(s)).empty());
  }
  CHECK(config::CrossCheck(Config{}).empty());
}

TEST_CASE("The settings table is well formed", "[config]") {
  std::set<std::string_view> keys;
  std::set<std::string_view> envs;
  for (const config::Setting& s : config::Settings()) {
    INFO(s.key);
    CHECK(keys.insert(s.key).second);
    CHECK(envs.insert(s.env).second);
    CHECK(s.env == config::EnvNameForKey(s.key));
    CHECK(!s.help.empty());
    CHECK(std::count(s.key.begin(), s.key.end(), '.') <= 1);  // the generators nest one level
    CHECK(config::FindSetting(s.key) == &s);
    // Type and binding agree.
    CHECK(config::DefaultValue(s).index() == static_cast<size_t>(s.type));
  }
  // SPEC section 10: keys outside clients rely on.
  for (const char* k :
       {"data_dir", "site_id", "http.listen", "freeswitch.host", "freeswitch.port", "freeswitch.password",
        "billing.debit_interval", "export.dir", "postgres.enabled", "postgres.conninfo"}) {
    INFO(k);
    CHECK(config::FindSetting(k) != nullptr);
  }
  CHECK(config::FindSetting("http") == nullptr);
  CHECK(config::EnvNameForKey("http.listen") == "TARIFADOR_HTTP_LISTEN");
  CHECK(config::EnvNameForKey("data_dir") == "TARIFADOR_DATA_DIR");
}

TEST_CASE("Every key is read from nested JSON with comments", "[config]") {
  auto c = config::ParseConfig(kFullConfig, "full.json", Fake());
  REQUIRE(c.ok());
  CHECK(c->data_dir == "/srv/tarifador");
  CHECK(c->site_id == "branch-07");
  CHECK(c->log_level == "debug");
  CHECK(c->http.listen == "[::1]:9090");
  CHECK(c->http.max_body_bytes == 1048576);
  CHECK(c->http.max_connections == 100);
  CHECK(c->http.tls_listen == "0.0.0.0:9443");
  CHECK(c->http.max_connections_per_address == 10);
  CHECK(c->http.tls_cert == "/etc/tarifador/cert.pem");
  CHECK(c->http.tls_key == "/etc/tarifador/key.pem");
  CHECK(c->freeswitch.host == "10.0.0.5");
  CHECK(c->freeswitch.port == 8022);
  CHECK(c->freeswitch.password == "s3cret");
  CHECK(c->freeswitch.json_cdr_dir == "/var/spool/json_cdr");
  CHECK(c->freeswitch.socket_listen == "127.0.0.1:8084");
  CHECK(c->billing.debit_interval == 30);
  CHECK(c->billing.when_down == "allow");
  CHECK(c->billing.max_call_seconds == 7200);
  CHECK(c->guards.max_price_per_minute == "3.00");
  CHECK(c->guards.blocked_prefixes == "44870,4490");
  CHECK(c->guards.blocked_zones == "Premium,UK mobile");
  CHECK(c->guards.max_call_cost == "20.00");
  CHECK(c->guards.max_concurrent_calls == 2);
  CHECK(c->guards.max_calls_per_hour == 30);
  CHECK(c->guards.max_repeats_per_hour == 5);
  CHECK(c->guards.max_daily_spend == "50.00");
  CHECK(c->billing.max_recharge == "2500.00");
  CHECK(c->guards.alert_only == "guard_after_hours,guard_repeated_number");
  CHECK(c->pins.prefix == "*55");
  CHECK(c->pins.max_failures == 4);
  CHECK(c->rating.default_plan == "retail");
  CHECK(c->rating.outside_line_code == "9");
  CHECK(c->rating.international_prefix == "011");
  CHECK(c->rating.national_prefix == "1");
  CHECK(c->rating.country_code == "1");
  CHECK(c->rating.national_number_digits == 10);
  CHECK(c->rating.max_extension_digits == 4);
  CHECK(c->export_.dir == "/srv/export");
  CHECK(c->ExportDir() == "/srv/export");
  CHECK(c->postgres.enabled);
  CHECK(c->postgres.conninfo == "host=hq dbname=t user=b password=pw");
  // The sample covers the whole table: a key added later must be added here.
  for (const config::Setting& s : config::Settings()) {
    INFO(s.key);
    CHECK(config::GetSetting(*c, s) != config::DefaultValue(s));
  }
}

TEST_CASE("A config file is read from disk, a missing explicit file is an error", "[config]") {
  test_support::TempDir dir;
  const std::string path = dir.path() + "/config.json";
  std::ofstream(path) << R"({"freeswitch": {"port": 9021}})";
  auto c = config::LoadConfig(path, Fake());
  REQUIRE(c.ok());
  CHECK(c->freeswitch.port == 9021);

  auto missing = config::LoadConfig(dir.path() + "/nope.json", Fake());
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == base::StatusCode::kNotFound);
  CHECK(Contains(missing.status().message(), dir.path() + "/nope.json"));

  std::ofstream(dir.path() + "/bad.json") << R"({"http": {"listen": "nowhere"}})";
  auto bad = config::LoadConfig(dir.path() + "/bad.json", Fake());
  REQUIRE_FALSE(bad.ok());
  // The source of a file problem is the file's path.
  CHECK(Contains(bad.status().message(), dir.path() + "/bad.json: http.listen = \"nowhere\""));
}

TEST_CASE("Environment variables override the file", "[config]") {
  auto c = config::ParseConfig(kFullConfig, "full.json",
                               Fake({{"TARIFADOR_HTTP_LISTEN", "127.0.0.1:7070"},
                                     {"TARIFADOR_FREESWITCH_PORT", "+8023"},
                                     {"TARIFADOR_POSTGRES_ENABLED", "off"},
                                     {"TARIFADOR_SITE_ID", "from-env"},
                                     {"TARIFADOR_UNRELATED", "x"}}));
  REQUIRE(c.ok());
  CHECK(c->http.listen == "127.0.0.1:7070");
  CHECK(c->freeswitch.port == 8023);
  CHECK_FALSE(c->postgres.enabled);
  CHECK(c->site_id == "from-env");
  CHECK(c->data_dir == "/srv/tarifador");  // not overridden: the file's value

  // Every key can come from the environment alone.
  std::map<std::string, std::string> env = {
      {"TARIFADOR_DATA_DIR", "/d"},
      {"TARIFADOR_SITE_ID", "s"},
      {"TARIFADOR_LOG_LEVEL", "error"},
      {"TARIFADOR_HTTP_LISTEN", "h:1"},
      {"TARIFADOR_HTTP_MAX_BODY_BYTES", "2048"},
      {"TARIFADOR_HTTP_MAX_CONNECTIONS", "64"},
      {"TARIFADOR_HTTP_TLS_LISTEN", "[::]:9443"},
      {"TARIFADOR_HTTP_MAX_CONNECTIONS_PER_ADDRESS", "8"},
      {"TARIFADOR_HTTP_TLS_CERT", "/c.pem"},
      {"TARIFADOR_HTTP_TLS_KEY", "/k.pem"},
      {"TARIFADOR_FREESWITCH_HOST", "fs.local"},
      {"TARIFADOR_FREESWITCH_PORT", "1"},
      {"TARIFADOR_FREESWITCH_PASSWORD", "pw"},
      {"TARIFADOR_FREESWITCH_JSON_CDR_DIR", "/spool"},
      {"TARIFADOR_FREESWITCH_SOCKET_LISTEN", "127.0.0.1:9084"},
      {"TARIFADOR_BILLING_DEBIT_INTERVAL", "3600"},
      {"TARIFADOR_BILLING_WHEN_DOWN", "allow"},
      {"TARIFADOR_BILLING_MAX_CALL_SECONDS", "600"},
      {"TARIFADOR_GUARDS_MAX_PRICE_PER_MINUTE", "1.5"},
      {"TARIFADOR_GUARDS_BLOCKED_PREFIXES", "1900"},
      {"TARIFADOR_RATING_DEFAULT_PLAN", "staff"},
      {"TARIFADOR_RATING_OUTSIDE_LINE_CODE", "0"},
      {"TARIFADOR_RATING_INTERNATIONAL_PREFIX", ""},
      {"TARIFADOR_RATING_NATIONAL_PREFIX", "0"},
      {"TARIFADOR_RATING_COUNTRY_CODE", "49"},
      {"TARIFADOR_RATING_NATIONAL_NUMBER_DIGITS", "10"},
      {"TARIFADOR_RATING_MAX_EXTENSION_DIGITS", "3"},
      {"TARIFADOR_EXPORT_DIR", "/e"},
      {"TARIFADOR_EXPORT_DAILY", "false"},
      {"TARIFADOR_EXPORT_MONTHLY", "false"},
      {"TARIFADOR_EXPORT_COLUMNS", "uuid"},
      {"TARIFADOR_EXPORT_TIME_ZONE", "UTC"},
      {"TARIFADOR_TIME_ZONE", "UTC"},
      {"TARIFADOR_POSTGRES_ENABLED", "YES"},
      {"TARIFADOR_POSTGRES_CONNINFO", "host=x"},
      {"TARIFADOR_POSTGRES_BATCH_ROWS", "100"},
      {"TARIFADOR_POSTGRES_RETRY_MAX_SECONDS", "5"},
      {"TARIFADOR_RETENTION_CDR_DAYS", "90"},
      {"TARIFADOR_ALERTS_SMTP_URL", "smtps://mail.example.com"},
      {"TARIFADOR_ALERTS_SMTP_USERNAME", "u"},
      {"TARIFADOR_ALERTS_SMTP_PASSWORD", "p"},
      {"TARIFADOR_ALERTS_SMTP_FROM", "a@b.c"},
      {"TARIFADOR_ALERTS_CA_FILE", "/ca.pem"},
      {"TARIFADOR_ALERTS_LOW_BALANCE", "2.50"},
      {"TARIFADOR_GUARDS_INTERNATIONAL_HOURS", "09:00-18:00"},
      {"TARIFADOR_GUARDS_OFFICE_DAYS", "sat,sun"},
      {"TARIFADOR_GUARDS_HOLIDAYS", "2027-01-06"},
      {"TARIFADOR_GUARDS_MAX_CALL_COST", "5"},
      {"TARIFADOR_GUARDS_MAX_CONCURRENT_CALLS", "1"},
      {"TARIFADOR_GUARDS_MAX_CALLS_PER_HOUR", "10"},
      {"TARIFADOR_GUARDS_MAX_REPEATS_PER_HOUR", "3"},
      {"TARIFADOR_GUARDS_MAX_DAILY_SPEND", "12.50"},
      {"TARIFADOR_GUARDS_BLOCKED_ZONES", "Satellite"},
      {"TARIFADOR_BILLING_MAX_RECHARGE", ""},
      {"TARIFADOR_GUARDS_ALERT_ONLY", "guard_call_cost"},
      {"TARIFADOR_GUARDS_SPIKE_FACTOR", "4"},
      {"TARIFADOR_GUARDS_SPIKE_MIN_CALLS", "10"},
      {"TARIFADOR_GUARDS_SPIKE_MIN_COST", "5"},
      {"TARIFADOR_PINS_PREFIX", ""},
      {"TARIFADOR_PINS_MAX_FAILURES", "10"},
  };
  REQUIRE(env.size() == config::Settings().size());
  auto e = config::LoadConfig(std::nullopt, Fake(env));
  REQUIRE(e.ok());
  for (const config::Setting& s : config::Settings()) {
    INFO(s.key);
    CHECK(config::GetSetting(*e, s) != config::DefaultValue(s));
  }
  CHECK(e->http.max_body_bytes == 2048);
  CHECK(e->http.max_connections == 64);
  CHECK(e->http.tls_listen == "[::]:9443");
  CHECK(e->http.max_connections_per_address == 8);
  CHECK(e->postgres.enabled);
  CHECK(e->rating.international_prefix.empty());  // an empty variable switches the rule off
  CHECK(e->rating.country_code == "49");
}

TEST_CASE("Every problem is reported at once and nothing is applied", "[config]") {
  const char* text = R"({
    "data_dir": "relative/dir",
    "site_id": "has space",
    "log_level": "verbose",
    "http": {"listen": "0.0.0.0:99999", "lisen": "x", "max_body_bytes": 10},
    "freeswitch": {"port": "8021", "password": "two\nlines"},
    "billing": {"debit_interval": 4, "when_down": "maybe"},
    "guards": {"max_price_per_minute": "-1", "blocked_prefixes": "44,,49", "international_hours": "20:00-08:00",
               "alert_only": "guard_everything"},
    "pins": {"prefix": "*7a", "max_failures": 50},
    "postgres": {"enabled": "yes"},
    "alerts": {"smtp_url": "http://mail.example.com", "smtp_from": "not an address"},
    "colour": "blue"
  })";
  auto c = config::ParseConfig(
      text, "bad.json",
      Fake({{"TARIFADOR_FREESWITCH_HOST", "bad host"}, {"TARIFADOR_BILLING_DEBIT_INTERVAL", "sixty"}}));
  REQUIRE_FALSE(c.ok());
  CHECK(c.status().code() == base::StatusCode::kInvalidArgument);
  const std::string m = c.status().message();
  INFO(m);
  const std::vector<std::string> expected = {
      "bad.json: data_dir = \"relative/dir\": must be an absolute path",
      "bad.json: site_id = \"has space\": must be 1 to 64 characters",
      "bad.json: log_level = \"verbose\": must be one of debug, info, warning, error",
      "bad.json: http.listen = \"0.0.0.0:99999\": expected \"host:port\"",
      "bad.json: http.lisen = \"x\": unknown key",
      "bad.json: http.max_body_bytes = 10: must be between 1024 and 1073741824",
      "bad.json: freeswitch.port = \"8021\": expected an integer, got a string",
      "bad.json: freeswitch.password = \"********\": must not contain line breaks",
      "bad.json: billing.debit_interval = 4: must be between 5 and 3600",
      "bad.json: billing.when_down = \"maybe\": must be \"deny\" or \"allow\"",
      "bad.json: guards.max_price_per_minute = \"-1\": must be empty or an amount",
      "bad.json: guards.blocked_prefixes = \"44,,49\": must be empty or up to 1000 comma-separated prefixes",
      "bad.json: guards.international_hours = \"20:00-08:00\": must be empty or \"HH:MM-HH:MM\" with the start before",
      "bad.json: guards.alert_only = \"guard_everything\": must be empty or comma-separated guard rules",
      "bad.json: pins.prefix = \"*7a\": must be empty or 1 to 8 of 0-9 * #",
      "bad.json: pins.max_failures = 50: must be between 3 and 20",
      "bad.json: postgres.enabled = \"yes\": expected a boolean, got a string",
      "bad.json: alerts.smtp_url = \"http://mail.example.com\": must be empty or a URL such as",
      "bad.json: alerts.smtp_from = \"not an address\": must be empty or one e-mail address",
      "bad.json: colour = \"blue\": unknown key",
      "environment TARIFADOR_FREESWITCH_HOST: freeswitch.host = \"bad host\": expected a host name",
      "environment TARIFADOR_BILLING_DEBIT_INTERVAL: billing.debit_interval = \"sixty\": expected an integer",
  };
  for (const std::string& e : expected) {
    INFO(e);
    CHECK(Contains(m, e));
  }
  CHECK(Contains(m, "(22 problems)"));
  CHECK(CountLines(m) == expected.size());  // one line per problem after the heading
  CHECK_FALSE(Contains(m, "two"));          // a secret is never echoed
}

TEST_CASE("Unknown keys and misplaced sections are named", "[config]") {
  auto flat = config::ParseConfig(R"({"http.listen": "0.0.0.0:80"})", "f.json", Fake());
  REQUIRE_FALSE(flat.ok());
  CHECK(Contains(flat.status().message(),
                 "f.json: http.listen = \"0.0.0.0:80\": unknown key; dotted names are "
                 "nested objects: {\"http\": {\"listen\": ...}}"));

  auto section = config::ParseConfig(R"({"http": 5, "freeswitch": {"tls": {"on": true}}})", "s.json", Fake());
  REQUIRE_FALSE(section.ok());
  CHECK(Contains(section.status().message(), "s.json: http = 5: expected an object"));
  CHECK(Contains(section.status().message(), "s.json: freeswitch.tls = {\"on\":true}: unknown key"));
}

TEST_CASE("Wrong JSON types are refused", "[config]") {
  struct Case {
    const char* json;
    const char* message;
  };
  const Case cases[] = {
      {R"({"billing": {"debit_interval": 60.5}})",
       "billing.debit_interval = 60.5: expected an integer, got a number with a fraction"},
      {R"({"freeswitch": {"port": true}})", "freeswitch.port = true: expected an integer, got a boolean"},
      {R"({"data_dir": 7})", "data_dir = 7: expected a string, got an integer"},
      {R"({"data_dir": null})", "data_dir = null: expected a string, got null"},
      {R"({"postgres": {"enabled": 1}})", "postgres.enabled = 1: expected a boolean, got an integer"},
      {R"({"http": {"listen": ["a"]}})", "http.listen = [\"a\"]: expected a string, got an array"},
      {R"({"freeswitch": {"port": 18446744073709551615}})",
       "freeswitch.port = 18446744073709551615: integer out of range"},
      {R"({"freeswitch": {"password": 5}})", "freeswitch.password = <hidden>: expected a string"},
  };
  for (const Case& k : cases) {
    INFO(k.json);
    auto c = config::ParseConfig(k.json, "t.json", Fake());
    REQUIRE_FALSE(c.ok());
    CHECK(Contains(c.status().message(), k.message));
  }
  auto not_object = config::ParseConfig("[1, 2]", "t.json", Fake());
  REQUIRE_FALSE(not_object.ok());
  CHECK(Contains(not_object.status().message(), "expected a JSON object at the top"));
  auto broken = config::ParseConfig("{\n  \"data_dir\": \"/x\",\n}", "t.json", Fake());
  REQUIRE_FALSE(broken.ok());
  CHECK(Contains(broken.status().message(), "t.json: not valid JSON"));
  CHECK(Contains(broken.status().message(), "line 3"));
}

TEST_CASE("Validators accept what they should and only that", "[config]") {
  const auto valid = [](const char* key, config::SettingValue v) {
    const config::Setting* s = config::FindSetting(key);
    REQUIRE(s != nullptr);
    return s->validate(v).empty();
  };
  for (const char* ok : {"0.0.0.0:8080", "[::1]:8080", "[::]:443", "localhost:1", "box.example.org:65535",
                         "192.168.1.10:80", "127.0.0.1:0"}) {  // port 0: any free one (tests read it from the log)
    INFO(ok);
    CHECK(valid("http.listen", std::string(ok)));
  }
  for (const char* bad :
       {"", ":8080", "host", "host:65536", "host:80x", "[::1]8080", "a b:80", "[zz]:80", "::1:8080", "host:-1"}) {
    INFO(bad);
    CHECK_FALSE(valid("http.listen", std::string(bad)));
  }
  CHECK(valid("freeswitch.host", std::string("::1")));
  CHECK(valid("freeswitch.host", std::string("pbx.local")));
  CHECK_FALSE(valid("freeswitch.host", std::string("")));
  CHECK_FALSE(valid("freeswitch.port", int64_t{0}));
  CHECK(valid("freeswitch.port", int64_t{65535}));
  CHECK_FALSE(valid("freeswitch.port", int64_t{65536}));
  CHECK_FALSE(valid("billing.debit_interval", int64_t{4}));
  CHECK(valid("billing.debit_interval", int64_t{5}));
  CHECK(valid("billing.debit_interval", int64_t{3600}));
  CHECK_FALSE(valid("billing.debit_interval", int64_t{3601}));
  CHECK(valid("site_id", std::string("")));  // means the host name
  CHECK(valid("site_id", std::string("Branch_7.north-1")));
  CHECK(valid("site_id", std::string(64, 'a')));
  CHECK_FALSE(valid("site_id", std::string(65, 'a')));
  CHECK_FALSE(valid("site_id", std::string("a/b")));
  CHECK_FALSE(valid("data_dir", std::string("")));
  CHECK_FALSE(valid("data_dir", std::string("var/lib")));
  CHECK(valid("export.dir", std::string("")));
  CHECK_FALSE(valid("export.dir", std::string("export")));
  CHECK_FALSE(valid("freeswitch.password", std::string("")));
  for (const char* lvl : {"debug", "info", "warning", "error"}) CHECK(valid("log_level", std::string(lvl)));
  CHECK_FALSE(valid("log_level", std::string("INFO")));
  CHECK(valid("billing.when_down", std::string("deny")));
  CHECK_FALSE(valid("billing.when_down", std::string("Deny")));
  // Dial-plan codes: digits only, bounded; empty switches a rule off.
  for (const char* key : {"rating.outside_line_code", "rating.international_prefix", "rating.national_prefix"}) {
    INFO(key);
    CHECK(valid(key, std::string("")));
    CHECK(valid(key, std::string("0")));
    CHECK(valid(key, std::string("0011")));
    CHECK_FALSE(valid(key, std::string("00111")));
    CHECK_FALSE(valid(key, std::string("+")));
    CHECK_FALSE(valid(key, std::string("9 ")));
    CHECK_FALSE(valid(key, std::string("0a")));
  }
  CHECK(valid("rating.country_code", std::string("44")));
  CHECK(valid("rating.country_code", std::string("358")));
  CHECK_FALSE(valid("rating.country_code", std::string("+44")));
  CHECK_FALSE(valid("rating.country_code", std::string("4412")));
  CHECK(valid("rating.national_number_digits", int64_t{0}));
  CHECK(valid("rating.national_number_digits", int64_t{15}));
  CHECK_FALSE(valid("rating.national_number_digits", int64_t{16}));
  CHECK_FALSE(valid("rating.max_extension_digits", int64_t{-1}));
  CHECK(valid("rating.max_extension_digits", int64_t{6}));
  CHECK(valid("rating.default_plan", std::string("retail-2026.v1_a")));
  CHECK(valid("rating.default_plan", std::string(64, 'p')));
  CHECK_FALSE(valid("rating.default_plan", std::string("")));
  CHECK_FALSE(valid("rating.default_plan", std::string(65, 'p')));
  CHECK_FALSE(valid("rating.default_plan", std::string("my plan")));
  CHECK_FALSE(valid("rating.default_plan", std::string("a/b")));
}

TEST_CASE("Rules across keys are checked", "[config]") {
  auto tls = config::ParseConfig(R"({"http": {"tls_cert": "/c.pem"}})", "t.json", Fake());
  REQUIRE_FALSE(tls.ok());
  CHECK(Contains(tls.status().message(), "http.tls_cert and http.tls_key must be set together"));
  auto pg = config::ParseConfig("{}", "t.json", Fake({{"TARIFADOR_POSTGRES_ENABLED", "true"}}));
  REQUIRE_FALSE(pg.ok());
  CHECK(Contains(pg.status().message(), "postgres.enabled is true but postgres.conninfo is empty"));
}

TEST_CASE("Passwords inside conninfo strings are masked", "[config]") {
  CHECK(config::MaskConninfo("host=hq password=s3cret dbname=t") == "host=hq password=******** dbname=t");
  CHECK(config::MaskConninfo("password = 'a b\\' c' user=x") == "password = ******** user=x");
  CHECK(config::MaskConninfo("postgresql://branch:s3cret@hq:5432/t") == "postgresql://branch:********@hq:5432/t");
  CHECK(config::MaskConninfo("postgresql://hq/t?user=b&password=s3cret&sslmode=require") ==
        "postgresql://hq/t?user=b&password=********&sslmode=require");
  CHECK(config::MaskConninfo("host=hq user=b") == "host=hq user=b");
}

TEST_CASE("Leaving the event socket's password at FreeSWITCH's default is warned about", "[config]") {
  Config c;
  const std::vector<std::string> warnings = config::SecurityWarnings(c);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("freeswitch.password") != std::string::npos);
  CHECK(warnings[0].find("ClueCon") != std::string::npos);
  c.freeswitch.password = "a-long-random-secret";
  CHECK(config::SecurityWarnings(c).empty());
}

TEST_CASE("http.tls_listen is on by default and takes port 0 or nothing", "[config]") {
  auto d = config::ParseConfig("{}", "d.json", Fake());
  REQUIRE(d.ok());
  CHECK(d->http.tls_listen == "0.0.0.0:8443");
  auto any = config::ParseConfig(R"({"http": {"tls_listen": "127.0.0.1:0"}})", "a.json", Fake());
  REQUIRE(any.ok());
  CHECK(any->http.tls_listen == "127.0.0.1:0");
  auto off = config::ParseConfig(R"({"http": {"tls_listen": ""}})", "o.json", Fake());
  REQUIRE(off.ok());
  CHECK(off->http.tls_listen.empty());
  CHECK_FALSE(config::ParseConfig(R"({"http": {"tls_listen": "8443"}})", "b.json", Fake()).ok());
  CHECK_FALSE(config::ParseConfig(R"({"http": {"tls_listen": "0.0.0.0:99999"}})", "b.json", Fake()).ok());
}
