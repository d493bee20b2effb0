#include "app/dial_plan_from_config.h"

#include <algorithm>

namespace tarifador::app {
namespace {

int Count(int64_t v) { return static_cast<int>(std::clamp<int64_t>(v, 0, 1'000'000)); }

}  // namespace

rating::DialPlanRules DialPlanFromConfig(const config::Config& cfg) {
  const config::RatingSettings& r = cfg.rating;
  rating::DialPlanRules rules;
  rules.outside_line_code = r.outside_line_code;
  rules.international_prefix = r.international_prefix;
  rules.national_prefix = r.national_prefix;
  rules.country_code = r.country_code;
  rules.national_number_digits = Count(r.national_number_digits);
  rules.max_extension_digits = Count(r.max_extension_digits);
  return rules;
}

base::Result<rating::NumberNormaliser> NormaliserFromConfig(const config::Config& cfg) {
  base::Result<rating::NumberNormaliser> n = rating::NumberNormaliser::Create(DialPlanFromConfig(cfg));
  if (!n.ok()) return n.status().WithContext("config rating.*");
  return n;
}

}  // namespace tarifador::app
