#pragma once
// What one simulated call does: who calls whom, how long it rings and talks,
// and how it ends. The fake switch turns a CallSpec into the channel events
// FreeSWITCH would emit for it (docs/SIM.md lists each scenario's events).
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace tarifador::sim {

enum class CallKind {
  kOutbound,  // extension -> gateway (A inbound from the phone, B outbound to the gateway)
  kInternal,  // extension -> extension
  kInbound,   // gateway -> extension
  kTransfer,  // extension -> gateway, then the callee attended-transfers to a third party (3 legs)
};

enum class CallOutcome {
  kAnswered,  // the far end answers; the call talks for talk_s
  kBusy,      // USER_BUSY
  kNoAnswer,  // NO_ANSWER after ring_s
  kRejected,  // CALL_REJECTED
  kFailed,    // NORMAL_TEMPORARY_FAILURE (or `cause`)
  kCancel,    // the caller gives up while the far end rings: B gets ORIGINATOR_CANCEL
};

enum class HangupBy { kCaller, kCallee };

// Stable lower-case names ("outbound", "no_answer", "caller") used in the
// scenario format and the summary.
const char* CallKindName(CallKind kind);
const char* CallOutcomeName(CallOutcome outcome);
std::optional<CallKind> ParseCallKind(std::string_view text);
std::optional<CallOutcome> ParseCallOutcome(std::string_view text);

struct CallSpec {
  CallKind kind = CallKind::kOutbound;
  std::string caller = "1001";                // extension, or the outside number for kInbound
  std::string destination = "0034911234567";  // dialled number, or the extension for kInbound
  std::string gateway = "gw1";                // used by kOutbound/kTransfer (B leg) and kInbound (A leg)
  double ring_s = 2.0;                        // from B's CREATE to its answer or failure
  double talk_s = 30.0;                       // answered calls: from the bridge to the hangup
  CallOutcome outcome = CallOutcome::kAnswered;
  std::string cause;  // overrides the far end's hangup cause for failures
  // The dialplan answers the caller first (IVR, `answer` before `bridge`):
  // A is answered ivr_s before B is created, as in captures Example1/3/5.
  bool early_answer = false;
  double ivr_s = 3.0;
  // From the caller's CHANNEL_CREATE to the far end's (the dialplan's run to
  // its bridge). 0 with ring_s 0: the far end is created, answers and is
  // bridged in one step right after the CREATE, before any command a biller
  // sends about that CREATE can land (a real dialplan bridges within
  // milliseconds; an IVR answers at once).
  double dialplan_s = 0.1;
  HangupBy hangup_by = HangupBy::kCaller;
  // kTransfer: the third party, how long B consults it before completing the
  // transfer, and how long A then talks with C (talk_s is A-B before the consult).
  std::string transfer_to = "1003";
  double consult_s = 5.0;
  double after_transfer_s = 20.0;
  // A PIN call (docs/SIM.md "PIN calls", as FreeSWITCH 1.10.12 runs the
  // documented tarifador_pin extension): the caller dials pin_prefix +
  // destination; the dialplan plays its prompts as early media (the caller's
  // leg is pre-answered, never answered by them), collects the code number
  // into tarifador_pin_id and the digits into tarifador_pin, and after pin_s
  // seconds transfers the call to `destination`, which then goes on as any
  // outbound call (the dialplan's socket, the gate, the bridge). It is a PIN
  // call when pin_call is set or pin_id or pin is not empty; an empty pin_id
  // (pin) means the caller keyed nothing for it and its variable stays unset
  // (play_and_get_digits sets nothing then). Outbound calls only.
  bool pin_call = false;
  std::string pin_id;  // 1-12 digits keyed for the code number, or empty
  std::string pin;     // 4-12 digits keyed for the code, or empty
  double pin_s = 4.0;  // from the caller's CHANNEL_CREATE to the transfer
  std::string pin_prefix = "*7";
  // Fixed leg uuids; empty means generated from the sim's seeded RNG.
  std::string a_uuid;
  std::string b_uuid;
  std::string c_uuid;
};

// Whether `spec` is a PIN call: pin_call set, or pin_id or pin not empty.
bool IsPinCall(const CallSpec& spec);

// Checks a spec (non-negative finite times, non-empty numbers; a PIN call
// must be outbound, to a number of 6 or more digits with an optional '+' as
// the documented extension's regex takes it, with pin_id 1-12 digits and pin
// 4-12 digits when given, and a non-empty pin_prefix); InvalidArgument
// naming the bad field.
base::Status ValidateCallSpec(const CallSpec& spec);

}  // namespace tarifador::sim
