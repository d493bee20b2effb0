#pragma once
// The box's outbound calls and charges per hour (sql/0015_spend_hours.sql),
// kept in the charges' transactions for the spike detector
// (billing/spike.h): the charge's side (in BillCallIn's transaction; throws
// SQLite::Exception as SQLiteCpp does) and the detector's check.
#include <cstdint>
#include <optional>

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

// One spike check at `now`, as one writer job: for this hour and the one
// before (whose calls may still be ending), reads it and the same hour of
// each of the 7 days before, and raises the spend_spike alert (once per
// hour) when billing::DetectSpike finds one; drops older hours. Returns the
// newest spike this call raised an alert for, nullopt when none; Unavailable
// when the store fails.
base::Result<std::optional<billing::Spike>> RaiseSpendSpike(Writer& writer, base::Instant now,
                                                            const billing::SpikeOptions& options);

}  // namespace tarifador::store
