#include "app/alert_delivery.h"

#include "app/site_id.h"

namespace tarifador::app {

AlertDelivery::AlertDelivery(notify::CurlSettings settings, store::AlertOutbox& outbox, const base::Clock& clock,
                             const base::SteadyClock& steady, notify::Deliverer::Options options)
    : transport_(std::move(settings)), deliverer_(outbox, transport_, clock, steady, std::move(options)) {}

std::unique_ptr<AlertDelivery> AlertDelivery::Start(const config::Config& cfg, store::AlertOutbox& outbox,
                                                    const base::Clock& clock, const base::SteadyClock& steady) {
  notify::CurlSettings settings{cfg.alerts.smtp_url, cfg.alerts.smtp_username, cfg.alerts.smtp_password,
                                cfg.alerts.smtp_from, cfg.alerts.ca_file};
  notify::Deliverer::Options options;
  options.mail_from = cfg.alerts.smtp_from;
  options.mail_configured = !cfg.alerts.smtp_url.empty();
  options.site = SiteIdOf(cfg);
  std::unique_ptr<AlertDelivery> d(new AlertDelivery(std::move(settings), outbox, clock, steady, std::move(options)));
  d->deliverer_.Start();
  return d;
}

void AlertDelivery::Stop() { deliverer_.Stop(); }

}  // namespace tarifador::app
