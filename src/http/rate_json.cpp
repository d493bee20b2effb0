#include "http/rate_json.h"

#include "base/time.h"

namespace tarifador::http {

nlohmann::json RateToJson(const rating::Rate& r) {
  return {{"prefix", r.prefix.digits()},
          {"zone", r.zone},
          {"price_per_minute", r.price_per_minute.ToString()},
          {"connection_fee", r.connection_fee.ToString()},
          {"initial_increment", r.initial_increment_s},
          {"increment", r.increment_s},
          {"min_duration", r.min_duration_s},
          {"grace", r.grace_s},
          {"priority", r.priority},
          {"effective_from", base::FormatIso8601(r.effective_from)},
          {"effective_to", r.effective_to ? nlohmann::json(base::FormatIso8601(*r.effective_to)) : nlohmann::json()},
          {"blocked", r.blocked}};
}

}  // namespace tarifador::http
