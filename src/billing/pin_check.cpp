#include "billing/pin_check.h"

#include "base/password.h"

namespace tarifador::billing {
namespace {

bool Keyable(std::string_view s, size_t max) {
  if (s.empty() || s.size() > max) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

const char* PinVerdictName(PinVerdict verdict) {
  switch (verdict) {
    case PinVerdict::kGranted: return "ok";
    case PinVerdict::kMissing: return "pin_missing";
    case PinVerdict::kInvalid: return "pin_invalid";
    case PinVerdict::kLocked: return "pin_locked";
  }
  return "pin_invalid";
}

base::Result<PinCheck> PinChecker::Check(const PinAttempt& attempt, base::Instant at) {
  PinCheck out;
  if (attempt.id.empty() && attempt.pin.empty()) return out;  // kMissing: nothing keyed, nothing guessed
  std::lock_guard<std::mutex> lock(mu_);

  const int64_t phone_limit = 2 * options_.max_failures;
  const base::Instant since = base::Instant::FromMicros(
      at.micros() - std::chrono::duration_cast<std::chrono::microseconds>(options_.window).count());
  base::Result<PinDirectory::Failures> failures = directory_.RecentPinFailures(attempt.id, attempt.caller, since);
  if (!failures.ok()) return failures.status();
  if (failures->by_code >= options_.max_failures || failures->by_caller >= phone_limit) {
    out.verdict = PinVerdict::kLocked;
    TARIFADOR_RETURN_IF_ERROR(
        directory_.RecordPinRefusal(attempt, PinVerdictName(out.verdict), /*counted=*/false, std::nullopt, at));
    return out;
  }

  std::optional<PinDirectory::Stored> stored;
  if (Keyable(attempt.id, kMaxPinIdLength)) {
    base::Result<std::optional<PinDirectory::Stored>> found = directory_.FindPin(attempt.id);
    if (!found.ok()) return found.status();
    stored = std::move(*found);
  }
  // An unknown number is verified against a dummy hash: as slow as a wrong PIN.
  const bool keyable = Keyable(attempt.pin, kMaxPinLength);
  const bool matches = base::VerifyPassword(stored ? stored->pin_hash : base::DummyPasswordHash(),
                                            keyable ? attempt.pin : std::string_view("x"));
  if (stored && keyable && matches && stored->code.enabled) {
    out.verdict = PinVerdict::kGranted;
    out.grant = GrantOf(stored->code);
    TARIFADOR_RETURN_IF_ERROR(directory_.RecordPinUse(attempt, stored->code, at));
    return out;
  }

  out.verdict = PinVerdict::kInvalid;
  std::optional<PinLockout> lockout;
  const int64_t minutes = options_.window.count();
  if (failures->by_code + 1 == options_.max_failures) {
    lockout = PinLockout{"code", failures->by_code + 1, minutes};
  } else if (failures->by_caller + 1 == phone_limit) {
    lockout = PinLockout{"phone", failures->by_caller + 1, minutes};
  }
  TARIFADOR_RETURN_IF_ERROR(
      directory_.RecordPinRefusal(attempt, PinVerdictName(out.verdict), /*counted=*/true, lockout, at));
  return out;
}

}  // namespace tarifador::billing
