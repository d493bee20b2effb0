// Monthly budgets (SPEC 3): the month in the office's calendar, what is left,
// and a budget that refuses and cuts calls exactly as a prepaid balance does.
#include <catch2/catch.hpp>

#include "base/local_time.h"
#include "billing/account.h"
#include "billing/budget_alerts.h"
#include "billing/ledger.h"
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

Account WithBudget(const char* budget, BudgetMonth spent_month, const char* spent) {
  Account a;
  a.id = AccountId{1};
  a.name = "Office";
  a.balance = M("100");
  a.monthly_budget = M(budget);
  a.spent_month = spent_month;
  a.month_spent = M(spent);
  return a;
}

void SetBudget(Setup& s, const char* budget, BudgetMode mode = BudgetMode::kBlock) {
  AccountChanges c;
  c.monthly_budget = M(budget);
  c.budget_mode = mode;
  REQUIRE(s.repo.UpdateAccount(s.account, c, "test", s.clock.Now()).ok());
}

}  // namespace

TEST_CASE("Budget months follow the office's calendar, across DST changes", "[billing][budget]") {
  {
    OfficeZone zone("Europe/Madrid");
    // 25 Oct 2026 ends summer time: the last second of October is 22:59:59Z.
    CHECK(BudgetMonthOf(Utc("2026-10-31T22:59:59Z")) == 202610);
    CHECK(BudgetMonthOf(Utc("2026-10-31T23:00:00Z")) == 202611);
    // In summer time (+02:00) March ends at 21:59:59Z.
    CHECK(BudgetMonthOf(Utc("2026-03-31T21:59:59Z")) == 202603);
    CHECK(BudgetMonthOf(Utc("2026-03-31T22:00:00Z")) == 202604);
    CHECK(BudgetMonthOf(Utc("2026-12-31T22:59:59Z")) == 202612);
    CHECK(BudgetMonthOf(Utc("2026-12-31T23:00:00Z")) == 202701);
  }
  {
    OfficeZone zone("America/Mexico_City");  // -06:00 all year since 2022
    CHECK(BudgetMonthOf(Utc("2026-12-01T05:59:59Z")) == 202611);
    CHECK(BudgetMonthOf(Utc("2026-12-01T06:00:00Z")) == 202612);
  }
  CHECK(BudgetMonthName(202612) == "2026-12");
  CHECK(BudgetMonthName(202701) == "2027-01");
}

TEST_CASE("What is left of a budget counts the month's spend and the live reservations", "[billing][budget]") {
  OfficeZone zone("UTC");
  const base::Instant december = Utc("2026-12-15T10:00:00Z");
  Account a = WithBudget("10", 202612, "7");
  a.reserved = M("1");
  CHECK(MonthSpent(a, 202612) == M("7"));
  CHECK(MonthSpent(a, 202701) == M("0"));  // a new month starts from nothing
  CHECK(MonthSpent(a, 202611) == M("7"));  // the clock went back: the newest month's spend, the safe answer
  CHECK(BudgetLeft(a, december) == M("2"));
  CHECK(AvailableMoney(a) == M("99"));
  CHECK(CallableMoney(a, december, {}) == M("2"));
  CHECK(BindingLimit(a, december, {}) == MoneyLimit::kBudget);
  CHECK(CallableMoney(a, Utc("2027-01-01T00:00:00Z"), {}) == M("9"));  // reservations still count

  a.month_spent = M("12");  // exceeded (a call that outran its reservation)
  CHECK(BudgetLeft(a, december) == M("-3"));
  CHECK(CallableMoney(a, december, {}) == M("-3"));

  a.budget_mode = BudgetMode::kAlert;  // alerts only: money is the only limit
  CHECK(CallableMoney(a, december, {}) == M("99"));
  CHECK(BindingLimit(a, december, {}) == MoneyLimit::kMoney);

  Account none = WithBudget("0", 0, "0");
  none.monthly_budget.reset();
  CHECK(BudgetLeft(none, december) == std::nullopt);
  CHECK(CallableMoney(none, december, {}) == M("100"));

  a.budget_mode = BudgetMode::kBlock;
  a.balance = M("1.5");  // now the money binds before the budget
  a.month_spent = M("0");
  CHECK(CallableMoney(a, december, {}) == M("0.5"));
  CHECK(BindingLimit(a, december, {}) == MoneyLimit::kMoney);
}

TEST_CASE("Account changes are validated like a new account", "[billing][budget]") {
  Account a = WithBudget("10", 0, "0");
  AccountChanges c;
  c.budget_warn_percent = 0;
  CHECK(ApplyAccountChanges(a, c).status().message().find("budget_warn_percent") != std::string::npos);
  c.budget_warn_percent = 101;
  CHECK_FALSE(ApplyAccountChanges(a, c).ok());
  c.budget_warn_percent = 90;
  c.monthly_budget = std::optional<base::Money>();  // removed
  auto changed = ApplyAccountChanges(a, c);
  REQUIRE(changed.ok());
  CHECK(changed->budget_warn_percent == 90);
  CHECK_FALSE(changed->monthly_budget);
  AccountChanges negative;
  negative.monthly_budget = M("-1");
  CHECK_FALSE(ApplyAccountChanges(a, negative).ok());
  AccountChanges credit;
  credit.credit_limit = M("5");  // a prepaid account has none
  CHECK_FALSE(ApplyAccountChanges(a, credit).ok());
  CHECK(ParseBudgetMode("alert").ok());
  CHECK(ParseBudgetMode("warn").status().message() == "budget_mode \"warn\" is not one of block, alert");
}

TEST_CASE("The authorizer gives the budget's seconds and says when the budget is what refuses", "[billing][budget]") {
  Setup s("5.00");  // 0.60 a minute, 1/1, to 44
  SetBudget(s, "0.50");
  auto a = s.authorizer->Authorize("1001", "442079460958", s.clock.Now());
  REQUIRE(a.ok());
  CHECK(a->allowed);
  CHECK(a->max_seconds == 50);
  CHECK(a->available == M("0.50"));

  SetBudget(s, "0.005");
  a = s.authorizer->Authorize("1001", "442079460958", s.clock.Now());
  REQUIRE(a.ok());
  CHECK_FALSE(a->allowed);
  CHECK(std::string(a->reason_name()) == "budget_exhausted");
  CHECK(HangupCauseFor(a->reason) == kCauseNoFunds);

  SetBudget(s, "0.005", BudgetMode::kAlert);  // alert only: the balance decides
  a = s.authorizer->Authorize("1001", "442079460958", s.clock.Now());
  REQUIRE(a.ok());
  CHECK(a->allowed);
  CHECK(a->max_seconds == 500);

  Setup poor("0.005");
  SetBudget(poor, "100");
  a = poor.authorizer->Authorize("1001", "442079460958", poor.clock.Now());
  REQUIRE(a.ok());
  CHECK(std::string(a->reason_name()) == "insufficient_funds");  // the money, not the budget
}

TEST_CASE("Concurrent calls share one budget and a call is cut where it ends", "[billing][budget]") {
  Setup s("5.00");
  SetBudget(s, "1.00");
  LegScript a = ALeg("a-1");
  LegScript b = ALeg("b-1");
  LegScript c = ALeg("c-1");
  s.control.ExpectScheduleHangup("a-1", 100, kCauseOutOfTime);
  s.Feed(a.Create());
  CHECK(s.Acc().reserved == M("0.60"));
  // 0.40 of the budget is left beside the first call's reservation: 40 s.
  s.control.ExpectScheduleHangup("b-1", 40, kCauseOutOfTime);
  s.Feed(b.Create());
  CHECK(s.Acc().reserved == M("1.00"));
  // Nothing left: refused with the budget's reason, though 4.00 of money is.
  s.control.ExpectKill("c-1", kCauseNoFunds);
  s.Feed(c.Create());
  s.Feed(c.HangupComplete(0, 0, kT0us + kSecond, std::string(kCauseNoFunds)));
  CHECK(s.CdrOf("c-1").disposition == Disposition::kDenied);
  CHECK(s.CdrOf("c-1").deny_reason == "budget_exhausted");

  // b ends after 10 s: 0.10 charged, 0.30 of its hold goes back to the budget.
  const int64_t connected = kT0us + 2 * kSecond;
  s.Feed(b.Answer(connected));
  s.Feed(b.Bridge(connected));
  s.Feed(b.HangupComplete(connected, connected, connected + 10 * kSecond));
  CHECK(s.CdrOf("b-1").cost == M("0.10"));
  CHECK(s.Acc().month_spent == M("0.10"));

  // a runs on: its extension at 50 s finds 0.30 of the budget (1.00 - 0.10
  // spent - 0.60 held), so it is held to 90 s and cut there.
  s.Feed(a.Answer(connected));
  s.Feed(a.Bridge(connected));
  s.clock.Set(base::Instant::FromMicros(connected + 50 * kSecond));
  s.control.ExpectScheduleHangup("a-1", 40, kCauseOutOfTime);
  REQUIRE(s.tracker->Tick().ok());
  CHECK(s.Acc().reserved == M("0.90"));
  s.Feed(a.HangupComplete(connected, connected, connected + 90 * kSecond, std::string(kCauseOutOfTime)));
  const Cdr cdr = s.CdrOf("a-1");
  CHECK(cdr.disposition == Disposition::kCutOffNoFunds);
  CHECK(cdr.deny_reason == "budget_exhausted");
  CHECK(cdr.cost == M("0.90"));
  CHECK(s.Acc().month_spent == M("1.00"));  // the budget, to the micro-unit
  CHECK(s.Acc().balance == M("4.00"));
  CHECK(s.Acc().reserved == M("0"));
  CHECK(s.repo.Consistent());
  s.control.Verify();
}

TEST_CASE("A call cut where the money ends says no budget reason", "[billing][budget]") {
  Setup s("1.00");
  SetBudget(s, "50");
  LegScript a = ALeg("a-cut");
  s.control.ExpectScheduleHangup("a-cut", 100, kCauseOutOfTime);
  s.Feed(a.Create());
  Ledger ledger(s.repo, s.clock);
  REQUIRE(ledger.Adjust(s.account, M("-0.30"), "test", "spent elsewhere").ok());
  const int64_t connected = kT0us + 2 * kSecond;
  s.Feed(a.Answer(connected));
  s.Feed(a.Bridge(connected));
  s.clock.Set(base::Instant::FromMicros(connected + 50 * kSecond));
  s.control.ExpectScheduleHangup("a-cut", 20, kCauseOutOfTime);
  REQUIRE(s.tracker->Tick().ok());
  s.Feed(a.HangupComplete(connected, connected, connected + 70 * kSecond, std::string(kCauseOutOfTime)));
  CHECK(s.CdrOf("a-cut").disposition == Disposition::kCutOffNoFunds);
  CHECK(s.CdrOf("a-cut").deny_reason.empty());
  s.control.Verify();
}

TEST_CASE("A budget's alerts: the warning at its percentage, reached at 100 % or on a refusal", "[billing][budget]") {
  Account a = WithBudget("10", 202612, "0");
  a.budget_warn_percent = 80;
  const auto kinds = [&a](const char* spent, bool refused = false) {
    a.month_spent = M(spent);
    std::string out;
    for (const AlertDue& d : BudgetAlertsDue(a, 202612, refused)) out += d.kind + "/" + d.severity + " " + d.key;
    return out;
  };
  CHECK(kinds("0").empty());
  CHECK(kinds("7.999999").empty());
  CHECK(kinds("8") == "budget_warning/warning budget_warning:1:202612:10000000");
  CHECK(kinds("9.99") == "budget_warning/warning budget_warning:1:202612:10000000");
  CHECK(kinds("10") == "budget_reached/critical budget_reached:1:202612:10000000");
  CHECK(kinds("1", true) == "budget_reached/critical budget_reached:1:202612:10000000");
  CHECK(BudgetAlertsDue(a, 202701, false).empty());  // a new month: nothing spent yet
  a.budget_warn_percent = 1;
  a.monthly_budget = M("0.000150");  // a threshold of 1.5 micro-units is rounded down: never late
  CHECK(kinds("0.000001") == "budget_warning/warning budget_warning:1:202612:150");
  a.monthly_budget.reset();
  CHECK(kinds("100").empty());
}
