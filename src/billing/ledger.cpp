#include "billing/ledger.h"

namespace tarifador::billing {

base::Result<MovementResult> Ledger::Apply(Movement movement) {
  movement.at = clock_.Now();
  const std::string context =
      std::string(LedgerKindName(movement.kind)) + " on account " + std::to_string(movement.account_id.value);
  base::Status valid = ValidateMovement(movement);
  if (!valid.ok()) return valid.WithContext(context);
  auto result = repository_.ApplyMovement(movement);
  if (!result.ok()) return result.status().WithContext(context);
  return result;
}

base::Result<MovementResult> Ledger::Recharge(AccountId account, base::Money amount, std::string_view actor,
                                              std::string_view note, std::optional<std::string> idempotency_key) {
  return Apply(Movement{account,
                        LedgerKind::kRecharge,
                        amount,
                        std::string(actor),
                        std::string(note),
                        {},
                        {},
                        std::move(idempotency_key)});
}

base::Result<MovementResult> Ledger::Refund(AccountId account, base::Money amount, std::string_view actor,
                                            std::string_view reason, std::optional<CallId> call,
                                            std::optional<std::string> idempotency_key) {
  return Apply(Movement{account,
                        LedgerKind::kRefund,
                        amount,
                        std::string(actor),
                        std::string(reason),
                        {},
                        std::move(call),
                        std::move(idempotency_key)});
}

base::Result<MovementResult> Ledger::Adjust(AccountId account, base::Money amount, std::string_view actor,
                                            std::string_view reason, std::optional<std::string> idempotency_key) {
  return Apply(Movement{account,
                        LedgerKind::kAdjustment,
                        amount,
                        std::string(actor),
                        std::string(reason),
                        {},
                        {},
                        std::move(idempotency_key)});
}

}  // namespace tarifador::billing
