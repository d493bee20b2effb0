#include "base/local_time.h"

#include <catch2/catch.hpp>
#include <cstdio>

namespace tarifador::base {
namespace {

Instant At(std::string_view iso) { return ParseIso8601(iso).value(); }

// What FormatLocalIso8601 must say, built from the C library's reading alone.
std::string Reference(Instant t) {
  const LocalTime l = ToLocal(t);
  const int a = l.utc_offset_s < 0 ? -l.utc_offset_s : l.utc_offset_s;
  char buf[64];
  if (l.micros == 0) {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", l.year, l.month, l.day, l.hour, l.minute,
                  l.second, l.utc_offset_s < 0 ? '-' : '+', a / 3600, a / 60 % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06d%c%02d:%02d", l.year, l.month, l.day, l.hour,
                  l.minute, l.second, l.micros, l.utc_offset_s < 0 ? '-' : '+', a / 3600, a / 60 % 60);
  }
  return buf;
}

}  // namespace

TEST_CASE("local time: UTC office") {
  REQUIRE(SetOfficeTimeZone("UTC").ok());
  CHECK(FormatLocalIso8601(At("2026-11-22T10:15:03Z")) == "2026-11-22T10:15:03+00:00");
  CHECK(LocalDayStart(2026, 11, 22).value() == At("2026-11-22T00:00:00Z"));
  CHECK(OfficeTimeZoneName() == "UTC");
}

TEST_CASE("local time: Madrid across both DST changes") {
  REQUIRE(SetOfficeTimeZone("Europe/Madrid").ok());
  CHECK(FormatLocalIso8601(At("2026-01-15T12:00:00Z")) == "2026-01-15T13:00:00+01:00");
  CHECK(FormatLocalIso8601(At("2026-07-15T12:00:00.250000Z")) == "2026-07-15T14:00:00.250000+02:00");
  const LocalTime l = ToLocal(At("2026-07-15T23:30:00Z"));
  CHECK(l.day == 16);
  CHECK(l.hour == 1);
  CHECK(l.utc_offset_s == 7200);
  // 2026-03-29: clocks go 02:00 -> 03:00; the day still starts at local midnight.
  CHECK(LocalDayStart(2026, 3, 29).value() == At("2026-03-28T23:00:00Z"));
  CHECK(LocalDayStart(2026, 3, 30).value() == At("2026-03-29T22:00:00Z"));
  CHECK(LocalDayStart(2026, 10, 25).value() == At("2026-10-24T22:00:00Z"));
  CHECK(LocalDayStart(2026, 10, 26).value() == At("2026-10-25T23:00:00Z"));
}

TEST_CASE("local time: a POSIX TZ string works without tzdata") {
  REQUIRE(SetOfficeTimeZone("<-03>3").ok());
  CHECK(FormatLocalIso8601(At("2026-11-22T02:00:00Z")) == "2026-11-21T23:00:00-03:00");
  CHECK(LocalDayStart(2026, 11, 22).value() == At("2026-11-22T03:00:00Z"));
}

TEST_CASE("local time: a zone where DST skips midnight starts the day at 01:00") {
  // America/Santiago: 2026-09-06 00:00 does not exist (clocks jump to 01:00).
  REQUIRE(SetOfficeTimeZone("America/Santiago").ok());
  const Instant start = LocalDayStart(2026, 9, 6).value();
  const LocalTime l = ToLocal(start);
  CHECK(l.day == 6);
  CHECK(l.hour == 1);
  CHECK(ToLocal(Instant::FromMicros(start.micros() - 1'000'000)).day == 5);
}

TEST_CASE("local time: the cached writer agrees with the C library on and around every DST change") {
  // Madrid (1 h at 01:00 UTC), Lord Howe (a 30-minute change), Kathmandu
  // (+05:45), Santiago (midnight skipped) and a POSIX string with rules.
  const char* zones[] = {"Europe/Madrid", "Australia/Lord_Howe", "Asia/Kathmandu", "America/Santiago",
                         "CET-1CEST,M3.5.0,M10.5.0/3"};
  for (const char* zone : zones) {
    INFO(zone);
    REQUIRE(SetOfficeTimeZone(zone).ok());
    LocalIso8601Writer in_order;
    LocalIso8601Writer jumping;
    std::string a, b;
    // A whole year in steps of 7 min 3.000017 s: crosses every change twice,
    // minutes on both sides; `jumping` goes back and forth between halves.
    const int64_t from = At("2026-01-01T00:00:00Z").micros();
    const int64_t step = 423'000'017;
    const int64_t n = 365LL * 86'400'000'000 / step;
    for (int64_t i = 0; i < n; ++i) {
      const Instant t = Instant::FromMicros(from + i * step);
      const Instant u = Instant::FromMicros(from + ((i % 2 == 0) ? i : n - i) * step);
      a.clear();
      b.clear();
      in_order.Append(a, t);
      jumping.Append(b, u);
      REQUIRE(a == Reference(t));
      REQUIRE(b == Reference(u));
      REQUIRE(FormatLocalIso8601(t) == a);
    }
    // The seconds right at Madrid's changes: 2026-03-29T01:00:00Z, 2026-10-25T01:00:00Z.
    for (const char* iso :
         {"2026-03-29T00:59:59Z", "2026-03-29T01:00:00Z", "2026-10-25T00:59:59.999999Z", "2026-10-25T01:00:00Z"}) {
      a.clear();
      in_order.Append(a, At(iso));
      CHECK(a == Reference(At(iso)));
    }
  }
}

TEST_CASE("local time: bad zones and dates are refused") {
  REQUIRE(SetOfficeTimeZone("UTC").ok());
  const Status st = SetOfficeTimeZone("Mars/Olympus_Mons");
  CHECK(st.code() == StatusCode::kInvalidArgument);
  CHECK(st.message().find("Mars/Olympus_Mons") != std::string::npos);
  CHECK(OfficeTimeZoneName() == "UTC");  // unchanged
  CHECK(LocalDayStart(2026, 2, 29).status().code() == StatusCode::kInvalidArgument);
  CHECK(LocalDayStart(2026, 13, 1).status().code() == StatusCode::kInvalidArgument);
  CHECK(LocalDayStart(2024, 2, 29).ok());
}

TEST_CASE("local time: dates and instants in query strings") {
  REQUIRE(SetOfficeTimeZone("Europe/Madrid").ok());
  CHECK(ParseLocalDateOrInstant("2026-11-22").value() == At("2026-11-21T23:00:00Z"));
  CHECK(ParseLocalDateOrInstant("2026-11-22T10:00:00Z").value() == At("2026-11-22T10:00:00Z"));
  CHECK(!ParseLocalDateOrInstant("2026-1x-22").ok());
  CHECK(!ParseLocalDateOrInstant("yesterday").ok());
}

}  // namespace tarifador::base
