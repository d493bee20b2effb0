#pragma once
// RatePlan: a named table of rates with its rounding policy (SPEC section 2).
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "rating/rate.h"

namespace tarifador::rating {

// How an exact cost is brought to the plan's decimals.
enum class RoundingMode {
  kUp,      // towards +infinity: the SPEC default; the carrier never loses a fraction
  kHalfUp,  // to nearest, halves away from zero
  kDown,    // towards -infinity (truncation for the non-negative costs rating produces)
};

// "up", "half_up", "down".
const char* RoundingModeName(RoundingMode mode);
// Parses the names above. Fails with InvalidArgument:
// `rounding "nearest" is not one of up, half_up, down`.
base::Result<RoundingMode> ParseRoundingMode(std::string_view text);

inline constexpr int kDefaultDecimals = 4;
inline constexpr int kMaxDecimals = 6;  // base::Money's resolution

// Plan names appear in URLs, the CLI and extension settings.
// Accepts 1..64 characters of [A-Za-z0-9_.-]. Fails with InvalidArgument.
base::Status ValidatePlanName(std::string_view name);

struct RatePlan {
  std::string name;
  int decimals = kDefaultDecimals;  // 0..kMaxDecimals
  RoundingMode rounding = RoundingMode::kUp;
  std::vector<Rate> rates;

  bool operator==(const RatePlan&) const = default;
};

}  // namespace tarifador::rating
