#pragma once
// Accounts and extensions (SPEC section 3): who holds money and who dials.
#include <optional>
#include <string>
#include <string_view>

#include "base/money.h"
#include "base/status.h"
#include "base/time.h"
#include "billing/extension_guards.h"
#include "billing/ids.h"

namespace tarifador::billing {

enum class AccountType {
  kPrepaid,   // the balance may not go below zero
  kPostpaid,  // the balance may go down to -credit_limit
};

// "prepaid", "postpaid": the stable names used in SQL, JSON and the CLI.
const char* AccountTypeName(AccountType type);
// Parses the names above. InvalidArgument `account type "gold" is not one of prepaid, postpaid`.
base::Result<AccountType> ParseAccountType(std::string_view text);

// What reaching a monthly budget does (SPEC 3): a budget is a limit, so by
// default outbound calls are refused (and cut) where it ends; an account set
// to kAlert only raises the alert.
enum class BudgetMode {
  kBlock,  // "block"
  kAlert,  // "alert"
};
const char* BudgetModeName(BudgetMode mode);
// InvalidArgument `budget_mode "x" is not one of block, alert`.
base::Result<BudgetMode> ParseBudgetMode(std::string_view text);

// A budget month: the office time zone's calendar month as YYYYMM (202612).
using BudgetMonth = int32_t;
// The budget month `t` falls in, in the office time zone (base/local_time.h).
BudgetMonth BudgetMonthOf(base::Instant t);
// "2026-12".
std::string BudgetMonthName(BudgetMonth month);

// An office day: the office time zone's calendar day as YYYYMMDD (20261208),
// the period of the daily spend cap.
using SpendDay = int32_t;
// The office day `t` falls in.
SpendDay SpendDayOf(base::Instant t);
// "2026-12-08".
std::string SpendDayName(SpendDay day);

struct Account {
  AccountId id;
  std::string name;  // unique; a person or a department ("Sales")
  AccountType type = AccountType::kPrepaid;
  base::Money credit_limit;                   // >= 0; only postpaid accounts use it
  std::optional<base::Money> monthly_budget;  // >= 0; outbound calls of a budget month may spend this much
  base::Money balance;                        // always equals the sum of the account's ledger
  base::Money reserved;                       // sum of the open reservations of live calls
  base::Instant created_at;
  base::Instant updated_at;
  BudgetMode budget_mode = BudgetMode::kBlock;
  int budget_warn_percent = 80;  // 1..100: the warning alert's threshold
  // Prepaid only: a charge taking the balance below this raises low_balance;
  // nullopt: the box-wide alerts.low_balance; 0: never.
  std::optional<base::Money> low_balance = std::nullopt;
  // What calls charged in the newest budget month that has a charge
  // (`spent_month`, 0 when none). The store keeps it in the same transaction
  // as the charges; MonthSpent() reads it for a given month.
  BudgetMonth spent_month = 0;
  base::Money month_spent{};
  // The most the account's outbound calls may spend in one office day (the
  // daily spend cap, docs/BILLING.md): nullopt: the box-wide
  // guards.max_daily_spend; 0: no cap for this account.
  std::optional<base::Money> daily_limit = std::nullopt;
  // What calls charged on the newest office day that has a charge
  // (`spent_day`, 0 when none), kept as month_spent is; DaySpent() reads it.
  SpendDay spent_day = 0;
  base::Money day_spent{};

  bool operator==(const Account&) const = default;
};

// What the caller supplies to create an account; the store assigns the id and
// starts it with balance 0 and nothing reserved.
struct NewAccount {
  std::string name;
  AccountType type = AccountType::kPrepaid;
  base::Money credit_limit;
  std::optional<base::Money> monthly_budget;
  BudgetMode budget_mode = BudgetMode::kBlock;
  int budget_warn_percent = 80;
  std::optional<base::Money> low_balance = std::nullopt;
  std::optional<base::Money> daily_limit = std::nullopt;
};

// What PATCH /api/v1/accounts/{id} may change; an empty field stays as it is.
// The type does not change (prepaid and postpaid money follow different
// rules; a new account is the honest way).
struct AccountChanges {
  std::optional<std::string> name;
  std::optional<base::Money> credit_limit;
  std::optional<std::optional<base::Money>> monthly_budget;  // set to nullopt: no budget any more
  std::optional<BudgetMode> budget_mode;
  std::optional<int> budget_warn_percent;
  std::optional<std::optional<base::Money>> low_balance;  // set to nullopt: the box-wide threshold again
  std::optional<std::optional<base::Money>> daily_limit;  // set to nullopt: the box-wide cap again

  bool empty() const {
    return !name && !credit_limit && !monthly_budget && !budget_mode && !budget_warn_percent && !low_balance &&
           !daily_limit;
  }
};

// `account` with `changes` applied, checked as ValidateNewAccount checks a new
// one (InvalidArgument naming the field).
base::Result<Account> ApplyAccountChanges(Account account, const AccountChanges& changes);

// Checks a NewAccount: name 1..128 characters without control characters,
// credit_limit and monthly_budget not negative, no credit limit on a prepaid
// account, budget_warn_percent 1..100, a low_balance not negative and only
// on a prepaid account, a daily_limit not negative. Fails with
// InvalidArgument naming the field.
base::Status ValidateNewAccount(const NewAccount& account);

// The lowest balance the account may reach: 0 for prepaid, -credit_limit for
// postpaid.
base::Money BalanceFloor(const Account& account);

// Money a new call (or a debit) may still use:
// balance - reserved - BalanceFloor(account), i.e. balance - reserved
// (+ credit_limit for postpaid). May be negative when an administrator lowered
// a credit limit below the current debt.
base::Money AvailableMoney(const Account& account);

// What the account's calls charged in budget month `month`: month_spent when
// `month` is spent_month, 0 for a later month (nothing charged yet), and
// month_spent for an earlier one (the box's clock went back: the newest
// month's spend is the safe answer).
base::Money MonthSpent(const Account& account, BudgetMonth month);

// What is left of the monthly budget at `at`: budget - MonthSpent - reserved
// (the reservations of live calls count against the budget exactly as
// against the balance). Negative once exceeded; nullopt without a budget.
std::optional<base::Money> BudgetLeft(const Account& account, base::Instant at);

// The box-wide spending rules every account falls under (the guards.*
// settings of the daily spend cap).
struct SpendPolicy {
  // guards.max_daily_spend: the daily cap of an account without its own.
  std::optional<base::Money> daily_limit = std::nullopt;
  // guard_daily_spend is in guards.alert_only: the cap never limits money;
  // the authorizer flags a call it would have refused.
  bool daily_alert_only = false;
};

// The daily cap that applies to `account`: its own daily_limit, else the
// policy's; nullopt when neither is set or the one that applies is 0.
std::optional<base::Money> DailyLimit(const Account& account, const SpendPolicy& policy);

// What the account's calls charged on office day `day` (as MonthSpent).
base::Money DaySpent(const Account& account, SpendDay day);

// What is left of the daily cap at `at`: limit - DaySpent - reserved, as
// BudgetLeft. nullopt without a cap.
std::optional<base::Money> DayLeft(const Account& account, base::Instant at, const SpendPolicy& policy);

// Money an outbound call may use at `at`: AvailableMoney, capped by
// BudgetLeft when the account has a budget in BudgetMode::kBlock, and by
// DayLeft unless the daily cap only alerts.
base::Money CallableMoney(const Account& account, base::Instant at, const SpendPolicy& policy);

// Which limit CallableMoney stops at: the money itself, the monthly budget
// (a denial or cut for it is budget_exhausted) or the daily cap
// (guard_daily_spend). When both limits leave the same, the budget.
enum class MoneyLimit { kMoney, kBudget, kDailyLimit };
MoneyLimit BindingLimit(const Account& account, base::Instant at, const SpendPolicy& policy);

// A PBX user (SPEC section 3): belongs to one account and one rate plan.
struct Extension {
  std::string number;  // what the phone registers and dials from: "1001"
  std::string name;    // "Reception"
  AccountId account_id;
  std::optional<std::string> rate_plan;  // nullopt: the configured default plan
  bool enabled = true;                   // a disabled extension may not place outbound calls
  ExtensionGuards guards{};              // its own toll-fraud guard settings; empty: the box-wide ones

  bool operator==(const Extension&) const = default;
};

// Checks an Extension: number 1..32 characters of [0-9A-Za-z*#+_.-], name at
// most 128 characters, account id set, plan name valid when given, guards
// valid (ValidateExtensionGuards). Fails with InvalidArgument naming the
// field.
base::Status ValidateExtension(const Extension& extension);

}  // namespace tarifador::billing
