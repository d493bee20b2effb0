#pragma once
// Export periods (docs/EXPORT.md "Schedule"): a local civil day or month of the
// office time zone (base/local_time.h), as a half-open UTC range. A DST day
// is 23 or 25 hours long; periods still tile time without gaps or overlaps.
#include <string>

#include "base/status.h"
#include "base/time.h"

namespace tarifador::exports {

enum class PeriodKind { kDaily, kMonthly };

// "daily", "monthly".
const char* PeriodKindName(PeriodKind kind);

struct Period {
  PeriodKind kind = PeriodKind::kDaily;
  int year = 1970;
  int month = 1;
  int day = 1;  // 1 for a month

  // "2026-11-21" (daily) or "2026-11" (monthly).
  std::string Key() const;
  // "cdrs-2026-11-21.csv" / "cdrs-2026-11.csv".
  std::string FileName() const;
  bool operator==(const Period&) const = default;
};

// The period of `kind` that contains `t` (office time zone). Thread-safe.
Period PeriodContaining(PeriodKind kind, base::Instant t);
// The period right after `p`.
Period NextPeriod(const Period& p);
// [start, end) of `p` in UTC. Fails only for dates out of range.
base::Result<base::Instant> PeriodStart(const Period& p);
base::Result<base::Instant> PeriodEnd(const Period& p);

// Parses "YYYY-MM-DD" into a daily period; InvalidArgument naming the text.
base::Result<Period> ParseDay(std::string_view text);

}  // namespace tarifador::exports
