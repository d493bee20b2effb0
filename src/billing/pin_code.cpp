#include "billing/pin_code.h"

#include <algorithm>

namespace tarifador::billing {
namespace {

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Each digit one more (or one less, with `step` -1) than the one before.
bool IsRun(std::string_view digits, int step) {
  for (size_t i = 1; i < digits.size(); ++i) {
    if (digits[i] - digits[i - 1] != step) return false;
  }
  return true;
}

bool HasControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

}  // namespace

PinGrant GrantOf(const PinCode& code) { return PinGrant{code.id, code.owner, code.account_id, code.zones}; }

base::Status ValidatePinId(std::string_view id) {
  if (!AllDigits(id) || id.size() > kMaxPinIdLength) {
    return base::InvalidArgument("id must be 1 to " + std::to_string(kMaxPinIdLength) + " digits");
  }
  return base::Status::Ok();
}

base::Status ValidatePinDigits(std::string_view pin, std::string_view id) {
  if (!AllDigits(pin) || pin.size() < kMinPinLength || pin.size() > kMaxPinLength) {
    return base::InvalidArgument("pin must be " + std::to_string(kMinPinLength) + " to " +
                                 std::to_string(kMaxPinLength) + " digits");
  }
  if (pin == id) return base::InvalidArgument("pin must not be the code's own number");
  if (IsRun(pin, 0) || IsRun(pin, 1) || IsRun(pin, -1)) {
    return base::InvalidArgument("pin is too easy to guess (one digit repeated, or digits counting up or down)");
  }
  return base::Status::Ok();
}

base::Status ValidatePinCode(const PinCode& code) {
  TARIFADOR_RETURN_IF_ERROR(ValidatePinId(code.id));
  if (code.owner.empty() || code.owner.size() > 128 || HasControl(code.owner)) {
    return base::InvalidArgument("owner must be 1 to 128 characters without control characters");
  }
  if (code.account_id.value <= 0) return base::InvalidArgument("account_id must name an account");
  if (code.zones.size() > kMaxPinZones) {
    return base::InvalidArgument("zones: at most " + std::to_string(kMaxPinZones) + " zones");
  }
  for (const std::string& zone : code.zones) {
    if (zone.empty() || zone.size() > 64 || HasControl(zone) || zone.find(',') != std::string::npos) {
      return base::InvalidArgument("zones: each zone must be 1 to 64 characters, without commas");
    }
  }
  return base::Status::Ok();
}

bool PinAllowsZone(const PinGrant& grant, std::string_view zone) {
  return grant.zones.empty() || std::find(grant.zones.begin(), grant.zones.end(), zone) != grant.zones.end();
}

}  // namespace tarifador::billing
