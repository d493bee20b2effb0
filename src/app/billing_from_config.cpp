#include "app/billing_from_config.h"

namespace tarifador::app {

billing::Authorizer::Options AuthorizerOptionsFromConfig(const config::Config& cfg) {
  billing::Authorizer::Options options;
  options.default_plan = cfg.rating.default_plan;
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
