// Rating over HTTP: quotes, rate plans, rate lists and deck imports, against
// the real server on 127.0.0.1 with a store writer and a live rate book.
#include <atomic>
#include <thread>

#include "base/time.h"
#include "http/rating_json.h"
#include "rating/quote.h"
#include "store/rate_plan_store.h"
#include "test_server.h"

using namespace tarifador;
using namespace tarifador::http;
using namespace tarifador::http::testing;

namespace {

constexpr const char* kAt = "2026-01-31T10:00:00Z";

// The example deck of docs/RATING.md.
constexpr const char* kDeck =
    "prefix,zone,price_per_minute,connection_fee,initial_increment,increment,grace,blocked\n"
    "44,UK Fixed,0.0200,,60,60,,\n"
    "4420,London,0.0150,,1,1,,\n"
    "447,UK Mobile,0.1200,0.05,30,6,3,\n"
    "449,UK Premium,1.5000,,,,,yes\n"
    "1,USA and Canada,0.0100,,1,1,,\n";

// The same plan with cheaper mobiles.
constexpr const char* kCheaperMobiles =
    "prefix,zone,price_per_minute,connection_fee,initial_increment,increment\n"
    "44,UK Fixed,0.0200,,60,60\n"
    "447,UK Mobile,0.0600,0.05,30,6\n";

// Three bad lines (3, 4 and 5) among good ones.
constexpr const char* kBadDeck =
    "prefix,zone,price_per_minute\n"
    "44,UK Fixed,0.0100\n"
    "12a,Bad prefix,0.0100\n"
    "447,UK Mobile,\"0,12\"\n"
    "33,France\n";

// UK office: 9 for an outside line, 00 international, 0 national, country 44,
// extensions up to 4 digits.
RatingSetup UkOffice(std::string default_plan = "retail") {
  RatingSetup r;
  r.rules = rating::DialPlanRules{"9", "00", "0", "44", 0, 4};
  r.default_plan = std::move(default_plan);
  return r;
}

httplib::Result Import(httplib::Client& cli, const std::string& token, const std::string& plan, const std::string& csv,
                       const std::string& query = "") {
  return cli.Post(("/api/v1/rate-plans/" + plan + "/import" + query).c_str(), Bearer(token), csv, "text/csv");
}

httplib::Result Quote(httplib::Client& cli, const std::string& token, httplib::Params params) {
  return cli.Get("/api/v1/quote", params, Bearer(token));
}

// The JSON `tarifador quote` prints for the same question, computed from the
// server's live rate book with the same dial-plan rules.
nlohmann::json CliQuote(TestServer& s, const RatingSetup& setup, const std::string& plan, const std::string& number,
                        int64_t seconds) {
  auto normaliser = rating::NumberNormaliser::Create(setup.rules);
  REQUIRE(normaliser.ok());
  auto at = base::ParseIso8601(kAt);
  REQUIRE(at.ok());
  auto quote = rating::QuoteCall(*s.rate_book().Current(), plan, *normaliser, number, seconds, *at);
  REQUIRE(quote.ok());
  return nlohmann::json::parse(QuoteJson(*quote, 2));
}

// The value of an unlabelled sample in the Prometheus text, or -1.
long long MetricValue(const std::string& text, const std::string& name) {
  const std::string needle = "\n" + name + " ";
  const size_t at = text.find(needle);
  if (at == std::string::npos) return -1;
  return std::stoll(text.substr(at + needle.size()));
}

}  // namespace

TEST_CASE("A quote through the API is the quote JSON the CLI prints", "[http][rating]") {
  const RatingSetup setup = UkOffice();
  TestServer s({}, nullptr, &setup);
  auto cli = s.Client();
  const std::string admin = s.Token("admin-bot", store::Role::kAdmin);
  const std::string viewer = s.Token("dialplan", store::Role::kViewer);
  auto imported = Import(*cli, admin, "retail", kDeck);
  REQUIRE(imported);
  INFO(imported->body);
  REQUIRE(imported->status == 200);
  CHECK(JsonBody(imported) ==
        nlohmann::json{{"plan", "retail"}, {"rates", 5}, {"zones", 5}, {"decimals", 4}, {"rounding", "up"}});

  // docs/RATING.md's worked example: "+" survives the query string, 95 s on
  // 30/6 bills 96 s, 0.05 + 0.12 * 96 / 60 = 0.2420.
  auto res = Quote(*cli, viewer, {{"plan", "retail"}, {"number", "+44 7700 900123"}, {"seconds", "95"}, {"at", kAt}});
  const nlohmann::json api = JsonBody(res);
  INFO(res->body);
  REQUIRE(res->status == 200);
  CHECK(api["prefix"] == "447");
  CHECK(api["zone"] == "UK Mobile");
  CHECK(api["price_per_minute"] == "0.1200");
  CHECK(api["billable_seconds"] == 96);
  CHECK(api["cost"] == "0.2420");
  CHECK(api["number_kind"] == "international");
  CHECK(api == CliQuote(s, setup, "retail", "+44 7700 900123", 95));

  // The configured dial plan applies: outside line 9, national 0 -> 44.
  auto national = Quote(*cli, viewer, {{"number", "9 07700 900123"}, {"seconds", "95"}, {"at", kAt}});
  REQUIRE(national);
  REQUIRE(national->status == 200);
  const nlohmann::json n = JsonBody(national);
  CHECK(n["plan"] == "retail");  // rating.default_plan
  CHECK(n["normalised_number"] == "447700900123");
  CHECK(n["number_kind"] == "national");
  CHECK(n["cost"] == "0.2420");
  CHECK(n == CliQuote(s, setup, "retail", "9 07700 900123", 95));

  // A blocked destination is a quote, flagged and free.
  auto blocked = Quote(*cli, viewer, {{"number", "00449123456"}, {"seconds", "60"}, {"at", kAt}});
  REQUIRE(blocked);
  REQUIRE(blocked->status == 200);
  CHECK(JsonBody(blocked)["blocked"] == true);
  CHECK(JsonBody(blocked)["zone"] == "UK Premium");
}

TEST_CASE("An import is quoted at once, listed, audited and keeps the plan's rounding", "[http][rating]") {
  const RatingSetup setup = UkOffice();
  TestServer s({}, nullptr, &setup);
  auto cli = s.Client();
  const std::string admin = s.Token("admin-bot", store::Role::kAdmin);
  const httplib::Params mobile = {{"plan", "retail"}, {"number", "+447700900123"}, {"seconds", "95"}, {"at", kAt}};

  RequireJsonError(Quote(*cli, admin, mobile), 404);  // no plan yet
  auto first = Import(*cli, admin, "retail", kDeck, "?decimals=2&rounding=half_up");
  REQUIRE(first);
  REQUIRE(first->status == 200);
  CHECK(JsonBody(first)["decimals"] == 2);
  CHECK(JsonBody(first)["rounding"] == "half_up");
  auto q1 = Quote(*cli, admin, mobile);
  REQUIRE(q1);
  REQUIRE(q1->status == 200);
  CHECK(JsonBody(q1)["cost"] == "0.24");  // 0.242 half up at 2 decimals
  CHECK(JsonBody(q1)["rounding"] == "half_up");

  // Re-import without settings: new prices at once, the plan keeps 2/half_up.
  auto second = Import(*cli, admin, "retail", kCheaperMobiles);
  REQUIRE(second);
  INFO(second->body);
  REQUIRE(second->status == 200);
  CHECK(JsonBody(second)["rates"] == 2);
  CHECK(JsonBody(second)["decimals"] == 2);
  auto q2 = Quote(*cli, admin, mobile);
  REQUIRE(q2);
  REQUIRE(q2->status == 200);
  CHECK(JsonBody(q2)["price_per_minute"] == "0.0600");
  CHECK(JsonBody(q2)["cost"] == "0.15");  // 0.05 + 0.06 * 96 / 60 = 0.146
  CHECK(JsonBody(q2)["decimals"] == 2);
  // Rates the new deck dropped are gone.
  RequireJsonError(Quote(*cli, admin, {{"plan", "retail"}, {"number", "+12125550100"}, {"seconds", "60"}}), 404);

  auto plans = cli->Get("/api/v1/rate-plans", Bearer(admin));
  REQUIRE(plans);
  REQUIRE(plans->status == 200);
  CHECK(JsonBody(plans) ==
        nlohmann::json{{"default_plan", "retail"},
                       {"items", {{{"name", "retail"}, {"decimals", 2}, {"rounding", "half_up"}, {"rates", 2}}}}});

  const auto audit = s.Audit("rates.import");
  REQUIRE(audit.size() == 2);
  CHECK(audit[0].actor == "token:admin-bot");
  CHECK(audit[0].target == "rate_plan:retail");
}

TEST_CASE("A bad deck gets 400 listing every bad line and the old rates stay", "[http][rating]") {
  const RatingSetup setup = UkOffice();
  TestServer s({}, nullptr, &setup);
  auto cli = s.Client();
  const std::string admin = s.Token("admin-bot", store::Role::kAdmin);
  REQUIRE(Import(*cli, admin, "retail", kDeck)->status == 200);
  const httplib::Params mobile = {{"plan", "retail"}, {"number", "+447700900123"}, {"seconds", "95"}, {"at", kAt}};
  auto before = Quote(*cli, admin, mobile);
  REQUIRE(before);
  REQUIRE(before->status == 200);
  const auto book_before = s.rate_book().Current();

  auto bad = Import(*cli, admin, "retail", kBadDeck, "?decimals=2");
  RequireJsonError(bad, 400);
  const nlohmann::json j = JsonBody(bad);
  CHECK(j["error"] == "importing plan \"retail\": 3 errors, nothing imported");
  REQUIRE(j["errors"].size() == 3);
  CHECK(j["errors"][0]["line"] == 3);
  CHECK(j["errors"][0]["column"] == "prefix");
  CHECK(j["errors"][0]["message"].get<std::string>().find("12a") != std::string::npos);
  CHECK(j["errors"][1]["line"] == 4);
  CHECK(j["errors"][1]["column"] == "price_per_minute");
  CHECK(j["errors"][2]["line"] == 5);
  for (const auto& e : j["errors"]) CHECK_FALSE(e["message"].get<std::string>().empty());

  // Nothing changed: same book, same quote byte for byte, no audit row, and
  // the settings given with the bad deck were not applied either.
  CHECK(s.rate_book().Current() == book_before);
  auto after = Quote(*cli, admin, mobile);
  REQUIRE(after);
  CHECK(after->status == 200);
  CHECK(after->body == before->body);
  CHECK(s.Audit("rates.import").size() == 1);

  // An empty body and a deck with only a header are refused the same way.
  RequireJsonError(Import(*cli, admin, "retail", ""), 400);
  RequireJsonError(Import(*cli, admin, "retail", "prefix,zone,price_per_minute\n"), 400);
  CHECK(Quote(*cli, admin, mobile)->body == before->body);
  CHECK(s.Audit("rates.import").size() == 1);
}

TEST_CASE("Only admins import, and cookie sessions need the CSRF header", "[http][rating]") {
  const RatingSetup setup = UkOffice();
  TestServer s({}, nullptr, &setup);
  auto cli = s.Client();
  const std::string viewer = s.Token("viewer-bot", store::Role::kViewer);
  const std::string op = s.Token("operator-bot", store::Role::kOperator);
  RequireJsonError(Import(*cli, viewer, "retail", kDeck), 403);
  RequireJsonError(Import(*cli, op, "retail", kDeck), 403);
  RequireJsonError(cli->Post("/api/v1/rate-plans/retail/import", kDeck, "text/csv"), 401);
  CHECK(s.rate_book().Current()->plan_count() == 0);

  s.AddUser("boss", kPassword, store::Role::kAdmin);
  const auto [cookie, csrf] = Login(*cli, "boss");
  RequireJsonError(cli->Post("/api/v1/rate-plans/retail/import", {{"Cookie", cookie}}, kDeck, "text/csv"), 403);
  RequireJsonError(cli->Post("/api/v1/rate-plans/retail/import", {{"Cookie", cookie}, {"X-CSRF-Token", csrf + "x"}},
                             kDeck, "text/csv"),
                   403);
  CHECK(s.rate_book().Current()->plan_count() == 0);
  CHECK(s.Audit("rates.import").empty());

  auto ok =
      cli->Post("/api/v1/rate-plans/retail/import", {{"Cookie", cookie}, {"X-CSRF-Token", csrf}}, kDeck, "text/csv");
  REQUIRE(ok);
  INFO(ok->body);
  CHECK(ok->status == 200);
  const auto audit = s.Audit("rates.import");
  REQUIRE(audit.size() == 1);
  CHECK(audit[0].actor == "user:boss");
  // A viewer may read what an admin imported.
  auto quote = Quote(*cli, viewer, {{"plan", "retail"}, {"number", "+447700900123"}, {"seconds", "95"}});
  REQUIRE(quote);
  CHECK(quote->status == 200);
}

TEST_CASE("Readiness fails on rate_plans until a plan is loaded, metrics count plans and rates", "[http][rating]") {
  const RatingSetup setup = UkOffice();
  TestServer s({}, nullptr, &setup);
  auto cli = s.Client();
  const std::string admin = s.Token("admin-bot", store::Role::kAdmin);

  auto not_ready = cli->Get("/readyz");
  RequireJsonError(not_ready, 503);
  const nlohmann::json j = JsonBody(not_ready);
  CHECK(j["error"].get<std::string>().find("rate_plans") != std::string::npos);
  bool found = false;
  for (const auto& c : j["checks"]) {
    if (c["name"] != "rate_plans") continue;
    found = true;
    CHECK(c["ok"] == false);
    CHECK(c["error"].get<std::string>().find("no rate plan") != std::string::npos);
  }
  CHECK(found);
  auto metrics = cli->Get("/metrics");
  REQUIRE(metrics);
  CHECK(MetricValue(metrics->body, "tarifador_rate_plans") == 0);
  CHECK(MetricValue(metrics->body, "tarifador_rates") == 0);

  REQUIRE(Import(*cli, admin, "retail", kDeck)->status == 200);
  REQUIRE(Import(*cli, admin, "staff", kCheaperMobiles)->status == 200);
  auto ready = cli->Get("/readyz");
  REQUIRE(ready);
  CHECK(ready->status == 200);
  CHECK(JsonBody(ready)["status"] == "ready");
  metrics = cli->Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->body.find("# TYPE tarifador_rate_plans gauge") != std::string::npos);
  CHECK(MetricValue(metrics->body, "tarifador_rate_plans") == 2);
  CHECK(MetricValue(metrics->body, "tarifador_rates") == 7);
}

TEST_CASE("Bad quote and import parameters get 400 and a clear message", "[http][rating]") {
  const RatingSetup setup = UkOffice();
  TestServer s({}, nullptr, &setup);
  auto cli = s.Client();
  const std::string admin = s.Token("admin-bot", store::Role::kAdmin);
  REQUIRE(Import(*cli, admin, "retail", kDeck)->status == 200);

  const auto quote_error = [&](httplib::Params params, int status, const std::string& mention) {
    auto res = Quote(*cli, admin, std::move(params));
    RequireJsonError(res, status);
    INFO(res->body);
    CHECK(JsonBody(res)["error"].get<std::string>().find(mention) != std::string::npos);
  };
  for (const char* seconds : {"abc", "-1", "", "1e3", "1.5", " 5", "9999999999", "+5"}) {
    INFO("seconds=" << seconds);
    quote_error({{"number", "+447700900123"}, {"seconds", seconds}}, 400, "seconds");
  }
  quote_error({{"number", "+447700900123"}}, 400, "seconds");
  quote_error({{"number", ""}, {"seconds", "60"}}, 400, "number");
  quote_error({{"seconds", "60"}}, 400, "number");
  quote_error({{"number", "abc"}, {"seconds", "60"}}, 400, "no digits");
  quote_error({{"number", std::string(40, '4')}, {"seconds", "60"}}, 400, "digits");
  quote_error({{"number", std::string(200, '4')}, {"seconds", "60"}}, 400, "longer than 64");
  quote_error({{"number", "+447700900123"}, {"seconds", "60"}, {"at", "yesterday"}}, 400, "\"at\"");
  quote_error({{"number", "+447700900123"}, {"seconds", "60"}, {"plan", "no such/plan"}}, 400, "plan");
  quote_error({{"number", "+447700900123"}, {"seconds", "60"}, {"plan", "gold"}}, 404, "no rate plan \"gold\"");
  quote_error({{"number", "+33123456789"}, {"seconds", "60"}, {"plan", "retail"}}, 404, "no rate for 33123456789");

  const auto import_error = [&](const std::string& path, const std::string& content_type, const std::string& mention) {
    auto res = cli->Post(path.c_str(), Bearer(admin), kDeck, content_type.c_str());
    RequireJsonError(res, 400);
    INFO(res->body);
    CHECK(JsonBody(res)["error"].get<std::string>().find(mention) != std::string::npos);
  };
  import_error("/api/v1/rate-plans/retail/import?decimals=7", "text/csv", "decimals");
  import_error("/api/v1/rate-plans/retail/import?decimals=x", "text/csv", "decimals");
  import_error("/api/v1/rate-plans/retail/import?rounding=nearest", "text/csv", "rounding");
  import_error("/api/v1/rate-plans/retail/import", "application/json", "text/csv");
  import_error("/api/v1/rate-plans/retail/import", "application/x-www-form-urlencoded", "text/csv");
  import_error("/api/v1/rate-plans/" + std::string(65, 'p') + "/import", "text/csv", "plan");
  import_error("/api/v1/rate-plans/bad%20name/import", "text/csv", "plan");
  CHECK(s.Audit("rates.import").size() == 1);
  // A charset parameter is fine.
  CHECK(Import(*cli, admin, "retail", kDeck)->status == 200);
  auto with_charset = cli->Post("/api/v1/rate-plans/retail/import", Bearer(admin), kDeck, "text/csv; charset=utf-8");
  REQUIRE(with_charset);
  CHECK(with_charset->status == 200);
}

TEST_CASE("A plan's rates are listed in pages with a prefix filter", "[http][rating]") {
  const RatingSetup setup = UkOffice();
  TestServer s({}, nullptr, &setup);
  auto cli = s.Client();
  const std::string admin = s.Token("admin-bot", store::Role::kAdmin);
  const std::string viewer = s.Token("viewer-bot", store::Role::kViewer);
  // 25 prefixes 4400..4424 plus a scheduled change on 4410 and one other country.
  std::string deck = "prefix,zone,price_per_minute,effective_from\n";
  for (int i = 0; i < 25; ++i) deck += "44" + std::string(i < 10 ? "0" : "") + std::to_string(i) + ",UK,0.01,\n";
  deck += "4410,UK,0.02,2026-07-01\n1,USA,0.01,\n";
  REQUIRE(Import(*cli, admin, "retail", deck)->status == 200);

  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  for (;;) {
    std::string path = "/api/v1/rate-plans/retail/rates?prefix=44&limit=10";
    if (!cursor.empty()) path += "&cursor=" + cursor;
    auto res = cli->Get(path.c_str(), Bearer(viewer));
    REQUIRE(res);
    INFO(res->body);
    REQUIRE(res->status == 200);
    const nlohmann::json page = JsonBody(res);
    CHECK(page["plan"] == "retail");
    CHECK(page["items"].size() <= 10);
    for (const auto& item : page["items"]) {
      seen.push_back(item["prefix"].get<std::string>() + "@" + item["effective_from"].get<std::string>());
    }
    ++pages;
    REQUIRE(pages < 10);
    if (page["next_cursor"].is_null()) break;
    cursor = page["next_cursor"].get<std::string>();
  }
  CHECK(pages == 3);
  REQUIRE(seen.size() == 26);
  CHECK(seen.front() == "4400@1970-01-01T00:00:00Z");
  // On one prefix the latest effective_from comes first.
  CHECK(seen[10] == "4410@2026-07-01T00:00:00Z");
  CHECK(seen[11] == "4410@1970-01-01T00:00:00Z");
  CHECK(seen.back() == "4424@1970-01-01T00:00:00Z");

  auto all = cli->Get("/api/v1/rate-plans/retail/rates", Bearer(viewer));
  REQUIRE(all);
  REQUIRE(all->status == 200);
  const nlohmann::json j = JsonBody(all);
  REQUIRE(j["items"].size() == 27);
  CHECK(j["items"][0]["prefix"] == "1");
  CHECK(j["items"][0]["price_per_minute"] == "0.0100");
  CHECK(j["items"][0]["effective_to"].is_null());
  CHECK(j["next_cursor"].is_null());

  RequireJsonError(cli->Get("/api/v1/rate-plans/retail/rates?limit=0", Bearer(viewer)), 400);
  RequireJsonError(cli->Get("/api/v1/rate-plans/retail/rates?limit=1001", Bearer(viewer)), 400);
  RequireJsonError(cli->Get("/api/v1/rate-plans/retail/rates?prefix=4a", Bearer(viewer)), 400);
  RequireJsonError(cli->Get("/api/v1/rate-plans/retail/rates?cursor=nonsense", Bearer(viewer)), 400);
  RequireJsonError(cli->Get("/api/v1/rate-plans/gold/rates", Bearer(viewer)), 404);
}

TEST_CASE("Racing imports leave the live book equal to the store while quotes keep answering", "[http][rating]") {
  const RatingSetup setup = UkOffice();
  TestServer s({}, nullptr, &setup);
  const std::string admin = s.Token("admin-bot", store::Role::kAdmin);
  {
    auto cli = s.Client();
    REQUIRE(Import(*cli, admin, "retail", kDeck)->status == 200);
  }
  std::atomic<bool> importing{true};
  std::atomic<int> quotes_ok{0};
  std::atomic<int> quotes_bad{0};
  std::thread reader([&] {
    auto cli = s.Client();
    while (importing.load()) {
      auto res = Quote(*cli, admin, {{"plan", "retail"}, {"number", "+447700900123"}, {"seconds", "95"}});
      (res && res->status == 200 ? quotes_ok : quotes_bad).fetch_add(1);
    }
  });
  std::atomic<int> imports_ok{0};
  const auto importer = [&](const char* first, const char* second) {
    auto cli = s.Client();
    for (int i = 0; i < 6; ++i) {
      auto res = Import(*cli, admin, "retail", i % 2 == 0 ? first : second);
      if (res && res->status == 200) imports_ok.fetch_add(1);
    }
  };
  std::thread a(importer, kDeck, kCheaperMobiles);
  std::thread b(importer, kCheaperMobiles, kDeck);
  a.join();
  b.join();
  importing = false;
  reader.join();
  CHECK(imports_ok == 12);
  CHECK(quotes_bad == 0);
  CHECK(quotes_ok > 0);

  auto db = store::Database::Open(s.store_path(), store::OpenMode::kReadOnly);
  REQUIRE(db.ok());
  auto stored = store::RatePlanStore(**db).Load("retail");
  REQUIRE(stored.ok());
  const rating::CompiledPlan* live = s.rate_book().Current()->Find("retail");
  REQUIRE(live != nullptr);
  REQUIRE(live->trie.rate_count() == stored->rates.size());
  std::vector<rating::Rate> live_rates(live->trie.rates().begin(), live->trie.rates().end());
  CHECK(live_rates == stored->rates);
}

TEST_CASE("Rating routes answer 503 when rating is not wired", "[http][rating]") {
  TestServer s;
  auto cli = s.Client();
  const std::string admin = s.Token("admin-bot", store::Role::kAdmin);
  RequireJsonError(Quote(*cli, admin, {{"number", "+447700900123"}, {"seconds", "60"}}), 503);
  RequireJsonError(cli->Get("/api/v1/rate-plans", Bearer(admin)), 503);
  RequireJsonError(Import(*cli, admin, "retail", kDeck), 503);
}
