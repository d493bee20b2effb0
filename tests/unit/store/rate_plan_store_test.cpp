#include "store/rate_plan_store.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>

#include "rating/rate_deck.h"
#include "store/database.h"
#include "test_support/temp_dir.h"
#include "unit/rating/synthetic_deck.h"

using namespace tarifador;

namespace {

std::unique_ptr<store::Database> OpenDb(const test_support::TempDir& dir) {
  auto db = store::Database::Open(dir.path() + "/t.db", store::OpenMode::kReadWrite);
  REQUIRE(db.ok());
  return std::move(*db);
}

std::vector<rating::Rate> Deck(const char* csv) {
  auto deck = rating::ParseRateDeck(csv);
  INFO(rating::DeckStatus(deck, "test").message());
  REQUIRE(deck.ok());
  return deck.rates;
}

const store::ChangeOrigin kCli{"cli", base::Instant::FromSeconds(1'800'000'000)};

int64_t Count(store::Database& db, const char* sql) { return db.sql().execAndGet(sql).getInt64(); }

}  // namespace

TEST_CASE("Rates survive a store round trip field for field", "[store][rates]") {
  test_support::TempDir dir;
  auto db = OpenDb(dir);
  store::RatePlanStore plans(*db);
  const auto rates = Deck(
      "prefix,zone,price_per_minute,connection_fee,initial_increment,increment,min_duration,grace,priority,"
      "effective_from,effective_to,blocked\n"
      "44,UK,0.0123,0.05,30,6,10,3,200,2026-01-01T08:30:00Z,2027-01-01,0\n"
      "447,\"UK, Mobile\",0.123456,,1,1,,,,,,\n"
      "449,Premium,9.99,,,,,,,,,yes\n");
  REQUIRE(plans.ReplaceRates("retail", rates, kCli).ok());
  auto loaded = plans.Load("retail");
  REQUIRE(loaded.ok());
  CHECK(loaded->name == "retail");
  CHECK(loaded->decimals == 4);
  CHECK(loaded->rounding == rating::RoundingMode::kUp);
  REQUIRE(loaded->rates.size() == 3);
  // Loaded by prefix; the deck was in prefix order already.
  for (size_t i = 0; i < rates.size(); ++i) {
    INFO("rate " << i);
    CHECK(loaded->rates[i] == rates[i]);
  }
  // Money is stored as integer micro-units.
  CHECK(Count(*db, "SELECT price_per_minute_micros FROM rates WHERE prefix = '447'") == 123'456);
  CHECK(db->sql().execAndGet("SELECT typeof(price_per_minute_micros) FROM rates LIMIT 1").getString() == "integer");
}

TEST_CASE("An import replaces the plan's rates and writes an audit row", "[store][rates]") {
  test_support::TempDir dir;
  auto db = OpenDb(dir);
  store::RatePlanStore plans(*db);
  REQUIRE(plans.ReplaceRates("retail", Deck("prefix,zone,price_per_minute\n44,UK,0.1\n45,DK,0.2\n"), kCli).ok());
  REQUIRE(plans.ReplaceRates("staff", Deck("prefix,zone,price_per_minute\n1,US,0.01\n"), kCli).ok());
  REQUIRE(plans.ReplaceRates("retail", Deck("prefix,zone,price_per_minute\n46,SE,0.3\n"), kCli).ok());
  auto all = plans.LoadAll();
  REQUIRE(all.ok());
  REQUIRE(all->size() == 2);
  CHECK((*all)[0].name == "retail");
  REQUIRE((*all)[0].rates.size() == 1);
  CHECK((*all)[0].rates[0].prefix.digits() == "46");
  CHECK((*all)[1].name == "staff");
  CHECK((*all)[1].rates.size() == 1);
  CHECK(Count(*db, "SELECT count(*) FROM audit_log WHERE action = 'rates.import' AND actor = 'cli'") == 3);
  CHECK(db->sql()
            .execAndGet("SELECT detail FROM audit_log WHERE action = 'rates.import' ORDER BY id DESC LIMIT 1")
            .getString() == R"({"rates":"1","replaced":"2","created_plan":"false"})");
  auto list = plans.ListPlans();
  REQUIRE(list.ok());
  REQUIRE(list->size() == 2);
  CHECK((*list)[0].rate_count == 1);
  CHECK((*list)[0].updated_at == kCli.at);
}

TEST_CASE("A failed import leaves the previous rates intact", "[store][rates]") {
  test_support::TempDir dir;
  auto db = OpenDb(dir);
  store::RatePlanStore plans(*db);
  const auto good = Deck("prefix,zone,price_per_minute\n44,UK,0.1\n45,DK,0.2\n");
  REQUIRE(plans.ReplaceRates("retail", good, kCli).ok());

  SECTION("a rate failing validation is refused before writing") {
    auto bad = Deck("prefix,zone,price_per_minute\n46,SE,0.3\n");
    bad[0].increment_s = 0;
    const base::Status s = plans.ReplaceRates("retail", bad, kCli);
    CHECK(s.code() == base::StatusCode::kInvalidArgument);
    CHECK(s.message() == "importing plan \"retail\": prefix \"46\": increment 0 is not between 1 and 86400");
  }
  SECTION("an SQLite failure half-way through rolls the whole import back") {
    // Duplicates slip past the parser only if a caller skips it; the UNIQUE
    // constraint then fails on the 3rd insert, after the delete and 2 inserts.
    auto rows = Deck("prefix,zone,price_per_minute\n46,SE,0.3\n47,NO,0.3\n");
    rows.push_back(rows[0]);
    const base::Status s = plans.ReplaceRates("retail", rows, kCli);
    CHECK(s.code() == base::StatusCode::kUnavailable);
    CHECK(s.message().rfind("importing plan \"retail\": ", 0) == 0);
  }
  SECTION("new settings are not applied either") {
    store::PlanSettingsUpdate settings;
    settings.decimals = 9;
    CHECK_FALSE(plans.ReplaceRates("retail", good, kCli, settings).ok());
  }
  auto loaded = plans.Load("retail");
  REQUIRE(loaded.ok());
  CHECK(loaded->rates == good);
  CHECK(loaded->decimals == 4);
  CHECK(Count(*db, "SELECT count(*) FROM audit_log WHERE action = 'rates.import'") == 1);
}

TEST_CASE("Plan settings are created, kept across imports and validated", "[store][rates]") {
  test_support::TempDir dir;
  auto db = OpenDb(dir);
  store::RatePlanStore plans(*db);
  store::PlanSettingsUpdate two_half_up;
  two_half_up.decimals = 2;
  two_half_up.rounding = rating::RoundingMode::kHalfUp;
  REQUIRE(plans.SetPlanSettings("wholesale", two_half_up, kCli).ok());
  REQUIRE(plans.ReplaceRates("wholesale", Deck("prefix,zone,price_per_minute\n44,UK,0.1\n"), kCli).ok());
  auto p = plans.Load("wholesale");
  REQUIRE(p.ok());
  CHECK(p->decimals == 2);
  CHECK(p->rounding == rating::RoundingMode::kHalfUp);
  store::PlanSettingsUpdate only_rounding;
  only_rounding.rounding = rating::RoundingMode::kDown;
  REQUIRE(plans.ReplaceRates("wholesale", Deck("prefix,zone,price_per_minute\n44,UK,0.1\n"), kCli, only_rounding).ok());
  p = plans.Load("wholesale");
  REQUIRE(p.ok());
  CHECK(p->decimals == 2);
  CHECK(p->rounding == rating::RoundingMode::kDown);
  CHECK_FALSE(plans.SetPlanSettings("bad name!", two_half_up, kCli).ok());
  auto missing = plans.Load("nope");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == base::StatusCode::kNotFound);
  CHECK(missing.status().message() == "no rate plan \"nope\"");
}

TEST_CASE("PlanInfoIn reads a plan inside the caller's transaction", "[store][rates]") {
  test_support::TempDir dir;
  auto db = OpenDb(dir);
  store::RatePlanStore plans(*db);
  store::PlanSettingsUpdate three;
  three.decimals = 3;
  REQUIRE(plans.ReplaceRates("retail", Deck("prefix,zone,price_per_minute\n44,UK,0.1\n1,US,0.1\n"), kCli, three).ok());
  {
    SQLite::Transaction tx(db->sql());  // rolled back at the end of the block
    // Inside an uncommitted change it sees that change, as a Writer job would.
    store::PlanSettingsUpdate down;
    down.rounding = rating::RoundingMode::kDown;
    REQUIRE(
        store::ReplaceRatesIn(db->sql(), "retail", Deck("prefix,zone,price_per_minute\n44,UK,0.2\n"), kCli, down).ok());
    auto info = store::PlanInfoIn(db->sql(), "retail");
    REQUIRE(info.ok());
    CHECK(info->name == "retail");
    CHECK(info->decimals == 3);
    CHECK(info->rounding == rating::RoundingMode::kDown);
    CHECK(info->rate_count == 1);
    auto missing = store::PlanInfoIn(db->sql(), "gold");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.status().code() == base::StatusCode::kNotFound);
    CHECK(missing.status().message() == "no rate plan \"gold\"");
  }
  auto after = plans.ListPlans();
  REQUIRE(after.ok());
  REQUIRE(after->size() == 1);
  CHECK((*after)[0].rate_count == 2);
  CHECK((*after)[0].rounding == rating::RoundingMode::kUp);
}

TEST_CASE("A corrupted stored rate is reported, not loaded", "[store][rates]") {
  test_support::TempDir dir;
  auto db = OpenDb(dir);
  store::RatePlanStore plans(*db);
  REQUIRE(plans.ReplaceRates("retail", Deck("prefix,zone,price_per_minute\n44,UK,0.1\n"), kCli).ok());
  db->sql().exec("UPDATE rates SET prefix = '4x'");
  auto all = plans.LoadAll();
  REQUIRE_FALSE(all.ok());
  CHECK(all.status().code() == base::StatusCode::kInternal);
  CHECK(all.status().message() == "plan \"retail\": stored prefix \"4x\" is not digits");
}

// Its speed is measured by tests/bench/rating_bench (docs/PERFORMANCE.md), not here.
TEST_CASE("A 100 000-row deck imports whole", "[store][rates][.slow]") {
  test_support::TempDir dir;
  auto db = OpenDb(dir);
  store::RatePlanStore plans(*db);
  const auto rates = rating::testing::SyntheticDeck(100'000, 11);
  REQUIRE(plans.ReplaceRates("big", rates, kCli).ok());
  auto loaded = plans.Load("big");
  REQUIRE(loaded.ok());
  CHECK(loaded->rates.size() == 100'000);
}
