#include "sim/call_spec.h"

#include <cmath>

namespace tarifador::sim {

const char* CallKindName(CallKind kind) {
  switch (kind) {
    case CallKind::kOutbound: return "outbound";
    case CallKind::kInternal: return "internal";
    case CallKind::kInbound: return "inbound";
    case CallKind::kTransfer: return "transfer";
  }
  return "outbound";
}

const char* CallOutcomeName(CallOutcome outcome) {
  switch (outcome) {
    case CallOutcome::kAnswered: return "answered";
    case CallOutcome::kBusy: return "busy";
    case CallOutcome::kNoAnswer: return "no_answer";
    case CallOutcome::kRejected: return "rejected";
    case CallOutcome::kFailed: return "failed";
    case CallOutcome::kCancel: return "cancel";
  }
  return "answered";
}

std::optional<CallKind> ParseCallKind(std::string_view text) {
  for (CallKind k : {CallKind::kOutbound, CallKind::kInternal, CallKind::kInbound, CallKind::kTransfer}) {
    if (text == CallKindName(k)) return k;
  }
  return std::nullopt;
}

std::optional<CallOutcome> ParseCallOutcome(std::string_view text) {
  for (CallOutcome o : {CallOutcome::kAnswered, CallOutcome::kBusy, CallOutcome::kNoAnswer, CallOutcome::kRejected,
                        CallOutcome::kFailed, CallOutcome::kCancel}) {
    if (text == CallOutcomeName(o)) return o;
  }
  return std::nullopt;
}

namespace {
bool BadSeconds(double s) { return !std::isfinite(s) || s < 0 || s > 7 * 86400.0; }

bool Digits(std::string_view s, size_t min, size_t max) {
  return s.size() >= min && s.size() <= max && s.find_first_not_of("0123456789") == std::string_view::npos;
}
}  // namespace

bool IsPinCall(const CallSpec& spec) { return spec.pin_call || !spec.pin_id.empty() || !spec.pin.empty(); }

base::Status ValidateCallSpec(const CallSpec& spec) {
  if (spec.caller.empty()) return base::InvalidArgument("call: \"caller\" is empty");
  if (spec.destination.empty()) return base::InvalidArgument("call: \"destination\" is empty");
  if (BadSeconds(spec.ring_s)) return base::InvalidArgument("call: \"ring\" must be 0..604800 seconds");
  if (BadSeconds(spec.talk_s)) return base::InvalidArgument("call: \"talk\" must be 0..604800 seconds");
  if (BadSeconds(spec.ivr_s)) return base::InvalidArgument("call: \"ivr\" must be 0..604800 seconds");
  if (BadSeconds(spec.dialplan_s)) return base::InvalidArgument("call: \"dialplan\" must be 0..604800 seconds");
  if (BadSeconds(spec.consult_s)) return base::InvalidArgument("call: \"consult\" must be 0..604800 seconds");
  if (BadSeconds(spec.after_transfer_s)) {
    return base::InvalidArgument("call: \"after_transfer\" must be 0..604800 seconds");
  }
  if (spec.kind == CallKind::kTransfer && spec.transfer_to.empty()) {
    return base::InvalidArgument("call: \"transfer_to\" is empty");
  }
  if (BadSeconds(spec.pin_s)) return base::InvalidArgument("call: \"pin_s\" must be 0..604800 seconds");
  if (IsPinCall(spec)) {
    // The documented extension (docs/SIM.md "PIN calls"): ^\*7(\+?\d{6,})$,
    // then play_and_get_digits "1 12 ..." for the code number and "4 12 ..."
    // for the code, each with the regex \d+.
    if (spec.kind != CallKind::kOutbound) return base::InvalidArgument("call: a PIN call must be \"outbound\"");
    const std::string_view number =
        spec.destination.rfind('+', 0) == 0 ? std::string_view(spec.destination).substr(1) : spec.destination;
    if (!Digits(number, 6, std::string_view::npos)) {
      return base::InvalidArgument("call: a PIN call's \"destination\" \"" + spec.destination +
                                   "\" must be 6 or more digits, with an optional leading '+'");
    }
    if (!spec.pin_id.empty() && !Digits(spec.pin_id, 1, 12)) {
      return base::InvalidArgument("call: \"pin_id\" \"" + spec.pin_id + "\" must be 1 to 12 digits");
    }
    if (!spec.pin.empty() && !Digits(spec.pin, 4, 12)) {
      return base::InvalidArgument("call: \"pin\" must be 4 to 12 digits");
    }
    if (spec.pin_prefix.empty()) return base::InvalidArgument("call: \"pin_prefix\" is empty");
  }
  return base::Status::Ok();
}

}  // namespace tarifador::sim
