#pragma once
// The box's outbound calls and charges per hour (sql/0015_spend_hours.sql),
// kept in the charges' transactions for the spike detector
// (billing/spike.h). store/ internal helpers on a caller's connection; they
// throw SQLite::Exception as SQLiteCpp does.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "base/money.h"
#include "base/status.h"
#include "base/time.h"
#include "billing/spike.h"
#include "store/writer.h"

namespace SQLite {
class Database;
}

namespace tarifador::store {

// The epoch hour (UTC) of an epoch-microsecond time.
inline int64_t EpochHourOf(int64_t us) { return us / 3'600'000'000; }

// Adds one outbound call started at `start_us` and charged `charged`.
void AddToSpendHourIn(SQLite::Database& db, int64_t start_us, base::Money charged);
// The totals of each of `hours` (epoch hours), in order; zeros for hours
// without calls.
std::vector<billing::HourTotals> SpendHoursIn(SQLite::Database& db, std::span<const int64_t> hours);
// Drops the hours before `hour`: the detector looks back a week.
void PruneSpendHoursIn(SQLite::Database& db, int64_t hour);

// One spike check at `now`, as one writer job: reads this hour and the same
// hour of each of the 7 days before, drops older hours, and raises the
// spend_spike alert (once per hour) when billing::DetectSpike finds one.
// Returns the spike when this call raised its alert, nullopt otherwise;
// Unavailable when the store fails.
base::Result<std::optional<billing::Spike>> RaiseSpendSpike(Writer& writer, base::Instant now,
                                                            const billing::SpikeOptions& options);

}  // namespace tarifador::store
