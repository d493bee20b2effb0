#include "app/call_billing.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>

#include "app/billing_from_config.h"
#include "app/call_event_from_esl.h"
#include "app/dial_plan_from_config.h"
#include "app/dialplan_socket.h"
#include "base/log.h"
#include "esl/json_cdr.h"
#include "esl/tcp_transport.h"
#include "http/server.h"

namespace tarifador::app {
namespace {

// How long an HTTP thread waits for the billing thread: well under
// mod_json_cdr's default 5 s POST timeout in its sample configuration, after
// which it would retry (harmless: billing is idempotent by uuid).
constexpr std::chrono::milliseconds kBackfillWait{4000};
constexpr std::chrono::milliseconds kActiveCallsWait{2000};
// How long a call held by the dialplan's socket waits for billing to settle
// it (its first reservation committed) before billing.when_down decides.
constexpr std::chrono::milliseconds kHeldCallWait{1500};
// The channel variables the dialplan's prompts fill for a PIN call
// (docs/FREESWITCH.md "PIN codes"), as the socket's channel data names them.
constexpr std::string_view kPinIdVariable = "variable_tarifador_pin_id";
constexpr std::string_view kPinVariable = "variable_tarifador_pin";
// How often FreeSWITCH's list of channels is compared with the calls
// tracked, while the link is up: catches calls whose end was never received
// (FreeSWITCH drops events when its queue for a client is full) and retries
// a reconnect's reconcile whose list failed.
constexpr std::chrono::seconds kPeriodicCheckInterval{60};

// Hangup-to-CDR latency buckets: 0.1 ms .. 5 s.
constexpr int64_t kBilledLatencyBucketsUs[] = {100,    250,    500,     1'000,   2'500,     5'000,    10'000,
                                               20'000, 50'000, 100'000, 250'000, 1'000'000, 5'000'000};

// When the previous connection stopped carrying events: when it was seen to
// end, but no later than one heartbeat interval (FreeSWITCH's default 20 s)
// after its last event, since a silent link is only noticed after the
// silence timeout. Calls found ended at the reconcile are billed as ending
// then: an estimate, used only when no exact CDR came first (mod_json_cdr
// POSTs do not depend on the event socket; docs/BILLING.md).
base::Instant LinkLostAt(const esl::LinkStatus& s) {
  constexpr int64_t kHeartbeatUs = 20'000'000;
  if (s.last_event_at.micros() == 0) return s.last_down_at;
  if (s.last_down_at.micros() == 0) return s.last_event_at;
  return base::Instant::FromMicros(std::min(s.last_down_at.micros(), s.last_event_at.micros() + kHeartbeatUs));
}

}  // namespace

http::LinkInfo LinkInfoFrom(const esl::LinkStatus& s) {
  return http::LinkInfo{
      esl::LinkStateName(s.state), s.address,       s.since,     s.last_error, s.last_error_at, s.connects,
      s.events_received,           s.last_event_at, std::nullopt};
}

CallBilling::CallBilling(Key, const config::Config& cfg, store::Writer& writer, const base::Clock& clock,
                         const base::SteadyClock& steady)
    : clock_(clock),
      steady_(steady),
      switch_clock_(steady, clock),
      reads_(cfg.StorePath()),
      repository_(writer, reads_, LowBalanceFromConfig(cfg), AuthorizerOptionsFromConfig(cfg).spend),
      alerts_(writer, reads_),
      alert_outbox_(writer, reads_),
      cdr_query_(reads_),
      pins_(writer, reads_),
      pin_checker_(pins_, billing::PinChecker::Options{cfg.pins.max_failures}),
      pins_on_(!cfg.pins.prefix.empty()) {}

CallBilling::~CallBilling() { Stop(); }

base::Result<std::unique_ptr<CallBilling>> CallBilling::Start(const config::Config& cfg, store::Writer& writer,
                                                              const rating::RateBookHolder& rate_book,
                                                              const base::Clock& clock, const base::SteadyClock& steady,
                                                              http::MetricsRegistry& metrics,
                                                              http::Readiness& readiness, http::EventHub* events) {
  auto cb = std::make_unique<CallBilling>(Key{}, cfg, writer, clock, steady);

  base::Result<rating::NumberNormaliser> normaliser = NormaliserFromConfig(cfg);
  if (!normaliser.ok()) return normaliser.status();
  cb->authorizer_ = std::make_unique<billing::Authorizer>(cb->repository_, rate_book, std::move(*normaliser),
                                                          AuthorizerOptionsFromConfig(cfg));
  cb->billed_latency_ = &metrics.AddHistogram(
      "tarifador_billing_hangup_to_cdr_seconds",
      "Time from a CHANNEL_HANGUP_COMPLETE arriving to its CDR and charge committed", {}, kBilledLatencyBucketsUs);
  http::Histogram* latency = cb->billed_latency_;
  billing::CallTracker::Options tracker_options = TrackerOptionsFromConfig(cfg);
  tracker_options.switch_clock = &cb->switch_clock_;
  if (events != nullptr) {
    // The live event stream: calls from the billing thread, balances after
    // every committed money move (the repository is their one place).
    cb->live_ = std::make_unique<LiveEvents>(*events, clock);
    tracker_options.observer = cb->live_.get();
    LiveEvents* live = cb->live_.get();
    cb->repository_.set_money_observer([live](const billing::Account& a) { live->OnBalance(a); });
  }
  CallBilling* self = cb.get();
  billing::BillingLoop::Options loop_options;
  loop_options.steady = &cb->steady_;
  // Read on the billing thread once HTTP serves, after client_ is set below.
  loop_options.link_up = [self] { return self->client_ && self->client_->status().state == esl::LinkState::kUp; };
  cb->loop_ = std::make_unique<billing::BillingLoop>(cb->repository_, *cb->authorizer_, cb->control_, clock,
                                                     std::move(tracker_options), std::move(loop_options),
                                                     [latency](int64_t us) { latency->ObserveMicros(us); });
  TARIFADOR_RETURN_IF_ERROR(cb->loop_->Start());

  esl::ClientOptions esl_options;
  esl_options.host = cfg.freeswitch.host;
  esl_options.port = static_cast<uint16_t>(cfg.freeswitch.port);
  esl_options.password = cfg.freeswitch.password;
  cb->client_ = std::make_unique<esl::Client>(
      esl_options, std::make_unique<esl::TcpTransport>(), clock,
      [self](esl::Event&& event) {
        // On the ESL reader: decode and hand over, never wait (ESL-NOTES 1).
        // Every event (HEARTBEATs too) tells FreeSWITCH's time, as it arrives.
        self->switch_clock_.Observe(EventStampMicros(event));
        if (std::optional<billing::CallEvent> e = CallEventFromEsl(event)) self->loop_->Post(std::move(*e));
      },
      [self] { self->OnConnected(); });
  cb->control_.OnChannelGone([self](const billing::CallId& leg) { self->loop_->PostChannelGone(leg); });
  cb->control_.Attach(cb->client_.get());

  cb->services_ = std::make_unique<http::BillingServices>(http::BillingServices{
      cb->repository_,
      *cb->authorizer_,
      [self] { return self->loop_->ActiveCalls(kActiveCallsWait); },
      [self](std::string_view body, std::string_view content_type) -> base::Result<std::string> {
        base::Result<esl::Event> event = esl::DecodeJsonCdrPost(body, content_type);
        if (!event.ok()) return event.status();
        std::optional<billing::CallEvent> call = CallEventFromEsl(*event);
        if (!call) return base::InvalidArgument("the mod_json_cdr document names no leg uuid");
        std::future<base::Result<std::string>> done = self->loop_->Backfill(std::move(*call));
        if (done.wait_for(kBackfillWait) != std::future_status::ready) {
          // It stays queued and will be billed; mod_json_cdr's retry then
          // finds it billed.
          return base::Unavailable("billing is busy; retry");
        }
        return done.get();
      },
      [self] {
        http::LinkInfo link = LinkInfoFrom(self->client_->status());
        link.clock_offset_us = self->switch_clock_.offset_us();
        return link;
      },
  });
  cb->services_->cdrs = &cb->cdr_query_;
  cb->services_->alerts = &cb->alerts_;
  cb->services_->alert_outbox = &cb->alert_outbox_;
  cb->services_->pins = &cb->pins_;
  if (base::Result<base::Money> m = base::Money::Parse(cfg.billing.max_recharge);
      !cfg.billing.max_recharge.empty() && m.ok()) {
    cb->services_->max_recharge = *m;  // validated at load
  }

  readiness.Add("freeswitch", [self]() -> base::Status {
    const esl::LinkStatus s = self->client_->status();
    if (s.state == esl::LinkState::kUp) return base::Status::Ok();
    std::string why = std::string("FreeSWITCH event socket ") + s.address + " is " + esl::LinkStateName(s.state);
    if (!s.last_error.empty()) why.append(": ").append(s.last_error);
    return base::Unavailable(why);
  });
  cb->RegisterMetrics(metrics);

  if (!cfg.freeswitch.json_cdr_dir.empty()) {
    CdrSpool::Options spool_options;
    spool_options.dir = cfg.freeswitch.json_cdr_dir;
    spool_options.steady = &cb->steady_;
    base::Result<std::unique_ptr<CdrSpool>> spool = CdrSpool::Start(
        std::move(spool_options), [self](billing::CallEvent e) { return self->loop_->Backfill(std::move(e)); });
    if (!spool.ok()) return spool.status();
    cb->spool_ = std::move(*spool);
  }
  if (!cfg.freeswitch.socket_listen.empty()) {
    base::Result<http::ListenAddress> where = http::ParseListenAddress(cfg.freeswitch.socket_listen);
    if (!where.ok()) return where.status().WithContext("freeswitch.socket_listen");
    esl::OutboundOptions socket_options;
    socket_options.host = where->host;
    socket_options.port = static_cast<uint16_t>(where->port);
    const bool allow_unchecked = cfg.billing.when_down == "allow";
    cb->socket_ = std::make_unique<esl::OutboundServer>(
        std::move(socket_options),
        [self, allow_unchecked](const esl::Event& channel) { return self->DecideHeldCall(channel, allow_unchecked); });
    TARIFADOR_RETURN_IF_ERROR(cb->socket_->Start());
    base::LogInfo("billing: the dialplan's socket application is answered on " + cfg.freeswitch.socket_listen);
  }
  TARIFADOR_RETURN_IF_ERROR(cb->client_->Start());
  cb->link_watch_ = std::thread([self] { self->WatchLink(); });
  base::LogInfo("billing: connecting to FreeSWITCH at " + cfg.freeswitch.host + ":" +
                std::to_string(cfg.freeswitch.port) + " (billing.when_down = " + cfg.billing.when_down + ")");
  return cb;
}

esl::OutboundVerdict CallBilling::DecideHeldCall(const esl::Event& channel, bool allow_unchecked) {
  switch_clock_.Observe(EventStampMicros(channel));
  std::optional<billing::CallEvent> create = CreateFromChannelData(channel);
  esl::OutboundVerdict verdict;
  if (create && !create->is_originating_leg) {
    // A leg FreeSWITCH originated itself (the socket run on a B leg): not
    // a call anyone dialled, so not billing's to hold.
    verdict.variables.emplace_back("tarifador_decision", "allowed");
    verdict.variables.emplace_back("tarifador_reason", "other_leg");
  } else {
    std::optional<billing::PinCheck> pin = create ? CheckHeldPin(channel, *create) : std::nullopt;
    const base::Result<billing::CallTracker::Admission> admission =
        create ? loop_->Admit(std::move(*create), kHeldCallWait, std::move(pin))
               : base::Result<billing::CallTracker::Admission>(
                     base::InvalidArgument("the socket's channel data names no call"));
    if (!admission.ok()) {
      base::LogWarning("dialplan socket: call " + std::string(channel.unique_id()) +
                       " not settled: " + admission.status().message() +
                       " (billing.when_down = " + (allow_unchecked ? "allow" : "deny") + " decides)");
    }
    verdict = DialplanVerdict(admission, allow_unchecked);
  }
  // The digits keyed leave the channel first, whatever was decided.
  if (!channel.headers.Get(kPinVariable).empty()) verdict.unset.emplace_back("tarifador_pin");
  const bool denied = !verdict.hangup_cause.empty();
  const bool unchecked = !denied && std::any_of(verdict.variables.begin(), verdict.variables.end(), [](const auto& v) {
    return v.first == "tarifador_reason" && v.second == "unchecked";
  });
  (denied ? socket_denied_ : unchecked ? socket_unchecked_ : socket_allowed_)++;
  return verdict;
}

std::optional<billing::PinCheck> CallBilling::CheckHeldPin(const esl::Event& channel,
                                                           const billing::CallEvent& create) {
  const std::string_view id = channel.headers.Get(kPinIdVariable);
  const std::string_view digits = channel.headers.Get(kPinVariable);
  if (!pins_on_ || (id.empty() && digits.empty())) return std::nullopt;
  const billing::PinAttempt attempt{std::string(id), std::string(digits), create.caller_number, create.leg};
  base::Result<billing::PinCheck> check = pin_checker_.Check(attempt, clock_.Now());
  if (!check.ok()) {
    // The store failed: no code can be vouched for, so the call has none
    // (a PIN call is then refused pin_missing; when_down does not apply to
    // whose money it is).
    base::LogWarning("dialplan socket: call " + create.leg.value +
                     ": PIN code not checked: " + check.status().message());
    return billing::PinCheck{};
  }
  return *check;
}

void CallBilling::OnConnected() {
  // On the ESL reader, before any event of the new connection: mark the
  // point in the event order, then ask FreeSWITCH what is live. The answer
  // (a BACKGROUND_JOB) comes back in the same event stream, so the reconcile
  // is queued after every event that preceded it.
  loop_->PostLinkRestored(LinkLostAt(client_->status()));
  RequestChannelList();
}

void CallBilling::RequestChannelList() {
  client_->Bgapi(esl::kShowChannelsJsonCommand, [this](base::Result<std::string> body) {
    if (!body.ok()) {
      // The periodic check asks again within kPeriodicCheckInterval.
      base::LogWarning("reconcile: show channels failed: " + body.status().message());
      return;
    }
    base::Result<std::vector<esl::ChannelRow>> rows = esl::ParseShowChannelsJson(*body);
    if (!rows.ok()) {
      base::LogWarning("reconcile: " + rows.status().message());
      return;
    }
    std::vector<billing::CallTracker::LiveChannel> live;
    live.reserve(rows->size());
    for (const esl::ChannelRow& row : *rows) live.push_back(LiveChannelFromRow(row));
    loop_->PostReconcile(std::move(live));
  });
}

void CallBilling::RegisterMetrics(http::MetricsRegistry& metrics) {
  metrics.AddProvider([this](http::MetricsWriter& w) {
    const esl::LinkStatus link = client_->status();
    w.Gauge("tarifador_esl_link_up", "1 while the FreeSWITCH event socket is authenticated and subscribed", {},
            link.state == esl::LinkState::kUp ? 1 : 0);
    w.Counter("tarifador_esl_connects_total", "Connections to FreeSWITCH that came up", {}, link.connects);
    w.Counter("tarifador_esl_events_received_total", "Events received from FreeSWITCH", {}, link.events_received);
    if (const std::optional<int64_t> offset = switch_clock_.offset_us()) {
      w.Gauge("tarifador_freeswitch_clock_offset_milliseconds",
              "FreeSWITCH's clock minus this box's, at the latest event (billing does not depend on it)", {},
              *offset / 1000);
    }
    const billing::BillingLoop::Stats s = loop_->stats();
    w.Gauge("tarifador_calls_active", "Calls the billing thread tracks now", {}, static_cast<int64_t>(s.active_calls));
    w.Gauge("tarifador_calls_unbilled", "Ended calls whose billing waits for a retry (the store failed)", {},
            static_cast<int64_t>(s.unbilled));
    w.Gauge("tarifador_billing_queue_depth", "Items waiting for the billing thread", {},
            static_cast<int64_t>(s.queue_depth));
    w.Counter("tarifador_billing_events_total", "Call events handled by the billing thread", {}, s.events);
    w.Counter("tarifador_billing_failures_total", "Billing steps that failed (see the log)", {}, s.failures);
    w.Counter("tarifador_billing_reconciles_total", "Reconciliations with FreeSWITCH after a reconnect", {},
              s.reconciles);
    w.Counter("tarifador_billing_calls_finalised_total", "Calls billed by a reconcile: ended while the link was down",
              {}, s.finalised);
    if (spool_) {
      const CdrSpool::Stats sp = spool_->stats();
      const char* const help = "CDR files of freeswitch.json_cdr_dir handled, by what became of them";
      w.Counter("tarifador_cdr_spool_files_total", help, {{"result", "billed"}}, sp.billed);
      w.Counter("tarifador_cdr_spool_files_total", help, {{"result", "already_billed"}}, sp.already_billed);
      w.Counter("tarifador_cdr_spool_files_total", help, {{"result", "other_leg"}}, sp.other_legs);
      w.Counter("tarifador_cdr_spool_files_total", help, {{"result", "rejected"}}, sp.rejected);
      w.Gauge("tarifador_cdr_spool_pending", "CDR files in freeswitch.json_cdr_dir not yet billed or rejected", {},
              static_cast<int64_t>(sp.pending));
    }
    if (socket_) {
      const esl::OutboundServer::Stats so = socket_->stats();
      const char* const help = "Calls held by the dialplan's socket application, by what tarifador told FreeSWITCH";
      w.Counter("tarifador_dialplan_socket_calls_total", help, {{"result", "allowed"}}, socket_allowed_.load());
      w.Counter("tarifador_dialplan_socket_calls_total", help, {{"result", "denied"}}, socket_denied_.load());
      w.Counter("tarifador_dialplan_socket_calls_total", help, {{"result", "unchecked"}}, socket_unchecked_.load());
      w.Counter("tarifador_dialplan_socket_calls_total", help, {{"result", "ended"}}, so.ended);
      w.Counter("tarifador_dialplan_socket_calls_total", help, {{"result", "busy"}}, so.busy);
      w.Counter("tarifador_dialplan_socket_calls_total", help, {{"result", "failed"}}, so.failed);
    }
    w.Counter("tarifador_billing_calls_gone_total",
              "Tracked calls FreeSWITCH no longer had, their end never received (released; CDR from the backfill)", {},
              s.gone);
  });
}

void CallBilling::WatchLink() {
  constexpr std::chrono::milliseconds kLinkWatchInterval{200};
  std::string last_state;
  base::SteadyClock::TimePoint next_check = steady_.Now() + kPeriodicCheckInterval;
  std::unique_lock<std::mutex> lock(watch_mu_);
  while (!watch_stop_) {
    lock.unlock();
    try {
      const esl::LinkStatus s = client_->status();
      if (const std::string state = esl::LinkStateName(s.state); live_ && state != last_state) {
        last_state = state;
        live_->OnLink(LinkInfoFrom(s));
      }
      if (steady_.Now() >= next_check) {
        next_check = steady_.Now() + kPeriodicCheckInterval;
        if (s.state == esl::LinkState::kUp) {
          loop_->PostCheckRequested();
          RequestChannelList();
        }
      }
    } catch (const std::exception& e) {
      base::LogError(std::string("link watch: ") + e.what());  // the thread's top-level catch
    }
    lock.lock();
    watch_cv_.wait_for(lock, kLinkWatchInterval, [this] { return watch_stop_; });
  }
}

void CallBilling::Stop() {
  {
    std::lock_guard<std::mutex> lock(watch_mu_);
    watch_stop_ = true;
  }
  watch_cv_.notify_all();
  if (link_watch_.joinable()) link_watch_.join();
  if (socket_) socket_->Stop();
  if (spool_) spool_->Stop();
  if (client_) client_->Stop();
  if (loop_) loop_->Stop();
}

}  // namespace tarifador::app
