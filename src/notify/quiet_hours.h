#pragma once
// A recipient's quiet hours (docs/ALERTS.md "Delivery"): deliveries due inside
// them wait until they end, in the office time zone.
#include <optional>

#include "base/time.h"

namespace tarifador::notify {

// When `now` falls in the quiet hours [from, to) (minutes after local
// midnight; from > to spans midnight, from == to is none), the instant they
// end; otherwise nullopt. The end is counted from the local day's start, so a
// night with a DST change ends an hour early or late.
std::optional<base::Instant> QuietUntil(base::Instant now, int from_minute, int to_minute);

}  // namespace tarifador::notify
