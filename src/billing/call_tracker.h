#pragma once
// CallTracker: the billing loop of SPEC section 4 over the legs of each call.
//
// Fed every channel event (as CallEvent) by the app's billing thread, it
//  - on CHANNEL_CREATE of an originating leg classifies the call (outbound,
//    internal, inbound), authorizes outbound calls, kills denied ones
//    (CallControl::Kill), reserves the first debit interval and hands the
//    switch a hard stop at the affordable maximum (ScheduleHangup);
//  - links the other legs to their call (they are never billed);
//  - on Tick() extends the reservations of connected calls before they run
//    out, and when an account cannot pay for more, takes what it still has
//    and schedules the hangup at the end of what is paid for;
//  - on CHANNEL_HANGUP_COMPLETE of the originating leg computes billsec
//    (ConnectedBillsec), rates it and bills it with Repository::BillCall: the
//    CDR, the charge and the release in one transaction, once per call uuid.
//
// A HANGUP_COMPLETE of a call it never saw start (tarifador restarted, a
// backfill) is still billed, without authorization, with what the account can
// pay. Not thread-safe: one billing thread owns it (STYLE.md: threads follow
// folders); the repository and call control it borrows must be thread-safe.
//
// With Options::post set (the billing loop) no store write is waited for
// (issue #13): reservations, extensions, releases and billings are queued
// (Repository::*Async) and their results handled in continuations. A call
// has at most one extension in flight; Tick() leaves it alone until its
// continuation has run. A call may end while its extension is in flight:
// its billing is queued after the extension, so the store applies the
// extension first and the billing releases all of it; the continuation then
// finds the call gone and does nothing. Unset, every write is waited for
// (`tarifador cdr import`, OnEventAndWait).
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/money.h"
#include "base/status.h"
#include "base/time.h"
#include "billing/authorizer.h"
#include "billing/backfill_check.h"
#include "billing/call_control.h"
#include "billing/call_event.h"
#include "billing/call_observer.h"
#include "billing/cdr.h"
#include "billing/ids.h"
#include "billing/pin_check.h"
#include "billing/pin_code.h"
#include "billing/repository.h"
#include "billing/switch_clock.h"

namespace tarifador::billing {

class CallTracker {
 public:
  struct Options {
    std::string site_id;            // written into every CDR
    int64_t debit_interval_s = 60;  // billing.debit_interval: each reservation step, >= 1
    int64_t extend_lead_s = 10;     // extend when at most this many paid seconds are left
    bool rate_inbound = false;      // rate inbound calls with the callee's plan and charge its account
    // Caller-Context values of calls from outside (FreeSWITCH's vanilla
    // config puts trunks in "public"): such a call is inbound, never
    // authorized. Other calls must come from a known extension.
    std::vector<std::string> inbound_contexts = {"public"};
    // pins.prefix: a call dialled as this prefix + a number is a PIN call
    // (docs/BILLING.md "PIN codes"). Its CHANNEL_CREATE decides nothing:
    // the dialplan asks for the code, and the dialplan's socket brings the
    // checked code (OnPinChecked). Empty: no PIN calls.
    std::string pin_prefix;
    // billing.when_down = "allow": a call whose money cannot be checked (the
    // store failed) or that is found live after a link outage and would now
    // be denied is let through and billed at its end, instead of hung up.
    bool allow_unchecked = false;
    // When set, reservations, extensions, releases and billings are queued
    // to the repository without waiting (ReserveAsync,
    // ExtendReservationAsync, ReleaseReservationAsync, BillCallAsync) and
    // what follows them (the hard stop or the kill, the new covered time or
    // the cut-off, the retry list) runs as a continuation handed to `post`,
    // which must run it later on the tracker's thread (never from inside
    // the call that handed it over), in order with the events; its failure
    // is for `post` to log. The billing loop sets it; unset, every write
    // waits.
    std::function<void(std::function<base::Status()>)> post;
    // Called on the tracker's thread when a call's billing is durable (or
    // was already): the billing loop's hangup-to-CDR latency.
    std::function<void(const CallId&)> on_billed;
    // Told of calls starting, answering and billed (the live event stream);
    // borrowed, may be null. Called on the tracker's thread.
    CallObserver* observer = nullptr;
    // FreeSWITCH's clock (borrowed, may be null: then the box's clock
    // stands in, for tests on one clock). Whether a connected call still has
    // paid seconds is judged on it, since billsec is counted on it: the box's
    // clock may be hours off the switch's.
    const SwitchClock* switch_clock = nullptr;
    // At most this many calls are tracked at once (a broken or hostile
    // switch sending CREATEs that never end must not grow memory without
    // limit). A CREATE beyond it is refused (SWITCH_CONGESTION), or with
    // allow_unchecked let through untracked and billed at its end.
    size_t max_tracked_calls = 10'000;
    // What a backfilled CDR may look like (CheckBackfillTimes); checked by
    // the billing loop before a backfill is billed.
    BackfillLimits backfill_limits;
  };

  // A channel FreeSWITCH reports live (`show channels as json`), for Reconcile().
  struct LiveChannel {
    CallId leg;
    CallId call;  // the originating leg's uuid (Channel-Call-UUID); empty or == leg on the originating leg
    std::string caller;
    std::string destination;
    std::string context;
    int64_t created_us = 0;
    bool answered = false;  // callstate ACTIVE or HELD
  };

  struct ReconcileReport {
    size_t finalised = 0;         // ended while the link was down: billed as ending when it was lost
    size_t reattached = 0;        // started while the link was down: tracked (and reserved) now
    size_t killed = 0;            // started while down and denied now (billing.when_down = "deny")
    size_t still_up = 0;          // tracked before, still live
    size_t orphans_released = 0;  // reservations of calls that ended while tarifador was not running
    size_t ended_first = 0;       // listed live, but ended before the list arrived: not re-attached
    size_t gone = 0;              // tracked, but FreeSWITCH no longer has them (a periodic check): released
  };

  // A live call, for the UI and /metrics.
  struct ActiveCall {
    CallId call;
    Direction direction = Direction::kOutbound;
    std::string caller;
    std::string destination;
    std::optional<AccountId> account_id;
    int64_t created_us = 0;
    int64_t connected_us = 0;  // 0 until the far end answered
    base::Money reserved;
    int64_t covered_s = 0;    // paid-for connected seconds so far
    int64_t max_seconds = 0;  // the hard stop handed to the switch
    bool cut_off = false;     // a hangup for lack of money is scheduled
    // The rate it is billed with, when rated (outbound; inbound with
    // rate_inbound): the UI's running cost is CostOfCall(rated, billsec so far).
    std::optional<RatedDestination> rated;
  };

  // Borrows everything; all must outlive the tracker.
  CallTracker(Repository& repository, const Authorizer& authorizer, CallControl& control, const base::Clock& clock,
              Options options);

  // Handles one event. Returns OK when it was handled or ignored (B-leg
  // events, a duplicate CREATE, a replayed HANGUP_COMPLETE of a call already
  // billed). Fails when the repository or the switch failed; the app logs it.
  // A failed billing is kept and retried by Tick().
  base::Status OnEvent(const CallEvent& event);
  // The same, but every store write it makes is waited for even when
  // Options::post is set: OK then means the CDR is committed (a backfill's
  // answer to mod_json_cdr).
  base::Status OnEventAndWait(const CallEvent& event);

  // Extends reservations due within extend_lead_s, cuts calls their accounts
  // cannot pay further, and retries billings that failed. Call it about once
  // a second. Returns the first failure met (after trying every call).
  base::Status Tick();

  // Marks a new connection of the event socket, in event order: the calls
  // tracked now are those the next Reconcile() checks against FreeSWITCH.
  // `link_lost_at` is the last moment the old link was known to carry events.
  void LinkRestored(base::Instant link_lost_at);

  // Reconciles with what FreeSWITCH reports live after a reconnect (SPEC 4):
  // calls tracked at LinkRestored() that are no longer live ended while the
  // link was down and are billed now, as ending at link_lost_at (the only
  // end tarifador can vouch for; a mod_json_cdr backfill that arrived first
  // has already billed them exactly); originating legs live but untracked
  // started meanwhile and are authorized, reserved and given their hard stop
  // now, or killed when denied (unless allow_unchecked). The list is taken
  // before it arrives: a listed call whose HANGUP_COMPLETE was handled since
  // LinkRestored(), or that is billed already, has ended and is not
  // re-attached (a reservation for it would never be released). Returns the
  // first failure after trying every call.
  base::Result<ReconcileReport> Reconcile(const std::vector<LiveChannel>& live);

  // Marks, in event order, a periodic check while the link is up: the next
  // Reconcile() compares the calls tracked now with FreeSWITCH's list, and a
  // tracked call missing from it (its end was never seen: FreeSWITCH drops
  // events when its queue for us is full) is let go as by OnChannelGone().
  // Ignored while a reconnect's reconcile is pending.
  void CheckRequested();

  // FreeSWITCH answered "-ERR No such channel!" to a command about `leg`: the
  // channel is gone and its end was never seen (a channel that `show
  // channels` still listed after it was destroyed, a lost event). If it is a
  // tracked call, its reservation is released and it is no longer tracked;
  // its CDR comes from the backfill (mod_json_cdr, `tarifador cdr import`),
  // the only exact record of its end. Once per call; unknown legs are ignored.
  base::Status OnChannelGone(const CallId& leg);

  // The dialplan's socket holds call `held.leg` with `held.destination` (the
  // number after the dialplan's transfer) and the check of the code it
  // carried (nullopt: it carried none). For a PIN call waiting for its code
  // (Options::pin_prefix): a granted code makes the call its owner's, then
  // authorized and reserved as any call (Authorizer::Authorize with the
  // grant); anything else denies it (pin_missing, pin_invalid, pin_locked)
  // and kills it. Other calls are left as they are (a code on a call not
  // dialled as a PIN call is ignored: it was already decided as the
  // phone's). Call it after the socket's CREATE was handled.
  base::Status OnPinChecked(const CallEvent& held, const std::optional<PinCheck>& check);

  // A call tracked now whose hangup has not been received (it is up).
  bool IsLive(const CallId& leg) const;

  // What was decided about a call's start, for the dialplan's outbound
  // socket (it holds the call until this is settled).
  struct Admission {
    enum class State {
      kPending,  // allowed, its first reservation not yet committed
      kAllowed,  // may go out: reserved (outbound), or internal / inbound
      kDenied,   // refused (and killed)
      kUnknown,  // not tracked: never seen, over the tracked-calls cap, or ended
    };
    State state = State::kUnknown;
    std::string reason;       // kDenied: AuthorizationReasonName or "store_unavailable"
    std::string_view cause;   // kDenied: the hangup cause it was killed with
    int64_t max_seconds = 0;  // kAllowed and outbound: the hard stop handed to the switch
  };
  Admission AdmissionOf(const CallId& leg) const;
  // FreeSWITCH's time now as billing knows it (Options::switch_clock, or
  // the box's clock).
  base::Instant switch_now() const { return SwitchNow(); }
  const BackfillLimits& backfill_limits() const { return options_.backfill_limits; }
  // A periodic check (not a reconnect's reconcile) waits for its list.
  bool check_pending() const { return reconcile_pending_ && periodic_check_; }
  size_t active_call_count() const { return calls_.size(); }
  // Store writes queued whose continuation has not run yet (reservations,
  // extensions, releases, billings).
  size_t in_flight() const { return in_flight_; }
  // Tracked calls let go since the start because FreeSWITCH no longer had
  // them (OnChannelGone, a periodic check).
  uint64_t let_go_count() const { return let_go_; }
  // Billings waiting for a retry (the store failed).
  size_t unbilled_count() const { return unbilled_.size() + unclassified_.size(); }
  std::vector<ActiveCall> ActiveCalls() const;

 private:
  struct CallState {
    CallId id;
    Direction direction = Direction::kOutbound;
    bool authorized = false;  // went through the Authorizer and was allowed (outbound)
    bool denied = false;
    // A PIN call whose code has not come yet (Options::pin_prefix); then
    // the code it was granted, whose owner's account pays.
    bool awaiting_pin = false;
    std::optional<PinGrant> pin;
    // An alert-only guard this call tripped (Authorization::flagged, or a
    // traffic guard's): the CDR's deny_reason, the guard_tripped alert.
    std::string guard_flag;
    bool cost_capped = false;     // max_seconds is the guards' cost of one call
    std::string deny_reason;      // AuthorizationReasonName, or "store_unavailable"
    std::string_view deny_cause;  // the hangup cause it was killed with (a static constant)
    std::optional<Extension> extension;
    std::optional<AccountId> account_id;
    std::optional<RatedDestination> rated;
    std::string caller;
    std::string caller_name;
    std::string destination;
    std::string context;
    std::string gateway;
    std::string hangup_cause;
    std::string originate_disposition;
    bool hangup_seen = false;  // its CHANNEL_HANGUP arrived
    std::vector<std::string> linked;
    int64_t created_us = 0;
    int64_t answered_us = 0;
    int64_t bridged_us = 0;
    bool reserved = false;
    base::Money reserved_amount;
    int64_t covered_s = 0;
    int64_t max_seconds = 0;
    bool cut_off = false;
    MoneyLimit bound = MoneyLimit::kMoney;  // what limited its money when last checked
    // An extension of its reservation is queued and its continuation has not
    // run yet (Async()): Tick() queues no other, and reserved_amount and
    // covered_s are those before it.
    bool extending = false;
  };

  base::Status OnOriginatingCreate(const CallEvent& event);
  // Authorizes a new call, reserves its first interval and hands the switch
  // its hard stop; kills it when denied (unless `may_let_through` and
  // allow_unchecked). `kill_denied` false: a call the dialplan's socket
  // holds, which hangs a denied call up itself.
  base::Status Admit(CallState& call, base::Instant now, bool may_let_through, bool kill_denied = true);
  base::Status OnOtherLeg(const CallEvent& event);
  base::Status OnHangupComplete(const CallEvent& event);
  // Direction, extension, account and rate of a call (no money checked).
  base::Status Classify(CallState& call, base::Instant at, bool authorize);
  // A PIN call that reached a far end while waiting for its code: denied
  // (pin_missing) and killed.
  base::Status UncheckedPinCall(CallState& call);
  // Marks the call denied and kills it; returns the Kill's status.
  base::Status Deny(CallState& call, std::string reason, std::string_view cause);
  // Extends the reservation of a connected call that is running out of paid
  // time (queued when Async()), or cuts it where the money ends.
  base::Status ExtendOrCut(CallState& call, base::Instant now);
  // What an extension to `want_s` came back with: the new covered time, the
  // call forgotten (billed by a backfill), or the partial extension and the
  // cut-off. Runs inside Tick() in the synchronous form, in the extension's
  // continuation when Async().
  base::Status OnExtended(CallState& call, int64_t want_s, base::Instant now, base::Result<Reservation> extended);
  // What the partial extension came back with: the new covered time when it
  // was taken, then the cut-off.
  base::Status OnPartlyExtended(CallState& call, base::Result<Reservation> extended);
  // Async(): marks the call extending and queues the extension to `amount`
  // covering `covered_s`; its continuation goes on with OnExtended (or
  // OnPartlyExtended when `partial`) unless the call is gone by then.
  void QueueExtension(CallState& call, base::Money amount, int64_t covered_s, base::Instant now, bool partial);
  // Marks the call cut off and has the switch end it at connected +
  // covered_s (sched_hangup), or at once when that is now or past.
  base::Status CutOff(CallState& call);
  // Releases the reservation of a call no longer tracked: queued when
  // Async() (the continuation returns the failure, which `post` logs),
  // otherwise waited for. A call holding none is OK.
  base::Status Release(const CallId& id);
  base::Result<Cdr> BuildCdr(const CallState& call, const CallEvent& event) const;
  base::Status Bill(const Cdr& cdr);
  base::Status OnBilled(const Cdr& cdr, const base::Status& billed);
  // Why a reservation for `account` was refused at `at`: the monthly budget
  // or the money.
  AuthorizationReason MoneyReason(AccountId account, base::Instant at);
  base::Status OnReserved(const CallId& id, base::Result<Reservation> reservation);
  // Stops tracking a call and unlinks its other legs.
  void Forget(std::map<CallId, CallState>::iterator it);
  bool Async() const { return options_.post && !wait_; }
  // FreeSWITCH's time now (Options::switch_clock), or the box's.
  base::Instant SwitchNow() const;
  // A box-clock instant on FreeSWITCH's clock.
  base::Instant SwitchTimeOf(base::Instant box) const;
  // Releases a tracked call's reservation and stops tracking it (its end was
  // never seen). `why` completes the log line.
  base::Status LetGo(std::map<CallId, CallState>::iterator it, const std::string& why);
  bool IsInboundContext(const std::string& context) const;
  void Link(CallState& call, const CallId& leg);
  // The traffic guards of an allowed outbound call placed at `at_us` (the
  // extension's calls up now, its calls and its calls to this number in
  // the hour before): the rule it trips, or kAllowed. Records the call in
  // the extension's last hour when it may go.
  AuthorizationReason TrafficGuard(const CallState& call, int64_t at_us);

  Repository& repository_;
  const Authorizer& authorizer_;
  CallControl& control_;
  const base::Clock& clock_;
  const Options options_;
  std::map<CallId, CallState> calls_;    // by originating leg
  std::map<CallId, CallId> legs_;        // other leg -> its call
  std::vector<Cdr> unbilled_;            // BillCall failed; retried by Tick()
  std::vector<CallEvent> unclassified_;  // ends of calls not seen starting whose classification failed; retried
  std::vector<CallId> unconfirmed_;      // tracked at LinkRestored(), not yet reconciled
  // Between LinkRestored() and Reconcile(): the calls whose HANGUP_COMPLETE
  // was handled meanwhile. FreeSWITCH takes the `show channels` list before
  // it sends it, so such a call may still be listed live. Cleared by
  // Reconcile(), or by the next LinkRestored() when no list came.
  bool reconcile_pending_ = false;
  // The pending reconcile is a periodic check (CheckRequested), not a
  // reconnect's: missing calls are let go, not billed at link_lost_at_.
  bool periodic_check_ = false;
  base::Instant check_asked_at_;  // FreeSWITCH's time when the periodic check was asked for
  // Whether a reconcile has run since this process started: a reservation
  // found without a call before that is from a previous run.
  bool reconciled_once_ = false;
  std::set<CallId> ended_before_reconcile_;
  // Calls whose billing is queued and not yet committed: their reservation
  // is still in the store, and is not an orphan.
  std::set<CallId> billing_;
  // Calls whose release is queued and not yet committed: a reconcile that
  // lists reservations meanwhile still sees theirs, and must not take it
  // for an orphan (a second release, a wrong count).
  std::multiset<CallId> releasing_;
  uint64_t refused_over_cap_ = 0;
  uint64_t let_go_ = 0;
  std::vector<CallId> gone_;  // found billed elsewhere during a Tick(): forgotten at its end
  // Per extension, its outbound calls of the last hour (start, normalised
  // number), oldest first, for TrafficGuard. In memory: a restart forgets
  // it. Bounded: at most the larger hourly limit + 1 entries each, for
  // extensions that placed a call in the last hour.
  std::map<std::string, std::deque<std::pair<int64_t, std::string>>, std::less<>> recent_calls_;
  base::Instant link_lost_at_;
  size_t in_flight_ = 0;
  bool wait_ = false;  // inside OnEventAndWait
};

}  // namespace tarifador::billing
