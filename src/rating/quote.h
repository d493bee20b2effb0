#pragma once
// Quote (SPEC section 2): for a plan, a number and a duration, which rate
// matches and what the call costs, with the breakdown a dispute needs.
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "base/time.h"
#include "rating/cost.h"
#include "rating/number_normaliser.h"
#include "rating/rate.h"
#include "rating/rate_book.h"

namespace tarifador::rating {

struct Quote {
  std::string plan;
  std::string dialled;      // as given
  NormalisedNumber number;  // what was matched
  base::Instant at;         // the call start the match used
  Rate rate;                // the matched rate (a copy)
  bool blocked = false;     // the destination is denied; cost is 0
  CostBreakdown cost;       // as an answered call of the given seconds
};

// Quotes an answered call of `seconds` to `dialled` starting at `at`.
// Fails with InvalidArgument on a bad number or negative seconds, and with
// NotFound `no rate for 442079460958 in plan "retail"` when nothing matches.
// A blocked destination is a successful quote with blocked = true.
// Thread-safe (reads only immutable data).
base::Result<Quote> QuoteCall(const CompiledPlan& plan, const NumberNormaliser& normaliser, std::string_view dialled,
                              int64_t seconds, base::Instant at);

// As above after finding the plan by name; NotFound `no rate plan "retail"`.
base::Result<Quote> QuoteCall(const RateBook& book, std::string_view plan, const NumberNormaliser& normaliser,
                              std::string_view dialled, int64_t seconds, base::Instant at);

}  // namespace tarifador::rating
