#pragma once
// The alert delivery worker (docs/ALERTS.md "Delivery"): one thread that
// drains the store's outbox of alert deliveries through a Transport. A
// delivery is marked sent only after the receiver accepted it, so a crash in
// between sends it again with the same event id (receivers deduplicate on
// it); a failed one is retried with backoff (RetryDelay) for a day, then kept
// as failed for the API to show.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>

#include "base/status.h"
#include "base/steady_clock.h"
#include "base/time.h"
#include "notify/transport.h"
#include "store/alert_outbox.h"

namespace tarifador::notify {

// The wait after the n-th failed attempt (n >= 1): 10 s, 30 s, 90 s, ...
// times 3, at most an hour.
std::chrono::seconds RetryDelay(int64_t failed_attempts);

class Deliverer {
 public:
  struct Options {
    std::string mail_from;         // alerts.smtp_from; e-mail recipients fail without it
    bool mail_configured = false;  // alerts.smtp_url is set
    std::string site;              // the box's site id: Message-ID, webhook "site"
    int64_t batch = 20;            // deliveries per pass
    // Steady time between passes when idle: what an alert waits at most
    // before its first attempt. A pass is one indexed read of the outbox.
    std::chrono::milliseconds poll{200};
    std::chrono::hours give_up_after{24};  // since the alert was raised
  };
  struct PassResult {
    int sent = 0;
    int failed = 0;    // attempts that failed (to be retried or given up)
    int deferred = 0;  // quiet hours
  };

  // Borrows everything; all must outlive the deliverer.
  Deliverer(store::AlertOutbox& outbox, Transport& transport, const base::Clock& clock, const base::SteadyClock& steady,
            Options options);
  ~Deliverer();  // Stop()s
  Deliverer(const Deliverer&) = delete;
  Deliverer& operator=(const Deliverer&) = delete;

  // One pass on the caller's thread (the worker's; tests'): every delivery
  // due now, in order. Fails only when the store cannot be read or written.
  base::Result<PassResult> DeliverDue();

  // The worker: a pass, then a wait of `poll`, until Stop. Once.
  void Start();
  void Stop();  // idempotent

 private:
  void ThreadMain(std::stop_token stop);
  // One attempt of `d`: OK when the receiver accepted it, otherwise why not.
  base::Status Attempt(const store::DueDelivery& d);

  store::AlertOutbox& outbox_;
  Transport& transport_;
  const base::Clock& clock_;
  const base::SteadyClock& steady_;
  const Options options_;
  std::jthread thread_;
};

}  // namespace tarifador::notify
