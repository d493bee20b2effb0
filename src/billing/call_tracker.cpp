#include "billing/call_tracker.h"

#include <algorithm>
#include <utility>

#include "base/log.h"

namespace tarifador::billing {
namespace {

// Whole epoch seconds as FreeSWITCH counts them (floor), so our arithmetic
// agrees with its *_epoch variables and with `sched_hangup +N`.
int64_t EpochSeconds(int64_t us) { return base::Instant::FromMicros(us).seconds(); }

int64_t FirstNonZero(int64_t a, int64_t b) { return a != 0 ? a : b; }

// `sched_hangup +N` counts N of FreeSWITCH's whole seconds from when the
// command reaches it. Reckoning "now" this much later than the estimate of
// FreeSWITCH's clock covers the command's way there and the estimate's lag,
// so that a cut-off never lands a second past the paid time; the price is a
// cut-off a second early when the estimate sits that close to the next
// second (docs/BILLING.md "Clocks").
constexpr int64_t kCommandLeadUs = 200'000;

// How long a new channel may take to appear in `show channels` (FreeSWITCH
// writes its channels table from a background SQL thread): a periodic check
// never takes a call younger than this for gone.
constexpr int64_t kListLagUs = 30'000'000;

bool IsNoAnswerCause(std::string_view cause) {
  return cause == "NO_ANSWER" || cause == "NO_USER_RESPONSE" || cause == "ORIGINATOR_CANCEL" ||
         cause == kCauseOutOfTime;
}

// The primary failure is returned; a secondary one (the kill after it) is logged.
void LogIfFailed(const base::Status& s) {
  if (!s.ok()) base::LogWarning(s.message());
}

}  // namespace

CallTracker::CallTracker(Repository& repository, const Authorizer& authorizer, CallControl& control,
                         const base::Clock& clock, Options options)
    : repository_(repository),
      authorizer_(authorizer),
      control_(control),
      clock_(clock),
      options_(std::move(options)) {}

base::Instant CallTracker::SwitchNow() const {
  return options_.switch_clock != nullptr ? options_.switch_clock->Now() : clock_.Now();
}

base::Instant CallTracker::SwitchTimeOf(base::Instant box) const {
  return options_.switch_clock != nullptr ? options_.switch_clock->FromBox(box) : box;
}

bool CallTracker::IsInboundContext(const std::string& context) const {
  return std::find(options_.inbound_contexts.begin(), options_.inbound_contexts.end(), context) !=
         options_.inbound_contexts.end();
}

void CallTracker::Link(CallState& call, const CallId& leg) {
  if (leg.empty() || leg == call.id) return;
  if (std::find(call.linked.begin(), call.linked.end(), leg.value) == call.linked.end()) {
    call.linked.push_back(leg.value);
  }
  legs_[leg] = call.id;
}

base::Status CallTracker::OnEventAndWait(const CallEvent& event) {
  wait_ = true;
  base::Status s = OnEvent(event);
  wait_ = false;
  return s;
}

base::Status CallTracker::OnEvent(const CallEvent& event) {
  if (event.leg.empty()) return base::InvalidArgument("call event without a leg uuid");
  if (!event.is_originating_leg) return OnOtherLeg(event);
  if (event.kind == CallEventKind::kCreate) return OnOriginatingCreate(event);
  if (event.kind == CallEventKind::kHangupComplete) return OnHangupComplete(event);
  const auto it = calls_.find(event.leg);
  if (it == calls_.end()) return base::Status::Ok();  // started before us; billed at its HANGUP_COMPLETE
  CallState& call = it->second;
  switch (event.kind) {
    case CallEventKind::kAnswer: {
      const bool first = call.answered_us == 0;
      call.answered_us = FirstNonZero(event.answered_us, event.event_us);
      if (first && options_.observer) {
        options_.observer->OnCallAnswer(CallAnswered{call.id, base::Instant::FromMicros(call.answered_us), call.rated});
      }
      break;
    }
    case CallEventKind::kBridge:
      call.bridged_us = FirstNonZero(event.bridged_us, event.event_us);
      Link(call, event.other_leg);
      if (call.awaiting_pin) return UncheckedPinCall(call);
      break;
    case CallEventKind::kHangup:
      call.hangup_seen = true;
      if (!event.hangup_cause.empty()) call.hangup_cause = event.hangup_cause;
      if (!event.originate_disposition.empty()) call.originate_disposition = event.originate_disposition;
      break;
    default: break;
  }
  if (!event.gateway.empty()) call.gateway = event.gateway;
  return base::Status::Ok();
}

base::Status CallTracker::OnOtherLeg(const CallEvent& event) {
  // Other legs are linked to their call and never billed (SPEC 4). They tell
  // which gateway carried the call and when the far end was bridged.
  CallState* call = nullptr;
  if (const auto leg = legs_.find(event.leg); leg != legs_.end()) {
    const auto it = calls_.find(leg->second);
    if (it != calls_.end()) call = &it->second;
  } else if (const auto it = calls_.find(event.other_leg); it != calls_.end()) {
    call = &it->second;
    Link(*call, event.leg);
  }
  if (call == nullptr) return base::Status::Ok();
  if (!event.gateway.empty()) call->gateway = event.gateway;
  if (call->awaiting_pin && event.kind == CallEventKind::kCreate) return UncheckedPinCall(*call);
  if (event.kind == CallEventKind::kBridge && call->bridged_us == 0) {
    call->bridged_us = FirstNonZero(event.bridged_us, event.event_us);
  }
  if (event.kind == CallEventKind::kHangupComplete) legs_.erase(event.leg);
  return base::Status::Ok();
}

base::Status CallTracker::Classify(CallState& call, base::Instant at, bool authorize) {
  const auto inbound = [&](std::optional<Extension> callee) {
    call.direction = Direction::kInbound;
    if (!callee) return;
    call.account_id = callee->account_id;
    if (options_.rate_inbound) {
      // Inbound rating prices the outside caller's number with the callee's plan.
      Authorizer::RateLookup lookup = authorizer_.Rate(callee->rate_plan, call.caller, at);
      if (lookup.reason == AuthorizationReason::kAllowed) call.rated = std::move(lookup.rated);
    }
    call.extension = std::move(callee);
  };
  const auto callee_of = [&]() -> base::Result<std::optional<Extension>> {
    auto callee = repository_.GetExtension(call.destination);
    if (callee.ok()) return std::optional<Extension>(*callee);
    if (callee.status().code() == base::StatusCode::kNotFound) return std::optional<Extension>();
    return callee.status();
  };

  if (IsInboundContext(call.context)) {
    auto callee = callee_of();
    if (!callee.ok()) return callee.status();
    inbound(*callee);
    return base::Status::Ok();
  }
  if (!call.pin && !options_.pin_prefix.empty() && call.destination.rfind(options_.pin_prefix, 0) == 0) {
    // A PIN call: the dialplan asks for the code now; nothing is decided
    // until the socket brings it (OnPinChecked). It is the phone's call
    // until then, and costs nothing: it has not reached a far end.
    auto phone = repository_.GetExtension(call.caller);
    if (phone.ok()) {
      call.direction = Direction::kOutbound;
      call.account_id = phone->account_id;
      call.extension = std::move(*phone);
      call.awaiting_pin = authorize;
      return base::Status::Ok();
    }
    if (phone.status().code() != base::StatusCode::kNotFound) return phone.status();
  }
  auto auth = authorizer_.Authorize(call.caller, call.destination, at, nullptr, call.pin ? &*call.pin : nullptr);
  if (!auth.ok()) return auth.status();
  if (auth->reason == AuthorizationReason::kUnknownExtension) {
    // Not one of ours calling: from outside when it reaches one of ours.
    auto callee = callee_of();
    if (!callee.ok()) return callee.status();
    if (*callee) {
      inbound(*callee);
      return base::Status::Ok();
    }
  }
  call.direction = auth->direction;
  call.extension = auth->extension;
  if (auth->extension) call.account_id = auth->extension->account_id;
  if (call.pin) call.account_id = call.pin->account_id;
  call.rated = auth->rated;
  call.max_seconds = auth->max_seconds;
  if (authorize) {
    call.authorized = auth->allowed && call.direction == Direction::kOutbound;
    call.guard_flag = auth->flagged;
    call.cost_capped = auth->cost_capped;
    call.bound = auth->bound;
    if (!auth->allowed) {
      call.denied = true;
      call.deny_reason = auth->reason_name();
      call.deny_cause = HangupCauseFor(auth->reason);
    } else if (call.authorized) {
      const AuthorizationReason rule = TrafficGuard(call, at.micros());
      if (rule != AuthorizationReason::kAllowed) {
        if (authorizer_.options().AlertOnly(rule)) {
          if (call.guard_flag.empty()) call.guard_flag = AuthorizationReasonName(rule);
        } else {
          call.authorized = false;
          call.denied = true;
          call.deny_reason = AuthorizationReasonName(rule);
          call.deny_cause = HangupCauseFor(rule);
        }
      }
    }
  } else if (call.direction == Direction::kOutbound && !call.rated && call.extension) {
    // Billing a call we did not see start: rate it whatever the money says
    // (a disabled extension's call that got through is still a cost).
    Authorizer::RateLookup lookup = authorizer_.Rate(call.extension->rate_plan, call.destination, at);
    call.rated = std::move(lookup.rated);
  }
  return base::Status::Ok();
}

AuthorizationReason CallTracker::TrafficGuard(const CallState& call, int64_t at_us) {
  const Authorizer::Options& g = authorizer_.options();
  // The phone's own settings replace the box's.
  const ExtensionGuards none;
  const ExtensionGuards& own = call.extension ? call.extension->guards : none;
  const int64_t max_concurrent = GuardLimit(own.max_concurrent_calls, g.max_concurrent_calls);
  const int64_t max_per_hour = GuardLimit(own.max_calls_per_hour, g.max_calls_per_hour);
  const int64_t max_repeats = GuardLimit(own.max_repeats_per_hour, g.max_repeats_per_hour);
  if (max_concurrent <= 0 && max_per_hour <= 0 && max_repeats <= 0) return AuthorizationReason::kAllowed;
  if (max_concurrent > 0) {
    int64_t up = 0;
    for (const auto& [id, other] : calls_) {
      if (id != call.id && other.caller == call.caller && other.authorized && !other.denied) ++up;
    }
    if (up >= max_concurrent) return AuthorizationReason::kGuardConcurrentCalls;
  }
  constexpr int64_t kHourUs = 3'600'000'000;
  auto& recent = recent_calls_[call.caller];
  while (!recent.empty() && recent.front().first <= at_us - kHourUs) recent.pop_front();
  const std::string& number = call.rated ? call.rated->number.digits : call.destination;
  AuthorizationReason rule = AuthorizationReason::kAllowed;
  if (max_per_hour > 0 && static_cast<int64_t>(recent.size()) >= max_per_hour) {
    rule = AuthorizationReason::kGuardCallsPerHour;
  } else if (max_repeats > 0 && std::count_if(recent.begin(), recent.end(),
                                              [&](const auto& r) { return r.second == number; }) >= max_repeats) {
    rule = AuthorizationReason::kGuardRepeatedNumber;
  }
  // A refused call is not placed; an alert-only one is.
  if (rule == AuthorizationReason::kAllowed || authorizer_.options().AlertOnly(rule)) {
    recent.emplace_back(at_us, number);
    const size_t bound = static_cast<size_t>(std::max(max_per_hour, max_repeats) + 1);
    while (recent.size() > bound) recent.pop_front();
  }
  if (recent.empty()) recent_calls_.erase(call.caller);
  return rule;
}

base::Status CallTracker::Deny(CallState& call, std::string reason, std::string_view cause) {
  call.denied = true;
  call.deny_cause = cause;
  call.authorized = false;
  call.deny_reason = std::move(reason);
  return control_.Kill(call.id, cause);
}

base::Status CallTracker::OnOriginatingCreate(const CallEvent& event) {
  if (calls_.count(event.leg)) return base::Status::Ok();  // a duplicate CREATE
  if (calls_.size() >= options_.max_tracked_calls) {
    // Bounded memory whatever the switch sends. Such a call is not held
    // nor stopped by us: refused, or (when_down = allow) billed at its end.
    if (refused_over_cap_++ % 1000 == 0) {
      base::LogWarning("call " + event.leg.value + ": " + std::to_string(calls_.size()) +
                       " calls are tracked already, the most allowed; " +
                       (options_.allow_unchecked ? "let through unchecked" : "refused (SWITCH_CONGESTION)") + " (" +
                       std::to_string(refused_over_cap_) + " so far)");
    }
    if (options_.allow_unchecked || IsInboundContext(event.context)) return base::Status::Ok();
    return control_.Kill(event.leg, kCauseCongestion);
  }
  const base::Instant now = clock_.Now();
  CallState& call = calls_[event.leg];
  call.id = event.leg;
  call.caller = event.caller_number;
  call.caller_name = event.caller_name;
  call.destination = event.destination;
  call.context = event.context;
  call.gateway = event.gateway;
  call.created_us = FirstNonZero(event.created_us, FirstNonZero(event.event_us, now.micros()));
  base::Status admitted = Admit(call, now, /*may_let_through=*/false);
  // Admit() forgets a call the store already holds a CDR for (a CREATE
  // replayed after its end): there is nothing to tell then.
  const auto it = calls_.find(event.leg);
  if (it == calls_.end()) return admitted;
  if (options_.observer) {
    options_.observer->OnCallStart(CallStarted{call.id, call.direction, call.caller, call.destination, call.account_id,
                                               base::Instant::FromMicros(call.created_us)});
  }
  return admitted;
}

base::Status CallTracker::Admit(CallState& call, base::Instant now, bool may_let_through, bool kill_denied) {
  base::Status classified = Classify(call, base::Instant::FromMicros(call.created_us), /*authorize=*/true);
  if (!classified.ok()) {
    if (options_.allow_unchecked) {
      // billing.when_down = allow: let it through; it is rated and billed at its end.
      base::LogWarning("call " + call.id.value +
                       " let through unchecked (billing.when_down = allow): " + classified.message());
      return base::Status::Ok();
    }
    // Fail closed: a call whose money cannot be checked is not let through.
    LogIfFailed(Deny(call, "store_unavailable", kCauseStoreDown));
    return classified.WithContext("authorizing call " + call.id.value);
  }
  if (call.denied) {
    if (may_let_through && options_.allow_unchecked) {
      // Started while tarifador could not decide; billing.when_down = allow
      // lets such calls finish. Billed at the end with what the account has.
      call.denied = false;
      call.deny_reason.clear();
      return base::Status::Ok();
    }
    return kill_denied ? control_.Kill(call.id, call.deny_cause) : base::Status::Ok();
  }
  if (!call.authorized) return base::Status::Ok();  // internal or inbound: nothing to hold

  // The first debit interval, never more than the money covers.
  const int64_t covered = std::min(options_.debit_interval_s, call.max_seconds);
  auto cost = CostOfCall(*call.rated, covered);
  if (!cost.ok()) return Deny(call, "store_unavailable", kCauseStoreDown);
  const Reservation wanted{call.id, *call.account_id, cost->cost, covered, now, now};
  if (Async()) {
    // Queued: the store commits it with its neighbours; the hard stop (or
    // the kill) follows when it is durable. A HANGUP_COMPLETE meanwhile is
    // billed by a write queued after this one, which releases it.
    ++in_flight_;
    repository_.ReserveAsync(wanted, [this, id = call.id, post = options_.post](base::Result<Reservation> r) {
      post([this, id, r = std::move(r)]() mutable {
        --in_flight_;
        return OnReserved(id, std::move(r));
      });
    });
    return base::Status::Ok();
  }
  return OnReserved(call.id, repository_.Reserve(wanted));
}

AuthorizationReason CallTracker::MoneyReason(AccountId account, base::Instant at) {
  auto a = repository_.GetAccount(account);
  if (!a.ok()) return AuthorizationReason::kInsufficientFunds;
  return LimitReason(BindingLimit(*a, at, authorizer_.options().spend));
}

base::Status CallTracker::OnReserved(const CallId& id, base::Result<Reservation> reservation) {
  const auto it = calls_.find(id);
  if (it == calls_.end()) return base::Status::Ok();  // ended meanwhile: its billing released the money
  CallState& call = it->second;
  if (!reservation.ok() && reservation.status().code() == base::StatusCode::kAlreadyExists) {
    base::Result<Reservation> held = repository_.GetReservation(call.id);  // a replayed CREATE after a restart
    if (!held.ok() && held.status().code() == base::StatusCode::kNotFound && repository_.GetCdr(call.id).ok()) {
      // The call is billed: it ended before this reservation was asked for
      // (billed by a backfill, or its HANGUP_COMPLETE overtook a stale live
      // list). The store refused to hold money nothing would release; there
      // is no call left to stop either.
      base::LogInfo("call " + call.id.value + " is already billed: not tracked");
      Forget(it);
      return base::Status::Ok();
    }
    reservation = std::move(held);
  }
  if (!reservation.ok()) {
    if (reservation.status().code() == base::StatusCode::kFailedPrecondition) {
      // Another call of the account took the money (or the budget) since
      // Authorize().
      return Deny(call, AuthorizationReasonName(MoneyReason(*call.account_id, clock_.Now())), kCauseNoFunds);
    }
    LogIfFailed(Deny(call, "store_unavailable", kCauseStoreDown));
    return reservation.status().WithContext("reserving for call " + call.id.value);
  }
  call.reserved = true;
  call.reserved_amount = reservation->amount;
  call.covered_s = reservation->covered_s;
  // max_seconds came from the money Authorize() read; reservations of other
  // calls committed since (queued writes) may have taken part of it. The
  // account as it is now, plus this call's own reservation, is what the call
  // can still spend: the hard stop never counts money twice.
  if (auto account = repository_.GetAccount(*call.account_id); account.ok()) {
    const std::optional<int64_t> affordable = MaxAffordableSeconds(
        call.rated->rate, call.rated->decimals, call.rated->rounding,
        CallableMoney(*account, clock_.Now(), authorizer_.options().spend) + call.reserved_amount, call.max_seconds);
    call.bound = BindingLimit(*account, clock_.Now(), authorizer_.options().spend);
    call.max_seconds = std::max(call.covered_s, std::min(call.max_seconds, affordable.value_or(call.covered_s)));
  }
  // The hard stop (SPEC 4): the switch ends the call at the affordable
  // maximum even if tarifador is gone by then. Counted from now, before the
  // far end answers, so it can only end a call early, never late.
  return control_.ScheduleHangup(call.id, call.max_seconds, kCauseOutOfTime);
}

base::Result<Cdr> CallTracker::BuildCdr(const CallState& call, const CallEvent& event) const {
  Cdr cdr;
  cdr.uuid = call.id;
  cdr.linked = call.linked;
  cdr.site_id = options_.site_id;
  cdr.direction = call.direction;
  cdr.caller = call.caller;
  cdr.caller_name = call.caller_name;
  cdr.account_id = call.account_id;
  cdr.destination = call.destination;
  if (call.rated) {
    cdr.normalised = call.rated->number.digits;
    cdr.zone = call.rated->rate.zone;
    cdr.prefix = call.rated->rate.prefix.digits();
    cdr.rate_plan = call.rated->plan;
    cdr.price_per_minute = call.rated->rate.price_per_minute;
    cdr.connection_fee = call.rated->rate.connection_fee;
  }
  cdr.start_us = FirstNonZero(event.created_us, call.created_us);
  cdr.answer_us = FirstNonZero(event.answered_us, call.answered_us);
  cdr.bridge_us = FirstNonZero(event.bridged_us, call.bridged_us);
  cdr.end_us = FirstNonZero(event.ended_us, event.event_us);
  cdr.hangup_cause = !event.hangup_cause.empty() ? event.hangup_cause : call.hangup_cause;
  if (cdr.hangup_cause.empty()) cdr.hangup_cause = kCauseUnknown;
  const std::string& originate =
      !event.originate_disposition.empty() ? event.originate_disposition : call.originate_disposition;
  cdr.gateway = !event.gateway.empty() ? event.gateway : call.gateway;
  cdr.deny_reason = call.deny_reason;
  if (call.pin) {
    cdr.pin_id = call.pin->id;
    cdr.pin_owner = call.pin->owner;
  }
  if (cdr.start_us != 0 && cdr.end_us != 0) cdr.duration_s = EpochSeconds(cdr.end_us) - EpochSeconds(cdr.start_us);

  // FreeSWITCH's whole-second epochs decide billsec (SPEC 4); when an event
  // lacks them (a backfill with microseconds only) the same floors are taken
  // from the microsecond times.
  LegEpochs epochs = event.epochs;
  if (epochs.end_epoch_s == 0 && cdr.end_us != 0) {
    epochs.end_epoch_s = EpochSeconds(cdr.end_us);
    if (epochs.answer_epoch_s == 0 && cdr.answer_us != 0) epochs.answer_epoch_s = EpochSeconds(cdr.answer_us);
    if (epochs.bridge_epoch_s == 0 && cdr.bridge_us != 0) epochs.bridge_epoch_s = EpochSeconds(cdr.bridge_us);
  }
  const bool needs_far_end = call.direction != Direction::kInbound;
  // A denied call can still connect: a kill on CHANNEL_CREATE races the
  // dialplan, which may bridge (and a far end answer) before it lands. The
  // carrier bills such a call, so it is billed too, and its deny_reason
  // stays on the CDR to flag it (docs/FREESWITCH.md, "Without the socket").
  const bool connected = epochs.answer_epoch_s > 0 && (!needs_far_end || epochs.bridge_epoch_s > 0);
  cdr.billsec = ConnectedBillsec(epochs, needs_far_end);
  if (cdr.billsec > 0 && cdr.end_us != 0) {
    const int64_t from_us = std::max(cdr.answer_us, cdr.bridge_us);
    if (from_us > 0) cdr.billusec = std::max<int64_t>(0, cdr.end_us - from_us);
  }

  const bool rated =
      call.direction == Direction::kOutbound || (call.direction == Direction::kInbound && options_.rate_inbound);
  std::optional<RatedDestination> rated_with = call.rated;
  if (!rated_with && call.denied && connected && call.extension) {
    // Denied before a rate was looked up (a disabled extension): priced now.
    rated_with =
        authorizer_.Rate(call.extension->rate_plan, call.destination, base::Instant::FromMicros(call.created_us)).rated;
    if (rated_with) {
      cdr.normalised = rated_with->number.digits;
      cdr.zone = rated_with->rate.zone;
      cdr.prefix = rated_with->rate.prefix.digits();
      cdr.rate_plan = rated_with->plan;
      cdr.price_per_minute = rated_with->rate.price_per_minute;
      cdr.connection_fee = rated_with->rate.connection_fee;
    }
  }
  if (rated && rated_with && cdr.billsec > 0 && !rated_with->rate.blocked) {
    auto cost = CostOfCall(*rated_with, cdr.billsec);
    if (!cost.ok()) return cost.status().WithContext("rating call " + call.id.value);
    cdr.cost = cost->cost;
    cdr.billable_seconds = cost->billable_s;
  }

  if (call.denied && !connected) {
    cdr.disposition = Disposition::kDenied;
  } else if (connected) {
    if (call.denied) {
      base::LogWarning("call " + call.id.value + " was denied (" + call.deny_reason +
                       ") but connected before its hangup reached FreeSWITCH: billed " + cdr.cost.ToString() +
                       " and flagged with its deny_reason; route outbound calls through the dialplan's socket to "
                       "decide before they leave (docs/FREESWITCH.md)");
    }
    cdr.disposition =
        call.authorized && cdr.hangup_cause == kCauseOutOfTime ? Disposition::kCutOffNoFunds : Disposition::kAnswered;
    // Which limit ended it: the guards' cost of one call, the monthly
    // budget, the daily cap, or (no reason) the money.
    if (cdr.disposition == Disposition::kCutOffNoFunds && call.cost_capped) {
      cdr.deny_reason = AuthorizationReasonName(AuthorizationReason::kGuardCallCost);
    } else if (cdr.disposition == Disposition::kCutOffNoFunds && call.bound != MoneyLimit::kMoney) {
      cdr.deny_reason = AuthorizationReasonName(LimitReason(call.bound));
    }
  } else {
    // Why the far end never connected. After a failed bridge FreeSWITCH
    // ends the caller's leg NORMAL_CLEARING and keeps the bridge's outcome
    // in originate_disposition (NO_ANSWER, USER_BUSY, ORIGINATOR_CANCEL,
    // CALL_REJECTED, ...; "failure" and "SUCCESS" say nothing more).
    std::string_view why = cdr.hangup_cause;
    if (!originate.empty() && originate != "SUCCESS" && originate != "failure" &&
        (why == "NORMAL_CLEARING" || why == kCauseUnknown)) {
      why = originate;
    }
    if (why == "USER_BUSY") {
      cdr.disposition = Disposition::kBusy;
    } else if (IsNoAnswerCause(why)) {
      cdr.disposition = Disposition::kNoAnswer;
    } else {
      cdr.disposition = Disposition::kFailed;
    }
  }
  // An alert-only guard lets the call go and flags it: its rule is the CDR's
  // reason (the guard_tripped alert is raised with the charge). The cost of
  // one call is known only now.
  const Authorizer::Options& guards = authorizer_.options();
  const std::optional<base::Money> cost_limit =
      GuardLimit(call.extension ? call.extension->guards.max_call_cost : std::nullopt, guards.max_call_cost);
  if (cdr.deny_reason.empty() && cost_limit && cdr.cost > *cost_limit &&
      guards.AlertOnly(AuthorizationReason::kGuardCallCost)) {
    cdr.deny_reason = AuthorizationReasonName(AuthorizationReason::kGuardCallCost);
  }
  if (cdr.deny_reason.empty()) cdr.deny_reason = call.guard_flag;
  return cdr;
}

base::Status CallTracker::Bill(const Cdr& cdr) {
  if (Async()) {
    ++in_flight_;
    billing_.insert(cdr.uuid);
    repository_.BillCallAsync(cdr, clock_.Now(), [this, cdr, post = options_.post](base::Result<CallBilled> r) {
      post([this, cdr, s = r.status()] {
        --in_flight_;
        billing_.erase(cdr.uuid);
        return OnBilled(cdr, s);
      });
    });
    return base::Status::Ok();
  }
  return OnBilled(cdr, repository_.BillCall(cdr, clock_.Now()).status());
}

base::Status CallTracker::OnBilled(const Cdr& cdr, const base::Status& billed) {
  if (billed.ok() || billed.code() == base::StatusCode::kAlreadyExists) {
    // AlreadyExists: a replayed or duplicated HANGUP_COMPLETE, billed once
    // already (SPEC 4).
    if (!billed.ok()) base::LogDebug("call " + cdr.uuid.value + " is already billed; event ignored");
    if (billed.ok() && options_.observer) options_.observer->OnCallEnd(cdr);
    if (options_.on_billed) options_.on_billed(cdr.uuid);
    return base::Status::Ok();
  }
  if (billed.code() != base::StatusCode::kInvalidArgument && billed.code() != base::StatusCode::kNotFound) {
    unbilled_.push_back(cdr);  // the store may come back: Tick() retries
  } else {
    // The store refused this CDR for good (it will not be retried): the
    // money held for the call must not stay held for ever. The call itself
    // is left for a backfill or an operator (the log says why).
    base::LogError("call " + cdr.uuid.value + " cannot be billed: " + billed.message() +
                   "; its reservation is released");
    LogIfFailed(Release(cdr.uuid));
  }
  return billed.WithContext("billing call " + cdr.uuid.value);
}

void CallTracker::Forget(std::map<CallId, CallState>::iterator it) {
  for (const std::string& leg : it->second.linked) legs_.erase(CallId{leg});
  calls_.erase(it);
}

base::Status CallTracker::OnHangupComplete(const CallEvent& event) {
  // Remembered until the reconcile: the live list it brings may predate this.
  if (reconcile_pending_) ended_before_reconcile_.insert(event.leg);
  CallState call;
  if (const auto it = calls_.find(event.leg); it != calls_.end()) {
    call = std::move(it->second);
    calls_.erase(it);
    for (const std::string& leg : call.linked) legs_.erase(CallId{leg});
  } else {
    // Never saw it start: restarted mid-call, a replay, or a backfill.
    call.id = event.leg;
    call.caller = event.caller_number;
    call.caller_name = event.caller_name;
    call.destination = event.destination;
    call.context = event.context;
    call.created_us = event.created_us;
    const int64_t at_us = FirstNonZero(event.created_us, FirstNonZero(event.event_us, clock_.Now().micros()));
    base::Status classified = Classify(call, base::Instant::FromMicros(at_us), /*authorize=*/false);
    if (!classified.ok()) {
      // The store could not be read (extension, account): the call is still
      // to bill. Tick() tries again, as for a failed BillCall.
      unclassified_.push_back(event);
      return classified.WithContext("billing call " + call.id.value);
    }
  }
  if (!event.caller_name.empty()) call.caller_name = event.caller_name;
  Link(call, event.other_leg);
  legs_.erase(event.other_leg);
  auto cdr = BuildCdr(call, event);
  if (!cdr.ok()) return cdr.status();
  return Bill(*cdr);
}

base::Status CallTracker::ExtendOrCut(CallState& call, base::Instant now) {
  const int64_t connected_us = std::max(call.answered_us, call.bridged_us);
  // connected_us and billsec are on FreeSWITCH's clock; `now` (the box's)
  // only stamps the reservation.
  const base::Instant switch_now = base::Instant::FromMicros(SwitchNow().micros() + kCommandLeadUs);
  // Calls are paid from the far end's answer; until then the first
  // reservation holds.
  if (call.answered_us == 0 || call.bridged_us == 0) return base::Status::Ok();
  // Paid-for seconds left, in FreeSWITCH's whole seconds: billsec will be
  // end_epoch - connected_epoch, so a hangup at epoch
  // connected_epoch + covered_s bills exactly covered_s.
  const int64_t paid_until_s = EpochSeconds(connected_us) + call.covered_s;
  const int64_t left_s = paid_until_s - switch_now.seconds();
  if (left_s > options_.extend_lead_s) return base::Status::Ok();
  // Beyond max_seconds the hard stop ends the call anyway.
  if (call.covered_s >= call.max_seconds) return base::Status::Ok();

  const int64_t want_s = std::min(call.covered_s + options_.debit_interval_s, call.max_seconds);
  auto want_cost = CostOfCall(*call.rated, want_s);
  if (!want_cost.ok()) return want_cost.status();
  if (Async()) {
    // Queued, as a reservation is (Admit): the billing thread does not wait
    // for the commit, and Tick() leaves the call alone until the result is
    // back. A HANGUP_COMPLETE meanwhile is billed by a write queued after
    // this one, which releases all the extension holds.
    QueueExtension(call, want_cost->cost, want_s, now, /*partial=*/false);
    return base::Status::Ok();
  }
  return OnExtended(call, want_s, now, repository_.ExtendReservation(call.id, want_cost->cost, want_s, now));
}

void CallTracker::QueueExtension(CallState& call, base::Money amount, int64_t covered_s, base::Instant now,
                                 bool partial) {
  call.extending = true;
  ++in_flight_;
  repository_.ExtendReservationAsync(
      call.id, amount, covered_s, now,
      [this, id = call.id, covered_s, now, partial, post = options_.post](base::Result<Reservation> r) {
        post([this, id, covered_s, now, partial, r = std::move(r)]() mutable {
          --in_flight_;
          const auto it = calls_.find(id);
          // Ended meanwhile (billed or let go): the write queued for that
          // after this one released all the money.
          if (it == calls_.end() || !it->second.extending) return base::Status::Ok();
          it->second.extending = false;
          base::Status s = partial ? OnPartlyExtended(it->second, std::move(r))
                                   : OnExtended(it->second, covered_s, now, std::move(r));
          return s.WithContext("extending the reservation of call " + id.value);
        });
      });
}

base::Status CallTracker::OnExtended(CallState& call, int64_t want_s, base::Instant now,
                                     base::Result<Reservation> extended) {
  if (extended.ok()) {
    call.reserved_amount = extended->amount;
    call.covered_s = extended->covered_s;
    return base::Status::Ok();
  }
  if (extended.status().code() == base::StatusCode::kNotFound && repository_.GetCdr(call.id).ok()) {
    // Billed by someone else (`tarifador cdr import` in another process
    // wrote its CDR and released the money): the call is over.
    base::LogInfo("call " + call.id.value + " was billed by a backfill while tracked: no longer tracked");
    if (Async()) {
      Forget(calls_.find(call.id));  // a continuation: no iteration over calls_ is under way
      return base::Status::Ok();
    }
    call.cut_off = true;  // Tick() erases it (Forget would invalidate its iterator)
    call.authorized = false;
    gone_.push_back(call.id);
    return base::Status::Ok();
  }
  if (extended.status().code() != base::StatusCode::kFailedPrecondition) return extended.status();

  // Not enough for a whole interval: take what the account still has, then
  // end the call where the money ends (SPEC 4). The account is read as
  // committed; a write of another call committed before the partial
  // extension can only make it fail (then the cut-off is at covered_s, still
  // paid for), never hold money twice.
  auto account = repository_.GetAccount(*call.account_id);
  if (!account.ok()) return account.status();
  const base::Money can_hold = CallableMoney(*account, now, authorizer_.options().spend) + call.reserved_amount;
  call.bound = BindingLimit(*account, now, authorizer_.options().spend);
  const auto affordable =
      MaxAffordableSeconds(call.rated->rate, call.rated->decimals, call.rated->rounding, can_hold, want_s);
  if (affordable && *affordable > call.covered_s) {
    auto partial = CostOfCall(*call.rated, *affordable);
    if (partial.ok()) {
      if (Async()) {
        // The cut-off follows the partial extension's result: the hangup
        // goes where the money actually held ends.
        QueueExtension(call, partial->cost, *affordable, now, /*partial=*/true);
        return base::Status::Ok();
      }
      return OnPartlyExtended(call, repository_.ExtendReservation(call.id, partial->cost, *affordable, now));
    }
  }
  return CutOff(call);
}

base::Status CallTracker::OnPartlyExtended(CallState& call, base::Result<Reservation> extended) {
  // Refused (another call took the money meanwhile): the cut-off stays at
  // what was held already, which is paid for.
  if (extended.ok()) {
    call.reserved_amount = extended->amount;
    call.covered_s = extended->covered_s;
  }
  return CutOff(call);
}

base::Status CallTracker::CutOff(CallState& call) {
  call.cut_off = true;
  const int64_t connected_us = std::max(call.answered_us, call.bridged_us);
  const base::Instant switch_now = base::Instant::FromMicros(SwitchNow().micros() + kCommandLeadUs);
  const int64_t seconds_left = EpochSeconds(connected_us) + call.covered_s - switch_now.seconds();
  base::LogInfo("call " + call.id.value + ": account " + std::to_string(call.account_id->value) +
                " cannot pay beyond " + std::to_string(call.covered_s) + " s; hanging up in " +
                std::to_string(std::max<int64_t>(seconds_left, 0)) + " s");
  if (seconds_left >= 1) return control_.ScheduleHangup(call.id, seconds_left, kCauseOutOfTime);
  return control_.Kill(call.id, kCauseOutOfTime);
}

base::Status CallTracker::Tick() {
  base::Status first;
  const auto note = [&first](base::Status s) {
    if (!s.ok() && first.ok()) first = std::move(s);
  };
  std::vector<Cdr> retry;
  retry.swap(unbilled_);
  for (const Cdr& cdr : retry) note(Bill(cdr));
  std::vector<CallEvent> unclassified;
  unclassified.swap(unclassified_);
  for (const CallEvent& end : unclassified) note(OnHangupComplete(end));

  const base::Instant now = clock_.Now();
  for (auto& [id, call] : calls_) {
    if (!call.authorized || !call.reserved || call.cut_off || call.extending) continue;
    note(ExtendOrCut(call, now).WithContext("extending the reservation of call " + id.value));
  }
  std::vector<CallId> gone;
  gone.swap(gone_);
  for (const CallId& id : gone) {
    if (const auto it = calls_.find(id); it != calls_.end()) Forget(it);
  }
  return first;
}

base::Status CallTracker::LetGo(std::map<CallId, CallState>::iterator it, const std::string& why) {
  const CallId id = it->first;
  const bool reserved = it->second.reserved;
  Forget(it);
  ++let_go_;
  base::LogWarning("call " + id.value + ": " + why +
                   "; no longer tracked, its reservation released, its CDR left to the backfill (mod_json_cdr or "
                   "`tarifador cdr import`)");
  if (!reserved) return base::Status::Ok();
  return Release(id);
}

base::Status CallTracker::Release(const CallId& id) {
  const auto failure = [id](const base::Status& released) {
    if (released.code() == base::StatusCode::kNotFound) return base::Status::Ok();
    return released.WithContext("releasing the reservation of call " + id.value);
  };
  if (Async()) {
    // Queued after every write made for the call so far (an extension in
    // flight included), so it releases all they hold.
    ++in_flight_;
    releasing_.insert(id);
    repository_.ReleaseReservationAsync(id, [this, id, failure, post = options_.post](base::Status released) {
      post([this, id, failure, released = std::move(released)] {
        --in_flight_;
        releasing_.erase(releasing_.find(id));
        return failure(released);
      });
    });
    return base::Status::Ok();
  }
  return failure(repository_.ReleaseReservation(id));
}

bool CallTracker::IsLive(const CallId& leg) const {
  const auto it = calls_.find(leg);
  return it != calls_.end() && !it->second.hangup_seen;
}

base::Status CallTracker::OnPinChecked(const CallEvent& held, const std::optional<PinCheck>& check) {
  const auto it = calls_.find(held.leg);
  if (it == calls_.end()) return base::Status::Ok();
  CallState& call = it->second;
  if (!call.awaiting_pin) {
    if (check && check->verdict == PinVerdict::kGranted) {
      base::LogWarning("call " + call.id.value + " brought PIN code " + check->grant->id +
                       " but was not dialled as a PIN call (pins.prefix): decided as the phone's call");
    }
    return base::Status::Ok();
  }
  call.awaiting_pin = false;
  if (!held.destination.empty()) call.destination = held.destination;
  // Denials are not killed here: the socket holds the call and hangs it up
  // itself, after removing the digits from the channel (a kill would race
  // that, and leave them in FreeSWITCH's own CDR of the call).
  if (!check || check->verdict != PinVerdict::kGranted) {
    call.denied = true;
    call.deny_reason = PinVerdictName(check ? check->verdict : PinVerdict::kMissing);
    call.deny_cause = kCauseNoFunds;
    return base::Status::Ok();
  }
  call.pin = check->grant;
  return Admit(call, clock_.Now(), /*may_let_through=*/false, /*kill_denied=*/false);
}

base::Status CallTracker::UncheckedPinCall(CallState& call) {
  // The dialplan sent a PIN call on to a far end without asking tarifador
  // (no socket after the code's prompts): nobody checked the code.
  call.awaiting_pin = false;
  base::LogWarning("call " + call.id.value +
                   " was dialled as a PIN call but reached a far end without its code being checked: hung up "
                   "(docs/FREESWITCH.md \"PIN codes\")");
  return Deny(call, PinVerdictName(PinVerdict::kMissing), kCauseBarred);
}

CallTracker::Admission CallTracker::AdmissionOf(const CallId& leg) const {
  Admission a;
  const auto it = calls_.find(leg);
  if (it == calls_.end()) return a;
  const CallState& call = it->second;
  if (call.awaiting_pin) {
    // Only OnPinChecked settles a PIN call; asked without it, it has no code.
    a.state = Admission::State::kDenied;
    a.reason = PinVerdictName(PinVerdict::kMissing);
    a.cause = kCauseNoFunds;
  } else if (call.denied) {
    a.state = Admission::State::kDenied;
    a.reason = call.deny_reason;
    a.cause = call.deny_cause;
  } else if (call.authorized && !call.reserved) {
    a.state = Admission::State::kPending;
  } else {
    a.state = Admission::State::kAllowed;
    if (call.authorized) a.max_seconds = call.max_seconds;
  }
  return a;
}

base::Status CallTracker::OnChannelGone(const CallId& leg) {
  const auto it = calls_.find(leg);
  if (it == calls_.end()) return base::Status::Ok();  // ended and billed already, or never ours
  if (it->second.denied) {
    // Killed by us, and by the dialplan's socket too: gone as it should be.
    // Its HANGUP_COMPLETE still brings the CDR that says why.
    return base::Status::Ok();
  }
  return LetGo(it, "FreeSWITCH has no such channel (it ended and its end was never received)");
}

void CallTracker::CheckRequested() {
  if (reconcile_pending_) return;  // a reconnect's reconcile takes the list
  reconcile_pending_ = true;
  periodic_check_ = true;
  check_asked_at_ = SwitchNow();
  ended_before_reconcile_.clear();
  unconfirmed_.clear();
  for (const auto& [id, call] : calls_) unconfirmed_.push_back(id);
}

void CallTracker::LinkRestored(base::Instant link_lost_at) {
  link_lost_at_ = link_lost_at;
  reconcile_pending_ = true;
  periodic_check_ = false;
  ended_before_reconcile_.clear();
  unconfirmed_.clear();
  for (const auto& [id, call] : calls_) unconfirmed_.push_back(id);
}

base::Result<CallTracker::ReconcileReport> CallTracker::Reconcile(const std::vector<LiveChannel>& live) {
  ReconcileReport report;
  base::Status first;
  const auto note = [&first](base::Status s) {
    if (!s.ok() && first.ok()) first = std::move(s);
  };
  std::map<CallId, const LiveChannel*> live_legs;
  for (const LiveChannel& ch : live) live_legs[ch.leg] = &ch;

  // Ended while the link was down. Only calls tracked when the link came back
  // are checked: a call created since is live or has had its own events.
  std::vector<CallId> unconfirmed;
  unconfirmed.swap(unconfirmed_);
  std::set<CallId> finalised;
  for (const CallId& id : unconfirmed) {
    if (live_legs.count(id) || !calls_.count(id)) {
      if (live_legs.count(id)) ++report.still_up;
      continue;
    }
    if (ended_before_reconcile_.count(id)) continue;  // its end was seen meanwhile
    if (periodic_check_) {
      // FreeSWITCH's channels table is written by a background thread: a
      // call created just before the list was asked for may not be in it
      // yet. Only a call older than that is taken for gone.
      if (calls_[id].created_us > check_asked_at_.micros() - kListLagUs) {
        ++report.still_up;
        continue;
      }
      // The link stayed up, yet its end never came: FreeSWITCH dropped it.
      note(LetGo(calls_.find(id), "FreeSWITCH no longer lists it (its end was never received)"));
      ++report.gone;
      continue;
    }
    CallEvent end;
    end.kind = CallEventKind::kHangupComplete;
    end.leg = id;
    end.is_originating_leg = true;
    // The link was lost on the box's clock; the call's times are on FreeSWITCH's.
    end.ended_us = std::max(SwitchTimeOf(link_lost_at_).micros(), calls_[id].created_us);
    end.event_us = end.ended_us;
    base::LogWarning("call " + id.value +
                     " ended while the FreeSWITCH link was down; billed as ending when it was lost");
    note(OnHangupComplete(end));
    finalised.insert(id);
    ++report.finalised;
  }

  // Money still held for calls neither live nor tracked: they ended while
  // tarifador was not running (a crash, a power cut). Their CDR can only
  // come from a backfill (mod_json_cdr, `tarifador cdr import`), which bills
  // them whether or not a reservation is left; holding the money until then
  // would block the account, so it is released now.
  auto reservations = repository_.ListReservations();
  if (!reservations.ok()) {
    note(reservations.status().WithContext("listing reservations to reconcile"));
  } else {
    for (const Reservation& r : *reservations) {
      if (calls_.count(r.call) || live_legs.count(r.call) || finalised.count(r.call) || billing_.count(r.call) ||
          releasing_.count(r.call)) {
        continue;  // tracked, live, or its billing or release is queued
      }
      base::LogWarning(
          "call " + r.call.value +
          (reconciled_once_ ? " is no longer live and not tracked" : " ended while tarifador was not running") +
          ": its reservation of " + r.amount.ToString() +
          " is released; its CDR comes from a backfill (mod_json_cdr or `tarifador cdr import`)");
      note(Release(r.call));
      ++report.orphans_released;
    }
  }

  // Started while the link was down (or, on a periodic check, whose start
  // was never received): originating legs we do not know.
  const char* const unseen_start =
      periodic_check_ ? " was never seen starting" : " started while the FreeSWITCH link was down";
  const base::Instant now = clock_.Now();
  const base::Instant switch_lost_at = SwitchTimeOf(link_lost_at_);
  for (const LiveChannel& ch : live) {
    const bool originating = ch.call.empty() || ch.call == ch.leg;
    if (!originating) continue;  // linked below, once its call is known
    if (ended_before_reconcile_.count(ch.leg)) {
      // FreeSWITCH took the list, then the call hung up; its HANGUP_COMPLETE
      // came first in the event stream and billed it (bgapi runs in its own
      // thread). It is gone: nothing to hold, nothing to stop.
      ++report.ended_first;
      continue;
    }
    if (calls_.count(ch.leg)) {
      CallState& call = calls_[ch.leg];
      if (ch.answered && call.answered_us == 0) {
        // Answered while we were away: assume it connected when the link was
        // lost, so reservations are extended early rather than late.
        call.answered_us = call.bridged_us = std::max(switch_lost_at.micros(), call.created_us);
      }
      continue;
    }
    if (calls_.size() >= options_.max_tracked_calls) continue;  // as a CREATE over the cap
    CallState& call = calls_[ch.leg];
    call.id = ch.leg;
    call.caller = ch.caller;
    call.destination = ch.destination;
    call.context = ch.context;
    call.created_us = ch.created_us != 0 ? ch.created_us : SwitchNow().micros();
    // Connected at creation at the earliest: billsec can only be shorter, so
    // the money runs out no later than we think.
    if (ch.answered) call.answered_us = call.bridged_us = call.created_us;
    note(Admit(call, now, /*may_let_through=*/true));
    const auto admitted = calls_.find(ch.leg);
    if (admitted == calls_.end()) {
      ++report.ended_first;  // billed already: the store refused its reservation (see OnReserved)
    } else if (admitted->second.denied) {
      ++report.killed;
      base::LogInfo("call " + ch.leg.value + unseen_start + " and is denied (" + admitted->second.deny_reason +
                    "): hung up");
    } else {
      ++report.reattached;
      base::LogInfo("call " + ch.leg.value + unseen_start + "; re-attached");
    }
  }
  for (const LiveChannel& ch : live) {
    const bool originating = ch.call.empty() || ch.call == ch.leg;
    if (!originating) {
      if (const auto it = calls_.find(ch.call); it != calls_.end()) Link(it->second, ch.leg);
    }
  }
  reconcile_pending_ = false;
  periodic_check_ = false;
  reconciled_once_ = true;
  ended_before_reconcile_.clear();

  if (!first.ok()) return first;
  return report;
}

std::vector<CallTracker::ActiveCall> CallTracker::ActiveCalls() const {
  std::vector<ActiveCall> out;
  out.reserve(calls_.size());
  for (const auto& [id, call] : calls_) {
    if (call.denied) continue;
    const int64_t connected_us =
        call.answered_us != 0 && (call.bridged_us != 0 || call.direction == Direction::kInbound)
            ? std::max(call.answered_us, call.bridged_us)
            : 0;
    out.push_back(
        ActiveCall{id, call.direction, call.caller, call.destination, call.account_id, call.created_us, connected_us,
                   call.reserved_amount, call.covered_s, call.max_seconds, call.cut_off,
                   call.direction == Direction::kOutbound || options_.rate_inbound ? call.rated : std::nullopt});
  }
  return out;
}

}  // namespace tarifador::billing
