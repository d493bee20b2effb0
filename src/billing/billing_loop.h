#pragma once
// BillingLoop: the one billing thread (STYLE.md "threads follow folders").
// It owns the CallTracker and feeds it, in order, from a queue: the channel
// events the ESL reader posts, link restorations and reconciliations, the
// mod_json_cdr backfills the HTTP threads hand in, and a tick about once a
// second. Everything the tracker does therefore happens on this thread,
// while the ESL reader only decodes and enqueues (it must never wait:
// ESL-NOTES section 1) and HTTP threads wait only for their own answer.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "base/steady_clock.h"
#include "base/time.h"
#include "billing/authorizer.h"
#include "billing/call_control.h"
#include "billing/call_event.h"
#include "billing/call_tracker.h"
#include "billing/repository.h"

namespace tarifador::billing {

class BillingLoop {
 public:
  struct Options {
    std::chrono::milliseconds tick_interval{1000};
    // Times the ticks; the real monotonic clock when null. A simulated one
    // (base::SteadyFromClock over a test's clock) makes ticks follow
    // simulated time: polled every few milliseconds of real time. Borrowed.
    const base::SteadyClock* steady = nullptr;
    // Whether the FreeSWITCH link is up now (thread-safe); null: never. A
    // backfill for a call still up waits for the call's hangup only while
    // it is: with the link down the CDR is the only record of the end.
    std::function<bool()> link_up;
  };

  // Counters for /metrics and tests. Thread-safe snapshot.
  struct Stats {
    uint64_t events = 0;      // call events handled (live and backfill)
    uint64_t failures = 0;    // events, ticks or reconciles that reported a failure
    uint64_t reconciles = 0;  // reconciliations done
    uint64_t ticks = 0;       // CallTracker::Tick() runs
    uint64_t finalised = 0;   // calls billed by a reconcile (ended while the link was down)
    uint64_t reattached = 0;  // calls re-attached by a reconcile
    uint64_t gone = 0;        // tracked calls FreeSWITCH no longer had (let go; CDR from the backfill)
    size_t queue_depth = 0;   // items waiting now
    size_t active_calls = 0;  // calls tracked after the last item
    size_t unbilled = 0;      // billings waiting for a retry (the store failed)
    // Reservation writes queued to the store whose result the billing thread
    // has not acted on yet (a cut-off may still follow from one).
    size_t writes_in_flight = 0;
  };

  // Called on the billing thread with the time from a HANGUP_COMPLETE being
  // posted to its CDR and charge being committed, in microseconds. Must be quick and thread-safe (a histogram).
  using LatencyObserver = std::function<void(int64_t micros)>;

  // Builds the tracker over the borrowed repository, authorizer, control and
  // clock (they must outlive the loop). Nothing runs until Start().
  BillingLoop(Repository& repository, const Authorizer& authorizer, CallControl& control, const base::Clock& clock,
              CallTracker::Options tracker_options, Options options, LatencyObserver on_billed = {});
  // Stop()s.
  ~BillingLoop();
  BillingLoop(const BillingLoop&) = delete;
  BillingLoop& operator=(const BillingLoop&) = delete;

  // Starts the thread. FailedPrecondition when already started.
  base::Status Start();
  // Handles everything already queued, then joins the thread. Later posts are
  // dropped (logged); pending futures are still fulfilled. Idempotent;
  // must not be called from the billing thread.
  void Stop();

  // Queues one channel event. Never blocks on billing; thread-safe.
  void Post(CallEvent event);
  // Queues CallTracker::LinkRestored(link_lost_at), in order with the events.
  void PostLinkRestored(base::Instant link_lost_at);
  // Queues CallTracker::CheckRequested(), in order with the events: the
  // periodic check's marker, posted just before `show channels` is sent.
  void PostCheckRequested();
  // Queues CallTracker::OnChannelGone(leg): FreeSWITCH answered "-ERR No
  // such channel!" to a command about it.
  void PostChannelGone(CallId leg);
  // Queues CallTracker::Reconcile(live).
  void PostReconcile(std::vector<CallTracker::LiveChannel> live);

  // Bills one HANGUP_COMPLETE from a backfill (mod_json_cdr) in order with
  // the live events. The future yields "billed", "already_billed" (a CDR for
  // that leg exists: nothing changed), "not_billed" (not an originating leg:
  // other legs are never billed) or the failure: InvalidArgument for times
  // no real call has (CheckBackfillTimes), FailedPrecondition for a call that
  // is still up (tracked, no hangup received while the link is up, within
  // kBackfillHold: FreeSWITCH posts a CDR a few ms before its hangup reaches
  // the event socket, so it is held that long first), Unavailable when the
  // store failed (the billing is then also retried by the tick).
  std::future<base::Result<std::string>> Backfill(CallEvent event);

  // Settles a call's start for the dialplan's outbound socket, which holds
  // the call until then: handles `create` (a CHANNEL_CREATE made from the
  // socket's channel data; a duplicate when the live event came first) in
  // order with the events, then answers once the call is denied, or allowed
  // with its first reservation committed (never kPending). Unavailable when
  // the loop is not running or `timeout` passed first. `pin`: the check of
  // the code the call carried (CallTracker::OnPinChecked), nullopt: none.
  base::Result<CallTracker::Admission> Admit(CallEvent create, std::chrono::milliseconds timeout,
                                             std::optional<PinCheck> pin = std::nullopt);

  // The calls tracked now, taken on the billing thread; waits at most
  // `timeout` (Unavailable then too) and fails with Unavailable when stopped.
  base::Result<std::vector<CallTracker::ActiveCall>> ActiveCalls(std::chrono::milliseconds timeout);

  Stats stats() const;

 private:
  struct Item {
    std::function<void()> run;
  };
  // An Admit() waiting for its call's first reservation.
  struct AdmissionWaiter {
    CallId leg;
    std::shared_ptr<std::promise<CallTracker::Admission>> promise;
  };
  // Answers the waiters whose call is settled (all of them when stopping).
  void SettleAdmissions(bool stopping);

  // A backfill waiting for its call's hangup on the live link.
  struct HeldBackfill {
    CallEvent event;
    std::shared_ptr<std::promise<base::Result<std::string>>> promise;
    std::chrono::steady_clock::time_point posted;
    base::SteadyClock::TimePoint deadline;
  };
  static constexpr std::chrono::seconds kBackfillHold{2};
  static constexpr size_t kMaxHeldBackfills = 1000;
  // hangup_posted_ entries older than this are dropped at a tick.
  static constexpr std::chrono::minutes kLatencyStampMaxAge{10};

  // False (and `run` dropped) when the loop is not running.
  bool Enqueue(std::function<void()> run);
  void Run();
  void RunLoop();
  bool LinkUp() const;
  void BillBackfill(const CallEvent& e, std::promise<base::Result<std::string>>& promise,
                    std::chrono::steady_clock::time_point posted);
  // Bills, refuses or keeps each held backfill (all answered when stopping).
  void ReleaseHeldBackfills(bool stopping);
  void HandleEvent(const CallEvent& event, std::chrono::steady_clock::time_point posted);
  void Record(const base::Status& s);
  // A store write's continuation, queued to run on the billing thread.
  void PostContinuation(std::function<base::Status()> f);
  void ObserveBilled(const CallId& call);

  Repository& repository_;
  CallTracker tracker_;  // used only on the billing thread
  // When each HANGUP_COMPLETE being billed was posted (billing thread only).
  std::map<CallId, std::chrono::steady_clock::time_point> hangup_posted_;
  std::vector<HeldBackfill> held_;           // billing thread only
  std::vector<AdmissionWaiter> admissions_;  // billing thread only
  const Options options_;
  const base::SteadyClock& steady_;
  const LatencyObserver on_billed_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool started_ = false;
  bool stopping_ = false;
  Stats stats_;  // guarded by mu_

  std::mutex stop_mu_;
  std::thread thread_;
};

}  // namespace tarifador::billing
