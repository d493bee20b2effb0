// Office hours in the office time zone: weekdays, holidays, DST
// (docs/BILLING.md "Toll-fraud guards").
#include "billing/office_hours.h"

#include <catch2/catch.hpp>

#include "test_support/office_zone.h"

using namespace tarifador;

namespace {

bool Open(const billing::OfficeHours& h, const char* local) {
  return billing::OfficeOpen(h, *base::ParseIso8601(local));
}

}  // namespace

TEST_CASE("The office is open on its days, within its hours, not on holidays", "[billing][guards]") {
  test_support::OfficeZone zone("Europe/Madrid");
  billing::OfficeHours h;  // 08:00-20:00, Monday to Friday
  h.holidays = {"2026-12-08"};
  CHECK(Open(h, "2026-12-07T08:00:00+01:00"));  // Monday, opening minute
  CHECK(Open(h, "2026-12-07T19:59:59+01:00"));
  CHECK_FALSE(Open(h, "2026-12-07T20:00:00+01:00"));  // closing minute is closed
  CHECK_FALSE(Open(h, "2026-12-07T07:59:00+01:00"));
  CHECK_FALSE(Open(h, "2026-12-07T03:00:00+01:00"));  // the night
  CHECK_FALSE(Open(h, "2026-12-08T10:00:00+01:00"));  // a holiday (Tuesday)
  CHECK(Open(h, "2026-12-11T10:00:00+01:00"));        // Friday
  CHECK_FALSE(Open(h, "2026-12-12T10:00:00+01:00"));  // Saturday
  CHECK_FALSE(Open(h, "2026-12-13T10:00:00+01:00"));  // Sunday
  // The hours are local: 07:30 UTC is 08:30 in winter, 09:30 in summer.
  CHECK(Open(h, "2026-12-07T07:30:00Z"));
  CHECK_FALSE(Open(h, "2026-12-07T19:30:00Z"));  // 20:30 local
  CHECK(Open(h, "2026-06-01T17:30:00Z"));        // 19:30 CEST, a Monday
  CHECK_FALSE(Open(h, "2026-06-01T18:30:00Z"));  // 20:30 CEST
  // Weekend offices: Saturday only.
  h.days = 1u << 5;
  CHECK(Open(h, "2026-12-12T10:00:00+01:00"));
  CHECK_FALSE(Open(h, "2026-12-07T10:00:00+01:00"));
}

TEST_CASE("A Monday is a Monday in Mexico City and before 1970", "[billing][guards]") {
  test_support::OfficeZone zone("America/Mexico_City");
  billing::OfficeHours h;
  h.days = 1u << 0;                                   // Monday only
  CHECK(Open(h, "2026-12-07T09:00:00-06:00"));        // Monday
  CHECK_FALSE(Open(h, "2026-12-07T03:00:00Z"));       // Sunday 21:00 local
  CHECK(Open(h, "1969-12-29T12:00:00-06:00"));        // a Monday before the epoch
  CHECK_FALSE(Open(h, "1969-12-30T12:00:00-06:00"));  // Tuesday
}
