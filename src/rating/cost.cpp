#include "rating/cost.h"

#include <limits>

namespace tarifador::rating {
namespace {

constexpr int64_t kPow10[] = {1, 10, 100, 1'000, 10'000, 100'000, 1'000'000};

bool FitsInt64(Int128 v) {
  return v >= std::numeric_limits<int64_t>::min() && v <= std::numeric_limits<int64_t>::max();
}

}  // namespace

base::Money CostBreakdown::ExactCostFloor() const {
  // Floor division (the amount is never negative for a validated rate, but
  // keep the meaning exact for any sign).
  int64_t q = exact_sixtieth_micros / 60;
  if (exact_sixtieth_micros % 60 != 0 && exact_sixtieth_micros < 0) --q;
  return base::Money::FromMicros(q);
}

namespace {

// Rounds |v| (in 1/60 micro-units) to a multiple of `step`, per `rounding`,
// given the sign; returns the quotient. Generic so the common case runs in
// 64 bits: a 128-bit division is a library call many times slower.
template <typename Int>
Int RoundedSteps(Int magnitude, bool negative, Int step, RoundingMode rounding) {
  Int q = magnitude / step;  // truncation of the magnitude
  const Int r = magnitude % step;
  if (r != 0) {
    switch (rounding) {
      case RoundingMode::kUp:  // ceiling: away from zero only for positive amounts
        if (!negative) ++q;
        break;
      case RoundingMode::kDown:  // floor: away from zero only for negative amounts
        if (negative) ++q;
        break;
      case RoundingMode::kHalfUp:
        if (r >= step - r) ++q;  // 2r >= step, without overflow
        break;
    }
  }
  return q;
}

}  // namespace

base::Result<int64_t> RoundSixtiethMicros(Int128 sixtieth_micros, int decimals, RoundingMode rounding) {
  if (decimals < 0 || decimals > kMaxDecimals) {
    return base::InvalidArgument("decimals " + std::to_string(decimals) + " is not between 0 and " +
                                 std::to_string(kMaxDecimals));
  }
  // One step of the plan's last decimal place, in 1/60 micro-units.
  const int64_t step = 60 * kPow10[kMaxDecimals - decimals];
  const int64_t scale = kPow10[kMaxDecimals - decimals];
  const bool negative = sixtieth_micros < 0;
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  if (sixtieth_micros > -kMax && sixtieth_micros <= kMax) {
    const int64_t magnitude = static_cast<int64_t>(negative ? -sixtieth_micros : sixtieth_micros);
    // q * scale <= magnitude / 60 + scale, which fits.
    const int64_t q = RoundedSteps<int64_t>(magnitude, negative, step, rounding);
    return negative ? -q * scale : q * scale;
  }
  const Int128 magnitude = negative ? -sixtieth_micros : sixtieth_micros;
  const Int128 micros = RoundedSteps<Int128>(magnitude, negative, step, rounding) * scale;
  if (!FitsInt64(micros)) return base::InvalidArgument("cost does not fit a money amount");
  return static_cast<int64_t>(negative ? -micros : micros);
}

base::Result<CostBreakdown> ComputeCost(const Rate& rate, CallOutcome outcome, int64_t billsec, int decimals,
                                        RoundingMode rounding) {
  if (decimals < 0 || decimals > kMaxDecimals) {
    return base::InvalidArgument("decimals " + std::to_string(decimals) + " is not between 0 and " +
                                 std::to_string(kMaxDecimals));
  }
  if (billsec < 0) return base::InvalidArgument("billsec " + std::to_string(billsec) + " is negative");
  CostBreakdown b;
  b.outcome = outcome;
  b.billsec = outcome == CallOutcome::kAnswered ? billsec : 0;
  b.decimals = decimals;
  b.rounding = rounding;
  if (outcome == CallOutcome::kUnanswered) return b;  // SPEC 2: unanswered calls cost 0
  if (billsec <= rate.grace_s) {
    b.within_grace = true;  // SPEC 2: billsec <= grace -> 0, connection fee included
    return b;
  }
  const int64_t d = billsec > rate.min_duration_s ? billsec : rate.min_duration_s;
  b.charged_duration_s = d;
  const int64_t initial = rate.initial_increment_s;
  const int64_t step = rate.increment_s > 0 ? rate.increment_s : 1;  // ValidateRate guarantees >= 1
  if (d <= initial) {
    b.billable_s = initial;
  } else {
    // 128 bits: billsec may be anything up to INT64_MAX here.
    const Int128 increments = (Int128{d} - initial + step - 1) / step;
    b.increments = static_cast<int64_t>(increments);  // <= d, so it fits
    const Int128 billable = Int128{initial} + increments * step;
    if (!FitsInt64(billable)) return base::InvalidArgument("billsec " + std::to_string(billsec) + " is too large");
    b.billable_s = static_cast<int64_t>(billable);
  }
  b.connection_fee = rate.connection_fee;
  const Int128 exact =
      Int128{rate.connection_fee.micros()} * 60 + Int128{rate.price_per_minute.micros()} * Int128{b.billable_s};
  if (!FitsInt64(exact)) return base::InvalidArgument("cost does not fit a money amount");
  b.exact_sixtieth_micros = static_cast<int64_t>(exact);
  auto rounded = RoundSixtiethMicros(exact, decimals, rounding);
  if (!rounded.ok()) return rounded.status();
  b.cost = base::Money::FromMicros(*rounded);
  return b;
}

}  // namespace tarifador::rating
