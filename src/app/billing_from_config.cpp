#include "app/billing_from_config.h"

namespace tarifador::app {

billing::Authorizer::Options AuthorizerOptionsFromConfig(const config::Config& cfg) {
  billing::Authorizer::Options options;
  options.default_plan = cfg.rating.default_plan;
  // Both settings were validated when the config was loaded.
  if (!cfg.guards.max_price_per_minute.empty()) {
    if (base::Result<base::Money> m = base::Money::Parse(cfg.guards.max_price_per_minute); m.ok()) {
      options.max_price_per_minute = *m;
    }
  }
  for (std::string_view rest = cfg.guards.blocked_prefixes; !rest.empty();) {
    const size_t comma = rest.find(',');
    options.blocked_prefixes.emplace_back(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  if (!cfg.guards.international_hours.empty()) {
    const std::string& h = cfg.guards.international_hours;  // "HH:MM-HH:MM", validated at load
    billing::OfficeHours hours;
    hours.from_minute = std::stoi(h.substr(0, 2)) * 60 + std::stoi(h.substr(3, 2));
    hours.to_minute = std::stoi(h.substr(6, 2)) * 60 + std::stoi(h.substr(9, 2));
    static const char* kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    hours.days = 0;
    for (int d = 0; d < 7; ++d) {
      if (("," + cfg.guards.office_days + ",").find(std::string(",") + kDays[d] + ",") != std::string::npos) {
        hours.days = static_cast<uint8_t>(hours.days | (1u << d));
      }
    }
    for (std::string_view rest = cfg.guards.holidays; !rest.empty();) {
      const size_t comma = rest.find(',');
      hours.holidays.emplace_back(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
    options.international_hours = hours;
    options.home_country_code = cfg.rating.country_code;
  }
  return options;
}

billing::CallTracker::Options TrackerOptionsFromConfig(const config::Config& cfg) {
  billing::CallTracker::Options options;
  options.site_id = cfg.site_id;
  options.debit_interval_s = cfg.billing.debit_interval;
  options.allow_unchecked = cfg.billing.when_down == "allow";
  options.backfill_limits.max_call_seconds = cfg.billing.max_call_seconds;
  return options;
}

}  // namespace tarifador::app

namespace tarifador::app {

std::optional<base::Money> LowBalanceFromConfig(const config::Config& cfg) {
  if (cfg.alerts.low_balance.empty()) return std::nullopt;
  base::Result<base::Money> m = base::Money::Parse(cfg.alerts.low_balance);  // validated at load
  if (!m.ok()) return std::nullopt;
  return *m;
}

}  // namespace tarifador::app
