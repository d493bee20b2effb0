#pragma once
// PIN / authorization codes in the store (sql/0014_pin_codes.sql,
// docs/BILLING.md "PIN codes"): the codes an administrator manages, and
// billing's side of checking one (billing::PinDirectory): the failures the
// throttle counts, the audit row of every use and refusal, and the
// pin_failures alert when a lock trips. Never stores or audits the digits.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "billing/pin_check.h"
#include "billing/pin_code.h"
#include "store/read_pool.h"
#include "store/writer.h"

namespace tarifador::store {

// What PATCH /api/v1/pins/{id} may change; an empty field stays as it is.
struct PinChanges {
  std::optional<std::string> owner;
  std::optional<billing::AccountId> account_id;
  std::optional<std::vector<std::string>> zones;
  std::optional<bool> enabled;
  std::optional<std::string> pin;  // new digits (ValidatePinDigits)

  bool empty() const { return !owner && !account_id && !zones && !enabled && !pin; }
};

// Thread-safe.
class PinStore : public billing::PinDirectory {
 public:
  // Borrows both; they must outlive the store.
  PinStore(Writer& writer, ReadPool& reads) : writer_(writer), reads_(reads) {}

  // Adds `code` with the secret `pin` (audited "pin.add" by `actor`).
  // InvalidArgument for bad fields (billing::ValidatePinCode,
  // ValidatePinDigits), NotFound for an unknown account, AlreadyExists for
  // a number in use.
  base::Result<billing::PinCode> CreatePin(const billing::PinCode& code, std::string_view pin, std::string_view actor,
                                           base::Instant at);
  // Applies `changes` (audited "pin.update", naming the fields changed).
  // NotFound for an unknown code or account, InvalidArgument as CreatePin.
  base::Result<billing::PinCode> UpdatePin(std::string_view id, const PinChanges& changes, std::string_view actor,
                                           base::Instant at);
  // Removes a code (audited "pin.remove"); the CDRs of its calls keep its
  // number and owner. NotFound for an unknown code.
  base::Status DeletePin(std::string_view id, std::string_view actor, base::Instant at);
  base::Result<std::vector<billing::PinCode>> ListPins();

  // billing::PinDirectory
  base::Result<std::optional<Stored>> FindPin(std::string_view id) override;
  base::Result<Failures> RecentPinFailures(std::string_view id, std::string_view caller, base::Instant since) override;
  base::Status RecordPinRefusal(const billing::PinAttempt& attempt, std::string_view reason, bool counted,
                                const std::optional<billing::PinLockout>& lockout, base::Instant at) override;
  base::Status RecordPinUse(const billing::PinAttempt& attempt, const billing::PinCode& code,
                            base::Instant at) override;

 private:
  Writer& writer_;
  ReadPool& reads_;
};

}  // namespace tarifador::store
