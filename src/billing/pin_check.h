#pragma once
// Checking a PIN call's code (docs/BILLING.md "PIN codes"): the code number
// and digits the caller keyed, verified against the code's slow hash, with
// a throttle on wrong guesses: per code number, max_failures in `window`
// lock it for the rest of the window; per phone, twice as many lock the
// phone's PIN calls (someone trying many code numbers). The lock raises a
// pin_failures alert. Every check, granted or refused, is audited.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "base/time.h"
#include "billing/ids.h"
#include "billing/pin_code.h"

namespace tarifador::billing {

// What the caller keyed, as FreeSWITCH's dialplan collected it.
struct PinAttempt {
  std::string id;      // variable_tarifador_pin_id
  std::string pin;     // variable_tarifador_pin (never stored, logged or audited)
  std::string caller;  // the phone's extension
  CallId call;
};

enum class PinVerdict {
  kGranted,
  kMissing,  // "pin_missing": nothing keyed (or the dialplan asked for no code)
  kInvalid,  // "pin_invalid": no such code, a disabled code, or wrong digits (the caller is not told which)
  kLocked,   // "pin_locked": too many wrong codes lately, for this code number or from this phone
};
// The reason names above, written in the CDR and tarifador_reason.
const char* PinVerdictName(PinVerdict verdict);

struct PinCheck {
  PinVerdict verdict = PinVerdict::kMissing;
  std::optional<PinGrant> grant;  // kGranted
};

// A lock that a failure just tripped, for its alert.
struct PinLockout {
  std::string scope;  // "code" (the code number) or "phone" (the caller)
  int64_t failures = 0;
  int64_t minutes = 0;
};

// The store's side of PIN codes, as billing needs it (store::PinStore).
class PinDirectory {
 public:
  virtual ~PinDirectory() = default;
  struct Stored {
    PinCode code;
    std::string pin_hash;
  };
  // The code numbered `id`, or nullopt.
  virtual base::Result<std::optional<Stored>> FindPin(std::string_view id) = 0;
  struct Failures {
    int64_t by_code = 0;    // wrong attempts at code number `id` since `since`
    int64_t by_caller = 0;  // wrong attempts from `caller` since `since`
  };
  virtual base::Result<Failures> RecentPinFailures(std::string_view id, std::string_view caller,
                                                   base::Instant since) = 0;
  // A refused attempt, audited "pin.refused" with `reason`, in one
  // transaction: `counted` adds it to the throttle's failures, `lockout`
  // (when it tripped a lock) raises the pin_failures alert.
  virtual base::Status RecordPinRefusal(const PinAttempt& attempt, std::string_view reason, bool counted,
                                        const std::optional<PinLockout>& lockout, base::Instant at) = 0;
  // A granted attempt: audited "pin.use", the code's last use stamped.
  virtual base::Status RecordPinUse(const PinAttempt& attempt, const PinCode& code, base::Instant at) = 0;
};

class PinChecker {
 public:
  struct Options {
    int64_t max_failures = 5;         // pins.max_failures; a phone may have twice as many
    std::chrono::minutes window{15};  // the throttle's memory and the lock's length
  };
  // Borrows the directory; it must outlive the checker.
  PinChecker(PinDirectory& directory, Options options) : directory_(directory), options_(options) {}

  // Checks `attempt` at `at`. Slow on purpose (one argon2id verification,
  // also for an unknown code number, so timing tells nothing). One check at
  // a time: the throttle's count, the verification and the failure it
  // records are one step, so calls keyed at once cannot each slip a guess
  // past a lock (the hash is one at a time in the process anyway,
  // base/password.h). Fails only when the store does. Thread-safe when the
  // directory is.
  base::Result<PinCheck> Check(const PinAttempt& attempt, base::Instant at);

  const Options& options() const { return options_; }

 private:
  PinDirectory& directory_;
  const Options options_;
  std::mutex mu_;  // one Check at a time
};

}  // namespace tarifador::billing
