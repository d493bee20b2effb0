#pragma once
// PIN / authorization codes (SPEC section 3, docs/BILLING.md "PIN codes"): a
// code number and its secret digits let a person bill a call to their own
// account from any phone (a shared phone, a guest, a hotel room). The digits
// are kept only as a slow salted hash; the CDR names the code's number and
// owner, never the digits.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "billing/ids.h"

namespace tarifador::billing {

inline constexpr size_t kMaxPinIdLength = 12;
inline constexpr size_t kMinPinLength = 4;
inline constexpr size_t kMaxPinLength = 12;
inline constexpr size_t kMaxPinZones = 50;

struct PinCode {
  std::string id;     // the code's number, keyed first: 1..12 digits
  std::string owner;  // the person it belongs to
  AccountId account_id;
  // Class of service: the zones (rating::Rate::zone) its calls may reach;
  // empty: any zone the phone could call.
  std::vector<std::string> zones;
  bool enabled = true;
  base::Instant created_at;
  base::Instant updated_at;
  std::optional<base::Instant> last_used_at;

  bool operator==(const PinCode&) const = default;
};

// What a checked code lets a call do: bill its owner's account, reach its zones.
struct PinGrant {
  std::string id;
  std::string owner;
  AccountId account_id;
  std::vector<std::string> zones;

  bool operator==(const PinGrant&) const = default;
};
PinGrant GrantOf(const PinCode& code);

// 1..12 digits. InvalidArgument naming "id".
base::Status ValidatePinId(std::string_view id);
// 4..12 digits, and not guessable at a glance: not the code's own number,
// not one digit repeated ("0000"), not a run up or down ("1234", "9876").
// InvalidArgument naming "pin"; the message never repeats the digits.
base::Status ValidatePinDigits(std::string_view pin, std::string_view id);
// The id, an owner of 1..128 characters without control characters, an
// account, at most kMaxPinZones zones of 1..64 characters without commas.
base::Status ValidatePinCode(const PinCode& code);
// True when the code's class of service lets it call `zone`.
bool PinAllowsZone(const PinGrant& grant, std::string_view zone);

}  // namespace tarifador::billing
