#pragma once
// What the dialplan's outbound socket (esl::OutboundServer) tells FreeSWITCH
// about a call held in the dialplan: billing's admission of the call, in
// channel variables the dialplan's gate reads (docs/FREESWITCH.md section 2).
//   tarifador_decision     "allowed" or "denied"
//   tarifador_reason       why it was denied (AuthorizationReason names,
//                          "store_unavailable", "billing_unavailable",
//                          "not_tracked"), or "unchecked" when let through by
//                          billing.when_down = allow
//   tarifador_max_seconds  the hard stop of an allowed outbound call
// An allowed outside call is also given its hard stop (`sched_hangup +N
// ALLOTTED_TIMEOUT`) in its own thread, before the dialplan goes on. A
// denied call is hung up with the cause its denial names (usually its
// uuid_kill on the event socket has ended it first: the session then ends
// with nothing set).
#include "base/status.h"
#include "billing/call_tracker.h"
#include "esl/outbound_server.h"

namespace tarifador::app {

// `admission` is BillingLoop::Admit's answer (Unavailable: billing did not
// settle the call in time). `allow_unchecked`: billing.when_down = allow.
esl::OutboundVerdict DialplanVerdict(const base::Result<billing::CallTracker::Admission>& admission,
                                     bool allow_unchecked);

}  // namespace tarifador::app
