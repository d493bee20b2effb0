#pragma once
// SwitchClock: FreeSWITCH's clock as tarifador can know it, so that money
// never depends on the box's clock agreeing with the switch's (SPEC 4).
//
// FreeSWITCH stamps every event (Event-Date-Timestamp) and counts billsec
// and `sched_hangup +N` on its own clock. Deciding when a connected call has
// used up its paid seconds therefore needs FreeSWITCH's "now", not the
// box's: with the switch 10 minutes ahead, the box's clock says every call
// still has 10 minutes paid. The estimate is the stamp of the latest event
// carried forward on the box's monotonic clock from when that event was
// received, so it follows a switch whose clock is ahead, behind, or stepped,
// and ignores a step of the box's own wall clock. It lags the switch by the
// event's delivery time (milliseconds on one host). Stamps are coarse (a
// burst of events shares one) and some events wait in a queue, so a stamp
// only moves the estimate forward; one more than kStepBack behind it means
// FreeSWITCH's clock was set back, and is believed.
//
// Thread-safe: the ESL reader observes, the billing thread and the status
// API read.
#include <cstdint>
#include <mutex>
#include <optional>

#include "base/steady_clock.h"
#include "base/time.h"

namespace tarifador::billing {

class SwitchClock {
 public:
  // Borrows both clocks; they must outlive this object.
  SwitchClock(const base::SteadyClock& steady, const base::Clock& wall);

  // How far behind the estimate a stamp must be to mean that FreeSWITCH's
  // clock was set back rather than that the event was late.
  static constexpr int64_t kStepBackUs = 2'000'000;

  // An event stamped `event_us` (epoch microseconds on FreeSWITCH's clock)
  // has just been received. Stamps <= 0 are ignored.
  void Observe(int64_t event_us);

  // FreeSWITCH's time now: the latest event's stamp plus the monotonic time
  // since it was received. The box's wall clock before any event.
  base::Instant Now() const;

  // `box` (an instant on the box's wall clock) on FreeSWITCH's clock.
  base::Instant FromBox(base::Instant box) const;

  // FreeSWITCH's clock minus the box's wall clock, in microseconds (positive:
  // the switch is ahead), as of the estimate; nullopt before any event.
  std::optional<int64_t> offset_us() const;

 private:
  const base::SteadyClock& steady_;
  const base::Clock& wall_;
  mutable std::mutex mu_;
  bool observed_ = false;
  int64_t event_us_ = 0;
  base::SteadyClock::TimePoint received_;
};

}  // namespace tarifador::billing
