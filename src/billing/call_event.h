#pragma once
// CallEvent: what billing needs from one FreeSWITCH channel event, in plain
// fields. The app fills it from an esl::Event (or from a mod_json_cdr
// backfill); billing never sees the wire format.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "billing/billsec.h"
#include "billing/ids.h"

namespace tarifador::billing {

enum class CallEventKind {
  kCreate,          // CHANNEL_CREATE: authorize outbound calls here
  kAnswer,          // CHANNEL_ANSWER
  kBridge,          // CHANNEL_BRIDGE
  kHangup,          // CHANNEL_HANGUP: noted only; its times are not final
  kHangupComplete,  // CHANNEL_HANGUP_COMPLETE: the originating leg's is billed
};

// "create", "answer", "bridge", "hangup", "hangup_complete".
const char* CallEventKindName(CallEventKind kind);

struct CallEvent {
  CallEventKind kind = CallEventKind::kCreate;
  CallId leg;        // Unique-ID of the leg the event is about
  CallId other_leg;  // Other-Leg-Unique-ID (or Bridge-B-Unique-ID); may be empty
  // True for the leg without an originator; see IsOriginatingLeg(). Only the
  // originating leg's events drive authorization and billing.
  bool is_originating_leg = false;
  std::string caller_number;  // Caller-Caller-ID-Number: the extension on an outbound call
  std::string caller_name;    // Caller-Caller-ID-Name
  std::string destination;    // Caller-Destination-Number, as dialled
  std::string context;        // Caller-Context: "default" for phones, "public" for trunks (vanilla config)
  std::string gateway;        // the gateway used, when known (variable_sip_gateway_name)
  std::string hangup_cause;   // Hangup-Cause, on hangup events
  // variable_originate_disposition on the originating leg: why its bridge
  // ended. After a failed bridge FreeSWITCH ends the caller's leg
  // NORMAL_CLEARING and keeps the reason (NO_ANSWER, USER_BUSY, ...) here.
  std::string originate_disposition;

  // Microsecond figures (Caller-Channel-*-Time headers, or the *_uepoch
  // variables); 0 when not happened or not carried by this event.
  int64_t created_us = 0;
  int64_t answered_us = 0;
  int64_t bridged_us = 0;
  int64_t ended_us = 0;  // Caller-Channel-Hangup-Time / variable_end_uepoch
  int64_t event_us = 0;  // Event-Date-Timestamp: when FreeSWITCH sent it

  // On kHangupComplete: variable_answer_epoch, variable_bridge_epoch and
  // variable_end_epoch, the whole seconds billsec is computed from.
  LegEpochs epochs;
};

// The SPEC section 4 rule for filling CallEvent::is_originating_leg from an
// event's headers: a leg is the originating one when it has no originator,
// i.e. the event has no `Other-Type: originator` header and no
// `variable_originator`. Pass the values when the headers are present
// (nullopt when absent). Never decide from Call-Direction: attended
// transfers and API-originated calls (two outbound legs) break it. This is
// the test FreeSWITCH's own CDR modules use to tell a B leg.
bool IsOriginatingLeg(std::optional<std::string_view> other_type, std::optional<std::string_view> variable_originator);

}  // namespace tarifador::billing
