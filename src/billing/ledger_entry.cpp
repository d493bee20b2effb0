#include "billing/ledger_entry.h"

#include "base/strings.h"

namespace tarifador::billing {

const char* LedgerKindName(LedgerKind kind) {
  switch (kind) {
    case LedgerKind::kRecharge: return "recharge";
    case LedgerKind::kCallCharge: return "call_charge";
    case LedgerKind::kRefund: return "refund";
    case LedgerKind::kAdjustment: return "adjustment";
  }
  return "adjustment";
}

base::Result<LedgerKind> ParseLedgerKind(std::string_view text) {
  if (text == "recharge") return LedgerKind::kRecharge;
  if (text == "call_charge") return LedgerKind::kCallCharge;
  if (text == "refund") return LedgerKind::kRefund;
  if (text == "adjustment") return LedgerKind::kAdjustment;
  return base::InvalidArgument("ledger kind " + base::Quoted(text) +
                               " is not one of recharge, call_charge, refund, adjustment");
}

base::Status ValidateMovement(const Movement& movement) {
  const std::string what = std::string(LedgerKindName(movement.kind)) + " of " + movement.amount.ToString();
  if (movement.account_id.value <= 0) return base::InvalidArgument(what + ": no account");
  if (movement.actor.empty()) return base::InvalidArgument(what + ": no actor");
  switch (movement.kind) {
    case LedgerKind::kRecharge:
    case LedgerKind::kRefund:
      if (movement.amount <= base::Money()) return base::InvalidArgument(what + ": the amount must be positive");
      break;
    case LedgerKind::kCallCharge:
      if (movement.amount >= base::Money()) return base::InvalidArgument(what + ": a call charge must be negative");
      if (!movement.call || movement.call->empty()) return base::InvalidArgument(what + ": a call charge needs a call");
      break;
    case LedgerKind::kAdjustment:
      if (movement.amount.is_zero()) return base::InvalidArgument(what + ": an adjustment must not be zero");
      break;
  }
  if (movement.idempotency_key && (movement.idempotency_key->empty() || movement.idempotency_key->size() > 128)) {
    return base::InvalidArgument(what + ": idempotency key must be 1 to 128 characters");
  }
  return base::Status::Ok();
}

base::Result<base::Money> BalanceAfterMovement(const Account& account, const Movement& movement) {
  auto after = account.balance.CheckedAdd(movement.amount);
  if (!after.ok()) return after.status();
  if (!movement.amount.is_negative()) return after;
  Account changed = account;
  changed.balance = *after;
  const base::Money available = AvailableMoney(changed);
  if (available.is_negative()) {
    return base::FailedPrecondition(std::string(LedgerKindName(movement.kind)) + " of " + movement.amount.ToString() +
                                    " on account " + std::to_string(account.id.value) + " (" +
                                    AccountTypeName(account.type) + ", balance " + account.balance.ToString() +
                                    ", reserved " + account.reserved.ToString() + "): insufficient funds, " +
                                    (-available).ToString() + " short");
  }
  return after;
}

bool SameMovement(const LedgerEntry& first, const Movement& again) {
  return first.account_id == again.account_id && first.kind == again.kind && first.amount == again.amount;
}

}  // namespace tarifador::billing
