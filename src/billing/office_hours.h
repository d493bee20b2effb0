#pragma once
// The office's opening hours, in the office time zone: the toll-fraud guard
// that refuses international calls outside them (docs/BILLING.md "Toll-fraud
// guards"), the hours when a hijacked PBX is dialled and nobody is there.
#include <cstdint>
#include <string>
#include <vector>

#include "base/time.h"

namespace tarifador::billing {

struct OfficeHours {
  int from_minute = 8 * 60;  // minutes after local midnight; from < to
  int to_minute = 20 * 60;
  uint8_t days = 0x1f;                // bit 0 Monday .. bit 6 Sunday; Monday to Friday by default
  std::vector<std::string> holidays;  // "YYYY-MM-DD", closed all day
  bool operator==(const OfficeHours&) const = default;
};

// True when the office is open at `at`: a listed day that is not a holiday,
// from from_minute (inclusive) to to_minute (exclusive), local time.
bool OfficeOpen(const OfficeHours& hours, base::Instant at);

}  // namespace tarifador::billing
