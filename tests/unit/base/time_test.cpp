#include "base/time.h"

#include <catch2/catch.hpp>

using namespace tarifador::base;

TEST_CASE("ISO 8601 formats UTC with Z", "[time]") {
  CHECK(FormatIso8601(Instant::FromSeconds(0)) == "1970-01-01T00:00:00Z");
  CHECK(FormatIso8601(Instant::FromMicros(1'700'000'000'123'456)) == "2023-11-14T22:13:20.123456Z");
  CHECK(FormatIso8601(Instant::FromMicros(-1)) == "1969-12-31T23:59:59.999999Z");
  CHECK(FormatIso8601(Instant::FromSeconds(951'782'400)) == "2000-02-29T00:00:00Z");
}

TEST_CASE("ISO 8601 appends the text FormatIso8601 returns, and parses back", "[time]") {
  std::string out = "a";
  AppendIso8601(out, Instant::FromMicros(1'700'000'000'123'456));
  CHECK(out == "a2023-11-14T22:13:20.123456Z");
  // Every 97 minutes and 13 µs over 30 years, leap days and centuries included.
  for (int64_t us = 946'684'800'000'000; us < 1'893'456'000'000'000; us += 5'820'000'013) {
    const Instant t = Instant::FromMicros(us);
    out.clear();
    AppendIso8601(out, t);
    REQUIRE(out == FormatIso8601(t));
    REQUIRE(ParseIso8601(out)->micros() == us);
  }
}

TEST_CASE("ISO 8601 parses dates, times and offsets", "[time]") {
  CHECK(ParseIso8601("1970-01-01")->micros() == 0);
  CHECK(ParseIso8601("2023-11-14T22:13:20.123456Z")->micros() == 1'700'000'000'123'456);
  CHECK(ParseIso8601("2023-11-14 22:13:20Z")->seconds() == 1'700'000'000);
  CHECK(ParseIso8601("2023-11-14T23:13:20+01:00")->seconds() == 1'700'000'000);
  CHECK(ParseIso8601("2023-11-14T17:13-05:00")->seconds() == 1'699'999'980);
  CHECK(ParseIso8601("2023-11-14T22:13:20.5Z")->micros() == 1'700'000'000'500'000);
}

TEST_CASE("ISO 8601 rejects malformed text", "[time]") {
  for (const char* bad : {"", "2023", "2023-13-01", "2023-02-29", "2023-11-14T22:13:20", "2023-11-14T25:00Z",
                          "2023-11-14T22:13:20Zjunk", "2023-11-14T22:13:20.Z", "x023-11-14"}) {
    INFO(bad);
    CHECK_FALSE(ParseIso8601(bad).ok());
  }
}

TEST_CASE("Format and parse round-trip", "[time]") {
  for (int64_t us : {int64_t{0}, int64_t{1}, int64_t{1'700'000'000'123'456}, int64_t{4'102'444'800'000'000}}) {
    auto t = ParseIso8601(FormatIso8601(Instant::FromMicros(us)));
    REQUIRE(t.ok());
    CHECK(t->micros() == us);
  }
}

TEST_CASE("FakeClock moves only when told", "[time]") {
  FakeClock c(Instant::FromSeconds(10));
  CHECK(c.Now().seconds() == 10);
  c.AdvanceMicros(1'500'000);
  CHECK(c.Now().micros() == 11'500'000);
}

TEST_CASE("Clock times and ranges as settings write them", "[base][time]") {
  CHECK(base::ParseMinuteOfDay("00:00") == 0);
  CHECK(base::ParseMinuteOfDay("08:30") == 510);
  CHECK(base::ParseMinuteOfDay("23:59") == 1439);
  CHECK(base::ParseMinuteOfDay("24:00") == 1440);
  for (const char* bad : {"24:01", "25:00", "12:60", "8:30", "08.30", "0830", "08:3x", "", "-1:00"}) {
    INFO(bad);
    CHECK_FALSE(base::ParseMinuteOfDay(bad).has_value());
  }
  CHECK(base::ParseMinuteRange("22:00-07:00") == std::make_pair(1320, 420));
  CHECK(base::ParseMinuteRange("08:00-20:00") == std::make_pair(480, 1200));
  CHECK_FALSE(base::ParseMinuteRange("08:00 20:00").has_value());
  CHECK_FALSE(base::ParseMinuteRange("08:00-2000").has_value());
  CHECK_FALSE(base::ParseMinuteRange("08:00-20:00x").has_value());
}
