#pragma once
// Sets the office time zone (base::SetOfficeTimeZone) for one test and puts
// the previous one back, so tests of months and days do not depend on the
// machine's zone or on each other. Also Utc(), the instant an ISO 8601
// text names, for the tests that place calls at office times.
#include <catch2/catch.hpp>
#include <string>
#include <string_view>

#include "base/local_time.h"
#include "base/time.h"

namespace tarifador::test_support {

class OfficeZone {
 public:
  explicit OfficeZone(const char* tz) { REQUIRE(base::SetOfficeTimeZone(tz).ok()); }
  ~OfficeZone() { (void)base::SetOfficeTimeZone(previous_); }
  OfficeZone(const OfficeZone&) = delete;
  OfficeZone& operator=(const OfficeZone&) = delete;

 private:
  std::string previous_ = base::OfficeTimeZoneName();
};

// "2026-12-31T22:00:00Z" (or with an offset) as an instant; the test fails
// on a malformed text.
inline base::Instant Utc(std::string_view iso) {
  auto t = base::ParseIso8601(iso);
  REQUIRE(t.ok());
  return *t;
}

}  // namespace tarifador::test_support
