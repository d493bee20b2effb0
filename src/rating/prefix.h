#pragma once
// Prefix: the leading digits of a normalised number that a rate applies to
// (SPEC section 2), e.g. "44" for the United Kingdom or "447" for UK mobiles.
#include <compare>
#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace tarifador::rating {

class Prefix {
 public:
  // Longest prefix accepted. E.164 numbers have at most 15 digits; the slack
  // leaves room for carrier-specific routing prefixes without letting a
  // pasted-in garbage cell make the trie arbitrarily deep.
  static constexpr size_t kMaxDigits = 32;

  // The empty prefix. Not a valid rate prefix; exists so Rate is a value type.
  Prefix() = default;

  // Accepts 1..kMaxDigits ASCII digits and nothing else (no spaces, no '+').
  // Fails with InvalidArgument: `prefix "12a" is not digits`.
  static base::Result<Prefix> Parse(std::string_view text);

  const std::string& digits() const { return digits_; }
  size_t size() const { return digits_.size(); }
  bool empty() const { return digits_.empty(); }

  auto operator<=>(const Prefix&) const = default;
  bool operator==(const Prefix&) const = default;

 private:
  explicit Prefix(std::string digits) : digits_(std::move(digits)) {}
  std::string digits_;
};

// True when `text` is non-empty and only ASCII digits.
bool IsAllDigits(std::string_view text);

}  // namespace tarifador::rating
