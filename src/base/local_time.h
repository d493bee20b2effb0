#pragma once
// The office time zone: where reports, day/month export periods and the CSV's
// local times are counted. Storage stays UTC (SPEC section 1); only the edges
// speak local time.
//
// The zone is the process's own (the C library's TZ), set once from the
// config key `time_zone` at start, before any thread exists: glibc and musl
// (OpenWrt) both understand IANA names and POSIX TZ strings, and both keep
// their zone rules current through the system's tzdata or /etc/TZ, which a
// hand-written rule table would not.
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "base/time.h"

namespace tarifador::base {

// Sets the process's time zone. `tz`: an IANA name ("Europe/Madrid"), a POSIX
// TZ string ("CET-1CEST,M3.5.0,M10.5.0/3") or "" for the box's own
// (/etc/localtime). An IANA name that the system does not know fails with
// InvalidArgument naming it (glibc would silently fall back to UTC). Not
// thread-safe: call it before starting threads (main, or a test's setup).
Status SetOfficeTimeZone(std::string_view tz);

// The name given to SetOfficeTimeZone ("" = the box's own): for reports.
std::string OfficeTimeZoneName();

// A wall-clock reading in the office time zone.
struct LocalTime {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
  int hour = 0;
  int minute = 0;
  int second = 0;
  int micros = 0;
  int utc_offset_s = 0;  // local - UTC, e.g. 3600 for CET
};

// The local reading of `t`. Thread-safe.
LocalTime ToLocal(Instant t);

// "2026-11-22T10:15:03+01:00" (".123456" before the offset when the instant
// has microseconds; "+00:00" in UTC). Thread-safe.
std::string FormatLocalIso8601(Instant t);

// Appends FormatLocalIso8601(t) to `out`, fast for many instants in order (the
// CSV export): it remembers the UTC offset of the last UTC hour it saw, and
// trusts it only when the offset at both ends of that hour is the same (no
// zone changes its offset twice within an hour), so DST days stay exact. One
// per thread: not thread-safe.
class LocalIso8601Writer {
 public:
  void Append(std::string& out, Instant t);

 private:
  int64_t cached_hour_ = INT64_MIN;  // UTC hours since the epoch
  int cached_offset_s_ = 0;
};

// The instant at which the local civil day y-m-d begins (its first existing
// second: 00:00 where a DST change skips midnight, the earlier 00:00 where
// one repeats it). Fails with InvalidArgument for an invalid date. Thread-safe.
Result<Instant> LocalDayStart(int year, int month, int day);

// Parses "YYYY-MM-DD" as the start of that local day, or any full timestamp
// ParseIso8601 accepts (with Z or an offset) as that instant. Fails with
// InvalidArgument naming the text.
Result<Instant> ParseLocalDateOrInstant(std::string_view text);

}  // namespace tarifador::base
