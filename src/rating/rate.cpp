#include "rating/rate.h"

namespace tarifador::rating {
namespace {

base::Status CheckSeconds(const char* name, int32_t value, int32_t min) {
  if (value < min || value > kMaxRateSeconds) {
    return base::InvalidArgument(std::string(name) + " " + std::to_string(value) + " is not between " +
                                 std::to_string(min) + " and " + std::to_string(kMaxRateSeconds));
  }
  return base::Status::Ok();
}

}  // namespace

base::Status ValidateRate(const Rate& rate) {
  if (rate.prefix.empty()) return base::InvalidArgument("prefix is empty");
  if (rate.price_per_minute.is_negative()) {
    return base::InvalidArgument("price_per_minute " + rate.price_per_minute.ToString() + " is negative");
  }
  if (rate.connection_fee.is_negative()) {
    return base::InvalidArgument("connection_fee " + rate.connection_fee.ToString() + " is negative");
  }
  const base::Money most = base::Money::FromUnits(kMaxRateMoneyUnits);
  if (rate.price_per_minute > most || rate.connection_fee > most) {
    return base::InvalidArgument(
        std::string(rate.price_per_minute > most ? "price_per_minute " : "connection_fee ") +
        (rate.price_per_minute > most ? rate.price_per_minute : rate.connection_fee).ToString() + " is above " +
        most.ToString());
  }
  TARIFADOR_RETURN_IF_ERROR(CheckSeconds("initial_increment", rate.initial_increment_s, 0));
  TARIFADOR_RETURN_IF_ERROR(CheckSeconds("increment", rate.increment_s, 1));
  TARIFADOR_RETURN_IF_ERROR(CheckSeconds("min_duration", rate.min_duration_s, 0));
  TARIFADOR_RETURN_IF_ERROR(CheckSeconds("grace", rate.grace_s, 0));
  if (rate.effective_to && *rate.effective_to <= rate.effective_from) {
    return base::InvalidArgument("effective_to " + base::FormatIso8601(*rate.effective_to) +
                                 " is not after effective_from " + base::FormatIso8601(rate.effective_from));
  }
  return base::Status::Ok();
}

}  // namespace tarifador::rating
