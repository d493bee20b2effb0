#include "billing/authorizer.h"

#include <catch2/catch.hpp>
#include <random>

#include "billing/call_control.h"
#include "config/config.h"
#include "test_support/office_zone.h"
#include "unit/billing/billing_fixtures.h"
#include "unit/billing/fake_repository.h"

using namespace tarifador;
using namespace tarifador::billing;
using testing::M;
using testing::MakeRate;

namespace {

const base::Instant kAt = base::Instant::FromSeconds(1'800'000'000);

base::Money Cost(const rating::Rate& rate, int64_t s) {
  auto c = rating::ComputeCost(rate, rating::CallOutcome::kAnswered, s, 4, rating::RoundingMode::kUp);
  REQUIRE(c.ok());
  return c->cost;
}

std::optional<int64_t> Max(const rating::Rate& rate, const char* available, int64_t cap = 86'400) {
  return MaxAffordableSeconds(rate, 4, rating::RoundingMode::kUp, M(available), cap);
}

}  // namespace

TEST_CASE("Max seconds is exact at the boundaries of 1/1 rates", "[billing][authorizer]") {
  const rating::Rate r = MakeRate("44", "0.60", "0", 1, 1);  // 0.01 a second
  CHECK(Max(r, "1.00") == 100);
  CHECK(Max(r, "1.009999") == 100);
  CHECK(Max(r, "1.01") == 101);
  CHECK(Max(r, "0.01") == 1);
  CHECK(Max(r, "0.009999") == std::nullopt);  // not even the first second
  CHECK(Max(r, "0") == std::nullopt);
  CHECK(Max(r, "-5") == std::nullopt);
  CHECK(Max(r, "1000000", 3600) == 3600);  // capped
}

TEST_CASE("Max seconds honours the connection fee and 30/6 increments", "[billing][authorizer]") {
  const rating::Rate r = MakeRate("4420", "0.12", "0.05", 30, 6);  // 0.05 + 0.002 a billable second
  CHECK(Cost(r, 1) == M("0.11"));
  CHECK(Max(r, "0.109999") == std::nullopt);
  CHECK(Max(r, "0.11") == 30);
  CHECK(Max(r, "0.121999") == 30);
  CHECK(Max(r, "0.122") == 36);
  CHECK(Max(r, "0.134") == 42);
}

TEST_CASE("Max seconds honours 60/60 with a connection fee", "[billing][authorizer]") {
  const rating::Rate r = MakeRate("447", "1.00", "0.25", 60, 60);
  CHECK(Max(r, "1.249999") == std::nullopt);
  CHECK(Max(r, "1.25") == 60);
  CHECK(Max(r, "2.249999") == 60);
  CHECK(Max(r, "2.25") == 120);
}

TEST_CASE("Max seconds follows the plan's rounding", "[billing][authorizer]") {
  const rating::Rate r = MakeRate("1", "0.07", "0", 1, 1);  // 10 s: 0.011666.. -> 0.0117
  CHECK(Max(r, "0.0117") == 10);
  CHECK(Max(r, "0.0116") == 9);  // 9 s: 0.0105
  // Grace: calls of up to 5 s are free, so the first chargeable second is 6.
  const rating::Rate g = MakeRate("1", "0.60", "0", 1, 1, /*grace=*/5);
  CHECK(Max(g, "0.05") == std::nullopt);
  CHECK(Max(g, "0.06") == 6);
  CHECK(Max(g, "0", 5) == 5);  // everything within the cap is free
}

TEST_CASE("Max seconds matches brute force on random rates", "[billing][authorizer]") {
  const uint32_t seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int round = 0; round < 200; ++round) {
    rating::Rate r = MakeRate("1", "0");
    r.price_per_minute = base::Money::FromMicros(std::uniform_int_distribution<int64_t>(0, 3'000'000)(rng));
    r.connection_fee = base::Money::FromMicros(std::uniform_int_distribution<int64_t>(0, 500'000)(rng));
    r.initial_increment_s = std::uniform_int_distribution<int>(0, 90)(rng);
    r.increment_s = std::uniform_int_distribution<int>(1, 60)(rng);
    r.grace_s = std::uniform_int_distribution<int>(0, 10)(rng);
    r.min_duration_s = std::uniform_int_distribution<int>(0, 30)(rng);
    const base::Money available = base::Money::FromMicros(std::uniform_int_distribution<int64_t>(0, 5'000'000)(rng));
    const int64_t cap = 600;
    std::optional<int64_t> want;
    for (int64_t s = r.grace_s + 1; s <= cap; ++s) {
      if (Cost(r, s) <= available) want = s;
    }
    if (!want && r.grace_s + 1 > cap) want = cap;
    INFO("round " << round << " ppm " << r.price_per_minute.ToString() << " fee " << r.connection_fee.ToString() << " "
                  << r.initial_increment_s << "/" << r.increment_s << " grace " << r.grace_s << " min "
                  << r.min_duration_s << " available " << available.ToString());
    const auto got = MaxAffordableSeconds(r, 4, rating::RoundingMode::kUp, available, cap);
    REQUIRE(got == want);
    if (got) {
      CHECK(Cost(r, *got) <= available);
      if (*got < cap) CHECK(Cost(r, *got + 1) > available);
    }
  }
}

namespace {

struct AuthorizerSetup {
  testing::FakeRepository repo;
  rating::RateBookHolder rates;
  std::unique_ptr<Authorizer> authorizer;
  AccountId rich, poor, postpaid;

  AuthorizerSetup() {
    rates.Publish(testing::RetailBook());
    rich = repo.CreateAccount({"Rich", AccountType::kPrepaid, {}, {}}, "test", kAt)->id;
    poor = repo.CreateAccount({"Poor", AccountType::kPrepaid, {}, {}}, "test", kAt)->id;
    postpaid = repo.CreateAccount({"Post", AccountType::kPostpaid, M("2.00"), {}}, "test", kAt)->id;
    REQUIRE(repo.ApplyMovement({rich, LedgerKind::kRecharge, M("1.00"), "test", "", kAt, {}, {}}).ok());
    REQUIRE(repo.ApplyMovement({poor, LedgerKind::kRecharge, M("0.005"), "test", "", kAt, {}, {}}).ok());
    REQUIRE(repo.PutExtension({"1001", "Alice", rich, "retail", true}, "test", kAt).ok());
    REQUIRE(repo.PutExtension({"1002", "Bob", rich, "retail", false}, "test", kAt).ok());
    REQUIRE(repo.PutExtension({"1003", "Carol", rich, "missing", true}, "test", kAt).ok());
    REQUIRE(repo.PutExtension({"1004", "Dave", poor, "retail", true}, "test", kAt).ok());
    REQUIRE(repo.PutExtension({"1005", "Eve", postpaid, std::nullopt, true}, "test", kAt).ok());
    Authorizer::Options options;
    options.default_plan = "retail";
    authorizer = std::make_unique<Authorizer>(repo, rates, rating::NumberNormaliser(), options);
  }
};

}  // namespace

TEST_CASE("The authorizer denies and allows with stable reasons", "[billing][authorizer]") {
  AuthorizerSetup s;
  struct Row {
    const char* caller;
    const char* destination;
    bool allowed;
    const char* reason;
    int64_t max_seconds;
  };
  const Row rows[] = {
      {"9999", "442079460958", false, "unknown_extension", 0},
      {"1002", "442079460958", false, "extension_disabled", 0},
      {"1002", "1001", true, "internal", 86'400},  // a disabled extension may still call inside
      {"1001", "1004", true, "internal", 86'400},
      {"1003", "442079460958", false, "no_rate_plan", 0},
      {"1001", "+-()", false, "invalid_number", 0},
      {"1001", "33123456789", false, "no_rate", 0},
      {"1001", "+449001234", false, "destination_blocked", 0},
      {"1004", "442079460958", false, "insufficient_funds", 0},
      {"1001", "442079460958", true, "ok", 100},                 // 1.00 at 0.01/s
      {"1001", "00442079460958", true, "ok", 100},               // normalised
      {"1001", "447700900123", false, "insufficient_funds", 0},  // 60/60 + fee costs 1.25
      {"1005", "447700900123", true, "ok", 60},                  // postpaid: 0 + 2.00 credit covers 1.25, not 2.25
  };
  for (const Row& r : rows) {
    INFO(r.caller << " -> " << r.destination);
    auto a = s.authorizer->Authorize(r.caller, r.destination, kAt);
    REQUIRE(a.ok());
    CHECK(a->allowed == r.allowed);
    CHECK(std::string(a->reason_name()) == r.reason);
    CHECK(a->max_seconds == r.max_seconds);
  }
}

TEST_CASE("The authorizer counts reserved money and reports store failures", "[billing][authorizer]") {
  AuthorizerSetup s;
  REQUIRE(s.repo.Reserve({CallId{"other-call"}, s.rich, M("0.40"), 40, kAt, kAt}).ok());
  auto a = s.authorizer->Authorize("1001", "442079460958", kAt);
  REQUIRE(a.ok());
  CHECK(a->available == M("0.60"));
  CHECK(a->max_seconds == 60);
  REQUIRE(a->rated);
  CHECK(a->rated->rate.prefix.digits() == "44");
  CHECK(a->rated->number.digits == "442079460958");

  s.repo.set_fail_reads(true);
  auto failed = s.authorizer->Authorize("1001", "442079460958", kAt);
  CHECK(failed.status().code() == base::StatusCode::kUnavailable);
}

TEST_CASE("Denial reasons map to clear hangup causes", "[billing][authorizer]") {
  CHECK(HangupCauseFor(AuthorizationReason::kInsufficientFunds) == "CALL_REJECTED");
  CHECK(HangupCauseFor(AuthorizationReason::kNoRate) == "NO_ROUTE_DESTINATION");
  CHECK(HangupCauseFor(AuthorizationReason::kDestinationBlocked) == "OUTGOING_CALL_BARRED");
  CHECK(HangupCauseFor(AuthorizationReason::kUnknownExtension) == "OUTGOING_CALL_BARRED");
}

TEST_CASE("Toll-fraud guards refuse blocked ranges and dear destinations before money", "[billing][authorizer]") {
  AuthorizerSetup s;
  Authorizer::Options options;
  options.default_plan = "retail";
  options.max_price_per_minute = M("0.75");
  options.blocked_prefixes = {"4420794", "1900"};
  options.blocked_zones = {"Zone 4430"};
  const Authorizer guarded(s.repo, s.rates, rating::NumberNormaliser(), options);
  struct Row {
    const char* caller;
    const char* destination;
    const char* reason;
  };
  const Row rows[] = {
      {"1001", "442079460958", "guard_blocked_prefix"},    // the range, whatever the plan says
      {"1001", "00442079460958", "guard_blocked_prefix"},  // matched on the normalised number
      {"1001", "447700900123", "guard_price_per_minute"},  // 1.00 a minute > 0.75
      {"1001", "+449001234", "destination_blocked"},       // the plan's own block comes first
      {"1001", "1004", "internal"},                        // extensions are never guarded
      {"1001", "442012345678", "ok"},                      // 0.60 a minute, not in the range
      {"1001", "19005551234", "guard_blocked_prefix"},
      {"1001", "443012345678", "guard_blocked_zone"},    // the zone of the rate that matched
      {"1001", "443", "ok"},                             // 44's zone, not 4430's
      {"1004", "442079460958", "guard_blocked_prefix"},  // before money: the guard is the reason
  };
  for (const Row& r : rows) {
    INFO(r.caller << " -> " << r.destination);
    auto a = guarded.Authorize(r.caller, r.destination, kAt);
    REQUIRE(a.ok());
    CHECK(std::string(a->reason_name()) == r.reason);
    CHECK(a->allowed == (std::string(r.reason) == "ok" || std::string(r.reason) == "internal"));
    if (IsGuardReason(a->reason_name())) CHECK(HangupCauseFor(a->reason) == kCauseBarred);
  }
  CHECK(IsGuardReason("guard_price_per_minute"));
  CHECK_FALSE(IsGuardReason("budget_exhausted"));
  // Without guards the same calls go by the plan and the money.
  CHECK(std::string(s.authorizer->Authorize("1001", "442079460958", kAt)->reason_name()) == "ok");
}

TEST_CASE("International calls outside office hours are refused by the guard; others are not",
          "[billing][authorizer][guards]") {
  test_support::OfficeZone zone("Europe/Madrid");
  AuthorizerSetup s;
  Authorizer::Options options;
  options.default_plan = "retail";
  OfficeHours hours;  // 08:00-20:00 Monday to Friday
  hours.holidays = {"2026-12-25"};
  options.international_hours = hours;
  const Authorizer guarded(s.repo, s.rates, rating::NumberNormaliser(), options);
  struct Row {
    const char* destination;
    const char* at;
    const char* reason;
  };
  const Row rows[] = {
      {"00442012345678", "2026-12-07T10:00:00+01:00", "ok"},                 // international, Monday morning
      {"+442012345678", "2026-12-07T21:30:00+01:00", "guard_after_hours"},   // international at night
      {"00442012345678", "2026-12-12T10:00:00+01:00", "guard_after_hours"},  // Saturday
      {"00442012345678", "2026-12-25T10:00:00+01:00", "guard_after_hours"},  // a holiday
      {"442012345678", "2026-12-07T21:30:00+01:00", "ok"},                   // not dialled as international
      {"1004", "2026-12-07T21:30:00+01:00", "internal"},
      {"0012125551234", "2026-12-07T21:30:00+01:00", "guard_after_hours"},  // the US, at night
  };
  for (const Row& r : rows) {
    INFO(r.destination << " at " << r.at);
    auto a = guarded.Authorize("1001", r.destination, *base::ParseIso8601(r.at));
    REQUIRE(a.ok());
    CHECK(std::string(a->reason_name()) == r.reason);
    if (std::string(r.reason) == "guard_after_hours") {
      CHECK_FALSE(a->allowed);
      CHECK(IsGuardReason(a->reason_name()));
      CHECK(HangupCauseFor(a->reason) == kCauseBarred);
    }
  }
}

TEST_CASE("A call dialled as international to the office's own country is not held to office hours",
          "[billing][authorizer][guards]") {
  test_support::OfficeZone zone("Europe/Madrid");
  AuthorizerSetup s;
  Authorizer::Options options;
  options.default_plan = "retail";
  options.international_hours = OfficeHours{};
  options.home_country_code = "44";
  const Authorizer guarded(s.repo, s.rates, rating::NumberNormaliser(), options);
  const base::Instant night = *base::ParseIso8601("2026-12-07T23:00:00+01:00");
  CHECK(std::string(guarded.Authorize("1001", "00442012345678", night)->reason_name()) == "ok");
  CHECK(std::string(guarded.Authorize("1001", "0012125551234", night)->reason_name()) == "guard_after_hours");
}

TEST_CASE("A guard in alert-only mode lets the call go and flags it", "[billing][authorizer][guards]") {
  AuthorizerSetup s;
  Authorizer::Options options;
  options.default_plan = "retail";
  options.max_price_per_minute = M("0.75");
  options.blocked_prefixes = {"4420794"};
  options.alert_only = {"guard_price_per_minute"};
  const Authorizer guarded(s.repo, s.rates, rating::NumberNormaliser(), options);
  auto dear = guarded.Authorize("1005", "447700900123", kAt);  // 1.00 a minute > 0.75: only alerts
  REQUIRE(dear.ok());
  CHECK(dear->allowed);
  CHECK(std::string(dear->reason_name()) == "ok");
  CHECK(dear->flagged == "guard_price_per_minute");
  CHECK(dear->max_seconds > 0);
  auto blocked = guarded.Authorize("1001", "442079460958", kAt);  // the blocking guard still blocks
  REQUIRE(blocked.ok());
  CHECK_FALSE(blocked->allowed);
  CHECK(std::string(blocked->reason_name()) == "guard_blocked_prefix");
  auto plain = guarded.Authorize("1001", "442012345678", kAt);
  REQUIRE(plain.ok());
  CHECK(plain->flagged.empty());
}

TEST_CASE("The cost of one call caps max_seconds, and refuses what cannot fit under it",
          "[billing][authorizer][guards]") {
  AuthorizerSetup s;  // 1001 has 1.00; 442012345678 is 0.60 a minute per second: 100 s
  Authorizer::Options options;
  options.default_plan = "retail";
  options.max_call_cost = M("0.30");
  const Authorizer guarded(s.repo, s.rates, rating::NumberNormaliser(), options);
  auto capped = guarded.Authorize("1001", "442012345678", kAt);
  REQUIRE(capped.ok());
  CHECK(capped->allowed);
  CHECK(capped->max_seconds == 30);  // 0.30 at 0.01 a second
  CHECK(capped->cost_capped);
  // 447: 1.00 a minute + 0.25 fee, 60 s first increment: 1.25, which the
  // postpaid 1005 (2.00 of credit) could pay, but not under 0.30.
  auto dear = guarded.Authorize("1005", "447700900123", kAt);
  REQUIRE(dear.ok());
  CHECK_FALSE(dear->allowed);
  CHECK(std::string(dear->reason_name()) == "guard_call_cost");
  CHECK(HangupCauseFor(dear->reason) == kCauseBarred);
  // The money, not the cap, binds a poorer account: no guard's cut.
  options.max_call_cost = M("5.00");
  const Authorizer loose(s.repo, s.rates, rating::NumberNormaliser(), options);
  auto money = loose.Authorize("1001", "442012345678", kAt);
  REQUIRE(money.ok());
  CHECK(money->max_seconds == 100);
  CHECK_FALSE(money->cost_capped);
  // Alert-only: no cap at authorization (the CDR is flagged if it cost more).
  options.max_call_cost = M("0.30");
  options.alert_only = {"guard_call_cost"};
  const Authorizer alerting(s.repo, s.rates, rating::NumberNormaliser(), options);
  CHECK(alerting.Authorize("1001", "442012345678", kAt)->max_seconds == 100);
}

TEST_CASE("Every guard rule the configuration may name is a guard reason", "[billing][authorizer][guards]") {
  for (std::string_view rule : config::kGuardRules) {
    INFO(rule);
    CHECK(IsGuardReason(rule));
    bool known = false;
    for (int r = 0; r <= static_cast<int>(AuthorizationReason::kGuardBlockedZone); ++r) {
      known = known || rule == AuthorizationReasonName(static_cast<AuthorizationReason>(r));
    }
    CHECK(known);
  }
}

TEST_CASE("An extension's own guard settings replace the box's, and 0 turns one off", "[billing][authorizer][guards]") {
  test_support::OfficeZone zone("Europe/Madrid");
  AuthorizerSetup s;
  Authorizer::Options options;
  options.default_plan = "retail";
  options.max_price_per_minute = M("0.75");
  options.max_call_cost = M("0.30");
  options.international_hours = OfficeHours{};  // 08:00-20:00 Monday to Friday
  const Authorizer guarded(s.repo, s.rates, rating::NumberNormaliser(), options);
  const base::Instant night = *base::ParseIso8601("2026-12-07T23:00:00+01:00");
  const base::Instant day = *base::ParseIso8601("2026-12-07T10:00:00+01:00");
  const auto set = [&s](const char* number, ExtensionGuards g) {
    auto x = s.repo.GetExtension(number);
    REQUIRE(x.ok());
    x->guards = g;
    REQUIRE(s.repo.PutExtension(*x, "test", kAt).ok());
  };
  struct Row {
    const char* what;
    const char* caller;  // 1001 has 1.00; 1005 is postpaid with 2.00 of credit
    ExtensionGuards guards;
    const char* destination;
    base::Instant at;
    const char* reason;
    int64_t max_seconds;
  };
  ExtensionGuards director;
  director.max_price_per_minute = M("0");  // off
  director.max_call_cost = M("0");         // off
  director.international_any_time = true;
  ExtensionGuards lobby;
  lobby.max_price_per_minute = M("0.50");
  lobby.max_call_cost = M("0.10");
  ExtensionGuards roomier;
  roomier.max_call_cost = M("0.80");
  const Row rows[] = {
      {"box-wide: 1.00 a minute > 0.75", "1005", {}, "447700900123", day, "guard_price_per_minute", 0},
      {"box-wide: after hours", "1001", {}, "00442012345678", night, "guard_after_hours", 0},
      {"box-wide: cut at 0.30", "1001", {}, "442012345678", day, "ok", 30},
      {"director: no price limit, no cost cap", "1005", director, "447700900123", day, "ok", 60},
      {"director: abroad at night", "1001", director, "00442012345678", night, "ok", 100},
      {"director: no cost cap, the money binds", "1001", director, "442012345678", day, "ok", 100},
      {"lobby: 0.60 a minute > 0.50", "1001", lobby, "442012345678", day, "guard_price_per_minute", 0},
      {"lobby: still held to office hours", "1001", lobby, "0012125551234", night, "guard_after_hours", 0},
      {"own cap above the box's", "1001", roomier, "442012345678", day, "ok", 80},
  };
  for (const Row& r : rows) {
    INFO(r.what);
    set(r.caller, r.guards);
    auto a = guarded.Authorize(r.caller, r.destination, r.at);
    REQUIRE(a.ok());
    CHECK(std::string(a->reason_name()) == r.reason);
    CHECK(a->max_seconds == r.max_seconds);
  }
  // Another extension keeps the box's guards whatever 1001 has.
  set("1001", director);
  set("1005", {});
  CHECK(std::string(guarded.Authorize("1005", "447700900123", day)->reason_name()) == "guard_price_per_minute");
}

TEST_CASE("Extension guard settings are validated", "[billing][authorizer][guards]") {
  Extension x{"1001", "Alice", AccountId{1}, std::nullopt, true};
  CHECK(ValidateExtension(x).ok());
  x.guards.max_call_cost = M("-1");
  CHECK(ValidateExtension(x).message() == "extension \"1001\": max_call_cost -1.0000 is negative");
  x.guards = {};
  x.guards.max_calls_per_hour = 100'001;
  CHECK(ValidateExtension(x).message() == "extension \"1001\": max_calls_per_hour 100001 must be 0 (off) to 100000");
  x.guards = {};
  x.guards.max_concurrent_calls = 2;
  x.guards.international_any_time = true;
  CHECK(ValidateExtension(x).ok());
  CHECK(DescribeExtensionGuards(x.guards) == "max_concurrent_calls=2, international_any_time");
  CHECK(DescribeExtensionGuards({}) == "box-wide");
}
