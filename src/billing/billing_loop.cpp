#include "billing/billing_loop.h"

#include <exception>
#include <utility>

#include "base/log.h"

namespace tarifador::billing {

BillingLoop::BillingLoop(Repository& repository, const Authorizer& authorizer, CallControl& control,
                         const base::Clock& clock, CallTracker::Options tracker_options, Options options,
                         LatencyObserver on_billed)
    : repository_(repository),
      tracker_(repository, authorizer, control, clock,
               [this, o = std::move(tracker_options)]() mutable {
                 // Store writes do not stall the thread: their continuations
                 // come back through the queue, so one commit serves a burst.
                 o.post = [this](std::function<base::Status()> f) { PostContinuation(std::move(f)); };
                 o.on_billed = [this](const CallId& call) { ObserveBilled(call); };
                 return std::move(o);
               }()),
      options_(options),
      steady_(options.steady != nullptr ? *options.steady : base::RealSteadyClock::Instance()),
      on_billed_(std::move(on_billed)) {}

void BillingLoop::PostContinuation(std::function<base::Status()> f) {
  {
    // Accepted even while stopping: Stop() waits for every write in flight.
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(Item{[this, f = std::move(f)] { Record(f()); }});
  }
  cv_.notify_one();
}

void BillingLoop::ObserveBilled(const CallId& call) {
  const auto it = hangup_posted_.find(call);
  if (it == hangup_posted_.end()) return;
  if (on_billed_) {
    on_billed_(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - it->second).count());
  }
  hangup_posted_.erase(it);
}

BillingLoop::~BillingLoop() { Stop(); }

base::Status BillingLoop::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (started_) return base::FailedPrecondition("the billing loop is already started");
  started_ = true;
  thread_ = std::thread([this] { Run(); });
  return base::Status::Ok();
}

void BillingLoop::Stop() {
  std::lock_guard<std::mutex> stop_lock(stop_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool BillingLoop::Enqueue(std::function<void()> run) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || !started_) return false;
    queue_.push_back(Item{std::move(run)});
  }
  cv_.notify_one();
  return true;
}

void BillingLoop::Record(const base::Status& s) {
  if (s.ok()) return;
  base::LogWarning("billing: " + s.message());
  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.failures;
}

void BillingLoop::HandleEvent(const CallEvent& event, std::chrono::steady_clock::time_point posted) {
  if (event.kind == CallEventKind::kHangupComplete && event.is_originating_leg) {
    hangup_posted_.emplace(event.leg, posted);  // observed when its billing is durable
  }
  Record(tracker_.OnEvent(event));
  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.events;
}

void BillingLoop::Post(CallEvent event) {
  const auto posted = std::chrono::steady_clock::now();
  const std::string leg = event.leg.value;
  if (!Enqueue([this, e = std::move(event), posted] { HandleEvent(e, posted); })) {
    base::LogWarning("billing is not running; event of leg " + leg + " dropped");
  }
}

void BillingLoop::PostLinkRestored(base::Instant link_lost_at) {
  if (!Enqueue([this, link_lost_at] { tracker_.LinkRestored(link_lost_at); })) {
    base::LogWarning("billing is not running; link restoration dropped");
  }
}

void BillingLoop::PostCheckRequested() {
  if (!Enqueue([this] { tracker_.CheckRequested(); })) base::LogWarning("billing is not running; check dropped");
}

void BillingLoop::PostChannelGone(CallId leg) {
  Enqueue([this, leg = std::move(leg)] { Record(tracker_.OnChannelGone(leg)); });
}

void BillingLoop::PostReconcile(std::vector<CallTracker::LiveChannel> live) {
  const bool queued = Enqueue([this, live = std::move(live)] {
    const bool periodic = tracker_.check_pending();
    base::Result<CallTracker::ReconcileReport> report = tracker_.Reconcile(live);
    if (!report.ok()) {
      Record(report.status().WithContext("reconciling with FreeSWITCH"));
      return;
    }
    const std::string line = "reconciled with FreeSWITCH: " + std::to_string(live.size()) + " live channels, " +
                             std::to_string(report->still_up) + " calls still up, " +
                             std::to_string(report->finalised) + " ended while the link was down, " +
                             std::to_string(report->gone) + " gone unseen, " + std::to_string(report->reattached) +
                             " re-attached, " + std::to_string(report->killed) + " hung up, " +
                             std::to_string(report->ended_first) + " listed but ended before the list arrived, " +
                             std::to_string(report->orphans_released) + " orphaned reservations released";
    // The periodic check runs every minute: quiet unless it changed something.
    const bool changed =
        report->finalised + report->gone + report->reattached + report->killed + report->orphans_released > 0;
    if (changed || !periodic) {
      base::LogInfo(line);
    } else {
      base::LogDebug(line);
    }
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.reconciles;
    stats_.finalised += report->finalised;
    stats_.reattached += report->reattached;
  });
  if (!queued) base::LogWarning("billing is not running; reconcile dropped");
}

std::future<base::Result<std::string>> BillingLoop::Backfill(CallEvent event) {
  auto promise = std::make_shared<std::promise<base::Result<std::string>>>();
  std::future<base::Result<std::string>> result = promise->get_future();
  if (event.kind != CallEventKind::kHangupComplete || event.leg.empty()) {
    promise->set_value(base::InvalidArgument("a backfill must be the HANGUP_COMPLETE of a leg with a uuid"));
    return result;
  }
  const auto posted = std::chrono::steady_clock::now();
  const bool queued = Enqueue([this, e = std::move(event), promise, posted]() mutable {
    if (!e.is_originating_leg) {
      HandleEvent(e, posted);  // links it, never bills it
      promise->set_value(std::string("not_billed"));
      return;
    }
    base::Result<Cdr> existing = repository_.GetCdr(e.leg);
    if (existing.ok()) {
      promise->set_value(std::string("already_billed"));
      return;
    }
    if (existing.status().code() != base::StatusCode::kNotFound) {
      promise->set_value(existing.status().WithContext("backfilling call " + e.leg.value));
      return;
    }
    if (base::Status checked = CheckBackfillTimes(e, tracker_.switch_now(), tracker_.backfill_limits());
        !checked.ok()) {
      base::LogWarning("backfill refused: " + checked.message());
      promise->set_value(checked);
      return;
    }
    if (tracker_.IsLive(e.leg) && LinkUp()) {
      // FreeSWITCH posts a leg's CDR in its reporting state, a few ms before
      // the event socket delivers its hangup: wait for the live events, so
      // a CDR for a call still up (forged) is refused and a real one never
      // races its own events.
      if (held_.size() >= kMaxHeldBackfills) {
        promise->set_value(base::Unavailable("too many CDRs wait for their call's hangup; retry"));
        return;
      }
      held_.push_back(HeldBackfill{std::move(e), promise, posted, steady_.Now() + kBackfillHold});
      return;
    }
    BillBackfill(e, *promise, posted);
  });
  if (!queued) promise->set_value(base::Unavailable("billing is not running"));
  return result;
}

bool BillingLoop::LinkUp() const { return options_.link_up && options_.link_up(); }

void BillingLoop::BillBackfill(const CallEvent& e, std::promise<base::Result<std::string>>& promise,
                               std::chrono::steady_clock::time_point posted) {
  if (repository_.GetCdr(e.leg).ok()) {  // billed meanwhile by its live HANGUP_COMPLETE
    promise.set_value(std::string("already_billed"));
    return;
  }
  hangup_posted_.emplace(e.leg, posted);
  base::Status s = tracker_.OnEventAndWait(e);  // the answer means committed
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.events;
  }
  if (!s.ok()) {
    Record(s);
    promise.set_value(s);
    return;
  }
  promise.set_value(std::string("billed"));
}

void BillingLoop::ReleaseHeldBackfills(bool stopping) {
  if (held_.empty()) return;
  std::vector<HeldBackfill> held;
  held.swap(held_);
  const base::SteadyClock::TimePoint now = steady_.Now();
  for (HeldBackfill& h : held) {
    if (!tracker_.IsLive(h.event.leg) || !LinkUp()) {
      // Its hangup came (or the link went: the CDR is then the only record).
      BillBackfill(h.event, *h.promise, h.posted);
    } else if (now >= h.deadline || stopping) {
      const std::string why =
          "call " + h.event.leg.value + " is still up on FreeSWITCH (no hangup received): its CDR is refused";
      base::LogWarning("backfill refused: " + why);
      h.promise->set_value(base::FailedPrecondition(why));
    } else {
      held_.push_back(std::move(h));
    }
  }
}

base::Result<CallTracker::Admission> BillingLoop::Admit(CallEvent create, std::chrono::milliseconds timeout,
                                                        std::optional<PinCheck> pin) {
  auto promise = std::make_shared<std::promise<CallTracker::Admission>>();
  std::future<CallTracker::Admission> result = promise->get_future();
  const auto posted = std::chrono::steady_clock::now();
  const bool queued = Enqueue([this, e = std::move(create), pin = std::move(pin), posted, promise] {
    HandleEvent(e, posted);
    Record(tracker_.OnPinChecked(e, pin));
    const CallTracker::Admission a = tracker_.AdmissionOf(e.leg);
    if (a.state == CallTracker::Admission::State::kPending) {
      admissions_.push_back(AdmissionWaiter{e.leg, promise});
    } else {
      promise->set_value(a);
    }
  });
  if (!queued) return base::Unavailable("billing is not running");
  if (result.wait_for(timeout) != std::future_status::ready) {
    return base::Unavailable("billing did not settle the call within " + std::to_string(timeout.count()) + " ms");
  }
  CallTracker::Admission a = result.get();
  if (a.state == CallTracker::Admission::State::kPending) return base::Unavailable("billing stopped");
  return a;
}

void BillingLoop::SettleAdmissions(bool stopping) {
  std::erase_if(admissions_, [&](AdmissionWaiter& w) {
    const CallTracker::Admission a = tracker_.AdmissionOf(w.leg);
    if (a.state == CallTracker::Admission::State::kPending && !stopping) return false;
    w.promise->set_value(a);
    return true;
  });
}

base::Result<std::vector<CallTracker::ActiveCall>> BillingLoop::ActiveCalls(std::chrono::milliseconds timeout) {
  auto promise = std::make_shared<std::promise<std::vector<CallTracker::ActiveCall>>>();
  std::future<std::vector<CallTracker::ActiveCall>> result = promise->get_future();
  if (!Enqueue([this, promise] { promise->set_value(tracker_.ActiveCalls()); })) {
    return base::Unavailable("billing is not running");
  }
  if (result.wait_for(timeout) != std::future_status::ready) {
    return base::Unavailable("the billing thread did not answer within " + std::to_string(timeout.count()) + " ms");
  }
  return result.get();
}

BillingLoop::Stats BillingLoop::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  Stats s = stats_;
  s.queue_depth = queue_.size();
  return s;
}

void BillingLoop::Run() {
  RunLoop();
  // Stopping: a CDR still waiting for its call's hangup is answered now.
  try {
    SettleAdmissions(true);
    ReleaseHeldBackfills(true);
  } catch (const std::exception& e) {
    Record(base::Internal(std::string("answering held backfills threw: ") + e.what()));
  }
}

void BillingLoop::RunLoop() {
  // The real clock's time points are std::chrono::steady_clock's, so the
  // wait can end at the tick itself; any other clock is polled.
  const bool real_time = &steady_ == &base::RealSteadyClock::Instance();
  constexpr std::chrono::milliseconds kPoll{5};
  auto next_tick = steady_.Now() + options_.tick_interval;
  std::deque<Item> batch;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      // Stopping ends the loop only once no store write is in flight: their
      // continuations (the hard stop, the retry list) still come back here.
      const auto wake = real_time ? next_tick : std::chrono::steady_clock::now() + kPoll;
      cv_.wait_until(lock, wake, [this] { return !queue_.empty() || (stopping_ && tracker_.in_flight() == 0); });
      batch.swap(queue_);
      if (batch.empty() && stopping_ && tracker_.in_flight() == 0) break;
    }
    for (Item& item : batch) {
      // One top-level catch per thread entry (STYLE.md habit 2): a bug in one
      // item must not stop billing of every later call.
      try {
        item.run();
      } catch (const std::exception& e) {
        Record(base::Internal(std::string("billing item threw: ") + e.what()));
      }
    }
    batch.clear();
    try {
      if (!admissions_.empty()) SettleAdmissions(false);
      ReleaseHeldBackfills(false);
    } catch (const std::exception& e) {
      Record(base::Internal(std::string("releasing held backfills threw: ") + e.what()));
    }
    bool ticked = false;
    if (steady_.Now() >= next_tick) {
      try {
        Record(tracker_.Tick());
      } catch (const std::exception& e) {
        Record(base::Internal(std::string("billing tick threw: ") + e.what()));
      }
      next_tick = steady_.Now() + options_.tick_interval;
      ticked = true;
      // A HANGUP_COMPLETE whose billing failed for good is never observed
      // as billed: its latency stamp must not stay for ever.
      const auto stale = std::chrono::steady_clock::now() - kLatencyStampMaxAge;
      std::erase_if(hangup_posted_, [stale](const auto& entry) { return entry.second < stale; });
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (ticked) ++stats_.ticks;
    stats_.gone = tracker_.let_go_count();
    stats_.active_calls = tracker_.active_call_count();
    stats_.unbilled = tracker_.unbilled_count();
    stats_.writes_in_flight = tracker_.in_flight();
  }
}

}  // namespace tarifador::billing
