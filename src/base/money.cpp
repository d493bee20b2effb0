#include "base/money.h"

#include <cstdlib>

namespace tarifador::base {
namespace {

Status BadMoney(std::string_view text, const char* why) {
  return InvalidArgument("amount \"" + std::string(text) + "\" " + why);
}

}  // namespace

Result<Money> Money::Parse(std::string_view text) {
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return BadMoney(text, "is not a number");
  int64_t units = 0;
  int64_t fraction = 0;
  int fraction_digits = 0;
  bool seen_point = false;
  bool seen_digit = false;
  for (char c : s) {
    if (c == '.') {
      if (seen_point) return BadMoney(text, "has more than one decimal point");
      seen_point = true;
      continue;
    }
    if (c < '0' || c > '9') return BadMoney(text, "is not a decimal number");
    seen_digit = true;
    const int digit = c - '0';
    if (!seen_point) {
      if (__builtin_mul_overflow(units, 10, &units) || __builtin_add_overflow(units, digit, &units)) {
        return BadMoney(text, "is too large");
      }
    } else if (fraction_digits < kDecimals) {
      fraction = fraction * 10 + digit;
      ++fraction_digits;
    } else if (digit != 0) {
      return BadMoney(text, "has more than 6 decimal places");
    }
  }
  if (!seen_digit) return BadMoney(text, "is not a number");
  for (int i = fraction_digits; i < kDecimals; ++i) fraction *= 10;
  int64_t micros = 0;
  if (__builtin_mul_overflow(units, kMicrosPerUnit, &micros) || __builtin_add_overflow(micros, fraction, &micros)) {
    return BadMoney(text, "is too large");
  }
  return Money(negative ? -micros : micros);
}

std::string Money::ToString(int min_decimals) const {
  std::string out;
  AppendTo(out, min_decimals);
  return out;
}

void Money::AppendTo(std::string& out, int min_decimals) const {
  if (min_decimals < 0) min_decimals = 0;
  if (min_decimals > kDecimals) min_decimals = kDecimals;
  // Work in unsigned so INT64_MIN formats correctly.
  const bool negative = micros_ < 0;
  const uint64_t abs = negative ? uint64_t{0} - static_cast<uint64_t>(micros_) : static_cast<uint64_t>(micros_);
  uint64_t units = abs / kMicrosPerUnit;
  uint64_t frac = abs % kMicrosPerUnit;
  if (negative) out += '-';
  char whole[20];
  int n = 0;
  do {
    whole[sizeof whole - 1 - n++] = static_cast<char>('0' + units % 10);
    units /= 10;
  } while (units != 0);
  out.append(whole + sizeof whole - n, static_cast<size_t>(n));
  char digits[kDecimals];
  for (int i = kDecimals - 1; i >= 0; --i) {
    digits[i] = static_cast<char>('0' + frac % 10);
    frac /= 10;
  }
  int keep = kDecimals;
  while (keep > min_decimals && digits[keep - 1] == '0') --keep;
  if (keep > 0) {
    out += '.';
    out.append(digits, static_cast<size_t>(keep));
  }
}

Result<Money> Money::CheckedAdd(Money other) const {
  int64_t r = 0;
  if (__builtin_add_overflow(micros_, other.micros_, &r)) return InvalidArgument("money overflow");
  return Money(r);
}

Result<Money> Money::CheckedSub(Money other) const {
  int64_t r = 0;
  if (__builtin_sub_overflow(micros_, other.micros_, &r)) return InvalidArgument("money overflow");
  return Money(r);
}

Result<Money> Money::CheckedMul(int64_t factor) const {
  int64_t r = 0;
  if (__builtin_mul_overflow(micros_, factor, &r)) return InvalidArgument("money overflow");
  return Money(r);
}

}  // namespace tarifador::base
