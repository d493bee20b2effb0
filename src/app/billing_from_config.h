#pragma once
// The billing settings of a config (rating.default_plan, site_id,
// billing.debit_interval, billing.when_down) in billing's own option types,
// shared by serve and the offline billing commands (`cdr import`).
#include <optional>

#include "base/money.h"
#include "billing/authorizer.h"
#include "billing/call_tracker.h"
#include "billing/spike.h"
#include "config/config.h"

namespace tarifador::app {

billing::Authorizer::Options AuthorizerOptionsFromConfig(const config::Config& cfg);
billing::CallTracker::Options TrackerOptionsFromConfig(const config::Config& cfg);
// alerts.low_balance as money; nullopt when it is empty (off).
std::optional<base::Money> LowBalanceFromConfig(const config::Config& cfg);
// The spike detector's guards.spike_* (validated at load).
billing::SpikeOptions SpikeOptionsFromConfig(const config::Config& cfg);

}  // namespace tarifador::app
