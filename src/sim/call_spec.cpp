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
}  // namespace

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
  return base::Status::Ok();
}

}  // namespace tarifador::sim
