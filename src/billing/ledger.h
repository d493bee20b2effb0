#pragma once
// Ledger: the money operations people make (SPEC section 3) — recharge,
// refund, adjustment — as one idempotent Repository transaction each. Call
// charges are not made here; CallTracker bills calls through
// Repository::BillCall.
#include <optional>
#include <string>
#include <string_view>

#include "base/money.h"
#include "base/status.h"
#include "base/time.h"
#include "billing/ids.h"
#include "billing/ledger_entry.h"
#include "billing/repository.h"

namespace tarifador::billing {

// Thread-safe when the repository is (it holds no state of its own).
class Ledger {
 public:
  // Borrows both; they must outlive the Ledger.
  Ledger(Repository& repository, const base::Clock& clock) : repository_(repository), clock_(clock) {}

  // Credits `amount` (> 0) to the account. `idempotency_key`: a retried
  // request with the same key returns the first row (replayed = true) and
  // moves nothing. Fails with InvalidArgument on a non-positive amount or
  // empty actor, NotFound for a missing account, FailedPrecondition when the
  // key was used for a different movement.
  base::Result<MovementResult> Recharge(AccountId account, base::Money amount, std::string_view actor,
                                        std::string_view note, std::optional<std::string> idempotency_key = {});

  // Gives `amount` (> 0) back, optionally naming the call it refunds. Fails
  // like Recharge.
  base::Result<MovementResult> Refund(AccountId account, base::Money amount, std::string_view actor,
                                      std::string_view reason, std::optional<CallId> call = {},
                                      std::optional<std::string> idempotency_key = {});

  // Adds `amount` (either sign, not zero). A debit fails with
  // FailedPrecondition "insufficient funds" when it would take a prepaid
  // account below zero, a postpaid one below -credit_limit, or spend money
  // reserved for live calls. Otherwise fails like Recharge.
  base::Result<MovementResult> Adjust(AccountId account, base::Money amount, std::string_view actor,
                                      std::string_view reason, std::optional<std::string> idempotency_key = {});

 private:
  base::Result<MovementResult> Apply(Movement movement);

  Repository& repository_;
  const base::Clock& clock_;
};

}  // namespace tarifador::billing
