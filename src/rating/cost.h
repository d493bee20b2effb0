#pragma once
// The cost of a call under one rate (SPEC section 2), computed exactly in
// integers and rounded once, with every intermediate figure kept so a
// disputed charge can be explained line by line.
#include <cstdint>

#include "base/money.h"
#include "base/status.h"
#include "rating/rate.h"
#include "rating/rate_plan.h"

namespace tarifador::rating {

// 128-bit intermediate for exact products (a GCC/Clang extension; __extension__
// keeps -Wpedantic quiet about it).
__extension__ typedef __int128 Int128;

enum class CallOutcome { kAnswered, kUnanswered };

struct CostBreakdown {
  CallOutcome outcome = CallOutcome::kUnanswered;
  int64_t billsec = 0;             // answered seconds, as given
  bool within_grace = false;       // answered but billsec <= grace: free
  int64_t charged_duration_s = 0;  // max(billsec, min_duration); 0 when free
  int64_t billable_s = 0;          // charged_duration rounded up to the increments
  int64_t increments = 0;          // number of `increment` blocks after the initial one
  base::Money connection_fee;      // as charged (0 when free)
  // The exact cost before rounding, in 1/60 of a micro-unit:
  // connection_fee * 60 + price_per_minute * billable_s (both in micro-units).
  // Division by 60 is exact only in this unit, so it is what disputes quote.
  int64_t exact_sixtieth_micros = 0;
  int decimals = kDefaultDecimals;
  RoundingMode rounding = RoundingMode::kUp;
  base::Money cost;  // the exact cost rounded to `decimals`

  // The exact cost truncated to micro-units, for display ("0.123333").
  base::Money ExactCostFloor() const;
  // True when the exact cost is a whole number of micro-units.
  bool ExactIsWholeMicros() const { return exact_sixtieth_micros % 60 == 0; }
};

// Applies SPEC section 2: unanswered -> 0; billsec <= grace -> 0; else
// d = max(billsec, min_duration); billable = initial_increment when
// d <= initial_increment, else initial_increment + ceil((d - initial) /
// increment) * increment; cost = connection_fee + price_per_minute *
// billable / 60, exact, then rounded to `decimals` (0..6) with `rounding`.
// The rate's `blocked` flag is the caller's concern (a blocked call is not
// placed, so it is not costed). Preconditions: ValidateRate(rate) is OK.
// Fails with InvalidArgument on a negative billsec or decimals out of range,
// and when the cost does not fit base::Money.
base::Result<CostBreakdown> ComputeCost(const Rate& rate, CallOutcome outcome, int64_t billsec, int decimals,
                                        RoundingMode rounding);

// Rounds an exact amount given in 1/60 micro-units to `decimals` (0..6)
// places and returns it in micro-units. Exposed for tests and for billing's
// running-cost display. Fails with InvalidArgument when out of range.
base::Result<int64_t> RoundSixtiethMicros(Int128 sixtieth_micros, int decimals, RoundingMode rounding);

}  // namespace tarifador::rating
