#include "base/local_time.h"

#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace tarifador::base {
namespace {

// Written once by SetOfficeTimeZone before threads start; read afterwards.
std::string& ZoneName() {
  static std::string name;
  return name;
}

// A name to look up in tzdata: has a '/' ("Europe/Madrid", "Etc/GMT+3") or no
// digit ("UTC", "Japan"). Anything else ("CET-1CEST,M3.5.0,M10.5.0/3") is a
// POSIX TZ string the C library interprets itself.
bool IsIanaName(std::string_view tz) {
  if (tz.empty() || tz.front() == ':' || tz.front() == '<') return false;
  if (tz.find('/') != std::string_view::npos && tz.find(',') == std::string_view::npos) return true;
  return tz.find_first_of("0123456789") == std::string_view::npos;
}

bool ZoneFileExists(std::string_view name) {
  const char* dirs[] = {"/usr/share/zoneinfo/", "/usr/lib/zoneinfo/", "/usr/share/lib/zoneinfo/"};
  for (const char* d : dirs) {
    std::string path(d);
    path.append(name);
    if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
      std::fclose(f);
      return true;
    }
  }
  return false;
}

}  // namespace

Status SetOfficeTimeZone(std::string_view tz) {
  if (tz.find('\0') != std::string_view::npos || tz.size() > 200) {
    return InvalidArgument("time_zone: not a time zone name");
  }
  // "UTC" and "GMT" are valid POSIX strings even without tzdata (OpenWrt).
  if (IsIanaName(tz) && tz != "UTC" && tz != "GMT" && !ZoneFileExists(tz)) {
    return InvalidArgument(std::string("time_zone: unknown time zone \"")
                               .append(tz)
                               .append("\" (give an IANA name from /usr/share/zoneinfo or a POSIX TZ string such as "
                                       "\"CET-1CEST,M3.5.0,M10.5.0/3\")"));
  }
  if (tz.empty()) {
    ::unsetenv("TZ");
  } else {
    ::setenv("TZ", std::string(tz).c_str(), 1);
  }
  ::tzset();
  ZoneName() = std::string(tz);
  return Status::Ok();
}

std::string OfficeTimeZoneName() { return ZoneName(); }

LocalTime ToLocal(Instant t) {
  int64_t us = t.micros();
  int64_t secs = us / 1'000'000;
  int64_t frac = us % 1'000'000;
  if (frac < 0) {
    frac += 1'000'000;
    secs -= 1;
  }
  const std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  ::localtime_r(&tt, &tm);
  LocalTime out;
  out.year = tm.tm_year + 1900;
  out.month = tm.tm_mon + 1;
  out.day = tm.tm_mday;
  out.hour = tm.tm_hour;
  out.minute = tm.tm_min;
  out.second = tm.tm_sec;
  out.micros = static_cast<int>(frac);
  out.utc_offset_s = static_cast<int>(tm.tm_gmtoff);
  return out;
}

namespace {

int UtcOffsetAt(int64_t secs) {
  const std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  ::localtime_r(&tt, &tm);
  return static_cast<int>(tm.tm_gmtoff);
}

void SplitMicros(Instant t, int64_t* secs, int64_t* frac) {
  *secs = t.micros() / 1'000'000;
  *frac = t.micros() % 1'000'000;
  if (*frac < 0) {
    *frac += 1'000'000;
    *secs -= 1;
  }
}

// The local digits are the UTC ones shifted by the offset: what localtime_r
// itself computes (tm_gmtoff is defined as local - UTC).
void AppendLocal(std::string& out, int64_t secs, int64_t frac, int offset_s) {
  AppendCivilDateTime(out, secs + offset_s, frac);
  const int a = offset_s < 0 ? -offset_s : offset_s;
  const char sign = offset_s < 0 ? '-' : '+';
  const int h = a / 3600, m = a / 60 % 60;
  const char suffix[] = {sign, static_cast<char>('0' + h / 10), static_cast<char>('0' + h % 10),
                         ':',  static_cast<char>('0' + m / 10), static_cast<char>('0' + m % 10)};
  out.append(suffix, sizeof suffix);
}

}  // namespace

std::string FormatLocalIso8601(Instant t) {
  int64_t secs = 0, frac = 0;
  SplitMicros(t, &secs, &frac);
  std::string out;
  AppendLocal(out, secs, frac, UtcOffsetAt(secs));
  return out;
}

void LocalIso8601Writer::Append(std::string& out, Instant t) {
  int64_t secs = 0, frac = 0;
  SplitMicros(t, &secs, &frac);
  const int64_t hour = secs >= 0 ? secs / 3600 : -((-secs + 3599) / 3600);
  if (hour != cached_hour_) {
    const int first = UtcOffsetAt(hour * 3600);
    const int last = UtcOffsetAt(hour * 3600 + 3599);
    if (first != last) {  // the offset changes inside this hour: ask for this very second
      AppendLocal(out, secs, frac, UtcOffsetAt(secs));
      return;
    }
    cached_hour_ = hour;
    cached_offset_s_ = first;
  }
  AppendLocal(out, secs, frac, cached_offset_s_);
}

Result<Instant> LocalDayStart(int year, int month, int day) {
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1 || day > kDays[month - 1] ||
      (month == 2 && day == 29 && !leap)) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "not a valid date: %04d-%02d-%02d", year, month, day);
    return InvalidArgument(buf);
  }
  // Search the UTC window around the day for the first second whose local
  // date is this day: offsets lie within +-26 h, and a DST jump moves local
  // midnight by at most a few hours, so a coarse-then-fine scan is exact
  // without relying on mktime's handling of skipped or repeated times.
  const int64_t utc_midnight = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400;
  auto before = [&](int64_t s) {
    const LocalTime l = ToLocal(Instant::FromSeconds(s));
    if (l.year != year) return l.year < year;
    if (l.month != month) return l.month < month;
    return l.day < day;
  };
  // Binary search over [utc_midnight - 27h, utc_midnight + 27h]: local date is
  // monotonic in UTC time (it never goes back a whole day).
  int64_t lo = utc_midnight - 27 * 3600;
  int64_t hi = utc_midnight + 27 * 3600;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (before(mid)) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return Instant::FromSeconds(lo);
}

Result<Instant> ParseLocalDateOrInstant(std::string_view text) {
  if (text.size() == 10 && text[4] == '-' && text[7] == '-') {
    int y = 0, m = 0, d = 0;
    for (size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u}) {
      if (text[i] < '0' || text[i] > '9') {
        return InvalidArgument(std::string("not a date (YYYY-MM-DD) or ISO 8601 time: \"").append(text).append("\""));
      }
    }
    y = (text[0] - '0') * 1000 + (text[1] - '0') * 100 + (text[2] - '0') * 10 + (text[3] - '0');
    m = (text[5] - '0') * 10 + (text[6] - '0');
    d = (text[8] - '0') * 10 + (text[9] - '0');
    return LocalDayStart(y, m, d);
  }
  return ParseIso8601(text);
}

}  // namespace tarifador::base
