#include "billing/office_hours.h"

#include <algorithm>
#include <cstdio>

#include "base/local_time.h"

namespace tarifador::billing {

bool OfficeOpen(const OfficeHours& hours, base::Instant at) {
  const base::LocalTime t = base::ToLocal(at);
  // 1970-01-01 was a Thursday: day 0 is weekday 3 counting Monday as 0.
  const int64_t days = base::DaysFromCivil(t.year, static_cast<unsigned>(t.month), static_cast<unsigned>(t.day));
  const int weekday = static_cast<int>(((days % 7) + 7 + 3) % 7);
  if ((hours.days & (1u << weekday)) == 0) return false;
  char date[16];
  std::snprintf(date, sizeof date, "%04d-%02d-%02d", t.year, t.month, t.day);
  if (std::find(hours.holidays.begin(), hours.holidays.end(), date) != hours.holidays.end()) return false;
  const int minute = t.hour * 60 + t.minute;
  return minute >= hours.from_minute && minute < hours.to_minute;
}

}  // namespace tarifador::billing
