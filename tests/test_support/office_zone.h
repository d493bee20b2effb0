#pragma once
// Sets the office time zone (base::SetOfficeTimeZone) for one test and puts
// the previous one back, so tests of months and days do not depend on the
// machine's zone or on each other.
#include <catch2/catch.hpp>
#include <string>

#include "base/local_time.h"

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

}  // namespace tarifador::test_support
