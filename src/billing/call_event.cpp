#include "billing/call_event.h"

namespace tarifador::billing {

const char* CallEventKindName(CallEventKind kind) {
  switch (kind) {
    case CallEventKind::kCreate: return "create";
    case CallEventKind::kAnswer: return "answer";
    case CallEventKind::kBridge: return "bridge";
    case CallEventKind::kHangup: return "hangup";
    case CallEventKind::kHangupComplete: return "hangup_complete";
  }
  return "create";
}

bool IsOriginatingLeg(std::optional<std::string_view> other_type, std::optional<std::string_view> variable_originator) {
  // An originatee carries "Other-Type: originator" (its other leg originated
  // it) and the channel variable "originator" (the A leg's uuid). An A leg
  // may carry "Other-Type: originatee" once bridged, which does not make it a B leg.
  if (other_type && *other_type == "originator") return false;
  if (variable_originator && !variable_originator->empty()) return false;
  return true;
}

}  // namespace tarifador::billing
