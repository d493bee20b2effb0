#include "billing/backfill_check.h"

#include <algorithm>
#include <string>

#include "billing/billsec.h"

namespace tarifador::billing {
namespace {

std::string At(int64_t us) { return base::FormatIso8601(base::Instant::FromMicros(us)); }

// An epoch variable must be the floor of its microsecond time (FreeSWITCH
// derives one from the other); either may be absent (0).
bool EpochAgrees(int64_t epoch_s, int64_t us) {
  if (epoch_s == 0 || us == 0) return epoch_s == 0 || us == 0;
  return epoch_s == base::Instant::FromMicros(us).seconds();
}

}  // namespace

base::Status CheckBackfillTimes(const CallEvent& e, base::Instant switch_now, const BackfillLimits& limits) {
  if (!e.is_originating_leg) return base::Status::Ok();
  const std::string leg = "CDR of leg " + e.leg.value + ": ";
  const auto refuse = [&](const std::string& why) { return base::InvalidArgument(leg + why + "; nothing billed"); };
  const int64_t start = e.created_us;
  const int64_t end = e.ended_us != 0 ? e.ended_us : e.event_us;
  if (start <= 0) return refuse("no start time (start_uepoch)");
  if (end <= 0) return refuse("no end time (end_uepoch)");
  if (end < start) return refuse("it ends (" + At(end) + ") before it starts (" + At(start) + ")");
  for (const auto& [name, us] :
       {std::pair<const char*, int64_t>{"answered", e.answered_us}, {"bridged", e.bridged_us}}) {
    if (us == 0) continue;
    if (us < start)
      return refuse(std::string("it was ") + name + " (" + At(us) + ") before it started (" + At(start) + ")");
    if (us > end) return refuse(std::string("it was ") + name + " (" + At(us) + ") after it ended (" + At(end) + ")");
  }
  if (!EpochAgrees(e.epochs.answer_epoch_s, e.answered_us) || !EpochAgrees(e.epochs.bridge_epoch_s, e.bridged_us) ||
      !EpochAgrees(e.epochs.end_epoch_s, end)) {
    return refuse("its *_epoch and *_uepoch times disagree");
  }
  if ((e.epochs.answer_epoch_s != 0 && e.answered_us == 0) || (e.epochs.bridge_epoch_s != 0 && e.bridged_us == 0)) {
    return refuse("it has an answer or bridge epoch without its microsecond time");
  }
  const int64_t duration_s = (end - start) / 1'000'000 + 1;
  const LegEpochs epochs{e.epochs.answer_epoch_s, e.epochs.bridge_epoch_s,
                         e.epochs.end_epoch_s != 0 ? e.epochs.end_epoch_s : base::Instant::FromMicros(end).seconds()};
  const int64_t billsec = ConnectedBillsec(epochs, /*needs_far_end=*/false);
  if (billsec > duration_s) {
    return refuse("its billsec (" + std::to_string(billsec) + " s) exceeds its duration (" +
                  std::to_string(duration_s) + " s)");
  }
  if (billsec > limits.max_call_seconds || duration_s - 1 > limits.max_call_seconds) {
    return refuse("it lasts longer than billing.max_call_seconds (" + std::to_string(limits.max_call_seconds) + " s)");
  }
  const int64_t now = switch_now.micros();
  if (end > now + limits.max_ahead_s * 1'000'000) {
    return refuse("it ends (" + At(end) + ") more than " + std::to_string(limits.max_ahead_s) +
                  " s after FreeSWITCH's clock now (" + At(now) + ")");
  }
  if (start < BackfillLimits::kNotBeforeUs) {
    return refuse("it started (" + At(start) + ") before 2000-01-01");
  }
  if (limits.max_age_s > 0 && start < now - limits.max_age_s * 1'000'000) {
    return refuse("it started (" + At(start) + ") more than " + std::to_string(limits.max_age_s / 86'400) +
                  " days before FreeSWITCH's clock now (" + At(now) + ")");
  }
  return base::Status::Ok();
}

}  // namespace tarifador::billing
