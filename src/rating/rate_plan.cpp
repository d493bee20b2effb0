#include "rating/rate_plan.h"

namespace tarifador::rating {

const char* RoundingModeName(RoundingMode mode) {
  switch (mode) {
    case RoundingMode::kUp: return "up";
    case RoundingMode::kHalfUp: return "half_up";
    case RoundingMode::kDown: return "down";
  }
  return "up";
}

base::Result<RoundingMode> ParseRoundingMode(std::string_view text) {
  if (text == "up") return RoundingMode::kUp;
  if (text == "half_up") return RoundingMode::kHalfUp;
  if (text == "down") return RoundingMode::kDown;
  return base::InvalidArgument("rounding \"" + std::string(text) + "\" is not one of up, half_up, down");
}

base::Status ValidatePlanName(std::string_view name) {
  if (name.empty() || name.size() > 64) {
    return base::InvalidArgument("plan name \"" + std::string(name) + "\" must have 1 to 64 characters");
  }
  for (char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    if (!ok) {
      return base::InvalidArgument("plan name \"" + std::string(name) +
                                   "\" may only hold letters, digits, '_', '-' and '.'");
    }
  }
  return base::Status::Ok();
}

}  // namespace tarifador::rating
