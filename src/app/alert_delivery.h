#pragma once
// Alert delivery wired from the settings (docs/ALERTS.md "Delivery"): the
// libcurl transport and the notify::Deliverer thread over the store's outbox.
#include <memory>

#include "base/steady_clock.h"
#include "base/time.h"
#include "config/config.h"
#include "notify/curl_transport.h"
#include "notify/deliverer.h"
#include "store/alert_outbox.h"

namespace tarifador::app {

class AlertDelivery {
 public:
  // Starts the thread. Borrows outbox and the clocks.
  static std::unique_ptr<AlertDelivery> Start(const config::Config& cfg, store::AlertOutbox& outbox,
                                              const base::Clock& clock, const base::SteadyClock& steady);
  void Stop();  // idempotent

 private:
  AlertDelivery(notify::CurlSettings settings, store::AlertOutbox& outbox, const base::Clock& clock,
                const base::SteadyClock& steady, notify::Deliverer::Options options);

  notify::CurlTransport transport_;
  notify::Deliverer deliverer_;
};

}  // namespace tarifador::app
