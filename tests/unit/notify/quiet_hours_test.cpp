// Quiet hours in the office time zone (docs/ALERTS.md "Delivery").
#include "notify/quiet_hours.h"

#include <catch2/catch.hpp>

#include "base/local_time.h"
#include "test_support/office_zone.h"

using namespace tarifador;

namespace {

std::string Until(const char* local, int from, int to) {
  const std::optional<base::Instant> u = notify::QuietUntil(*base::ParseIso8601(local), from, to);
  return u ? base::FormatLocalIso8601(*u) : "-";
}

}  // namespace

TEST_CASE("Quiet hours across midnight end the next morning, or the same morning", "[notify][quiet]") {
  test_support::OfficeZone zone("Europe/Madrid");
  const int from = 22 * 60, to = 7 * 60;
  CHECK(Until("2026-12-07T21:59:00+01:00", from, to) == "-");
  CHECK(Until("2026-12-07T22:00:00+01:00", from, to) == "2026-12-08T07:00:00+01:00");
  CHECK(Until("2026-12-07T23:59:00+01:00", from, to) == "2026-12-08T07:00:00+01:00");
  CHECK(Until("2026-12-08T00:30:00+01:00", from, to) == "2026-12-08T07:00:00+01:00");
  CHECK(Until("2026-12-08T06:59:00+01:00", from, to) == "2026-12-08T07:00:00+01:00");
  CHECK(Until("2026-12-08T07:00:00+01:00", from, to) == "-");
  // The last night of October: the clocks go back at 03:00, the morning is
  // still 07:00 local (counted from the day's start, 25 hours long).
  CHECK(Until("2026-10-24T23:00:00+02:00", from, to) == "2026-10-25T06:00:00+01:00");
}

TEST_CASE("Quiet hours within a day, and none when both ends are equal", "[notify][quiet]") {
  test_support::OfficeZone zone("America/Mexico_City");
  CHECK(Until("2026-12-07T12:30:00-06:00", 12 * 60, 14 * 60) == "2026-12-07T14:00:00-06:00");
  CHECK(Until("2026-12-07T14:00:00-06:00", 12 * 60, 14 * 60) == "-");
  CHECK(Until("2026-12-07T11:59:00-06:00", 12 * 60, 14 * 60) == "-");
  CHECK(Until("2026-12-07T12:30:00-06:00", 600, 600) == "-");
}
