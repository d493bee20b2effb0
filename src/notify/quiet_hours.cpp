#include "notify/quiet_hours.h"

#include "base/local_time.h"

namespace tarifador::notify {
namespace {

constexpr int64_t kMinuteUs = 60'000'000;

std::optional<base::Instant> DayStart(const base::LocalTime& t) {
  base::Result<base::Instant> start = base::LocalDayStart(t.year, t.month, t.day);
  if (!start.ok()) return std::nullopt;
  return *start;
}

}  // namespace

std::optional<base::Instant> QuietUntil(base::Instant now, int from_minute, int to_minute) {
  if (from_minute == to_minute) return std::nullopt;
  const base::LocalTime local = base::ToLocal(now);
  const int minute = local.hour * 60 + local.minute;
  const bool spans_midnight = from_minute > to_minute;
  const bool quiet =
      spans_midnight ? (minute >= from_minute || minute < to_minute) : (minute >= from_minute && minute < to_minute);
  if (!quiet) return std::nullopt;
  std::optional<base::Instant> today = DayStart(local);
  if (!today) return std::nullopt;
  if (spans_midnight && minute >= from_minute) {
    // The quiet hours end tomorrow: the local date 26 hours after today's
    // start is tomorrow's on any day, DST or not.
    std::optional<base::Instant> tomorrow =
        DayStart(base::ToLocal(base::Instant::FromMicros(today->micros() + 26 * 60 * kMinuteUs)));
    if (!tomorrow) return std::nullopt;
    return base::Instant::FromMicros(tomorrow->micros() + to_minute * kMinuteUs);
  }
  return base::Instant::FromMicros(today->micros() + to_minute * kMinuteUs);
}

}  // namespace tarifador::notify
