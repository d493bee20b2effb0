#pragma once
// The config's rating.* dial-plan settings as rating::DialPlanRules (config
// depends only on base, so the mapping lives here in app).
#include "base/status.h"
#include "config/config.h"
#include "rating/number_normaliser.h"

namespace tarifador::app {

// Copies rating.outside_line_code, international_prefix, national_prefix,
// country_code, national_number_digits and max_extension_digits. Never fails:
// the counts are clamped to what DialPlanRules can hold (the settings table
// already bounds them to 0..15).
rating::DialPlanRules DialPlanFromConfig(const config::Config& cfg);

// A normaliser for the configured rules. Fails with InvalidArgument naming
// the rule when NumberNormaliser::Create refuses them (a config that bypassed
// the settings table's validators).
base::Result<rating::NumberNormaliser> NormaliserFromConfig(const config::Config& cfg);

}  // namespace tarifador::app
