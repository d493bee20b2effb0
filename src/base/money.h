#pragma once
// Money: a signed amount in integer micro-units (1e-6 of the currency unit).
// Never a floating-point number anywhere (SPEC section 1). Decimal strings only
// at the edges (JSON, CSV, SQL text), parsed and formatted exactly.
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace tarifador::base {

class Money {
 public:
  static constexpr int kDecimals = 6;
  static constexpr int64_t kMicrosPerUnit = 1'000'000;

  constexpr Money() = default;
  static constexpr Money FromMicros(int64_t micros) { return Money(micros); }
  // Whole currency units; precondition: |units| < 9.2e12.
  static constexpr Money FromUnits(int64_t units) { return Money(units * kMicrosPerUnit); }

  // Parses "12", "-0.5", "+3.", "12.3400", ".25". At most 6 significant decimal
  // places (further zeros are accepted); no exponent, no spaces, no thousands
  // separators. Fails with InvalidArgument naming the text, or on overflow.
  static Result<Money> Parse(std::string_view text);

  constexpr int64_t micros() const { return micros_; }
  constexpr bool is_zero() const { return micros_ == 0; }
  constexpr bool is_negative() const { return micros_ < 0; }

  // Exact decimal text with at least `min_decimals` (0..6) places and more
  // only when needed to stay exact: FromMicros(12340000).ToString() == "12.3400",
  // FromMicros(1).ToString() == "0.000001".
  std::string ToString(int min_decimals = 4) const;
  // Appends ToString(min_decimals) to `out` (no temporary string: the CSV
  // export writes several amounts per row).
  void AppendTo(std::string& out, int min_decimals = 4) const;

  // Overflow-checked arithmetic: InvalidArgument("money overflow") on overflow.
  Result<Money> CheckedAdd(Money other) const;
  Result<Money> CheckedSub(Money other) const;
  Result<Money> CheckedMul(int64_t factor) const;

  // Unchecked; use where operands are bounded (e.g. validated balances).
  constexpr Money operator+(Money o) const { return Money(micros_ + o.micros_); }
  constexpr Money operator-(Money o) const { return Money(micros_ - o.micros_); }
  constexpr Money operator-() const { return Money(-micros_); }
  constexpr Money& operator+=(Money o) {
    micros_ += o.micros_;
    return *this;
  }
  constexpr Money& operator-=(Money o) {
    micros_ -= o.micros_;
    return *this;
  }
  constexpr auto operator<=>(const Money&) const = default;

 private:
  constexpr explicit Money(int64_t micros) : micros_(micros) {}
  int64_t micros_ = 0;
};

}  // namespace tarifador::base
