#include "app/dialplan_socket.h"

#include <string>

#include "billing/call_control.h"

namespace tarifador::app {
namespace {

esl::OutboundVerdict Allowed(std::string reason, int64_t max_seconds) {
  esl::OutboundVerdict v;
  v.variables.emplace_back("tarifador_decision", "allowed");
  if (!reason.empty()) v.variables.emplace_back("tarifador_reason", std::move(reason));
  if (max_seconds > 0) {
    v.variables.emplace_back("tarifador_max_seconds", std::to_string(max_seconds));
    // The hard stop, run in the call's own thread so that it is in place
    // before the dialplan bridges (the event socket's `bgapi sched_hangup`
    // for the same second may land a few ms after). Each sched_hangup is
    // its own task in FreeSWITCH: the two end the call at the same second.
    v.applications.emplace_back("sched_hangup",
                                "+" + std::to_string(max_seconds) + " " + std::string(billing::kCauseOutOfTime));
  }
  return v;
}

esl::OutboundVerdict Denied(std::string reason, std::string_view cause) {
  esl::OutboundVerdict v;
  v.variables.emplace_back("tarifador_decision", "denied");
  v.variables.emplace_back("tarifador_reason", std::move(reason));
  v.hangup_cause = cause.empty() ? std::string(billing::kCauseNoFunds) : std::string(cause);
  return v;
}

}  // namespace

esl::OutboundVerdict DialplanVerdict(const base::Result<billing::CallTracker::Admission>& admission,
                                     bool allow_unchecked) {
  using State = billing::CallTracker::Admission::State;
  if (admission.ok() && admission->state == State::kAllowed) return Allowed("", admission->max_seconds);
  if (admission.ok() && admission->state == State::kDenied) return Denied(admission->reason, admission->cause);
  // Not settled in time, or not tracked (over the tracked-calls cap, or a
  // call that already ended): billing.when_down decides, as it does for
  // the dialplan's gate when tarifador does not answer at all.
  if (allow_unchecked) return Allowed("unchecked", 0);
  return Denied(admission.ok() ? "not_tracked" : "billing_unavailable", billing::kCauseStoreDown);
}

}  // namespace tarifador::app
