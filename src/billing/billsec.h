#pragma once
// The billsec rule (SPEC section 4): what part of a call is paid for.
#include <cstdint>

namespace tarifador::billing {

// The epochs FreeSWITCH reports on the originating leg's
// CHANNEL_HANGUP_COMPLETE, in its own whole seconds; 0 means "never happened"
// (FreeSWITCH leaves unset epochs at 0).
struct LegEpochs {
  int64_t answer_epoch_s = 0;  // variable_answer_epoch: this leg answered (by the far end or the dialplan)
  int64_t bridge_epoch_s = 0;  // variable_bridge_epoch: bridged to a far end that answered
  int64_t end_epoch_s = 0;     // variable_end_epoch
};

// The connected seconds a call is billed for:
//   end_epoch - max(answer_epoch, bridge_epoch), never negative,
// and 0 when the leg was never answered. When `needs_far_end` is true (an
// outbound or internal call: what is paid for is talking to the far end) a
// call that was never bridged also gives 0, even if the dialplan answered the
// caller's leg (an IVR or `answer` before `bridge`): otherwise the caller
// would pay for listening to the IVR and for a far end that never picked up.
// The max() leaves out the IVR time before the bridge; when the leg was
// answered only by the bridge the two epochs are equal and this is
// FreeSWITCH's own variable_billsec. Pure; thread-safe.
int64_t ConnectedBillsec(const LegEpochs& epochs, bool needs_far_end);

}  // namespace tarifador::billing
