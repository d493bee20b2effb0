#include "billing/budget_alerts.h"

namespace tarifador::billing {
namespace {

std::string Key(const char* kind, const Account& a, BudgetMonth month) {
  return std::string(kind) + ":" + std::to_string(a.id.value) + ":" + std::to_string(month) + ":" +
         std::to_string(a.monthly_budget->micros());
}

}  // namespace

std::vector<AlertDue> BudgetAlertsDue(const Account& account, BudgetMonth month, bool refused) {
  std::vector<AlertDue> out;
  if (!account.monthly_budget) return out;
  const base::Money budget = *account.monthly_budget;
  const base::Money spent = MonthSpent(account, month);
  // spent >= budget * percent / 100, in micro-units without overflow:
  // budget / 100 * percent + budget % 100 * percent / 100 is the threshold
  // rounded down, so the warning never comes late.
  const int64_t b = budget.micros();
  const int64_t threshold = b / 100 * account.budget_warn_percent + b % 100 * account.budget_warn_percent / 100;
  const bool reached = refused || spent >= budget;
  if (reached) {
    out.push_back({"budget_reached", "critical", Key("budget_reached", account, month)});
  } else if (spent.micros() >= threshold && spent > base::Money()) {
    out.push_back({"budget_warning", "warning", Key("budget_warning", account, month)});
  }
  return out;
}

}  // namespace tarifador::billing
