#pragma once
// Rate: one row of a rate plan (SPEC section 2): what a call to numbers that
// start with `prefix` costs, from when, and whether it is allowed at all.
#include <cstdint>
#include <optional>
#include <string>

#include "base/money.h"
#include "base/status.h"
#include "base/time.h"
#include "rating/prefix.h"

namespace tarifador::rating {

// Bounds on the second-valued fields. A day is far beyond any real tariff; the
// bound keeps every cost computation comfortably inside 64-bit integers.
inline constexpr int32_t kMaxRateSeconds = 86'400;
// The dearest price a minute and connection fee: a hundred million units,
// far above any real tariff in any currency, and low enough that the cost of
// a day-long call (the longest a live call may last) is computed exactly in
// 64 bits. (A fuzzed deck with a price of 999 999 999 999 a minute was
// accepted and then could not be costed for an hour.)
inline constexpr int64_t kMaxRateMoneyUnits = 100'000'000;
// Default priority (SPEC section 2); a higher value wins on the same prefix.
inline constexpr int32_t kDefaultPriority = 100;

struct Rate {
  // The numeric terms come first so that what cost and matching read sits in
  // one or two cache lines; the strings (32 bytes each) follow.
  base::Money price_per_minute;      // >= 0
  base::Money connection_fee;        // >= 0, charged once per answered, non-free call
  int32_t initial_increment_s = 60;  // first billing block, 0..kMaxRateSeconds
  int32_t increment_s = 60;          // each later block, 1..kMaxRateSeconds
  int32_t min_duration_s = 0;        // shorter answered calls are billed as this long
  int32_t grace_s = 0;               // answered calls with billsec <= grace are free
  int32_t priority = kDefaultPriority;
  bool blocked = false;                       // the destination is denied
  base::Instant effective_from;               // inclusive; default: the epoch
  std::optional<base::Instant> effective_to;  // exclusive; none: open-ended
  Prefix prefix;
  std::string zone;  // "Local", "Mobile", "International", ...

  // True when the rate applies to a call starting at `at`:
  // effective_from <= at < effective_to.
  bool EffectiveAt(base::Instant at) const { return effective_from <= at && (!effective_to || at < *effective_to); }

  bool operator==(const Rate&) const = default;
};

// Checks the invariants above (prefix present, amounts non-negative,
// second-valued fields in range, effective_to after effective_from). Fails
// with InvalidArgument naming the field and value, e.g.
// `increment 0 is not between 1 and 86400`.
base::Status ValidateRate(const Rate& rate);

}  // namespace tarifador::rating
