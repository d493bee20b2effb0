#include "billing/account.h"

#include <cstdio>

#include "base/local_time.h"
#include "base/strings.h"
#include "rating/rate_plan.h"

namespace tarifador::billing {
namespace {

constexpr size_t kMaxNameLength = 128;

bool HasControlCharacter(std::string_view s) {
  for (const char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  }
  return false;
}

bool IsExtensionCharacter(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '*' || c == '#' ||
         c == '+' || c == '_' || c == '.' || c == '-';
}

}  // namespace

const char* AccountTypeName(AccountType type) {
  switch (type) {
    case AccountType::kPrepaid: return "prepaid";
    case AccountType::kPostpaid: return "postpaid";
  }
  return "prepaid";
}

base::Result<AccountType> ParseAccountType(std::string_view text) {
  if (text == "prepaid") return AccountType::kPrepaid;
  if (text == "postpaid") return AccountType::kPostpaid;
  return base::InvalidArgument("account type " + base::Quoted(text) + " is not one of prepaid, postpaid");
}

const char* BudgetModeName(BudgetMode mode) { return mode == BudgetMode::kAlert ? "alert" : "block"; }

base::Result<BudgetMode> ParseBudgetMode(std::string_view text) {
  if (text == "block") return BudgetMode::kBlock;
  if (text == "alert") return BudgetMode::kAlert;
  return base::InvalidArgument("budget_mode " + base::Quoted(text) + " is not one of block, alert");
}

BudgetMonth BudgetMonthOf(base::Instant t) {
  const base::LocalTime local = base::ToLocal(t);
  return local.year * 100 + local.month;
}

std::string BudgetMonthName(BudgetMonth month) {
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02d", month / 100, month % 100);
  return text;
}

SpendDay SpendDayOf(base::Instant t) {
  const base::LocalTime local = base::ToLocal(t);
  return (local.year * 100 + local.month) * 100 + local.day;
}

std::string SpendDayName(SpendDay day) {
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02d-%02d", day / 10000, day / 100 % 100, day % 100);
  return text;
}

base::Status ValidateNewAccount(const NewAccount& account) {
  if (account.name.empty() || account.name.size() > kMaxNameLength || HasControlCharacter(account.name)) {
    return base::InvalidArgument("account name " + base::Quoted(account.name) +
                                 " must be 1 to 128 characters without control characters");
  }
  if (account.credit_limit.is_negative()) {
    return base::InvalidArgument("credit_limit " + account.credit_limit.ToString() + " is negative");
  }
  if (account.type == AccountType::kPrepaid && !account.credit_limit.is_zero()) {
    return base::InvalidArgument("a prepaid account has no credit limit (got " + account.credit_limit.ToString() + ")");
  }
  if (account.monthly_budget && account.monthly_budget->is_negative()) {
    return base::InvalidArgument("monthly_budget " + account.monthly_budget->ToString() + " is negative");
  }
  if (account.budget_warn_percent < 1 || account.budget_warn_percent > 100) {
    return base::InvalidArgument("budget_warn_percent " + std::to_string(account.budget_warn_percent) +
                                 " must be 1 to 100");
  }
  if (account.low_balance && account.low_balance->is_negative()) {
    return base::InvalidArgument("low_balance " + account.low_balance->ToString() + " is negative");
  }
  if (account.low_balance && account.type != AccountType::kPrepaid) {
    return base::InvalidArgument("low_balance is for prepaid accounts (a postpaid balance goes below zero by design)");
  }
  if (account.daily_limit && account.daily_limit->is_negative()) {
    return base::InvalidArgument("daily_limit " + account.daily_limit->ToString() + " is negative");
  }
  return base::Status::Ok();
}

base::Result<Account> ApplyAccountChanges(Account account, const AccountChanges& changes) {
  if (changes.name) account.name = *changes.name;
  if (changes.credit_limit) account.credit_limit = *changes.credit_limit;
  if (changes.monthly_budget) account.monthly_budget = *changes.monthly_budget;
  if (changes.budget_mode) account.budget_mode = *changes.budget_mode;
  if (changes.budget_warn_percent) account.budget_warn_percent = *changes.budget_warn_percent;
  if (changes.low_balance) account.low_balance = *changes.low_balance;
  if (changes.daily_limit) account.daily_limit = *changes.daily_limit;
  TARIFADOR_RETURN_IF_ERROR(ValidateNewAccount(
      NewAccount{account.name, account.type, account.credit_limit, account.monthly_budget, account.budget_mode,
                 account.budget_warn_percent, account.low_balance, account.daily_limit}));
  return account;
}

base::Money BalanceFloor(const Account& account) {
  return account.type == AccountType::kPostpaid ? -account.credit_limit : base::Money();
}

base::Money AvailableMoney(const Account& account) {
  return account.balance - account.reserved - BalanceFloor(account);
}

base::Money MonthSpent(const Account& account, BudgetMonth month) {
  return month > account.spent_month ? base::Money() : account.month_spent;
}

std::optional<base::Money> BudgetLeft(const Account& account, base::Instant at) {
  if (!account.monthly_budget) return std::nullopt;
  return *account.monthly_budget - MonthSpent(account, BudgetMonthOf(at)) - account.reserved;
}

std::optional<base::Money> DailyLimit(const Account& account, const SpendPolicy& policy) {
  const std::optional<base::Money> limit = account.daily_limit ? account.daily_limit : policy.daily_limit;
  if (!limit || limit->is_zero()) return std::nullopt;
  return limit;
}

base::Money DaySpent(const Account& account, SpendDay day) {
  return day > account.spent_day ? base::Money() : account.day_spent;
}

std::optional<base::Money> DayLeft(const Account& account, base::Instant at, const SpendPolicy& policy) {
  const std::optional<base::Money> limit = DailyLimit(account, policy);
  if (!limit) return std::nullopt;
  return *limit - DaySpent(account, SpendDayOf(at)) - account.reserved;
}

MoneyLimit BindingLimit(const Account& account, base::Instant at, const SpendPolicy& policy) {
  base::Money callable = AvailableMoney(account);
  MoneyLimit binding = MoneyLimit::kMoney;
  if (account.budget_mode == BudgetMode::kBlock) {
    if (const std::optional<base::Money> left = BudgetLeft(account, at); left && *left < callable) {
      callable = *left;
      binding = MoneyLimit::kBudget;
    }
  }
  if (!policy.daily_alert_only) {
    if (const std::optional<base::Money> left = DayLeft(account, at, policy); left && *left < callable) {
      binding = MoneyLimit::kDailyLimit;
    }
  }
  return binding;
}

base::Money CallableMoney(const Account& account, base::Instant at, const SpendPolicy& policy) {
  switch (BindingLimit(account, at, policy)) {
    case MoneyLimit::kBudget: return *BudgetLeft(account, at);
    case MoneyLimit::kDailyLimit: return *DayLeft(account, at, policy);
    case MoneyLimit::kMoney: break;
  }
  return AvailableMoney(account);
}

base::Status ValidateExtension(const Extension& extension) {
  if (extension.number.empty() || extension.number.size() > 32) {
    return base::InvalidArgument("extension number " + base::Quoted(extension.number) + " must be 1 to 32 characters");
  }
  for (const char c : extension.number) {
    if (!IsExtensionCharacter(c)) {
      return base::InvalidArgument("extension number " + base::Quoted(extension.number) +
                                   " may hold only letters, digits and * # + _ . -");
    }
  }
  if (extension.name.size() > kMaxNameLength || HasControlCharacter(extension.name)) {
    return base::InvalidArgument("extension name " + base::Quoted(extension.name) +
                                 " must be at most 128 characters without control characters");
  }
  if (extension.account_id.value <= 0) {
    return base::InvalidArgument("extension " + base::Quoted(extension.number) + " has no account");
  }
  if (extension.rate_plan) {
    TARIFADOR_RETURN_IF_ERROR(
        rating::ValidatePlanName(*extension.rate_plan).WithContext("extension " + base::Quoted(extension.number)));
  }
  return ValidateExtensionGuards(extension.guards).WithContext("extension " + base::Quoted(extension.number));
}

}  // namespace tarifador::billing
