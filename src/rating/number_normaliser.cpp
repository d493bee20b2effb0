#include "rating/number_normaliser.h"

#include "rating/prefix.h"

namespace tarifador::rating {
namespace {

bool StartsWith(std::string_view s, std::string_view p) { return !p.empty() && s.substr(0, p.size()) == p; }

base::Status CheckCode(const char* name, const std::string& code) {
  if (!code.empty() && (!IsAllDigits(code) || code.size() > NumberNormaliser::kMaxDigits)) {
    return base::InvalidArgument(std::string("dial plan: ") + name + " \"" + code + "\" is not digits");
  }
  return base::Status::Ok();
}

base::Status CheckCount(const char* name, int value) {
  if (value < 0 || value > static_cast<int>(NumberNormaliser::kMaxDigits)) {
    return base::InvalidArgument(std::string("dial plan: ") + name + " " + std::to_string(value) +
                                 " is not between 0 and " + std::to_string(NumberNormaliser::kMaxDigits));
  }
  return base::Status::Ok();
}

}  // namespace

const char* NumberKindName(NumberKind kind) {
  switch (kind) {
    case NumberKind::kInternational: return "international";
    case NumberKind::kNational: return "national";
    case NumberKind::kExtension: return "extension";
    case NumberKind::kAsDialled: return "as_dialled";
  }
  return "as_dialled";
}

base::Result<NumberNormaliser> NumberNormaliser::Create(DialPlanRules rules) {
  TARIFADOR_RETURN_IF_ERROR(CheckCode("outside_line_code", rules.outside_line_code));
  TARIFADOR_RETURN_IF_ERROR(CheckCode("international_prefix", rules.international_prefix));
  TARIFADOR_RETURN_IF_ERROR(CheckCode("national_prefix", rules.national_prefix));
  TARIFADOR_RETURN_IF_ERROR(CheckCode("country_code", rules.country_code));
  TARIFADOR_RETURN_IF_ERROR(CheckCount("national_number_digits", rules.national_number_digits));
  TARIFADOR_RETURN_IF_ERROR(CheckCount("max_extension_digits", rules.max_extension_digits));
  return NumberNormaliser(std::move(rules));
}

base::Result<NormalisedNumber> NumberNormaliser::Normalise(std::string_view dialled) const {
  // A "+" before the first digit marks the international form (E.123: "+44 20 ...").
  bool plus = false;
  std::string digits;
  digits.reserve(dialled.size());
  for (char c : dialled) {
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
    } else if (c == '+' && digits.empty()) {
      plus = true;
    }
  }
  if (digits.empty()) return base::InvalidArgument("number \"" + std::string(dialled) + "\" has no digits");
  const auto done = [&](std::string out, NumberKind kind) -> base::Result<NormalisedNumber> {
    if (out.empty())
      return base::InvalidArgument("number \"" + std::string(dialled) + "\" has no digits after its prefix");
    if (out.size() > kMaxDigits) {
      return base::InvalidArgument("number \"" + std::string(dialled) + "\" is longer than " +
                                   std::to_string(kMaxDigits) + " digits");
    }
    return NormalisedNumber{std::move(out), kind};
  };
  if (plus) return done(std::move(digits), NumberKind::kInternational);
  if (rules_.max_extension_digits > 0 && digits.size() <= static_cast<size_t>(rules_.max_extension_digits)) {
    return done(std::move(digits), NumberKind::kExtension);
  }
  std::string_view rest = digits;
  // NANP-style plans: a complete national number is taken as is even when it
  // starts with the outside-line code ("(917) 555-0100" with access code 9).
  if (!rules_.country_code.empty() && rules_.national_number_digits > 0 &&
      rest.size() == static_cast<size_t>(rules_.national_number_digits) &&
      !StartsWith(rest, rules_.international_prefix) && !StartsWith(rest, rules_.national_prefix)) {
    return done(rules_.country_code + std::string(rest), NumberKind::kNational);
  }
  // The PBX strips the outside-line code before the trunk; rates never include it.
  if (StartsWith(rest, rules_.outside_line_code) && rest.size() > rules_.outside_line_code.size()) {
    rest.remove_prefix(rules_.outside_line_code.size());
  }
  if (StartsWith(rest, rules_.international_prefix)) {
    rest.remove_prefix(rules_.international_prefix.size());
    return done(std::string(rest), NumberKind::kInternational);
  }
  if (!rules_.country_code.empty()) {
    if (StartsWith(rest, rules_.national_prefix) && rest.size() > rules_.national_prefix.size()) {
      rest.remove_prefix(rules_.national_prefix.size());
      return done(rules_.country_code + std::string(rest), NumberKind::kNational);
    }
    if (rules_.national_number_digits > 0 && rest.size() == static_cast<size_t>(rules_.national_number_digits)) {
      return done(rules_.country_code + std::string(rest), NumberKind::kNational);
    }
  }
  return done(std::string(rest), NumberKind::kAsDialled);
}

}  // namespace tarifador::rating
