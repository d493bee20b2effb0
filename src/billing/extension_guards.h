#pragma once
// An extension's own toll-fraud guard settings (docs/BILLING.md
// "Per-extension guards"): a director's phone that may call satellite
// numbers, a call-centre phone that places many calls an hour, a lobby phone
// held tighter than the box. Each replaces the box-wide guard (the guards.*
// settings) for that extension.
#include <cstdint>
#include <optional>
#include <string>

#include "base/money.h"
#include "base/status.h"

namespace tarifador::billing {

struct ExtensionGuards {
  // nullopt: the box-wide guard; 0: off for this extension.
  std::optional<base::Money> max_price_per_minute = std::nullopt;
  std::optional<base::Money> max_call_cost = std::nullopt;
  std::optional<int64_t> max_concurrent_calls = std::nullopt;
  std::optional<int64_t> max_calls_per_hour = std::nullopt;
  std::optional<int64_t> max_repeats_per_hour = std::nullopt;
  // True: international calls at any hour (guards.international_hours does
  // not apply to this extension).
  bool international_any_time = false;

  bool empty() const {
    return !max_price_per_minute && !max_call_cost && !max_concurrent_calls && !max_calls_per_hour &&
           !max_repeats_per_hour && !international_any_time;
  }
  bool operator==(const ExtensionGuards&) const = default;
};

// The upper bounds the box-wide settings have too (config/settings_table.cpp).
inline constexpr int64_t kMaxConcurrentCallsLimit = 1000;
inline constexpr int64_t kMaxCallsPerHourLimit = 100'000;
inline constexpr int64_t kMaxRepeatsPerHourLimit = 1000;

// The money limit in force for one extension: its own when set (nullopt when
// that is 0: off), else the box's.
std::optional<base::Money> GuardLimit(const std::optional<base::Money>& own, const std::optional<base::Money>& box);
// The count limit in force (0: off): its own when set, else the box's.
int64_t GuardLimit(const std::optional<int64_t>& own, int64_t box);

// Money not negative, counts within the bounds above. InvalidArgument naming
// the field otherwise.
base::Status ValidateExtensionGuards(const ExtensionGuards& guards);

// "max_call_cost=5.0000, international_any_time" for the audit log;
// "box-wide" when empty.
std::string DescribeExtensionGuards(const ExtensionGuards& guards);

}  // namespace tarifador::billing
