#pragma once
// The ledger (SPEC section 3): every movement of an account's money is one
// append-only row with the balance after it, so an account's balance always
// equals the sum of its ledger. The rules a movement must follow live here as
// pure functions; the store applies them inside the transaction that writes
// the row, which is what makes them hold under concurrency.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/money.h"
#include "base/status.h"
#include "base/time.h"
#include "billing/account.h"
#include "billing/ids.h"

namespace tarifador::billing {

enum class LedgerKind {
  kRecharge,    // money paid in; amount > 0
  kCallCharge,  // a call's cost; amount < 0; written only when a call is billed
  kRefund,      // money given back (a disputed call); amount > 0
  kAdjustment,  // an operator's correction; amount != 0, either sign
};

// "recharge", "call_charge", "refund", "adjustment" (SQL, JSON).
const char* LedgerKindName(LedgerKind kind);
// Parses the names above; InvalidArgument otherwise.
base::Result<LedgerKind> ParseLedgerKind(std::string_view text);

struct LedgerEntry {
  int64_t id = 0;  // assigned by the store, increasing
  AccountId account_id;
  LedgerKind kind = LedgerKind::kRecharge;
  base::Money amount;         // signed: positive credits the account
  base::Money balance_after;  // the account's balance once this row applied
  std::string actor;          // "user:alice", "token:dialplan", "cli", "billing"
  std::string reason;         // free text: a recharge note, why an adjustment was made
  base::Instant at;
  std::optional<CallId> call;                  // set on call charges (and refunds of a call)
  std::optional<std::string> idempotency_key;  // the client's key, when it sent one

  bool operator==(const LedgerEntry&) const = default;
};

// A requested movement (everything but the store-assigned id and balance).
struct Movement {
  AccountId account_id;
  LedgerKind kind = LedgerKind::kRecharge;
  base::Money amount;
  std::string actor;
  std::string reason;
  base::Instant at;
  std::optional<CallId> call;
  // A client-chosen key (at most 128 characters): the same key again returns
  // the first movement's row instead of moving money twice (a retried HTTP
  // request). Reusing a key for a different movement fails.
  std::optional<std::string> idempotency_key;
};

struct MovementResult {
  LedgerEntry entry;
  bool replayed = false;  // the idempotency key was seen before; nothing changed now
};

// Checks a movement on its own: account set, actor non-empty, the amount's
// sign fits the kind (recharge and refund > 0, call charge < 0, adjustment
// != 0), idempotency key 1..128 characters when given. InvalidArgument.
base::Status ValidateMovement(const Movement& movement);

// The balance after applying `movement` to `account`, or FailedPrecondition
// when it is a debit that would leave less than nothing available
// (AvailableMoney < 0 afterwards: a prepaid account below zero, a postpaid
// one below -credit_limit, or money held for live calls spent). Credits are
// always accepted. InvalidArgument on overflow. Precondition:
// ValidateMovement(movement) is OK and it is for `account`.
base::Result<base::Money> BalanceAfterMovement(const Account& account, const Movement& movement);

// True when a replay of `first` (found by its idempotency key) asks for the
// same thing as `again`: same account, kind and amount.
bool SameMovement(const LedgerEntry& first, const Movement& again);

}  // namespace tarifador::billing
