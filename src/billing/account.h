#pragma once
// Accounts and extensions (SPEC section 3): who holds money and who dials.
#include <optional>
#include <string>
#include <string_view>

#include "base/money.h"
#include "base/status.h"
#include "base/time.h"
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

struct Account {
  AccountId id;
  std::string name;  // unique; a person or a department ("Sales")
  AccountType type = AccountType::kPrepaid;
  base::Money credit_limit;                   // >= 0; only postpaid accounts use it
  std::optional<base::Money> monthly_budget;  // >= 0; stored and shown, not enforced yet
  base::Money balance;                        // always equals the sum of the account's ledger
  base::Money reserved;                       // sum of the open reservations of live calls
  base::Instant created_at;
  base::Instant updated_at;

  bool operator==(const Account&) const = default;
};

// What the caller supplies to create an account; the store assigns the id and
// starts it with balance 0 and nothing reserved.
struct NewAccount {
  std::string name;
  AccountType type = AccountType::kPrepaid;
  base::Money credit_limit;
  std::optional<base::Money> monthly_budget;
};

// Checks a NewAccount: name 1..128 characters without control characters,
// credit_limit and monthly_budget not negative, no credit limit on a prepaid
// account. Fails with InvalidArgument naming the field.
base::Status ValidateNewAccount(const NewAccount& account);

// The lowest balance the account may reach: 0 for prepaid, -credit_limit for
// postpaid.
base::Money BalanceFloor(const Account& account);

// Money a new call (or a debit) may still use:
// balance - reserved - BalanceFloor(account), i.e. balance - reserved
// (+ credit_limit for postpaid). May be negative when an administrator lowered
// a credit limit below the current debt.
base::Money AvailableMoney(const Account& account);

// A PBX user (SPEC section 3): belongs to one account and one rate plan.
struct Extension {
  std::string number;  // what the phone registers and dials from: "1001"
  std::string name;    // "Reception"
  AccountId account_id;
  std::optional<std::string> rate_plan;  // nullopt: the configured default plan
  bool enabled = true;                   // a disabled extension may not place outbound calls

  bool operator==(const Extension&) const = default;
};

// Checks an Extension: number 1..32 characters of [0-9A-Za-z*#+_.-], name at
// most 128 characters, account id set, plan name valid when given. Fails with
// InvalidArgument naming the field.
base::Status ValidateExtension(const Extension& extension);

}  // namespace tarifador::billing
