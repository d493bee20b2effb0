#include "billing/billsec.h"

#include <algorithm>

namespace tarifador::billing {

int64_t ConnectedBillsec(const LegEpochs& epochs, bool needs_far_end) {
  if (epochs.answer_epoch_s <= 0) return 0;                   // never answered: unanswered, whatever else happened
  if (needs_far_end && epochs.bridge_epoch_s <= 0) return 0;  // SPEC 4: the far end never answered
  const int64_t connected_from = std::max(epochs.answer_epoch_s, epochs.bridge_epoch_s);
  return std::max<int64_t>(0, epochs.end_epoch_s - connected_from);
}

}  // namespace tarifador::billing
