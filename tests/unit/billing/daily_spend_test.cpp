// The daily spend cap (docs/BILLING.md "Daily spend cap"): the office day,
// which cap applies (the account's own, the box's, none), what is left, and
// a cap that refuses and cuts calls exactly as a budget does, or only flags.
#include <catch2/catch.hpp>

#include "base/local_time.h"
#include "billing/account.h"
#include "test_support/office_zone.h"
#include "unit/billing/tracker_setup.h"

using namespace tarifador;
using namespace tarifador::billing;
using test_support::OfficeZone;
using test_support::Utc;
using testing::ALeg;
using testing::kSecond;
using testing::kT0us;
using testing::LegScript;
using testing::M;
using testing::Setup;

namespace {

SpendPolicy Box(const char* limit, bool alert_only = false) { return SpendPolicy{M(limit), alert_only}; }

// A tracker (retail plan: 0.01 a second to 44...) whose authorizer and
// repository apply `policy`.
struct DailySetup : Setup {
  explicit DailySetup(const char* balance, SpendPolicy policy) : Setup(balance) {
    Authorizer::Options options;
    options.default_plan = "retail";
    options.spend = policy;
    if (policy.daily_alert_only) options.alert_only.emplace("guard_daily_spend");
    repo.set_spend_policy(policy);
    authorizer = std::make_unique<Authorizer>(repo, rates, rating::NumberNormaliser(), options);
    Rebuild(BaseOptions());
  }
  void SetOwnLimit(std::optional<base::Money> limit) {
    AccountChanges c;
    c.daily_limit = limit;
    REQUIRE(repo.UpdateAccount(account, c, "test", clock.Now()).ok());
  }
};

}  // namespace

TEST_CASE("Office days follow the office's calendar, across DST changes", "[billing][daily]") {
  {
    OfficeZone zone("Europe/Madrid");
    // 25 Oct 2026: summer time ends at 01:00Z; the day is 25 hours long.
    CHECK(SpendDayOf(Utc("2026-10-24T21:59:59Z")) == 20261024);
    CHECK(SpendDayOf(Utc("2026-10-24T22:00:00Z")) == 20261025);
    CHECK(SpendDayOf(Utc("2026-10-25T22:59:59Z")) == 20261025);
    CHECK(SpendDayOf(Utc("2026-10-25T23:00:00Z")) == 20261026);
  }
  {
    OfficeZone zone("America/Mexico_City");  // -06:00 all year since 2022
    CHECK(SpendDayOf(Utc("2026-12-08T05:59:59Z")) == 20261207);
    CHECK(SpendDayOf(Utc("2026-12-08T06:00:00Z")) == 20261208);
  }
  CHECK(SpendDayName(20261208) == "2026-12-08");
  CHECK(SpendDayName(20270101) == "2027-01-01");
}

TEST_CASE("Which daily cap applies, what is left and which limit binds", "[billing][daily]") {
  OfficeZone zone("UTC");
  const base::Instant today = Utc("2026-12-08T10:00:00Z");
  Account a;
  a.id = AccountId{1};
  a.name = "Office";
  a.balance = M("100");
  a.reserved = M("1");
  a.spent_day = 20261208;
  a.day_spent = M("7");

  // Table: own limit, box limit -> the cap, what is left, callable, binding.
  struct Row {
    std::optional<const char*> own;
    std::optional<const char*> box;
    std::optional<const char*> limit;
    const char* callable;
    MoneyLimit binds;
  };
  const Row rows[] = {
      {std::nullopt, std::nullopt, std::nullopt, "99", MoneyLimit::kMoney},  // no cap at all
      {std::nullopt, "10", "10", "2", MoneyLimit::kDailyLimit},              // the box's: 10 - 7 - 1
      {"20", "10", "20", "12", MoneyLimit::kDailyLimit},                     // the account's own replaces it
      {"0", "10", std::nullopt, "99", MoneyLimit::kMoney},                   // 0: no cap for this account
      {"5", std::nullopt, "5", "-3", MoneyLimit::kDailyLimit},               // exceeded: negative
      {"500", std::nullopt, "500", "99", MoneyLimit::kMoney},                // the money binds first
  };
  for (const Row& row : rows) {
    a.daily_limit = row.own ? std::optional<base::Money>(M(*row.own)) : std::nullopt;
    const SpendPolicy policy{row.box ? std::optional<base::Money>(M(*row.box)) : std::nullopt, false};
    INFO("own " << row.own.value_or("-") << ", box " << row.box.value_or("-"));
    const std::optional<base::Money> limit = DailyLimit(a, policy);
    CHECK(limit.has_value() == row.limit.has_value());
    if (limit && row.limit) CHECK(*limit == M(*row.limit));
    CHECK(CallableMoney(a, today, policy) == M(row.callable));
    CHECK(BindingLimit(a, today, policy) == row.binds);
  }

  a.daily_limit.reset();
  CHECK(DaySpent(a, 20261208) == M("7"));
  CHECK(DaySpent(a, 20261209) == M("0"));                               // a new day starts from nothing
  CHECK(DaySpent(a, 20261207) == M("7"));                               // the clock went back: the newest day's spend
  CHECK(DayLeft(a, Utc("2026-12-09T00:00:00Z"), Box("10")) == M("9"));  // reservations still count
  CHECK(CallableMoney(a, today, Box("10", true)) == M("99"));           // alert-only: never a limit
  CHECK(DayLeft(a, today, Box("10", true)) == M("2"));                  // but still measured

  // A monthly budget leaving exactly as much: the budget is named.
  a.monthly_budget = M("10");
  a.spent_month = 202612;
  a.month_spent = M("7");
  CHECK(BindingLimit(a, today, Box("10")) == MoneyLimit::kBudget);
  CHECK(BindingLimit(a, today, Box("9")) == MoneyLimit::kDailyLimit);

  AccountChanges negative;
  negative.daily_limit = M("-1");
  CHECK(ApplyAccountChanges(a, negative).status().message() == "daily_limit -1.0000 is negative");
}

TEST_CASE("The authorizer refuses for the daily cap, or only flags the call", "[billing][daily]") {
  DailySetup s("5.00", Box("0.50"));
  auto a = s.authorizer->Authorize("1001", "442079460958", s.clock.Now());
  REQUIRE(a.ok());
  CHECK(a->allowed);
  CHECK(a->max_seconds == 50);
  CHECK(a->bound == MoneyLimit::kDailyLimit);

  s.SetOwnLimit(M("0.005"));
  a = s.authorizer->Authorize("1001", "442079460958", s.clock.Now());
  REQUIRE(a.ok());
  CHECK_FALSE(a->allowed);
  CHECK(std::string(a->reason_name()) == "guard_daily_spend");
  CHECK(HangupCauseFor(a->reason) == kCauseNoFunds);
  CHECK(IsGuardReason(a->reason_name()));

  s.SetOwnLimit(M("0"));  // no cap for this account: the balance decides
  a = s.authorizer->Authorize("1001", "442079460958", s.clock.Now());
  REQUIRE(a.ok());
  CHECK(a->allowed);
  CHECK(a->max_seconds == 500);
  CHECK(a->flagged.empty());

  DailySetup alert("5.00", Box("0.005", true));
  a = alert.authorizer->Authorize("1001", "442079460958", alert.clock.Now());
  REQUIRE(a.ok());
  CHECK(a->allowed);
  CHECK(a->max_seconds == 500);
  CHECK(a->flagged == "guard_daily_spend");
  alert.SetOwnLimit(M("10"));  // enough for the first increment: nothing to flag
  a = alert.authorizer->Authorize("1001", "442079460958", alert.clock.Now());
  REQUIRE(a.ok());
  CHECK(a->flagged.empty());
}

TEST_CASE("Concurrent calls share one daily cap, a call is cut where it ends, the next day starts afresh",
          "[billing][daily]") {
  OfficeZone zone("UTC");  // kT0 is 2023-11-14T22:13:20Z
  DailySetup s("5.00", Box("1.00"));
  LegScript a = ALeg("a-1");
  LegScript b = ALeg("b-1");
  LegScript c = ALeg("c-1");
  s.control.ExpectScheduleHangup("a-1", 100, kCauseOutOfTime);
  s.Feed(a.Create());
  // 0.40 of the day's 1.00 is left beside the first call's hold: 40 s.
  s.control.ExpectScheduleHangup("b-1", 40, kCauseOutOfTime);
  s.Feed(b.Create());
  s.control.ExpectKill("c-1", kCauseNoFunds);
  s.Feed(c.Create());
  s.Feed(c.HangupComplete(0, 0, kT0us + kSecond, std::string(kCauseNoFunds)));
  CHECK(s.CdrOf("c-1").disposition == Disposition::kDenied);
  CHECK(s.CdrOf("c-1").deny_reason == "guard_daily_spend");

  const int64_t connected = kT0us + 2 * kSecond;
  s.Feed(b.Answer(connected));
  s.Feed(b.Bridge(connected));
  s.Feed(b.HangupComplete(connected, connected, connected + 10 * kSecond));
  CHECK(s.Acc().day_spent == M("0.10"));
  CHECK(s.Acc().spent_day == 20231114);

  // a's extension at 50 s finds 0.30 of the day (1.00 - 0.10 spent - 0.60
  // held): held to 90 s and cut there, for the daily cap.
  s.Feed(a.Answer(connected));
  s.Feed(a.Bridge(connected));
  s.clock.Set(base::Instant::FromMicros(connected + 50 * kSecond));
  s.control.ExpectScheduleHangup("a-1", 40, kCauseOutOfTime);
  REQUIRE(s.tracker->Tick().ok());
  s.Feed(a.HangupComplete(connected, connected, connected + 90 * kSecond, std::string(kCauseOutOfTime)));
  const Cdr cdr = s.CdrOf("a-1");
  CHECK(cdr.disposition == Disposition::kCutOffNoFunds);
  CHECK(cdr.deny_reason == "guard_daily_spend");
  CHECK(cdr.cost == M("0.90"));
  CHECK(s.Acc().day_spent == M("1.00"));  // the cap, to the micro-unit
  CHECK(s.Acc().balance == M("4.00"));
  CHECK(s.repo.Consistent());

  // Two hours on it is 15 November: the cap is whole again.
  const int64_t tomorrow = kT0us + 2 * 3600 * kSecond;
  s.clock.Set(base::Instant::FromMicros(tomorrow));
  LegScript d = ALeg("d-1");
  d.t0_us = tomorrow;
  s.control.ExpectScheduleHangup("d-1", 100, kCauseOutOfTime);
  s.Feed(d.Create());
  s.control.Verify();
}
