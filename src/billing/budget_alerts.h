#pragma once
// Which alerts an account's monthly budget calls for (SPEC 3, issue "alerts
// that reach people"): a warning at budget_warn_percent of the month's spend
// and "reached" at 100 % (or when a call was refused or cut for the budget).
// Each has a key that names the account, the month and the budget, so it is
// raised once per month and again only after the budget is changed.
#include <string>
#include <vector>

#include "billing/account.h"

namespace tarifador::billing {

struct AlertDue {
  std::string kind;      // "budget_warning" | "budget_reached": stable API names
  std::string severity;  // "warning" | "critical"
  std::string key;       // "budget_warning:7:202612:10000000": raised once per key
};

// The budget alerts due for `account` in `month` from its committed spend
// (MonthSpent; live reservations do not raise alerts: they may be released).
// `refused`: a call of the account was just refused or cut with
// budget_exhausted. At most one: "reached" when due, else the warning when
// due. Empty without a budget.
std::vector<AlertDue> BudgetAlertsDue(const Account& account, BudgetMonth month, bool refused);

}  // namespace tarifador::billing
