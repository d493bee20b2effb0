#include "app/billing_from_config.h"

#include "base/strings.h"
#include "base/time.h"

namespace tarifador::app {

billing::Authorizer::Options AuthorizerOptionsFromConfig(const config::Config& cfg) {
  billing::Authorizer::Options options;
  options.default_plan = cfg.rating.default_plan;
  // Every guard setting was validated when the config was loaded.
  if (!cfg.guards.max_price_per_minute.empty()) {
    if (base::Result<base::Money> m = base::Money::Parse(cfg.guards.max_price_per_minute); m.ok()) {
      options.max_price_per_minute = *m;
    }
  }
  for (std::string_view prefix : base::SplitCommas(cfg.guards.blocked_prefixes)) {
    options.blocked_prefixes.emplace_back(prefix);
  }
  for (std::string_view zone : base::SplitCommas(cfg.guards.blocked_zones)) options.blocked_zones.emplace(zone);
  if (const auto range = base::ParseMinuteRange(cfg.guards.international_hours)) {
    billing::OfficeHours hours;
    hours.from_minute = range->first;
    hours.to_minute = range->second;
    hours.days = 0;
    for (std::string_view day : base::SplitCommas(cfg.guards.office_days)) {
      for (size_t d = 0; d < config::kWeekdayNames.size(); ++d) {
        if (day == config::kWeekdayNames[d]) hours.days = static_cast<uint8_t>(hours.days | (1u << d));
      }
    }
    for (std::string_view date : base::SplitCommas(cfg.guards.holidays)) hours.holidays.emplace_back(date);
    options.international_hours = hours;
    options.home_country_code = cfg.rating.country_code;
  }
  if (!cfg.guards.max_call_cost.empty()) {
    if (base::Result<base::Money> m = base::Money::Parse(cfg.guards.max_call_cost); m.ok()) options.max_call_cost = *m;
  }
  options.max_concurrent_calls = cfg.guards.max_concurrent_calls;
  options.max_calls_per_hour = cfg.guards.max_calls_per_hour;
  options.max_repeats_per_hour = cfg.guards.max_repeats_per_hour;
  for (std::string_view rule : base::SplitCommas(cfg.guards.alert_only)) options.alert_only.emplace(rule);
  if (!cfg.guards.max_daily_spend.empty()) {
    if (base::Result<base::Money> m = base::Money::Parse(cfg.guards.max_daily_spend); m.ok()) {
      options.spend.daily_limit = *m;
    }
  }
  options.spend.daily_alert_only = options.AlertOnly(billing::AuthorizationReason::kGuardDailySpend);
  return options;
}

billing::CallTracker::Options TrackerOptionsFromConfig(const config::Config& cfg) {
  billing::CallTracker::Options options;
  options.site_id = cfg.site_id;
  options.debit_interval_s = cfg.billing.debit_interval;
  options.allow_unchecked = cfg.billing.when_down == "allow";
  options.backfill_limits.max_call_seconds = cfg.billing.max_call_seconds;
  options.pin_prefix = cfg.pins.prefix;
  return options;
}

billing::SpikeOptions SpikeOptionsFromConfig(const config::Config& cfg) {
  billing::SpikeOptions options;
  options.factor = cfg.guards.spike_factor;
  options.min_calls = cfg.guards.spike_min_calls;
  if (base::Result<base::Money> m = base::Money::Parse(cfg.guards.spike_min_cost); m.ok()) options.min_cost = *m;
  return options;
}

std::optional<base::Money> LowBalanceFromConfig(const config::Config& cfg) {
  if (cfg.alerts.low_balance.empty()) return std::nullopt;
  base::Result<base::Money> m = base::Money::Parse(cfg.alerts.low_balance);  // validated at load
  if (!m.ok()) return std::nullopt;
  return *m;
}

}  // namespace tarifador::app
