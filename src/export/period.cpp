#include "export/period.h"

#include <cstdio>

#include "base/local_time.h"

namespace tarifador::exports {
namespace {

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

}  // namespace

const char* PeriodKindName(PeriodKind kind) { return kind == PeriodKind::kDaily ? "daily" : "monthly"; }

std::string Period::Key() const {
  char buf[32];
  if (kind == PeriodKind::kDaily) {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, month, day);
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02d", year, month);
  }
  return buf;
}

std::string Period::FileName() const { return std::string("cdrs-").append(Key()).append(".csv"); }

Period PeriodContaining(PeriodKind kind, base::Instant t) {
  const base::LocalTime local = base::ToLocal(t);
  return Period{kind, local.year, local.month, kind == PeriodKind::kDaily ? local.day : 1};
}

Period NextPeriod(const Period& p) {
  Period n = p;
  if (p.kind == PeriodKind::kDaily && p.day < DaysInMonth(p.year, p.month)) {
    ++n.day;
    return n;
  }
  n.day = 1;
  if (++n.month > 12) {
    n.month = 1;
    ++n.year;
  }
  return n;
}

base::Result<base::Instant> PeriodStart(const Period& p) { return base::LocalDayStart(p.year, p.month, p.day); }

base::Result<base::Instant> PeriodEnd(const Period& p) { return PeriodStart(NextPeriod(p)); }

base::Result<Period> ParseDay(std::string_view text) {
  int y = 0;
  int m = 0;
  int d = 0;
  char tail = 0;
  const std::string s(text);
  if (s.size() != 10 || std::sscanf(s.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || s[4] != '-' || s[7] != '-' ||
      m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, m) || y < 1970) {
    return base::InvalidArgument("\"" + s + "\" is not a date YYYY-MM-DD");
  }
  return Period{PeriodKind::kDaily, y, m, d};
}

}  // namespace tarifador::exports
