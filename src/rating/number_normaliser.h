#pragma once
// NumberNormaliser: turns what a user dialled into the digits a rate deck is
// keyed on (SPEC section 2): everything but digits is stripped, then the
// office's dial-plan rules apply: an outside-line access code is removed, "+"
// and the international access prefix ("00", "011") give the international
// form, and a national number ("0" + area code + number) becomes country code
// + area code + number when the country code is configured.
#include <string>
#include <string_view>

#include "base/status.h"

namespace tarifador::rating {

// The dial-plan habits of one office. All fields are digit strings or empty
// (rule off). Examples:
//   UK office, "9" for an outside line: {"9", "00", "0", "44", 0, 4}
//   German office, "0" for an outside line: {"0", "00", "0", "49", 0, 3}
//   US office: {"9", "011", "1", "1", 10, 4}
struct DialPlanRules {
  std::string outside_line_code;            // stripped once from the front when present
  std::string international_prefix = "00";  // "00" (ITU), "011" (NANP)
  std::string national_prefix;              // trunk prefix: "0" (UK, DE, FR), "1" (NANP)
  std::string country_code;                 // "44", "49", "1"; empty: national numbers stay as dialled
  // When > 0, a number of exactly this many digits dialled with no prefix is
  // a national number (NANP: "(212) 555-0100" is 10 digits), checked both
  // before and after the outside-line code is stripped.
  int national_number_digits = 0;
  // When > 0, numbers with at most this many digits are internal extensions
  // and are left as dialled (no access code stripping, no country code).
  int max_extension_digits = 0;
};

enum class NumberKind {
  kInternational,  // "+44...", "0044...": already carried a country code
  kNational,       // the national prefix was replaced by the country code
  kExtension,      // short internal number, left alone
  kAsDialled,      // no rule applied (local and service numbers such as "112")
};

// "international", "national", "extension", "as_dialled".
const char* NumberKindName(NumberKind kind);

struct NormalisedNumber {
  std::string digits;  // what rating matches on
  NumberKind kind = NumberKind::kAsDialled;
};

// Immutable after construction; Normalise() is const and thread-safe.
class NumberNormaliser {
 public:
  // Longest normalised number accepted (E.164 allows 15 digits; the slack
  // covers access codes and carrier prefixes).
  static constexpr size_t kMaxDigits = 32;

  // Default rules: "+" and "00" mean international, nothing else applies.
  NumberNormaliser() = default;

  // Validates the rules: every code is digits only, counts are 0..kMaxDigits.
  // Fails with InvalidArgument naming the rule, e.g.
  // `dial plan: country_code "+44" is not digits`.
  static base::Result<NumberNormaliser> Create(DialPlanRules rules);

  // Normalises `dialled`. Fails with InvalidArgument when no digit remains
  // (`number "abc" has no digits`) or the result is longer than kMaxDigits.
  base::Result<NormalisedNumber> Normalise(std::string_view dialled) const;

  const DialPlanRules& rules() const { return rules_; }

 private:
  explicit NumberNormaliser(DialPlanRules rules) : rules_(std::move(rules)) {}
  DialPlanRules rules_;
};

}  // namespace tarifador::rating
