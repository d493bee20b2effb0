#include "billing/account.h"

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
  return base::Status::Ok();
}

base::Money BalanceFloor(const Account& account) {
  return account.type == AccountType::kPostpaid ? -account.credit_limit : base::Money();
}

base::Money AvailableMoney(const Account& account) {
  return account.balance - account.reserved - BalanceFloor(account);
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
  return base::Status::Ok();
}

}  // namespace tarifador::billing
