#include "base/local_time.h"

#include <catch2/catch.hpp>

namespace tarifador::base {
namespace {

Instant At(std::string_view iso) { return ParseIso8601(iso).value(); }

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
