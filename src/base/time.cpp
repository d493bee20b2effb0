#include "base/time.h"

#include <chrono>

namespace tarifador::base {
namespace {

// Howard Hinnant's civil-date algorithms (public domain), exact for all years.
struct Civil {
  int64_t year;
  unsigned month;
  unsigned day;
};

Civil CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {m <= 2 ? y + 1 : y, m, d};
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Reads exactly n digits at s[pos]; false if any is not a digit.
bool Digits(std::string_view s, size_t pos, size_t n, int64_t* out) {
  if (pos + n > s.size()) return false;
  int64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

}  // namespace

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

namespace {

// Writes v as exactly `width` digits at p; returns the end.
char* PutDigits(char* p, int64_t v, int width) {
  for (int i = width - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return p + width;
}

}  // namespace

void AppendCivilDateTime(std::string& out, int64_t secs, int64_t micros) {
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    days -= 1;
  }
  const Civil c = CivilFromDays(days);
  if (c.year < 0 || c.year > 9999) out += std::to_string(c.year);  // outside the documented range: still readable
  // One append of a stack buffer: this runs four times per exported row.
  char buf[32];
  char* p = buf;
  if (c.year >= 0 && c.year <= 9999) p = PutDigits(p, c.year, 4);
  *p++ = '-';
  p = PutDigits(p, c.month, 2);
  *p++ = '-';
  p = PutDigits(p, c.day, 2);
  *p++ = 'T';
  p = PutDigits(p, rem / 3600, 2);
  *p++ = ':';
  p = PutDigits(p, rem / 60 % 60, 2);
  *p++ = ':';
  p = PutDigits(p, rem % 60, 2);
  if (micros != 0) {
    *p++ = '.';
    p = PutDigits(p, micros, 6);
  }
  out.append(buf, p);
}

void AppendIso8601(std::string& out, Instant t) {
  const int64_t us = t.micros();
  int64_t secs = us / 1'000'000;
  int64_t frac = us % 1'000'000;
  if (frac < 0) {
    frac += 1'000'000;
    secs -= 1;
  }
  AppendCivilDateTime(out, secs, frac);
  out += 'Z';
}

std::string FormatIso8601(Instant t) {
  std::string out;
  AppendIso8601(out, t);
  return out;
}

Result<Instant> ParseIso8601(std::string_view s) {
  auto bad = [&](const char* why) { return InvalidArgument("time \"" + std::string(s) + "\" " + why); };
  int64_t y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, frac_us = 0;
  if (!Digits(s, 0, 4, &y) || s.size() < 10 || s[4] != '-' || !Digits(s, 5, 2, &mo) || s[7] != '-' ||
      !Digits(s, 8, 2, &d)) {
    return bad("is not an ISO 8601 date (YYYY-MM-DD)");
  }
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, static_cast<unsigned>(mo))) {
    return bad("is not a valid date");
  }
  size_t pos = 10;
  int64_t offset_s = 0;
  if (pos < s.size()) {
    if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return bad("has junk after the date");
    ++pos;
    if (!Digits(s, pos, 2, &h) || pos + 2 >= s.size() || s[pos + 2] != ':' || !Digits(s, pos + 3, 2, &mi)) {
      return bad("has no valid HH:MM time");
    }
    pos += 5;
    if (pos < s.size() && s[pos] == ':') {
      if (!Digits(s, pos + 1, 2, &sec)) return bad("has invalid seconds");
      pos += 3;
      if (pos < s.size() && s[pos] == '.') {
        ++pos;
        int n = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
          if (n < 6) {
            frac_us = frac_us * 10 + (s[pos] - '0');
            ++n;
          }
          ++pos;
        }
        if (n == 0) return bad("has an empty fraction of a second");
        for (; n < 6; ++n) frac_us *= 10;
      }
    }
    if (h > 23 || mi > 59 || sec > 60) return bad("has an invalid time of day");
    if (pos >= s.size()) return bad("has no time zone (Z or +HH:MM)");
    if (s[pos] == 'Z' || s[pos] == 'z') {
      ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
      int64_t oh = 0, om = 0;
      if (!Digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !Digits(s, pos + 4, 2, &om) ||
          oh > 23 || om > 59) {
        return bad("has an invalid UTC offset");
      }
      offset_s = (oh * 3600 + om * 60) * (s[pos] == '-' ? -1 : 1);
      pos += 6;
    } else {
      return bad("has an invalid time zone");
    }
    if (pos != s.size()) return bad("has junk after the time");
  }
  const int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  const int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - offset_s;
  return Instant::FromMicros(secs * 1'000'000 + frac_us);
}

Instant SystemClock::Now() const {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return Instant::FromMicros(std::chrono::duration_cast<std::chrono::microseconds>(now).count());
}

std::optional<int> ParseMinuteOfDay(std::string_view hh_mm) {
  if (hh_mm.size() != 5 || hh_mm[2] != ':') return std::nullopt;
  for (size_t i : {0, 1, 3, 4}) {
    if (hh_mm[i] < '0' || hh_mm[i] > '9') return std::nullopt;
  }
  const int hours = (hh_mm[0] - '0') * 10 + (hh_mm[1] - '0');
  const int minutes = (hh_mm[3] - '0') * 10 + (hh_mm[4] - '0');
  if (minutes > 59 || hours * 60 + minutes > 24 * 60) return std::nullopt;
  return hours * 60 + minutes;
}

std::optional<std::pair<int, int>> ParseMinuteRange(std::string_view text) {
  if (text.size() != 11 || text[5] != '-') return std::nullopt;
  const std::optional<int> from = ParseMinuteOfDay(text.substr(0, 5));
  const std::optional<int> to = ParseMinuteOfDay(text.substr(6, 5));
  if (!from || !to) return std::nullopt;
  return std::make_pair(*from, *to);
}

}  // namespace tarifador::base
