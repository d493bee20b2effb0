#pragma once
// CallBilling: the FreeSWITCH side of `tarifador serve` (SPEC section 4)
// wired together — the billing repository and authorizer, the billing
// thread (billing::BillingLoop), the ESL client feeding it, the CallControl
// that sends uuid_kill / sched_hangup back, the reconcile after every
// reconnect, and what HTTP sees of it (http::BillingServices, the
// "freeswitch" readiness check and the tarifador_esl_* / tarifador_calls_*
// metrics).
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "app/cdr_spool.h"
#include "app/esl_call_control.h"
#include "app/live_events.h"
#include "base/status.h"
#include "base/steady_clock.h"
#include "base/time.h"
#include "billing/authorizer.h"
#include "billing/billing_loop.h"
#include "billing/switch_clock.h"
#include "config/config.h"
#include "esl/client.h"
#include "esl/outbound_server.h"
#include "http/event_hub.h"
#include "http/metrics_registry.h"
#include "http/readiness.h"
#include "http/services.h"
#include "rating/rate_book.h"
#include "store/alert_outbox.h"
#include "store/alert_store.h"
#include "store/billing_repository.h"
#include "store/cdr_query.h"
#include "store/pin_store.h"
#include "store/read_pool.h"
#include "store/writer.h"

namespace tarifador::app {

class CallBilling {
 public:
  // Starts the billing thread and the ESL client (which connects in the
  // background and reconnects forever). Borrows everything; all must outlive
  // the CallBilling. `steady` times the calls' paid seconds (with FreeSWITCH's
  // clock, billing::SwitchClock) and the periodic check. Registers the
  // "freeswitch" readiness check and the metrics. With `events` (borrowed, outlives this), publishes the live
  // call, balance and link events there (app/live_events.h). Fails with InvalidArgument for bad settings (dial plan,
  // ESL options).
  static base::Result<std::unique_ptr<CallBilling>> Start(const config::Config& cfg, store::Writer& writer,
                                                          const rating::RateBookHolder& rate_book,
                                                          const base::Clock& clock, const base::SteadyClock& steady,
                                                          http::MetricsRegistry& metrics, http::Readiness& readiness,
                                                          http::EventHub* events = nullptr);
  // Stop()s.
  ~CallBilling();
  CallBilling(const CallBilling&) = delete;
  CallBilling& operator=(const CallBilling&) = delete;

  // Stops the ESL client (no more events), then the billing thread after it
  // has handled everything queued. Idempotent.
  void Stop();

  // For the HTTP server; valid while this object lives.
  http::BillingServices& services() { return *services_; }

  billing::BillingLoop& loop() { return *loop_; }
  const EslCallControl& call_control() const { return control_; }
  // The CDR file spool, or nullptr when freeswitch.json_cdr_dir is empty.
  CdrSpool* spool() { return spool_.get(); }
  esl::Client& esl_client() { return *client_; }
  store::AlertOutbox& alert_outbox() { return alert_outbox_; }
  store::PinStore& pins() { return pins_; }
  // The dialplan's outbound socket, or nullptr when freeswitch.socket_listen is empty.
  esl::OutboundServer* dialplan_socket() { return socket_.get(); }

 private:
  struct Key {
    explicit Key() = default;
  };

 public:
  CallBilling(Key, const config::Config& cfg, store::Writer& writer, const base::Clock& clock,
              const base::SteadyClock& steady);

  // FreeSWITCH's clock as measured from its events.
  const billing::SwitchClock& switch_clock() const { return switch_clock_; }

 private:
  void OnConnected();
  // `show channels as json`, its answer posted as a reconcile.
  void RequestChannelList();
  void RegisterMetrics(http::MetricsRegistry& metrics);

  const base::Clock& clock_;
  const base::SteadyClock& steady_;
  billing::SwitchClock switch_clock_;
  store::ReadPool reads_;
  store::BillingRepository repository_;
  store::AlertStore alerts_;
  store::AlertOutbox alert_outbox_;
  store::CdrQuery cdr_query_;
  store::PinStore pins_;
  billing::PinChecker pin_checker_;
  const bool pins_on_;  // pins.prefix is set
  std::unique_ptr<billing::Authorizer> authorizer_;
  EslCallControl control_;
  std::unique_ptr<LiveEvents> live_;  // before loop_: the loop calls it until it stops
  std::unique_ptr<billing::BillingLoop> loop_;
  std::unique_ptr<esl::Client> client_;
  std::unique_ptr<CdrSpool> spool_;  // with freeswitch.json_cdr_dir; stopped before loop_
  // With freeswitch.socket_listen; stopped before loop_. Its verdicts, by kind.
  std::unique_ptr<esl::OutboundServer> socket_;
  std::atomic<uint64_t> socket_allowed_{0};
  std::atomic<uint64_t> socket_denied_{0};
  std::atomic<uint64_t> socket_unchecked_{0};
  // The check of the PIN code the held call carries (variable_tarifador_pin_id
  // and variable_tarifador_pin), nullopt when it carries none or PIN calls
  // are off. On the socket's session thread: slow (billing/pin_check.h).
  std::optional<billing::PinCheck> CheckHeldPin(const esl::Event& channel, const billing::CallEvent& create);
  // Decides one call held by the dialplan's socket (on its session thread).
  esl::OutboundVerdict DecideHeldCall(const esl::Event& channel, bool allow_unchecked);
  std::unique_ptr<http::BillingServices> services_;
  http::Histogram* billed_latency_ = nullptr;
  // Publishes link state changes (with live_): esl::Client reports no
  // transitions, so its status is sampled every kLinkWatchInterval; and
  // while the link is up, runs the periodic check (CallTracker::
  // CheckRequested) every kPeriodicCheckInterval.
  void WatchLink();
  std::thread link_watch_;
  std::mutex watch_mu_;
  std::condition_variable watch_cv_;
  bool watch_stop_ = false;
};

// What the status API shows of a link.
http::LinkInfo LinkInfoFrom(const esl::LinkStatus& status);

}  // namespace tarifador::app
